"""Exports against golden files: the bytes a manager receives."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from governance.exports import audit_jsonl, inbox_words_jsonl, responses_csv, responses_jsonl
from governance.pseudonyms import pseudonym
from governance.queries import InboxWordsRow, ResponseRow
from storage.models import AuditEntry

GOLDEN = Path(__file__).parent / "golden"
FOOD = ResponseRow(
    created_at=datetime(2026, 11, 20, 10, 15, 0, tzinfo=timezone.utc),
    provider_id="acme-care",
    service_id="oak-house",
    person_ref="resident-7",
    respondent_role="person",
    conversation_id="c-1",
    question_set_id="lived_experience_checkin",
    question_id="food",
    answer_value="bad",
    free_text=None,
    themes=("food_drink",),
    cqc_statements=("Effective: Supporting people to live healthier lives",),
    channel="term",
)
ROWS = [
    FOOD,
    replace(
        FOOD,
        created_at=datetime(2026, 11, 20, 10, 16, 5, tzinfo=timezone.utc),
        question_id="food_more",
        answer_value=None,
        free_text='More curry, "less" pasta, and a café trip 😊',
        text_themes=("food_drink", "activities_community"),
    ),
    replace(
        FOOD,
        created_at=datetime(2026, 11, 21, 9, 0, 0, tzinfo=timezone.utc),
        conversation_id="c-2",
        question_set_id="incident_family",
        question_id="explained",
        answer_value="yes",
        themes=("incident_aftercare",),
        cqc_statements=(),
        respondent_role="family",
        channel="telegram",
        incident_id=3,
    ),
]


def label(row: ResponseRow) -> str:
    return pseudonym(b"golden-key", row.service_id, row.person_ref)


@pytest.mark.parametrize(
    ("writer", "name"), [(responses_csv, "responses.csv"), (responses_jsonl, "responses.jsonl")]
)
def test_export_matches_golden_file(writer, name: str) -> None:  # type: ignore[no-untyped-def]
    produced = writer(ROWS, label)
    golden = GOLDEN / name
    if os.environ.get("COVOICE_UPDATE_GOLDEN"):
        golden.write_bytes(produced)
    assert produced == golden.read_bytes()


def test_pseudonym_is_stable_and_hides_the_reference() -> None:
    first = pseudonym(b"k", "oak-house", "resident-7")
    assert first == pseudonym(b"k", "oak-house", "resident-7")
    assert first != pseudonym(b"other", "oak-house", "resident-7")
    assert first != pseudonym(b"k", "elm-house", "resident-7")
    assert "resident" not in first


@pytest.mark.parametrize(
    "start",
    ["=", "+", "-", "@", "\t", "\r"],
    ids=["equals", "plus", "minus", "at", "tab", "carriage-return"],
)
def test_csv_cell_starting_like_a_formula_is_made_harmless(start: str) -> None:
    text = start + 'HYPERLINK("http://x")'
    produced = responses_csv([replace(ROWS[1], free_text=text)], label).decode("utf-8-sig")
    (cell,) = [row["free_text"] for row in csv.DictReader(io.StringIO(produced, newline=""))]
    assert cell == "'" + text


def test_csv_cell_with_a_formula_sign_inside_is_left_alone() -> None:
    produced = responses_csv([replace(ROWS[1], free_text="2+2=4 @home")], label)
    assert b",2+2=4 @home," in produced


def test_inbox_words_jsonl_shows_references_through_the_label() -> None:
    row = InboxWordsRow(
        received_at=datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc),
        service_id="oak-house",
        sender_id="tg:200",
        message_id="m-1",
        channel="tg",
        contact_id=None,
        person_ref=None,
        conversation_id=None,
        status="received",
        text="who reads this? 😊",
    )
    known = replace(row, person_ref="resident-7")
    lines = inbox_words_jsonl([row, known], lambda _service, ref: f"<{ref}>").splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["person"] is None and first["sender"] == "<tg:200>"
    assert second["person"] == "<resident-7>"
    assert first["received_at"] == "2026-06-01T09:00:00Z" and first["text"] == row.text


def test_audit_jsonl_gives_times_in_utc() -> None:
    entry = AuditEntry(
        id=1,
        at=datetime(2026, 6, 1, 10, 0, tzinfo=timezone(timedelta(hours=1))),
        actor="ana",
        action="requests.reveal_people",
        reason="call back",
        detail={"rows": 1},
    )
    (line,) = audit_jsonl([entry]).splitlines()
    assert json.loads(line) == {
        "id": 1,
        "at": "2026-06-01T09:00:00Z",
        "actor": "ana",
        "action": "requests.reveal_people",
        "reason": "call back",
        "detail": {"rows": 1},
    }

"""Exports against golden files: the bytes a manager receives."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from governance.exports import responses_csv, responses_jsonl
from governance.pseudonyms import pseudonym
from governance.queries import ResponseRow

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


def test_csv_cell_that_looks_like_a_formula_is_made_harmless() -> None:
    row = replace(ROWS[1], free_text='=HYPERLINK("http://x")')
    assert b"'=HYPERLINK" in responses_csv([row], label)

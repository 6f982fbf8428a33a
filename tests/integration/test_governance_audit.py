"""Showing people's own references needs a reason and leaves a record; admins can read it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.audit_commands import audit_app
from cli.export_commands import inbox_app
from cli.main import app as main_app
from storage.unit_of_work import UnitOfWork
from tests.integration.governance_rows import (
    add_contact,
    add_conversation,
    add_inbound,
    add_response,
)

Store = Callable[[], UnitOfWork]
runner = CliRunner()

# The covoice command line, with the governance groups under the names they are registered as.
app = typer.Typer()
app.add_typer(main_app)
app.add_typer(audit_app, name="audit")
app.add_typer(inbox_app, name="inbox")

AT = datetime(2026, 6, 15, 10, 0, tzinfo=timezone.utc)
DAYS = ["--from", "2026-06-01", "--to", "2026-06-30"]


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "COVOICE_DATABASE_URL": database_url,
        "COVOICE_DATA_DIR": str(tmp_path),
        "COVOICE_PSEUDONYM_KEY": "audit-test",
        "COVOICE_ACTOR": "ana",
    }


@pytest.fixture
def store(unit_of_work: Store) -> Store:
    """An answer, a request for a person, and words kept only in the inbox, all in June."""
    with unit_of_work() as uow:
        contact = add_contact(uow, "tg:100", "resident-9")
        conversation = add_conversation(
            uow, "c-1", "resident-9", contact=contact, person_requested_at=AT
        )
        add_response(uow, conversation, "food", AT, "bad")
        add_inbound(uow, "m-1", "who reads\tthis?\n\x1b[2J", AT, conversation=conversation)
        add_inbound(uow, "m-2", "hello?", AT, sender_id="tg:200")
        uow.commit()
    return unit_of_work


def audit_log(store: Store) -> list[dict[str, object]]:
    with store() as uow:
        return [
            {
                "actor": e.actor,
                "action": e.action,
                "reason": e.reason,
                "detail": e.detail,
                "at": e.at,
            }
            for e in uow.audit.list_all()
            if not e.action.startswith("pseudonym_key.")
        ]


@pytest.mark.parametrize(
    "command",
    [
        ["export", "responses", *DAYS, "--format", "jsonl"],
        ["requests", *DAYS],
        ["inbox", "words", *DAYS],
    ],
    ids=["export", "requests", "inbox"],
)
@pytest.mark.parametrize("reason", [[], ["--reason", "  "]], ids=["no-reason", "blank-reason"])
def test_reveal_without_a_reason_shows_nothing_and_says_what_to_do(
    env: dict[str, str], store: Store, command: list[str], reason: list[str]
) -> None:
    result = runner.invoke(app, [*command, "--reveal-people", *reason], env=env)
    assert result.exit_code == 1 and result.stdout == ""
    assert "needs a reason" in result.stderr and '--reason "' in result.stderr
    assert audit_log(store) == []


def test_reveal_without_a_reason_writes_no_file(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "answers.csv"
    result = runner.invoke(
        app, ["export", "responses", *DAYS, "--output", str(out), "--reveal-people"], env=env
    )
    assert result.exit_code == 1 and not out.exists()


def test_revealing_people_in_an_export_records_who_what_when_why_and_which(
    env: dict[str, str], store: Store
) -> None:
    result = runner.invoke(
        app,
        [
            "export",
            "responses",
            *DAYS,
            "--service",
            "oak-house",
            "--theme",
            "food_drink",
            "--format",
            "jsonl",
            "--reveal-people",
            "--reason",
            " safeguarding review SG-12 ",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["person"] == "resident-9"
    (entry,) = audit_log(store)
    assert isinstance(entry.pop("at"), datetime)
    assert entry == {
        "actor": "ana",
        "action": "export.responses.reveal_people",
        "reason": "safeguarding review SG-12",
        "detail": {
            "from": "2026-06-01",
            "to": "2026-06-30",
            "service": "oak-house",
            "theme": "food_drink",
            "format": "jsonl",
            "rows": 1,
            "output": None,
        },
    }


def test_the_actor_is_the_system_user_when_covoice_actor_is_unset(
    env: dict[str, str], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "sam")
    env_without_actor: dict[str, str | None] = {**env, "COVOICE_ACTOR": None}
    result = runner.invoke(
        app, ["requests", *DAYS, "--reveal-people", "--reason", "call back"], env=env_without_actor
    )
    assert result.exit_code == 0, result.output
    assert "resident-9" in result.stdout
    (entry,) = audit_log(store)
    assert entry["actor"] == "sam" and entry["action"] == "requests.reveal_people"
    assert entry["detail"] == {
        "from": "2026-06-01",
        "to": "2026-06-30",
        "service": None,
        "format": "text",
        "rows": 1,
    }


def test_exports_that_keep_pseudonyms_are_not_logged_as_reveals(
    env: dict[str, str], store: Store
) -> None:
    result = runner.invoke(app, ["export", "responses", *DAYS, "--reason", "curious"], env=env)
    assert result.exit_code == 0 and "resident-9" not in result.stdout
    assert audit_log(store) == []


def test_audit_entries_are_only_added(env: dict[str, str], store: Store) -> None:
    for reason in ("first look", "second look"):
        result = runner.invoke(
            app, ["requests", *DAYS, "--reveal-people", "--reason", reason], env=env
        )
        assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["audit", "list", "--format", "jsonl"], env=env)
    assert listed.exit_code == 0, listed.output
    entries = [json.loads(line) for line in listed.stdout.splitlines()]
    reveals = [e for e in entries if e["action"] == "requests.reveal_people"]
    assert [e["reason"] for e in reveals] == ["first look", "second look"]
    assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)
    assert all(e["at"].endswith("Z") and e["actor"] == "ana" for e in reveals)


def test_audit_list_shows_one_entry_a_line(env: dict[str, str], store: Store) -> None:
    empty = runner.invoke(app, ["audit", "list"], env=env)
    assert empty.exit_code == 0 and "The audit log is empty." in empty.stdout
    runner.invoke(app, ["requests", *DAYS, "--reveal-people", "--reason", "call\nback"], env=env)
    listed = runner.invoke(app, ["audit", "list"], env=env)
    header, entry = listed.stdout.splitlines()
    assert header == "at (UTC)\tactor\taction\treason\tdetail"
    assert "\tana\trequests.reveal_people\tcall\\nback\t{" in entry


def test_inbox_words_are_pseudonymised_and_printed_safely(
    env: dict[str, str], store: Store
) -> None:
    result = runner.invoke(app, ["inbox", "words", *DAYS], env=env)
    assert result.exit_code == 0, result.output
    header, known, stranger = result.stdout.splitlines()
    assert header == "received at (UTC)\tservice\tperson\tstatus\twords"
    assert known.startswith("2026-06-15 10:00\toak-house\tp-")
    assert known.endswith("\tanswered\twho reads\\tthis?\\n\\x1b[2J")
    assert "resident-9" not in result.stdout and "tg:200" not in result.stdout
    assert stranger.split("\t")[2].startswith("p-")
    assert audit_log(store) == []


def test_inbox_words_revealed_show_references_and_are_logged(
    env: dict[str, str], store: Store
) -> None:
    result = runner.invoke(
        app,
        ["inbox", "words", *DAYS, "--format", "jsonl", "--reveal-people", "--reason", "screen"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["person"], r["sender"]) for r in rows] == [
        ("resident-9", "tg:100"),
        (None, "tg:200"),
    ]
    (entry,) = audit_log(store)
    assert entry["action"] == "inbox.words.reveal_people"
    assert entry["detail"] == {
        "from": "2026-06-01",
        "to": "2026-06-30",
        "service": None,
        "format": "jsonl",
        "rows": 2,
        "output": None,
    }

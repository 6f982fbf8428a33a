"""The command line against a real store: exports and clear errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from storage.models import ConversationStatus
from storage.unit_of_work import UnitOfWork
from tests.conftest import CHECKIN
from tests.integration.governance_rows import add_conversation, add_response

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "COVOICE_DATABASE_URL": database_url,
        "COVOICE_DATA_DIR": str(tmp_path),
        "COVOICE_PSEUDONYM_KEY": "cli-test",
    }


# 11:00 on 15 June in London; every export below asks for that day.
ANSWERED_AT = datetime(2026, 6, 15, 10, 0, tzinfo=timezone.utc)
DAY = "2026-06-15"


@pytest.fixture
def answered(unit_of_work: Callable[[], UnitOfWork]) -> str:
    with unit_of_work() as uow:
        conversation = add_conversation(uow, "c-answered", "resident-9")
        add_response(uow, conversation, "food", ANSWERED_AT, "bad", themes=("food_drink",))
        add_response(
            uow,
            conversation,
            "home",
            ANSWERED_AT.replace(minute=1),
            "good",
            themes=("home_environment",),
        )
        uow.commit()
    return "c-answered"


def test_export_jsonl_filters_by_theme_and_pseudonymises(
    env: dict[str, str], answered: str
) -> None:
    result = runner.invoke(
        app,
        [
            "export",
            "responses",
            "--from",
            DAY,
            "--to",
            DAY,
            "--theme",
            "food_drink",
            "--service",
            "oak-house",
            "--format",
            "jsonl",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["question_id"], r["answer_value"]) for r in rows] == [("food", "bad")]
    assert rows[0]["person"].startswith("p-") and "resident-9" not in result.stdout


def test_export_csv_to_a_file_can_reveal_people(
    env: dict[str, str], answered: str, tmp_path: Path
) -> None:
    out = tmp_path / "answers.csv"
    result = runner.invoke(
        app,
        [
            "export",
            "responses",
            "--from",
            DAY,
            "--to",
            DAY,
            "--format",
            "csv",
            "--output",
            str(out),
            "--reveal-people",
            "--reason",
            "care review for resident-9",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 3 and "resident-9" in lines[1]


def test_export_counts_days_in_the_service_time_zone(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    with unit_of_work() as uow:
        conversation = add_conversation(uow, "c-night", "resident-3")
        # 00:30 on 1 June in London, summer time.
        add_response(uow, conversation, "food", datetime(2026, 5, 31, 23, 30, tzinfo=timezone.utc))
        uow.commit()

    def export(first: str, last: str) -> list[dict[str, str]]:
        result = runner.invoke(
            app,
            ["export", "responses", "--from", first, "--to", last, "--format", "jsonl"],
            env=env,
        )
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.stdout.splitlines()]

    assert [row["created_at"] for row in export("2026-06-01", "2026-06-30")] == [
        "2026-05-31T23:30:00Z"
    ]
    assert export("2026-05-01", "2026-05-31") == []


def test_export_outside_the_days_is_empty(env: dict[str, str], answered: str) -> None:
    result = runner.invoke(
        app,
        ["export", "responses", "--from", "2020-01-01", "--to", "2020-01-31", "--format", "jsonl"],
        env=env,
    )
    assert result.exit_code == 0 and result.stdout == ""


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--from", "23/11/2026", "--to", "2026-11-30"], "--from must be a day written YYYY-MM-DD"),
        (["--from", "2026-11-30", "--to", "2026-11-01"], "--to is before --from"),
        (
            ["--from", "2026-11-01", "--to", "2026-11-30", "--theme", "meals"],
            "Unknown theme 'meals'",
        ),
        (["--from", "2026-11-01", "--to", "2026-11-30", "--service", "nope"], "no service with id"),
        (["--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx"], "Unknown format"),
    ],
)
def test_export_mistakes_get_a_clear_message(
    env: dict[str, str], options: list[str], message: str
) -> None:
    result = runner.invoke(app, ["export", "responses", *options], env=env)
    assert result.exit_code == 1
    assert message in result.output


def test_chat_with_an_unknown_service_lists_the_known_ones(
    env: dict[str, str], unit_of_work: object
) -> None:
    result = runner.invoke(app, ["chat", "--service", "nope"], env=env)
    assert result.exit_code == 1
    assert "no service with id 'nope'" in result.output and "oak-house" in result.output


def test_question_set_check_reports_a_broken_file(env: dict[str, str], tmp_path: Path) -> None:
    sets = tmp_path / "sets"
    sets.mkdir()
    (sets / "broken.yml").write_text(
        CHECKIN.read_text(encoding="utf-8").replace("scale: scale3", "scale: stars", 1),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["question-sets", "check", str(sets)], env=env)
    assert result.exit_code == 1
    assert "broken.yml: question 'staff_kind': scale" in result.output


def test_question_set_check_passes_the_shipped_sets(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["question-sets", "check"], env=env)
    assert result.exit_code == 0
    assert "OK  lived_experience_checkin" in result.output


def test_a_store_that_is_not_set_up_gets_a_next_step(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {"COVOICE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "PATH": "/usr/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "service", "list"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "covoice migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_answers_of_a_withdrawn_conversation_are_not_exported(
    env: dict[str, str], answered: str, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    with unit_of_work() as uow:
        conversation = uow.conversations.get(answered)
        assert conversation is not None
        conversation.withdrawn_at = ANSWERED_AT.replace(hour=12)
        uow.commit()
    result = runner.invoke(
        app, ["export", "responses", "--from", DAY, "--to", DAY, "--format", "jsonl"], env=env
    )
    assert result.exit_code == 0 and result.stdout == ""


def test_requests_lists_who_asked_for_a_person(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    with unit_of_work() as uow:
        add_conversation(
            uow,
            "c-asked",
            "resident-4",
            status=ConversationStatus.in_progress,
            person_requested_at=ANSWERED_AT,
        )
        uow.commit()
    result = runner.invoke(app, ["requests", "--from", DAY, "--to", DAY], env=env)
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.startswith("asked at (UTC)")
    assert row.startswith("2026-06-15 10:00\toak-house\tp-") and "resident-4" not in row
    revealed = runner.invoke(
        app,
        ["requests", "--from", DAY, "--to", DAY, "--reveal-people", "--reason", "call back"],
        env=env,
    )
    assert revealed.exit_code == 0, revealed.output
    assert "resident-4" in revealed.stdout


def test_requests_says_so_when_no_one_asked(env: dict[str, str], unit_of_work: object) -> None:
    result = runner.invoke(app, ["requests", "--from", "2026-01-01", "--to", "2026-01-31"], env=env)
    assert result.exit_code == 0
    assert "No one asked to talk to someone between 2026-01-01 and 2026-01-31." in result.stdout


def test_a_service_time_zone_that_is_not_known_gets_a_next_step(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    with unit_of_work() as uow:
        service = uow.services.get("oak-house")
        assert service is not None
        service.time_zone = "London"
        uow.commit()
    result = runner.invoke(app, ["requests", "--from", DAY, "--to", DAY], env=env)
    assert result.exit_code == 1
    assert "'oak-house' has the time zone 'London'" in result.stderr
    assert "e.g. Europe/London" in result.stderr and "Traceback" not in result.output


def test_a_service_is_added_with_its_own_clock_and_an_unknown_zone_is_refused(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    added = runner.invoke(
        app,
        ["service", "add", "elm", "--name", "Elm", "--provider-id", "acme-care"]
        + ["--time-zone", "Europe/Dublin"],
        env=env,
    )
    assert added.exit_code == 0, added.output
    refused = runner.invoke(
        app,
        ["service", "add", "ash", "--name", "Ash", "--provider-id", "acme-care"]
        + ["--time-zone", "Mars/Olympus"],
        env=env,
    )
    assert refused.exit_code == 1 and "not a time zone" in refused.output
    listed = runner.invoke(app, ["service", "list"], env=env)
    assert "elm\tElm\tEurope/Dublin" in listed.output and "ash" not in listed.output
    with unit_of_work() as uow:
        elm = uow.services.get("elm")
        assert elm is not None and elm.time_zone == "Europe/Dublin"

"""`covoice apikey`: a key is shown once, listed without its secret, and revocable."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.credentials import verify
from cli.main import app
from storage.unit_of_work import UnitOfWork

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"COVOICE_DATABASE_URL": database_url, "COVOICE_DATA_DIR": str(tmp_path)}


def test_a_key_is_shown_once_works_and_stops_working_when_revoked(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    made = runner.invoke(
        app,
        ["apikey", "add", "--label", "Oak House kiosk", "--channel", "kiosk"]
        + ["--service", "oak-house"],
        env=env,
    )
    assert made.exit_code == 0, made.output
    [key] = re.findall(r"cvk_[0-9a-f]{12}_\S+", made.output)
    prefix = key.split("_")[1]
    assert "only time" in made.output
    with unit_of_work() as uow:
        credential = verify(uow, key)
    assert credential is not None and credential.channel == "kiosk"

    listed = runner.invoke(app, ["apikey", "list"], env=env)
    assert prefix in listed.output and "oak-house" in listed.output and "active" in listed.output
    assert key not in listed.output

    revoked = runner.invoke(app, ["apikey", "revoke", prefix], env=env)
    assert revoked.exit_code == 0 and "Revoked" in revoked.output
    with unit_of_work() as uow:
        assert verify(uow, key) is None
    assert "revoked" in runner.invoke(app, ["apikey", "list"], env=env).output


def test_a_key_for_every_service_is_made_only_when_asked_for(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    refused = runner.invoke(app, ["apikey", "add", "--label", "bot", "--channel", "tg"], env=env)
    assert refused.exit_code == 1 and "--all-services" in refused.output
    made = runner.invoke(
        app, ["apikey", "add", "--label", "bot", "--channel", "tg", "--all-services"], env=env
    )
    assert made.exit_code == 0
    assert "all services" in runner.invoke(app, ["apikey", "list"], env=env).output


def test_a_key_for_an_unknown_service_is_not_made_and_the_services_are_named(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    result = runner.invoke(
        app,
        ["apikey", "add", "--label", "k", "--channel", "kiosk", "--service", "elm-court"],
        env=env,
    )
    assert result.exit_code == 1
    assert "Unknown service elm-court" in result.output and "oak-house" in result.output
    assert "No keys yet" in runner.invoke(app, ["apikey", "list"], env=env).output


def test_revoking_an_unknown_prefix_says_where_to_look(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    result = runner.invoke(app, ["apikey", "revoke", "0000"], env=env)
    assert result.exit_code == 1 and "covoice apikey list" in result.output

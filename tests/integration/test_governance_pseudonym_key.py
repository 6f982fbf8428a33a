"""The pseudonym key is checked against the store; losing it is loud, never silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.audit_commands import audit_app, pseudonym_key_app
from cli.main import app as main_app
from covoice.settings import Settings
from governance.pseudonym_key import (
    ADOPTED,
    CREATED,
    REPLACED,
    PseudonymKeyError,
    checked_pseudonym_secret,
    fingerprint,
    recorded_key,
    replace_key,
)
from storage.unit_of_work import UnitOfWork

Store = Callable[[], UnitOfWork]
runner = CliRunner()

# The covoice command line, with the governance groups under the names they are registered as.
app = typer.Typer()
app.add_typer(main_app)
app.add_typer(audit_app, name="audit")
app.add_typer(pseudonym_key_app, name="pseudonym-key")


def key_settings(tmp_path: Path, key: str = "") -> Settings:
    return Settings(data_dir=tmp_path / "data", pseudonym_key=key)


def use_key(store: Store, settings: Settings) -> bytes:
    with store() as uow:
        secret = checked_pseudonym_secret(uow, settings, "ana")
        uow.commit()
    return secret


def key_entries(store: Store) -> list[tuple[str, dict[str, object]]]:
    with store() as uow:
        return [(e.action, e.detail) for e in uow.audit.list_all() if e.action.startswith("pseudo")]


def test_first_use_makes_the_key_and_records_only_its_fingerprint(
    unit_of_work: Store, tmp_path: Path
) -> None:
    settings = key_settings(tmp_path)
    secret = use_key(unit_of_work, settings)
    assert settings.pseudonym_key_file.read_bytes().strip() == secret
    assert key_entries(unit_of_work) == [
        (CREATED, {"fingerprint": fingerprint(secret), "source": "file"})
    ]
    assert secret.decode() not in str(key_entries(unit_of_work))


def test_later_uses_read_the_same_key_and_record_nothing_more(
    unit_of_work: Store, tmp_path: Path
) -> None:
    settings = key_settings(tmp_path)
    first = use_key(unit_of_work, settings)
    assert use_key(unit_of_work, settings) == first
    assert len(key_entries(unit_of_work)) == 1


def test_missing_key_file_is_refused_and_no_new_key_is_made(
    unit_of_work: Store, tmp_path: Path
) -> None:
    settings = key_settings(tmp_path)
    use_key(unit_of_work, settings)
    settings.pseudonym_key_file.unlink()
    with pytest.raises(PseudonymKeyError) as refused:
        use_key(unit_of_work, settings)
    message = str(refused.value)
    assert "is missing" in message and "Restore the file from a backup" in message
    assert "covoice pseudonym-key new --confirm" in message
    assert not settings.pseudonym_key_file.exists()


def test_a_different_key_file_is_refused(unit_of_work: Store, tmp_path: Path) -> None:
    settings = key_settings(tmp_path)
    use_key(unit_of_work, settings)
    settings.pseudonym_key_file.write_text("some-other-key\n")
    with pytest.raises(PseudonymKeyError, match="is not the key the store uses"):
        use_key(unit_of_work, settings)


def test_key_from_the_environment_is_adopted_then_held_to(
    unit_of_work: Store, tmp_path: Path
) -> None:
    assert use_key(unit_of_work, key_settings(tmp_path, "env-key")) == b"env-key"
    assert key_entries(unit_of_work) == [
        (ADOPTED, {"fingerprint": fingerprint(b"env-key"), "source": "environment"})
    ]
    with pytest.raises(PseudonymKeyError, match="COVOICE_PSEUDONYM_KEY"):
        use_key(unit_of_work, key_settings(tmp_path, "changed-key"))


def test_key_file_older_than_the_record_keeps_every_pseudonym(
    unit_of_work: Store, tmp_path: Path
) -> None:
    settings = key_settings(tmp_path)
    settings.data_dir.mkdir()
    # A key file written before the store recorded keys, without a final newline.
    settings.pseudonym_key_file.write_text("a" * 64)
    settings.pseudonym_key_file.chmod(0o600)
    assert use_key(unit_of_work, settings) == b"a" * 64
    assert [action for action, _ in key_entries(unit_of_work)] == [ADOPTED]


def test_replacing_the_key_records_that_every_pseudonym_changes(
    unit_of_work: Store, tmp_path: Path
) -> None:
    settings = key_settings(tmp_path)
    old = use_key(unit_of_work, settings)
    with unit_of_work() as uow:
        made = replace_key(uow, settings, "ana", "key lost with the old laptop")
        uow.commit()
    new = use_key(unit_of_work, settings)
    assert new != old and made.fingerprint == fingerprint(new)
    assert made.kept_old_file is not None and made.kept_old_file.read_bytes().strip() == old
    action, detail = key_entries(unit_of_work)[-1]
    assert action == REPLACED
    assert detail["previous_fingerprint"] == fingerprint(old)
    assert detail["every_pseudonym_changes"] is True
    with unit_of_work() as uow:
        known = recorded_key(uow.session)
    assert known is not None and known.fingerprint == fingerprint(new)


@pytest.fixture
def env(database_url: str, tmp_path: Path, unit_of_work: Store) -> dict[str, str]:
    return {
        "COVOICE_DATABASE_URL": database_url,
        "COVOICE_DATA_DIR": str(tmp_path / "data"),
        "COVOICE_PSEUDONYM_KEY": "",
        "COVOICE_ACTOR": "ana",
    }


def test_export_without_its_key_file_stops_with_a_next_step(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert runner.invoke(app, ["pseudonym-key", "check"], env=env).exit_code == 0
    (tmp_path / "data" / "pseudonym.key").unlink()
    result = runner.invoke(
        app, ["export", "responses", "--from", "2026-06-01", "--to", "2026-06-30"], env=env
    )
    assert result.exit_code == 1 and result.stdout == ""
    assert "Restore the file from a backup" in result.stderr
    assert "Traceback" not in result.output


def test_new_key_needs_confirm_then_is_recorded(env: dict[str, str]) -> None:
    first = runner.invoke(app, ["pseudonym-key", "check"], env=env)
    assert first.exit_code == 0 and "fingerprint" in first.stdout
    unconfirmed = runner.invoke(app, ["pseudonym-key", "new"], env=env)
    assert unconfirmed.exit_code == 1
    assert "changes every person's pseudonym" in unconfirmed.stderr
    confirmed = runner.invoke(
        app, ["pseudonym-key", "new", "--confirm", "--reason", "key lost"], env=env
    )
    assert confirmed.exit_code == 0, confirmed.output
    assert "every pseudonym has changed" in confirmed.stdout
    logged = runner.invoke(app, ["audit", "list"], env=env)
    assert "pseudonym_key.created" in logged.stdout
    assert "\tana\tpseudonym_key.replaced\tkey lost\t" in logged.stdout

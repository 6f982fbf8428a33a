"""Settings fail loudly, naming the variable; the pseudonym key file is made safely."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from covoice.settings import Settings, SettingsError, load_settings


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COVOICE_RASA_URL", "localhost:5005")
    with pytest.raises(SettingsError, match="COVOICE_RASA_URL: .*http://"):
        load_settings()


def test_bad_port_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COVOICE_APP_PORT", "eighty")
    with pytest.raises(SettingsError, match="COVOICE_APP_PORT"):
        load_settings()


def test_email_needs_a_sender_address_once_a_mail_server_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COVOICE_SMTP_HOST", "mail.oak.example")
    with pytest.raises(SettingsError, match="COVOICE_SMTP_FROM"):
        load_settings()
    monkeypatch.setenv("COVOICE_SMTP_USER", "alerts@oak.example")
    assert load_settings().smtp_from == "alerts@oak.example"
    monkeypatch.setenv("COVOICE_SMTP_TLS", "sometimes")
    with pytest.raises(SettingsError, match="COVOICE_SMTP_TLS"):
        load_settings()


def test_email_is_off_and_alerts_escalate_after_half_an_hour_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("COVOICE_SMTP_HOST", "COVOICE_ALERT_ESCALATE_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls) == ("", 587, "starttls")
    assert settings.alert_escalate_minutes == 30


def test_defaults_are_the_embedded_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COVOICE_DATABASE_URL", "COVOICE_RASA_URL", "COVOICE_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.rasa_url == "http://127.0.0.1:5005"


def test_pseudonym_key_file_is_owner_only_from_its_first_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[tuple[str, int, int]] = []
    real_open = os.open

    def spy(path: Any, flags: int, mode: int = 0o777, *args: Any, **kwargs: Any) -> int:
        opened.append((str(path), flags, mode))
        return real_open(path, flags, mode, *args, **kwargs)

    def no_chmod(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the key file must be made with its mode, not changed afterwards")

    monkeypatch.setattr(os, "open", spy)
    monkeypatch.setattr(os, "chmod", no_chmod)
    monkeypatch.setattr(Path, "chmod", no_chmod)
    settings = Settings(data_dir=tmp_path, pseudonym_key="")
    previous_umask = os.umask(0)  # so the mode we see is the mode the code asked for
    try:
        secret = settings.create_pseudonym_key_file()
    finally:
        os.umask(previous_umask)
    (path, flags, mode) = opened[0]
    assert Path(path).parent == tmp_path
    assert flags & os.O_CREAT and flags & os.O_EXCL and mode == 0o600
    assert stat.S_IMODE(settings.pseudonym_key_file.stat().st_mode) == 0o600
    assert settings.pseudonym_secret() == secret and len(secret) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["pseudonym.key"]


def write_private(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)


def test_pseudonym_key_file_is_never_overwritten(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, pseudonym_key="")
    write_private(settings.pseudonym_key_file, "the-old-key\n")
    with pytest.raises(FileExistsError):
        settings.create_pseudonym_key_file()
    assert settings.pseudonym_secret() == b"the-old-key"


def test_missing_pseudonym_key_is_not_made_by_reading(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, pseudonym_key="")
    assert settings.pseudonym_secret() is None
    assert not settings.pseudonym_key_file.exists()


def test_pseudonym_key_from_the_environment_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pseudonym.key").write_text("from-file")
    monkeypatch.setenv("COVOICE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COVOICE_PSEUDONYM_KEY", "from-environment")
    assert load_settings().pseudonym_secret() == b"from-environment"


def test_empty_pseudonym_key_file_is_refused_with_a_next_step(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, pseudonym_key="")
    write_private(settings.pseudonym_key_file, "\n")
    with pytest.raises(SettingsError, match="is empty. Restore it from a backup"):
        settings.pseudonym_secret()


def test_pseudonym_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, pseudonym_key="")
    settings.pseudonym_key_file.write_text("a-key")
    settings.pseudonym_key_file.chmod(0o644)
    with pytest.raises(SettingsError, match="can be read by other users.*chmod 600"):
        settings.pseudonym_secret()


def test_actor_is_read_from_covoice_actor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COVOICE_ACTOR", "Ana Lopez")
    assert load_settings().actor == "Ana Lopez"

"""Settings fail loudly, naming the variable."""

from __future__ import annotations

import pytest

from covoice.settings import SettingsError, load_settings


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COVOICE_RASA_URL", "localhost:5005")
    with pytest.raises(SettingsError, match="COVOICE_RASA_URL: .*http://"):
        load_settings()


def test_bad_port_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COVOICE_APP_PORT", "eighty")
    with pytest.raises(SettingsError, match="COVOICE_APP_PORT"):
        load_settings()


def test_defaults_are_the_embedded_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COVOICE_DATABASE_URL", "COVOICE_RASA_URL", "COVOICE_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.rasa_url == "http://127.0.0.1:5005"

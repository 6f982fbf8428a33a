"""API keys are kept only as hashes, fix a channel and services, and can be revoked;
the secrets the processes share are private files from their first byte."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
from pydantic import SecretStr

from bot.credentials import CredentialError, hash_key, issue, list_keys, revoke, verify
from covoice.settings import Settings, SettingsError, read_or_create_secret
from storage.models import ApiKey
from storage.unit_of_work import UnitOfWork


@dataclass
class FakeApiKeys:
    rows: list[ApiKey] = field(default_factory=list)

    def by_hash(self, key_hash: str) -> ApiKey | None:
        return next((r for r in self.rows if r.key_hash == key_hash), None)

    def by_prefix(self, prefix: str) -> ApiKey | None:
        return next((r for r in self.rows if r.prefix == prefix), None)

    def list_all(self) -> list[ApiKey]:
        return list(self.rows)

    def add(self, key: ApiKey) -> None:
        self.rows.append(key)


@dataclass
class FakeService:
    id: str


@dataclass
class FakeServices:
    ids: tuple[str, ...] = ("oak-house", "elm-court")

    def get(self, service_id: str) -> FakeService | None:
        return FakeService(service_id) if service_id in self.ids else None

    def list_all(self) -> list[FakeService]:
        return [FakeService(i) for i in self.ids]


@dataclass
class FakeUnitOfWork:
    api_keys: FakeApiKeys = field(default_factory=FakeApiKeys)
    services: FakeServices = field(default_factory=FakeServices)


@pytest.fixture
def uow() -> UnitOfWork:
    return cast(UnitOfWork, FakeUnitOfWork())


def test_a_key_is_kept_only_as_its_hash_and_a_prefix(uow: UnitOfWork) -> None:
    issued = issue(uow, "Oak House kiosk", "kiosk", ["oak-house"])
    [row] = uow.api_keys.list_all()
    assert row.key_hash == hash_key(issued.raw) != issued.raw
    assert issued.raw not in {str(value) for value in vars(row).values()}
    assert row.prefix == issued.prefix and issued.raw.startswith(f"cvk_{issued.prefix}_")
    assert len(row.key_hash) == 64 and len(row.prefix) <= 16


def test_a_verified_key_fixes_its_channel_and_services(uow: UnitOfWork) -> None:
    issued = issue(uow, "Oak House kiosk", "kiosk", ["oak-house"])
    credential = verify(uow, issued.raw)
    assert credential is not None
    assert credential.channel == "kiosk"
    assert credential.may_speak_for("oak-house")
    assert not credential.may_speak_for("elm-court")


def test_two_keys_are_never_the_same(uow: UnitOfWork) -> None:
    first = issue(uow, "one", "kiosk", ["oak-house"])
    second = issue(uow, "two", "kiosk", ["oak-house"])
    assert first.raw != second.raw and first.prefix != second.prefix


@pytest.mark.parametrize(
    "presented",
    ["", "Bearer", "cvk_000000000000_" + "A" * 43, "not-a-key", "x" * 10_000],
)
def test_an_unknown_or_malformed_key_is_refused(uow: UnitOfWork, presented: str) -> None:
    issue(uow, "Oak House kiosk", "kiosk", ["oak-house"])
    assert verify(uow, presented) is None


def test_a_key_changed_by_one_character_is_refused(uow: UnitOfWork) -> None:
    issued = issue(uow, "Oak House kiosk", "kiosk", ["oak-house"])
    last = issued.raw[-1]
    assert verify(uow, issued.raw[:-1] + ("A" if last != "A" else "B")) is None


def test_a_revoked_key_is_refused_and_still_listed_without_its_secret(uow: UnitOfWork) -> None:
    issued = issue(uow, "Oak House kiosk", "kiosk", ["oak-house"])
    revoke(uow, issued.prefix)
    assert verify(uow, issued.raw) is None
    [listed] = list_keys(uow)
    assert listed.revoked_at is not None and listed.prefix == issued.prefix
    assert issued.raw not in repr(listed)


def test_revoking_an_unknown_prefix_says_how_to_find_one(uow: UnitOfWork) -> None:
    with pytest.raises(CredentialError, match="covoice apikey list"):
        revoke(uow, "nope")


def test_a_key_for_all_services_must_be_asked_for(uow: UnitOfWork) -> None:
    with pytest.raises(CredentialError, match="--all-services"):
        issue(uow, "Telegram bot", "tg", [])
    issued = issue(uow, "Telegram bot", "tg", [], all_services=True)
    credential = verify(uow, issued.raw)
    assert credential is not None and credential.may_speak_for("any-service-at-all")


@pytest.mark.parametrize(
    ("channel", "services", "problem"),
    [
        ("Kiosk!", ["oak-house"], "lowercase letters"),
        ("term", ["oak-house"], "terminal chat"),
        ("kiosk", ["no-such-house"], "Unknown service no-such-house"),
    ],
)
def test_a_key_that_could_not_be_used_is_not_made(
    uow: UnitOfWork, channel: str, services: list[str], problem: str
) -> None:
    with pytest.raises(CredentialError, match=problem):
        issue(uow, "label", channel, services)
    assert uow.api_keys.list_all() == []


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_generated_secret_is_private_and_kept_for_the_next_process(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    token = settings.rasa_api_token()
    secret = settings.action_server_secret()
    assert token != secret and len(token) >= 32
    for kept in (tmp_path / "data" / "rasa_api.token", tmp_path / "data" / "action_server.secret"):
        assert _mode(kept) == 0o600
    # Another process reading the same data folder gets the same secrets.
    again = Settings(data_dir=tmp_path / "data")
    assert (again.rasa_api_token(), again.action_server_secret()) == (token, secret)
    assert [p.name for p in (tmp_path / "data").iterdir() if p.name.startswith(".")] == []


def test_a_secret_is_private_even_under_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        read_or_create_secret(tmp_path / "s")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "s") == 0o600


def test_a_secret_others_can_read_is_refused(tmp_path: Path) -> None:
    read_or_create_secret(tmp_path / "s")
    (tmp_path / "s").chmod(0o644)
    with pytest.raises(SettingsError, match="chmod 600"):
        read_or_create_secret(tmp_path / "s")


def test_secrets_from_the_environment_win_and_make_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COVOICE_RASA_TOKEN", "t" * 32)
    monkeypatch.setenv("COVOICE_ACTION_SECRET", "s" * 32)
    settings = Settings(data_dir=tmp_path)
    assert (settings.rasa_api_token(), settings.action_server_secret()) == ("t" * 32, "s" * 32)
    assert list(tmp_path.iterdir()) == []
    assert "t" * 32 not in repr(settings)


@pytest.mark.parametrize("weak", ["short", "has spaces in it and is long enough", "a$b" * 10])
def test_a_weak_or_unsafe_secret_in_the_environment_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, weak: str
) -> None:
    from covoice.settings import load_settings

    monkeypatch.setenv("COVOICE_ACTION_SECRET", weak)
    with pytest.raises(SettingsError, match="COVOICE_ACTION_SECRET"):
        load_settings()


def test_every_server_listens_on_loopback_unless_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BIND_HOST", "RASA_BIND_HOST", "ACTION_BIND_HOST", "APP_BIND_HOST"):
        monkeypatch.delenv(f"COVOICE_{name}", raising=False)
    settings = Settings()
    assert {settings.host_for(server) for server in ("rasa", "action", "app")} == {"127.0.0.1"}
    opened: dict[str, Any] = {"bind_host": "0.0.0.0", "rasa_bind_host": "127.0.0.1"}
    settings = Settings(**opened)
    assert settings.host_for("app") == "0.0.0.0" and settings.host_for("rasa") == "127.0.0.1"
    assert isinstance(settings.rasa_token, SecretStr)


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("Bearer " + "s" * 32, True),
        ("bearer " + "s" * 32, True),
        ("Bearer " + "s" * 31, False),
        ("Bearer " + "s" * 33, False),
        ("s" * 32, False),
        ("Basic " + "s" * 32, False),
        ("", False),
        (None, False),
    ],
)
def test_the_action_server_takes_only_its_secret_as_a_bearer_token(
    header: str | None, accepted: bool
) -> None:
    from cli.action_server import bearer_matches

    assert bearer_matches(header, "s" * 32) is accepted


def test_the_rasa_token_is_hidden_in_httpx_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    import httpx

    from bot.rasa_client import hide_tokens_in_httpx_logs

    hide_tokens_in_httpx_logs()
    caplog.set_level(logging.INFO, logger="httpx")
    url = httpx.URL("http://127.0.0.1:5005/status", params={"token": "s" * 32})
    logging.getLogger("httpx").info('HTTP Request: %s %s "%s"', "GET", url, "HTTP/1.1 200 OK")
    assert "s" * 32 not in caplog.text and "token=hidden" in caplog.text

"""/api/chat takes only what a valid key allows, within its size limits, and stores
nothing for a message it refuses.

The app runs with its real parts and a real store; the Rasa server is not
running, so a message that gets through is kept in the inbox and answered
with a kind "try again".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.credentials import issue, revoke
from cli.stack import free_port
from covoice.settings import Settings
from storage.models import Contact, InboundMessage
from storage.unit_of_work import UnitOfWork
from tests.conftest import fixture_settings


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return fixture_settings(
        tmp_path, database_url=database_url, rasa_url=f"http://127.0.0.1:{free_port()}"
    )


@pytest.fixture
def client(settings: Settings, unit_of_work: Callable[[], UnitOfWork]) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def make_key(
    unit_of_work: Callable[[], UnitOfWork],
    channel: str = "kiosk",
    services: tuple[str, ...] = ("oak-house",),
) -> str:
    with unit_of_work() as uow:
        issued = issue(uow, f"{channel} for tests", channel, list(services))
        uow.commit()
    return issued.raw


def message(**changes: Any) -> dict[str, Any]:
    return {"sender": "tablet-1", "text": "hello", "service": "oak-house"} | changes


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def stored(unit_of_work: Callable[[], UnitOfWork]) -> tuple[int, int]:
    """How many inbox messages and contacts the store holds."""
    with unit_of_work() as uow:
        inbox = uow.session.scalar(select(func.count()).select_from(InboundMessage))
        contacts = uow.session.scalar(select(func.count()).select_from(Contact))
    return inbox or 0, contacts or 0


def test_a_message_with_a_valid_key_is_kept_as_the_keys_channel(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    key = make_key(unit_of_work, channel="kiosk")
    # A channel in the body is not the caller's to choose.
    response = client.post("/api/chat", json=message(channel="tg"), headers=bearer(key))
    assert response.status_code == 200, response.text
    assert response.json()["replies"]  # Rasa is down: a kind "try again", never silence
    with unit_of_work() as uow:
        [kept] = uow.session.scalars(select(InboundMessage)).all()
        assert (kept.channel, kept.sender_id) == ("kiosk", "kiosk:tablet-1")


def test_a_message_without_a_key_is_refused_and_nothing_is_stored(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    response = client.post("/api/chat", json=message())
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"
    assert "Authorization: Bearer <key>" in response.json()["message"]
    assert stored(unit_of_work) == (0, 0)


@pytest.mark.parametrize("how", ["made up", "revoked", "not a bearer", "one character off"])
def test_a_wrong_or_revoked_key_is_refused_and_nothing_is_stored(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork], how: str
) -> None:
    key = make_key(unit_of_work)
    headers = bearer(key)
    if how == "made up":
        headers = bearer("cvk_0123456789ab_" + "x" * 43)
    elif how == "revoked":
        with unit_of_work() as uow:
            revoke(uow, key.split("_")[1])
            uow.commit()
    elif how == "not a bearer":
        headers = {"Authorization": f"Basic {key}"}
    else:
        headers = bearer(key[:-1] + ("x" if key[-1] != "x" else "y"))
    response = client.post("/api/chat", json=message(), headers=headers)
    assert response.status_code == 401
    assert stored(unit_of_work) == (0, 0)


def test_a_service_not_on_the_key_is_refused_kindly_and_nothing_is_stored(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    key = make_key(unit_of_work, services=("oak-house",))
    response = client.post("/api/chat", json=message(service="elm-court"), headers=bearer(key))
    assert response.status_code == 403
    assert response.json()["error"] == "service_not_allowed"
    assert "elm-court" in response.json()["message"]
    assert stored(unit_of_work) == (0, 0)


@pytest.mark.parametrize(
    ("field", "value", "error", "names"),
    [
        ("role", "landlord", "unknown_role", "person, family"),
        ("question_set", "no_such_set", "unknown_question_set", "fixture_checkin"),
    ],
)
def test_an_unknown_role_or_question_set_is_refused_with_what_exists(
    client: TestClient,
    unit_of_work: Callable[[], UnitOfWork],
    field: str,
    value: str,
    error: str,
    names: str,
) -> None:
    key = make_key(unit_of_work)
    response = client.post("/api/chat", json=message(**{field: value}), headers=bearer(key))
    assert response.status_code == 422
    assert response.json()["error"] == error
    assert value in response.json()["message"] and names in response.json()["message"]
    assert stored(unit_of_work) == (0, 0)


def test_a_body_missing_a_field_gets_a_kind_message_naming_it(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    key = make_key(unit_of_work)
    response = client.post("/api/chat", json={"text": "hello"}, headers=bearer(key))
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert "sender" in response.json()["message"] and "service" in response.json()["message"]
    assert "Traceback" not in response.text
    assert stored(unit_of_work) == (0, 0)


def test_a_text_over_20000_characters_is_refused_and_nothing_is_stored(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    key = make_key(unit_of_work)
    response = client.post("/api/chat", json=message(text="a" * 20_001), headers=bearer(key))
    assert response.status_code == 413
    assert response.json()["error"] == "message_too_long"
    assert "20,000 characters" in response.json()["message"]
    assert stored(unit_of_work) == (0, 0)
    # At the limit, the message is taken (and kept as too long for Rasa by the chat service).
    response = client.post("/api/chat", json=message(text="a" * 20_000), headers=bearer(key))
    assert response.status_code == 200


def test_a_body_over_64_kb_is_refused_before_it_is_read_and_nothing_is_stored(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    key = make_key(unit_of_work)
    body = b'{"sender": "s", "service": "oak-house", "text": "' + b"a" * 65_536 + b'"}'
    response = client.post(
        "/api/chat", content=body, headers=bearer(key) | {"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert "64 KB" in response.json()["message"]
    assert stored(unit_of_work) == (0, 0)


def test_a_streamed_body_without_a_length_over_the_limit_is_refused(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    key = make_key(unit_of_work)

    def chunks() -> Iterator[bytes]:
        # A generator is sent chunked, with no Content-Length to go by.
        yield b'{"sender": "s", "service": "oak-house", "text": "'
        for _ in range(10):
            yield b"a" * 8192
        yield b'"}'

    response = client.post(
        "/api/chat", content=chunks(), headers=bearer(key) | {"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert stored(unit_of_work) == (0, 0)


def test_the_limits_are_settings(
    tmp_path: Path, database_url: str, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    settings = fixture_settings(
        tmp_path, database_url=database_url, max_request_bytes=200, max_chat_text_chars=10
    )
    key = make_key(unit_of_work)
    with TestClient(create_app(settings)) as client:
        long_text = client.post("/api/chat", json=message(text="a" * 11), headers=bearer(key))
        big_body = client.post("/api/chat", json=message(person="p" * 200), headers=bearer(key))
    assert (long_text.status_code, big_body.status_code) == (413, 413)
    assert stored(unit_of_work) == (0, 0)


def test_health_needs_no_key(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "rasa_ready": False}

"""End-to-end fixtures: the real Rasa server and action server, on free ports.

The stack is started once per test session (Rasa takes about 25 s to load
its model); each test talks as a new person, so tests do not share a
conversation. The chatter posts with a real API key for the test channel and
the oak-house service, made the way `covoice apikey add` makes one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.credentials import issue
from bot.pictograms import copy_pictograms
from cli.kiosk_commands import emoji_in_use
from cli.stack import MODEL_PATH, RASA_BIN, Stack, private_settings
from covoice.settings import Settings
from storage.migrate import upgrade_database
from storage.unit_of_work import UnitOfWork, open_store
from tests.conftest import FIXTURE_SETS, KIOSK_WORDING, TELEGRAM_WORDING, WORDING, seed_service
from tests.e2e.dashboard_browser import browser, page  # noqa: F401  (fixtures)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not RASA_BIN.exists() or not MODEL_PATH.exists():
        pytest.fail("The end-to-end tests need the Rasa venv and model: run 'make setup'.")
    data_dir = tmp_path_factory.mktemp("stack")
    settings = private_settings(data_dir, pseudonym_key="end-to-end-test-key").model_copy(
        # The tests' own question set and wording: rewording production files breaks no test.
        update={
            "question_sets_dir": FIXTURE_SETS,
            "bot_wording_path": WORDING,
            "kiosk_wording_path": KIOSK_WORDING,
            "telegram_wording_path": TELEGRAM_WORDING,
            "default_question_set": "fixture_checkin",
            "incident_person_set": "fixture_incident_person",
            "incident_family_set": "fixture_incident_family",
            # Offline speech, as on a machine with no network: Google is never tried.
            "speech_engine": "espeak",
            # Short enough for the kiosk's idle test to wait out.
            "kiosk_idle_seconds": 10,
            "kiosk_goodbye_seconds": 5,
        }
    )
    upgrade_database(settings.resolved_database_url)
    seed_service(store_of(settings))
    copy_pictograms(emoji_in_use(settings))  # the fixture set's pictures, beside production's
    running = Stack(settings, log_dir=data_dir / "logs")
    try:
        started = (running.start_action_server(), running.start_rasa(), running.start_app())
        for process in started:
            running.wait_ready(process, on_progress=lambda _: None)
        yield running
    finally:
        running.stop()


def store_of(settings: Settings) -> Callable[[], UnitOfWork]:
    return open_store(settings.resolved_database_url)


@pytest.fixture(scope="session")
def store(stack: Stack) -> Callable[[], UnitOfWork]:
    return store_of(stack.settings)


@pytest.fixture(scope="session")
def api_key(store: Callable[[], UnitOfWork]) -> str:
    """A key for the channel "test" that may speak for oak-house."""
    with store() as uow:
        issued = issue(uow, "end-to-end tests", "test", ["oak-house"])
        uow.commit()
    return issued.raw


@pytest.fixture(scope="session")
def all_services_key(store: Callable[[], UnitOfWork]) -> str:
    """A key for the channel "test" that may speak for any service, even an unknown one."""
    with store() as uow:
        issued = issue(uow, "end-to-end tests, any service", "test", [], all_services=True)
        uow.commit()
    return issued.raw


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header that presents ``secret``."""
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(scope="session")
def app_client(stack: Stack) -> Iterator[TestClient]:
    with TestClient(create_app(stack.settings)) as client:
        yield client


@dataclass
class Chatter:
    """One person talking to the app's chat endpoint, through a program holding ``key``."""

    client: TestClient
    key: str
    service: str = "oak-house"
    person: str = "resident-7"
    sender: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    channel: str = "test"  # the key's channel: the app takes it from the key

    @property
    def sender_id(self) -> str:
        return f"{self.channel}:{self.sender}"

    def say(self, text: str, message_id: str | None = None) -> list[dict[str, Any]]:
        response = self.client.post(
            "/api/chat",
            headers=bearer(self.key),
            json={
                "sender": self.sender,
                "text": text,
                "service": self.service,
                "person": self.person,
                "message_id": message_id or uuid.uuid4().hex,
            },
        )
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()["replies"]
        assert replies, "the person must never be left without an answer"
        return replies

    def tell(self, story: str) -> list[dict[str, Any]]:
        """Type words; if the screener hears possible harm in them, choose to carry on.

        Stories in these tests are about the flow, not about harm: the screener
        favours recall, and its own tests say what it must and must not hear.
        """
        replies = self.say(story)
        carry_on = [
            button["payload"]
            for button in replies[-1]["buttons"]
            if replies[-1]["kind"] == "confirm" and button["label"] == "Fixture carry on"
        ]
        return self.say(carry_on[0]) if carry_on else replies


def asked(replies: list[dict[str, Any]]) -> str | None:
    """The question (or follow-up) the last reply asks."""
    return replies[-1]["question_id"]


def payloads(reply: dict[str, Any]) -> list[str]:
    return [button["payload"] for button in reply["buttons"]]


@pytest.fixture
def chatter(app_client: TestClient, api_key: str) -> Chatter:
    return Chatter(app_client, api_key)

"""The one inbound path, against the real store and a fake Rasa server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from actions.checkin_action import prompt_message
from bot.chat_service import (
    NO_ANSWER,
    STILL_WORKING,
    TOO_LONG,
    UNAVAILABLE,
    UNKNOWN_ROLE,
    UNKNOWN_SERVICE,
    ChatService,
    IncomingMessage,
)
from bot.rasa_client import RasaUnavailable
from checkin.flow import Prompt
from storage.models import InboundMessage, InboundStatus
from storage.unit_of_work import UnitOfWork

QUESTION = prompt_message(Prompt("question", "How is the food?", "Food?", question_id="food"))


class FakeRasa:
    """Answers with what the test sets, and remembers what it was sent."""

    timeout_seconds = 5.0

    def __init__(self, answer: list[dict[str, Any]] | Exception) -> None:
        self.answer = answer
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    async def send(
        self, sender_id: str, text: str, channel: str, metadata: dict[str, str]
    ) -> list[dict[str, Any]]:
        self.sent.append((sender_id, text, metadata))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def service(rasa: FakeRasa, unit_of_work: Callable[[], UnitOfWork]) -> ChatService:
    return ChatService(rasa, unit_of_work, ("person", "family"), max_message_chars=100)  # type: ignore[arg-type]


def message(text: str = "yes", message_id: str = "m1", **changes: str) -> IncomingMessage:
    fields = {"channel": "test", "sender_id": "test:1", "service_id": "oak-house"} | changes
    return IncomingMessage(message_id=message_id, text=text, **fields)  # type: ignore[arg-type]


def handle(chat: ChatService, incoming: IncomingMessage) -> list[Any]:
    return asyncio.run(chat.handle(incoming))


def inbox(unit_of_work: Callable[[], UnitOfWork]) -> list[InboundMessage]:
    with unit_of_work() as uow:
        return list(uow.session.query(InboundMessage).order_by(InboundMessage.id))


def test_message_goes_to_rasa_with_who_and_where(unit_of_work: Callable[[], UnitOfWork]) -> None:
    rasa = FakeRasa([{"recipient_id": "test:1", "custom": QUESTION}])
    replies = handle(service(rasa, unit_of_work), message(person_ref="resident-3", role="family"))
    assert replies[0].question_id == "food"
    [(sender, text, metadata)] = rasa.sent
    assert (sender, text) == ("test:1", "yes")
    assert metadata == {
        "channel": "test",
        "service": "oak-house",
        "person": "resident-3",
        "role": "family",
        "message_id": "m1",
    }
    [kept] = inbox(unit_of_work)
    assert kept.status == InboundStatus.answered and kept.replies


def test_a_re_delivered_message_is_answered_from_the_inbox(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    rasa = FakeRasa([{"recipient_id": "test:1", "custom": QUESTION}])
    chat = service(rasa, unit_of_work)
    first = handle(chat, message())
    assert handle(chat, message()) == first
    assert len(rasa.sent) == 1


def test_a_message_still_in_flight_is_not_sent_twice(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow:
        uow.inbound.add(
            InboundMessage(
                sender_id="test:1",
                message_id="m1",
                channel="test",
                service_id="oak-house",
                text="yes",
                status=InboundStatus.received,
            )
        )
        uow.commit()
    rasa = FakeRasa([{"recipient_id": "test:1", "custom": QUESTION}])
    assert handle(service(rasa, unit_of_work), message()) == [STILL_WORKING]
    assert rasa.sent == []


def test_rasa_down_keeps_the_message_and_a_later_delivery_goes_through(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    down = FakeRasa(RasaUnavailable("connection refused"))
    assert handle(service(down, unit_of_work), message(text="the food is cold")) == [UNAVAILABLE]
    [kept] = inbox(unit_of_work)
    assert (kept.text, kept.status) == ("the food is cold", InboundStatus.failed)
    up = FakeRasa([{"recipient_id": "test:1", "custom": QUESTION}])
    assert handle(service(up, unit_of_work), message(text="the food is cold"))[0].question_id
    assert inbox(unit_of_work)[0].status == InboundStatus.answered


def test_an_empty_answer_from_rasa_is_never_silence(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    assert handle(service(FakeRasa([]), unit_of_work), message()) == [NO_ANSWER]
    assert inbox(unit_of_work)[0].status == InboundStatus.failed


@pytest.mark.parametrize(
    ("incoming", "expected"),
    [
        (message(service_id="nowhere"), UNKNOWN_SERVICE),
        (message(role="cat"), UNKNOWN_ROLE),
        (message(text="x" * 101), TOO_LONG),
    ],
)
def test_messages_that_cannot_go_on_get_a_clear_reply(
    unit_of_work: Callable[[], UnitOfWork], incoming: IncomingMessage, expected: object
) -> None:
    rasa = FakeRasa([])
    assert handle(service(rasa, unit_of_work), incoming) == [expected]
    assert rasa.sent == []
    kept = inbox(unit_of_work)
    assert [m.status for m in kept] == ([InboundStatus.rejected] if expected is TOO_LONG else [])


def test_a_store_failure_gets_a_next_step_not_a_crash() -> None:
    def broken() -> UnitOfWork:
        from sqlalchemy.exc import OperationalError

        raise OperationalError("select", {}, Exception("database is locked"))

    chat = ChatService(FakeRasa([]), broken, ("person",), max_message_chars=100)  # type: ignore[arg-type]
    assert handle(chat, message()) == [NO_ANSWER]


def test_a_sorry_from_the_action_server_leaves_the_message_open_for_a_retry(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    sorry = prompt_message(Prompt("error", "Sorry, something went wrong.", "Sorry."))
    rasa = FakeRasa([{"recipient_id": "test:1", "custom": sorry}])
    chat = service(rasa, unit_of_work)
    assert handle(chat, message())[0].kind == "error"
    assert inbox(unit_of_work)[0].status == InboundStatus.failed
    rasa.answer = [{"recipient_id": "test:1", "custom": QUESTION}]
    assert handle(chat, message())[0].question_id == "food"
    assert len(rasa.sent) == 2

"""The one inbound path, against the real store and a fake Rasa server.

The fake either answers what a test sets, or runs the real check-in action
with a real check-in service on the same store, the way Rasa would call it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from actions.checkin_action import ActionCheckinTurn
from bot.chat_service import ChatService, IncomingMessage
from bot.rasa_client import RasaUnavailable
from checkin.wire import Prompt, notice
from checkin.wording import BotWording
from storage.models import Contact, InboundMessage, InboundStatus, Person, Response
from storage.unit_of_work import UnitOfWork
from tests.conftest import real_tagger

ROLES = ("person", "family", "staff_supported")
MAX_CHARS = 100
BUDGET_SECONDS = 20.0
QUESTION = Prompt(kind="question", text="How is the food?", easy_read="Food?", question_id="food")
# What the fake NLU makes of typed words; a button's payload names its own intent.
INTENTS = {"hello": "greet", "yes": "affirm", "no": "deny"}


class CannedRasa:
    """Answers with what the test sets, and remembers what it was sent."""

    timeout_seconds = 5.0

    def __init__(self, answer: list[dict[str, Any]] | Exception) -> None:
        self.answer = answer
        self.sent: list[tuple[str, str, str, dict[str, Any]]] = []
        # Runs while Rasa "has" the message: to look at the store at that moment.
        self.while_sending: Callable[[], None] | None = None

    async def send(
        self, sender_id: str, text: str, channel: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        self.sent.append((sender_id, text, channel, metadata))
        if self.while_sending is not None:
            self.while_sending()
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class ActionRasa:
    """Runs the real check-in action for each message, as Rasa's rule would.

    ``fail_after_action`` makes the answer get lost after the action committed,
    as when Rasa times out or crashes while sending it back.
    """

    timeout_seconds = 5.0

    def __init__(self, action: ActionCheckinTurn) -> None:
        self.action = action
        self.calls = 0
        self.fail_after_action = False

    async def send(
        self, sender_id: str, text: str, channel: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        self.calls += 1
        dispatcher = CollectingDispatcher()
        await self.action.run(dispatcher, tracker(sender_id, text, metadata), {})
        if self.fail_after_action:
            raise RasaUnavailable("timed out")
        return [{"recipient_id": sender_id, **message} for message in dispatcher.messages]


def from_rasa(*prompts: Prompt) -> list[dict[str, Any]]:
    """Prompts the way Rasa's REST channel answers them: as custom messages."""
    return [{"recipient_id": "test:1", "custom": prompt.to_wire()} for prompt in prompts]


def tracker(sender_id: str, text: str, metadata: dict[str, Any]) -> Tracker:
    """The tracker Rasa would hand the action for this message."""
    intent = INTENTS.get(text.lower(), "inform")
    entities: dict[str, Any] = {}
    if text.startswith("/"):
        intent, brace, rest = text[1:].partition("{")
        entities = json.loads(brace + rest) if brace else {}
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [{"entity": k, "value": v} for k, v in entities.items()],
        "message_id": f"rasa-{time.monotonic_ns()}",
        "metadata": metadata,
    }
    return Tracker(sender_id, {}, latest, [], False, None, {}, "rest")


def chat_service(
    rasa: CannedRasa | ActionRasa,
    unit_of_work: Callable[[], UnitOfWork],
    wording: BotWording,
    action_budget_seconds: float = BUDGET_SECONDS,
) -> ChatService:
    return ChatService(
        rasa,  # type: ignore[arg-type]
        unit_of_work,
        wording,
        real_tagger(),
        ROLES,
        max_message_chars=MAX_CHARS,
        action_budget_seconds=action_budget_seconds,
    )


def message(text: str = "yes", message_id: str = "m1", **changes: Any) -> IncomingMessage:
    fields: dict[str, Any] = {"channel": "test", "sender_id": "test:1", "service_id": "oak-house"}
    return IncomingMessage(message_id=message_id, text=text, **(fields | changes))


def handle(chat: ChatService, incoming: IncomingMessage) -> list[Prompt]:
    return asyncio.run(chat.handle(incoming))


def inbox(unit_of_work: Callable[[], UnitOfWork]) -> list[InboundMessage]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def contacts(unit_of_work: Callable[[], UnitOfWork]) -> list[Contact]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(Contact)))


def answers(unit_of_work: Callable[[], UnitOfWork]) -> list[tuple[str, str | None]]:
    with unit_of_work() as uow:
        rows = uow.session.scalars(select(Response).order_by(Response.id))
        return [(row.question_id, row.answer_value) for row in rows]


def said(wording: BotWording, name: str) -> str:
    return str(getattr(wording.messages, name).text)


def test_message_goes_to_rasa_with_its_message_id_and_a_deadline_within_the_budget(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    rasa = CannedRasa(from_rasa(QUESTION))
    before = time.time()

    replies = handle(chat_service(rasa, unit_of_work, wording), message(question_set="food_only"))

    assert replies == [QUESTION]
    [(sender, text, channel, metadata)] = rasa.sent
    assert (sender, text, channel) == ("test:1", "yes", "test")
    assert set(metadata) == {"message_id", "deadline", "question_set", "begin", "words_read"}
    assert metadata["words_read"]["themes"] == []  # "yes" is about nothing
    assert (metadata["message_id"], metadata["question_set"]) == ("m1", "food_only")
    assert metadata["begin"] is False  # the person's own message never ends their check-in
    assert before + BUDGET_SECONDS <= metadata["deadline"] <= time.time() + BUDGET_SECONDS
    [kept] = inbox(unit_of_work)
    assert kept.status == InboundStatus.answered
    assert kept.replies == [QUESTION.to_wire()]


def test_the_contact_and_the_inbox_row_are_written_before_rasa_is_called(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    rasa = CannedRasa(from_rasa(QUESTION))
    seen: list[tuple[list[Contact], list[InboundMessage]]] = []
    rasa.while_sending = lambda: seen.append((contacts(unit_of_work), inbox(unit_of_work)))

    handle(
        chat_service(rasa, unit_of_work, wording),
        message(text="the food is cold", person_ref="resident-3", role="family"),
    )

    [([contact], [kept])] = seen
    assert (contact.sender_id, contact.channel) == ("test:1", "test")
    assert (contact.service_id, contact.respondent_role) == ("oak-house", "family")
    with unit_of_work() as uow:
        person = uow.session.get(Person, contact.person_id)
        assert person is not None and person.ref == "resident-3"
    assert (kept.text, kept.status, kept.contact_id) == (
        "the food is cold",
        InboundStatus.received,
        contact.id,
    )


def test_a_re_delivered_message_is_answered_from_the_inbox(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    rasa = CannedRasa(from_rasa(QUESTION))
    chat = chat_service(rasa, unit_of_work, wording)
    first = handle(chat, message())

    assert handle(chat, message()) == first
    assert len(rasa.sent) == 1


def test_a_message_still_in_flight_is_not_sent_twice(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording
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
    rasa = CannedRasa(from_rasa(QUESTION))

    [reply] = handle(chat_service(rasa, unit_of_work, wording), message())

    assert reply.text == said(wording, "still_working")
    assert rasa.sent == []


def test_rasa_down_keeps_the_message_as_failed_and_a_later_delivery_goes_through(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    down = CannedRasa(RasaUnavailable("connection refused"))

    [reply] = handle(chat_service(down, unit_of_work, wording), message(text="the food is cold"))

    assert (reply.kind, reply.text) == ("error", said(wording, "unavailable"))
    [kept] = inbox(unit_of_work)
    assert (kept.text, kept.status) == ("the food is cold", InboundStatus.failed)
    up = CannedRasa(from_rasa(QUESTION))
    assert handle(chat_service(up, unit_of_work, wording), message(text="the food is cold")) == [
        QUESTION
    ]
    assert [row.status for row in inbox(unit_of_work)] == [InboundStatus.answered]


def test_an_empty_answer_from_rasa_is_never_silence(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    [reply] = handle(chat_service(CannedRasa([]), unit_of_work, wording), message())

    assert (reply.kind, reply.text) == ("error", said(wording, "sorry"))
    assert [b.payload for b in reply.buttons] == ["/repeat"]
    assert inbox(unit_of_work)[0].status == InboundStatus.failed


def test_a_plain_text_answer_from_rasa_is_passed_on_as_a_notice(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    rasa = CannedRasa([{"recipient_id": "test:1", "text": "Hello from Rasa"}])

    replies = handle(chat_service(rasa, unit_of_work, wording), message())

    assert replies == [notice("Hello from Rasa", "Hello from Rasa")]
    assert inbox(unit_of_work)[0].status == InboundStatus.answered


@pytest.mark.parametrize(
    ("incoming", "expected", "kept"),
    [
        (message(service_id="nowhere"), "unknown_service", []),
        (message(role="cat"), "unknown_sender", []),
        (message(text="   "), "empty", []),
        (message(text="x" * (MAX_CHARS + 1)), "too_long", [InboundStatus.rejected]),
    ],
    ids=["unknown service", "unknown role", "empty text", "too long"],
)
def test_messages_that_cannot_go_on_get_a_clear_reply_and_never_reach_rasa(
    unit_of_work: Callable[[], UnitOfWork],
    wording: BotWording,
    incoming: IncomingMessage,
    expected: str,
    kept: list[InboundStatus],
) -> None:
    rasa = CannedRasa(from_rasa(QUESTION))

    [reply] = handle(chat_service(rasa, unit_of_work, wording), incoming)

    assert reply.text == said(wording, expected)
    assert rasa.sent == []
    assert [row.status for row in inbox(unit_of_work)] == kept
    if not kept:
        assert contacts(unit_of_work) == []


def test_a_too_long_message_is_kept_whole_and_told_again_when_delivered_again(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    rasa = CannedRasa(from_rasa(QUESTION))
    chat = chat_service(rasa, unit_of_work, wording)
    long = message(text="x" * (MAX_CHARS + 1))

    handle(chat, long)
    [reply] = handle(chat, long)

    assert reply.text == said(wording, "too_long")
    [row] = inbox(unit_of_work)
    assert (row.status, row.text) == (InboundStatus.rejected, long.text)
    assert rasa.sent == []


def test_a_store_failure_gets_a_sorry_with_a_next_step_not_a_crash(wording: BotWording) -> None:
    def broken() -> UnitOfWork:
        raise OperationalError("select", {}, Exception("database is locked"))

    [reply] = handle(chat_service(CannedRasa(from_rasa(QUESTION)), broken, wording), message())

    assert (reply.kind, reply.text) == ("error", said(wording, "sorry"))
    assert [b.payload for b in reply.buttons] == ["/repeat"]


def test_a_sorry_from_the_action_server_leaves_the_message_open_for_a_retry(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    rasa = CannedRasa(from_rasa(wording.prompt("sorry", wording.show_again(), kind="error")))
    chat = chat_service(rasa, unit_of_work, wording)

    assert handle(chat, message())[0].kind == "error"
    assert inbox(unit_of_work)[0].status == InboundStatus.failed
    rasa.answer = from_rasa(QUESTION)
    assert handle(chat, message()) == [QUESTION]
    assert len(rasa.sent) == 2


def test_a_checkin_through_rasa_stores_each_answer_with_its_message(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording, action_rasa: ActionRasa
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)

    [consent] = handle(chat, message("hello", "m1"))
    [question] = handle(chat, message(consent.buttons[0].payload, "m2"))
    [following] = handle(chat, message("yes", "m3"))

    assert (question.question_id, following.question_id) == ("feel_safe", "listened_to")
    assert answers(unit_of_work) == [("feel_safe", "yes")]
    rows = inbox(unit_of_work)
    assert [row.status for row in rows] == [InboundStatus.answered] * 3
    assert len({row.conversation_id for row in rows}) == 1 and rows[0].conversation_id
    assert rows[-1].replies == [following.to_wire()]


def test_the_same_message_again_is_answered_from_the_inbox_and_stored_once(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording, action_rasa: ActionRasa
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)
    handle(chat, message("hello", "m1"))
    handle(chat, message("yes", "m2"))
    first = handle(chat, message("yes", "m3"))
    calls = action_rasa.calls

    again = handle(chat, message("yes", "m3"))

    assert again == first
    assert action_rasa.calls == calls
    assert answers(unit_of_work) == [("feel_safe", "yes")]


def test_when_rasa_fails_after_the_action_stored_the_answer_the_person_is_told_it_is_kept(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording, action_rasa: ActionRasa
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)
    handle(chat, message("hello", "m1"))
    handle(chat, message("yes", "m2"))
    action_rasa.fail_after_action = True

    have_answer, *stored = handle(chat, message("yes", "m3"))

    assert have_answer.text == said(wording, "have_answer")
    assert [prompt.question_id for prompt in stored] == ["listened_to"]
    assert answers(unit_of_work) == [("feel_safe", "yes")]
    assert inbox(unit_of_work)[-1].status == InboundStatus.answered

    # The channel sends the message again; Rasa is back, and is not asked.
    action_rasa.fail_after_action = False
    calls = action_rasa.calls
    assert handle(chat, message("yes", "m3")) == stored
    assert action_rasa.calls == calls
    assert answers(unit_of_work) == [("feel_safe", "yes")]


def test_an_action_out_of_time_stores_nothing_and_a_later_delivery_stores_it_once(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording, action_rasa: ActionRasa
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)
    handle(chat, message("hello", "m1"))
    handle(chat, message("yes", "m2"))
    # A budget already spent: the action must not begin to commit.
    hurried = chat_service(action_rasa, unit_of_work, wording, action_budget_seconds=-1.0)

    [sorry] = handle(hurried, message("yes", "m3"))

    assert (sorry.kind, sorry.text) == ("error", said(wording, "sorry"))
    assert answers(unit_of_work) == []
    assert inbox(unit_of_work)[-1].status == InboundStatus.failed

    [following] = handle(chat, message("yes", "m3"))
    assert following.question_id == "listened_to"
    assert answers(unit_of_work) == [("feel_safe", "yes")]
    assert inbox(unit_of_work)[-1].status == InboundStatus.answered


def test_the_inbox_keeps_a_bounded_text_from_any_channel(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    rasa = CannedRasa(from_rasa(QUESTION))
    chat = ChatService(
        rasa,  # type: ignore[arg-type]
        unit_of_work,
        wording,
        real_tagger(),
        ("person",),
        max_message_chars=100,
        action_budget_seconds=BUDGET_SECONDS,
        max_kept_chars=500,
    )
    handle(chat, message(text="x" * 5000))
    [kept] = inbox(unit_of_work)
    assert len(kept.text) == 500
    assert rasa.sent == []

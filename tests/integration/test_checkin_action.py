"""The custom action's run() with a hand-built tracker, a CollectingDispatcher and
the real check-in service on the store."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select, update

from actions.checkin_action import ActionCheckinTurn
from checkin.question_sets import QuestionSet
from checkin.service import CheckinService, NewContact, ensure_contact
from checkin.wire import PROMPT_FORMAT, Prompt, TurnMetadata, prompt_from_wire
from checkin.wording import BotWording
from covoice.taxonomy import Taxonomy
from storage.models import Conversation, InboundMessage, InboundStatus, Response
from storage.unit_of_work import UnitOfWork

SENDER = "test:abc"


def tracker(text: str, intent: str = "inform", metadata: TurnMetadata | None = None) -> Tracker:
    """A tracker whose latest message is Rasa's parse of ``text``; no slots, as in our domain."""
    entities: list[dict[str, Any]] = []
    if text.startswith("/") and "{" in text:
        intent, payload = text[1:].split("{", 1)
        entities = [{"entity": k, "value": v} for k, v in json.loads("{" + payload).items()]
    elif text.startswith("/"):
        intent = text[1:]
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities,
        "message_id": f"rasa-{time.monotonic_ns()}",
        "metadata": metadata.to_wire() if metadata else {},
    }
    return Tracker(SENDER, {}, latest, [], False, None, {}, "test")


def with_id(message_id: str, **fields: Any) -> TurnMetadata:
    return TurnMetadata(message_id=message_id, **fields)


def run(action: ActionCheckinTurn, state: Tracker) -> tuple[list[Prompt], list[dict[str, Any]]]:
    """Run the action; return the prompts it uttered and the events it returned."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, {}))
    assert all(message["custom"]["format"] == PROMPT_FORMAT for message in dispatcher.messages)
    prompts = [prompt_from_wire(message["custom"]) for message in dispatcher.messages]
    return [prompt for prompt in prompts if prompt is not None], events


def button_on(prompts: list[Prompt], label: str) -> str:
    [found] = [b for b in prompts[-1].buttons if b.label == label]
    return found.payload


@pytest.fixture
def service(
    unit_of_work: Callable[[], UnitOfWork], checkin: QuestionSet, wording: BotWording
) -> CheckinService:
    return CheckinService(unit_of_work, {checkin.id: checkin}, wording, checkin.id)


@pytest.fixture
def contact(unit_of_work: Callable[[], UnitOfWork]) -> None:
    """Who the sender speaks for, as the app records it before it calls Rasa."""
    with unit_of_work() as uow:
        ensure_contact(uow, NewContact(SENDER, "test", "oak-house", "resident-1"))
        uow.commit()


@pytest.fixture
def action(contact: None, service: CheckinService) -> ActionCheckinTurn:
    return ActionCheckinTurn(service)


def conversations(unit_of_work: Callable[[], UnitOfWork]) -> list[Conversation]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(Conversation).order_by(Conversation.turn)))


def responses(unit_of_work: Callable[[], UnitOfWork]) -> list[Response]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(Response).order_by(Response.id)))


def test_first_message_opens_a_conversation_and_asks_consent_without_setting_slots(
    action: ActionCheckinTurn, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    [prompt], events = run(action, tracker("hello", "greet", with_id("m1")))

    assert (prompt.kind, prompt.question_id) == ("consent", "consent")
    assert events == []
    [conversation] = conversations(unit_of_work)
    assert (conversation.sender_id, conversation.stage) == (SENDER, "consent")


def test_a_pressed_answer_is_stored_with_the_channels_message_id_and_the_next_question_asked(
    action: ActionCheckinTurn, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    consent, _ = run(action, tracker("hello", "greet", with_id("m1")))
    question, _ = run(
        action, tracker(button_on(consent, "Yes, let's start"), metadata=with_id("m2"))
    )
    following, _ = run(action, tracker(button_on(question, "Yes"), metadata=with_id("m-3")))

    assert following[-1].question_id == "listened_to"
    [row] = responses(unit_of_work)
    assert (row.question_id, row.answer_value, row.source_message_id) == ("feel_safe", "yes", "m-3")


def test_a_message_without_our_metadata_is_keyed_by_rasas_own_message_id(
    action: ActionCheckinTurn, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    state = tracker("hello", "greet")
    run(action, state)

    with unit_of_work() as uow:
        [kept] = uow.session.scalars(select(InboundMessage)).all()
    assert kept.message_id == state.latest_message["message_id"]
    assert kept.status == InboundStatus.answered


def test_a_double_pressed_button_is_stored_once_and_told_it_was_for_an_earlier_question(
    action: ActionCheckinTurn, unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    consent, _ = run(action, tracker("hello", "greet", with_id("m1")))
    question, _ = run(
        action, tracker(button_on(consent, "Yes, let's start"), metadata=with_id("m2"))
    )
    yes = button_on(question, "Yes")

    run(action, tracker(yes, metadata=with_id("m3")))
    late, _ = run(action, tracker(yes, metadata=with_id("m4")))

    assert late[0].text == wording.messages.earlier_question.text
    assert late[-1].question_id == "listened_to"
    assert [r.question_id for r in responses(unit_of_work)] == ["feel_safe"]


def test_the_same_channel_message_again_does_not_move_the_conversation_on(
    action: ActionCheckinTurn, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    run(action, tracker("hello", "greet", with_id("m1")))
    first, _ = run(action, tracker("yes", "affirm", with_id("c-1")))
    assert first[-1].question_id == "feel_safe"

    # The consent "yes" delivered again must not answer "Do you feel safe?".
    again, _ = run(action, tracker("yes", "affirm", with_id("c-1")))

    assert again == first
    [conversation] = conversations(unit_of_work)
    assert conversation.question_id == "feel_safe"
    assert responses(unit_of_work) == []


def test_an_unknown_sender_is_told_kindly_and_nothing_is_stored(
    unit_of_work: Callable[[], UnitOfWork], service: CheckinService, wording: BotWording
) -> None:
    [prompt], events = run(ActionCheckinTurn(service), tracker("hello", "greet", with_id("m1")))

    assert prompt.text == wording.messages.unknown_sender.text
    assert events == []
    assert conversations(unit_of_work) == []
    with unit_of_work() as uow:
        assert uow.session.scalars(select(InboundMessage)).all() == []


def test_a_turn_past_its_deadline_says_sorry_and_stores_nothing(
    action: ActionCheckinTurn, unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    late = with_id("m1", deadline=time.time() - 1)

    [prompt], _ = run(action, tracker("hello", "greet", late))

    assert (prompt.kind, prompt.text) == ("error", wording.messages.sorry.text)
    assert [b.payload for b in prompt.buttons] == ["/repeat"]
    assert conversations(unit_of_work) == []


def test_a_failing_store_says_sorry_with_a_way_back_instead_of_crashing(
    checkin: QuestionSet, wording: BotWording
) -> None:
    def broken() -> UnitOfWork:
        raise OSError("disk full")

    action = ActionCheckinTurn(CheckinService(broken, {checkin.id: checkin}, wording, checkin.id))

    [prompt], events = run(action, tracker("hello", "greet", with_id("m1")))

    assert (prompt.kind, prompt.text) == ("error", wording.messages.sorry.text)
    assert [b.payload for b in prompt.buttons] == ["/repeat"]
    assert events == []


def test_a_conversation_on_a_removed_question_starts_again_kindly(
    action: ActionCheckinTurn, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    run(action, tracker("hello", "greet", with_id("m1")))
    run(action, tracker("yes", "affirm", with_id("m2")))
    with unit_of_work() as uow:  # the question it was on has gone from the set
        uow.session.execute(update(Conversation).values(question_id="removed_question"))
        uow.commit()

    prompts, _ = run(action, tracker("yes", "affirm", with_id("m3")))

    assert prompts[-1].kind == "consent"
    old, new = conversations(unit_of_work)
    assert new.id != old.id and new.stage == "consent"
    assert responses(unit_of_work) == []


def test_the_question_set_named_in_the_metadata_is_used_for_a_new_checkin(
    unit_of_work: Callable[[], UnitOfWork],
    checkin: QuestionSet,
    wording: BotWording,
    taxonomy: Taxonomy,
    contact: None,
) -> None:
    other = QuestionSet(checkin.spec.model_copy(update={"id": "follow_up_checkin"}), taxonomy)
    sets = {checkin.id: checkin, other.id: other}
    chosen = ActionCheckinTurn(CheckinService(unit_of_work, sets, wording, checkin.id))

    run(chosen, tracker("hello", "greet", with_id("m1", question_set="follow_up_checkin")))

    [conversation] = conversations(unit_of_work)
    assert conversation.question_set_id == "follow_up_checkin"

"""The custom action's run() with a hand-built tracker and a CollectingDispatcher."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.checkin_action import (
    PROMPT_FORMAT,
    SORRY_TEXT,
    ActionCheckinTurn,
    CheckinContext,
)
from checkin.question_sets import QuestionSet
from checkin.service import CheckinRecorder
from storage.unit_of_work import UnitOfWork


def tracker(text: str, intent: str, slots: dict[str, Any] | None = None, **meta: str) -> Tracker:
    metadata = {"channel": "test", "service": "oak-house", "person": "resident-1"} | meta
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [],
        "message_id": f"rasa-{text}",
        "metadata": metadata,
    }
    return Tracker("test:abc", slots or {}, message, [], False, None, {}, "test")


def run(action: ActionCheckinTurn, state: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, {}))
    slots = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
    return dispatcher.messages, slots


@pytest.fixture
def action(unit_of_work: Callable[[], UnitOfWork], checkin: QuestionSet) -> ActionCheckinTurn:
    context = CheckinContext(
        question_sets={checkin.id: checkin},
        recorder=CheckinRecorder(unit_of_work),
        default_set=checkin.id,
    )
    return ActionCheckinTurn(context)


def test_first_message_opens_a_conversation_and_asks_consent(action: ActionCheckinTurn) -> None:
    messages, slots = run(action, tracker("hello", "greet"))
    [message] = messages
    assert message["custom"]["format"] == PROMPT_FORMAT
    assert message["custom"]["kind"] == "consent"
    assert slots["checkin_stage"] == "consent"
    assert slots["checkin_set"] == "lived_experience_checkin"
    assert slots["conversation_id"]


def test_answer_is_stored_and_next_question_is_asked(
    action: ActionCheckinTurn, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    _, slots = run(action, tracker("hello", "greet"))
    _, slots = run(action, tracker("/affirm", "affirm", slots))
    messages, slots = run(action, tracker("/affirm", "affirm", slots, message_id="m-1"))
    assert messages[-1]["custom"]["question_id"] == "listened_to"
    assert slots["checkin_question"] == "listened_to"
    with unit_of_work() as uow:
        [row] = uow.responses.for_conversation(slots["conversation_id"])
        assert (row.question_id, row.answer_value, row.source_message_id) == (
            "feel_safe",
            "yes",
            "m-1",
        )


def test_unknown_service_is_told_kindly_and_nothing_moves(action: ActionCheckinTurn) -> None:
    messages, slots = run(action, tracker("hello", "greet", service="nowhere"))
    assert "do not know which service" in messages[0]["custom"]["text"]
    assert slots == {}


def test_a_failing_store_gives_a_kind_message_and_keeps_the_state(
    checkin: QuestionSet,
) -> None:
    def broken() -> UnitOfWork:
        raise OSError("disk full")

    action = ActionCheckinTurn(
        CheckinContext({checkin.id: checkin}, CheckinRecorder(broken), checkin.id)
    )
    messages, slots = run(action, tracker("hello", "greet"))
    assert messages[0]["custom"]["text"] == SORRY_TEXT
    assert slots == {}


def test_a_conversation_on_a_removed_question_starts_again_kindly(
    action: ActionCheckinTurn,
) -> None:
    _, slots = run(action, tracker("hello", "greet"))
    old = slots | {"checkin_stage": "question", "checkin_question": "removed_question"}
    messages, slots = run(action, tracker("/affirm", "affirm", old))
    assert messages[-1]["custom"]["kind"] == "consent"
    assert slots["checkin_stage"] == "consent"
    assert slots["conversation_id"] != old["conversation_id"]


def test_the_same_channel_message_again_does_not_move_the_conversation_on(
    action: ActionCheckinTurn,
) -> None:
    _, slots = run(action, tracker("hello", "greet"))
    _, slots = run(action, tracker("/affirm", "affirm", slots, message_id="c-1"))
    assert slots["checkin_question"] == "feel_safe"
    # The consent "yes" delivered again must not answer "Do you feel safe?".
    messages, again = run(action, tracker("/affirm", "affirm", slots, message_id="c-1"))
    assert again["checkin_question"] == "feel_safe"
    assert messages[-1]["custom"]["question_id"] == "feel_safe"

"""Mapping the Rasa REST channel's answer to channel-neutral replies."""

from __future__ import annotations

from actions.checkin_action import prompt_message
from bot.replies import Reply, replies_from_rasa
from checkin.flow import CheckinFlow, FlowState, Stage
from checkin.question_sets import QuestionSet


def test_prompt_survives_the_trip_through_rasa(checkin: QuestionSet) -> None:
    prompt = CheckinFlow(checkin).current_prompts(FlowState(Stage.question, "food"))[0]
    [reply] = replies_from_rasa([{"recipient_id": "x", "custom": prompt_message(prompt)}])
    assert reply.text == prompt.text
    assert reply.easy_read == prompt.easy_read
    assert reply.question_id == "food"
    assert [(b.label, b.pictogram, b.payload, b.kind) for b in reply.buttons] == [
        (b.label, b.pictogram, b.payload, b.kind) for b in prompt.buttons
    ]
    assert Reply.from_dict(reply.to_dict()) == reply


def test_plain_rasa_text_becomes_a_notice() -> None:
    [reply] = replies_from_rasa(
        [{"recipient_id": "x", "text": "Hi", "buttons": [{"title": "Go", "payload": "/go"}]}]
    )
    assert (reply.text, reply.easy_read, reply.kind) == ("Hi", "Hi", "info")
    assert reply.buttons[0].payload == "/go"


def test_empty_answer_is_no_reply() -> None:
    assert replies_from_rasa([]) == []
    assert replies_from_rasa([{"recipient_id": "x", "custom": {"other": 1}}]) == []

"""The wire: one prompt type and one metadata type, the same on both sides of Rasa."""

from __future__ import annotations

from bot.replies import prompts_from_rasa
from checkin.flow import CheckinFlow, FlowState, Stage
from checkin.question_sets import QuestionSet
from checkin.wire import TurnMetadata, prompt_from_wire
from checkin.wording import BotWording


def test_prompt_survives_the_trip_through_rasa(checkin: QuestionSet, wording: BotWording) -> None:
    flow = CheckinFlow(checkin, wording)
    prompt = flow.current_prompts(FlowState(Stage.question, "food", turn=3))[0]
    [read] = prompts_from_rasa([{"recipient_id": "x", "custom": prompt.to_wire()}])
    assert read == prompt
    assert read.to_wire()["speech_key"] == prompt.speech_key
    assert read.question_id == "food"


def test_plain_rasa_text_becomes_a_notice() -> None:
    [read] = prompts_from_rasa([{"recipient_id": "x", "text": "Hi"}])
    assert (read.text, read.easy_read, read.kind, read.buttons) == ("Hi", "Hi", "info", ())


def test_empty_or_foreign_answer_is_no_prompt() -> None:
    assert prompts_from_rasa([]) == []
    assert prompts_from_rasa([{"recipient_id": "x", "custom": {"other": 1}}]) == []
    assert prompt_from_wire({"format": "covoice.prompt.v2", "kind": "nonsense"}) is None


def test_metadata_reads_back_what_was_sent_and_refuses_what_is_not_metadata() -> None:
    sent = TurnMetadata(message_id="m-1", deadline=1234.5, question_set="fixture_checkin")
    assert TurnMetadata.from_wire(sent.to_wire()) == sent
    assert TurnMetadata.from_wire({"message_id": ""}) is None
    assert TurnMetadata.from_wire("not a dict") is None
    assert "question_set" not in TurnMetadata(message_id="m").to_wire()


def test_an_incident_follow_up_carries_its_incident_to_the_action_server() -> None:
    sent = TurnMetadata(
        message_id="send:4", question_set="incident_family", begin=True, incident_id=9
    )
    assert TurnMetadata.from_wire(sent.to_wire()) == sent
    assert "incident_id" not in TurnMetadata(message_id="m").to_wire()
    assert TurnMetadata.from_wire({"message_id": "m", "incident_id": 0}) is None

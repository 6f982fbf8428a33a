"""The Rasa custom action that runs a check-in turn.

Rasa classifies the message and its rules call this action for every intent;
the action translates the tracker into a call on the check-in flow, stores
what the turn produced, and turns the prompts into messages and slot events.
Questions live in question-set files, so rewording them needs no retraining.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from checkin.flow import (
    Button,
    CheckinFlow,
    FlowState,
    Outcome,
    Prompt,
    Stage,
    UserTurn,
)
from checkin.question_sets import QuestionSet, load_question_sets
from checkin.service import CheckinRecorder, Sender
from checkin.wire import PROMPT_FORMAT, PromptPayload
from covoice.settings import Settings, load_settings
from covoice.taxonomy import load_taxonomy
from storage.database import make_engine, make_session_factory
from storage.errors import UnknownService
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

SLOT_SET = "checkin_set"
SLOT_STAGE = "checkin_stage"
SLOT_QUESTION = "checkin_question"
SLOT_AFTER = "checkin_after"
SLOT_PENDING = "checkin_pending"
SLOT_LAST_MESSAGE = "checkin_last_message"
SLOT_CONVERSATION = "conversation_id"

SORRY_TEXT = "Sorry, something went wrong on our side. Please try again, or ask a member of staff."
UNKNOWN_SERVICE_TEXT = (
    "Sorry, I do not know which service you are with, so I cannot keep your answers. "
    "Please ask a member of staff to help."
)


@dataclass
class CheckinContext:
    """What the check-in action needs; built once per action-server process."""

    question_sets: dict[str, QuestionSet]
    recorder: CheckinRecorder
    default_set: str

    @classmethod
    def from_settings(cls, settings: Settings) -> CheckinContext:
        taxonomy = load_taxonomy(settings.taxonomy_path)
        sessions = make_session_factory(make_engine(settings.resolved_database_url))
        return cls(
            question_sets=load_question_sets(settings.question_sets_dir, taxonomy),
            recorder=CheckinRecorder(lambda: UnitOfWork(sessions)),
            default_set=settings.default_question_set,
        )


_shared_context: CheckinContext | None = None


def shared_context() -> CheckinContext:
    # Built on first use, not at import: rasa-sdk imports every module under
    # actions/ when it starts.
    global _shared_context
    if _shared_context is None:
        _shared_context = CheckinContext.from_settings(load_settings())
    return _shared_context


class ActionCheckinTurn(Action):
    """Answer one message of a check-in: store it, then ask what comes next."""

    def __init__(self, context: CheckinContext | None = None) -> None:
        self._context = context

    def name(self) -> str:
        return "action_checkin_turn"

    @property
    def context(self) -> CheckinContext:
        return self._context or shared_context()

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Run the turn in a thread: the store is synchronous and must not block others."""
        try:
            prompts, events = await asyncio.to_thread(self._turn, tracker)
        except UnknownService as error:
            logger.warning("Message from %s for an unknown service: %s", tracker.sender_id, error)
            dispatcher.utter_message(json_message=_notice(UNKNOWN_SERVICE_TEXT, "info"))
            return []
        except Exception:
            # Nothing was committed and no slot moves on, so the person can try again.
            logger.exception("Check-in turn failed for %s", tracker.sender_id)
            dispatcher.utter_message(json_message=_notice(SORRY_TEXT, "error"))
            return []
        for prompt in prompts:
            dispatcher.utter_message(json_message=dict(prompt_message(prompt)))
        return events

    def _turn(self, tracker: Tracker) -> tuple[list[Prompt], list[EventType]]:
        message = tracker.latest_message or {}
        metadata: dict[str, Any] = message.get("metadata") or {}
        turn = user_turn(message)
        state = flow_state(tracker)
        conversation_id = tracker.get_slot(SLOT_CONVERSATION)
        set_id = tracker.get_slot(SLOT_SET) or metadata.get("question_set")
        question_set = self._question_set(set_id)
        set_id = set_id or question_set.id
        flow = CheckinFlow(question_set)

        starting = (
            state is None
            or conversation_id is None
            or (state.stage == Stage.ended and turn.intent == "greet")
            # The set was changed or removed under a conversation in flight.
            or question_set.id != set_id
            or not flow.can_continue(state)
        )
        # The channel's own id: the same on a re-delivery, unlike Rasa's.
        channel_message_id = metadata.get("message_id")
        if starting:
            outcome = flow.begin()
            conversation_id = self.context.recorder.start_conversation(
                sender_from(tracker.sender_id, message), question_set
            )
        else:
            assert state is not None
            if channel_message_id and channel_message_id == tracker.get_slot(SLOT_LAST_MESSAGE):
                # Delivered again after a time-out: ask the same again, do not move on.
                outcome = Outcome(state, flow.current_prompts(state))
            else:
                outcome = flow.handle(state, turn)
                message_id = channel_message_id or message.get("message_id")
                if not self.context.recorder.record(conversation_id, outcome, message_id):
                    outcome = Outcome(state, flow.current_prompts(state))
        events = slot_events(outcome, question_set.id, conversation_id)
        return outcome.prompts, [*events, SlotSet(SLOT_LAST_MESSAGE, channel_message_id)]

    def _question_set(self, set_id: str | None) -> QuestionSet:
        sets = self.context.question_sets
        return sets.get(set_id or "") or sets[self.context.default_set]


def user_turn(message: dict[str, Any]) -> UserTurn:
    """Read the intent, text and any chosen option from Rasa's parse of the message."""
    text = str(message.get("text") or "")
    parsed = message.get("intent") or {}
    intent = parsed.get("name") or "nlu_fallback"
    choice = next(
        (str(e.get("value")) for e in message.get("entities") or [] if e.get("entity") == "choice"),
        None,
    )
    # A button press arrives as its payload, "/intent" or '/intent{"choice": ...}'.
    return UserTurn(
        intent=intent,
        text=text,
        choice=choice,
        from_button=text.startswith("/"),
        confidence=float(parsed.get("confidence") or 0.0),
    )


def flow_state(tracker: Tracker) -> FlowState | None:
    stage = tracker.get_slot(SLOT_STAGE)
    if not stage:
        return None
    return FlowState(
        Stage(stage),
        tracker.get_slot(SLOT_QUESTION),
        tracker.get_slot(SLOT_AFTER),
        tracker.get_slot(SLOT_PENDING),
    )


def sender_from(sender_id: str, message: dict[str, Any]) -> Sender:
    """Who and where, from the metadata the channel posted with the message."""
    metadata: dict[str, Any] = message.get("metadata") or {}
    return Sender(
        sender_id=sender_id,
        channel=str(metadata.get("channel") or message.get("input_channel") or "rest"),
        service_id=str(metadata.get("service") or ""),
        person_ref=str(metadata.get("person") or sender_id),
        respondent_role=str(metadata.get("role") or "person"),
    )


def slot_events(outcome: Outcome, set_id: str, conversation_id: str) -> list[EventType]:
    state = outcome.state
    return [
        SlotSet(SLOT_SET, set_id),
        SlotSet(SLOT_CONVERSATION, conversation_id),
        SlotSet(SLOT_STAGE, state.stage.value),
        SlotSet(SLOT_QUESTION, state.question_id),
        SlotSet(SLOT_AFTER, state.after_id),
        SlotSet(SLOT_PENDING, state.pending),
    ]


def prompt_message(prompt: Prompt) -> PromptPayload:
    """The channel-neutral wire form of a prompt, sent as Rasa's custom payload."""
    return {
        "format": PROMPT_FORMAT,
        "kind": prompt.kind,
        "text": prompt.text,
        "easy_read": prompt.easy_read,
        "pictograms": list(prompt.pictograms),
        "buttons": [button.as_dict() for button in prompt.buttons],
        "question_id": prompt.question_id,
    }


def _notice(text: str, kind: str) -> dict[str, Any]:
    show_again = Button("Show the question again", "🔁", "/repeat", "control")
    return dict(prompt_message(Prompt(kind, text, text, (show_again,))))

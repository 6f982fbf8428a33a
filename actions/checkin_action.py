"""The Rasa custom action that runs a check-in turn.

Rasa classifies the message and its rule calls this action for every intent.
The action only translates: the tracker's latest message into a call on the
check-in service, and the prompts it returns into messages. Where the
conversation is, and who is talking, come from our store, not from slots.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from checkin.loading import build_checkin_service
from checkin.reading import read_message
from checkin.service import CheckinService, TurnTooLate, UnknownSender
from checkin.wire import Prompt, TurnMetadata
from covoice.settings import load_settings

logger = logging.getLogger(__name__)

_shared_service: CheckinService | None = None


def shared_service() -> CheckinService:
    # Built on first use, not at import: rasa-sdk imports every module under
    # actions/ when it starts.
    global _shared_service
    if _shared_service is None:
        _shared_service = build_checkin_service(load_settings())
    return _shared_service


class ActionCheckinTurn(Action):
    """Answer one message of a check-in: store it, then ask what comes next."""

    def __init__(self, service: CheckinService | None = None) -> None:
        self._service = service

    def name(self) -> str:
        return "action_checkin_turn"

    @property
    def service(self) -> CheckinService:
        return self._service or shared_service()

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Take the turn in a thread: the store is synchronous and must not block others."""
        for prompt in await self._take_turn(tracker):
            dispatcher.utter_message(json_message=prompt.to_wire())
        return []

    async def _take_turn(self, tracker: Tracker) -> list[Prompt]:
        message = tracker.latest_message or {}
        metadata = TurnMetadata.from_wire(message.get("metadata"))
        # The channel's own id repeats on a re-delivery; Rasa's does not.
        message_id = metadata.message_id if metadata else str(message.get("message_id") or "")
        wording = self.service.wording
        try:
            result = await asyncio.to_thread(
                self.service.take_turn,
                tracker.sender_id,
                read_message(message, metadata.words_read if metadata else None),
                message_id,
                metadata.question_set if metadata else None,
                metadata.deadline if metadata else None,
                begin=metadata.begin if metadata else False,
                incident_id=metadata.incident_id if metadata else None,
            )
        except UnknownSender:
            logger.warning("A message from %s, whom no channel has recorded", tracker.sender_id)
            # Kind "error": the app keeps the message open, as nothing was kept with it.
            return [wording.prompt("unknown_sender", kind="error")]
        except TurnTooLate:
            logger.warning("Too late to commit a turn for %s; nothing stored", tracker.sender_id)
            return [wording.prompt("sorry", wording.show_again(), kind="error")]
        except Exception:
            # Nothing was committed, so the person can send it again.
            logger.exception("Check-in turn failed for %s", tracker.sender_id)
            return [wording.prompt("sorry", wording.show_again(), kind="error")]
        return result.prompts

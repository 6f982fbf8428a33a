"""The one inbound path: every channel hands its messages to ChatService.handle.

It checks the message, keeps it in the inbox before anything else happens,
answers a re-delivered message from the inbox instead of moving the
conversation on twice, talks to Rasa, and returns channel-neutral replies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta, timezone

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.rasa_client import RasaClient, RasaUnavailable
from bot.replies import SHOW_AGAIN, Reply, notice, replies_from_rasa
from storage.models import InboundMessage, InboundStatus, utcnow
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

EMPTY = notice(
    "I did not get a message. Please type your answer or press a button.",
    "Please type or press a button.",
    SHOW_AGAIN,
)
TOO_LONG = notice(
    "That message is very long, so I could not take it in one go. I have kept it safe. "
    "Please send it in shorter parts, or ask a member of staff to help.",
    "That is too long for me. Please send a shorter message.",
    SHOW_AGAIN,
)
UNKNOWN_SERVICE = notice(
    "Sorry, I do not know this service, so I cannot start. "
    "Please ask a member of staff to check the set-up.",
    "Sorry, I cannot start. Please ask a member of staff.",
)
UNKNOWN_ROLE = notice(
    "Sorry, I do not know who is answering. Please ask a member of staff to check the set-up.",
    "Sorry, I cannot start. Please ask a member of staff.",
)
UNAVAILABLE = notice(
    "Sorry, I cannot answer just now. Please send your answer again in a minute, "
    "or ask a member of staff.",
    "Sorry, I cannot answer now. Please try again soon.",
    SHOW_AGAIN,
)
NO_ANSWER = notice(
    "Sorry, something went wrong on our side. Please send your answer again, "
    "or ask a member of staff.",
    "Sorry, something went wrong. Please try again.",
    SHOW_AGAIN,
)
STILL_WORKING = notice(
    "I am still working on your last message. Please wait a moment.",
    "Please wait a moment.",
)


@dataclass(frozen=True)
class IncomingMessage:
    """A message as a channel hands it in, with who and where it comes from."""

    channel: str
    sender_id: str  # carries its channel: "term:…", "kiosk:…", "tg:…"
    message_id: str  # the channel's own id; a re-delivery repeats it
    text: str
    service_id: str
    person_ref: str | None = None
    role: str = "person"
    question_set: str | None = None


class ChatService:
    def __init__(
        self,
        rasa: RasaClient,
        unit_of_work: Callable[[], UnitOfWork],
        roles: tuple[str, ...],
        max_message_chars: int,
    ) -> None:
        self._rasa = rasa
        self._unit_of_work = unit_of_work
        self._roles = roles
        self._max_chars = max_message_chars
        # A delivery of a message still in flight this recently is a duplicate;
        # older than this, the first attempt is taken as lost and tried again.
        self._in_flight = timedelta(seconds=rasa.timeout_seconds + 5)

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        """Take one message from any channel and return what to show the person."""
        try:
            return await self._handle(message)
        except SQLAlchemyError:
            # The person gets a next step, never a traceback; the log has the detail.
            logger.exception("The store failed for a message from %s", message.sender_id)
            return [NO_ANSWER]

    async def _handle(self, message: IncomingMessage) -> list[Reply]:
        if not message.text.strip():
            return [EMPTY]
        if message.role not in self._roles:
            return [UNKNOWN_ROLE]
        try:
            admitted = await asyncio.to_thread(self._admit, message)
        except IntegrityError:
            return [STILL_WORKING]  # the same message arrived twice at once
        if isinstance(admitted, list):
            return admitted
        try:
            answer = await self._rasa.send(
                message.sender_id, message.text.strip(), message.channel, self._metadata(message)
            )
        except RasaUnavailable as error:
            logger.warning("Rasa did not answer for %s: %s", message.sender_id, error)
            await asyncio.to_thread(self._settle, admitted, InboundStatus.failed, None)
            return [UNAVAILABLE]
        replies = replies_from_rasa(answer)
        if not replies:
            # Rasa's REST channel answers [] with status 200 when an action fails.
            logger.warning("Rasa gave no answer for %s", message.sender_id)
            await asyncio.to_thread(self._settle, admitted, InboundStatus.failed, None)
            return [NO_ANSWER]
        # An action that failed says sorry: the message stays open for a retry.
        failed = any(reply.kind == "error" for reply in replies)
        status = InboundStatus.failed if failed else InboundStatus.answered
        await asyncio.to_thread(self._settle, admitted, status, replies)
        return replies

    def _admit(self, message: IncomingMessage) -> int | list[Reply]:
        """Keep the message in the inbox; return its row id, or the replies to give instead."""
        with self._unit_of_work() as uow:
            if uow.services.get(message.service_id) is None:
                return [UNKNOWN_SERVICE]
            seen = uow.inbound.get(message.sender_id, message.message_id)
            if seen is not None and seen.status == InboundStatus.answered and seen.replies:
                return [Reply.from_dict(reply) for reply in seen.replies]
            if seen is not None and seen.status == InboundStatus.rejected:
                return [TOO_LONG]
            if seen is not None and seen.status == InboundStatus.received:
                received_at = seen.received_at
                if received_at.tzinfo is None:  # SQLite keeps no time zone; we store UTC
                    received_at = received_at.replace(tzinfo=timezone.utc)
                if utcnow() - received_at < self._in_flight:
                    return [STILL_WORKING]
            too_long = len(message.text) > self._max_chars
            if seen is None:
                seen = InboundMessage(
                    sender_id=message.sender_id,
                    message_id=message.message_id,
                    channel=message.channel,
                    service_id=message.service_id,
                    text=message.text,
                    status=InboundStatus.rejected if too_long else InboundStatus.received,
                )
                uow.inbound.add(seen)
            elif not too_long:
                # A retry of a message that failed or was lost: in flight again from now.
                seen.status, seen.received_at = InboundStatus.received, utcnow()
            uow.commit()
            return [TOO_LONG] if too_long else seen.id

    def _settle(self, inbound_id: int, status: InboundStatus, replies: list[Reply] | None) -> None:
        with self._unit_of_work() as uow:
            row = uow.session.get(InboundMessage, inbound_id)
            if row is not None:
                row.status = status
                row.replies = [reply.to_dict() for reply in replies] if replies else None
                uow.commit()

    @staticmethod
    def _metadata(message: IncomingMessage) -> dict[str, str]:
        metadata = {
            "channel": message.channel,
            "service": message.service_id,
            "person": message.person_ref or message.sender_id,
            "role": message.role,
            "message_id": message.message_id,
        }
        if message.question_set:
            metadata["question_set"] = message.question_set
        return metadata

"""The one inbound path: every channel hands its messages to ChatService.handle.

It checks the message, reads its words for themes and for possible harm,
records who the sender speaks for and keeps the message in the inbox (with a
safeguarding alert when the words may disclose harm) before anything else
happens, answers a re-delivered
message from the inbox instead of moving the conversation on twice, talks to
Rasa, and returns channel-neutral prompts. When Rasa fails after the turn was
stored, the person is told the truth: their answer is kept.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.rasa_client import RasaClient, RasaUnavailable
from bot.replies import prompts_from_rasa
from checkin.service import NewContact, ensure_contact
from checkin.wire import Button, Prompt, PromptKind, TurnMetadata, WordsRead, prompt_from_wire
from checkin.wording import BotWording
from storage.errors import UnknownService
from storage.models import Contact, InboundMessage, InboundStatus, SafeguardingAlert, utcnow
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tagging.model import Reading

logger = logging.getLogger(__name__)

# The same words from the same person this soon again are the same disclosure.
SAME_DISCLOSURE = timedelta(hours=1)
# A button press arrives as its payload, our own words: "/intent" or '/intent{...}'.
_PAYLOAD = re.compile(r"^/\w+(\{.*\})?$", re.DOTALL)


class WordsReader(Protocol):
    """Reads words for themes and possible harm (tagging.tagger.Tagger)."""

    def read(self, text: str) -> Reading: ...


@dataclass(frozen=True)
class IncomingMessage:
    """A message as a channel hands it in, with who and where it comes from.

    The channel has already checked its credential: the service, person and
    role here are what it vouches for.
    """

    channel: str
    sender_id: str  # carries its channel: "term:…", "kiosk:…", "tg:…"
    message_id: str  # the channel's own id; a re-delivery repeats it
    text: str
    service_id: str
    person_ref: str | None = None
    role: str = "person"
    question_set: str | None = None
    # Start ``question_set`` afresh even mid-check-in: a send from our side.
    begin: bool = False
    # The incident a follow-up is about, when ``begin`` starts an incident follow-up.
    incident_id: int | None = None


class ChatService:
    def __init__(
        self,
        rasa: RasaClient,
        unit_of_work: UnitOfWorkFactory,
        wording: BotWording,
        reader: WordsReader,
        roles: tuple[str, ...],
        max_message_chars: int,
        action_budget_seconds: float,
        max_kept_chars: int = 20_000,
    ) -> None:
        self._rasa = rasa
        self._unit_of_work = unit_of_work
        self._wording = wording
        self._reader = reader
        self._roles = roles
        self._max_chars = max_message_chars
        self._action_budget = action_budget_seconds
        # The inbox keeps at most this much of any message, from every channel.
        self._max_kept = max(max_kept_chars, max_message_chars)
        # A delivery of a message still in flight this recently is a duplicate;
        # older than this, the first attempt is taken as lost and tried again.
        self._in_flight = timedelta(seconds=rasa.timeout_seconds + 5)
        # Called once an alert is in the store, so the lead is told without waiting.
        self.alert_raised: Callable[[], None] = lambda: None

    async def handle(self, message: IncomingMessage) -> list[Prompt]:
        """Take one message from any channel and return what to show the person."""
        try:
            return await self._handle(message)
        except SQLAlchemyError:
            # The person gets a next step, never a traceback; the log has the detail.
            logger.exception("The store failed for a message from %s", message.sender_id)
            return [self._say("sorry", self._wording.show_again(), kind="error")]

    async def _handle(self, message: IncomingMessage) -> list[Prompt]:
        if not message.text.strip():
            return [self._say("empty", self._wording.show_again())]
        if message.role not in self._roles:
            return [self._say("unknown_sender")]
        # Every typed or spoken message is read, at every step, before it is kept.
        words = await asyncio.to_thread(self._read, message.text)
        try:
            admitted = await asyncio.to_thread(self._admit, message, words)
        except IntegrityError:
            return [self._say("still_working")]  # the same message arrived twice at once
        if words is not None and words.disclosure is not None:
            self.alert_raised()
        if isinstance(admitted, list):
            return self._calm_first(words, admitted)
        metadata = TurnMetadata(
            message_id=message.message_id,
            deadline=time.time() + self._action_budget,
            question_set=message.question_set,
            begin=message.begin,
            incident_id=message.incident_id,
            words_read=_words_read(words),
        )
        try:
            answer = await self._rasa.send(
                message.sender_id, message.text.strip(), message.channel, metadata.to_wire()
            )
        except RasaUnavailable as error:
            logger.warning("Rasa did not answer for %s: %s", message.sender_id, error)
            failure = await asyncio.to_thread(self._after_failure, admitted, "unavailable")
            return self._calm_first(words, failure)
        prompts = prompts_from_rasa(answer)
        if not prompts:
            # Rasa's REST channel answers [] with status 200 when an action fails.
            logger.warning("Rasa gave no answer for %s", message.sender_id)
            failure = await asyncio.to_thread(self._after_failure, admitted, "sorry")
            return self._calm_first(words, failure)
        # An action that failed says sorry: the message stays open for a retry.
        failed = any(prompt.kind == "error" for prompt in prompts)
        disclosed = words is not None and words.disclosure is not None
        await asyncio.to_thread(self._settle, admitted, failed, prompts, disclosed)
        return self._calm_first(words, prompts) if failed else prompts

    async def screen(self, message: IncomingMessage) -> bool:
        """Read words that are not an answer yet: a transcript waiting for the person's yes.

        Words that may disclose harm are kept in the inbox with an alert at once,
        so a disclosure is not lost to a "no, that's not right"; the answer itself
        waits for the yes. Returns whether the words may disclose harm.
        """
        words = await asyncio.to_thread(self._read, message.text)
        if words is None or words.disclosure is None:
            return False
        try:
            await asyncio.to_thread(self._keep_disclosure, message, words)
        except IntegrityError:
            pass  # the same voice note, delivered twice at once: the first keeps the alert
        self.alert_raised()
        return True

    def _keep_disclosure(self, message: IncomingMessage, words: Reading) -> None:
        with self._unit_of_work() as uow:
            contact = uow.contacts.by_sender(message.sender_id)
            if contact is None:
                return  # only a linked chat's words are transcribed
            seen = uow.inbound.get(message.sender_id, message.message_id)
            if seen is None:
                # Answered already: there is nothing to answer, as it is not an answer yet.
                seen = self._inbox_row(message, contact, InboundStatus.answered)
                uow.inbound.add(seen)
            _raise_alert(uow, seen, contact, words)
            uow.commit()

    def _read(self, text: str) -> Reading | None:
        if _PAYLOAD.match(text.strip()):
            return None
        return self._reader.read(text)

    def _calm_first(self, words: Reading | None, prompts: list[Prompt]) -> list[Prompt]:
        """Words that may disclose harm get the calm words, even where the check-in failed."""
        if words is None or words.disclosure is None:
            return prompts
        if any(prompt.text == self._wording.messages.disclosure.text for prompt in prompts):
            return prompts
        return [self._say("disclosure"), *prompts]

    def _admit(self, message: IncomingMessage, words: Reading | None) -> int | list[Prompt]:
        """Keep the message in the inbox; return its row id, or the prompts to give instead."""
        with self._unit_of_work() as uow:
            try:
                contact = ensure_contact(
                    uow,
                    NewContact(
                        sender_id=message.sender_id,
                        channel=message.channel,
                        service_id=message.service_id,
                        person_ref=message.person_ref or message.sender_id,
                        respondent_role=message.role,
                    ),
                )
            except UnknownService:
                return [self._say("unknown_service")]
            seen = uow.inbound.get(message.sender_id, message.message_id)
            if seen is not None and seen.status == InboundStatus.answered and seen.replies:
                return _stored_prompts(seen)
            if seen is not None and seen.status == InboundStatus.rejected:
                return [self._say("too_long", self._wording.show_again())]
            if seen is not None and seen.status == InboundStatus.received:
                received_at = seen.received_at
                if received_at.tzinfo is None:  # SQLite keeps no time zone; we store UTC
                    received_at = received_at.replace(tzinfo=timezone.utc)
                if utcnow() - received_at < self._in_flight:
                    return [self._say("still_working")]
            too_long = len(message.text) > self._max_chars
            if seen is None:
                status = InboundStatus.rejected if too_long else InboundStatus.received
                seen = self._inbox_row(message, contact, status)
                uow.inbound.add(seen)
            elif not too_long:
                # A retry of a message that failed or was lost: in flight again from now.
                seen.status, seen.received_at = InboundStatus.received, utcnow()
            if words is not None and words.disclosure is not None:
                _raise_alert(uow, seen, contact, words)
            uow.commit()
            return [self._say("too_long", self._wording.show_again())] if too_long else seen.id

    def _inbox_row(
        self, message: IncomingMessage, contact: Contact, status: InboundStatus
    ) -> InboundMessage:
        return InboundMessage(
            sender_id=message.sender_id,
            message_id=message.message_id,
            channel=message.channel,
            service_id=contact.service_id,
            contact_id=contact.id,
            text=message.text[: self._max_kept],
            status=status,
        )

    def _settle(
        self, inbound_id: int, failed: bool, prompts: list[Prompt], disclosed: bool = False
    ) -> None:
        """Close the inbox row if the action did not already, in its own transaction."""
        status = InboundStatus.failed if failed else InboundStatus.answered
        with self._unit_of_work() as uow:
            if disclosed:
                # The alert names the conversation the turn was taken in.
                taken_in = (
                    select(InboundMessage.conversation_id)
                    .where(InboundMessage.id == inbound_id)
                    .scalar_subquery()
                )
                uow.session.execute(
                    update(SafeguardingAlert)
                    .where(
                        SafeguardingAlert.inbound_message_id == inbound_id,
                        taken_in.is_not(None),
                    )
                    .values(conversation_id=taken_in)
                )
            uow.session.execute(
                update(InboundMessage)
                .where(
                    InboundMessage.id == inbound_id,
                    InboundMessage.status == InboundStatus.received,
                )
                .values(status=status, replies=[prompt.to_wire() for prompt in prompts])
            )
            uow.commit()

    def _after_failure(self, inbound_id: int, message: str) -> list[Prompt]:
        """Tell the truth after Rasa failed: the answer is kept if the action stored it."""
        with self._unit_of_work() as uow:
            row = uow.session.get(InboundMessage, inbound_id)
            if row is not None and row.status == InboundStatus.answered and row.replies:
                return [self._say("have_answer"), *_stored_prompts(row)]
            if row is not None:
                row.status = InboundStatus.failed
                uow.commit()
        return [self._say(message, self._wording.show_again(), kind="error")]

    def _say(self, name: str, *buttons: Button, kind: PromptKind = "info") -> Prompt:
        return self._wording.prompt(name, *buttons, kind=kind)


def _words_read(words: Reading | None) -> WordsRead | None:
    if words is None:
        return None
    return WordsRead(
        themes=words.themes,
        theme_confidence=words.theme_confidence,
        disclosure=words.disclosure.category if words.disclosure else None,
    )


def _raise_alert(
    uow: UnitOfWork, message: InboundMessage, contact: Contact, words: Reading
) -> None:
    """One alert per message, in the transaction that keeps the message.

    The same words again within the hour (a transcript, then the person's yes
    to it) are the same disclosure while its alert is open; once a lead has
    acknowledged it, saying them again raises a new one.
    """
    assert words.disclosure is not None
    uow.session.flush()  # gives a new message its id
    if uow.alerts.for_message(message.id) is not None:
        return  # a retry of a message whose alert is already raised
    if uow.alerts.same_words_since(contact.id, message.text, utcnow() - SAME_DISCLOSURE):
        return
    latest = uow.conversations.latest_for_contact(contact.id)
    uow.alerts.add(
        SafeguardingAlert(
            category=words.disclosure.category,
            confidence=words.disclosure.confidence,
            words=message.text,
            channel=message.channel,
            service_id=contact.service_id,
            person_id=contact.person_id,
            contact_id=contact.id,
            conversation_id=latest.id if latest is not None else None,
            inbound_message_id=message.id,
        )
    )


def _stored_prompts(row: InboundMessage) -> list[Prompt]:
    found = [prompt_from_wire(reply) for reply in row.replies or ()]
    return [prompt for prompt in found if prompt is not None]

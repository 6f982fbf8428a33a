"""Proactive messages: start a question set with a linked contact now or later.

A send is a row in the store (``scheduled_send``), so one waiting for the
morning survives a restart. It never goes in the service's quiet hours: a
time inside them moves to their end, in the service's own time zone. A
dispatcher in the app delivers what is due and tries a failed delivery again
with growing pauses, then marks it failed with the reason. A send never
breaks into a check-in the person is answering: it waits until they have
been quiet for a while, then its set takes over from one left unfinished.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from checkin.flow import Stage
from governance.service_days import stored_utc
from storage.models import Contact, ScheduledSend, SendStatus, utcnow
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
# A check-in answered this recently is the person's to finish before a send starts another.
BUSY_FOR = timedelta(minutes=30)


class SendError(Exception):
    """A send cannot be made as asked; the message says why."""


class Undeliverable(Exception):
    """This send can never go (the person blocked the bot): do not try again."""


@dataclass(frozen=True)
class QuietHours:
    """From ``start`` to ``end`` each day, local time; across midnight when start > end."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """Read "21:00-08:00".

        Raises:
            ValueError: not two HH:MM times joined by a dash.
        """
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError:
            raise ValueError(f"quiet hours must look like 21:00-08:00, not {text!r}") from None
        return cls(start, end)

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def next_allowed(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """``moment`` itself, or the end of the quiet hours it falls in (in UTC)."""
        local = moment.astimezone(zone)
        if not self.contains(local.time()):
            return moment.astimezone(timezone.utc)
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)  # in the evening part: quiet until tomorrow morning
        end = datetime.combine(day, self.end, tzinfo=zone)
        return end.astimezone(timezone.utc)


def schedule(
    uow: UnitOfWork,
    contact_id: int,
    question_set_id: str,
    question_sets: frozenset[str],
    quiet: QuietHours,
    created_by: str,
    at: datetime | None = None,
    incident_id: int | None = None,
) -> ScheduledSend:
    """Ask for a question set to start with a contact at ``at``, or now; the caller commits.

    A send for an incident follow-up names the incident, and the check-in it
    starts is linked to it.

    Raises:
        SendError: an unknown contact or set, a contact that cannot be sent
            to, or one who took their answers back.
    """
    contact = uow.session.get(Contact, contact_id)
    if contact is None:
        raise SendError(f"No contact {contact_id}. See 'covoice contacts'.")
    if contact.channel != "telegram":
        raise SendError(
            f"Contact {contact_id} uses the {contact.channel} channel, which cannot be "
            "sent to; only linked Telegram chats can."
        )
    if question_set_id not in question_sets:
        raise SendError(
            f"Unknown question set '{question_set_id}'. Sets: {', '.join(sorted(question_sets))}."
        )
    withdrawn = _withdrawn_at(uow, contact)
    if withdrawn is not None:
        raise SendError(
            f"Contact {contact_id} withdrew their consent on {withdrawn:%Y-%m-%d}: they are "
            "not contacted again unless they start a check-in themselves."
        )
    service = uow.services.get(contact.service_id)
    assert service is not None  # a contact's service is a foreign key
    zone = ZoneInfo(service.time_zone)
    # A time without a zone is the service's own clock time.
    requested = utcnow() if at is None else (at if at.tzinfo else at.replace(tzinfo=zone))
    requested = requested.astimezone(timezone.utc)  # the store keeps UTC
    send = ScheduledSend(
        contact_id=contact_id,
        question_set_id=question_set_id,
        requested_for=requested,
        due_at=quiet.next_allowed(requested, zone),
        created_by=created_by,
        incident_id=incident_id,
    )
    uow.sends.add(send)
    return send


# What delivers one send: the contact's sender id, the set, an id that stays
# the same on a retry (so a re-delivery is answered once), and the incident a
# follow-up is about.
Deliver = Callable[[str, str, str, int | None], Awaitable[None]]


class Dispatcher:
    """Delivers due sends every ``every_seconds`` while the app runs."""

    def __init__(
        self,
        store: UnitOfWorkFactory,
        deliver: Deliver,
        quiet: QuietHours,
        every_seconds: float = 5.0,
    ) -> None:
        self.store = store
        self.deliver = deliver
        self.quiet = quiet
        self.every_seconds = every_seconds

    async def run(self) -> None:
        while True:
            try:
                await self.deliver_due()
            except Exception:  # noqa: BLE001 - the loop must outlive one bad round
                logger.exception("Delivering scheduled sends failed; trying again shortly")
            await asyncio.sleep(self.every_seconds)

    async def deliver_due(self, limit: int = 20) -> int:
        """Deliver what is due now; return how many went."""
        delivered = 0
        for send_id, sender, question_set, incident_id in await asyncio.to_thread(
            self._claim_due, limit
        ):
            try:
                await self.deliver(sender, question_set, f"send:{send_id}", incident_id)
            except Exception as error:  # noqa: BLE001 - kept with the send, retried later
                await asyncio.to_thread(self._failed, send_id, error)
            else:
                await asyncio.to_thread(self._sent, send_id)
                delivered += 1
        return delivered

    def _claim_due(self, limit: int) -> list[tuple[int, str, str, int | None]]:
        """Due sends that may go now; one that fell into quiet hours moves to their end."""
        now = utcnow()
        ready = []
        with self.store() as uow:
            for send in uow.sends.due(now, limit):
                contact = uow.session.get(Contact, send.contact_id)
                service = uow.services.get(contact.service_id) if contact else None
                if contact is None or service is None:
                    continue
                allowed = self.quiet.next_allowed(now, ZoneInfo(service.time_zone))
                if allowed > now:
                    send.due_at = allowed
                    continue
                withdrawn = _withdrawn_at(uow, contact)
                if withdrawn is not None:
                    send.status = SendStatus.failed
                    send.last_error = f"consent withdrawn on {withdrawn:%Y-%m-%d}"
                    continue
                busy_until = _busy_until(uow, contact, now)
                if busy_until is not None:
                    send.due_at = busy_until
                    continue
                ready.append((send.id, contact.sender_id, send.question_set_id, send.incident_id))
            uow.commit()
        return ready

    def _sent(self, send_id: int) -> None:
        with self.store() as uow:
            send = uow.sends.get(send_id)
            if send is not None:
                send.status = SendStatus.sent
                send.sent_at = utcnow()
                send.attempts += 1
                uow.commit()

    def _failed(self, send_id: int, error: Exception) -> None:
        with self.store() as uow:
            send = uow.sends.get(send_id)
            if send is None:
                return
            send.attempts += 1
            send.last_error = f"{type(error).__name__}: {error}"[:500]
            if send.attempts >= MAX_ATTEMPTS or isinstance(error, Undeliverable):
                send.status = SendStatus.failed
                logger.warning("Send %s failed for good: %s", send_id, send.last_error)
            else:
                pause = min(FIRST_RETRY * 2 ** (send.attempts - 1), LONGEST_RETRY)
                send.due_at = utcnow() + pause
            uow.commit()


def _busy_until(uow: UnitOfWork, contact: Contact, now: datetime) -> datetime | None:
    """Until when the contact is taken up with a check-in they are answering, if they are."""
    latest = uow.conversations.latest_for_contact(contact.id)
    if latest is None or latest.stage == Stage.ended.value:
        return None
    last = uow.inbound.last_received(contact.sender_id) or latest.started_at
    free_at = stored_utc(max(stored_utc(last), stored_utc(latest.started_at))) + BUSY_FOR
    return free_at if free_at > now else None


def _withdrawn_at(uow: UnitOfWork, contact: Contact) -> datetime | None:
    """When the contact took their answers back, if their latest check-in was withdrawn."""
    latest = uow.conversations.latest_for_contact(contact.id)
    return latest.withdrawn_at if latest is not None else None

"""Telling safeguarding leads of alerts, until one of them acknowledges.

An alert goes first to the service's first lead, by Telegram and by email,
whichever they have. Each notice is a row in the store (``alert_notice``), so
one waiting for a mail server to come back survives a restart. A failed try
is made again after a growing pause, capped, for as long as it takes: a
safeguarding notice is never given up on. An alert nobody acknowledges
within the escalation time is sent again to everyone told so far and to the
next lead in the service's order. Notices name the category, the service and
the time, never the person's words or name.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from governance.audit import record
from governance.service_days import stored_utc
from storage.models import (
    AlertNotice,
    AlertStatus,
    NoticeMedium,
    NoticeStatus,
    SafeguardingAlert,
    SafeguardingLead,
    Service,
    utcnow,
)
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=10)
# A notice being sent is held this long; a process that dies mid-send leaves it to the next try.
CLAIM = timedelta(minutes=2)
# Who the audit log says did what the notifier does.
NOTIFIER = "covoice-notifier"
ACK_PREFIX = "ack:"
ACK_LABEL = "I have seen this"

# The Telegram channel's sender: a lead's chat, the notice, and the alert its button acknowledges.
SendTelegram = Callable[[int, str, int], Awaitable[None]]
# An email sender: address, subject, body, and a message id that is the same on every try.
SendEmail = Callable[[str, str, str, str], Awaitable[None]]


class NoticeNotSent(Exception):
    """A notice could not go this time; it is kept and tried again."""


@dataclass(frozen=True)
class Outgoing:
    """One notice claimed for sending, with everything needed to send it."""

    notice_id: int
    alert_id: int
    medium: NoticeMedium
    chat_id: int | None
    email: str | None
    subject: str
    text: str


class Notifier:
    """Plans and delivers notices of safeguarding alerts every ``every_seconds``.

    Every method takes ``now`` so tests move a clock instead of sleeping.
    """

    def __init__(
        self,
        store: UnitOfWorkFactory,
        send_telegram: SendTelegram | None,
        send_email: SendEmail | None,
        escalate_after: timedelta,
        every_seconds: float = 5.0,
    ) -> None:
        self.store = store
        self.send_telegram = send_telegram
        self.send_email = send_email
        self.escalate_after = escalate_after
        self.every_seconds = every_seconds
        self._warned_no_lead: set[int] = set()
        self._woken = asyncio.Event()

    def wake(self) -> None:
        """A new alert is in the store: look now rather than at the next round."""
        self._woken.set()

    async def run(self) -> None:
        while True:
            self._woken.clear()  # a wake from here on, even mid-round, brings another round
            try:
                await self.tick()
            except Exception:  # noqa: BLE001 - the loop must outlive one bad round
                logger.exception("Notifying safeguarding leads failed; trying again shortly")
            try:
                await asyncio.wait_for(self._woken.wait(), self.every_seconds)
            except asyncio.TimeoutError:
                pass

    async def tick(self, now: datetime | None = None) -> int:
        """Plan new notices and escalations, then deliver what is due; return how many went."""
        await self.plan(now)
        return await self.deliver_due(now)

    async def plan(self, now: datetime | None = None) -> None:
        """Queue notices for new alerts, and escalate alerts nobody acknowledged in time."""
        await asyncio.to_thread(self._plan, now or utcnow())

    async def deliver_due(self, now: datetime | None = None, limit: int = 20) -> int:
        """Send the notices that are due; a failure is kept and tried again later.

        Each is claimed just before it is sent, so a claim never runs out while
        it waits behind others (another app on the store would send it too).
        """
        at = now or utcnow()
        delivered = 0
        await asyncio.to_thread(self._note_unsendable)
        for _ in range(limit):
            outgoing = await asyncio.to_thread(self._claim_next, at)
            if outgoing is None:
                break
            try:
                await self._send(outgoing)
            except Exception as error:  # noqa: BLE001 - kept with the notice, retried later
                await asyncio.to_thread(self._failed, outgoing, error, at)
            else:
                await asyncio.to_thread(self._sent, outgoing, at)
                delivered += 1
        return delivered

    def _plan(self, now: datetime) -> None:
        with self.store() as uow:
            for alert in uow.alerts.open():
                leads = uow.leads.for_service(alert.service_id)
                notices = uow.notices.for_alert(alert.id)
                if not leads:
                    if alert.id not in self._warned_no_lead:
                        self._warned_no_lead.add(alert.id)
                        logger.error(
                            "Safeguarding alert %s cannot reach anyone: service %s has no "
                            "safeguarding lead (add one with 'covoice lead add').",
                            alert.id,
                            alert.service_id,
                        )
                    continue
                if not notices:
                    self._notify(uow, alert, leads[:1], 0, now)
                    continue
                last_round = max(notice.round for notice in notices)
                started = min(
                    stored_utc(notice.created_at)
                    for notice in notices
                    if notice.round == last_round
                )
                if now - started >= self.escalate_after:
                    self._escalate(uow, alert, leads, last_round + 1, now)
            uow.commit()

    def _escalate(
        self,
        uow: UnitOfWork,
        alert: SafeguardingAlert,
        leads: Sequence[SafeguardingLead],
        round_: int,
        now: datetime,
    ) -> None:
        # Only an alert still open escalates: an acknowledgement may have just landed.
        moved = uow.session.execute(
            update(SafeguardingAlert)
            .where(
                SafeguardingAlert.id == alert.id,
                SafeguardingAlert.status.in_((AlertStatus.raised, AlertStatus.escalated)),
            )
            .values(status=AlertStatus.escalated, status_changed_at=now)
            .execution_options(synchronize_session=False)
        )
        if not getattr(moved, "rowcount", 0):
            return
        # Everyone told so far is told again, and the next lead joins them.
        told = list(leads[: round_ + 1])
        record(
            uow,
            NOTIFIER,
            "alert.escalated",
            {
                "alert": alert.id,
                "service": alert.service_id,
                "round": round_,
                "after_minutes": int(self.escalate_after.total_seconds() // 60),
                "leads": [lead.id for lead in told],
            },
        )
        self._notify(uow, alert, told, round_, now)

    def _notify(
        self,
        uow: UnitOfWork,
        alert: SafeguardingAlert,
        leads: Sequence[SafeguardingLead],
        round_: int,
        now: datetime,
    ) -> None:
        queued = []
        for lead in leads:
            for medium, reachable in (
                (NoticeMedium.telegram, lead.telegram_chat_id is not None),
                (NoticeMedium.email, lead.email is not None),
            ):
                if reachable:
                    # Told again in this round: a notice still waiting from an earlier
                    # round (the mail server was down) would only repeat it.
                    uow.notices.replace_pending(
                        alert.id, lead.id, medium, f"replaced by round {round_ + 1}"
                    )
                    uow.notices.add(
                        AlertNotice(
                            alert_id=alert.id,
                            lead_id=lead.id,
                            medium=medium,
                            round=round_,
                            due_at=now,
                            created_at=now,
                        )
                    )
                    queued.append({"lead": lead.id, "medium": medium.value})
        record(
            uow,
            NOTIFIER,
            "alert.notice.queued",
            {"alert": alert.id, "service": alert.service_id, "round": round_, "to": queued},
        )

    def _note_unsendable(self) -> None:
        """Say why notices this notifier cannot send are waiting; another app may send them."""
        with self.store() as uow:
            for medium in NoticeMedium:
                missing = self._cannot_send(medium)
                if missing is not None:
                    uow.notices.note_untried(medium, missing)
            uow.commit()

    def _claim_next(self, now: datetime) -> Outgoing | None:
        """The next due notice this notifier can send, held for it; None when there is none."""
        media = [medium for medium in NoticeMedium if self._cannot_send(medium) is None]
        with self.store() as uow:
            for notice in uow.notices.due(now, media, limit=20):
                alert = uow.alerts.get(notice.alert_id)
                lead = uow.leads.get(notice.lead_id)
                assert alert is not None and lead is not None  # foreign keys
                if alert.status not in (AlertStatus.raised, AlertStatus.escalated):
                    notice.status = NoticeStatus.cancelled
                    notice.last_error = f"not needed: the alert is {alert.status.value}"
                    continue
                if lead.removed_at is not None:
                    notice.status = NoticeStatus.cancelled
                    notice.last_error = "not needed: the lead was removed"
                    continue
                if not uow.notices.claim(notice.id, now, now + CLAIM):
                    continue  # another notifier has it
                service = uow.services.get(alert.service_id)
                assert service is not None
                outgoing = Outgoing(
                    notice_id=notice.id,
                    alert_id=alert.id,
                    medium=notice.medium,
                    chat_id=lead.telegram_chat_id,
                    email=lead.email,
                    subject=email_subject(service),
                    text=(
                        email_body(alert, service, lead, notice.round, self.escalate_after)
                        if notice.medium == NoticeMedium.email
                        else telegram_text(alert, service, notice.round, self.escalate_after)
                    ),
                )
                uow.commit()
                return outgoing
            uow.commit()  # the cancellations
        return None

    def _cannot_send(self, medium: NoticeMedium) -> str | None:
        """Why this notifier cannot send by ``medium``, or None when it can."""
        if medium == NoticeMedium.telegram and self.send_telegram is None:
            return "Telegram is not running (set TELEGRAM_BOT_TOKEN)"
        if medium == NoticeMedium.email and self.send_email is None:
            return "email is off (set COVOICE_SMTP_HOST)"
        return None

    async def _send(self, outgoing: Outgoing) -> None:
        if outgoing.medium == NoticeMedium.telegram:
            if self.send_telegram is None:
                raise NoticeNotSent("Telegram is not running (set TELEGRAM_BOT_TOKEN)")
            assert outgoing.chat_id is not None
            await self.send_telegram(outgoing.chat_id, outgoing.text, outgoing.alert_id)
        else:
            if self.send_email is None:
                raise NoticeNotSent("email is off (set COVOICE_SMTP_HOST)")
            assert outgoing.email is not None
            await self.send_email(
                outgoing.email,
                outgoing.subject,
                outgoing.text,
                f"<covoice-alert-notice-{outgoing.notice_id}@covoice.invalid>",
            )

    def _sent(self, outgoing: Outgoing, now: datetime) -> None:
        with self.store() as uow:
            notice = uow.notices.get(outgoing.notice_id)
            if notice is None:
                return
            notice.attempts += 1
            # Sent even if an acknowledgement cancelled it meanwhile: it did go.
            notice.status = NoticeStatus.sent
            notice.sent_at = now
            notice.last_error = None
            record(uow, NOTIFIER, "alert.notice.sent", _detail(notice))
            uow.commit()

    def _failed(self, outgoing: Outgoing, error: Exception, now: datetime) -> None:
        with self.store() as uow:
            notice = uow.notices.get(outgoing.notice_id)
            if notice is None or notice.status != NoticeStatus.pending:
                return
            notice.attempts += 1
            # Our own reasons read as they are; another error keeps its kind, which says most.
            reason = (
                str(error)
                if isinstance(error, NoticeNotSent)
                else f"{type(error).__name__}: {error}"
            )
            notice.last_error = reason[:500]
            pause = min(FIRST_RETRY * 2 ** min(notice.attempts - 1, 20), LONGEST_RETRY)
            notice.due_at = now + pause
            if notice.attempts == 1:
                # The first failure is audited; the row counts the rest, so retries
                # do not flood the log.
                record(
                    uow,
                    NOTIFIER,
                    "alert.notice.failing",
                    _detail(notice) | {"error": notice.last_error},
                )
            logger.warning(
                "Safeguarding notice %s (alert %s, %s) not sent, try %s: %s; trying again in %s",
                notice.id,
                notice.alert_id,
                notice.medium.value,
                notice.attempts,
                notice.last_error,
                pause,
            )
            uow.commit()


def _detail(notice: AlertNotice) -> dict[str, object]:
    return {
        "alert": notice.alert_id,
        "notice": notice.id,
        "lead": notice.lead_id,
        "medium": notice.medium.value,
        "round": notice.round,
        "attempts": notice.attempts,
    }


def email_subject(service: Service) -> str:
    return f"CoVoice: a possible safeguarding disclosure at {service.name}"


def email_body(
    alert: SafeguardingAlert,
    service: Service,
    lead: SafeguardingLead,
    round_: int,
    escalate_after: timedelta,
) -> str:
    """The email to a lead: what, where and when, and how to see the words; never the words."""
    minutes = int(escalate_after.total_seconds() // 60)
    again = (
        "\nNobody has acknowledged this alert yet, so it is sent again to the service's "
        "safeguarding leads.\n"
        if round_ > 0
        else ""
    )
    return (
        f"Dear {lead.name},\n\n"
        f"CoVoice may have heard someone disclose harm at {service.name}.\n\n"
        f"  Alert:     {alert.id}\n"
        f"  Category:  {_category(alert.category)}\n"
        f"  Service:   {service.name}\n"
        f"  Raised:    {_when(alert, service)}\n"
        f"{again}\n"
        "The person's words are not in this email, because email is not a safe place for "
        "them. To read them, run\n\n"
        f"  covoice alerts show {alert.id}\n\n"
        "or open the alert in the CoVoice dashboard. Each viewing is recorded.\n\n"
        "When you have it in hand, acknowledge it with\n\n"
        f'  covoice alerts ack {alert.id} --by "{lead.name}"\n\n'
        'or with the "I have seen this" button in the Telegram notice. Until someone does, '
        f"it is sent again every {minutes} minutes and goes on to the service's next "
        "safeguarding lead.\n\n"
        "CoVoice\n"
    )


def telegram_text(
    alert: SafeguardingAlert, service: Service, round_: int, escalate_after: timedelta
) -> str:
    """The Telegram notice: what, where and when, and how to see the words; never the words."""
    minutes = int(escalate_after.total_seconds() // 60)
    again = (
        "Nobody has acknowledged it yet, so it is sent again to the service's leads.\n\n"
        if round_ > 0
        else ""
    )
    return (
        f"CoVoice: a possible safeguarding disclosure at {service.name}.\n\n"
        f"Alert {alert.id}, category {_category(alert.category)}, raised "
        f"{_when(alert, service)}.\n\n"
        f"{again}"
        f"To read the words: covoice alerts show {alert.id} (or the CoVoice dashboard).\n"
        f'Press "{ACK_LABEL}" when you have it in hand; until someone does, it is sent '
        f"again every {minutes} minutes and goes on to the next lead."
    )


def _category(category: str) -> str:
    return category.replace("_", " ")


def _when(alert: SafeguardingAlert, service: Service) -> str:
    local = stored_utc(alert.raised_at).astimezone(ZoneInfo(service.time_zone))
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B %Y} ({service.time_zone})"


def alert_from_button(data: str) -> int | None:
    """The alert an "I have seen this" button names (``ack:<alert id>``), or None."""
    if not data.startswith(ACK_PREFIX):
        return None
    number = data[len(ACK_PREFIX) :]
    return int(number) if number.isdigit() else None

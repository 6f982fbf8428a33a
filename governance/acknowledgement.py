"""A lead saying "I have seen this" to a safeguarding alert, from the CLI or a Telegram button."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from governance.audit import record
from governance.errors import GovernanceError
from governance.service_days import stored_utc
from storage.models import AlertStatus, NoticeStatus, SafeguardingAlert, utcnow

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

OPEN = (AlertStatus.raised, AlertStatus.escalated)


class AcknowledgementRefused(GovernanceError):
    """The alert cannot be acknowledged as asked; the message says why."""


@dataclass(frozen=True)
class ChatAcknowledgement:
    """What a Telegram button press did, and the words to answer it with."""

    acknowledged: bool
    message: str


def acknowledge(
    uow: UnitOfWork,
    alert_id: int,
    by: str,
    lead_id: int | None,
    actor: str | None = None,
    now: datetime | None = None,
) -> SafeguardingAlert:
    """Mark an open alert acknowledged; waiting notices are not sent. The caller commits.

    Args:
        uow: the unit of work; the audit entry goes in it too.
        alert_id: the alert.
        by: the lead's name, as it is kept on the alert.
        lead_id: the lead, when known.
        actor: who did it, for the audit log (``by`` when not given).
        now: the time to record (the clock when not given).

    Returns:
        The acknowledged alert.

    Raises:
        AcknowledgementRefused: no such alert, no name, or one already
            acknowledged or closed.
    """
    alert = uow.alerts.get(alert_id)
    if alert is None:
        raise AcknowledgementRefused(
            f"There is no safeguarding alert {alert_id}. See 'covoice alerts list'."
        )
    if not by.strip():
        raise AcknowledgementRefused("Say who is acknowledging the alert with --by NAME.")
    if alert.status not in OPEN:
        raise AcknowledgementRefused(_already(alert))
    at = now or utcnow()
    alert.status = AlertStatus.acknowledged
    alert.status_changed_at = at
    alert.acknowledged_at = at
    alert.acknowledged_by = by.strip()
    alert.acknowledged_lead_id = lead_id
    for notice in uow.notices.for_alert(alert_id):
        if notice.status == NoticeStatus.pending:
            notice.status = NoticeStatus.cancelled
            notice.last_error = "not needed: the alert was acknowledged"
    record(
        uow,
        actor or by.strip(),
        "alert.acknowledged",
        {"alert": alert_id, "service": alert.service_id, "by": by.strip(), "lead": lead_id},
    )
    return alert


def acknowledge_as(
    uow: UnitOfWork, alert_id: int, lead_name: str, actor: str, now: datetime | None = None
) -> SafeguardingAlert:
    """Acknowledge an alert for the lead of its service with this name. The caller commits.

    Raises:
        AcknowledgementRefused: no such alert, or nobody of that name leads its
            service (the message names who does).
    """
    alert = uow.alerts.get(alert_id)
    if alert is None:
        raise AcknowledgementRefused(
            f"There is no safeguarding alert {alert_id}. See 'covoice alerts list'."
        )
    leads = uow.leads.for_service(alert.service_id)
    named = [lead for lead in leads if lead.name.casefold() == lead_name.strip().casefold()]
    if not named:
        names = ", ".join(f'"{lead.name}"' for lead in leads) or "none yet"
        raise AcknowledgementRefused(
            f"{lead_name.strip() or 'That'} is not a safeguarding lead of {alert.service_id} "
            f"(its leads: {names}). Give one of their names, or add the lead first with "
            "'covoice lead add'."
        )
    return acknowledge(uow, alert_id, named[0].name, named[0].id, actor=actor, now=now)


def acknowledge_from_chat(
    uow: UnitOfWork, alert_id: int, chat_id: int, now: datetime | None = None
) -> ChatAcknowledgement:
    """Acknowledge an alert for the lead whose Telegram chat pressed its button. The caller commits.

    Only a current lead of the alert's service may: anyone else is refused
    and nothing changes.

    Args:
        uow: the unit of work.
        alert_id: the alert named by the button (``ack:<alert_id>``).
        chat_id: the chat the press came from.
        now: the time to record (the clock when not given).

    Returns:
        Whether it was acknowledged, and plain words to show in the chat.
    """
    alert = uow.alerts.get(alert_id)
    if alert is None:
        return ChatAcknowledgement(False, "This alert is no longer in CoVoice.")
    lead = uow.leads.by_chat(alert.service_id, chat_id)
    if lead is None:
        record(
            uow,
            f"tg:{chat_id}",
            "alert.acknowledge_refused",
            {"alert": alert_id, "service": alert.service_id, "chat": chat_id},
        )
        return ChatAcknowledgement(
            False,
            "Only a safeguarding lead of this service can acknowledge this alert, and this "
            "chat is not one of theirs. Please ask a CoVoice administrator if it should be.",
        )
    try:
        acknowledge(uow, alert_id, lead.name, lead.id, actor=f"tg:{chat_id}", now=now)
    except AcknowledgementRefused as refused:
        return ChatAcknowledgement(False, str(refused))
    return ChatAcknowledgement(True, f"Thank you, {lead.name}: alert {alert_id} is acknowledged.")


def _already(alert: SafeguardingAlert) -> str:
    if alert.status == AlertStatus.acknowledged and alert.acknowledged_at is not None:
        return (
            f"Alert {alert.id} was already acknowledged by {alert.acknowledged_by} at "
            f"{stored_utc(alert.acknowledged_at):%Y-%m-%d %H:%M} UTC."
        )
    return f"Alert {alert.id} is {alert.status.value}, so it cannot be acknowledged now."

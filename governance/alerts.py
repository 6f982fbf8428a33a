"""Reading safeguarding alerts.

Alerts are read without the withdrawal rule: a person who withdraws their
answers does not withdraw a safeguarding concern.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from governance.service_days import stored_utc
from storage.models import (
    AlertNotice,
    AlertStatus,
    NoticeMedium,
    NoticeStatus,
    Person,
    SafeguardingAlert,
    SafeguardingLead,
    utcnow,
)

# A new alert has this long to reach someone before it counts as undelivered.
DELIVERY_GRACE = timedelta(minutes=2)


@dataclass(frozen=True)
class AlertRow:
    id: int
    raised_at: datetime
    status: AlertStatus
    service_id: str
    person_ref: str | None
    category: str
    confidence: float
    channel: str
    words: str
    conversation_id: str | None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


def alerts_listed(
    session: Session,
    service_id: str | None = None,
    status: AlertStatus | None = None,
    alert_id: int | None = None,
) -> list[AlertRow]:
    """Alerts, newest first, optionally for one service, in one status, or just one."""
    query = (
        select(SafeguardingAlert, Person.ref)
        .outerjoin(Person, Person.id == SafeguardingAlert.person_id)
        .order_by(SafeguardingAlert.raised_at.desc(), SafeguardingAlert.id.desc())
    )
    if service_id is not None:
        query = query.where(SafeguardingAlert.service_id == service_id)
    if status is not None:
        query = query.where(SafeguardingAlert.status == status)
    if alert_id is not None:
        query = query.where(SafeguardingAlert.id == alert_id)
    return [
        AlertRow(
            id=alert.id,
            raised_at=stored_utc(alert.raised_at),
            status=alert.status,
            service_id=alert.service_id,
            person_ref=person_ref,
            category=alert.category,
            confidence=alert.confidence,
            channel=alert.channel,
            words=alert.words,
            conversation_id=alert.conversation_id,
            acknowledged_by=alert.acknowledged_by,
            acknowledged_at=stored_utc(alert.acknowledged_at) if alert.acknowledged_at else None,
        )
        for alert, person_ref in session.execute(query)
    ]


@dataclass(frozen=True)
class NoticeRow:
    """One notice of an alert to a lead, as the alert's delivery state shows it."""

    alert_id: int
    lead_name: str
    medium: NoticeMedium
    round: int
    status: NoticeStatus
    attempts: int
    sent_at: datetime | None
    last_error: str | None


def notices_for(session: Session, alert_ids: Iterable[int]) -> dict[int, list[NoticeRow]]:
    """Each alert's notices, in the order they were queued."""
    ids = list(alert_ids)
    found: dict[int, list[NoticeRow]] = {alert_id: [] for alert_id in ids}
    if not ids:
        return found
    query = (
        select(AlertNotice, SafeguardingLead.name)
        .join(SafeguardingLead, SafeguardingLead.id == AlertNotice.lead_id)
        .where(AlertNotice.alert_id.in_(ids))
        .order_by(AlertNotice.alert_id, AlertNotice.round, AlertNotice.id)
    )
    for notice, name in session.execute(query):
        found[notice.alert_id].append(
            NoticeRow(
                alert_id=notice.alert_id,
                lead_name=name,
                medium=notice.medium,
                round=notice.round,
                status=notice.status,
                attempts=notice.attempts,
                sent_at=stored_utc(notice.sent_at) if notice.sent_at else None,
                last_error=notice.last_error,
            )
        )
    return found


@dataclass(frozen=True)
class UndeliveredAlert:
    """An open alert that has reached nobody, and why."""

    id: int
    service_id: str
    raised_at: datetime
    why: str


def undelivered_alerts(
    session: Session, now: datetime | None = None, grace: timedelta = DELIVERY_GRACE
) -> list[UndeliveredAlert]:
    """Open alerts no lead has been told of, oldest first.

    An alert counts once its service has no lead, once a try to tell someone
    failed, or once it is older than ``grace`` (the app may not be running).

    Args:
        session: a session on the store.
        now: the time to judge by (the clock when not given).
        grace: how long a new alert may wait for its first notice.

    Returns:
        The alerts, each with a plain reason.
    """
    at = now or utcnow()
    sent = exists().where(
        AlertNotice.alert_id == SafeguardingAlert.id, AlertNotice.status == NoticeStatus.sent
    )
    query = (
        select(SafeguardingAlert)
        .where(
            SafeguardingAlert.status.in_((AlertStatus.raised, AlertStatus.escalated)),
            ~sent,
        )
        .order_by(SafeguardingAlert.raised_at, SafeguardingAlert.id)
    )
    undelivered = []
    for alert in session.scalars(query):
        raised = stored_utc(alert.raised_at)
        notices = list(
            session.scalars(
                select(AlertNotice)
                .where(AlertNotice.alert_id == alert.id)
                .order_by(AlertNotice.id.desc())
            )
        )
        has_lead = session.scalar(
            select(
                exists().where(
                    SafeguardingLead.service_id == alert.service_id,
                    SafeguardingLead.removed_at.is_(None),
                )
            )
        )
        failed = [notice for notice in notices if notice.last_error]
        if not has_lead:
            why = f"{alert.service_id} has no safeguarding lead: add one with 'covoice lead add'"
        elif failed:
            why = f"not delivered yet, last error: {failed[0].last_error}"
        elif at - raised >= grace:
            why = "nobody told yet: is the app ('covoice run') running?"
        else:
            continue
        undelivered.append(UndeliveredAlert(alert.id, alert.service_id, raised, why))
    return undelivered

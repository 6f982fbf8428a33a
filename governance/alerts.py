"""Reading safeguarding alerts.

Alerts are read without the withdrawal rule: a person who withdraws their
answers does not withdraw a safeguarding concern.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from governance.service_days import stored_utc
from storage.models import AlertStatus, Person, SafeguardingAlert


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


def alerts_listed(
    session: Session, service_id: str | None = None, status: AlertStatus | None = None
) -> list[AlertRow]:
    """Alerts, newest first, optionally for one service or in one status."""
    query = (
        select(SafeguardingAlert, Person.ref)
        .outerjoin(Person, Person.id == SafeguardingAlert.person_id)
        .order_by(SafeguardingAlert.raised_at.desc(), SafeguardingAlert.id.desc())
    )
    if service_id is not None:
        query = query.where(SafeguardingAlert.service_id == service_id)
    if status is not None:
        query = query.where(SafeguardingAlert.status == status)
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
        )
        for alert, person_ref in session.execute(query)
    ]

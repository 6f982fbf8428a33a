"""The safeguarding pages' own rows: alerts, leads, notices, incidents and updates owed.

Seeded beside ``tests.dashboard_rows`` (which makes the two services, their
people and the four users), one of each kind in each service.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.models import (
    AlertNotice,
    AlertStatus,
    FollowUp,
    FollowUpAudience,
    FollowUpStatus,
    InboundMessage,
    InboundStatus,
    Incident,
    IncidentPerson,
    IncidentType,
    NoticeMedium,
    NoticeStatus,
    SafeguardingAlert,
    SafeguardingLead,
    UpdateOwed,
)
from storage.unit_of_work import UnitOfWork

OAK_ALERT_WORDS = "someone shouts at me in the night and I am scared"
ELM_ALERT_WORDS = "a carer took my purse again"
OAK_SUMMARY = "Slipped by the lounge door, no injury seen"
ELM_SUMMARY = "Missed the evening tablets"
OAK_LEAD = "Lena Lead"
ELM_LEAD = "Elias Elmwood"
# Kept on the person for a kiosk; shown only while an admin reveals names.
OAK_FIRST_NAME = "Marisol"


@dataclass(frozen=True)
class SafetyIds:
    oak_alert: int
    oak_acknowledged: int
    elm_alert: int
    oak_incident: int
    elm_incident: int
    oak_overdue: int
    oak_due: int
    elm_owed: int


def seed_safety(uow: UnitOfWork, now: datetime) -> SafetyIds:
    """An open and an acknowledged alert at oak-house, an open one at elm-lodge; an incident
    in each, with an overdue and a due update at oak-house. Needs ``seed_dashboard`` first."""
    maria = uow.people.get_or_add("oak-house", "maria-oak")
    maria.first_name = OAK_FIRST_NAME
    bob = uow.people.get_or_add("elm-lodge", "bob-elm")
    oak_lead = _lead(uow, "oak-house", OAK_LEAD, now)
    _lead(uow, "elm-lodge", ELM_LEAD, now)
    oak_alert = _alert(uow, "oak-house", maria.id, OAK_ALERT_WORDS, now - timedelta(hours=2))
    uow.notices.add(
        AlertNotice(
            alert_id=oak_alert.id,
            lead_id=oak_lead.id,
            medium=NoticeMedium.telegram,
            status=NoticeStatus.sent,
            attempts=1,
            due_at=oak_alert.raised_at,
            sent_at=oak_alert.raised_at + timedelta(minutes=1),
        )
    )
    done = _alert(uow, "oak-house", maria.id, "I do not feel safe here", now - timedelta(days=3))
    done.status = AlertStatus.acknowledged
    done.acknowledged_at = now - timedelta(days=2)
    done.acknowledged_by = OAK_LEAD
    done.acknowledged_lead_id = oak_lead.id
    elm_alert = _alert(uow, "elm-lodge", bob.id, ELM_ALERT_WORDS, now - timedelta(hours=1))
    oak_incident = _incident(uow, "oak-house", maria.id, OAK_SUMMARY, now - timedelta(days=10))
    uow.incidents.add_follow_up(
        FollowUp(
            incident_id=oak_incident.id,
            person_id=maria.id,
            audience=FollowUpAudience.person,
            channel="kiosk",
            question_set_id="fixture_incident_person",
            due_at=now - timedelta(days=9),
            status=FollowUpStatus.answered,
            answered_at=now - timedelta(days=8),
            created_by="test",
        )
    )
    elm_incident = _incident(uow, "elm-lodge", bob.id, ELM_SUMMARY, now - timedelta(days=5))
    return SafetyIds(
        oak_alert=oak_alert.id,
        oak_acknowledged=done.id,
        elm_alert=elm_alert.id,
        oak_incident=oak_incident.id,
        elm_incident=elm_incident.id,
        oak_overdue=_owed(uow, oak_incident, maria.id, "person", now - timedelta(days=2)).id,
        oak_due=_owed(uow, oak_incident, maria.id, "family", now + timedelta(days=4)).id,
        elm_owed=_owed(uow, elm_incident, bob.id, "person", now + timedelta(days=1)).id,
    )


def _lead(uow: UnitOfWork, service_id: str, name: str, now: datetime) -> SafeguardingLead:
    lead = SafeguardingLead(
        service_id=service_id, position=1, name=name, email=None, added_at=now, added_by="test"
    )
    lead.telegram_chat_id = 9000 + len(name)
    uow.session.add(lead)
    uow.session.flush()
    return lead


def _alert(
    uow: UnitOfWork, service_id: str, person_id: int, words: str, raised_at: datetime
) -> SafeguardingAlert:
    message = InboundMessage(
        sender_id=f"tg:{person_id}",
        message_id=str(uuid.uuid4()),
        channel="telegram",
        service_id=service_id,
        text=words,
        status=InboundStatus.answered,
        received_at=raised_at,
    )
    uow.session.add(message)
    uow.session.flush()
    alert = SafeguardingAlert(
        raised_at=raised_at,
        status=AlertStatus.raised,
        category="abuse",
        confidence=0.91,
        words=words,
        channel="telegram",
        service_id=service_id,
        person_id=person_id,
        inbound_message_id=message.id,
    )
    uow.session.add(alert)
    uow.session.flush()
    return alert


def _incident(
    uow: UnitOfWork, service_id: str, person_id: int, summary: str, occurred_at: datetime
) -> Incident:
    incident = Incident(
        service_id=service_id,
        occurred_at=occurred_at,
        type=IncidentType.fall if service_id == "oak-house" else IncidentType.medication,
        summary=summary,
        notifiable=service_id == "oak-house",
        created_at=occurred_at,
        created_by="manager-ann",
        people=[IncidentPerson(person_id=person_id)],
    )
    uow.incidents.add(incident)
    return incident


def _owed(
    uow: UnitOfWork, incident: Incident, person_id: int, role: str, due_at: datetime
) -> UpdateOwed:
    owed = UpdateOwed(
        incident_id=incident.id,
        person_id=person_id,
        respondent_role=role,
        asked_at=due_at - timedelta(days=7),
        due_at=due_at,
    )
    uow.incidents.add_update_owed(owed)
    return owed

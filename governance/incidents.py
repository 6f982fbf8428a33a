"""Incidents: what happened, to whom, whom to follow up, and the duty-of-candour record.

A manager records an incident with the people involved; the follow-ups it
asks for are planned in the same transaction (``governance.follow_ups``), so
an incident is never kept with half its follow-ups. For a notifiable safety
incident the duty of candour (regulation 20) asks for a record of when the
person and their family were told, the apology and who gave it, and the
written follow-up: ``record_candour`` keeps those times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from governance.audit import record
from governance.errors import GovernanceError
from governance.follow_ups import FollowUpPlan, plan_follow_ups
from storage.models import Incident, IncidentPerson, IncidentType, Person, Service, utcnow

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

SUMMARY_CHARS = 500
# Whom a follow-up goes to, as a manager asks for it.
FOLLOW_UP_CHOICES = {"person": ("person",), "family": ("family",), "both": ("person", "family")}
# A time a moment ago is "now", not the past: typing the command takes a while.
TYPING_GRACE = timedelta(minutes=5)


class IncidentError(GovernanceError):
    """An incident cannot be recorded or changed as asked; the message says why."""


@dataclass(frozen=True)
class NewIncident:
    """An incident as a manager describes it."""

    service_id: str
    occurred_at: datetime  # without a zone: the service's own clock time
    type: str
    summary: str
    person_refs: tuple[str, ...]
    notifiable: bool = False
    follow_up: str | None = None  # "person", "family" or "both"
    follow_up_at: datetime | None = None  # without a zone: the service's clock; now if None


def incident_types() -> list[str]:
    return [kind.value for kind in IncidentType]


def record_incident(
    uow: UnitOfWork, actor: str, new: NewIncident, plan: FollowUpPlan, now: datetime | None = None
) -> Incident:
    """Record an incident, the people involved and its follow-ups; the caller commits.

    Args:
        uow: the unit of work; the audit entry goes in it too.
        actor: who is recording it.
        new: what happened, to whom, and whom to follow up when.
        plan: the question sets and quiet hours follow-ups are planned with.
        now: the time to check against (the clock when not given).

    Returns:
        The incident, with its id.

    Raises:
        IncidentError: an unknown service, person or type, an empty or long
            summary, a time in the future for the incident or in the past for
            the follow-up, or a follow-up that cannot go (for instance to
            someone who withdrew consent). Nothing is kept then.
    """
    at = now or utcnow()
    service = _service(uow, new.service_id)
    zone = ZoneInfo(service.time_zone)
    if new.type not in incident_types():
        raise IncidentError(
            f"'{new.type}' is not an incident type. Choose one of: {', '.join(incident_types())}."
        )
    summary = " ".join(new.summary.split())
    if not summary:
        raise IncidentError(
            'Give a short summary with --summary "…": what happened, in plain words.'
        )
    if len(summary) > SUMMARY_CHARS:
        raise IncidentError(
            f"The summary is {len(summary)} characters; keep it to {SUMMARY_CHARS}, and "
            "non-clinical. The care record holds the details."
        )
    occurred = in_utc(new.occurred_at, zone)
    if occurred > at + TYPING_GRACE:
        raise IncidentError(
            f"The incident time {new.occurred_at:%Y-%m-%d %H:%M} is in the future. "
            "Give when it happened, in the service's time."
        )
    if not new.person_refs:
        raise IncidentError("Name at least one person involved with --person REF.")
    people = [_person(uow, service, ref) for ref in dict.fromkeys(new.person_refs)]
    audiences: tuple[str, ...] = ()
    if new.follow_up is not None:
        if new.follow_up not in FOLLOW_UP_CHOICES:
            raise IncidentError(
                f"'{new.follow_up}' is not whom to follow up: choose person, family or both."
            )
        audiences = FOLLOW_UP_CHOICES[new.follow_up]
    elif new.follow_up_at is not None:
        raise IncidentError("--follow-up-at needs --follow-up person, family or both: whom to ask.")
    follow_up_at = at if new.follow_up_at is None else in_utc(new.follow_up_at, zone)
    if follow_up_at < at - TYPING_GRACE:
        raise IncidentError(
            f"The follow-up time {new.follow_up_at:%Y-%m-%d %H:%M} is in the past. Give a "
            "time from now on, or leave --follow-up-at out to follow up now."
        )
    incident = Incident(
        service_id=service.id,
        occurred_at=occurred,
        type=IncidentType(new.type),
        summary=summary,
        notifiable=new.notifiable,
        created_by=actor,
        created_at=at,
        people=[IncidentPerson(person_id=person.id) for person in people],
    )
    uow.incidents.add(incident)
    follow_ups = plan_follow_ups(uow, actor, incident, people, audiences, follow_up_at, plan)
    record(
        uow,
        actor,
        "incident.add",
        {
            "incident": incident.id,
            "service": service.id,
            "type": new.type,
            "notifiable": new.notifiable,
            "people": len(people),
            "follow_ups": [follow_up.id for follow_up in follow_ups],
        },
    )
    return incident


def get_incident(uow: UnitOfWork, incident_id: int) -> Incident:
    """The incident, or a refusal naming how to find one.

    Raises:
        IncidentError: no such incident.
    """
    incident = uow.incidents.get(incident_id)
    if incident is None:
        raise IncidentError(f"There is no incident {incident_id}. See 'covoice incident list'.")
    return incident


def record_candour(
    uow: UnitOfWork,
    actor: str,
    incident_id: int,
    told_person: datetime | None = None,
    told_family: datetime | None = None,
    apology: datetime | None = None,
    apology_by: str | None = None,
    written: datetime | None = None,
    now: datetime | None = None,
) -> Incident:
    """Record the duty-of-candour steps taken; a time given again replaces the earlier one.

    Times without a zone are the service's clock time. The caller commits.

    Raises:
        IncidentError: no such incident, nothing to record, a time in the
            future, or an apology without who gave it.
    """
    incident = get_incident(uow, incident_id)
    service = _service(uow, incident.service_id)
    zone = ZoneInfo(service.time_zone)
    at = now or utcnow()
    given = {
        "person_told_at": told_person,
        "family_told_at": told_family,
        "apology_at": apology,
        "written_at": written,
    }
    if all(value is None for value in given.values()):
        raise IncidentError(
            "Say what was done: --told-person AT, --told-family AT, --apology AT --by NAME, "
            "or --written AT."
        )
    if apology is not None and not (apology_by or "").strip():
        raise IncidentError("Say who gave the apology with --by NAME.")
    changed: dict[str, object] = {"incident": incident.id}
    for field, value in given.items():
        if value is None:
            continue
        moment = in_utc(value, zone)
        if moment > at + TYPING_GRACE:
            raise IncidentError(
                f"{value:%Y-%m-%d %H:%M} is in the future: record a step once it is taken."
            )
        setattr(incident, field, moment)
        changed[field] = moment.isoformat()
    if apology is not None:
        incident.apology_by = (apology_by or "").strip()
        changed["apology_by"] = incident.apology_by
    record(uow, actor, "incident.candour", changed)
    return incident


def in_utc(moment: datetime, zone: ZoneInfo) -> datetime:
    """A time as the store keeps it (UTC); one without a zone is the service's clock time."""
    local = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    return local.astimezone(timezone.utc)


def _service(uow: UnitOfWork, service_id: str) -> Service:
    service = uow.services.get(service_id)
    if service is None:
        known = ", ".join(s.id for s in uow.services.list_all()) or "none yet"
        raise IncidentError(f"There is no service with id '{service_id}' (services: {known}).")
    return service


def _person(uow: UnitOfWork, service: Service, ref: str) -> Person:
    person = uow.people.by_ref(service.id, ref.strip())
    if person is None:
        raise IncidentError(
            f"Nobody with the reference '{ref}' is known at {service.name}. Check the "
            "reference (as in 'covoice contacts' or 'covoice person list'); nothing was recorded."
        )
    return person

"""GET /incidents, /incidents/{id} and /updates-owed, as their pages show them to the caller.

Rows are found by the pages' own code (``bot.dashboard.incidents`` and
``bot.dashboard.updates_owed``). People appear as pseudonyms, or for an admin
who gives a reason by name. The summary, notes and staff names are free text
that may name someone, so a viewer gets counts, types and times but never those.
"""

# No `from __future__ import annotations`: FastAPI reads each endpoint's
# `Depends(caller)` from its annotations, and `caller` is a local name here.
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from bot.dashboard.access import Dashboard, actor
from bot.dashboard.incidents import (
    MAX_ROWS,
    IncidentRead,
    IncidentSummary,
    incidents_seen,
    read_incident,
    shows_words,
)
from bot.dashboard.people import PeopleShown, people_shown
from bot.dashboard.scope import service_choices
from bot.dashboard.updates_owed import owed_seen
from bot.dashboard_api.auth import Caller
from bot.dashboard_api.errors import ALWAYS, error_responses
from bot.dashboard_api.names import NamesReason, checked_reason
from bot.dashboard_api.unseen import unseen_row, unseen_service
from governance import audit
from governance.service_days import stored_utc
from storage.models import utcnow
from storage.unit_of_work import UnitOfWork

LIST_HINT = "List the ones you can see with GET /api/v1/incidents."

Service = Annotated[
    str, Query(max_length=200, description="Only this service's (an id from /services)")
]


class FollowUpCounts(BaseModel):
    asked: int
    answered: int
    not_reached: int


class OwedCounts(BaseModel):
    open: int
    overdue: int = Field(description="Not given by their date")


class IncidentListed(BaseModel):
    id: int
    occurred_at: datetime = Field(description="In UTC")
    service_id: str
    type: str
    notifiable: bool = Field(description="A notifiable safety incident (duty of candour)")
    people: int = Field(description="How many people were involved")
    follow_ups: FollowUpCounts
    updates_owed: OwedCounts


class IncidentsOut(BaseModel):
    service: str | None = Field(description="The service filter, if one was given")
    incidents: list[IncidentListed] = Field(description=f"Newest first, at most {MAX_ROWS}")
    more: bool = Field(description=f"More than {MAX_ROWS} match: choose a service to see them")


class FollowUpOut(BaseModel):
    id: int
    person: str
    audience: str = Field(description="person or family")
    where: Literal["telegram", "kiosk"]
    due_at: datetime
    resent_at: datetime | None
    status: str
    note: str | None = Field(description="Why not reached or refused; null for a viewer")


class UpdateOwedOut(BaseModel):
    id: int
    person: str
    respondent_role: str = Field(description="Whom it is owed to: person or family")
    due_at: datetime
    given_at: datetime | None
    given_by: str | None = Field(description="Null for a viewer")
    note: str | None = Field(description="How it was given; null for a viewer")
    overdue: bool = Field(description="Not given, and past its date")


class CandourOut(BaseModel):
    person_told_at: datetime | None
    family_told_at: datetime | None
    apology_at: datetime | None
    apology_by: str | None = Field(description="Null for a viewer")
    written_at: datetime | None


class IncidentOut(BaseModel):
    id: int
    service_id: str
    occurred_at: datetime
    type: str
    notifiable: bool
    people: list[str] = Field(description="The people involved, as this caller may see them")
    recorded_at: datetime
    recorded_by: str | None = Field(description="Null for a viewer")
    summary: str | None = Field(description="Free text; null for a viewer")
    follow_ups: list[FollowUpOut]
    updates_owed: list[UpdateOwedOut]
    duty_of_candour: CandourOut | None = Field(description="For a notifiable incident only")


class OneIncidentOut(BaseModel):
    people: Literal["names", "pseudonyms"]
    words: bool = Field(description="Whether free text and staff names are shown to this caller")
    incident: IncidentOut


class OwedRowOut(BaseModel):
    id: int
    incident_id: int
    service_id: str
    person: str
    respondent_role: str
    due_at: datetime
    overdue: bool
    days: int = Field(description="Whole days overdue, or until due")


class UpdatesOwedOut(BaseModel):
    service: str | None
    people: Literal["names", "pseudonyms"]
    updates_owed: list[OwedRowOut] = Field(description="Soonest due first")


def incidents_routes(dashboard: Dashboard, caller: Callable[..., Caller]) -> APIRouter:
    router = APIRouter(tags=["incidents"])

    @router.get("/incidents", response_model=IncidentsOut, responses=error_responses(404, *ALWAYS))
    def incidents(
        request: Request, who: Annotated[Caller, Depends(caller)], service: Service = ""
    ) -> IncidentsOut:
        """The incidents of the services the caller may see, newest first, with counts."""
        service = service.strip()[:64]
        with dashboard.store(request)() as uow:
            _check_service(uow, who, service, "incidents")
            summaries, more = incidents_seen(uow, who.viewer, service)
            audit.record(
                uow,
                actor(who.viewer),
                "api.incidents.view",
                {"service": service or None, "rows": len(summaries), "via": who.via},
            )
            uow.commit()
        return IncidentsOut(
            service=service or None, incidents=[_listed(s) for s in summaries], more=more
        )

    @router.get(
        "/incidents/{incident_id}",
        response_model=OneIncidentOut,
        responses=error_responses(403, 404, *ALWAYS),
    )
    def incident(
        request: Request,
        who: Annotated[Caller, Depends(caller)],
        incident_id: str,
        names_reason: NamesReason = "",
    ) -> OneIncidentOut:
        """One incident: its people, follow-ups, updates owed and duty of candour."""
        reason = checked_reason(who, names_reason)
        with dashboard.store(request)() as uow:
            read = read_incident(uow, who.viewer, incident_id)
            if read is None:
                raise unseen_row(uow, who, "incident", incident_id, LIST_HINT)
            people = people_shown(uow, dashboard.settings, who.viewer, reason, read.people())
            words = shows_words(who.viewer)
            people.record(
                uow,
                who.viewer,
                "api.incident.view",
                {
                    "incident": read.incident.id,
                    "service": read.incident.service_id,
                    "words": words,
                    "via": who.via,
                },
            )
            uow.commit()
            found = _incident_out(read, people, words)
        return OneIncidentOut(
            people="names" if people.names else "pseudonyms", words=words, incident=found
        )

    @router.get(
        "/updates-owed",
        response_model=UpdatesOwedOut,
        responses=error_responses(403, 404, *ALWAYS),
        tags=["updates owed"],
    )
    def updates_owed(
        request: Request,
        who: Annotated[Caller, Depends(caller)],
        service: Service = "",
        names_reason: NamesReason = "",
    ) -> UpdatesOwedOut:
        """The updates still owed after incidents at the caller's services, soonest due first."""
        reason = checked_reason(who, names_reason)
        service = service.strip()[:64]
        with dashboard.store(request)() as uow:
            _check_service(uow, who, service, "updates_owed")
            now = utcnow()
            rows = owed_seen(uow, who.viewer, service, now)
            people = people_shown(
                uow,
                dashboard.settings,
                who.viewer,
                reason,
                [(row.incident.service_id, row.person_ref) for row in rows],
            )
            people.record(
                uow,
                who.viewer,
                "api.updates_owed.view",
                {
                    "service": service or None,
                    "rows": len(rows),
                    "overdue": sum(1 for row in rows if row.overdue),
                    "via": who.via,
                },
            )
            uow.commit()
            listed = [
                OwedRowOut(
                    id=row.owed.id,
                    incident_id=row.incident.id,
                    service_id=row.incident.service_id,
                    person=people.label(row.incident.service_id, row.person_ref),
                    respondent_role=row.owed.respondent_role,
                    due_at=stored_utc(row.owed.due_at),
                    overdue=row.overdue,
                    days=abs((now - stored_utc(row.owed.due_at)).days),
                )
                for row in rows
            ]
        return UpdatesOwedOut(
            service=service or None,
            people="names" if people.names else "pseudonyms",
            updates_owed=listed,
        )

    return router


def _check_service(uow: UnitOfWork, who: Caller, service: str, thing: str) -> None:
    if service and service not in {s for s, _ in service_choices(uow, who.viewer)}:
        raise unseen_service(uow, who, thing, service)


def _listed(summary: IncidentSummary) -> IncidentListed:
    incident = summary.incident
    return IncidentListed(
        id=incident.id,
        occurred_at=stored_utc(incident.occurred_at),
        service_id=incident.service_id,
        type=incident.type.value,
        notifiable=incident.notifiable,
        people=len(incident.people),
        follow_ups=FollowUpCounts(
            asked=summary.follow_ups, answered=summary.answered, not_reached=summary.not_reached
        ),
        updates_owed=OwedCounts(open=summary.owed_open, overdue=summary.overdue),
    )


def _at(moment: datetime | None) -> datetime | None:
    return stored_utc(moment) if moment is not None else None


def _incident_out(read: IncidentRead, people: PeopleShown, words: bool) -> IncidentOut:
    incident, now = read.incident, utcnow()

    def who(person_id: int) -> str:
        return people.label(incident.service_id, read.refs.get(person_id))

    candour = CandourOut(
        person_told_at=_at(incident.person_told_at),
        family_told_at=_at(incident.family_told_at),
        apology_at=_at(incident.apology_at),
        apology_by=incident.apology_by if words else None,
        written_at=_at(incident.written_at),
    )
    return IncidentOut(
        id=incident.id,
        service_id=incident.service_id,
        occurred_at=stored_utc(incident.occurred_at),
        type=incident.type.value,
        notifiable=incident.notifiable,
        people=[who(p.person_id) for p in incident.people],
        recorded_at=stored_utc(incident.created_at),
        recorded_by=incident.created_by if words else None,
        summary=incident.summary if words else None,
        follow_ups=[
            FollowUpOut(
                id=f.id,
                person=who(f.person_id),
                audience=f.audience.value,
                where="telegram" if f.contact_id is not None else "kiosk",
                due_at=stored_utc(f.due_at),
                resent_at=_at(f.resent_at),
                status=f.status.value,
                note=f.note if words else None,
            )
            for f in read.follow_ups
        ],
        updates_owed=[
            UpdateOwedOut(
                id=o.id,
                person=who(o.person_id),
                respondent_role=o.respondent_role,
                due_at=stored_utc(o.due_at),
                given_at=_at(o.given_at),
                given_by=o.given_by if words else None,
                note=o.note if words else None,
                overdue=o.given_at is None and stored_utc(o.due_at) < now,
            )
            for o in read.owed
        ],
        duty_of_candour=candour if incident.notifiable else None,
    )

"""GET /alerts and /alerts/{id}: safeguarding alerts, as their pages show them to the caller.

Rows are found by the alerts page's own code (``bot.dashboard.alerts``). Admins
and managers read the person's words, the leads' names and who acknowledged; a
viewer gets the category, times and counts and a pseudonym, never those.
"""

# No `from __future__ import annotations`: FastAPI reads each endpoint's
# `Depends(caller)` from its annotations, and `caller` is a local name here.
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from bot.dashboard.access import Dashboard
from bot.dashboard.alerts import (
    MAX_ROWS,
    STATUSES,
    alerts_seen,
    shows_words,
    status_problem,
    visible_alert,
)
from bot.dashboard.people import PeopleShown, people_shown
from bot.dashboard.scope import service_choices
from bot.dashboard_api.auth import Caller
from bot.dashboard_api.errors import ALWAYS, ApiError, error_responses
from bot.dashboard_api.names import NamesReason, checked_reason
from bot.dashboard_api.unseen import unseen_row, unseen_service
from governance.alerts import AlertRow, NoticeRow, notices_for
from storage.unit_of_work import UnitOfWork

LIST_HINT = "List the ones you can see with GET /api/v1/alerts."

Service = Annotated[
    str, Query(max_length=200, description="Only this service's alerts (an id from /services)")
]
Status = Annotated[
    str, Query(max_length=200, description=f"Only alerts in this status: {', '.join(STATUSES)}")
]


class NoticeOut(BaseModel):
    lead: str | None = Field(description="The lead told; null for a viewer")
    medium: str = Field(description="telegram or email")
    round: int = Field(description="0 for the first round of notices, 1 for the next, ...")
    status: str
    attempts: int
    sent_at: datetime | None = Field(description="When it went, in UTC")
    last_error: str | None = Field(description="Why the last try failed; null for a viewer")


class AlertOut(BaseModel):
    id: int
    raised_at: datetime = Field(description="In UTC")
    service_id: str
    person: str = Field(description="A pseudonym, or for an admin who gave a reason a name")
    category: str
    confidence: float
    channel: str
    status: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None = Field(description="Who has it in hand; null for a viewer")
    words: str | None = Field(description="The person's words; null for a viewer")
    notices: list[NoticeOut] = Field(description="Who was told, in the order they were queued")


class UndeliveredOut(BaseModel):
    id: int
    service_id: str
    raised_at: datetime
    why: str | None = Field(description="Why it reached no one; null for a viewer")


class AlertsFilterOut(BaseModel):
    service: str | None
    status: str | None


class AlertsOut(BaseModel):
    filter: AlertsFilterOut
    people: Literal["names", "pseudonyms"]
    words: bool = Field(description="Whether words and names of staff are shown to this caller")
    alerts: list[AlertOut] = Field(description=f"Newest first, at most {MAX_ROWS}")
    more: bool = Field(description=f"More than {MAX_ROWS} match: narrow the filter to see them")
    undelivered: list[UndeliveredOut] = Field(description="Open alerts that reached no one yet")


class OneAlertOut(BaseModel):
    people: Literal["names", "pseudonyms"]
    words: bool
    alert: AlertOut


def alerts_routes(dashboard: Dashboard, caller: Callable[..., Caller]) -> APIRouter:
    router = APIRouter(tags=["safeguarding alerts"])

    @router.get("/alerts", response_model=AlertsOut, responses=error_responses(403, 404, *ALWAYS))
    def alerts(
        request: Request,
        who: Annotated[Caller, Depends(caller)],
        service: Service = "",
        status: Status = "",
        names_reason: NamesReason = "",
    ) -> AlertsOut:
        """The alerts of the services the caller may see, newest first."""
        reason = checked_reason(who, names_reason)
        service, status = service.strip()[:64], status.strip()[:32]
        with dashboard.store(request)() as uow:
            if service and service not in {s for s, _ in service_choices(uow, who.viewer)}:
                raise unseen_service(uow, who, "alerts", service)
            problem = status_problem(status)
            if problem is not None:
                raise ApiError(
                    400,
                    "bad_filter",
                    "The filter could not be used. Please correct what is listed and try again.",
                    [problem],
                )
            seen = alerts_seen(uow, who.viewer, service, status)
            people = _people(uow, dashboard, who, reason, seen.rows)
            words = shows_words(who.viewer)
            people.record(
                uow,
                who.viewer,
                "api.alerts.view",
                {
                    "service": service or None,
                    "status": status or None,
                    "rows": len(seen.rows),
                    "words": words,
                    "via": who.via,
                },
            )
            uow.commit()
        return AlertsOut(
            filter=AlertsFilterOut(service=service or None, status=status or None),
            people="names" if people.names else "pseudonyms",
            words=words,
            alerts=[_alert_out(row, seen.notices[row.id], people, words) for row in seen.rows],
            more=seen.more,
            undelivered=[
                UndeliveredOut(
                    id=alert.id,
                    service_id=alert.service_id,
                    raised_at=alert.raised_at,
                    why=alert.why if words else None,
                )
                for alert in seen.undelivered
            ],
        )

    @router.get(
        "/alerts/{alert_id}",
        response_model=OneAlertOut,
        responses=error_responses(403, 404, *ALWAYS),
    )
    def alert(
        request: Request,
        who: Annotated[Caller, Depends(caller)],
        alert_id: str,
        names_reason: NamesReason = "",
    ) -> OneAlertOut:
        """One alert: who was told, who acknowledged it and, for staff, the words."""
        reason = checked_reason(who, names_reason)
        with dashboard.store(request)() as uow:
            row = visible_alert(uow, who.viewer, alert_id)
            if row is None:
                raise unseen_row(uow, who, "safeguarding alert", alert_id, LIST_HINT)
            people = _people(uow, dashboard, who, reason, [row])
            notices = notices_for(uow.session, [row.id])[row.id]
            words = shows_words(who.viewer)
            people.record(
                uow,
                who.viewer,
                "api.alert.view",
                {"alert": row.id, "service": row.service_id, "words": words, "via": who.via},
            )
            uow.commit()
        return OneAlertOut(
            people="names" if people.names else "pseudonyms",
            words=words,
            alert=_alert_out(row, notices, people, words),
        )

    return router


def _people(
    uow: UnitOfWork,
    dashboard: Dashboard,
    who: Caller,
    reason: str | None,
    rows: Sequence[AlertRow],
) -> PeopleShown:
    return people_shown(
        uow,
        dashboard.settings,
        who.viewer,
        reason,
        [(row.service_id, row.person_ref) for row in rows],
    )


def _alert_out(
    row: AlertRow, notices: Sequence[NoticeRow], people: PeopleShown, words: bool
) -> AlertOut:
    return AlertOut(
        id=row.id,
        raised_at=row.raised_at,
        service_id=row.service_id,
        person=people.label(row.service_id, row.person_ref),
        category=row.category,
        confidence=row.confidence,
        channel=row.channel,
        status=row.status.value,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by if words else None,
        words=row.words if words else None,
        notices=[
            NoticeOut(
                lead=notice.lead_name if words else None,
                medium=notice.medium.value,
                round=notice.round,
                status=notice.status.value,
                attempts=notice.attempts,
                sent_at=notice.sent_at,
                last_error=notice.last_error if words else None,
            )
            for notice in notices
        ],
    )

"""The incidents pages: the list, and one incident with its people, follow-ups and updates owed.

People appear as pseudonyms (or, while an admin reveals them, their
references and first names). The summary and notes are free text, which may
name someone, so a viewer sees counts, types and times but never those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.dashboard.access import Dashboard, actor, html, refused, to_login
from bot.dashboard.layout import Viewer, page, select, table
from bot.dashboard.people import PeopleShown, people_shown
from bot.dashboard.reveal import names_panel, names_reason
from bot.dashboard.row_table import Row, details, linked_table
from bot.dashboard.scope import can_see, not_found, row_id, service_choices, unknown_service, utc
from governance import audit
from governance.errors import GovernanceError
from governance.service_days import stored_utc
from storage.models import FollowUp, FollowUpStatus, Incident, Person, UpdateOwed, utcnow
from storage.unit_of_work import UnitOfWork

TITLE = "Incidents"
MAX_ROWS = 500
LIST_HINT = "See the incidents page for the ones you can open."
FOLLOW_UP_WORDS = {
    FollowUpStatus.planned: "planned",
    FollowUpStatus.sent: "sent, no answer yet",
    FollowUpStatus.answered: "answered",
    FollowUpStatus.not_reached: "NOT REACHED",
    FollowUpStatus.refused: "said no",
}


def incidents_router(dashboard: Dashboard) -> APIRouter:
    """The incidents list and one incident's page."""
    router = APIRouter()
    store = dashboard.store

    @router.get("/incidents")
    def incidents(request: Request) -> Response:
        """List the incidents of the services the user may see, newest first."""
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        service = request.query_params.get("service", "").strip()[:64]
        with store(request)() as uow:
            choices = service_choices(uow, signed.viewer)
            if service and service not in {service_id for service_id, _ in choices}:
                return unknown_service(uow, signed, service, "incidents")
            summaries, more = incidents_seen(uow, signed.viewer, service)
            rows = [_list_row(summary) for summary in summaries]
            audit.record(
                uow,
                actor(signed.viewer),
                "dashboard.incidents.view",
                {"service": service or None, "rows": len(rows)},
            )
            uow.commit()
        main = f"<h1>{TITLE}</h1>" + _filter_form(choices, service) + _list(rows, more)
        return html(page(TITLE, main, signed.viewer, signed.csrf))

    @router.get("/incidents/{incident_id}")
    def incident(request: Request, incident_id: str) -> Response:
        """Show one incident: its people, its follow-ups and the updates owed."""
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        with store(request)() as uow:
            read = read_incident(uow, signed.viewer, incident_id)
            if read is None:
                return not_found(uow, signed, "incident", incident_id, LIST_HINT)
            found, follow_ups, owed, refs = read.incident, read.follow_ups, read.owed, read.refs
            try:
                people = people_shown(
                    uow,
                    dashboard.settings,
                    signed.viewer,
                    names_reason(dashboard, signed),
                    read.people(),
                )
            except GovernanceError as error:
                return refused(signed, "Cannot show the incident", str(error), 503)
            words = shows_words(signed.viewer)
            people.record(
                uow,
                signed.viewer,
                "dashboard.incident.view",
                {"incident": found.id, "service": found.service_id, "words": words},
            )
            uow.commit()
            main = _incident_page(found, follow_ups, owed, refs, people, words)
        main += names_panel(dashboard, signed, f"/dashboard/incidents/{found.id}")
        return html(page(f"Incident {found.id}", main, signed.viewer, signed.csrf))

    return router


@dataclass(frozen=True)
class IncidentSummary:
    """One incident as the list shows it: how its follow-ups and updates owed stand."""

    incident: Incident
    follow_ups: int
    answered: int
    not_reached: int
    owed_open: int
    # Updates owed and not given by their date.
    overdue: int


@dataclass(frozen=True)
class IncidentRead:
    """One incident and everything its page shows."""

    incident: Incident
    follow_ups: Sequence[FollowUp]
    owed: Sequence[UpdateOwed]
    # The reference of every person the page names, by person id.
    refs: dict[int, str]

    def people(self) -> list[tuple[str, str | None]]:
        """The (service, reference) pairs shown, for ``people_shown``."""
        return [(self.incident.service_id, ref) for ref in self.refs.values()]


def shows_words(viewer: Viewer) -> bool:
    """Whether this user reads the summary, notes and the names of staff."""
    return viewer.role != "viewer"


def incidents_seen(
    uow: UnitOfWork, viewer: Viewer, service: str
) -> tuple[list[IncidentSummary], bool]:
    """The newest incidents (at most MAX_ROWS) of the services the user may see.

    Args:
        uow: an open unit of work.
        viewer: who is reading.
        service: one service the user may see, or "" for all of theirs.

    Returns:
        The summaries, newest first, and whether more incidents match.
    """
    found = [
        incident
        for incident in uow.incidents.list_all(service or None)
        if can_see(viewer, incident.service_id)
    ]
    now = utcnow()
    summaries = [_summary(uow, incident, now) for incident in found[:MAX_ROWS]]
    return summaries, len(found) > MAX_ROWS


def read_incident(uow: UnitOfWork, viewer: Viewer, asked: str) -> IncidentRead | None:
    """The incident with this id as given, if it exists and the user may see its service."""
    number = row_id(asked)
    found = uow.incidents.get(number) if number is not None else None
    if found is None or not can_see(viewer, found.service_id):
        return None
    follow_ups = uow.incidents.follow_ups(found.id)
    owed = uow.incidents.updates_owed(incident_id=found.id)
    refs = _refs(uow, [p.person_id for p in found.people], follow_ups, owed)
    return IncidentRead(found, follow_ups, owed, refs)


def _summary(uow: UnitOfWork, incident: Incident, now: datetime) -> IncidentSummary:
    follow_ups = uow.incidents.follow_ups(incident.id)
    owed = uow.incidents.updates_owed(incident_id=incident.id, open_only=True)
    return IncidentSummary(
        incident,
        follow_ups=len(follow_ups),
        answered=sum(1 for f in follow_ups if f.status == FollowUpStatus.answered),
        not_reached=sum(1 for f in follow_ups if f.status == FollowUpStatus.not_reached),
        owed_open=len(owed),
        overdue=sum(1 for item in owed if stored_utc(item.due_at) < now),
    )


def _list_row(summary: IncidentSummary) -> Row:
    incident, late = summary.incident, summary.overdue
    followed = (
        f"{summary.answered} of {summary.follow_ups} answered" if summary.follow_ups else "none"
    )
    if summary.not_reached:
        followed += f", {summary.not_reached} not reached"
    owing = (
        f"{summary.owed_open} open" + (f", {late} OVERDUE" if late else "")
        if summary.owed_open
        else "none"
    )
    return Row(
        f"/dashboard/incidents/{incident.id}",
        f"Incident {incident.id}",
        [
            utc(incident.occurred_at),
            incident.service_id,
            incident.type.value.replace("_", " "),
            "yes" if incident.notifiable else "no",
            str(len(incident.people)),
            followed,
            owing,
        ],
        "overdue" if late else "",
    )


def _filter_form(services: Sequence[tuple[str, str]], service: str) -> str:
    return (
        '<form method="get" action="/dashboard/incidents" class="filters">'
        "<fieldset><legend>Filter the incidents</legend>"
        + select("service", "Service", service, services)
        + '<p><button type="submit">Show incidents</button></p></fieldset></form>'
    )


def _list(rows: Sequence[Row], more: bool) -> str:
    if not rows:
        return '<p role="status" id="summary">No incidents match this filter.</p>'
    count = (
        f"The newest {len(rows)} incidents; there are more. Choose a service to see them."
        if more
        else f"{len(rows)} incident{'s' if len(rows) != 1 else ''}, newest first."
    )
    headings = ["Incident", "When (UTC)", "Service", "Type", "Notifiable", "People"]
    headings += ["Follow-ups", "Updates owed"]
    return f'<p role="status" id="summary">{escape(count)}</p>' + linked_table(
        "Incidents", headings, rows
    )


def _refs(
    uow: UnitOfWork,
    involved: Sequence[int],
    follow_ups: Sequence[FollowUp],
    owed: Sequence[UpdateOwed],
) -> dict[int, str]:
    """The reference of every person the incident's page names, by person id."""
    ids = set(involved) | {f.person_id for f in follow_ups} | {o.person_id for o in owed}
    found = (uow.people.get(person_id) for person_id in sorted(ids))
    return {person.id: person.ref for person in found if isinstance(person, Person)}


def _incident_page(
    incident: Incident,
    follow_ups: Sequence[FollowUp],
    owed: Sequence[UpdateOwed],
    refs: dict[int, str],
    people: PeopleShown,
    words: bool,
) -> str:
    def who(person_id: int) -> str:
        return people.label(incident.service_id, refs.get(person_id))

    pairs = [
        ("Service", incident.service_id),
        ("When (UTC)", utc(incident.occurred_at)),
        ("Type", incident.type.value.replace("_", " ")),
        ("Notifiable safety incident", "yes" if incident.notifiable else "no"),
        ("People involved", ", ".join(who(p.person_id) for p in incident.people) or "none"),
        ("Recorded (UTC)", utc(incident.created_at)),
    ]
    if words:
        pairs += [("Recorded by", incident.created_by), ("Summary", incident.summary)]
    main = f"<h1>Incident {incident.id}</h1>" + details(pairs)
    main += "<h2>Follow-ups</h2>" + _follow_ups(follow_ups, who, words)
    main += "<h2>Updates owed</h2>" + _owed(owed, who, words)
    if incident.notifiable:
        main += "<h2>Duty of candour</h2>" + details(_candour(incident, words))
    return main + '<p><a href="/dashboard/incidents">Back to the incidents</a></p>'


def _follow_ups(follow_ups: Sequence[FollowUp], who: Callable[[int], str], words: bool) -> str:
    if not follow_ups:
        return "<p>No follow-ups were asked for.</p>"
    headings = ["Follow-up", "Person", "Asking", "Where", "Due (UTC)", "Status"]
    rows = []
    for follow_up in follow_ups:
        where = "Telegram" if follow_up.contact_id is not None else "kiosk, at their next visit"
        status = FOLLOW_UP_WORDS[follow_up.status]
        if words and follow_up.note:
            status += f" ({follow_up.note})"
        due = utc(follow_up.due_at)
        if follow_up.resent_at is not None:
            due += f", sent again {utc(follow_up.resent_at)}"
        rows.append(
            [
                str(follow_up.id),
                who(follow_up.person_id),
                follow_up.audience.value,
                where,
                due,
                status,
            ]
        )
    return table("Follow-ups", headings, rows)


def _owed(owed: Sequence[UpdateOwed], who: Callable[[int], str], words: bool) -> str:
    if not owed:
        return "<p>No updates are owed.</p>"
    now = utcnow()
    rows = []
    for item in owed:
        if item.given_at is not None:
            by = f" by {item.given_by}" if words and item.given_by else ""
            note = f" ({item.note})" if words and item.note else ""
            state = f"given {utc(item.given_at)}{by}{note}"
        elif stored_utc(item.due_at) < now:
            state = "OVERDUE: not given by its date"
        else:
            state = "due, not given yet"
        rows.append(
            [str(item.id), who(item.person_id), item.respondent_role, utc(item.due_at), state]
        )
    headings = ["Update", "Person", "To", "Due (UTC)", "State"]
    link = '<p><a href="/dashboard/updates-owed">Record an update given</a></p>'
    return table("Updates owed", headings, rows) + (link if words else "")


def _candour(incident: Incident, words: bool) -> list[tuple[str, str]]:
    apology = utc(incident.apology_at, "not recorded")
    if words and incident.apology_by and incident.apology_at is not None:
        apology += f" by {incident.apology_by}"
    return [
        ("Person told (UTC)", utc(incident.person_told_at, "not recorded")),
        ("Family told (UTC)", utc(incident.family_told_at, "not recorded")),
        ("Apology (UTC)", apology),
        ("Written follow-up (UTC)", utc(incident.written_at, "not recorded")),
    ]

"""The updates owed page: promises to tell people more, soonest due first, and recording one given.

An overdue update says so in words in its row and in the summary, not by
colour alone (WCAG 1.4.1 Use of Color). Admins and managers record that an
update was given through ``governance.updates_owed``; a viewer only reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard.access import (
    PAGE_HEADERS,
    Dashboard,
    Signed,
    actor,
    form_expired,
    html,
    not_for_role,
    read_form,
    refused,
    to_login,
)
from bot.dashboard.layout import Viewer, csrf_field, page, select
from bot.dashboard.people import PeopleShown, people_shown
from bot.dashboard.reveal import here, names_panel, names_reason
from bot.dashboard.row_table import Row, linked_table
from bot.dashboard.scope import can_see, not_found, row_id, service_choices, unknown_service, utc
from governance.errors import GovernanceError
from governance.service_days import stored_utc
from governance.updates_owed import OwedRow, UpdateOwedError, give_update, updates_owed
from storage.models import utcnow
from storage.unit_of_work import UnitOfWork

TITLE = "Updates owed"
LIST_HINT = "See the updates owed page for the ones you can record."
NOTE_CHARS = 200


def updates_owed_router(dashboard: Dashboard) -> APIRouter:
    """The updates owed list and its "record update given" form."""
    router = APIRouter()
    store = dashboard.store

    @router.get("/updates-owed")
    def owed(request: Request) -> Response:
        """List the updates still owed at the services the user may see."""
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        service = request.query_params.get("service", "").strip()[:64]
        given = row_id(request.query_params.get("given", ""))
        with store(request)() as uow:
            choices = service_choices(uow, signed.viewer)
            if service and service not in {service_id for service_id, _ in choices}:
                return unknown_service(uow, signed, service, "updates_owed")
            now = utcnow()
            rows = owed_seen(uow, signed.viewer, service, now)
            try:
                people = people_shown(
                    uow,
                    dashboard.settings,
                    signed.viewer,
                    names_reason(dashboard, signed),
                    [(row.incident.service_id, row.person_ref) for row in rows],
                )
            except GovernanceError as error:
                return refused(signed, "Cannot show the updates owed", str(error), 503)
            people.record(
                uow,
                signed.viewer,
                "dashboard.updates_owed.view",
                {
                    "service": service or None,
                    "rows": len(rows),
                    "overdue": sum(1 for row in rows if row.overdue),
                },
            )
            uow.commit()
            main = f"<h1>{TITLE}</h1>"
            if given is not None:
                main += (
                    f'<p role="status" id="done">Update {given} is recorded as given, so it is '
                    "no longer owed.</p>"
                )
            main += _filter_form(choices, service) + _list(rows, people, now)
            if signed.viewer.role != "viewer" and rows:
                main += _given_form(signed, rows)
        main += names_panel(dashboard, signed, here(request))
        return html(page(TITLE, main, signed.viewer, signed.csrf))

    @router.post("/updates-owed/given")
    async def given(request: Request) -> Response:
        """Record that an update owed was given, which closes it."""
        form = await read_form(request)
        return await asyncio.to_thread(_record_given, dashboard, request, form)

    return router


def owed_seen(uow: UnitOfWork, viewer: Viewer, service: str, now: datetime) -> list[OwedRow]:
    """The updates still owed at the services the user may see, soonest due first.

    Args:
        uow: an open unit of work.
        viewer: who is reading.
        service: one service the user may see, or "" for all of theirs.
        now: the time to judge overdue by.
    """
    return [
        row
        for row in updates_owed(uow, service or None, now=now)
        if can_see(viewer, row.incident.service_id)
    ]


def _record_given(dashboard: Dashboard, request: Request, form: dict[str, str]) -> Response:
    signed = dashboard.signed_in(request)
    if signed is None:
        return to_login()
    if signed.viewer.role == "viewer":
        return not_for_role(signed, "record that an update was given")
    if not signed.form_is_genuine(form):
        return form_expired(signed)
    asked = form.get("update", "")
    with dashboard.store(request)() as uow:
        owed_id = row_id(asked)
        owed = uow.incidents.update_owed(owed_id) if owed_id is not None else None
        incident = uow.incidents.get(owed.incident_id) if owed is not None else None
        if owed is None or incident is None or not can_see(signed.viewer, incident.service_id):
            return not_found(uow, signed, "update owed", asked, LIST_HINT)
        note = form.get("note", "")[:NOTE_CHARS]
        try:
            give_update(uow, actor(signed.viewer), owed.id, form.get("by", "")[:100], note)
        except UpdateOwedError as error:
            message = str(error).replace("with --by NAME", "in the 'Given by' field")
            return refused(signed, "Not recorded", f"{message} Please go back and try again.", 400)
        uow.commit()
        done = owed.id
    return RedirectResponse(f"/dashboard/updates-owed?given={done}", 303, headers=PAGE_HEADERS)


def _filter_form(services: Sequence[tuple[str, str]], service: str) -> str:
    return (
        '<form method="get" action="/dashboard/updates-owed" class="filters">'
        "<fieldset><legend>Filter the updates owed</legend>"
        + select("service", "Service", service, services)
        + '<p><button type="submit">Show updates owed</button></p></fieldset></form>'
    )


def _state(row: OwedRow, now: datetime) -> str:
    days = abs((now - stored_utc(row.owed.due_at)).days)
    if row.overdue:
        return f"OVERDUE by {days} day{'s' if days != 1 else ''}" if days else "OVERDUE today"
    return f"due in {days} day{'s' if days != 1 else ''}" if days else "due today"


def _list(rows: Sequence[OwedRow], people: PeopleShown, now: datetime) -> str:
    if not rows:
        return '<p role="status" id="summary">No updates are owed.</p>'
    late = sum(1 for row in rows if row.overdue)
    count = f"{len(rows)} update{'s' if len(rows) != 1 else ''} owed, soonest due first"
    count += f"; {late} of them OVERDUE." if late else "; none overdue."
    headings = ["Incident", "Update", "Service", "Person", "To", "Due (UTC)", "State"]
    table_rows = [
        Row(
            f"/dashboard/incidents/{row.incident.id}",
            f"Incident {row.incident.id}",
            [
                str(row.owed.id),
                row.incident.service_id,
                people.label(row.incident.service_id, row.person_ref),
                row.owed.respondent_role,
                utc(row.owed.due_at),
                _state(row, now),
            ],
            "overdue" if row.overdue else "",
        )
        for row in rows
    ]
    return f'<p role="status" id="summary">{escape(count)}</p>' + linked_table(
        "Updates owed", headings, table_rows
    )


def _given_form(signed: Signed, rows: Sequence[OwedRow]) -> str:
    options = "".join(
        f'<option value="{row.owed.id}">Update {row.owed.id}, incident {row.incident.id}, '
        f"due {escape(utc(row.owed.due_at))}{' (OVERDUE)' if row.overdue else ''}</option>"
        for row in rows
    )
    return (
        "<h2>Record an update given</h2>"
        '<form method="post" action="/dashboard/updates-owed/given">'
        f"{csrf_field(signed.csrf)}"
        '<p><label for="update">Update</label>'
        f'<select id="update" name="update" required>{options}</select></p>'
        '<p><label for="by">Given by</label>'
        f'<input id="by" name="by" required maxlength="100" autocomplete="name" '
        f'value="{escape(signed.viewer.username)}"></p>'
        '<p><label for="note">How it was given (optional)</label>'
        f'<input id="note" name="note" maxlength="{NOTE_CHARS}" aria-describedby="note-hint"></p>'
        '<p id="note-hint">For example "by phone". Keep names out of it.</p>'
        '<p><button type="submit">Record update given</button></p></form>'
    )

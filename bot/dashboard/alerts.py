"""The safeguarding alerts pages: the list, one alert, and acknowledging it.

Admins and managers read the person's exact words and the leads' names; a
viewer sees the category, the times and counts, and a pseudonym, never the
words nor a name. An admin or manager acknowledges an alert for a lead of its
service, or for themselves, through ``governance.acknowledgement``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
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
from bot.dashboard.layout import Viewer, csrf_field, page, problems_box, select
from bot.dashboard.people import PeopleShown, people_shown
from bot.dashboard.reveal import here, names_panel, names_reason
from bot.dashboard.row_table import Row, details, linked_table
from bot.dashboard.scope import can_see, not_found, row_id, service_choices, unknown_service, utc
from governance.acknowledgement import OPEN, AcknowledgementRefused, acknowledge
from governance.alerts import (
    AlertRow,
    NoticeRow,
    UndeliveredAlert,
    alerts_listed,
    notices_for,
    undelivered_alerts,
)
from governance.errors import GovernanceError
from storage.models import AlertStatus, NoticeStatus
from storage.unit_of_work import UnitOfWork

TITLE = "Safeguarding alerts"
MAX_ROWS = 500
STATUSES = [status.value for status in AlertStatus]
LIST_HINT = "See the safeguarding alerts page for the ones you can open."
YOURSELF = "me"


def alerts_router(dashboard: Dashboard) -> APIRouter:
    """The alerts list, one alert's page, and its Acknowledge form."""
    router = APIRouter()
    store = dashboard.store

    @router.get("/alerts")
    def alerts(request: Request) -> Response:
        """List the alerts of the services the user may see, filtered by service and status."""
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        service = request.query_params.get("service", "").strip()[:64]
        status = request.query_params.get("status", "").strip()[:32]
        with store(request)() as uow:
            choices = service_choices(uow, signed.viewer)
            if service and service not in {service_id for service_id, _ in choices}:
                return unknown_service(uow, signed, service, "safeguarding_alerts")
            form = _filter_form(choices, service, status if status in STATUSES else "")
            problem = status_problem(status)
            if problem is not None:
                box = problems_box([problem], "The filter could not be used:")
                main = f"<h1>{TITLE}</h1>{box}{form}"
                return html(page(TITLE, main, signed.viewer, signed.csrf), 400)
            seen = alerts_seen(uow, signed.viewer, service, status)
            rows, notices, undelivered = seen.rows, seen.notices, seen.undelivered
            try:
                people = _people(uow, dashboard, signed, rows)
            except GovernanceError as error:
                return refused(signed, "Cannot show alerts", str(error), 503)
            words = shows_words(signed.viewer)
            people.record(
                uow,
                signed.viewer,
                "dashboard.alerts.view",
                {
                    "service": service or None,
                    "status": status or None,
                    "rows": len(rows),
                    "words": words,
                },
            )
            uow.commit()
        main = f"<h1>{TITLE}</h1>"
        if undelivered:
            # Why may quote a mail server's error, which can name a lead: staff only.
            main += problems_box(
                [
                    f"Alert {alert.id} at {alert.service_id}" + (f": {alert.why}" if words else "")
                    for alert in undelivered
                ],
                f"{len(undelivered)} alert{'s' if len(undelivered) != 1 else ''} reached "
                "no one yet:",
            )
        main += form + _list(rows, notices, people, words, seen.more)
        main += names_panel(dashboard, signed, here(request))
        return html(page(TITLE, main, signed.viewer, signed.csrf))

    @router.get("/alerts/{alert_id}")
    def alert(request: Request, alert_id: str) -> Response:
        """Show one alert: who was told, who acknowledged it, and (for staff) the words."""
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        with store(request)() as uow:
            row = visible_alert(uow, signed.viewer, alert_id)
            if row is None:
                return not_found(uow, signed, "safeguarding alert", alert_id, LIST_HINT)
            try:
                people = _people(uow, dashboard, signed, [row])
            except GovernanceError as error:
                return refused(signed, "Cannot show the alert", str(error), 503)
            notices = notices_for(uow.session, [row.id])[row.id]
            leads = [(lead.id, lead.name) for lead in uow.leads.for_service(row.service_id)]
            words = shows_words(signed.viewer)
            people.record(
                uow,
                signed.viewer,
                "dashboard.alert.view",
                {"alert": row.id, "service": row.service_id, "words": words},
            )
            uow.commit()
        done = request.query_params.get("done") == "acknowledged"
        main = _alert_page(signed, row, notices, people, words, leads, done)
        main += names_panel(dashboard, signed, f"/dashboard/alerts/{row.id}")
        return html(page(f"Safeguarding alert {row.id}", main, signed.viewer, signed.csrf))

    @router.post("/alerts/{alert_id}/acknowledge")
    async def acknowledge_alert(request: Request, alert_id: str) -> Response:
        """Acknowledge an open alert for one of its service's leads, or for oneself."""
        form = await read_form(request)
        return await asyncio.to_thread(_acknowledge, dashboard, request, alert_id, form)

    return router


def _acknowledge(
    dashboard: Dashboard, request: Request, alert_id: str, form: dict[str, str]
) -> Response:
    signed = dashboard.signed_in(request)
    if signed is None:
        return to_login()
    if signed.viewer.role == "viewer":
        return not_for_role(signed, "acknowledge safeguarding alerts")
    if not signed.form_is_genuine(form):
        return form_expired(signed)
    with dashboard.store(request)() as uow:
        row = visible_alert(uow, signed.viewer, alert_id)
        if row is None:
            return not_found(uow, signed, "safeguarding alert", alert_id, LIST_HINT)
        leads = {str(lead.id): lead for lead in uow.leads.for_service(row.service_id)}
        chosen = form.get("by", "")
        if chosen == YOURSELF:
            by, lead_id = signed.viewer.username, None
        elif chosen in leads:
            by, lead_id = leads[chosen].name, leads[chosen].id
        else:
            return refused(
                signed,
                "Not acknowledged",
                "Choose who has the alert in hand: one of its service's safeguarding leads, "
                "or yourself. Please go back and try again.",
                400,
            )
        try:
            acknowledge(uow, row.id, by, lead_id, actor=actor(signed.viewer))
        except AcknowledgementRefused as error:
            return refused(signed, "Not acknowledged", str(error), 409)
        uow.commit()
    return RedirectResponse(
        f"/dashboard/alerts/{row.id}?done=acknowledged", 303, headers=PAGE_HEADERS
    )


@dataclass(frozen=True)
class AlertsSeen:
    """The alerts one user may see under a filter, newest first, and what goes with them."""

    rows: list[AlertRow]
    # Each row's notices to leads, by alert id.
    notices: dict[int, list[NoticeRow]]
    # Open alerts of the same services that reached no one yet.
    undelivered: list[UndeliveredAlert]
    # Whether more alerts match than the MAX_ROWS in ``rows``.
    more: bool


def shows_words(viewer: Viewer) -> bool:
    """Whether this user reads the person's words, the leads' names and who acknowledged."""
    return viewer.role != "viewer"


def status_problem(status: str) -> str | None:
    """What is wrong with a status filter, in plain words, or None."""
    if status and status not in STATUSES:
        return f"There is no alert status '{status}'. Use one of: {', '.join(STATUSES)}."
    return None


def alerts_seen(uow: UnitOfWork, viewer: Viewer, service: str, status: str) -> AlertsSeen:
    """The alerts of the services this user may see, by a checked service and status.

    Args:
        uow: an open unit of work.
        viewer: who is reading.
        service: one service the user may see, or "" for all of theirs.
        status: an alert status (see ``status_problem``), or "" for any.
    """
    rows = [
        row
        for row in alerts_listed(
            uow.session, service or None, AlertStatus(status) if status else None
        )
        if can_see(viewer, row.service_id)
    ]
    more, rows = len(rows) > MAX_ROWS, rows[:MAX_ROWS]
    undelivered = [
        alert
        for alert in undelivered_alerts(uow.session)
        if can_see(viewer, alert.service_id) and (not service or alert.service_id == service)
    ]
    notices = notices_for(uow.session, [row.id for row in rows])
    return AlertsSeen(rows, notices, undelivered, more)


def visible_alert(uow: UnitOfWork, viewer: Viewer, asked: str) -> AlertRow | None:
    """The alert with this id as given, if it exists and is of a service the user may see."""
    alert_id = row_id(asked)
    if alert_id is None:
        return None
    found = alerts_listed(uow.session, alert_id=alert_id)
    if not found or not can_see(viewer, found[0].service_id):
        return None
    return found[0]


def _people(
    uow: UnitOfWork, dashboard: Dashboard, signed: Signed, rows: Sequence[AlertRow]
) -> PeopleShown:
    return people_shown(
        uow,
        dashboard.settings,
        signed.viewer,
        names_reason(dashboard, signed),
        [(row.service_id, row.person_ref) for row in rows],
    )


def _filter_form(services: Sequence[tuple[str, str]], service: str, status: str) -> str:
    statuses = [(value, value.replace("_", " ")) for value in STATUSES]
    return (
        '<form method="get" action="/dashboard/alerts" class="filters">'
        "<fieldset><legend>Filter the alerts</legend>"
        + select("service", "Service", service, services)
        + select("status", "Status", status, statuses)
        + '<p><button type="submit">Show alerts</button></p></fieldset></form>'
    )


def _list(
    rows: Sequence[AlertRow],
    notices: dict[int, list[NoticeRow]],
    people: PeopleShown,
    words: bool,
    more: bool,
) -> str:
    if not rows:
        return '<p role="status" id="summary">No safeguarding alerts match this filter.</p>'
    count = (
        f"The newest {len(rows)} alerts; there are more. Narrow the filter to see them."
        if more
        else f"{len(rows)} alert{'s' if len(rows) != 1 else ''}, newest first."
    )
    headings = ["Alert", "Raised (UTC)", "Service", "Person", "Category", "Status"]
    headings += ["Who was told", "Acknowledged"] + (["Their words"] if words else [])
    table_rows = [
        Row(
            f"/dashboard/alerts/{row.id}",
            f"Alert {row.id}",
            [
                utc(row.raised_at),
                row.service_id,
                people.label(row.service_id, row.person_ref),
                row.category,
                row.status.value,
                _told_summary(notices[row.id], words),
                _acknowledged(row, words),
            ]
            + ([row.words] if words else []),
        )
        for row in rows
    ]
    return f'<p role="status" id="summary">{escape(count)}</p>' + linked_table(
        "Safeguarding alerts", headings, table_rows
    )


def _told(notice: NoticeRow, names: bool) -> str:
    who = notice.lead_name if names else "a lead"
    again = f" (round {notice.round + 1})" if notice.round else ""
    if notice.status == NoticeStatus.sent and notice.sent_at is not None:
        return f"{who} by {notice.medium.value} at {utc(notice.sent_at)}{again}"
    if notice.status == NoticeStatus.cancelled:
        return f"{who} by {notice.medium.value}: not needed{again}"
    tries = f", {notice.attempts} failed tries" if notice.attempts else ""
    return f"{who} by {notice.medium.value}: not yet sent{again}{tries}"


def _told_summary(notices: Sequence[NoticeRow], names: bool) -> str:
    return "; ".join(_told(notice, names) for notice in notices) or "nobody yet"


def _acknowledged(row: AlertRow, names: bool) -> str:
    if row.acknowledged_at is None:
        return "not yet"
    who = f"by {row.acknowledged_by} " if names and row.acknowledged_by else ""
    return f"{who}at {utc(row.acknowledged_at)}"


def _alert_page(
    signed: Signed,
    row: AlertRow,
    notices: Sequence[NoticeRow],
    people: PeopleShown,
    words: bool,
    leads: Sequence[tuple[int, str]],
    done: bool,
) -> str:
    main = f"<h1>Safeguarding alert {row.id}</h1>"
    if done and row.status == AlertStatus.acknowledged:
        main += (
            f'<p role="status" id="done">Alert {row.id} is acknowledged. No more notices go out '
            "for it.</p>"
        )
    pairs = [
        ("Service", row.service_id),
        ("Raised (UTC)", utc(row.raised_at)),
        ("Status", row.status.value),
        ("Category", row.category),
        ("Confidence", f"{row.confidence:.2f}"),
        ("Channel", row.channel),
        ("Person", people.label(row.service_id, row.person_ref)),
        ("Acknowledged", _acknowledged(row, words)),
    ]
    if words:
        pairs.append(("Their words", row.words))
    main += details(pairs)
    main += "<h2>Who was told</h2>"
    if notices:
        items = "".join(f"<li>{escape(_told(notice, words))}</li>" for notice in notices)
        main += f"<ul>{items}</ul>"
    else:
        main += "<p>Nobody has been told yet.</p>"
    if words and row.status in OPEN:
        main += _acknowledge_form(signed, row, leads)
    return main + '<p><a href="/dashboard/alerts">Back to the safeguarding alerts</a></p>'


def _acknowledge_form(signed: Signed, row: AlertRow, leads: Sequence[tuple[int, str]]) -> str:
    options = "".join(
        f'<option value="{lead_id}">{escape(name)} (safeguarding lead)</option>'
        for lead_id, name in leads
    )
    options += f'<option value="{YOURSELF}">Me ({escape(signed.viewer.username)})</option>'
    return (
        "<h2>Acknowledge</h2>"
        f'<form method="post" action="/dashboard/alerts/{row.id}/acknowledge">'
        f"{csrf_field(signed.csrf)}"
        '<p><label for="by">Who has it in hand</label>'
        f'<select id="by" name="by" required>{options}</select></p>'
        "<p>No more notices go out once it is acknowledged, and nobody else is asked.</p>"
        '<p><button type="submit">Acknowledge</button></p></form>'
    )

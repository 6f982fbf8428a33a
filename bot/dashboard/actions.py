"""The action log's pages: record a decision and its action, move it on, and review it.

A review asks people again through the bot; its page compares the answers on
the action's theme before and after, with the counts behind every share.
Admins and managers (of the action's service) record and change; viewers read,
without anyone's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from bot.dashboard.access import (
    PAGE_HEADERS,
    Dashboard,
    Signed,
    actor,
    form_expired,
    html,
    not_for_role,
    read_form,
    read_form_lists,
    refused,
    to_login,
)
from bot.dashboard.layout import (
    Viewer,
    csrf_field,
    page,
    problems_box,
    table,
)
from bot.dashboard.layout import (
    select as select_field,
)
from bot.sending import QuietHours
from checkin.question_sets import is_theme_set
from covoice.taxonomy import Taxonomy
from governance import audit
from governance.actions import (
    ActionDraft,
    ActionError,
    actions_for,
    age_in_days,
    days_overdue,
    label,
    record_action,
    set_status,
)
from governance.reviews import Comparison, ReviewRequest, Tally, compare, schedule_review
from governance.service_days import stored_utc
from storage.models import Action, ActionReview, ActionStatus, ReviewAudience, Service, utcnow
from storage.models import Response as StoredResponse
from storage.unit_of_work import UnitOfWork

# A share of fewer answers than this is shown only as counts.
SMALL = 5
MAX_LINKED = 200
WORDS_SHOWN = 20
AUDIENCES = {
    ReviewAudience.same_people: "The same people (whose answers it was decided on)",
    ReviewAudience.service: "Everyone at the service",
}


def actions_router(dashboard: Dashboard) -> APIRouter:
    router = APIRouter()

    def visible(uow: UnitOfWork, viewer: Viewer, raw_id: str) -> Action | None:
        """The action, if it exists and the viewer may see its service."""
        if not raw_id.isdigit() or len(raw_id) > 12:
            return None
        action = uow.session.get(Action, int(raw_id))
        if action is None or not _sees(viewer, action.service_id):
            return None
        return action

    def no_such_action(signed: Signed) -> Response:
        # The same answer whether the action is someone else's or does not exist.
        return refused(
            signed,
            "No such action",
            "There is no action with that number that you can see. Choose one from the action log.",
            404,
        )

    @router.get("/actions")
    def action_log(request: Request) -> Response:
        """Every action the viewer may see, soonest due first; overdue ones say so."""
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        status = request.query_params.get("status", "")[:16]
        if status and status not in ActionStatus.__members__:
            return refused(
                signed,
                "Cannot show the action log",
                "That is not a status. Choose open, in progress, done or dropped.",
                400,
            )
        with dashboard.store(request)() as uow:
            actions = actions_for(uow, signed.viewer.services, status or None)
            names = _service_names(uow)
            audit.record(
                uow,
                actor(signed.viewer),
                "dashboard.actions.view",
                {"status": status or None, "rows": len(actions)},
            )
            uow.commit()
            body = _log_page(actions, names, dashboard.taxonomy, signed.viewer, status)
        return html(page("Action log", body, signed.viewer, signed.csrf))

    @router.get("/actions/new")
    def new_action(request: Request) -> Response:
        """The form for a new action, from a theme or from chosen answers."""
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        if signed.viewer.role == "viewer":
            return not_for_role(signed, "record actions")
        fields = {
            "service": request.query_params.get("service", "")[:64],
            "theme": request.query_params.get("theme", "")[:64],
        }
        linked = _ids(request.query_params.getlist("response"))
        with dashboard.store(request)() as uow:
            services = _services_for(uow, signed.viewer)
        return html(_form_page(signed, services, dashboard.taxonomy, fields, linked, []))

    @router.post("/actions/new")
    async def create_action(request: Request) -> Response:
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        if signed.viewer.role == "viewer":
            return not_for_role(signed, "record actions")
        lists = await read_form_lists(request, max_fields=20 + MAX_LINKED)
        form = {key: values[0] for key, values in lists.items()}
        if not signed.form_is_genuine(form):
            return form_expired(signed)
        linked = _ids(lists.get("response", []))
        with dashboard.store(request)() as uow:
            services = _services_for(uow, signed.viewer)
            problems = []
            if form.get("service", "") not in {service for service, _ in services}:
                problems.append("Please choose one of your services.")
            due = _day(form.get("due", ""))
            if due is None:
                problems.append("Please give the due day as a date, e.g. 2026-12-31.")
            if not problems and due is not None:
                draft = ActionDraft(
                    form["service"],
                    form.get("theme", ""),
                    form.get("title", ""),
                    form.get("decision", ""),
                    form.get("risks", ""),
                    form.get("change", ""),
                    form.get("owner", ""),
                    due,
                    tuple(linked),
                )
                try:
                    action = record_action(
                        uow, actor(signed.viewer), draft, dashboard.taxonomy.themes
                    )
                except ActionError as error:
                    problems.append(str(error))
                else:
                    uow.commit()
                    return RedirectResponse(
                        f"/dashboard/actions/{action.id}", 303, headers=PAGE_HEADERS
                    )
        body = _form_page(signed, services, dashboard.taxonomy, form, linked, problems)
        return html(body, 400)

    @router.get("/actions/{action_id}")
    def show_action(action_id: str, request: Request) -> Response:
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        sets = _plain_sets(request)
        with dashboard.store(request)() as uow:
            action = visible(uow, signed.viewer, action_id)
            if action is None:
                return no_such_action(signed)
            body = _action_page(uow, action, dashboard.taxonomy, signed, sets, [])
            audit.record(
                uow,
                actor(signed.viewer),
                "dashboard.action.view",
                {"action": action.id, "words": signed.viewer.role != "viewer"},
            )
            uow.commit()
        return html(page(action.title, body, signed.viewer, signed.csrf))

    @router.post("/actions/{action_id}/status")
    async def change_status(action_id: str, request: Request) -> Response:
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        if signed.viewer.role == "viewer":
            return not_for_role(signed, "change actions")
        form = await read_form(request)
        if not signed.form_is_genuine(form):
            return form_expired(signed)
        with dashboard.store(request)() as uow:
            action = visible(uow, signed.viewer, action_id)
            if action is None:
                return no_such_action(signed)
            try:
                set_status(uow, actor(signed.viewer), action, form.get("status", ""))
            except ActionError as error:
                body = _action_page(
                    uow, action, dashboard.taxonomy, signed, _plain_sets(request), [str(error)]
                )
                return html(page(action.title, body, signed.viewer, signed.csrf), 400)
            uow.commit()
        return RedirectResponse(f"/dashboard/actions/{action_id}", 303, headers=PAGE_HEADERS)

    @router.post("/actions/{action_id}/reviews")
    async def add_review(action_id: str, request: Request) -> Response:
        """Schedule asking people again; the bot sends or the kiosk offers it when due."""
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        if signed.viewer.role == "viewer":
            return not_for_role(signed, "schedule reviews")
        form = await read_form(request)
        if not signed.form_is_genuine(form):
            return form_expired(signed)
        sets = _plain_sets(request)
        with dashboard.store(request)() as uow:
            action = visible(uow, signed.viewer, action_id)
            if action is None:
                return no_such_action(signed)
            problems = []
            weeks = form.get("weeks", "").strip()
            audience = form.get("audience", "")
            if not weeks.isdigit() or len(weeks) > 3:
                problems.append("Please give the number of weeks as a whole number, 0 to 52.")
            if audience not in ReviewAudience.__members__:
                problems.append("Please choose whom to ask.")
            if not problems:
                request_ = ReviewRequest(
                    form.get("question_set", ""),
                    form.get("theme_only") == "yes",
                    ReviewAudience(audience),
                    int(weeks),
                )
                try:
                    schedule_review(
                        uow,
                        actor(signed.viewer),
                        action,
                        request_,
                        request.app.state.parts.question_sets,
                        QuietHours.parse(dashboard.settings.quiet_hours),
                        utcnow(),
                    )
                except ActionError as error:
                    problems.append(str(error))
                else:
                    uow.commit()
                    return RedirectResponse(
                        f"/dashboard/actions/{action_id}#reviews", 303, headers=PAGE_HEADERS
                    )
            body = _action_page(uow, action, dashboard.taxonomy, signed, sets, problems)
        return html(page(action.title, body, signed.viewer, signed.csrf), 400)

    return router


def _sees(viewer: Viewer, service_id: str) -> bool:
    return viewer.services is None or service_id in viewer.services


def _ids(values: Sequence[str]) -> list[int]:
    """Answer ids from a form or query string; anything not a number is dropped."""
    return sorted({int(v) for v in values[:MAX_LINKED] if v.isdigit() and len(v) <= 12})


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _plain_sets(request: Request) -> list[str]:
    """The question sets from files (not their one-theme parts), for the review form."""
    return sorted(s for s in request.app.state.parts.question_sets if not is_theme_set(s))


def _service_names(uow: UnitOfWork) -> dict[str, str]:
    return {
        service_id: name
        for service_id, name in uow.session.execute(select(Service.id, Service.name))
    }


def _services_for(uow: UnitOfWork, viewer: Viewer) -> list[tuple[str, str]]:
    query = select(Service.id, Service.name).order_by(Service.name, Service.id)
    if viewer.services is not None:
        query = query.where(Service.id.in_(viewer.services))
    return [(service_id, name) for service_id, name in uow.session.execute(query)]


def _theme_label(taxonomy: Taxonomy, theme_id: str) -> str:
    theme = taxonomy.themes.get(theme_id)
    return theme.label if theme is not None else theme_id


def _overdue_words(action: Action, today: date) -> str:
    late = days_overdue(action, today)
    if late:
        return f"Overdue by {late} day{'s' if late != 1 else ''}"
    return ""


def _log_page(
    actions: Sequence[Action],
    names: dict[str, str],
    taxonomy: Taxonomy,
    viewer: Viewer,
    status: str,
) -> str:
    today, now = date.today(), utcnow()
    statuses = [(s.value, label(s)) for s in ActionStatus]
    filters = (
        '<form method="get" action="/dashboard/actions" class="filters">'
        "<fieldset><legend>Show actions</legend>"
        + select_field("status", "Status", status, statuses)
        + '<p><button type="submit">Show</button></p></fieldset></form>'
    )
    new = (
        '<p><a href="/dashboard/actions/new">Record a new action</a></p>'
        if viewer.role != "viewer"
        else ""
    )
    if not actions:
        return f'<h1>Action log</h1>{new}{filters}<p role="status">No actions to show.</p>'
    overdue = sum(1 for action in actions if days_overdue(action, today))
    summary = f"{len(actions)} action{'s' if len(actions) != 1 else ''}" + (
        f"; {overdue} overdue." if overdue else "; none overdue."
    )
    rows = "".join(
        f"<tr{' class=overdue' if days_overdue(action, today) else ''}>"
        f'<td><a href="/dashboard/actions/{action.id}">{escape(action.title)}</a></td>'
        + "".join(
            f'<td dir="auto">{escape(cell)}</td>'
            for cell in (
                names.get(action.service_id, action.service_id),
                _theme_label(taxonomy, action.theme_id),
                action.owner,
                f"{action.due_on:%-d %b %Y}",
                label(action.status),
                f"{age_in_days(action, now)} days",
            )
        )
        + f"<td><strong>{escape(_overdue_words(action, today))}</strong></td></tr>"
        for action in actions
    )
    head = "".join(
        f'<th scope="col">{h}</th>'
        for h in ("Action", "Service", "Theme", "Owner", "Due", "Status", "Age", "Overdue")
    )
    return (
        f'<h1>Action log</h1>{new}{filters}<p role="status" id="summary">{summary}</p>'
        '<div class="table-wrap" role="region" aria-labelledby="caption-actions" tabindex="0">'
        '<table><caption id="caption-actions">Actions, soonest due first</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _form_page(
    signed: Signed,
    services: Sequence[tuple[str, str]],
    taxonomy: Taxonomy,
    fields: dict[str, str],
    linked: Sequence[int],
    problems: Sequence[str],
) -> str:
    themes = sorted(((t.id, t.label) for t in taxonomy.themes.values()), key=lambda t: t[1])
    due = fields.get("due") or (date.today() + timedelta(weeks=4)).isoformat()
    hidden = "".join(f'<input type="hidden" name="response" value="{i}">' for i in linked)
    from_answers = (
        f"<p>It is decided on the {len(linked)} answer{'s' if len(linked) != 1 else ''} "
        "you chose on the responses page.</p>"
        if linked
        else ""
    )
    described = ' aria-describedby="problems"' if problems else ""

    def text(name: str, label_: str, hint: str, rows: int = 4) -> str:
        return (
            f'<p><label for="{name}">{label_}</label>'
            f'<span class="hint" id="{name}-hint">{hint}</span>'
            f'<textarea id="{name}" name="{name}" rows="{rows}" maxlength="4000" '
            f'aria-describedby="{name}-hint">{escape(fields.get(name, ""))}</textarea></p>'
        )

    body = (
        "<h1>Record an action</h1>"
        + problems_box(problems, "The action could not be recorded:")
        + from_answers
        + f'<form method="post" action="/dashboard/actions/new" class="record"{described}>'
        + csrf_field(signed.csrf)
        + hidden
        + _required_select("service", "Service", fields.get("service", ""), services)
        + _required_select("theme", "Theme", fields.get("theme", ""), themes)
        + '<p><label for="title">Short title</label>'
        f'<input id="title" name="title" maxlength="200" required '
        f'value="{escape(fields.get("title", ""))}"></p>'
        + text("decision", "Decision", "What was agreed, and why.")
        + text(
            "risks",
            "Risks and proportionality",
            "What could go wrong, and why this is in proportion.",
        )
        + text("change", "Action", "What changes in day-to-day practice.")
        + '<p><label for="owner">Owner</label>'
        f'<input id="owner" name="owner" maxlength="100" required '
        f'value="{escape(fields.get("owner", ""))}"></p>' + '<p><label for="due">Due day</label>'
        f'<input id="due" name="due" type="date" required value="{escape(due)}"></p>'
        + '<p><button type="submit">Record the action</button></p></form>'
    )
    return page("Record an action", body, signed.viewer, signed.csrf)


def _required_select(
    name: str, label_: str, chosen: str, options: Sequence[tuple[str, str]]
) -> str:
    items = ['<option value="">Choose…</option>'] + [
        f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>'
        f"{escape(text)}</option>"
        for value, text in options
    ]
    return (
        f'<p><label for="{name}">{label_}</label>'
        f'<select id="{name}" name="{name}" required>{"".join(items)}</select></p>'
    )


def _action_page(
    uow: UnitOfWork,
    action: Action,
    taxonomy: Taxonomy,
    signed: Signed,
    sets: Sequence[str],
    problems: Sequence[str],
) -> str:
    viewer, today, now = signed.viewer, date.today(), utcnow()
    service = uow.session.get(Service, action.service_id)
    theme = _theme_label(taxonomy, action.theme_id)
    late = _overdue_words(action, today)
    facts = [
        ("Service", service.name if service else action.service_id),
        ("Theme", theme),
        ("Status", label(action.status)),
        ("Owner", action.owner),
        ("Due", f"{action.due_on:%-d %B %Y}" + (f" ({late})" if late else "")),
        (
            "Recorded",
            f"{stored_utc(action.created_at):%-d %B %Y} by "
            f"{action.created_by.removeprefix('dashboard:')}, "
            f"{age_in_days(action, now)} days ago",
        ),
    ]
    listed = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    body = (
        f"<h1>{escape(action.title)}</h1>"
        + problems_box(problems, "That could not be done:")
        + f'<dl class="facts">{listed}</dl>'
        + _input_section(uow, action, viewer)
        + "<h2>Decision</h2>"
        + f'<p class="words" dir="auto">{escape(action.decision)}</p>'
        + "<h2>Risks and proportionality</h2>"
        + f'<p class="words" dir="auto">{escape(action.risks or "None written.")}</p>'
        + "<h2>Action: what changes in day-to-day practice</h2>"
        + f'<p class="words" dir="auto">{escape(action.change)}</p>'
    )
    if viewer.role != "viewer":
        statuses = "".join(
            f'<option value="{s.value}"{" selected" if s == action.status else ""}>'
            f"{label(s)}</option>"
            for s in ActionStatus
        )
        body += (
            f'<form method="post" action="/dashboard/actions/{action.id}/status" class="inline">'
            + csrf_field(signed.csrf)
            + '<p><label for="status">Status</label>'
            f'<select id="status" name="status">{statuses}</select> '
            '<button type="submit">Save the status</button></p></form>'
        )
    body += '<h2 id="reviews">Reviews: asking people again</h2>'
    if not action.reviews:
        body += "<p>No review is scheduled yet.</p>"
    for number, review in enumerate(action.reviews, start=1):
        body += _review_section(number, review, compare(uow, review, action, now))
    if viewer.role != "viewer":
        body += _review_form(signed, action, theme, sets)
    return body


def _input_section(uow: UnitOfWork, action: Action, viewer: Viewer) -> str:
    """What people said: the answers the action was decided on."""
    if not action.responses:
        return (
            "<h2>What people said</h2><p>The action was recorded from the theme as a "
            "whole, not from chosen answers.</p>"
        )
    ids = [link.response_id for link in action.responses]
    count = len(ids)
    text = f"<h2>What people said</h2><p>Decided on {count} answer{'s' if count != 1 else ''}.</p>"
    if viewer.role == "viewer":
        return text
    answers = uow.session.scalars(
        select(StoredResponse)
        .where(StoredResponse.id.in_(ids), StoredResponse.free_text.is_not(None))
        .order_by(StoredResponse.created_at)
        .limit(WORDS_SHOWN)
    )
    quotes = "".join(
        f'<li><span dir="auto">{escape(answer.free_text or "")}</span> '
        f"({stored_utc(answer.created_at):%-d %b %Y})</li>"
        for answer in answers
    )
    return text + (f"<p>In their words:</p><ul>{quotes}</ul>" if quotes else "")


def _cell(count: int, rated: int) -> str:
    """A count, with its share only when there are enough answers for a share to mean much."""
    if rated >= SMALL:
        return f"{count} ({round(100 * count / rated)}%)"
    return f"{count} of {rated}" if rated else "0"


def _tally_row(name: str, tally: Tally) -> list[str]:
    return [
        name,
        str(tally.rated),
        _cell(tally.good, tally.rated),
        _cell(tally.okay, tally.rated),
        _cell(tally.bad, tally.rated),
        str(tally.words),
        str(tally.people),
    ]


def _review_section(number: int, review: ActionReview, result: Comparison) -> str:
    set_id = review.question_set_id
    by_telegram = sum(1 for ask in review.asks if ask.channel == "telegram")
    due = stored_utc(review.due_at)
    what = "just the questions on its theme from" if review.theme_only else "the whole set"
    when = "now" if due <= utcnow() else f"from {due:%-d %B %Y}"
    intro = (
        f"<p>Asks {escape(AUDIENCES[review.audience].split(' (')[0].lower())} "
        f"{escape(what)} “{escape(set_id.split('~')[0])}”, {escape(when)}: "
        f"{result.asked} people asked ({by_telegram} by Telegram, "
        f"{result.asked - by_telegram} on the kiosk), {result.reached} reached so far.</p>"
    )
    before, after = result.before, result.after
    verdict = _verdict(before, after)
    caption = (
        f"Review {number}: answers on the theme before "
        f"({stored_utc(result.before_from):%-d %b %Y} to {stored_utc(result.before_to):%-d %b %Y})"
        f" and since {stored_utc(result.after_from):%-d %b %Y}"
    )
    return (
        f'<section aria-labelledby="review-{number}"><h3 id="review-{number}">Review {number}</h3>'
        + intro
        + f'<p role="status">{escape(verdict)}</p>'
        + table(
            caption,
            ("When", "Answers rated", "Good", "Okay", "Not good", "Words only", "People"),
            [_tally_row("Before the action", before), _tally_row("Since the review", after)],
        )
        + "</section>"
    )


def _verdict(before: Tally, after: Tally) -> str:
    """The before/after in one plain sentence; shares only from enough answers."""
    if after.rated == 0:
        return "No one has answered on this theme since the review was sent yet."
    if before.rated < SMALL or after.rated < SMALL:
        return (
            f"Too few answers to compare as shares: {before.rated} before and {after.rated} "
            "since. Read the counts."
        )
    was = round(100 * before.good / before.rated)
    now = round(100 * after.good / after.rated)
    was_bad = round(100 * before.bad / before.rated)
    now_bad = round(100 * after.bad / after.rated)
    direction = "better" if now > was or now_bad < was_bad else "not better"
    return (
        f"Good answers went from {was}% to {now}%, and not good from {was_bad}% to "
        f"{now_bad}%: {direction}."
    )


def _review_form(signed: Signed, action: Action, theme: str, sets: Sequence[str]) -> str:
    options = "".join(f'<option value="{escape(s)}">{escape(s)}</option>' for s in sets)
    audiences = "".join(
        f'<p><input type="radio" id="audience-{a.value}" name="audience" value="{a.value}"'
        f"{' checked' if a == ReviewAudience.same_people else ''}> "
        f'<label for="audience-{a.value}" class="inline">{escape(text)}</label></p>'
        for a, text in AUDIENCES.items()
    )
    return (
        f'<form method="post" action="/dashboard/actions/{action.id}/reviews" class="record">'
        + csrf_field(signed.csrf)
        + "<fieldset><legend>Schedule a review</legend>"
        + '<p><label for="question_set">Question set</label>'
        f'<select id="question_set" name="question_set" required>{options}</select></p>'
        + '<p><input type="checkbox" id="theme_only" name="theme_only" value="yes" checked> '
        f'<label for="theme_only" class="inline">Just the questions on {escape(theme)}</label></p>'
        + f"<fieldset><legend>Whom to ask</legend>{audiences}</fieldset>"
        + '<p><label for="weeks">After how many weeks</label>'
        '<span class="hint" id="weeks-hint">0 asks as soon as the bot can (after quiet hours).'
        "</span>"
        '<input id="weeks" name="weeks" type="number" min="0" max="52" value="6" required '
        'aria-describedby="weeks-hint"></p>'
        + '<p><button type="submit">Schedule the review</button></p></fieldset></form>'
    )

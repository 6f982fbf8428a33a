"""The action log's pages as plain HTML: the log, the form, and an action with its reviews.

Shares are shown only from enough answers (``SMALL``); below that, counts
alone, so a handful of people is never read as a percentage.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

from sqlalchemy import select

from bot.dashboard.access import Signed
from bot.dashboard.layout import Viewer, csrf_field, page, problems_box, table
from bot.dashboard.layout import select as select_field
from covoice.taxonomy import Taxonomy
from governance.actions import age_in_days, days_overdue, label
from governance.reviews import Comparison, compare
from governance.service_days import stored_utc
from storage.models import Action, ActionReview, ActionStatus, ReviewAudience, Service, utcnow
from storage.models import Response as StoredResponse
from storage.unit_of_work import UnitOfWork

# A share of fewer answers than this is shown only as counts.
SMALL = 5
WORDS_SHOWN = 20
AUDIENCES = {
    ReviewAudience.same_people: "The same people (whose answers it was decided on)",
    ReviewAudience.service: "Everyone at the service",
}


def _theme_label(taxonomy: Taxonomy, theme_id: str) -> str:
    theme = taxonomy.themes.get(theme_id)
    return theme.label if theme is not None else theme_id


def _overdue_words(action: Action, today: date) -> str:
    late = days_overdue(action, today)
    if late:
        return f"Overdue by {late} day{'s' if late != 1 else ''}"
    return ""


def log_page(
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


def form_page(
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


def action_page(
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
        body += _review_section(number, review, compare(uow, review, action, now), taxonomy)
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
    answers = linked_words(uow, action)
    quotes = "".join(
        f'<li><span dir="auto">{escape(answer.free_text or "")}</span> '
        f"({stored_utc(answer.created_at):%-d %b %Y})</li>"
        for answer in answers
    )
    return text + (f"<p>In their words:</p><ul>{quotes}</ul>" if quotes else "")


def linked_words(uow: UnitOfWork, action: Action) -> list[StoredResponse]:
    """The first WORDS_SHOWN of the action's linked answers that have words, oldest first.

    For admins and managers only: a viewer sees no free text.
    """
    ids = [link.response_id for link in action.responses]
    if not ids:
        return []
    return list(
        uow.session.scalars(
            select(StoredResponse)
            .where(StoredResponse.id.in_(ids), StoredResponse.free_text.is_not(None))
            .order_by(StoredResponse.created_at)
            .limit(WORDS_SHOWN)
        )
    )


def _cell(count: int, rated: int) -> str:
    """A count, with its share only when there are enough answers for a share to mean much."""
    if rated >= SMALL:
        return f"{count} ({round(100 * count / rated)}%)"
    return f"{count} of {rated}" if rated else "0"


def _answer_labels(taxonomy: Taxonomy, result: Comparison) -> list[tuple[str, str]]:
    """The answers given before or since, in the scales' order, with their button words."""
    known = {o.value: o.label for options in taxonomy.scales.values() for o in options}
    given = set(result.before.answers) | set(result.after.answers)
    ordered = [value for value in known if value in given]
    ordered += sorted(given - set(known))
    return [(value, known.get(value, value.replace("_", " ").capitalize())) for value in ordered]


def _review_section(
    number: int, review: ActionReview, result: Comparison, taxonomy: Taxonomy
) -> str:
    set_id = review.question_set_id
    by_telegram = sum(1 for ask in review.asks if ask.channel == "telegram")
    due = stored_utc(review.due_at)
    what = "just the questions on its theme from" if review.theme_only else "the whole set"
    when = "now" if due <= utcnow() else f"from {due:%-d %B %Y}"
    people = f"{result.asked} {'person' if result.asked == 1 else 'people'}"
    intro = (
        f"<p>Asks {escape(AUDIENCES[review.audience].split(' (')[0].lower())} "
        f"{escape(what)} “{escape(set_id.split('~')[0])}”, {escape(when)}: "
        f"{people} asked ({by_telegram} by Telegram, "
        f"{result.asked - by_telegram} on the kiosk), {result.reached} reached so far.</p>"
    )
    labels = _answer_labels(taxonomy, result)
    caption = (
        f"Review {number}: answers on the theme before "
        f"({stored_utc(result.before_from):%-d %b %Y} to {stored_utc(result.before_to):%-d %b %Y})"
        f" and since {stored_utc(result.after_from):%-d %b %Y}"
    )
    rows = [
        [name, str(tally.rated)]
        + [_cell(tally.answers.get(value, 0), tally.rated) for value, _ in labels]
        + [str(tally.words), str(tally.people)]
        for name, tally in (
            ("Before the action", result.before),
            ("Since the review", result.after),
        )
    ]
    headings = ["When", "Answers"] + [text for _, text in labels] + ["Words only", "People"]
    return (
        f'<section aria-labelledby="review-{number}"><h3 id="review-{number}">Review {number}</h3>'
        + intro
        + f'<p role="status">{escape(_verdict(result, labels))}</p>'
        + table(caption, headings, rows)
        + "</section>"
    )


def _verdict(result: Comparison, labels: Sequence[tuple[str, str]]) -> str:
    """The before/after in one plain sentence; shares only from enough answers."""
    before, after = result.before, result.after
    if after.rated == 0:
        return "No one has answered on this theme since the review was sent yet."
    if before.rated < SMALL or after.rated < SMALL:
        return (
            f"Too few answers to compare as shares: {before.rated} before and {after.rated} "
            "since. Read the counts."
        )
    changes = [
        f"“{text}” from {round(100 * before.share(value))}% to {round(100 * after.share(value))}%"
        for value, text in labels
    ]
    return "Answers went: " + "; ".join(changes) + "."


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

"""The dashboard's pages as plain HTML: no script, no CDN, every value escaped.

Each page has one h1, a skip link, labelled form fields and a table with a
caption and column headers (WCAG 2.2: 1.3.1 Info and Relationships, 2.4.1
Bypass Blocks, 3.3.2 Labels or Instructions). Messages about the form are
role="alert" so a screen reader hears them at once (4.1.3 Status Messages).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from bot.dashboard.layout import Viewer, page, problems_box, select
from bot.dashboard.response_filter import ANY_INCIDENT, FLAGGED, FilterChoices, ResponseFilter
from governance.queries import ResponseRow


def login_page(csrf: str, message: str = "", username: str = "") -> str:
    problem = (
        f'<p class="problem" role="alert" id="problem">{escape(message)}</p>' if message else ""
    )
    described = ' aria-describedby="problem"' if message else ""
    return page(
        "Sign in",
        "<h1>Sign in</h1>"
        f"{problem}"
        f'<form method="post" action="/dashboard/login" class="login"{described}>'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<p><label for="username">Username</label>'
        f'<input id="username" name="username" autocomplete="username" required '
        f'maxlength="64" value="{escape(username)}"></p>'
        '<p><label for="password">Password</label>'
        '<input id="password" name="password" type="password" '
        'autocomplete="current-password" required maxlength="1024"></p>'
        '<p><button type="submit">Sign in</button></p></form>'
        "<p>Forgotten your password? Ask a CoVoice administrator to set a new one.</p>",
    )


def _filter_form(raw: dict[str, str], choices: FilterChoices, problems: Sequence[str]) -> str:
    described = ' aria-describedby="problems"' if problems else ""
    return (
        problems_box(problems, "The filter could not be used:")
        + f'<form method="get" action="/dashboard/responses" class="filters"{described}>'
        "<fieldset><legend>Filter the responses</legend>"
        + select("service", "Service", raw.get("service", ""), choices.services)
        + select("theme", "Theme", raw.get("theme", ""), choices.themes)
        + select("role", "Who answered", raw.get("role", ""), [(r, r) for r in choices.roles])
        + select("channel", "Channel", raw.get("channel", ""), [(c, c) for c in choices.channels])
        + select(
            "question_set",
            "Question set",
            raw.get("question_set", ""),
            [(q, q) for q in choices.question_sets],
        )
        + select("answer", "Answer", raw.get("answer", ""), [(a, a) for a in choices.answers])
        + select(
            "incident",
            "Incident",
            raw.get("incident", ""),
            [(ANY_INCIDENT, "About any incident"), *choices.incidents],
        )
        + select(
            "safeguarding",
            "Safeguarding",
            raw.get("safeguarding", ""),
            [(FLAGGED, "Only words flagged for safeguarding")],
        )
        + '<p><label for="from">From (day)</label>'
        f'<input id="from" name="from" type="date" value="{escape(raw.get("from", ""))}"></p>'
        '<p><label for="to">To (day)</label>'
        f'<input id="to" name="to" type="date" value="{escape(raw.get("to", ""))}"></p>'
        '<p><button type="submit">Show responses</button></p></fieldset></form>'
    )


def responses_page(
    viewer: Viewer,
    csrf: str,
    raw: dict[str, str],
    choices: FilterChoices,
    problems: Sequence[str] = (),
    rows: Sequence[ResponseRow] | None = None,
    person: dict[tuple[str, str], str] | None = None,
    show_words: bool = False,
    more: bool = False,
    shown: ResponseFilter | None = None,
    names: str = "",
    can_correct: bool = False,
) -> str:
    """The filter, the matching answers, and (``names``) the admin's real-names form."""
    main = "<h1>Responses</h1>" + _filter_form(raw, choices, problems)
    if rows is not None and shown is not None:
        main += _table(rows, person or {}, show_words, more, shown, can_correct)
    return page("Responses", main + names, viewer, csrf)


def _table(
    rows: Sequence[ResponseRow],
    person: dict[tuple[str, str], str],
    show_words: bool,
    more: bool,
    shown: ResponseFilter,
    can_correct: bool = False,
) -> str:
    span = f"from {shown.first:%-d %B %Y} to {shown.last:%-d %B %Y}"
    if not rows:
        return f'<p role="status" id="summary">No responses {span} match this filter.</p>'
    count = (
        f"The newest {len(rows)} responses {span}; there are more. Narrow the filter to see them."
        if more
        else f"{len(rows)} response{'s' if len(rows) != 1 else ''} {span}."
    )
    # A manager records an action on answers chosen from one service's.
    choose = can_correct and bool(shown.service)
    headings = (["Choose"] if choose else []) + ["When (UTC)", "Service", "Person"]
    headings += ["Who answered", "Channel", "Question"]
    headings += ["Answer", "Themes"] + (["Their words"] if show_words else [])
    headings += ["Correct"] if can_correct else []
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    body = []
    for row in rows:
        cells = [
            f"{row.created_at:%Y-%m-%d %H:%M}",
            row.service_id,
            person.get((row.service_id, row.person_ref), ""),
            row.respondent_role,
            row.channel,
            row.question_id,
            row.answer_value or "",
            ", ".join(dict.fromkeys(row.themes + row.text_themes)),
        ]
        if show_words:
            cells.append(row.free_text or "")
        row_html = "".join(f'<td dir="auto">{escape(c)}</td>' for c in cells)
        if choose:
            row_html = f"<td>{_choose_box(row)}</td>{row_html}"
        if can_correct:
            row_html += f"<td>{_correct_link(row)}</td>"
        body.append(f"<tr>{row_html}</tr>")
    listing = (
        # A wide table scrolls in a region that a keyboard can reach (WCAG 2.1.1).
        '<div class="table-wrap" role="region" aria-labelledby="caption" tabindex="0">'
        '<table><caption id="caption">Responses</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
    summary = f'<p role="status" id="summary">{escape(count)}</p>'
    if not can_correct:
        return summary + listing
    if not choose:
        return (
            summary
            + "<p>To record an action on chosen answers, filter to one service first.</p>"
            + listing
        )
    # The form leads to the action form, carrying the chosen answers' numbers.
    return (
        summary
        + '<form method="get" action="/dashboard/actions/new">'
        + f'<input type="hidden" name="service" value="{escape(shown.service)}">'
        + f'<input type="hidden" name="theme" value="{escape(shown.theme)}">'
        + listing
        + '<p><button type="submit">Record an action on the chosen answers</button></p></form>'
    )


def _choose_box(row: ResponseRow) -> str:
    if row.response_id is None:
        return ""
    ident = f"choose-{row.response_id}"
    return (
        f'<input type="checkbox" id="{ident}" name="response" value="{row.response_id}">'
        f'<label for="{ident}" class="visually-hidden">Choose answer {row.response_id}</label>'
    )


def _correct_link(row: ResponseRow) -> str:
    """A link to correct the themes of the person's words; only words can be corrected."""
    if not row.free_text or row.response_id is None:
        return ""
    # The answer's number makes each link's name unique (WCAG 2.4.4 Link Purpose).
    return (
        f'<a href="/dashboard/responses/{row.response_id}/themes">Correct themes'
        f'<span class="visually-hidden"> of answer {row.response_id}</span></a>'
    )


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    reason: str | None
    detail: dict[str, object]


def audit_page(viewer: Viewer, csrf: str, lines: Sequence[AuditLine], limit: int) -> str:
    """The newest audit entries; entries are only ever added, so the page only reads."""
    if not lines:
        table = '<p role="status" id="summary">The audit log is empty.</p>'
    else:
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{escape(cell)}</td>"
                for cell in (
                    f"{line.at:%Y-%m-%d %H:%M:%S}",
                    line.actor,
                    line.action,
                    "; ".join(f"{key}: {value}" for key, value in line.detail.items()),
                    line.reason or "",
                )
            )
            + "</tr>"
            for line in lines
        )
        head = "".join(
            f'<th scope="col">{h}</th>' for h in ("When (UTC)", "Who", "What", "Detail", "Why")
        )
        table = (
            f'<p role="status" id="summary">The newest {len(lines)} entries '
            f"(at most {limit}).</p>"
            '<p><a href="/dashboard/audit.jsonl" download>Download the whole audit log</a> '
            "(JSON lines, oldest first; the download is itself written to the log).</p>"
            '<div class="table-wrap" role="region" aria-labelledby="caption" tabindex="0">'
            '<table><caption id="caption">Audit log</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        )
    return page("Audit log", f"<h1>Audit log</h1>{table}", viewer, csrf)

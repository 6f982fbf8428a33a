"""The dashboard's pages as plain HTML: no script, no CDN, every value escaped.

Each page has one h1, a skip link, labelled form fields and a table with a
caption and column headers (WCAG 2.2: 1.3.1 Info and Relationships, 2.4.1
Bypass Blocks, 3.3.2 Labels or Instructions). Messages about the form are
role="alert" so a screen reader hears them at once (4.1.3 Status Messages).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from governance.queries import ResponseRow

CSS_PATH = "/dashboard/dashboard.css"
# The page a link leads to is named as the current one (WCAG 1.3.1).
CURRENT = ' aria-current="page"'


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, as the pages need them."""

    id: int
    username: str
    role: str
    # None: every service.
    services: tuple[str, ...] | None


@dataclass(frozen=True)
class ResponseFilter:
    service: str
    theme: str
    role: str
    channel: str
    question_set: str
    answer: str
    first: date
    last: date

    def as_detail(self) -> dict[str, object]:
        return {
            "service": self.service or None,
            "theme": self.theme or None,
            "role": self.role or None,
            "channel": self.channel or None,
            "question_set": self.question_set or None,
            "answer": self.answer or None,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
        }


@dataclass(frozen=True)
class FilterChoices:
    services: Sequence[tuple[str, str]]
    themes: Sequence[tuple[str, str]]
    roles: Sequence[str]
    channels: Sequence[str]
    question_sets: Sequence[str]
    answers: Sequence[str]


def _page(title: str, main: str, viewer: Viewer | None = None, csrf: str = "") -> str:
    account = ""
    if viewer is not None:
        pages = [("Responses", "/dashboard/responses")]
        if viewer.role == "admin":
            pages.append(("Audit log", "/dashboard/audit"))
        links = "".join(
            f'<li><a href="{href}"{CURRENT if name == title else ""}>{name}</a></li>'
            for name, href in pages
        )
        account = (
            f'<nav aria-label="Pages"><ul>{links}</ul></nav>'
            '<nav aria-label="Account"><p>Signed in as '
            f"<strong>{escape(viewer.username)}</strong> ({escape(viewer.role)})</p>"
            '<form method="post" action="/dashboard/logout">'
            f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
            '<button type="submit">Sign out</button></form></nav>'
        )
    return (
        '<!doctype html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} – CoVoice dashboard</title>"
        f'<link rel="stylesheet" href="{CSS_PATH}"></head><body>'
        '<a class="skip" href="#main">Skip to main content</a>'
        f'<header><p class="brand">CoVoice dashboard</p>{account}</header>'
        f'<main id="main" tabindex="-1">{main}</main></body></html>'
    )


def login_page(csrf: str, message: str = "", username: str = "") -> str:
    problem = (
        f'<p class="problem" role="alert" id="problem">{escape(message)}</p>' if message else ""
    )
    described = ' aria-describedby="problem"' if message else ""
    return _page(
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


def message_page(title: str, message: str, viewer: Viewer | None = None, csrf: str = "") -> str:
    link = (
        '<p><a href="/dashboard/responses">Back to the responses</a></p>'
        if viewer is not None
        else '<p><a href="/dashboard/login">Sign in</a></p>'
    )
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>{link}", viewer, csrf)


def _select(name: str, label: str, chosen: str, options: Sequence[tuple[str, str]]) -> str:
    items = ['<option value="">All</option>'] + [
        f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>'
        f"{escape(text)}</option>"
        for value, text in options
    ]
    return (
        f'<p><label for="{name}">{escape(label)}</label>'
        f'<select id="{name}" name="{name}">{"".join(items)}</select></p>'
    )


def _filter_form(raw: dict[str, str], choices: FilterChoices, problems: Sequence[str]) -> str:
    described = ' aria-describedby="problems"' if problems else ""
    listed = "".join(f"<li>{escape(problem)}</li>" for problem in problems)
    problem_box = (
        '<div class="problem" role="alert" id="problems"><p>The filter could not be used:</p>'
        f"<ul>{listed}</ul></div>"
        if problems
        else ""
    )
    return (
        f"{problem_box}"
        f'<form method="get" action="/dashboard/responses" class="filters"{described}>'
        "<fieldset><legend>Filter the responses</legend>"
        + _select("service", "Service", raw.get("service", ""), choices.services)
        + _select("theme", "Theme", raw.get("theme", ""), choices.themes)
        + _select("role", "Who answered", raw.get("role", ""), [(r, r) for r in choices.roles])
        + _select("channel", "Channel", raw.get("channel", ""), [(c, c) for c in choices.channels])
        + _select(
            "question_set",
            "Question set",
            raw.get("question_set", ""),
            [(q, q) for q in choices.question_sets],
        )
        + _select("answer", "Answer", raw.get("answer", ""), [(a, a) for a in choices.answers])
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
) -> str:
    main = "<h1>Responses</h1>" + _filter_form(raw, choices, problems)
    if rows is not None and shown is not None:
        main += _table(rows, person or {}, show_words, more, shown)
    return _page("Responses", main, viewer, csrf)


def _table(
    rows: Sequence[ResponseRow],
    person: dict[tuple[str, str], str],
    show_words: bool,
    more: bool,
    shown: ResponseFilter,
) -> str:
    span = f"from {shown.first:%-d %B %Y} to {shown.last:%-d %B %Y}"
    if not rows:
        return f'<p role="status" id="summary">No responses {span} match this filter.</p>'
    count = (
        f"The newest {len(rows)} responses {span}; there are more. Narrow the filter to see them."
        if more
        else f"{len(rows)} response{'s' if len(rows) != 1 else ''} {span}."
    )
    headings = ["When (UTC)", "Service", "Person", "Who answered", "Channel", "Question"]
    headings += ["Answer", "Themes"] + (["Their words"] if show_words else [])
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
        body.append("<tr>" + "".join(f'<td dir="auto">{escape(c)}</td>' for c in cells) + "</tr>")
    return (
        f'<p role="status" id="summary">{escape(count)}</p>'
        # A wide table scrolls in a region that a keyboard can reach (WCAG 2.1.1).
        '<div class="table-wrap" role="region" aria-labelledby="caption" tabindex="0">'
        '<table><caption id="caption">Responses</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
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
            f"(at most {limit}); all of them with: covoice audit list.</p>"
            '<div class="table-wrap" role="region" aria-labelledby="caption" tabindex="0">'
            '<table><caption id="caption">Audit log</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        )
    return _page("Audit log", f"<h1>Audit log</h1>{table}", viewer, csrf)

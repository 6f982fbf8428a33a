"""The frame every dashboard page shares: head, skip link, navigation and account.

Plain HTML: no script, no CDN, every value escaped. Each page has one h1, a
skip link and labelled form fields (WCAG 2.2: 1.3.1 Info and Relationships,
2.4.1 Bypass Blocks, 3.3.2 Labels or Instructions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

CSS_PATH = "/dashboard/dashboard.css"
# The page a link leads to is named as the current one (WCAG 1.3.1).
CURRENT = ' aria-current="page"'
EVERYONE = ("admin", "manager", "viewer")


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, as the pages need them."""

    id: int
    username: str
    role: str
    # None: every service.
    services: tuple[str, ...] | None
    # The store holds `covoice demo`'s made-up data: every page says so.
    demo: bool = False


@dataclass(frozen=True)
class NavLink:
    title: str
    href: str
    roles: tuple[str, ...] = EVERYONE


# The pages in the navigation, in order; each is shown only to the roles that may open it.
NAVIGATION = (
    NavLink("Responses", "/dashboard/responses"),
    NavLink("Themes", "/dashboard/themes"),
    NavLink("Action log", "/dashboard/actions"),
    NavLink("Safeguarding alerts", "/dashboard/alerts"),
    NavLink("Incidents", "/dashboard/incidents"),
    NavLink("Updates owed", "/dashboard/updates-owed"),
    NavLink("Audit log", "/dashboard/audit", ("admin",)),
)


def page(title: str, main: str, viewer: Viewer | None = None, csrf: str = "") -> str:
    """A whole page: ``main`` is its body's HTML, already escaped."""
    account = ""
    if viewer is not None:
        links = "".join(
            f'<li><a href="{link.href}"{CURRENT if link.title == title else ""}>'
            f"{escape(link.title)}</a></li>"
            for link in NAVIGATION
            if viewer.role in link.roles
        )
        account = (
            f'<nav aria-label="Pages"><ul>{links}</ul></nav>'
            '<nav aria-label="Account"><p>Signed in as '
            f"<strong>{escape(viewer.username)}</strong> ({escape(viewer.role)})</p>"
            '<form method="post" action="/dashboard/logout">'
            f"{csrf_field(csrf)}"
            '<button type="submit">Sign out</button></form></nav>'
        )
        if viewer.demo:
            account += (
                '<p class="demo-banner"><strong>Demo data</strong>: this store holds made-up '
                "services and people (names ending “(demo)”). Remove them with "
                "<code>covoice demo --remove</code>.</p>"
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


def csrf_field(csrf: str) -> str:
    return f'<input type="hidden" name="csrf" value="{escape(csrf)}">'


def message_page(title: str, message: str, viewer: Viewer | None = None, csrf: str = "") -> str:
    link = (
        '<p><a href="/dashboard/responses">Back to the responses</a></p>'
        if viewer is not None
        else '<p><a href="/dashboard/login">Sign in</a></p>'
    )
    return page(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>{link}", viewer, csrf)


def select(name: str, label: str, chosen: str, options: Sequence[tuple[str, str]]) -> str:
    """A labelled drop-down whose first choice, "All", leaves the filter open."""
    items = ['<option value="">All</option>'] + [
        f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>'
        f"{escape(text)}</option>"
        for value, text in options
    ]
    return (
        f'<p><label for="{name}">{escape(label)}</label>'
        f'<select id="{name}" name="{name}">{"".join(items)}</select></p>'
    )


def problems_box(problems: Sequence[str], intro: str) -> str:
    """The form's problems in plain words, read at once by a screen reader (WCAG 4.1.3)."""
    if not problems:
        return ""
    listed = "".join(f"<li>{escape(problem)}</li>" for problem in problems)
    return (
        f'<div class="problem" role="alert" id="problems"><p>{escape(intro)}</p>'
        f"<ul>{listed}</ul></div>"
    )


def table(caption: str, headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A captioned table of plain-text cells in a region a keyboard can scroll (WCAG 2.1.1)."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    body = "".join(
        "<tr>" + "".join(f'<td dir="auto">{escape(cell)}</td>' for cell in row) + "</tr>"
        for row in rows
    )
    ident = "caption-" + "".join(c if c.isalnum() else "-" for c in caption.lower()[:40])
    return (
        f'<div class="table-wrap" role="region" aria-labelledby="{ident}" tabindex="0">'
        f'<table><caption id="{ident}">{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )

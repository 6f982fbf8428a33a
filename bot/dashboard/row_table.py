"""A captioned table whose first cell links to the row's own page.

Like ``layout.table``: plain-text cells, escaped, in a region a keyboard can
scroll (WCAG 2.1.1). A row may be marked (e.g. overdue) for the style sheet;
the mark is never the only sign: the row's words say it too (WCAG 1.4.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Row:
    href: str
    link: str
    cells: Sequence[str]
    mark: str = ""


def linked_table(caption: str, headings: Sequence[str], rows: Sequence[Row]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    body = "".join(
        (f'<tr class="{escape(row.mark)}">' if row.mark else "<tr>")
        + f'<th scope="row"><a href="{escape(row.href)}">{escape(row.link)}</a></th>'
        + "".join(f'<td dir="auto">{escape(cell)}</td>' for cell in row.cells)
        + "</tr>"
        for row in rows
    )
    ident = "caption-" + "".join(c if c.isalnum() else "-" for c in caption.lower())
    return (
        f'<div class="table-wrap" role="region" aria-labelledby="{ident}" tabindex="0">'
        f'<table><caption id="{ident}">{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def details(pairs: Sequence[tuple[str, str]]) -> str:
    """A description list of (term, plain-text value) pairs, for one row's page."""
    items = "".join(
        f'<dt>{escape(term)}</dt><dd dir="auto">{escape(value)}</dd>' for term, value in pairs
    )
    return f'<dl class="details">{items}</dl>'

"""The themes page as plain HTML: a chart and its table for each theme at each service.

Each chart is an image with a text alternative, and beside it a captioned
table of the counts it is drawn from (WCAG 1.1.1 Non-text Content, 1.3.1 Info
and Relationships). A theme getting worse is said so in words, not by colour
alone (1.4.1 Use of Color).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from urllib.parse import urlencode

from bot.dashboard.layout import Viewer, page, problems_box, select, table
from bot.dashboard.theme_charts import UNRATED_LABEL, share_words
from governance.theme_trends import (
    SMALL_COUNT,
    WORSE_MARGIN,
    WORSE_MIN_RATED,
    ThemeTrend,
    worsening,
)

CHART_PATH = "/dashboard/themes/chart.svg"


@dataclass(frozen=True)
class ThemeFilter:
    service: str
    theme: str
    first: date  # the first day of the first month
    last: date  # the first day of the last month

    def query(self) -> dict[str, str]:
        return {"from": f"{self.first:%Y-%m}", "to": f"{self.last:%Y-%m}"}

    def as_detail(self) -> dict[str, object]:
        detail: dict[str, object] = {"service": self.service or None, "theme": self.theme or None}
        return detail | self.query()


@dataclass(frozen=True)
class ThemeChoices:
    services: Sequence[tuple[str, str]]
    themes: Sequence[tuple[str, str]]
    # The labels of good, okay and not good, from the taxonomy's scale.
    labels: tuple[str, str, str]

    def service_name(self, service_id: str) -> str:
        return dict(self.services).get(service_id, service_id)

    def theme_name(self, theme_id: str) -> str:
        return dict(self.themes).get(theme_id, theme_id)


def chart_title(choices: ThemeChoices, trend: ThemeTrend) -> str:
    return f"{choices.theme_name(trend.theme_id)} at {choices.service_name(trend.service_id)}"


def themes_page(
    viewer: Viewer,
    csrf: str,
    raw: dict[str, str],
    choices: ThemeChoices,
    problems: Sequence[str] = (),
    trends: Sequence[ThemeTrend] | None = None,
    shown: ThemeFilter | None = None,
) -> str:
    main = "<h1>Themes</h1>" + _filter_form(raw, choices, problems)
    if trends is not None and shown is not None:
        main += _how_to_read(choices, shown) + _worse_list(trends, choices)
        services = [s for s in choices.services if not shown.service or s[0] == shown.service]
        for service_id, name in services:
            mine = [t for t in trends if t.service_id == service_id]
            main += _service(service_id, name, mine, choices, shown, viewer.role != "viewer")
    return page("Themes", main, viewer, csrf)


def _filter_form(raw: dict[str, str], choices: ThemeChoices, problems: Sequence[str]) -> str:
    described = ' aria-describedby="problems"' if problems else ""
    return (
        problems_box(problems, "The filter could not be used:")
        + f'<form method="get" action="/dashboard/themes" class="filters"{described}>'
        "<fieldset><legend>Choose the service, theme and months</legend>"
        + select("service", "Service", raw.get("service", ""), choices.services)
        + select("theme", "Theme", raw.get("theme", ""), choices.themes)
        + _month_field("from", "From (month, YYYY-MM)", raw.get("from", ""))
        + _month_field("to", "To (month, YYYY-MM)", raw.get("to", ""))
        + '<p><button type="submit">Show themes</button></p></fieldset></form>'
    )


def _month_field(name: str, label: str, value: str) -> str:
    return (
        f'<p><label for="{name}">{escape(label)}</label>'
        f'<input id="{name}" name="{name}" type="month" value="{escape(value)}" '
        'placeholder="2026-06" pattern="[0-9]{4}-[0-9]{2}"></p>'
    )


def _how_to_read(choices: ThemeChoices, shown: ThemeFilter) -> str:
    good, okay, bad = choices.labels
    return (
        f'<p role="status" id="summary">Months from {shown.first:%B %Y} to {shown.last:%B %Y}, '
        "counted in each service's own time zone.</p>"
        '<details class="how"><summary>How to read these charts</summary>'
        f"<p>Each bar is one month's answers on the theme: rated {escape(good)}, "
        f"{escape(okay)} or {escape(bad)}, and on top those with {UNRATED_LABEL.lower()} "
        "(words only, or an answer on another scale). The table beside each chart gives "
        "every count: <strong>Answers</strong> counts them all, and the shares are of the "
        f"rated answers. A share from fewer than {SMALL_COUNT} rated answers is given as a "
        "count only, such as “2 of 3”.</p>"
        "<p>A theme is marked <strong>getting worse</strong> when, in the latest month of "
        f"the range with at least {WORSE_MIN_RATED} rated answers, its share of "
        f"{escape(bad)} answers is at least {round(WORSE_MARGIN * 100)} percentage points "
        "higher than in the month before, which also needs at least "
        f"{WORSE_MIN_RATED} rated answers.</p></details>"
    )


def _worse_list(trends: Sequence[ThemeTrend], choices: ThemeChoices) -> str:
    worse = [t for t in trends if t.getting_worse]
    if not worse:
        return "<p>No theme is getting worse in this range.</p>"
    items = "".join(
        f'<li><a href="#{_anchor(t)}">{escape(chart_title(choices, t))}</a>: '
        f"{escape(_worse_words(t, choices))}</li>"
        for t in worse
    )
    return (
        '<section class="worse" aria-labelledby="worse-heading">'
        f'<h2 id="worse-heading">Getting worse ({len(worse)})</h2><ul>{items}</ul></section>'
    )


def _worse_words(trend: ThemeTrend, choices: ThemeChoices) -> str:
    pair = worsening(trend.months)
    assert pair is not None
    before, last = pair
    bad = choices.labels[2]
    return (
        f"{bad} went from {share_words(before.bad, before.rated)} in {before.month:%B %Y} "
        f"to {share_words(last.bad, last.rated)} in {last.month:%B %Y}."
    )


def _service(
    service_id: str,
    name: str,
    trends: Sequence[ThemeTrend],
    choices: ThemeChoices,
    shown: ThemeFilter,
    can_act: bool,
) -> str:
    heading = f'<h2 id="service-{escape(service_id)}">{escape(name)}</h2>'
    if not trends:
        return (
            f'<section class="service">{heading}<p>No answers on '
            f"{'this theme' if shown.theme else 'any theme'} in these months.</p></section>"
        )
    # The themes getting worse first, then the most answered.
    ordered = sorted(
        trends, key=lambda t: (not t.getting_worse, -t.answers, choices.theme_name(t.theme_id))
    )
    return (
        f'<section class="service">{heading}'
        + "".join(_trend(t, choices, shown, can_act) for t in ordered)
        + "</section>"
    )


def _trend(trend: ThemeTrend, choices: ThemeChoices, shown: ThemeFilter, can_act: bool) -> str:
    title = chart_title(choices, trend)
    theme = choices.theme_name(trend.theme_id)
    worse = trend.getting_worse
    flag = ' <strong class="flag">Getting worse</strong>' if worse else ""
    note = f'<p class="flag-note">{escape(_worse_words(trend, choices))}</p>' if worse else ""
    url = (
        CHART_PATH
        + "?"
        + urlencode({"service": trend.service_id, "theme": trend.theme_id} | shown.query())
    )
    good, okay, bad = choices.labels
    alt = (
        f"Bar chart of {good.lower()}, {okay.lower()}, {bad.lower()} and unrated answers about "
        f"{theme} at {choices.service_name(trend.service_id)} for each month from "
        f"{shown.first:%B %Y} to {shown.last:%B %Y}. The table beside it gives the counts."
    )
    rows = [
        [
            f"{m.month:%B %Y}",
            str(m.answers),
            share_words(m.good, m.rated) if m.rated else "0",
            share_words(m.okay, m.rated) if m.rated else "0",
            share_words(m.bad, m.rated) if m.rated else "0",
        ]
        for m in trend.months
    ]
    return (
        f'<section class="trend{" is-worse" if worse else ""}" id="{_anchor(trend)}" '
        f'aria-labelledby="{_anchor(trend)}-heading">'
        f'<h3 id="{_anchor(trend)}-heading">{escape(theme)}{flag}</h3>{note}'
        + (_act_link(trend, title) if can_act else "")
        + '<div class="trend-body">'
        f'<figure><img src="{escape(url)}" alt="{escape(alt)}" width="700" height="340" '
        f'loading="lazy"><figcaption>{escape(title)}, by month.</figcaption></figure>'
        + table(
            f"Counts for {title}",
            ["Month", "Answers", good, okay, bad],
            rows,
        )
        + "</div></section>"
    )


def _act_link(trend: ThemeTrend, title: str) -> str:
    """Where a manager records what will change on this theme (the action log)."""
    query = urlencode({"service": trend.service_id, "theme": trend.theme_id})
    return (
        f'<p><a href="/dashboard/actions/new?{escape(query)}">Record an action'
        f'<span class="visually-hidden"> on {escape(title)}</span></a></p>'
    )


def _anchor(trend: ThemeTrend) -> str:
    return "".join(
        c if c.isalnum() else "-" for c in f"trend-{trend.service_id}-{trend.theme_id}"
    ).lower()

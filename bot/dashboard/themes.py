"""The themes page and its chart images: counts and ratings per theme by month.

Every role may open it: it shows counts only, never a person or their words.
The chart images keep the same rules as the page (a manager's own services
only, the same 404 for another's service as for an unknown one) and each view
of either is audited.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from bot.dashboard.access import PAGE_HEADERS, Dashboard, Signed, actor, html, refused, to_login
from bot.dashboard.layout import Viewer
from bot.dashboard.theme_charts import trend_svg
from bot.dashboard.themes_page import (
    ThemeChoices,
    ThemeFilter,
    themes_page,
)
from covoice.taxonomy import Taxonomy
from governance import audit
from governance.errors import GovernanceError
from governance.theme_trends import MonthCount, Scale, ThemeTrend, month_starts, theme_trends
from storage.models import Service
from storage.unit_of_work import UnitOfWork

FILTER_KEYS = ("service", "theme", "from", "to")
DEFAULT_MONTHS = 6
MAX_MONTHS = 24
SCALE = "scale3"
# Months far outside the store's life are refused rather than overflowing a date.
_MONTH = re.compile(r"20\d{2}-(0[1-9]|1[0-2])")


def themes_router(dashboard: Dashboard) -> APIRouter:
    """The themes page and its charts, under the dashboard's prefix."""
    router = APIRouter()
    store, signed_in = dashboard.store, dashboard.signed_in

    @router.get("/themes")
    def themes(request: Request) -> Response:
        """Show each visible service's themes by month, as charts and tables."""
        signed = signed_in(request)
        if signed is None:
            return to_login()
        viewer, csrf = signed.viewer, signed.csrf
        raw = _raw(request)
        with store(request)() as uow:
            choices = theme_choices(uow, dashboard.taxonomy, viewer)
            if unseen_service(raw, choices):
                return _no_such_service(uow, signed, raw)
            shown, problems = parse_theme_filter(raw, choices)
            if shown is None:
                return html(themes_page(viewer, csrf, raw, choices, problems), 400)
            try:
                trends = trends_shown(uow, dashboard.taxonomy, viewer, shown)
            except GovernanceError as error:
                return refused(signed, "Cannot show themes", str(error), 503)
            audit.record(
                uow,
                actor(viewer),
                "dashboard.themes.view",
                shown.as_detail() | {"trends": len(trends)},
            )
            uow.commit()
        return html(themes_page(viewer, csrf, raw, choices, (), trends, shown))

    @router.get("/themes/chart.svg")
    def chart(request: Request) -> Response:
        """Draw one theme at one service by month, as an SVG image."""
        signed = signed_in(request)
        if signed is None:
            return to_login()
        viewer = signed.viewer
        raw = _raw(request)
        with store(request)() as uow:
            choices = theme_choices(uow, dashboard.taxonomy, viewer)
            if unseen_service(raw, choices):
                return _no_such_service(uow, signed, raw)
            shown, problems = parse_theme_filter(raw, choices)
            if shown is not None and not (shown.service and shown.theme):
                shown, problems = None, ["A chart needs both a service and a theme."]
            if shown is None:
                return refused(signed, "Cannot draw that chart", " ".join(problems), 400)
            try:
                trends = trends_shown(uow, dashboard.taxonomy, viewer, shown)
            except GovernanceError as error:
                return refused(signed, "Cannot draw that chart", str(error), 503)
            audit.record(uow, actor(viewer), "dashboard.themes.chart", shown.as_detail())
            uow.commit()
        months = (
            trends[0].months
            if trends
            else tuple(MonthCount(m, 0, 0, 0, 0) for m in month_starts(shown.first, shown.last))
        )
        title = f"{choices.theme_name(shown.theme)} at {choices.service_name(shown.service)}"
        svg = trend_svg(title, months, choices.labels)
        return Response(svg, media_type="image/svg+xml", headers=PAGE_HEADERS)

    return router


def _raw(request: Request) -> dict[str, str]:
    return {key: request.query_params.get(key, "").strip()[:64] for key in FILTER_KEYS}


def unseen_service(raw: dict[str, str], choices: ThemeChoices) -> bool:
    """Whether the filter names a service this user cannot see, or one that does not exist."""
    return bool(raw["service"]) and raw["service"] not in {s for s, _ in choices.services}


def _no_such_service(uow: UnitOfWork, signed: Signed, raw: dict[str, str]) -> Response:
    # The same answer whether the service is someone else's or does not exist.
    audit.record(uow, actor(signed.viewer), "dashboard.themes.refused", {"service": raw["service"]})
    uow.commit()
    return refused(
        signed,
        "No such service",
        f"There is no service '{raw['service']}' that you can see. Choose one from the list "
        "on the themes page.",
        404,
    )


def theme_choices(uow: UnitOfWork, taxonomy: Taxonomy, viewer: Viewer) -> ThemeChoices:
    """The services this user may see, every theme, and the scale's labels."""
    query = select(Service.id, Service.name).order_by(Service.name, Service.id)
    if viewer.services is not None:
        query = query.where(Service.id.in_(viewer.services))
    services = [(service_id, name) for service_id, name in uow.session.execute(query)]
    themes = sorted(((t.id, t.label) for t in taxonomy.themes.values()), key=lambda t: t[1])
    good, okay, bad = (option.label for option in taxonomy.scales[SCALE])
    return ThemeChoices(services, themes, (good, okay, bad))


def theme_scale(taxonomy: Taxonomy) -> Scale:
    """The answer values of good, okay and not good, from the taxonomy's scale."""
    good, okay, bad = (option.value for option in taxonomy.scales[SCALE])
    return Scale(good, okay, bad)


def parse_theme_filter(
    raw: dict[str, str], choices: ThemeChoices
) -> tuple[ThemeFilter | None, list[str]]:
    """The filter from the query string, or every problem with it in plain words."""
    problems = []
    if raw["theme"] and raw["theme"] not in {theme for theme, _ in choices.themes}:
        problems.append(f"There is no theme '{raw['theme']}'. Choose one from the list.")
    this_month = datetime.now(timezone.utc).date().replace(day=1)
    last = _month(raw["to"], "To", problems) or this_month
    first = _month(raw["from"], "From", problems) or _months_before(last, DEFAULT_MONTHS - 1)
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    if first > last:
        problems.append(
            "The 'From' month is after the 'To' month. Please give the earlier month first."
        )
    elif span > MAX_MONTHS:
        problems.append(
            f"That is {span} months; the page shows at most {MAX_MONTHS} at once. "
            "Please choose a shorter range."
        )
    if problems:
        return None, problems
    return ThemeFilter(raw["service"], raw["theme"], first, last), []


def trends_shown(
    uow: UnitOfWork, taxonomy: Taxonomy, viewer: Viewer, shown: ThemeFilter
) -> list[ThemeTrend]:
    """The trends the checked filter asks for, of the services this user may see.

    Raises:
        UnknownTimeZone: a service names a time zone this computer does not know.
    """
    return theme_trends(
        uow.session,
        shown.first,
        shown.last,
        theme_scale(taxonomy),
        service_id=shown.service or None,
        theme_id=shown.theme or None,
        services=viewer.services,
    )


def _month(value: str, label: str, problems: list[str]) -> date | None:
    if not value:
        return None
    if _MONTH.fullmatch(value):
        return date.fromisoformat(f"{value}-01")
    problems.append(
        f"'{label}' must be a month written YYYY-MM between 2000-01 and 2099-12, e.g. 2026-06."
    )
    return None


def _months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)

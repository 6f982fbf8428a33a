"""GET /themes: per service and theme, the answers of each month and how they rated.

The filter is read and checked by the themes page's own code
(``bot.dashboard.themes``) and counted by ``governance.theme_trends``; it
holds counts only, never a person or their words.
"""

# No `from __future__ import annotations`: FastAPI reads each endpoint's
# `Depends(caller)` from its annotations, and `caller` is a local name here.
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from bot.dashboard.access import Dashboard, actor
from bot.dashboard.themes import (
    FILTER_KEYS,
    MAX_MONTHS,
    parse_theme_filter,
    theme_choices,
    trends_shown,
    unseen_service,
)
from bot.dashboard.themes_page import ThemeFilter
from bot.dashboard_api.auth import Caller
from bot.dashboard_api.errors import ALWAYS, ApiError, error_responses
from bot.dashboard_api.unseen import unseen_service as refuse_service
from governance import audit
from governance.theme_trends import MonthCount, ThemeTrend


def _filter(description: str, alias: str | None = None) -> Any:
    return Query(alias=alias, max_length=200, description=description)


Service = Annotated[str, _filter("Only this service's themes (an id from /services)")]
Theme = Annotated[str, _filter("Only this theme, e.g. food_drink")]
From = Annotated[
    str, _filter("The first month, YYYY-MM; five months before `to` if left out", "from")
]
To = Annotated[
    str,
    _filter(f"The last month, YYYY-MM; this month if left out; at most {MAX_MONTHS} in all"),
]


class ThemeFilterOut(BaseModel):
    service: str | None
    theme: str | None
    first: str = Field(serialization_alias="from", description="The first month, YYYY-MM")
    last: str = Field(serialization_alias="to", description="The last month, YYYY-MM")


class MonthOut(BaseModel):
    month: str = Field(description="YYYY-MM, counted in the service's own time zone")
    answers: int = Field(description="Every answer on the theme, rated or not")
    good: int
    okay: int
    bad: int = Field(description="Answered not good")
    unrated: int = Field(description="On the theme in words only, or on another scale")


class TrendOut(BaseModel):
    service_id: str
    theme_id: str
    theme: str = Field(description="The theme's label")
    answers: int = Field(description="Answers on the theme over all the months")
    getting_worse: bool = Field(
        description="The latest month with enough rated answers has a share of not-good "
        "answers well above the month before's"
    )
    months: list[MonthOut] = Field(description="Every month of the range, oldest first")


class ThemesOut(BaseModel):
    filter: ThemeFilterOut
    trends: list[TrendOut] = Field(
        description="One per service and theme with answers in the months, by service then theme"
    )


def themes_routes(dashboard: Dashboard, caller: Callable[..., Caller]) -> APIRouter:
    router = APIRouter(tags=["themes"])

    @router.get(
        "/themes",
        response_model=ThemesOut,
        response_model_by_alias=True,
        responses=error_responses(404, *ALWAYS),
    )
    def themes(
        request: Request,
        who: Annotated[Caller, Depends(caller)],
        service: Service = "",
        theme: Theme = "",
        from_: From = "",
        to: To = "",
    ) -> ThemesOut:
        """Each visible service's themes by month, as the themes page counts them.

        Every role may read them: they are counts, never a person or their words.
        """
        given = dict(zip(FILTER_KEYS, (service, theme, from_, to), strict=True))
        raw = {key: value.strip()[:64] for key, value in given.items()}
        with dashboard.store(request)() as uow:
            choices = theme_choices(uow, dashboard.taxonomy, who.viewer)
            if unseen_service(raw, choices):
                raise refuse_service(uow, who, "themes", raw["service"])
            shown, problems = parse_theme_filter(raw, choices)
            if shown is None:
                raise ApiError(
                    400,
                    "bad_filter",
                    "The filter could not be used. Please correct what is listed and try again.",
                    problems,
                )
            trends = trends_shown(uow, dashboard.taxonomy, who.viewer, shown)
            audit.record(
                uow,
                actor(who.viewer),
                "api.themes.view",
                shown.as_detail() | {"trends": len(trends), "via": who.via},
            )
            uow.commit()
        return ThemesOut(
            filter=_filter_out(shown),
            trends=[_trend_out(trend, choices.theme_name(trend.theme_id)) for trend in trends],
        )

    return router


def _filter_out(shown: ThemeFilter) -> ThemeFilterOut:
    return ThemeFilterOut(
        service=shown.service or None,
        theme=shown.theme or None,
        first=f"{shown.first:%Y-%m}",
        last=f"{shown.last:%Y-%m}",
    )


def _trend_out(trend: ThemeTrend, label: str) -> TrendOut:
    return TrendOut(
        service_id=trend.service_id,
        theme_id=trend.theme_id,
        theme=label,
        answers=trend.answers,
        getting_worse=trend.getting_worse,
        months=[_month_out(month) for month in trend.months],
    )


def _month_out(month: MonthCount) -> MonthOut:
    return MonthOut(
        month=f"{month.month:%Y-%m}",
        answers=month.answers,
        good=month.good,
        okay=month.okay,
        bad=month.bad,
        unrated=month.answers - month.rated,
    )

"""Themes over time: per service and theme, how many answers each month and how they rated.

A theme counts an answer when the question is on that theme or the person's
words are (an answer with both counts once). Months are counted in each
service's own time zone, as days are in ``service_days``, and withdrawn
check-ins are left out through ``withdrawal``. Counting happens in SQL, one row
per service, theme, month and answer value, so the page stays quick on a large
store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, union
from sqlalchemy.orm import Session

from governance.service_days import DEFAULT_TIME_ZONE, day_bounds, on_service_days
from governance.withdrawal import usable_conversation
from storage.models import Conversation, Response, ResponseTextTheme, ResponseTheme, Service

# A month's not-good share must rise by this much (0.10 = 10 percentage points)
# on the month before, with at least WORSE_MIN_RATED rated answers in each, to
# count as getting worse (see ``worsening``).
WORSE_MARGIN = 0.10
WORSE_MIN_RATED = 5
# Fewer rated answers than this: a share is shown as "2 of 3", never as a percentage alone.
SMALL_COUNT = 5


@dataclass(frozen=True)
class Scale:
    """The three answer values of the good / okay / not good scale, as answers store them."""

    good: str
    okay: str
    bad: str


@dataclass(frozen=True)
class MonthCount:
    month: date  # the first day of the month
    answers: int  # every answer on the theme, rated or not (e.g. words only)
    good: int
    okay: int
    bad: int

    @property
    def rated(self) -> int:
        """Answers given on the good / okay / not good scale."""
        return self.good + self.okay + self.bad

    @property
    def bad_share(self) -> float | None:
        return self.bad / self.rated if self.rated else None


@dataclass(frozen=True)
class ThemeTrend:
    service_id: str
    theme_id: str
    # Every month of the range, oldest first, months without answers included.
    months: tuple[MonthCount, ...]

    @property
    def answers(self) -> int:
        return sum(month.answers for month in self.months)

    @property
    def getting_worse(self) -> bool:
        """The latest judged month's not-good share is up on the month before's by the margin."""
        return worsening(self.months) is not None


def worsening(months: Sequence[MonthCount]) -> tuple[MonthCount, MonthCount] | None:
    """The (month before, latest month) pair if the theme got worse, else None.

    The latest month is the last one with at least ``WORSE_MIN_RATED`` rated
    answers (the current month may have barely begun). Worse: its share of
    not-good answers is at least ``WORSE_MARGIN`` above the month before's,
    which also needs ``WORSE_MIN_RATED`` rated answers.
    """
    judged = [i for i, month in enumerate(months) if month.rated >= WORSE_MIN_RATED]
    if not judged or judged[-1] == 0:
        return None
    before, last = months[judged[-1] - 1], months[judged[-1]]
    if before.rated < WORSE_MIN_RATED:
        return None
    assert before.bad_share is not None and last.bad_share is not None
    # A small epsilon so that exactly the margin counts despite float rounding.
    return (before, last) if last.bad_share - before.bad_share >= WORSE_MARGIN - 1e-9 else None


def month_starts(first_month: date, last_month: date) -> list[date]:
    """The first day of every month from ``first_month`` to ``last_month``, both included."""
    months, month = [], first_month.replace(day=1)
    while month <= last_month:
        months.append(month)
        month = _next_month(month)
    return months


def theme_trends(
    session: Session,
    first_month: date,
    last_month: date,
    scale: Scale,
    *,
    service_id: str | None = None,
    theme_id: str | None = None,
    services: Collection[str] | None = None,
) -> list[ThemeTrend]:
    """Counts per service, theme and month, for the themes answered in the months.

    Args:
        session: an open session; the caller owns it.
        first_month: any day of the first month to include.
        last_month: any day of the last month to include.
        scale: the answer values that mean good, okay and not good.
        service_id: only this service, if given.
        theme_id: only this theme, if given.
        services: only these services, if given (a manager's own; may be empty).

    Returns:
        One trend per service and theme with at least one answer in the months,
        ordered by service then theme.

    Raises:
        UnknownTimeZone: a service names a time zone this computer does not know.
    """
    months = month_starts(first_month, last_month)
    if not months:
        return []
    tagged = union(
        select(ResponseTheme.response_id, ResponseTheme.theme_id),
        select(ResponseTextTheme.response_id, ResponseTextTheme.theme_id),
    ).subquery()
    # First, so that a service's unknown time zone is named in the error.
    on_days = on_service_days(
        session, Response.created_at, Service.time_zone, months[0], _month_end(months[-1])
    )
    month_of = _month_in_zone(session, months)
    rows = (
        select(
            Response.service_id.label("service_id"),
            tagged.c.theme_id.label("theme_id"),
            month_of.label("month"),
            Response.answer_value.label("answer_value"),
        )
        .join(tagged, tagged.c.response_id == Response.id)
        .join(Conversation, Conversation.id == Response.conversation_id)
        .join(Service, Service.id == Response.service_id)
        .where(on_days, usable_conversation())
    )
    if service_id:
        rows = rows.where(Response.service_id == service_id)
    if services is not None:
        rows = rows.where(Response.service_id.in_(list(services)))
    if theme_id:
        rows = rows.where(tagged.c.theme_id == theme_id)
    inner = rows.subquery()
    # Grouped outside so the month expression is not repeated (PostgreSQL would
    # not match its bound parameters between SELECT and GROUP BY).
    counted = select(
        inner.c.service_id, inner.c.theme_id, inner.c.month, inner.c.answer_value, func.count()
    ).group_by(inner.c.service_id, inner.c.theme_id, inner.c.month, inner.c.answer_value)
    counts: defaultdict[tuple[str, str], defaultdict[str, dict[str | None, int]]]
    counts = defaultdict(lambda: defaultdict(dict))
    for service, theme, month, value, count in session.execute(counted):
        if month is not None:
            counts[(service, theme)][month][value] = count
    return [
        ThemeTrend(
            service,
            theme,
            tuple(_month_count(month, by_month.get(_key(month), {}), scale) for month in months),
        )
        for (service, theme), by_month in sorted(counts.items())
    ]


def _month_count(month: date, values: dict[str | None, int], scale: Scale) -> MonthCount:
    return MonthCount(
        month,
        sum(values.values()),
        values.get(scale.good, 0),
        values.get(scale.okay, 0),
        values.get(scale.bad, 0),
    )


def _month_in_zone(session: Session, months: Sequence[date]) -> ColumnElement[Any]:
    """A SQL expression naming an answer's month ("2026-03") in its service's own zone."""
    zones = set(session.scalars(select(Service.time_zone).distinct())) | {DEFAULT_TIME_ZONE}
    whens = []
    for zone in sorted(zones):
        for month in months:
            start, end = day_bounds(month, _month_end(month), zone)
            whens.append(
                (
                    and_(
                        Service.time_zone == zone,
                        Response.created_at >= start,
                        Response.created_at < end,
                    ),
                    _key(month),
                )
            )
    return case(*whens, else_=None)


def _key(month: date) -> str:
    return f"{month:%Y-%m}"


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _month_end(month: date) -> date:
    return _next_month(month.replace(day=1)) - timedelta(days=1)

"""The themes-over-time query on a real store: months in the service's zone, both kinds
of theme, withdrawn check-ins left out, and what counts as getting worse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from governance.theme_trends import MonthCount, Scale, ThemeTrend, theme_trends, worsening
from storage.unit_of_work import UnitOfWork
from tests.dashboard_rows import seed_dashboard
from tests.theme_rows import seed_theme_months

SCALE = Scale("good", "okay", "bad")


def trends(unit_of_work: Callable[[], UnitOfWork], **filters: object) -> dict[str, ThemeTrend]:
    with unit_of_work() as uow:
        seed_dashboard(uow)
        seed_theme_months(uow)
        found = theme_trends(
            uow.session,
            date(2026, 2, 1),
            date(2026, 4, 1),
            SCALE,
            **filters,  # type: ignore[arg-type]
        )
    return {f"{t.service_id}/{t.theme_id}": t for t in found}


def test_each_theme_is_counted_by_month_with_its_ratings(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    food = trends(unit_of_work)["oak-house/food_drink"]
    february, march, april = food.months
    assert (february.answers, february.good, february.okay, february.bad) == (5, 4, 0, 1)
    # March: five rated answers and the words-only answer on food_drink; the withdrawn one is out.
    assert (march.answers, march.rated, march.bad) == (6, 5, 3)
    assert april == MonthCount(date(2026, 4, 1), 0, 0, 0, 0)
    assert food.getting_worse


def test_the_words_themes_count_and_months_follow_the_services_own_zone(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    found = trends(unit_of_work)
    assert [m.answers for m in found["oak-house/staff_consistency"].months] == [0, 1, 0]
    # 23:30 UTC on 31 March is 00:30 on 1 April in London.
    assert [m.okay for m in found["oak-house/relationships"].months] == [0, 0, 1]
    assert "elm-lodge/home_environment" in found


def test_a_manager_s_services_and_a_theme_narrow_the_trends(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    assert set(trends(unit_of_work, services=("elm-lodge",))) == {"elm-lodge/home_environment"}
    assert set(trends(unit_of_work, services=())) == set()
    assert set(trends(unit_of_work, theme_id="safety")) == {"oak-house/safety"}


def month(bad: int, rated: int) -> MonthCount:
    return MonthCount(date(2026, 1, 1), rated, rated - bad, 0, bad)


def test_worse_needs_the_margin_and_enough_answers_in_both_months() -> None:
    assert worsening([month(1, 10), month(2, 10)]) is not None  # 10% to 20%: exactly the margin
    assert worsening([month(1, 10), month(1, 5)]) is not None  # 10% to 20%
    assert worsening([month(2, 10), month(2, 9)]) is None  # 20% to 22%: not enough
    assert worsening([month(0, 4), month(4, 5)]) is None  # four answers: too few to judge
    assert worsening([month(3, 5), month(1, 5)]) is None  # better
    assert worsening([month(0, 5)]) is None
    # A month with too few answers to judge (say, one just begun) does not hide the last one.
    assert worsening([month(0, 5), month(2, 5), month(3, 3)]) is not None
    assert worsening([month(0, 4), month(2, 5), month(3, 3)]) is None

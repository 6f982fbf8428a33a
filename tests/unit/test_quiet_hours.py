from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.sending import QuietHours

LONDON = ZoneInfo("Europe/London")
NIGHT = QuietHours.parse("21:00-08:00")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def test_quiet_hours_across_midnight() -> None:
    assert NIGHT.contains(time(23, 0)) and NIGHT.contains(time(7, 59))
    assert not NIGHT.contains(time(8, 0)) and not NIGHT.contains(time(20, 59))


def test_a_time_in_the_evening_waits_for_the_next_morning_in_the_service_zone() -> None:
    # 22:30 in London in summer (BST) is 21:30 UTC; 08:00 BST next day is 07:00 UTC.
    assert NIGHT.next_allowed(utc(2026, 7, 1, 21, 30), LONDON) == utc(2026, 7, 2, 7, 0)
    # In winter London is on UTC.
    assert NIGHT.next_allowed(utc(2026, 12, 1, 22, 30), LONDON) == utc(2026, 12, 2, 8, 0)


def test_a_time_before_dawn_waits_for_the_same_morning() -> None:
    assert NIGHT.next_allowed(utc(2026, 12, 1, 3, 0), LONDON) == utc(2026, 12, 1, 8, 0)


def test_a_time_outside_quiet_hours_goes_as_it_is() -> None:
    moment = utc(2026, 12, 1, 12, 0)
    assert NIGHT.next_allowed(moment, LONDON) == moment


def test_daytime_quiet_hours_and_none() -> None:
    lunch = QuietHours.parse("12:00-13:30")
    assert lunch.next_allowed(utc(2026, 12, 1, 12, 15), LONDON) == utc(2026, 12, 1, 13, 30)
    assert not QuietHours.parse("00:00-00:00").contains(time(3, 0))


@pytest.mark.parametrize("text", ["9pm-8am", "21:00", "25:00-08:00"])
def test_unreadable_quiet_hours_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="21:00-08:00"):
        QuietHours.parse(text)


def test_a_local_time_outside_quiet_hours_comes_back_in_utc() -> None:
    moment = datetime(2026, 7, 1, 10, 30, tzinfo=LONDON)  # 10:30 BST
    assert NIGHT.next_allowed(moment, LONDON) == utc(2026, 7, 1, 9, 30)
    assert NIGHT.next_allowed(moment, LONDON).tzinfo == timezone.utc

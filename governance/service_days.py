"""Days as a service's managers count them: midnight to midnight in the service's own zone.

An answer given at 00:30 on 1 June in London (23:30 UTC on 31 May) belongs to
June. Each service keeps its zone in ``Service.time_zone``; an export that
spans services of different zones cuts each one's days at its own midnight.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from governance.errors import GovernanceError
from storage.models import Service

# The zone of a message whose service the store does not know; the same as a new service's.
DEFAULT_TIME_ZONE = "Europe/London"


class UnknownTimeZone(GovernanceError):
    """A service names a time zone this computer does not know."""


def day_bounds(first_day: date, last_day: date, zone_name: str) -> tuple[datetime, datetime]:
    """The UTC instants at which ``first_day`` begins and ``last_day`` ends in a zone.

    Args:
        first_day: the first day to include.
        last_day: the last day to include.
        zone_name: an IANA zone name, e.g. ``Europe/London``.

    Returns:
        ``(start, end)`` in UTC; a moment is on the days when ``start <= moment < end``.

    Raises:
        UnknownTimeZone: the zone name is not in the time-zone database.
    """
    zone = _zone(zone_name)
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def on_service_days(
    session: Session,
    moment: InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None],
    zone_name: ColumnElement[str] | InstrumentedAttribute[str],
    first_day: date,
    last_day: date,
) -> ColumnElement[bool]:
    """A SQL condition: ``moment`` falls on the days, counted in the row's own zone.

    One pair of UTC bounds per zone the store uses, so the database compares
    plain timestamps (and can use their index) whatever its own time-zone support.

    Args:
        session: an open session, used to read which zones the services use.
        moment: the stored UTC timestamp to test, e.g. ``Response.created_at``.
        zone_name: the row's zone, e.g. ``Service.time_zone`` from a joined service.
        first_day: the first day to include.
        last_day: the last day to include.

    Returns:
        A criterion for the query's WHERE clause.

    Raises:
        UnknownTimeZone: a service names a zone this computer does not know.
    """
    services_by_zone: defaultdict[str, list[str]] = defaultdict(list)
    for service_id, name in session.execute(select(Service.id, Service.time_zone)):
        services_by_zone[name].append(service_id)
    services_by_zone.setdefault(DEFAULT_TIME_ZONE, [])
    clauses = []
    for name, service_ids in sorted(services_by_zone.items()):
        try:
            start, end = day_bounds(first_day, last_day, name)
        except UnknownTimeZone:
            raise UnknownTimeZone(
                f"Service {', '.join(repr(s) for s in service_ids)} has the time zone "
                f"'{name}', which this computer does not know. Set it to a name from the "
                "time-zone database, e.g. Europe/London, or install the tzdata package."
            ) from None
        clauses.append(and_(zone_name == name, moment >= start, moment < end))
    return or_(false(), *clauses)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(
            f"Unknown time zone '{name}'. Use a name from the time-zone database, "
            "e.g. Europe/London."
        ) from None


def stored_utc(moment: datetime | None) -> datetime:
    """A time read back from the store, in UTC (SQLite gives back naive datetimes)."""
    assert moment is not None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment

"""The responses filter, as the page's form and the API's query string both give it.

One place reads the filter, checks it against what a user may choose, and
says in plain words what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from bot.dashboard.layout import Viewer
from bot.dashboard.scope import row_id
from covoice.taxonomy import Taxonomy
from storage.models import Incident, Response, Service
from storage.unit_of_work import UnitOfWork

FILTER_KEYS = (
    "service",
    "theme",
    "role",
    "channel",
    "question_set",
    "answer",
    "incident",
    "safeguarding",
    "from",
    "to",
)
# The safeguarding filter's one value: answers whose words raised an alert.
FLAGGED = "flagged"
ANY_INCIDENT = "any"
DEFAULT_DAYS = 30
LONGEST_VALUE = 64
MAX_INCIDENTS = 200
# Days outside these cannot be counted in a time zone without overflowing.
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2999, 12, 31)


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
    # "any", an incident's number, or "" for every answer.
    incident: str = ""
    flagged: bool = False

    def incident_wanted(self) -> int | Literal["any"] | None:
        if not self.incident:
            return None
        if self.incident == ANY_INCIDENT:
            return "any"
        return int(self.incident)

    def as_detail(self) -> dict[str, object]:
        return {
            "service": self.service or None,
            "theme": self.theme or None,
            "role": self.role or None,
            "channel": self.channel or None,
            "question_set": self.question_set or None,
            "answer": self.answer or None,
            "incident": self.incident or None,
            "safeguarding": FLAGGED if self.flagged else None,
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
    # (number, how the page names it) of the incidents in the user's services.
    incidents: Sequence[tuple[str, str]] = ()

    def may_see_service(self, service: str) -> bool:
        return any(service == known for known, _ in self.services)


def raw_filter(query: Mapping[str, str]) -> dict[str, str]:
    """The filter's fields from a query string, trimmed; a missing field is empty."""
    return {key: query.get(key, "").strip()[:LONGEST_VALUE] for key in FILTER_KEYS}


def filter_choices(uow: UnitOfWork, taxonomy: Taxonomy, viewer: Viewer) -> FilterChoices:
    """What this user may choose from: their services, and the values stored."""
    query = select(Service.id, Service.name).order_by(Service.name, Service.id)
    if viewer.services is not None:
        query = query.where(Service.id.in_(viewer.services))
    services = [(service_id, name) for service_id, name in uow.session.execute(query)]
    themes = sorted(((t.id, t.label) for t in taxonomy.themes.values()), key=lambda t: t[1])
    return FilterChoices(
        services,
        themes,
        taxonomy.respondent_roles,
        _stored(uow, Response.channel),
        _stored(uow, Response.question_set_id),
        _stored(uow, Response.answer_value),
        _incidents(uow, viewer),
    )


def _incidents(uow: UnitOfWork, viewer: Viewer) -> list[tuple[str, str]]:
    query = select(Incident.id, Incident.type, Incident.occurred_at).order_by(Incident.id.desc())
    if viewer.services is not None:
        query = query.where(Incident.service_id.in_(viewer.services))
    return [
        (str(number), f"Incident {number}: {kind.value.replace('_', ' ')}, {at:%-d %b %Y}")
        for number, kind, at in uow.session.execute(query.limit(MAX_INCIDENTS))
    ]


def parse_filter(
    raw: dict[str, str], choices: FilterChoices
) -> tuple[ResponseFilter | None, list[str]]:
    """The filter, or every problem with it in plain words.

    The service is not checked here: one the user may not see is answered as
    "not found" by the caller, the same way as one that does not exist.
    """
    problems = []
    if raw["theme"] and raw["theme"] not in {theme for theme, _ in choices.themes}:
        problems.append(f"There is no theme '{raw['theme']}'. Choose one from the list.")
    if raw["role"] and raw["role"] not in choices.roles:
        problems.append(
            f"'{raw['role']}' is not a way of answering. Use one of: {', '.join(choices.roles)}."
        )
    if raw["channel"] and raw["channel"] not in choices.channels:
        problems.append(
            f"No responses came by a channel called '{raw['channel']}'. Choose one from the list."
        )
    if raw["question_set"] and raw["question_set"] not in choices.question_sets:
        problems.append(
            f"No responses answer a question set called '{raw['question_set']}'. "
            "Choose one from the list."
        )
    if raw["answer"] and raw["answer"] not in choices.answers:
        problems.append(f"No response has the answer '{raw['answer']}'. Choose one from the list.")
    incident = raw.get("incident", "")
    if incident and incident != ANY_INCIDENT and row_id(incident) is None:
        problems.append(
            f"'{incident}' is not an incident. Choose one from the list, or 'About any incident'."
        )
    safeguarding = raw.get("safeguarding", "")
    if safeguarding and safeguarding != FLAGGED:
        problems.append(
            f"'{safeguarding}' is not a safeguarding filter. Leave it empty, or use '{FLAGGED}'."
        )
    today = date.today()
    last = _day(raw["to"], "To", problems) or today
    first = _day(raw["from"], "From", problems) or last - timedelta(days=DEFAULT_DAYS)
    if first > last:
        problems.append("The 'From' day is after the 'To' day. Please give the earlier day first.")
    if problems:
        return None, problems
    return ResponseFilter(
        raw["service"],
        raw["theme"],
        raw["role"],
        raw["channel"],
        raw["question_set"],
        raw["answer"],
        first,
        last,
        incident,
        safeguarding == FLAGGED,
    ), []


def _stored(uow: UnitOfWork, column: InstrumentedAttribute[Any]) -> list[str]:
    """The values a column holds, for a filter's choices.

    Read as a loose index scan: the least value, then the least one above it, and
    so on, one step down the column's index per value. SELECT DISTINCT would read
    every answer, on every page view (see docs/dashboard-benchmark.md).
    """
    found = select(func.min(column).label("value")).cte("found", recursive=True)
    following = select(func.min(column)).where(column > found.c.value).scalar_subquery()
    found = found.union_all(select(following).where(found.c.value.is_not(None)))
    return sorted(value for value in uow.session.scalars(select(found.c.value)) if value)


def _day(value: str, label: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        problems.append(f"'{label}' must be a day written YYYY-MM-DD, e.g. 2026-11-23.")
        return None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        problems.append(f"'{label}' must be a day in the years 2000 to 2999.")
        return None
    return day

"""Reading responses as one dashboard user may see them, and writing that down.

Everyone sees pseudonyms, unless an admin has given a reason to see real
names (``bot.dashboard.people``); admins and managers see the words, a viewer
no free text. Every read is written to the audit log with its filter (and the
reason, when names are shown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.dashboard.layout import Viewer
from bot.dashboard.people import people_shown
from bot.dashboard.response_filter import ResponseFilter
from covoice.settings import Settings
from governance.queries import ResponseRow, responses_between
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ShownResponses:
    rows: list[ResponseRow]
    # (service, the service's own reference) -> what this user is shown for the person.
    person: dict[tuple[str, str], str]
    show_words: bool
    # Whether more rows match beyond these.
    more: bool
    # Whether people are shown by real names (else pseudonyms).
    names: bool


def read_responses(
    uow: UnitOfWork,
    settings: Settings,
    viewer: Viewer,
    shown: ResponseFilter,
    limit: int,
    action: str,
    reason: str | None = None,
    after: tuple[datetime, int] | None = None,
    detail: Mapping[str, object] | None = None,
) -> ShownResponses:
    """The newest answers that match, as this user may see them; the read is audited.

    Args:
        uow: an open unit of work; the caller commits (which keeps the audit entry).
        settings: the app's settings, for the pseudonym key.
        viewer: who is reading.
        shown: the checked filter.
        limit: at most this many rows.
        action: the audit log's name for this read, e.g. ``dashboard.responses.view``.
        reason: why an admin is shown real names, or None for pseudonyms.
        after: read on after this (stored time, id), from an earlier page's last row.
        detail: more to write in the audit entry beside the filter.

    Returns:
        The rows, how each person is named, whether words are shown, and whether
        more rows match.

    Raises:
        GovernanceError: the pseudonym key cannot be used, so nothing can be shown.
        UnknownTimeZone: a service names a time zone this computer does not know.
    """
    rows = responses_between(
        uow.session,
        shown.first,
        shown.last,
        shown.service or None,
        shown.theme or None,
        services=viewer.services,
        respondent_role=shown.role or None,
        channel=shown.channel or None,
        question_set_id=shown.question_set or None,
        answer_value=shown.answer or None,
        incident=shown.incident_wanted(),
        flagged=shown.flagged,
        newest_first=True,
        limit=limit + 1,
        after=after,
    )
    more, rows = len(rows) > limit, rows[:limit]
    show_words = viewer.role != "viewer"
    people = people_shown(
        uow, settings, viewer, reason, [(row.service_id, row.person_ref) for row in rows]
    )
    person = {
        (row.service_id, row.person_ref): people.label(row.service_id, row.person_ref)
        for row in rows
    }
    people.record(
        uow,
        viewer,
        action,
        shown.as_detail() | dict(detail or {}) | {"rows": len(rows), "words": show_words},
    )
    return ShownResponses(rows, person, show_words, more, people.names)

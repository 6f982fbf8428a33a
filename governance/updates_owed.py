"""Updates owed: promises to tell a person or family more about an incident by a date.

The promise is made when someone answers a follow-up asking to hear more
"in a week" (``checkin.aftercare``); a manager closes it by recording that
the update was given. One not given by its date is overdue, and is shown so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from governance.audit import record
from governance.errors import GovernanceError
from governance.service_days import stored_utc
from storage.models import Incident, UpdateOwed, utcnow

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork


class UpdateOwedError(GovernanceError):
    """An update owed cannot be closed as asked; the message says why."""


@dataclass(frozen=True)
class OwedRow:
    """One update owed, as a list shows it."""

    owed: UpdateOwed
    incident: Incident
    person_ref: str
    overdue: bool


def updates_owed(
    uow: UnitOfWork,
    service_id: str | None = None,
    overdue_only: bool = False,
    now: datetime | None = None,
) -> list[OwedRow]:
    """Updates still owed, soonest due first.

    Args:
        uow: a unit of work.
        service_id: only this service's incidents.
        overdue_only: only those past their due date.
        now: the time to judge overdue by (the clock when not given).

    Returns:
        The rows, each flagged overdue or not.
    """
    at = now or utcnow()
    rows = []
    for owed in uow.incidents.updates_owed(service_id=service_id, open_only=True):
        overdue = stored_utc(owed.due_at) < at
        if overdue_only and not overdue:
            continue
        incident = uow.incidents.get(owed.incident_id)
        person = uow.people.get(owed.person_id)
        assert incident is not None and person is not None  # foreign keys
        rows.append(OwedRow(owed, incident, person.ref, overdue))
    return rows


def give_update(
    uow: UnitOfWork,
    actor: str,
    owed_id: int,
    by: str,
    note: str | None = None,
    now: datetime | None = None,
) -> UpdateOwed:
    """Record that an owed update was given, which closes it; the caller commits.

    Raises:
        UpdateOwedError: no such update owed, no name, or one already given.
    """
    owed = uow.incidents.update_owed(owed_id)
    if owed is None:
        raise UpdateOwedError(
            f"There is no update owed {owed_id}. See 'covoice incident updates-owed'."
        )
    if not by.strip():
        raise UpdateOwedError("Say who gave the update with --by NAME.")
    if owed.given_at is not None:
        raise UpdateOwedError(
            f"Update {owed_id} was already given by {owed.given_by} on "
            f"{stored_utc(owed.given_at):%Y-%m-%d %H:%M} UTC."
        )
    owed.given_at = now or utcnow()
    owed.given_by = by.strip()
    owed.note = " ".join(note.split()) if note and note.strip() else None
    record(
        uow,
        actor,
        "incident.update_given",
        {"update_owed": owed.id, "incident": owed.incident_id, "by": owed.given_by},
    )
    return owed

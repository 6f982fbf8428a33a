"""The audit log: who saw or changed what, when and why. Entries are only ever added."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from governance.errors import GovernanceError
from storage.models import AuditEntry, utcnow

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork


class ReasonMissing(GovernanceError):
    """Someone asked to see people's own references without saying why."""


def record(
    uow: UnitOfWork,
    actor: str,
    action: str,
    detail: Mapping[str, object],
    reason: str | None = None,
) -> AuditEntry:
    """Add an entry to the audit log; it is kept when the caller commits.

    Args:
        uow: the unit of work the entry belongs to; the caller commits it.
        actor: who did it (an operating-system user or ``COVOICE_ACTOR``).
        action: what was done, dotted, e.g. ``export.responses.reveal_people``.
        detail: what it was done to, as JSON-ready values (never a key or a secret).
        reason: why, in the actor's words.

    Returns:
        The new entry.
    """
    entry = AuditEntry(at=utcnow(), actor=actor, action=action, reason=reason, detail=dict(detail))
    uow.audit.add(entry)
    return entry


def record_reveal(
    uow: UnitOfWork, actor: str, action: str, reason: str | None, detail: Mapping[str, object]
) -> AuditEntry:
    """Record that people's own references are about to be shown.

    Args:
        uow: the unit of work; commit it before the references leave the program.
        actor: who asked.
        action: which output, e.g. ``requests.reveal_people``.
        reason: why; required.
        detail: the filter used and how many rows go out.

    Returns:
        The new entry.

    Raises:
        ReasonMissing: the reason is empty or only spaces.
    """
    if reason is None or not reason.strip():
        raise ReasonMissing(
            "Showing people's own references needs a reason, which is kept in the audit "
            "log. Give one and try again; nothing was shown."
        )
    return record(uow, actor, action, detail, reason.strip())

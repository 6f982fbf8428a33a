"""The one rule for withdrawn check-ins: every reader of answers goes through it.

A person can ask for a check-in's answers not to be used, during it or after
it ended. The store records that in ``Conversation.withdrawn_at`` (and, when it
happens mid-way, also in the status); either is enough to leave it out.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, or_, select

from storage.models import Conversation, ConversationStatus

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork


def usable_conversation() -> ColumnElement[bool]:
    """A SQL condition true for conversations whose words may be used.

    Returns:
        A criterion over ``Conversation``; the query must join that table.
    """
    return and_(
        Conversation.withdrawn_at.is_(None),
        Conversation.status != ConversationStatus.withdrawn,
    )


def usable_or_no_conversation() -> ColumnElement[bool]:
    """Like :func:`usable_conversation`, for rows that may have no conversation at all.

    The query must outer-join ``Conversation``; a row with no conversation has
    nothing that was withdrawn, so it is kept.

    Returns:
        A criterion over the outer-joined ``Conversation``.
    """
    # Spelled out because `status != 'withdrawn'` is NULL, not true, for a missing row.
    return or_(Conversation.id.is_(None), usable_conversation())


def withdrawn_at(uow: UnitOfWork, person_id: int, roles: tuple[str, ...]) -> datetime | None:
    """When the person (or family) took their answers back, if their latest check-in was.

    Someone who did is not asked again unless they start a check-in themselves.
    """
    latest = uow.session.scalar(
        select(Conversation)
        .where(Conversation.person_id == person_id, Conversation.respondent_role.in_(roles))
        .order_by(Conversation.started_at.desc())
        .limit(1)
    )
    return latest.withdrawn_at if latest is not None else None

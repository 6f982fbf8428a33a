"""The one rule for withdrawn check-ins: every reader of answers goes through it.

A person can ask for a check-in's answers not to be used, during it or after
it ended. The store records that in ``Conversation.withdrawn_at`` (and, when it
happens mid-way, also in the status); either is enough to leave it out.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_

from storage.models import Conversation, ConversationStatus


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

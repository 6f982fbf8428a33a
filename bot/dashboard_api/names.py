"""Real names on an API answer: admins only, with a reason kept in the audit log.

Without ``names_reason`` everyone gets pseudonyms (``bot.dashboard.people``);
an admin who gives one gets the service's own references and first names, and
the reason is written with the call's audit entry.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from bot.dashboard.reveal import reason_problem
from bot.dashboard_api.auth import Caller
from bot.dashboard_api.errors import ApiError

NamesReason = Annotated[
    str,
    Query(
        max_length=600,
        description="Admins only: why you need people's real names (at least three words), "
        "kept in the audit log. Without it everyone gets pseudonyms.",
    ),
]


def checked_reason(who: Caller, given: str) -> str | None:
    """The reason to show real names, checked; None for pseudonyms.

    Raises:
        ApiError: 403 for anyone but an admin, 400 for a reason too short or too long.
    """
    reason = " ".join(given.split()) or None
    if reason is None:
        return None
    who.require(("admin",), "see real names")
    problem = reason_problem(reason)
    if problem is not None:
        raise ApiError(400, "bad_reason", problem)
    return reason

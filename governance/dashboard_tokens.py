"""Tokens that let a program read the dashboard's JSON API as one dashboard user.

A token acts as its user, with the user's role and services, and stops
working the moment the user is disabled or the token is revoked. Like an API
key (``bot.credentials``) it is 32 random bytes, so only its SHA-256 hash is
kept; a short random prefix, which is not secret, names it in listings.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.credentials import hash_key
from governance import audit
from governance.dashboard_users import DashboardUserError, active_user, find_user
from storage.models import DashboardToken, DashboardUser, utcnow

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

TOKEN_MARK = "cvd"
_TOKEN_PATTERN = re.compile(rf"{TOKEN_MARK}_([0-9a-f]{{12}})_[A-Za-z0-9_-]{{43}}")


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``raw`` is shown once and never kept."""

    raw: str
    prefix: str


@dataclass(frozen=True)
class TokenListing:
    """A token as listed: everything but the secret."""

    prefix: str
    username: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class TokenHolder:
    """Who a presented token acts as."""

    user: DashboardUser
    prefix: str


def issue_token(uow: UnitOfWork, actor: str, username: str, label: str) -> IssuedToken:
    """Make a token that acts as ``username`` and keep only its hash; the caller commits.

    Args:
        uow: an open unit of work.
        actor: who is making it, for the audit log.
        username: the dashboard user the token acts as; they must be active.
        label: what the token is for, e.g. "monthly report script".

    Returns:
        The token (to show once) and its prefix.

    Raises:
        DashboardUserError: the user is unknown or disabled, or the label is unusable.
    """
    label = label.strip()
    if not label or len(label) > 100:
        raise DashboardUserError(
            "Give the token a label of 1 to 100 characters, e.g. 'monthly report script'."
        )
    user = find_user(uow, username)
    if user.disabled:
        raise DashboardUserError(
            f"'{user.username}' is disabled, so a token for them would not work. "
            "Make the token for an active user."
        )
    prefix = secrets.token_hex(6)
    while _by_prefix(uow, prefix) is not None:
        prefix = secrets.token_hex(6)
    raw = f"{TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    uow.session.add(
        DashboardToken(user_id=user.id, label=label, prefix=prefix, token_hash=hash_key(raw))
    )
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "dashboard.token.add",
        {"username": user.username, "prefix": prefix, "label": label},
    )
    return IssuedToken(raw=raw, prefix=prefix)


def token_holder(uow: UnitOfWork, raw: str) -> TokenHolder | None:
    """Who a presented token acts as, or None; notes when it was used; the caller commits.

    Args:
        uow: an open unit of work.
        raw: the token exactly as the program sent it.

    Returns:
        The active user and the token's prefix, or None for a malformed,
        unknown or revoked token or a disabled user.
    """
    if not _TOKEN_PATTERN.fullmatch(raw):
        return None
    presented = hash_key(raw)
    row = uow.session.scalars(
        select(DashboardToken).where(DashboardToken.token_hash == presented)
    ).one_or_none()
    # The lookup already matched; comparing again in constant time costs nothing.
    if row is None or not hmac.compare_digest(row.token_hash, presented):
        return None
    if row.revoked_at is not None:
        return None
    user = active_user(uow, row.user_id)
    if user is None:
        return None
    row.last_used_at = utcnow()
    return TokenHolder(user=user, prefix=row.prefix)


def revoke_token(uow: UnitOfWork, actor: str, prefix: str) -> TokenListing:
    """Revoke the token with ``prefix`` from now on; the caller commits.

    Raises:
        DashboardUserError: there is no token with that prefix.
    """
    row = _by_prefix(uow, prefix.strip())
    if row is None:
        raise DashboardUserError(
            f"There is no token with prefix '{prefix}'. See them with 'covoice user token list'."
        )
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(uow, actor, "dashboard.token.revoke", {"prefix": row.prefix})
    return _listing(uow, row)


def list_tokens(uow: UnitOfWork) -> list[TokenListing]:
    """Every token, revoked ones too, oldest first; never a secret."""
    rows = uow.session.scalars(select(DashboardToken).order_by(DashboardToken.id))
    return [_listing(uow, row) for row in rows]


def _by_prefix(uow: UnitOfWork, prefix: str) -> DashboardToken | None:
    return uow.session.scalars(
        select(DashboardToken).where(DashboardToken.prefix == prefix)
    ).one_or_none()


def _listing(uow: UnitOfWork, row: DashboardToken) -> TokenListing:
    user = uow.session.get(DashboardUser, row.user_id)
    return TokenListing(
        prefix=row.prefix,
        username=user.username if user else "?",
        label=row.label,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )

"""The people who sign in to the web dashboard: their roles, services and passwords.

Passwords are hashed with argon2id by argon2-cffi's PasswordHasher; the
hash carries its own salt and parameters, so it can be strengthened later
(``check_needs_rehash``) without anyone choosing a new password.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from governance import audit
from governance.errors import GovernanceError
from storage.models import DashboardRole, DashboardUser, Service

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_CHARS = 12
_hasher = PasswordHasher()


@functools.cache
def _unknown_user_hash() -> str:
    """Checked when the username is unknown, so a wrong name takes as long as a wrong password."""
    return _hasher.hash(secrets.token_urlsafe(32))


class DashboardUserError(GovernanceError):
    """A dashboard user cannot be added or changed as asked."""


def add_user(
    uow: UnitOfWork,
    actor: str,
    username: str,
    password: str,
    role: str,
    services: Sequence[str] = (),
) -> DashboardUser:
    """Add a dashboard user and record who added them.

    Args:
        uow: the unit of work; the caller commits.
        actor: who is adding them, for the audit log.
        username: lower-case letters, digits, dots, dashes and underscores.
        password: at least MIN_PASSWORD_CHARS characters; only its hash is kept.
        role: admin, manager or viewer.
        services: for a manager, the services they may see (at least one).

    Returns:
        The new user.

    Raises:
        DashboardUserError: the name is taken or not allowed, the role or a
            service is unknown, the password is too short, or a manager has no
            service (or another role was given some).
    """
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise DashboardUserError(
            f"'{username}' cannot be a username: use 2 to 64 lower-case letters, digits, "
            "dots, dashes or underscores, starting with a letter or digit."
        )
    if _find(uow, name) is not None:
        raise DashboardUserError(f"There is already a user '{name}'. Choose another name.")
    chosen = _role(role)
    wanted = sorted(set(services))
    if chosen is DashboardRole.manager and not wanted:
        raise DashboardUserError(
            "A manager sees only their own services: give at least one with --service."
        )
    if chosen is not DashboardRole.manager and wanted:
        raise DashboardUserError(
            f"An {chosen.value} sees every service; --service is only for managers."
            if chosen is DashboardRole.admin
            else "A viewer sees every service, pseudonymised; --service is only for managers."
        )
    known = set(uow.session.scalars(select(Service.id).where(Service.id.in_(wanted))))
    missing = [service for service in wanted if service not in known]
    if missing:
        raise DashboardUserError(
            f"There is no service with id {', '.join(repr(s) for s in missing)}. "
            "See the services with 'covoice service list'."
        )
    user = DashboardUser(
        username=name,
        password_hash=_hasher.hash(_checked_password(password)),
        role=chosen,
        services=wanted,
        disabled=False,
    )
    uow.session.add(user)
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "dashboard.user.add",
        {"username": name, "role": chosen.value, "services": wanted},
    )
    return user


def list_users(uow: UnitOfWork) -> list[DashboardUser]:
    """Every dashboard user, by username, disabled ones included."""
    return list(uow.session.scalars(select(DashboardUser).order_by(DashboardUser.username)))


def disable_user(uow: UnitOfWork, actor: str, username: str) -> DashboardUser:
    """Disable a user: they cannot sign in, and a session they have ends at its next request.

    Raises:
        DashboardUserError: there is no such user.
    """
    user = find_user(uow, username)
    user.disabled = True
    audit.record(uow, actor, "dashboard.user.disable", {"username": user.username})
    return user


def set_password(uow: UnitOfWork, actor: str, username: str, password: str) -> DashboardUser:
    """Give a user a new password; sessions opened with the old one end.

    Raises:
        DashboardUserError: there is no such user, or the password is too short.
    """
    user = find_user(uow, username)
    user.password_hash = _hasher.hash(_checked_password(password))
    audit.record(uow, actor, "dashboard.user.set_password", {"username": user.username})
    return user


def check_login(uow: UnitOfWork, username: str, password: str) -> DashboardUser | None:
    """The active user with this name and password, or None; the caller commits.

    A hash made with weaker parameters than today's is replaced on success.
    """
    user = _find(uow, username.strip().lower())
    try:
        _hasher.verify(user.password_hash if user else _unknown_user_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def active_user(uow: UnitOfWork, user_id: int) -> DashboardUser | None:
    """The user behind a session, or None when they are gone or disabled."""
    user = uow.session.get(DashboardUser, user_id)
    return None if user is None or user.disabled else user


def _find(uow: UnitOfWork, username: str) -> DashboardUser | None:
    return uow.session.scalars(
        select(DashboardUser).where(func.lower(DashboardUser.username) == username)
    ).one_or_none()


def find_user(uow: UnitOfWork, username: str) -> DashboardUser:
    """The user with this name, disabled or not.

    Raises:
        DashboardUserError: there is no such user.
    """
    user = _find(uow, username.strip().lower())
    if user is None:
        raise DashboardUserError(
            f"There is no dashboard user '{username}'. See them with 'covoice user list'."
        )
    return user


def _role(role: str) -> DashboardRole:
    try:
        return DashboardRole(role.strip().lower())
    except ValueError:
        raise DashboardUserError(
            f"There is no role '{role}'. Use admin, manager or viewer."
        ) from None


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise DashboardUserError(
            f"That password is too short: use at least {MIN_PASSWORD_CHARS} characters "
            "(a few unrelated words make a good one)."
        )
    return password

"""Invites: a one-time code that links a Telegram account to a person and a role.

A manager makes one for a person or a family member; it travels on paper as
a ``t.me`` link and a QR code. Telegram hands the code to the bot as
``/start CODE``. Only a SHA-256 hash of the code is kept (as for API keys, a
slow hash adds nothing to a random secret), so the store cannot give it away.
"""

from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.credentials import hash_key
from checkin.service import NewContact, ensure_contact
from governance.service_days import stored_utc
from storage.models import Contact, TelegramInvite, utcnow
from storage.unit_of_work import UnitOfWork

# Telegram's deep-link parameter allows 1-64 of these characters.
_CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
_CODE_BYTES = 15  # 20 characters of URL-safe base64: 120 random bits


class InviteError(Exception):
    """An invite cannot be made as asked; the message says why."""


class InviteState(enum.Enum):
    valid = "valid"
    unknown = "unknown"
    used = "used"
    expired = "expired"


@dataclass(frozen=True)
class NewInvite:
    code: str
    expires_at: datetime


def sender_id(chat_id: int) -> str:
    return f"tg:{chat_id}"


def chat_of(sender: str) -> int | None:
    """The chat id in a ``tg:`` sender id, or None for any other sender."""
    prefix, _, rest = sender.partition(":")
    return int(rest) if prefix == "tg" and rest.lstrip("-").isdigit() else None


def make_invite(
    uow: UnitOfWork,
    service_id: str,
    person_ref: str,
    role: str,
    roles: tuple[str, ...],
    valid_for: timedelta,
) -> NewInvite:
    """Make a one-time code for ``person_ref`` at ``service_id``; the caller commits.

    Raises:
        InviteError: the service or role is unknown.
    """
    if uow.services.get(service_id) is None:
        known = ", ".join(s.id for s in uow.services.list_all()) or "none yet"
        raise InviteError(f"Unknown service '{service_id}'. Services: {known}.")
    if role not in roles:
        raise InviteError(f"Unknown role '{role}'. Roles: {', '.join(roles)}.")
    ref = person_ref.strip()
    if not 1 <= len(ref) <= 128:
        raise InviteError("Give the person's reference, e.g. --person p-0042.")
    person = uow.people.get_or_add(service_id, ref)
    code = secrets.token_urlsafe(_CODE_BYTES)
    expires_at = utcnow() + valid_for
    uow.telegram.add_invite(
        TelegramInvite(
            code_hash=hash_key(code),
            service_id=service_id,
            person_id=person.id,
            respondent_role=role,
            expires_at=expires_at,
        )
    )
    return NewInvite(code, expires_at)


def check(uow: UnitOfWork, code: str) -> tuple[InviteState, TelegramInvite | None]:
    """Whether ``code`` (as Telegram handed it in) would link an account now."""
    if not _CODE_PATTERN.fullmatch(code):
        return InviteState.unknown, None
    invite = uow.telegram.invite_by_hash(hash_key(code))
    if invite is None:
        return InviteState.unknown, None
    if invite.used_at is not None:
        return InviteState.used, invite
    if stored_utc(invite.expires_at) <= utcnow():
        return InviteState.expired, invite
    return InviteState.valid, invite


def redeem(uow: UnitOfWork, code: str, chat_id: int) -> tuple[InviteState, Contact | None]:
    """Link the chat to the invite's person and role, using the code up; the caller commits."""
    state, invite = check(uow, code)
    if state is not InviteState.valid or invite is None:
        return state, None
    person = uow.people.get(invite.person_id)
    if person is None:
        return InviteState.unknown, None
    contact = ensure_contact(
        uow,
        NewContact(
            sender_id=sender_id(chat_id),
            channel="telegram",
            service_id=invite.service_id,
            person_ref=person.ref,
            respondent_role=invite.respondent_role,
        ),
    )
    if not uow.telegram.claim_invite(invite.id, contact.id, utcnow()):
        return InviteState.used, None  # the caller rolls back the contact
    return state, contact

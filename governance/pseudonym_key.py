"""The pseudonym key is checked against the store before any pseudonym is made.

A pseudonym is a keyed hash of a person's reference, so another key silently
changes every pseudonym and breaks the link between old and new exports. The
store therefore keeps a fingerprint of the key in the audit log when the key is
first made (or first seen), and every use compares the key with it: a missing
or different key is refused, with the way out, instead of quietly replaced.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from covoice.settings import Settings, SettingsError
from governance.audit import record
from governance.errors import GovernanceError
from storage.models import AuditEntry

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

CREATED = "pseudonym_key.created"
# A key that existed before the store knew of it: COVOICE_PSEUDONYM_KEY, or an older key file.
ADOPTED = "pseudonym_key.adopted"
REPLACED = "pseudonym_key.replaced"
KEY_ACTIONS = (CREATED, ADOPTED, REPLACED)

NEW_KEY_COMMAND = "covoice pseudonym-key new --confirm"


class PseudonymKeyError(GovernanceError):
    """The key at hand is missing, or is not the key the store recorded."""


@dataclass(frozen=True)
class KeyRecord:
    """What the store knows of the key in use: its fingerprint, and since when."""

    fingerprint: str
    action: str
    at: datetime


@dataclass(frozen=True)
class NewKey:
    """The outcome of replacing the key."""

    fingerprint: str
    previous: KeyRecord | None
    # Where the replaced key file was moved, so a mistake can still be undone.
    kept_old_file: Path | None


def fingerprint(secret: bytes) -> str:
    """A short keyed hash that tells keys apart without saying anything about them.

    Args:
        secret: the pseudonym key.

    Returns:
        16 hex digits; safe to store and show.
    """
    return hmac.new(secret, b"covoice pseudonym key fingerprint", hashlib.sha256).hexdigest()[:16]


def recorded_key(session: Session) -> KeyRecord | None:
    """The key the store last recorded, or None if it never saw one.

    Args:
        session: an open session.

    Returns:
        The newest key entry in the audit log.
    """
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action.in_(KEY_ACTIONS))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        return None
    return KeyRecord(str(entry.detail["fingerprint"]), entry.action, entry.at)


def checked_pseudonym_secret(uow: UnitOfWork, settings: Settings, actor: str) -> bytes:
    """The pseudonym key, once it is known to be the key the store recorded.

    The one check every pseudonym goes through. On first use it makes the key
    file (or takes ``COVOICE_PSEUDONYM_KEY``) and records its fingerprint.

    Args:
        uow: the unit of work; the caller commits, which keeps a new record.
        settings: where the key lives.
        actor: who is asking, for a new record.

    Returns:
        The key.

    Raises:
        PseudonymKeyError: the key file is missing or unreadable, or the key is
            not the one the store recorded.
    """
    known = recorded_key(uow.session)
    secret = _current_secret(settings)
    if secret is None:
        if known is not None:
            raise PseudonymKeyError(
                f"The pseudonym key file {settings.pseudonym_key_file} is missing, but the "
                f"store uses the key with fingerprint {known.fingerprint} ({_since(known)}). "
                "Without it every pseudonym would change. Restore the file from a backup; or, "
                f"if it is lost for good, run '{NEW_KEY_COMMAND}' to make a new key and record "
                "that every pseudonym changes."
            )
        try:
            secret = settings.create_pseudonym_key_file()
            action = CREATED
        except FileExistsError:
            # Another process made the key a moment ago: use that one.
            secret = _current_secret(settings)
            assert secret is not None
            action = ADOPTED
        record(uow, actor, action, _detail(secret, settings))
        return secret
    if known is None:
        record(uow, actor, ADOPTED, _detail(secret, settings))
        return secret
    if fingerprint(secret) != known.fingerprint:
        where = (
            "COVOICE_PSEUDONYM_KEY"
            if settings.pseudonym_key
            else f"the file {settings.pseudonym_key_file}"
        )
        raise PseudonymKeyError(
            f"The pseudonym key in {where} (fingerprint {fingerprint(secret)}) is not the key "
            f"the store uses (fingerprint {known.fingerprint}, {_since(known)}), so every "
            "pseudonym would change. Put the recorded key back (from a backup); or, to start "
            f"again with a new key, run '{NEW_KEY_COMMAND}'."
        )
    return secret


def replace_key(uow: UnitOfWork, settings: Settings, actor: str, reason: str | None) -> NewKey:
    """Make a new key (or take the one in ``COVOICE_PSEUDONYM_KEY``) and record the change.

    Every pseudonym changes: exports made before cannot be matched with those made after.

    Args:
        uow: the unit of work; the caller commits it.
        settings: where the key lives.
        actor: who asked.
        reason: why, if given.

    Returns:
        The new key's fingerprint, the record it replaces, and where the old file went.

    Raises:
        PseudonymKeyError: the key comes from COVOICE_PSEUDONYM_KEY and is already
            the recorded one, or another process made a key file meanwhile.
    """
    previous = recorded_key(uow.session)
    kept_old_file = None
    if settings.pseudonym_key:
        secret = settings.pseudonym_key.encode()
        if previous is not None and previous.fingerprint == fingerprint(secret):
            raise PseudonymKeyError(
                "The key in COVOICE_PSEUDONYM_KEY is already the one the store uses; nothing "
                "changed. To change the key, set COVOICE_PSEUDONYM_KEY to a new key first."
            )
    else:
        key_file = settings.pseudonym_key_file
        if key_file.exists():
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            kept_old_file = key_file.with_name(f"{key_file.name}.replaced-{stamp}")
            key_file.rename(kept_old_file)
        try:
            secret = settings.create_pseudonym_key_file()
        except FileExistsError:
            raise PseudonymKeyError(
                f"Another program made a new key file {key_file} just now. Check what is "
                "running, then try again."
            ) from None
    detail = _detail(secret, settings)
    detail["previous_fingerprint"] = previous.fingerprint if previous else None
    detail["every_pseudonym_changes"] = True
    record(uow, actor, REPLACED, detail, reason)
    return NewKey(fingerprint(secret), previous, kept_old_file)


def _current_secret(settings: Settings) -> bytes | None:
    try:
        return settings.pseudonym_secret()
    except SettingsError as error:
        raise PseudonymKeyError(str(error)) from None


def _detail(secret: bytes, settings: Settings) -> dict[str, object]:
    return {
        "fingerprint": fingerprint(secret),
        "source": "environment" if settings.pseudonym_key else "file",
    }


def _since(known: KeyRecord) -> str:
    at = known.at if known.at.tzinfo else known.at.replace(tzinfo=timezone.utc)
    verb = {CREATED: "made", ADOPTED: "first used", REPLACED: "made"}[known.action]
    return f"{verb} {at:%Y-%m-%d %H:%M} UTC"

"""API keys: the credential a client program presents to post to the app.

A key fixes which channel the program speaks as and which services it may
speak for. Only a SHA-256 hash of the key is stored: a key is 32 random bytes,
so a slow password hash would add nothing. A short random prefix, which is not
secret, names the key in listings and when it is revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.models import ApiKey, utcnow
from storage.unit_of_work import UnitOfWork

KEY_MARK = "cvk"
ALL_SERVICES = "*"  # stored in place of the list for a key made with --all-services
CHANNEL_PATTERN = re.compile(r"[a-z]{2,16}")
# The terminal chat speaks without a key; no program may speak as it.
RESERVED_CHANNELS = frozenset({"term"})
_KEY_PATTERN = re.compile(rf"{KEY_MARK}_([0-9a-f]{{12}})_[A-Za-z0-9_-]{{43}}")


class CredentialError(Exception):
    """A key cannot be made or revoked as asked; the message says why."""


@dataclass(frozen=True)
class ApiCredential:
    """What a verified key lets its program do."""

    prefix: str
    label: str
    channel: str
    services: frozenset[str]
    all_services: bool

    def may_speak_for(self, service_id: str) -> bool:
        """Say whether this key's program may post messages for ``service_id``."""
        return self.all_services or service_id in self.services


@dataclass(frozen=True)
class IssuedKey:
    """A new key: ``raw`` is shown once and never kept."""

    raw: str
    prefix: str


@dataclass(frozen=True)
class KeyListing:
    """A key as listed: everything but the secret."""

    prefix: str
    label: str
    channel: str
    services: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None


def hash_key(raw_key: str) -> str:
    """Return the hex SHA-256 of a key, as stored."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


def issue(
    uow: UnitOfWork,
    label: str,
    channel: str,
    services: Sequence[str],
    all_services: bool = False,
) -> IssuedKey:
    """Make a key for a client program and keep its hash; the caller commits.

    Args:
        uow: An open unit of work.
        label: Who or what the key is for, e.g. "kiosk at Oak House".
        channel: The channel the program speaks as (2-16 lowercase letters).
        services: The services it may speak for; each must exist.
        all_services: Let it speak for every service, now and future.

    Returns:
        The key (to show once) and its prefix.

    Raises:
        CredentialError: the label, channel or services are not usable.
    """
    label = label.strip()
    if not label or len(label) > 100:
        raise CredentialError(
            "Give the key a label of 1 to 100 characters, e.g. 'Oak House kiosk'."
        )
    if not CHANNEL_PATTERN.fullmatch(channel):
        raise CredentialError(
            f"The channel '{channel}' must be 2 to 16 lowercase letters, e.g. 'kiosk'."
        )
    if channel in RESERVED_CHANNELS:
        raise CredentialError(f"The channel '{channel}' is the terminal chat's; choose another.")
    if all_services == bool(services):
        raise CredentialError("Name the services the key may speak for, or give --all-services.")
    unknown = sorted(s for s in set(services) if uow.services.get(s) is None)
    if unknown:
        known = ", ".join(s.id for s in uow.services.list_all()) or "none yet"
        raise CredentialError(f"Unknown service {', '.join(unknown)}. Services: {known}.")
    prefix = secrets.token_hex(6)
    while uow.api_keys.by_prefix(prefix) is not None:
        prefix = secrets.token_hex(6)
    raw = f"{KEY_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    uow.api_keys.add(
        ApiKey(
            label=label,
            prefix=prefix,
            key_hash=hash_key(raw),
            channel=channel,
            services=[ALL_SERVICES] if all_services else sorted(set(services)),
        )
    )
    return IssuedKey(raw=raw, prefix=prefix)


def verify(uow: UnitOfWork, raw_key: str) -> ApiCredential | None:
    """Return what a presented key allows, or None if it is unknown or revoked.

    Args:
        uow: An open unit of work.
        raw_key: The key exactly as the program sent it.

    Returns:
        The credential, or None for a malformed, unknown or revoked key.
    """
    if not _KEY_PATTERN.fullmatch(raw_key):
        return None
    presented = hash_key(raw_key)
    row = uow.api_keys.by_hash(presented)
    # The lookup already matched; comparing again in constant time costs nothing.
    if row is None or not hmac.compare_digest(row.key_hash, presented):
        return None
    if row.revoked_at is not None:
        return None
    stored = tuple(row.services or ())
    all_services = ALL_SERVICES in stored
    return ApiCredential(
        prefix=row.prefix,
        label=row.label,
        channel=row.channel,
        services=frozenset(s for s in stored if s != ALL_SERVICES),
        all_services=all_services,
    )


def revoke(uow: UnitOfWork, prefix: str) -> KeyListing:
    """Revoke the key with ``prefix`` from now on; the caller commits.

    Args:
        uow: An open unit of work.
        prefix: The key's prefix, as `covoice apikey list` shows it.

    Returns:
        The key as it is now.

    Raises:
        CredentialError: there is no key with that prefix.
    """
    row = uow.api_keys.by_prefix(prefix)
    if row is None:
        raise CredentialError(
            f"There is no key with prefix '{prefix}'. See the keys with 'covoice apikey list'."
        )
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return _listing(row)


def list_keys(uow: UnitOfWork) -> list[KeyListing]:
    """Return every key, revoked ones too, oldest first; never a secret."""
    return [_listing(row) for row in uow.api_keys.list_all()]


def _listing(row: ApiKey) -> KeyListing:
    return KeyListing(
        prefix=row.prefix,
        label=row.label,
        channel=row.channel,
        services=tuple(row.services or ()),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )

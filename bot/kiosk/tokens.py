"""Kiosk tokens: the secret part of a kiosk's URL.

A token is 32 random bytes after a short prefix. Only its SHA-256 hash is
kept (as for API keys, a slow hash adds nothing to a random secret); the
prefix, which is not secret, names the kiosk in listings and when revoked.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.credentials import hash_key
from storage.models import Kiosk, utcnow
from storage.unit_of_work import UnitOfWork

_TOKEN_PATTERN = re.compile(r"k([0-9a-f]{10})_[A-Za-z0-9_-]{43}")


class KioskError(Exception):
    """A kiosk cannot be made or revoked as asked; the message says why."""


@dataclass(frozen=True)
class KioskAccess:
    """What a verified token opens: one kiosk of one service."""

    prefix: str
    service_id: str
    label: str


@dataclass(frozen=True)
class KioskListing:
    prefix: str
    service_id: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


def issue(uow: UnitOfWork, service_id: str, label: str) -> tuple[str, KioskListing]:
    """Make a kiosk for a service; return its token (shown once) and listing. The caller commits.

    Raises:
        KioskError: the service is unknown or the label unusable.
    """
    label = label.strip()
    if not 1 <= len(label) <= 100:
        raise KioskError("Give the kiosk a label of 1 to 100 characters, e.g. 'lounge tablet'.")
    if uow.services.get(service_id) is None:
        known = ", ".join(s.id for s in uow.services.list_all()) or "none yet"
        raise KioskError(f"Unknown service '{service_id}'. Services: {known}.")
    prefix = secrets.token_hex(5)
    while uow.kiosks.by_prefix(prefix) is not None:
        prefix = secrets.token_hex(5)
    token = f"k{prefix}_{secrets.token_urlsafe(32)}"
    kiosk = Kiosk(service_id=service_id, label=label, prefix=prefix, token_hash=hash_key(token))
    uow.kiosks.add(kiosk)
    uow.session.flush()
    return token, _listing(kiosk)


def verify(uow: UnitOfWork, token: str) -> KioskAccess | None:
    """What ``token`` opens, or None for a malformed, unknown or revoked one."""
    if not _TOKEN_PATTERN.fullmatch(token):
        return None
    presented = hash_key(token)
    kiosk = uow.kiosks.by_hash(presented)
    if kiosk is None or not hmac.compare_digest(kiosk.token_hash, presented):
        return None
    if kiosk.revoked_at is not None:
        return None
    return KioskAccess(prefix=kiosk.prefix, service_id=kiosk.service_id, label=kiosk.label)


def revoke(uow: UnitOfWork, prefix: str) -> KioskListing:
    """Revoke a kiosk from now on; its page shows a friendly refusal. The caller commits.

    Raises:
        KioskError: there is no kiosk with that prefix.
    """
    kiosk = uow.kiosks.by_prefix(prefix)
    if kiosk is None:
        raise KioskError(f"There is no kiosk '{prefix}'. See the kiosks with 'covoice kiosk list'.")
    if kiosk.revoked_at is None:
        kiosk.revoked_at = utcnow()
    return _listing(kiosk)


def list_kiosks(uow: UnitOfWork, service_id: str | None = None) -> list[KioskListing]:
    return [_listing(kiosk) for kiosk in uow.kiosks.list_all(service_id)]


def _listing(kiosk: Kiosk) -> KioskListing:
    return KioskListing(
        prefix=kiosk.prefix,
        service_id=kiosk.service_id,
        label=kiosk.label,
        created_at=kiosk.created_at,
        revoked_at=kiosk.revoked_at,
    )

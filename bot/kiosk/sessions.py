"""Who is at a kiosk right now: one session per person, from Start to goodbye.

A session lives only in the app's memory and in the page's: reloading the page
or restarting the app starts afresh, so the next person never sees the last
one's answers. The page holds an unguessable session token; the store only
ever sees a hash of it, inside the sender id.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field


@dataclass
class KioskSession:
    kiosk_prefix: str
    service_id: str
    sender_id: str
    person_ref: str
    role: str
    last_seen: float = field(default_factory=time.monotonic)


class KioskSessions:
    """The open sessions of every kiosk, each forgotten once idle for ``lifetime_seconds``."""

    def __init__(self, lifetime_seconds: float, limit: int = 2000) -> None:
        self._lifetime = lifetime_seconds
        self._limit = limit
        self._open: dict[str, KioskSession] = {}

    def start(
        self, kiosk_prefix: str, service_id: str, role: str, person_ref: str | None
    ) -> tuple[str, KioskSession]:
        """Open a session; an anonymous person gets a reference of their own."""
        self._forget_idle()
        if len(self._open) >= self._limit:
            oldest = min(self._open, key=lambda token: self._open[token].last_seen)
            del self._open[oldest]
        token = secrets.token_urlsafe(24)
        sender_id = f"kiosk:{kiosk_prefix}:{hashlib.sha256(token.encode()).hexdigest()[:20]}"
        session = KioskSession(kiosk_prefix, service_id, sender_id, person_ref or sender_id, role)
        self._open[token] = session
        return token, session

    def get(self, token: str, kiosk_prefix: str) -> KioskSession | None:
        """The open session ``token`` names on this kiosk, or None."""
        session = self._open.get(token)
        if session is None or session.kiosk_prefix != kiosk_prefix:
            return None
        if time.monotonic() - session.last_seen > self._lifetime:
            del self._open[token]
            return None
        session.last_seen = time.monotonic()
        return session

    def end(self, token: str, kiosk_prefix: str) -> None:
        if self.get(token, kiosk_prefix) is not None:
            del self._open[token]

    def _forget_idle(self) -> None:
        now = time.monotonic()
        for token in [t for t, s in self._open.items() if now - s.last_seen > self._lifetime]:
            del self._open[token]

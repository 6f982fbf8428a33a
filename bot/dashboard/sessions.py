"""Dashboard sessions and the limit on failed sign-ins, kept in the app's memory.

A session is named by a random token in an HttpOnly cookie; only the token's
SHA-256 is kept here. Sessions live in this process alone: restarting the app
signs everyone out, which is safe. Each request still reads the user from the
store, so a user disabled by ``covoice user disable`` (another process) is
signed out at their next request.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class DashboardSession:
    user_id: int
    # Changes with the password, so a new password ends the sessions opened with the old one.
    password_mark: str
    csrf: str
    started: float
    seen: float
    # While an admin has asked to see real names: until when (the sessions' clock), and why.
    names_until: float = 0.0
    names_reason: str = ""


@dataclass
class DashboardSessions:
    """Sessions that end after ``idle_seconds`` unused or ``lifetime_seconds`` in all."""

    idle_seconds: float = 30 * 60
    lifetime_seconds: float = 10 * 60 * 60
    clock: Callable[[], float] = time.monotonic
    _open: dict[str, DashboardSession] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, user_id: int, password_hash: str) -> str:
        """Open a session and return its token, the cookie's value."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        session = DashboardSession(
            user_id, _digest(password_hash), secrets.token_urlsafe(32), now, now
        )
        with self._lock:
            self._sweep(now)
            self._open[_digest(token)] = session
        return token

    def find(self, token: str | None) -> DashboardSession | None:
        """The open session for a cookie's token, marked as used; None if none or expired."""
        if not token:
            return None
        now = self.clock()
        with self._lock:
            session = self._open.get(_digest(token))
            if session is None:
                return None
            if now - session.seen > self.idle_seconds or now - session.started > (
                self.lifetime_seconds
            ):
                del self._open[_digest(token)]
                return None
            session.seen = now
            return session

    def still_valid_for(self, session: DashboardSession, password_hash: str) -> bool:
        return secrets.compare_digest(session.password_mark, _digest(password_hash))

    def show_names(self, session: DashboardSession, reason: str, seconds: float) -> None:
        """Show real names in this session for ``seconds``, for the reason given."""
        with self._lock:
            session.names_until = self.clock() + seconds
            session.names_reason = reason

    def hide_names(self, session: DashboardSession) -> None:
        with self._lock:
            session.names_until = 0.0
            session.names_reason = ""

    def names_reason(self, session: DashboardSession) -> str | None:
        """Why real names are shown in this session, or None once they are not (or expired)."""
        with self._lock:
            if session.names_reason and self.clock() < session.names_until:
                return session.names_reason
            return None

    def names_left(self, session: DashboardSession) -> float:
        """Seconds until real names are hidden again (0 when they are not shown)."""
        with self._lock:
            return max(0.0, session.names_until - self.clock())

    def end(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._open.pop(_digest(token), None)

    def _sweep(self, now: float) -> None:
        for key, session in list(self._open.items()):
            if now - session.seen > self.idle_seconds:
                del self._open[key]


@dataclass
class LoginThrottle:
    """At most ``attempts`` failed sign-ins per username and per client address per window."""

    attempts: int = 5
    window_seconds: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, username: str, address: str) -> bool:
        now = self.clock()
        with self._lock:
            return any(
                len(self._recent(key, now)) >= self.attempts for key in _keys(username, address)
            )

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key in _keys(username, address):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.strip().lower()}", None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window_seconds:
            times.popleft()
        return times


def _keys(username: str, address: str) -> tuple[str, str]:
    return f"user:{username.strip().lower()}", f"address:{address}"

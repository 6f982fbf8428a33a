"""Who is calling: a program with a dashboard token, or a person signed in to the dashboard.

A token (``Authorization: Bearer <token>``, made with ``covoice user token
add``) acts as its user; a person's browser sends the dashboard's session
cookie, read by the same ``Dashboard`` the pages use. Either way the user is
read from the store at every request, so a disabled user is refused at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from bot.dashboard.access import SESSION_COOKIE, Dashboard
from bot.dashboard.layout import Viewer
from bot.dashboard_api.errors import ApiError
from governance.dashboard_tokens import token_holder

CSRF_HEADER = "X-CSRF-Token"
# A session cookie is sent by the browser on its own; anything but a read must
# also carry the session's CSRF token, which only the dashboard's pages hold.
READS = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer = HTTPBearer(
    auto_error=False,
    description="A dashboard token, made with `covoice user token add USERNAME --label ...`",
)
_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="The dashboard's session cookie, set when a person signs in at /dashboard/login",
)


@dataclass(frozen=True)
class Caller:
    viewer: Viewer
    # How they came, for the audit log: "token <prefix>" or "session".
    via: str

    def require(self, roles: Collection[str], what: str) -> None:
        """Refuse with 403 unless the caller has one of these roles."""
        if self.viewer.role not in roles:
            raise ApiError(
                403,
                "forbidden",
                f"Your role ({self.viewer.role}) cannot {what}. Ask a CoVoice administrator "
                "if you need to.",
            )


def caller_of(dashboard: Dashboard) -> Callable[..., Caller]:
    """The dependency that names the caller, or refuses with 401."""

    def caller(
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        session: Annotated[str | None, Depends(_cookie)],
    ) -> Caller:
        # A plain function: FastAPI runs it in a worker thread, off the event loop.
        if bearer is not None:
            return _by_token(dashboard, request, bearer.credentials)
        signed = dashboard.signed_in(request) if session else None
        if signed is None:
            raise unauthorized()
        if request.method not in READS and not secrets.compare_digest(
            signed.csrf, request.headers.get(CSRF_HEADER, "")
        ):
            raise ApiError(
                403,
                "forbidden",
                f"A change made with a dashboard session needs the session's {CSRF_HEADER} "
                "header. Nothing was changed; programs should use a token instead.",
            )
        return Caller(signed.viewer, "session")

    return caller


def _by_token(dashboard: Dashboard, request: Request, raw: str) -> Caller:
    with dashboard.store(request)() as uow:
        holder = token_holder(uow, raw)
        if holder is None:
            raise unauthorized()
        user = holder.user
        services = tuple(user.services) if user.role.value == "manager" else None
        viewer = Viewer(user.id, user.username, user.role.value, services)
        uow.commit()
    return Caller(viewer, f"token {holder.prefix}")


def unauthorized() -> ApiError:
    return ApiError(
        401,
        "unauthorized",
        "Send a dashboard token as 'Authorization: Bearer <token>', or sign in to the "
        "dashboard first. A CoVoice administrator makes tokens with "
        "'covoice user token add'.",
        headers={"WWW-Authenticate": "Bearer"},
    )

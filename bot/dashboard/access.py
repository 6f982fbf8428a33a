"""What every dashboard page shares: who is signed in, the store, and the page headers.

Each page's router takes one ``Dashboard`` and asks it, at every request, who
is signed in (the user is read from the store each time, so a disabled user's
session ends at once) and for the store's unit of work.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.dashboard.layout import Viewer, message_page
from bot.dashboard.sessions import DashboardSession, DashboardSessions, LoginThrottle
from covoice.settings import Settings
from covoice.taxonomy import Taxonomy, load_taxonomy
from governance.dashboard_users import active_user
from governance.demo_data import holds_demo_data
from storage.unit_of_work import UnitOfWorkFactory

SESSION_COOKIE = "covoice_dashboard"
# The pages under /dashboard and the JSON API under /api/v1 both read the session.
SESSION_PATH = "/"
# Nothing but the app's own style sheet: no script at all, forms post only here.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@dataclass
class Signed:
    viewer: Viewer
    session: DashboardSession

    @property
    def csrf(self) -> str:
        return self.session.csrf

    def form_is_genuine(self, form: dict[str, str]) -> bool:
        """Whether a posted form carries this session's CSRF token."""
        return secrets.compare_digest(self.session.csrf, form.get("csrf", ""))


@dataclass
class Dashboard:
    settings: Settings
    sessions: DashboardSessions
    throttle: LoginThrottle
    # Whether cookies are sent only over https (see routes.secure_cookies).
    secure: bool
    _taxonomy: Taxonomy | None = None

    @property
    def taxonomy(self) -> Taxonomy:
        if self._taxonomy is None:
            self._taxonomy = load_taxonomy(self.settings.taxonomy_path)
        return self._taxonomy

    @staticmethod
    def store(request: Request) -> UnitOfWorkFactory:
        factory: UnitOfWorkFactory = request.app.state.parts.store
        return factory

    def signed_in(self, request: Request) -> Signed | None:
        """The session's user, read from the store each time; None ends the session."""
        token = request.cookies.get(SESSION_COOKIE)
        session = self.sessions.find(token)
        if session is None:
            return None
        with self.store(request)() as uow:
            user = active_user(uow, session.user_id)
            if user is None or not self.sessions.still_valid_for(session, user.password_hash):
                self.sessions.end(token)
                return None
            services = None if user.role.value != "manager" else tuple(user.services)
            viewer = Viewer(user.id, user.username, user.role.value, services, holds_demo_data(uow))
            return Signed(viewer, session)


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status, headers=PAGE_HEADERS)


def to_login() -> RedirectResponse:
    response = RedirectResponse("/dashboard/login", 303, headers=PAGE_HEADERS)
    response.delete_cookie(SESSION_COOKIE, path=SESSION_PATH)
    return response


def refused(signed: Signed, title: str, message: str, status: int) -> HTMLResponse:
    """A page that says, in plain words, why the request was not done."""
    return html(message_page(title, message, signed.viewer, signed.csrf), status)


def not_for_role(signed: Signed, what: str) -> HTMLResponse:
    return refused(
        signed,
        "Not for your role",
        f"Your role ({signed.viewer.role}) cannot {what}. Ask a CoVoice administrator "
        "if you need to.",
        403,
    )


def form_expired(signed: Signed) -> HTMLResponse:
    return refused(
        signed,
        "That form had expired",
        "Nothing was changed. Please go back, reload the page and try again.",
        403,
    )


def actor(viewer: Viewer) -> str:
    """How the audit log and stored changes name a dashboard user."""
    return actor_name(viewer.username)


def actor_name(username: str) -> str:
    return f"dashboard:{username}"


async def read_form(request: Request, max_fields: int = 40) -> dict[str, str]:
    """A url-encoded form's fields, first value each; anything else is an empty form."""
    return {key: values[0] for key, values in (await read_form_lists(request, max_fields)).items()}


async def read_form_lists(request: Request, max_fields: int = 40) -> dict[str, list[str]]:
    """A url-encoded form's fields with every value (for check boxes)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        return parse_qs(body, max_num_fields=max_fields)
    except ValueError:  # more fields than any of our forms has
        return {}

"""The dashboard's routes: sign in and out, and the responses page.

Cookies: the session cookie is HttpOnly and SameSite=Strict, and Secure unless
the app's own address (COVOICE_PUBLIC_URL, else http://127.0.0.1:<port>) is
plain http on this computer; an app reached by another name over plain http
sets a Secure cookie its browser will not send back, so sign-in needs https
there. Every form carries a CSRF token: the session's once signed in, and a
double-submit cookie on the sign-in form itself.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from bot.dashboard.access import (
    PAGE_HEADERS,
    SESSION_COOKIE,
    SESSION_PATH,
    Dashboard,
    actor,
    actor_name,
    html,
    not_for_role,
    read_form,
    to_login,
)
from bot.dashboard.actions import actions_router
from bot.dashboard.alerts import alerts_router
from bot.dashboard.incidents import incidents_router
from bot.dashboard.layout import message_page
from bot.dashboard.pages import AuditLine, audit_page, login_page, responses_page
from bot.dashboard.response_filter import filter_choices, parse_filter, raw_filter
from bot.dashboard.response_reading import read_responses
from bot.dashboard.reveal import here, names_panel, names_reason, reveal_router
from bot.dashboard.sessions import DashboardSessions, LoginThrottle
from bot.dashboard.theme_corrections import can_correct, theme_corrections_router
from bot.dashboard.themes import themes_router
from bot.dashboard.updates_owed import updates_owed_router
from covoice.settings import Settings
from governance import audit
from governance.dashboard_users import check_login
from governance.errors import GovernanceError
from governance.exports import audit_jsonl
from governance.service_days import stored_utc
from storage.models import AuditEntry
from storage.unit_of_work import UnitOfWorkFactory

WEB_DIR = Path(__file__).resolve().parent.parent / "dashboard_web"
LOGIN_CSRF_COOKIE = "covoice_dashboard_login"
MAX_ROWS = 500
AUDIT_ROWS = 200
TRY_LATER = (
    "There have been too many sign-in attempts. Please wait 15 minutes and try again, "
    "or ask a CoVoice administrator to help."
)
WRONG = (
    "That username and password do not match an active account. Please check them and try again."
)


def secure_cookies(settings: Settings) -> bool:
    """Secure cookies unless the app is reached over plain http on this computer."""
    address = urlsplit(settings.app_url)
    return not (address.scheme == "http" and address.hostname in ("127.0.0.1", "localhost", "::1"))


def open_dashboard(settings: Settings) -> Dashboard:
    """What the pages and the JSON API share: one session store, one sign-in throttle."""
    return Dashboard(
        settings, DashboardSessions(), LoginThrottle(), secure=secure_cookies(settings)
    )


def dashboard_router(settings: Settings, parts: Dashboard | None = None) -> APIRouter:
    """The dashboard's pages; the store is the app's."""
    parts = parts or open_dashboard(settings)
    router = APIRouter(prefix="/dashboard", include_in_schema=False)
    store, signed_in = parts.store, parts.signed_in
    router.include_router(reveal_router(parts))
    router.include_router(themes_router(parts))
    router.include_router(theme_corrections_router(parts))
    router.include_router(alerts_router(parts))
    router.include_router(incidents_router(parts))
    router.include_router(updates_owed_router(parts))
    router.include_router(actions_router(parts))

    @router.get("")
    @router.get("/")
    def home() -> RedirectResponse:
        """Send people to the responses page (or, signed out, on to sign in)."""
        return RedirectResponse("/dashboard/responses", 303, headers=PAGE_HEADERS)

    @router.get("/dashboard.css")
    def style() -> FileResponse:
        return FileResponse(
            WEB_DIR / "dashboard.css", headers={**PAGE_HEADERS, "Cache-Control": "max-age=3600"}
        )

    @router.get("/login")
    def login_form(request: Request) -> Response:
        """Show the sign-in form, with a fresh CSRF token in the form and a cookie."""
        if signed_in(request) is not None:
            return RedirectResponse("/dashboard/responses", 303, headers=PAGE_HEADERS)
        return _with_login_token(parts.secure, "")

    @router.post("/login")
    async def login(request: Request) -> Response:
        """Check the CSRF token, the rate limit, then the password; open a session."""
        form = await read_form(request)
        username = form.get("username", "")[:64]
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not cookie or not secrets.compare_digest(cookie, form.get("csrf", "")):
            return _with_login_token(
                parts.secure,
                "This form had expired. Please sign in again.",
                username,
                status=403,
            )
        address = request.client.host if request.client else "unknown"
        if parts.throttle.blocked(username, address):
            return _with_login_token(parts.secure, TRY_LATER, username, status=429)
        found = await asyncio.to_thread(
            _check, store(request), username, form.get("password", ""), address
        )
        if found is None:
            parts.throttle.failed(username, address)
            return _with_login_token(parts.secure, WRONG, username, status=401)
        parts.throttle.succeeded(username)
        response = RedirectResponse("/dashboard/responses", 303, headers=PAGE_HEADERS)
        response.set_cookie(
            SESSION_COOKIE,
            parts.sessions.start(*found),
            path=SESSION_PATH,
            httponly=True,
            samesite="strict",
            secure=parts.secure,
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/dashboard/login")
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        """End the session; a form without the session's CSRF token is refused."""
        form = await read_form(request)
        signed = await asyncio.to_thread(signed_in, request)
        if signed is None:
            return to_login()
        if not signed.form_is_genuine(form):
            return html(
                message_page(
                    "Not signed out",
                    "That form had expired, so you are still signed in. Please use the "
                    "Sign out button again.",
                    signed.viewer,
                    signed.session.csrf,
                ),
                403,
            )
        token = request.cookies.get(SESSION_COOKIE)
        parts.sessions.end(token)
        with store(request)() as uow:
            audit.record(uow, actor(signed.viewer), "dashboard.logout", {})
            uow.commit()
        return to_login()

    @router.get("/responses")
    def responses(request: Request) -> Response:
        """Show the stored answers that match the filter in the query string."""
        signed = signed_in(request)
        if signed is None:
            return to_login()
        viewer, csrf = signed.viewer, signed.session.csrf
        raw = raw_filter(request.query_params)
        with store(request)() as uow:
            choices = filter_choices(uow, parts.taxonomy, viewer)
            if raw["service"] and not choices.may_see_service(raw["service"]):
                # The same answer whether the service is someone else's or does not exist.
                audit.record(
                    uow, actor(viewer), "dashboard.responses.refused", {"service": raw["service"]}
                )
                uow.commit()
                return html(
                    message_page(
                        "No such service",
                        f"There is no service '{raw['service']}' that you can see. Choose one "
                        "from the list on the responses page.",
                        viewer,
                        csrf,
                    ),
                    404,
                )
            shown, problems = parse_filter(raw, choices)
            if shown is None:
                return html(responses_page(viewer, csrf, raw, choices, problems), 400)
            try:
                read = read_responses(
                    uow,
                    parts.settings,
                    viewer,
                    shown,
                    MAX_ROWS,
                    "dashboard.responses.view",
                    reason=names_reason(parts, signed),
                )
            except GovernanceError as error:
                return html(message_page("Cannot show responses", str(error), viewer, csrf), 503)
            uow.commit()
        return html(
            responses_page(
                viewer,
                csrf,
                raw,
                choices,
                (),
                read.rows,
                read.person,
                read.show_words,
                read.more,
                shown,
                names_panel(parts, signed, here(request)),
                can_correct(viewer),
            )
        )

    @router.get("/audit")
    def audit_log(request: Request) -> Response:
        """Show admins the newest entries of the audit log; others are refused."""
        signed = signed_in(request)
        if signed is None:
            return to_login()
        viewer, csrf = signed.viewer, signed.session.csrf
        if viewer.role != "admin":
            return not_for_role(signed, "read the audit log")
        with store(request)() as uow:
            entries = uow.session.scalars(
                select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_ROWS)
            )
            lines = [
                AuditLine(stored_utc(e.at), e.actor, e.action, e.reason, dict(e.detail))
                for e in entries
            ]
            audit.record(uow, actor(viewer), "dashboard.audit.view", {"rows": len(lines)})
            uow.commit()
        return html(audit_page(viewer, csrf, lines, AUDIT_ROWS))

    @router.get("/audit.jsonl")
    def audit_export(request: Request) -> Response:
        """The whole audit log for an admin to keep or inspect; the export is audited first."""
        signed = signed_in(request)
        if signed is None:
            return to_login()
        if signed.viewer.role != "admin":
            return not_for_role(signed, "export the audit log")
        with store(request)() as uow:
            audit.record(uow, actor(signed.viewer), "dashboard.audit.export", {})
            uow.commit()
            body = audit_jsonl(uow.audit.list_all())
        return Response(
            body,
            media_type="application/jsonl",
            headers={
                **PAGE_HEADERS,
                "Content-Disposition": 'attachment; filename="covoice-audit-log.jsonl"',
            },
        )

    return router


def _check(
    factory: UnitOfWorkFactory, username: str, password: str, address: str
) -> tuple[int, str] | None:
    with factory() as uow:
        user = check_login(uow, username, password)
        if user is None:
            audit.record(
                uow, "dashboard", "dashboard.login.refused", {"username": username, "from": address}
            )
            uow.commit()
            return None
        audit.record(uow, actor_name(user.username), "dashboard.login", {"from": address})
        uow.commit()
        return user.id, user.password_hash


def _with_login_token(
    secure: bool, message: str, username: str = "", status: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    response = HTMLResponse(login_page(token, message, username), status, headers=PAGE_HEADERS)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path="/dashboard/login",
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    return response

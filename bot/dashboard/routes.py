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
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from bot.dashboard.access import (
    PAGE_HEADERS,
    SESSION_COOKIE,
    Dashboard,
    Signed,
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
from bot.dashboard.layout import Viewer, message_page
from bot.dashboard.pages import (
    AuditLine,
    FilterChoices,
    ResponseFilter,
    audit_page,
    login_page,
    responses_page,
)
from bot.dashboard.people import people_shown
from bot.dashboard.reveal import here, names_panel, names_reason, reveal_router
from bot.dashboard.sessions import DashboardSessions, LoginThrottle
from bot.dashboard.theme_corrections import can_correct, theme_corrections_router
from bot.dashboard.themes import themes_router
from bot.dashboard.updates_owed import updates_owed_router
from covoice.settings import Settings
from covoice.taxonomy import Taxonomy
from governance import audit
from governance.dashboard_users import check_login
from governance.errors import GovernanceError
from governance.queries import responses_between
from governance.service_days import stored_utc
from storage.models import AuditEntry, Service
from storage.models import Response as StoredResponse
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

WEB_DIR = Path(__file__).resolve().parent.parent / "dashboard_web"
LOGIN_CSRF_COOKIE = "covoice_dashboard_login"
MAX_ROWS = 500
FILTER_KEYS = ("service", "theme", "role", "channel", "question_set", "answer", "from", "to")
AUDIT_ROWS = 200
DEFAULT_DAYS = 30
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


def dashboard_router(settings: Settings) -> APIRouter:
    """The dashboard's pages; the store is the app's."""
    parts = Dashboard(
        settings, DashboardSessions(), LoginThrottle(), secure=secure_cookies(settings)
    )
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
            path="/dashboard",
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
        raw = {key: request.query_params.get(key, "").strip()[:64] for key in FILTER_KEYS}
        with store(request)() as uow:
            choices = _choices(uow, parts.taxonomy, viewer)
            visible = {service for service, _ in choices.services}
            if raw["service"] and raw["service"] not in visible:
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
            shown, problems = _parse(raw, choices)
            if shown is None:
                return html(responses_page(viewer, csrf, raw, choices, problems), 400)
            try:
                page = _responses(uow, parts, signed, raw, choices, shown, here(request))
            except GovernanceError as error:
                return html(message_page("Cannot show responses", str(error), viewer, csrf), 503)
            uow.commit()
        return html(page)

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

    return router


def _responses(
    uow: UnitOfWork,
    parts: Dashboard,
    signed: Signed,
    raw: dict[str, str],
    choices: FilterChoices,
    shown: ResponseFilter,
    here: str,
) -> str:
    viewer, csrf = signed.viewer, signed.csrf
    rows = responses_between(
        uow.session,
        shown.first,
        shown.last,
        shown.service or None,
        shown.theme or None,
        services=viewer.services,
        respondent_role=shown.role or None,
        channel=shown.channel or None,
        question_set_id=shown.question_set or None,
        answer_value=shown.answer or None,
        newest_first=True,
        limit=MAX_ROWS + 1,
    )
    more, rows = len(rows) > MAX_ROWS, rows[:MAX_ROWS]
    # Pseudonyms, unless an admin has turned real names on with a reason.
    show_words = viewer.role != "viewer"
    people = people_shown(
        uow,
        parts.settings,
        signed,
        names_reason(parts, signed),
        [(row.service_id, row.person_ref) for row in rows],
    )
    person = {
        (row.service_id, row.person_ref): people.label(row.service_id, row.person_ref)
        for row in rows
    }
    people.record(
        uow,
        signed,
        "dashboard.responses.view",
        shown.as_detail() | {"rows": len(rows), "words": show_words},
    )
    return responses_page(
        viewer,
        csrf,
        raw,
        choices,
        (),
        rows,
        person,
        show_words,
        more,
        shown,
        names_panel(parts, signed, here),
        can_correct(viewer),
    )


def _choices(uow: UnitOfWork, taxonomy: Taxonomy, viewer: Viewer) -> FilterChoices:
    query = select(Service.id, Service.name).order_by(Service.name, Service.id)
    if viewer.services is not None:
        query = query.where(Service.id.in_(viewer.services))
    services = [(service_id, name) for service_id, name in uow.session.execute(query)]
    themes = sorted(((t.id, t.label) for t in taxonomy.themes.values()), key=lambda t: t[1])
    return FilterChoices(
        services,
        themes,
        taxonomy.respondent_roles,
        _stored(uow, StoredResponse.channel),
        _stored(uow, StoredResponse.question_set_id),
        _stored(uow, StoredResponse.answer_value),
    )


def _stored(uow: UnitOfWork, column: InstrumentedAttribute[Any]) -> list[str]:
    """The values a column holds, for a filter's choices.

    Read as a loose index scan: the least value, then the least one above it, and
    so on, one step down the column's index per value. SELECT DISTINCT would read
    every answer, on every page view (see docs/dashboard-benchmark.md).
    """
    found = select(func.min(column).label("value")).cte("found", recursive=True)
    following = select(func.min(column)).where(column > found.c.value).scalar_subquery()
    found = found.union_all(select(following).where(found.c.value.is_not(None)))
    return sorted(value for value in uow.session.scalars(select(found.c.value)) if value)


def _parse(raw: dict[str, str], choices: FilterChoices) -> tuple[ResponseFilter | None, list[str]]:
    """The filter from the query string, or every problem with it in plain words."""
    problems = []
    if raw["theme"] and raw["theme"] not in {theme for theme, _ in choices.themes}:
        problems.append(f"There is no theme '{raw['theme']}'. Choose one from the list.")
    if raw["role"] and raw["role"] not in choices.roles:
        problems.append(
            f"'{raw['role']}' is not a way of answering. Use one of: {', '.join(choices.roles)}."
        )
    if raw["channel"] and raw["channel"] not in choices.channels:
        problems.append(
            f"No responses came by a channel called '{raw['channel']}'. Choose one from the list."
        )
    if raw["question_set"] and raw["question_set"] not in choices.question_sets:
        problems.append(
            f"No responses answer a question set called '{raw['question_set']}'. "
            "Choose one from the list."
        )
    if raw["answer"] and raw["answer"] not in choices.answers:
        problems.append(f"No response has the answer '{raw['answer']}'. Choose one from the list.")
    today = date.today()
    last = _day(raw["to"], "To", problems) or today
    first = _day(raw["from"], "From", problems) or last - timedelta(days=DEFAULT_DAYS)
    if first > last:
        problems.append("The 'From' day is after the 'To' day. Please give the earlier day first.")
    if problems:
        return None, problems
    return ResponseFilter(
        raw["service"],
        raw["theme"],
        raw["role"],
        raw["channel"],
        raw["question_set"],
        raw["answer"],
        first,
        last,
    ), []


def _day(value: str, label: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"'{label}' must be a day written YYYY-MM-DD, e.g. 2026-11-23.")
        return None


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

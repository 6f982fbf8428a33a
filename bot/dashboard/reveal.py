"""Revealing real names: admins only, for 15 minutes of one session, with a reason kept.

The reason is written to the audit log when names are turned on, and again
with every page viewed while they are on (see ``bot.dashboard.people``).
Managers and viewers cannot turn them on.
"""

from __future__ import annotations

import asyncio
import re
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard.access import (
    PAGE_HEADERS,
    Dashboard,
    Signed,
    actor,
    form_expired,
    html,
    not_for_role,
    read_form,
    to_login,
)
from bot.dashboard.layout import csrf_field, page, problems_box
from governance import audit

REVEAL_MINUTES = 15
MIN_WORDS = 3
MAX_REASON = 500
# Only a dashboard page is a place to go back to, never another site.
BACK = re.compile(r"/dashboard/[A-Za-z0-9/_.?=&%+-]*")
DEFAULT_BACK = "/dashboard/responses"


def names_reason(dashboard: Dashboard, signed: Signed) -> str | None:
    """Why real names are on for this admin's session, or None: pseudonyms."""
    if signed.viewer.role != "admin":
        return None
    return dashboard.sessions.names_reason(signed.session)


def names_panel(dashboard: Dashboard, signed: Signed, back: str) -> str:
    """For admins: the form that shows real names, or the button that hides them."""
    if signed.viewer.role != "admin":
        return ""
    reason = names_reason(dashboard, signed)
    heading = '<section aria-labelledby="names-heading" class="names">'
    heading += '<h2 id="names-heading">Real names</h2>'
    if reason is not None:
        minutes = max(1, round(dashboard.sessions.names_left(signed.session) / 60))
        return (
            f"{heading}<p>Real names are shown for about {minutes} more minute"
            f"{'s' if minutes != 1 else ''}, because: {escape(reason)}</p>"
            '<form method="post" action="/dashboard/reveal/end">'
            f'{csrf_field(signed.csrf)}<input type="hidden" name="back" value="{escape(back)}">'
            '<button type="submit">Hide names</button></form></section>'
        )
    return f"{heading}{_reveal_form(signed, back)}</section>"


def _reveal_form(signed: Signed, back: str, reason: str = "", problem: bool = False) -> str:
    described = "reason-hint problems" if problem else "reason-hint"
    return (
        "<p>People are shown by pseudonym. You can see their references and first names "
        f"for {REVEAL_MINUTES} minutes; say why, and your reason is kept in the audit log.</p>"
        '<form method="post" action="/dashboard/reveal">'
        f'{csrf_field(signed.csrf)}<input type="hidden" name="back" value="{escape(back)}">'
        '<p><label for="reason">Why you need to see real names</label>'
        f'<textarea id="reason" name="reason" rows="2" cols="50" required '
        f'maxlength="{MAX_REASON}" aria-describedby="{described}">{escape(reason)}</textarea></p>'
        f'<p id="reason-hint">At least {MIN_WORDS} words, for example: '
        '"safeguarding referral for alert 12".</p>'
        '<p><button type="submit">Show real names</button></p></form>'
    )


def reason_problem(reason: str) -> str | None:
    """What is wrong with a reason to see real names, in plain words, or None."""
    if len(reason.split()) < MIN_WORDS:
        return (
            f"Say why you need to see real names, in at least {MIN_WORDS} words. Nothing was shown."
        )
    if len(reason) > MAX_REASON:
        return f"Keep the reason to {MAX_REASON} characters. Nothing was shown."
    return None


def here(request: Request) -> str:
    """A page's own address, for a form that comes back to it."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def safe_back(back: str) -> str:
    return back if BACK.fullmatch(back) and "//" not in back else DEFAULT_BACK


def reveal_router(dashboard: Dashboard) -> APIRouter:
    """The routes that turn real names on and off for an admin's session."""
    router = APIRouter()

    @router.post("/reveal")
    async def reveal(request: Request) -> Response:
        """Show real names for a while, for an admin who gives a reason."""
        form = await read_form(request)
        signed = await asyncio.to_thread(dashboard.signed_in, request)
        if signed is None:
            return to_login()
        if signed.viewer.role != "admin":
            return not_for_role(signed, "see real names")
        if not signed.form_is_genuine(form):
            return form_expired(signed)
        back = safe_back(form.get("back", ""))
        reason = " ".join(form.get("reason", "").split())
        problem = reason_problem(reason)
        if problem is not None:
            main = (
                "<h1>Show real names</h1>"
                + problems_box([problem], "Real names are not shown:")
                + _reveal_form(signed, back, reason[:MAX_REASON], problem=True)
                + f'<p><a href="{escape(back)}">Go back without real names</a></p>'
            )
            return html(page("Show real names", main, signed.viewer, signed.csrf), 400)
        with dashboard.store(request)() as uow:
            audit.record_reveal(
                uow,
                actor(signed.viewer),
                "dashboard.names.shown",
                reason,
                {"minutes": REVEAL_MINUTES, "page": back},
            )
            uow.commit()
        dashboard.sessions.show_names(signed.session, reason, REVEAL_MINUTES * 60)
        return RedirectResponse(back, 303, headers=PAGE_HEADERS)

    @router.post("/reveal/end")
    async def hide(request: Request) -> Response:
        """Go back to pseudonyms at once."""
        form = await read_form(request)
        signed = await asyncio.to_thread(dashboard.signed_in, request)
        if signed is None:
            return to_login()
        if signed.viewer.role != "admin":
            return not_for_role(signed, "see real names")
        if not signed.form_is_genuine(form):
            return form_expired(signed)
        dashboard.sessions.hide_names(signed.session)
        with dashboard.store(request)() as uow:
            audit.record(uow, actor(signed.viewer), "dashboard.names.hidden", {})
            uow.commit()
        return RedirectResponse(safe_back(form.get("back", "")), 303, headers=PAGE_HEADERS)

    return router

"""The action log's pages: record a decision and its action, move it on, and review it.

A review asks people again through the bot; its page compares the answers on
the action's theme before and after, with the counts behind every share.
Admins and managers (of the action's service) record and change; viewers read,
without anyone's words.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from bot.dashboard.access import (
    PAGE_HEADERS,
    Dashboard,
    Signed,
    actor,
    form_expired,
    html,
    not_for_role,
    read_form,
    read_form_lists,
    refused,
    to_login,
)
from bot.dashboard.action_pages import action_page, form_page, log_page
from bot.dashboard.layout import (
    Viewer,
    page,
)
from bot.dashboard.scope import can_see, not_found, row_id, service_choices
from bot.sending import QuietHours
from checkin.question_sets import is_theme_set
from covoice.settings import Settings
from governance import audit
from governance.actions import (
    ActionDraft,
    ActionError,
    actions_for,
    record_action,
    set_status,
)
from governance.reviews import ReviewRequest, schedule_review
from storage.models import Action, ActionStatus, ReviewAudience, Service, utcnow
from storage.unit_of_work import UnitOfWork

MAX_LINKED = 200


def actions_router(dashboard: Dashboard) -> APIRouter:
    router = APIRouter()

    def no_such_action(uow: UnitOfWork, signed: Signed, asked: str) -> Response:
        return not_found(uow, signed, "action", asked, "Choose one from the action log.")

    @router.get("/actions")
    def action_log(request: Request) -> Response:
        """Every action the viewer may see, soonest due first; overdue ones say so."""
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        status = request.query_params.get("status", "")[:16]
        problem = status_problem(status)
        if problem is not None:
            return refused(signed, "Cannot show the action log", problem, 400)
        with dashboard.store(request)() as uow:
            actions = actions_for(uow, signed.viewer.services, status or None)
            names = _service_names(uow)
            audit.record(
                uow,
                actor(signed.viewer),
                "dashboard.actions.view",
                {"status": status or None, "rows": len(actions)},
            )
            uow.commit()
            body = log_page(actions, names, dashboard.taxonomy, signed.viewer, status)
        return html(page("Action log", body, signed.viewer, signed.csrf))

    @router.get("/actions/new")
    def new_action(request: Request) -> Response:
        """The form for a new action, from a theme or from chosen answers."""
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        if signed.viewer.role == "viewer":
            return not_for_role(signed, "record actions")
        fields = {
            "service": request.query_params.get("service", "")[:64],
            "theme": request.query_params.get("theme", "")[:64],
        }
        linked = _ids(request.query_params.getlist("response"))
        with dashboard.store(request)() as uow:
            services = service_choices(uow, signed.viewer)
        return html(form_page(signed, services, dashboard.taxonomy, fields, linked, []))

    @router.post("/actions/new")
    async def create_action(request: Request) -> Response:
        lists = await read_form_lists(request, max_fields=20 + MAX_LINKED)
        # The store's work runs off the event loop, which the kiosk and Telegram share.
        return await asyncio.to_thread(record_from_form, request, lists)

    def record_from_form(request: Request, lists: dict[str, list[str]]) -> Response:
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        if signed.viewer.role == "viewer":
            return not_for_role(signed, "record actions")
        form = {key: values[0] for key, values in lists.items()}
        if not signed.form_is_genuine(form):
            return form_expired(signed)
        linked = _ids(lists.get("response", []))
        with dashboard.store(request)() as uow:
            services = service_choices(uow, signed.viewer)
            problems = []
            if form.get("service", "") not in {service for service, _ in services}:
                problems.append("Please choose one of your services.")
            due = _day(form.get("due", ""))
            if due is None:
                problems.append("Please give the due day as a date, e.g. 2026-12-31.")
            if not problems and due is not None:
                draft = ActionDraft(
                    form["service"],
                    form.get("theme", ""),
                    form.get("title", ""),
                    form.get("decision", ""),
                    form.get("risks", ""),
                    form.get("change", ""),
                    form.get("owner", ""),
                    due,
                    tuple(linked),
                )
                try:
                    action = record_action(
                        uow, actor(signed.viewer), draft, dashboard.taxonomy.themes
                    )
                except ActionError as error:
                    problems.append(str(error))
                else:
                    uow.commit()
                    return RedirectResponse(
                        f"/dashboard/actions/{action.id}", 303, headers=PAGE_HEADERS
                    )
        body = form_page(signed, services, dashboard.taxonomy, form, linked, problems)
        return html(body, 400)

    @router.get("/actions/{action_id}")
    def show_action(action_id: str, request: Request) -> Response:
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        sets = _plain_sets(request, dashboard.settings)
        with dashboard.store(request)() as uow:
            action = visible_action(uow, signed.viewer, action_id)
            if action is None:
                return no_such_action(uow, signed, action_id)
            body = action_page(uow, action, dashboard.taxonomy, signed, sets, [])
            audit.record(
                uow,
                actor(signed.viewer),
                "dashboard.action.view",
                {"action": action.id, "words": signed.viewer.role != "viewer"},
            )
            uow.commit()
        return html(page(action.title, body, signed.viewer, signed.csrf))

    @router.post("/actions/{action_id}/status")
    async def change_status(action_id: str, request: Request) -> Response:
        form = await read_form(request)
        return await asyncio.to_thread(status_from_form, action_id, request, form)

    def status_from_form(action_id: str, request: Request, form: dict[str, str]) -> Response:
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        if signed.viewer.role == "viewer":
            return not_for_role(signed, "change actions")
        if not signed.form_is_genuine(form):
            return form_expired(signed)
        with dashboard.store(request)() as uow:
            action = visible_action(uow, signed.viewer, action_id)
            if action is None:
                return no_such_action(uow, signed, action_id)
            try:
                set_status(uow, actor(signed.viewer), action, form.get("status", ""))
            except ActionError as error:
                body = action_page(
                    uow,
                    action,
                    dashboard.taxonomy,
                    signed,
                    _plain_sets(request, dashboard.settings),
                    [str(error)],
                )
                return html(page(action.title, body, signed.viewer, signed.csrf), 400)
            uow.commit()
        return RedirectResponse(f"/dashboard/actions/{action_id}", 303, headers=PAGE_HEADERS)

    @router.post("/actions/{action_id}/reviews")
    async def add_review(action_id: str, request: Request) -> Response:
        """Schedule asking people again; the bot sends or the kiosk offers it when due."""
        form = await read_form(request)
        return await asyncio.to_thread(review_from_form, action_id, request, form)

    def review_from_form(action_id: str, request: Request, form: dict[str, str]) -> Response:
        signed = dashboard.signed_in(request)
        if signed is None:
            return to_login()
        if signed.viewer.role == "viewer":
            return not_for_role(signed, "schedule reviews")
        if not signed.form_is_genuine(form):
            return form_expired(signed)
        sets = _plain_sets(request, dashboard.settings)
        with dashboard.store(request)() as uow:
            action = visible_action(uow, signed.viewer, action_id)
            if action is None:
                return no_such_action(uow, signed, action_id)
            problems = []
            weeks = form.get("weeks", "").strip()
            audience = form.get("audience", "")
            if not (weeks.isascii() and weeks.isdigit()) or len(weeks) > 3:
                problems.append("Please give the number of weeks as a whole number, 0 to 52.")
            if audience not in ReviewAudience.__members__:
                problems.append("Please choose whom to ask.")
            if not problems:
                request_ = ReviewRequest(
                    form.get("question_set", ""),
                    form.get("theme_only") == "yes",
                    ReviewAudience(audience),
                    int(weeks),
                )
                try:
                    schedule_review(
                        uow,
                        actor(signed.viewer),
                        action,
                        request_,
                        request.app.state.parts.question_sets,
                        QuietHours.parse(dashboard.settings.quiet_hours),
                        utcnow(),
                    )
                except ActionError as error:
                    problems.append(str(error))
                else:
                    uow.commit()
                    return RedirectResponse(
                        f"/dashboard/actions/{action_id}#reviews", 303, headers=PAGE_HEADERS
                    )
            body = action_page(uow, action, dashboard.taxonomy, signed, sets, problems)
        return html(page(action.title, body, signed.viewer, signed.csrf), 400)

    return router


def visible_action(uow: UnitOfWork, viewer: Viewer, raw_id: str) -> Action | None:
    """The action, if it exists and the viewer may see its service."""
    number = row_id(raw_id)
    action = uow.session.get(Action, number) if number is not None else None
    if action is None or not can_see(viewer, action.service_id):
        return None
    return action


def status_problem(status: str) -> str | None:
    """What is wrong with the action log's status filter, in plain words, or None."""
    if status and status not in ActionStatus.__members__:
        return "That is not a status. Choose open, in progress, done or dropped."
    return None


def _ids(values: Sequence[str]) -> list[int]:
    """Answer ids from a form or query string; anything not a number is dropped."""
    return sorted({n for n in (row_id(v) for v in values[:MAX_LINKED]) if n is not None})


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _plain_sets(request: Request, settings: Settings) -> list[str]:
    """The sets a review may ask: from files, not their one-theme parts, and not the
    incident follow-ups, which are about an incident a review does not have."""
    follow_ups = {settings.incident_person_set, settings.incident_family_set}
    return sorted(
        s
        for s in request.app.state.parts.question_sets
        if not is_theme_set(s) and s not in follow_ups
    )


def _service_names(uow: UnitOfWork) -> dict[str, str]:
    return {
        service_id: name
        for service_id, name in uow.session.execute(select(Service.id, Service.name))
    }

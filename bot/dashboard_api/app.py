"""The JSON API's own application, mounted at /api/v1 with its own OpenAPI description.

Each concept's endpoints live in their own module as ``def x_routes(dashboard,
caller) -> APIRouter``; ``ROUTES`` below lists them. The dashboard's HTML pages
are not part of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.datastructures import State

from bot.dashboard.access import Dashboard
from bot.dashboard_api.actions import actions_routes
from bot.dashboard_api.alerts import alerts_routes
from bot.dashboard_api.audit_log import audit_routes
from bot.dashboard_api.auth import Caller, caller_of
from bot.dashboard_api.errors import answer_errors
from bot.dashboard_api.incidents import incidents_routes
from bot.dashboard_api.responses import responses_routes
from bot.dashboard_api.services import services_routes
from bot.dashboard_api.themes import themes_routes

PREFIX = "/api/v1"
DESCRIPTION = (
    "What the CoVoice dashboard shows, as JSON, with the same roles and the same audit "
    "log. Programs send a dashboard token as `Authorization: Bearer <token>` (made with "
    "`covoice user token add USERNAME --label ...`); people signed in to the dashboard "
    "use their session. Lists are read a page at a time: pass each page's `next_cursor` "
    "as `cursor` until it is null."
)

ROUTES: tuple[Callable[[Dashboard, Callable[..., Caller]], APIRouter], ...] = (
    services_routes,
    responses_routes,
    themes_routes,
    alerts_routes,
    incidents_routes,
    actions_routes,
    audit_routes,
)


def dashboard_api(dashboard: Dashboard, app_state: State) -> FastAPI:
    """The API, sharing the app's state (its store) and the pages' sign-in sessions.

    Args:
        dashboard: the pages' own ``Dashboard``: one session store for both.
        app_state: the app's state, where its parts (the store) are put at start-up.

    Returns:
        The application to mount at ``PREFIX``.
    """
    # No /docs page: it would load its script from a CDN.
    api = FastAPI(
        title="CoVoice dashboard API",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    # A mounted app gets no start-up of its own; it reads the store the app opened.
    api.state = app_state
    answer_errors(api)
    caller = caller_of(dashboard)
    for routes in ROUTES:
        api.include_router(routes(dashboard, caller))
    api.openapi = lambda: _description(api)  # type: ignore[method-assign]
    return api


def _description(api: FastAPI) -> dict[str, Any]:
    """The OpenAPI description, with the refusals the API really gives.

    A wrong parameter is answered 400 with the error body (errors.answer_errors),
    so FastAPI's own 422 entries are taken out.
    """
    if api.openapi_schema is None:
        schema = get_openapi(
            title=api.title,
            version=api.version,
            description=api.description,
            routes=api.routes,
            servers=api.servers,
        )
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        api.openapi_schema = schema
    return api.openapi_schema

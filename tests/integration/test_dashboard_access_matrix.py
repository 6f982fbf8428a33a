"""Every dashboard and API route, found from the app itself, against every kind of caller.

Nothing is listed by hand but the few public routes: a route added later is
checked here too. Ids in paths are filled with oak-house's rows, so a
manager of elm-lodge, and anyone signed out, must get nothing from them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from bot.app import create_app
from covoice.settings import Settings
from governance.actions import ActionDraft, record_action
from governance.dashboard_tokens import issue_token
from storage.unit_of_work import UnitOfWork
from tests.dashboard_rows import OAK_WORDS, csrf_in, seed_dashboard
from tests.integration.test_dashboard import settings, sign_in  # noqa: F401
from tests.safety_rows import OAK_ALERT_WORDS, OAK_SUMMARY, seed_safety

NOW = datetime.now(timezone.utc)
PUBLIC = {
    ("GET", "/dashboard"),
    ("GET", "/dashboard/"),
    ("GET", "/dashboard/login"),
    ("POST", "/dashboard/login"),
    ("GET", "/dashboard/dashboard.css"),
    ("GET", "/api/v1/openapi.json"),
}
# Words that only an admin or oak-house's manager may read.
OAK_ONLY = (OAK_WORDS, OAK_ALERT_WORDS, OAK_SUMMARY, "maria-oak")
# A path's id is named by the part before it: /alerts/{id} is an alert's.
ROW_KINDS = {"responses": "response", "alerts": "alert", "incidents": "incident"}
ROW_KINDS |= {"actions": "action", "updates-owed": "owed"}


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every dashboard and API route the app serves."""

    def walk(found: Iterable[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for route in found:
            if hasattr(route, "original_router"):  # a router included lazily
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif hasattr(route, "routes"):  # a mounted application
                yield from walk(route.routes, prefix + route.path)
            else:
                for method in sorted(getattr(route, "methods", None) or ()):
                    if method != "HEAD":
                        yield method, prefix + route.path

    return sorted(
        (method, path)
        for method, path in walk(app.routes, "")
        if path.startswith(("/dashboard", "/api/v1"))
    )


@pytest.fixture
def app_and_rows(
    settings: Settings,  # noqa: F811
    unit_of_work: Callable[[], UnitOfWork],
) -> Iterator[tuple[TestClient, dict[str, int], dict[str, str]]]:
    with unit_of_work() as uow:
        seed_dashboard(uow, NOW - timedelta(hours=1))
        ids = seed_safety(uow, NOW)
        [answer] = [
            r for r in uow.responses.for_conversation("conv-oak") if r.free_text == OAK_WORDS
        ]
        draft = ActionDraft(
            "oak-house",
            "food_drink",
            "Hot drinks served hot",
            "Serve tea in warmed pots because people said it is cold.",
            "",
            "Tea is made in the lounge, not carried from the kitchen.",
            "Cook",
            date.today(),
            (answer.id,),
        )
        action = record_action(uow, "test", draft, {"food_drink"})
        rows = {
            "response": answer.id,
            "alert": ids.oak_alert,
            "incident": ids.oak_incident,
            "action": action.id,
            "owed": ids.oak_overdue,
        }
        tokens = {
            name: issue_token(uow, "test", name, "matrix").raw
            for name in ("ada-admin", "mo-oak", "bea-elm", "vic-viewer")
        }
        uow.commit()
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client, rows, tokens


def filled(path: str, rows: dict[str, int]) -> str:
    """The path with each {id} replaced by the oak-house row of its kind."""

    def row(match: re.Match[str]) -> str:
        kind = ROW_KINDS[match.group(1)]
        return f"{match.group(1)}/{rows[kind]}"

    return re.sub(r"([a-z-]+)/\{[a-z_]+\}", row, path)


def ask(
    client: TestClient, method: str, path: str, form: dict[str, str], token: str = ""
) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "GET":
        return client.get(path, headers=headers)
    return client.post(path, data=form, headers=headers)


def form_for(client: TestClient) -> dict[str, str]:
    """A form with the signed-in session's CSRF token and plausible fields for every form."""
    csrf = csrf_in(client.get("/dashboard/responses").text)
    return {
        "csrf": csrf,
        "status": "done",
        "reason": "checking who can see what here",
        "themes": "safety",
        "lead": "me",
        "owed": "1",
        "question_set": "fixture_checkin",
        "audience": "service",
        "weeks": "1",
    }


def test_the_routes_found_include_every_page_and_the_api(
    app_and_rows: tuple[TestClient, dict[str, int], dict[str, str]],
) -> None:
    client, _, _ = app_and_rows
    found = routes(client.app)  # type: ignore[arg-type]
    paths = {path for _, path in found}
    for expected in (
        "/dashboard/responses",
        "/dashboard/themes",
        "/dashboard/alerts/{alert_id}",
        "/dashboard/actions/{action_id}/reviews",
        "/dashboard/audit.jsonl",
        "/api/v1/responses",
    ):
        assert expected in paths
    assert len(found) > 30


def test_signed_out_every_route_but_sign_in_sends_to_sign_in_or_answers_401(
    app_and_rows: tuple[TestClient, dict[str, int], dict[str, str]],
) -> None:
    client, rows, _ = app_and_rows
    for method, path in routes(client.app):  # type: ignore[arg-type]
        if (method, path) in PUBLIC:
            continue
        got = ask(client, method, filled(path, rows), {"csrf": "x"})
        where = (method, path, got.status_code)
        if path.startswith("/api/v1"):
            assert got.status_code == 401, where
        else:
            assert got.status_code == 303, where
            assert got.headers["location"] == "/dashboard/login", where
        assert not any(words in got.text for words in OAK_ONLY), where


def test_another_services_manager_gets_404_from_every_route_to_a_row_of_oak_house(
    app_and_rows: tuple[TestClient, dict[str, int], dict[str, str]],
) -> None:
    client, rows, tokens = app_and_rows
    sign_in(client, "bea-elm")
    form = form_for(client)
    checked = 0
    for method, path in routes(client.app):  # type: ignore[arg-type]
        if "{" not in path:
            continue
        got = ask(client, method, filled(path, rows), form, tokens["bea-elm"])
        where = (method, path, got.status_code)
        assert got.status_code == 404, where
        assert not any(words in got.text for words in OAK_ONLY), where
        checked += 1
    assert checked >= 8
    # The same rows are there for oak-house's own manager.
    sign_in(client, "mo-oak")
    for method, path in routes(client.app):  # type: ignore[arg-type]
        if "{" in path and method == "GET":
            got = ask(client, method, filled(path, rows), {}, tokens["mo-oak"])
            assert got.status_code == 200, (method, path, got.status_code)


def test_a_viewer_changes_nothing_and_reads_no_words_or_names_on_any_route(
    app_and_rows: tuple[TestClient, dict[str, int], dict[str, str]],
) -> None:
    client, rows, tokens = app_and_rows
    sign_in(client, "vic-viewer")
    form = form_for(client)
    for method, path in routes(client.app):  # type: ignore[arg-type]
        if (method, path) in PUBLIC or path == "/dashboard/logout":
            continue
        got = ask(client, method, filled(path, rows), form, tokens["vic-viewer"])
        where = (method, path, got.status_code)
        if method == "POST":
            assert got.status_code == 403, where
        else:
            assert got.status_code in (200, 400, 403), where  # 400: a chart needs its filter
        assert not any(words in got.text for words in OAK_ONLY), where

"""The dashboard's JSON API over HTTP: tokens and sessions, every role, paging and the audit log.

The app runs with its real parts on a real store; Rasa is not needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from typer.testing import CliRunner

from bot.app import create_app
from cli.main import app as cli_app
from cli.stack import free_port
from covoice.settings import Settings
from governance.dashboard_tokens import issue_token, revoke_token
from governance.dashboard_users import add_user, disable_user
from governance.pseudonym_key import checked_pseudonym_secret
from governance.pseudonyms import pseudonym
from storage.models import AuditEntry, DashboardToken, utcnow
from storage.unit_of_work import UnitOfWork
from tests.action_rows import OAK_DECISION, OVERDUE_DAYS, ActionIds, seed_actions
from tests.conftest import fixture_settings
from tests.dashboard_rows import ELM_WORDS, OAK_WORDS, PASSWORD, csrf_in, seed_dashboard
from tests.integration.governance_rows import add_conversation, add_response
from tests.safety_rows import (
    ELM_ALERT_WORDS,
    ELM_LEAD,
    OAK_ALERT_WORDS,
    OAK_FIRST_NAME,
    OAK_LEAD,
    OAK_SUMMARY,
    SafetyIds,
    seed_safety,
)
from tests.theme_rows import seed_theme_months

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
ENDPOINTS = (
    "/api/v1/services",
    "/api/v1/responses",
    "/api/v1/themes",
    "/api/v1/alerts",
    "/api/v1/alerts/1",
    "/api/v1/incidents",
    "/api/v1/incidents/1",
    "/api/v1/updates-owed",
    "/api/v1/actions",
    "/api/v1/actions/1",
    "/api/v1/audit",
)
NOT_SIGNED_IN = "Send a dashboard token as 'Authorization: Bearer <token>'"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return fixture_settings(
        tmp_path, database_url=database_url, rasa_url=f"http://127.0.0.1:{free_port()}"
    )


@pytest.fixture
def tokens(unit_of_work: Callable[[], UnitOfWork]) -> dict[str, str]:
    """A token for each of the four users, one for a disabled user and one revoked."""
    with unit_of_work() as uow:
        seed_dashboard(uow)
        add_user(uow, "test", "dee-gone", PASSWORD, "manager", ["oak-house"])
        made = {
            name: issue_token(uow, "test", name, f"{name} script").raw
            for name in ("ada-admin", "mo-oak", "bea-elm", "vic-viewer", "dee-gone")
        }
        revoked = issue_token(uow, "test", "ada-admin", "old script")
        revoke_token(uow, "test", revoked.prefix)
        made["revoked"] = revoked.raw
        disable_user(uow, "test", "dee-gone")
        uow.commit()
    return made


@pytest.fixture
def client(settings: Settings, tokens: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def call(client: TestClient, path: str, token: str | None = None, **params: Any) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, params=params, headers=headers)


def audit(unit_of_work: Callable[[], UnitOfWork], action: str) -> list[AuditEntry]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_every_endpoint_refuses_a_caller_without_a_working_token_or_session(
    client: TestClient, tokens: dict[str, str]
) -> None:
    presented = {
        "none": {},
        "disabled user's token": {"Authorization": f"Bearer {tokens['dee-gone']}"},
        "revoked token": {"Authorization": f"Bearer {tokens['revoked']}"},
        "made-up token": {"Authorization": f"Bearer cvd_{'0' * 12}_{'x' * 43}"},
        "an app API key's form": {"Authorization": f"Bearer cvk_{'0' * 12}_{'x' * 43}"},
        "malformed header": {"Authorization": "Basic YWRhOnNlY3JldA=="},
        "made-up session": {"Cookie": "covoice_dashboard=made-up"},
    }
    for path in ENDPOINTS:
        for credential, headers in presented.items():
            refused = client.get(path, params=MARCH, headers=headers)
            assert refused.status_code == 401, (path, credential)
            assert refused.json()["error"] == "unauthorized"
            assert NOT_SIGNED_IN in refused.json()["message"]
            assert refused.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("user", "services"),
    [
        ("ada-admin", ["elm-lodge", "oak-house"]),
        ("mo-oak", ["oak-house"]),
        ("bea-elm", ["elm-lodge"]),
        ("vic-viewer", ["elm-lodge", "oak-house"]),
    ],
)
def test_services_are_the_ones_each_role_may_see(
    client: TestClient, tokens: dict[str, str], user: str, services: list[str]
) -> None:
    listed = call(client, "/api/v1/services", tokens[user])
    assert listed.status_code == 200
    assert sorted(s["id"] for s in listed.json()["services"]) == services


def test_an_admin_reads_every_service_with_words_and_names_only_with_a_reason(
    client: TestClient,
    tokens: dict[str, str],
    settings: Settings,
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    read = call(client, "/api/v1/responses", tokens["ada-admin"], **MARCH)
    assert read.status_code == 200
    body = read.json()
    assert body["people"] == "pseudonyms" and body["words"] is True
    secret = settings.pseudonym_key.encode()
    assert {row["person"] for row in body["rows"]} == {
        pseudonym(secret, "oak-house", "maria-oak"),
        pseudonym(secret, "elm-lodge", "bob-elm"),
    }
    assert {row["free_text"] for row in body["rows"]} >= {OAK_WORDS, ELM_WORDS}
    assert body["next_cursor"] is None
    assert body["filter"]["from"] == "2026-03-01" and body["filter"]["to"] == "2026-03-31"
    [entry] = audit(unit_of_work, "api.responses.view")
    prefix = tokens["ada-admin"].split("_")[1]
    assert entry.actor == "dashboard:ada-admin"
    assert entry.detail["via"] == f"token {prefix}"
    assert entry.detail["from"] == "2026-03-01" and entry.detail["rows"] == 3
    assert entry.detail["people"] == "pseudonyms" and entry.reason is None
    with unit_of_work() as uow:
        token = uow.session.scalars(
            select(DashboardToken).where(DashboardToken.prefix == prefix)
        ).one()
        assert token.last_used_at is not None

    reason = "safeguarding review of the March answers"
    named = call(client, "/api/v1/responses", tokens["ada-admin"], names_reason=reason, **MARCH)
    assert named.status_code == 200 and named.json()["people"] == "names"
    assert {row["person"] for row in named.json()["rows"]} == {"maria-oak", "bob-elm"}
    shown = audit(unit_of_work, "api.responses.view")[-1]
    assert shown.detail["people"] == "names" and shown.reason == reason
    terse = call(client, "/api/v1/responses", tokens["ada-admin"], names_reason="why", **MARCH)
    assert terse.status_code == 400 and "at least 3 words" in terse.text
    for user in ("mo-oak", "vic-viewer"):
        refused = call(client, "/api/v1/responses", tokens[user], names_reason=reason, **MARCH)
        assert refused.status_code == 403 and "maria-oak" not in refused.text


def test_a_manager_reads_only_their_own_service_under_pseudonyms(
    client: TestClient, tokens: dict[str, str], settings: Settings
) -> None:
    read = call(client, "/api/v1/responses", tokens["mo-oak"], **MARCH)
    assert read.status_code == 200
    body = read.json()
    assert {row["service_id"] for row in body["rows"]} == {"oak-house"}
    assert body["people"] == "pseudonyms" and body["words"] is True
    expected = pseudonym(settings.pseudonym_key.encode(), "oak-house", "maria-oak")
    assert {row["person"] for row in body["rows"]} == {expected}
    assert OAK_WORDS in read.text and ELM_WORDS not in read.text
    assert "maria-oak" not in read.text


def test_another_service_and_an_unknown_one_get_the_same_404(
    client: TestClient, tokens: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    theirs = call(client, "/api/v1/responses", tokens["mo-oak"], service="elm-lodge", **MARCH)
    unknown = call(client, "/api/v1/responses", tokens["mo-oak"], service="no-such", **MARCH)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    assert theirs.json()["error"] == "not_found"
    assert ELM_WORDS not in theirs.text
    own = call(client, "/api/v1/responses", tokens["bea-elm"], service="elm-lodge", **MARCH)
    assert own.status_code == 200 and ELM_WORDS in own.text
    assert [e.detail["service"] for e in audit(unit_of_work, "api.responses.refused")] == [
        "elm-lodge",
        "no-such",
    ]


def test_a_pseudonym_key_that_is_not_the_stores_is_a_503_that_says_what_to_do(
    client: TestClient,
    tokens: dict[str, str],
    settings: Settings,
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow:
        checked_pseudonym_secret(uow, settings.model_copy(update={"pseudonym_key": "other"}), "t")
        uow.commit()
    refused = call(client, "/api/v1/responses", tokens["mo-oak"], **MARCH)
    assert refused.status_code == 503
    assert refused.json()["error"] == "unavailable"
    assert "pseudonym" in refused.json()["message"] and OAK_WORDS not in refused.text
    for path in ("/api/v1/alerts", "/api/v1/updates-owed"):
        also = call(client, path, tokens["mo-oak"])
        assert also.status_code == 503 and "pseudonym" in also.json()["message"], path


def test_a_viewer_sees_pseudonyms_and_no_free_text(
    client: TestClient, tokens: dict[str, str]
) -> None:
    read = call(client, "/api/v1/responses", tokens["vic-viewer"], **MARCH)
    assert read.status_code == 200
    body = read.json()
    assert body["people"] == "pseudonyms" and body["words"] is False
    assert len(body["rows"]) == 3
    assert all(row["free_text"] is None for row in body["rows"])
    for secret in (OAK_WORDS, ELM_WORDS, "maria-oak", "bob-elm", "Maria"):
        assert secret not in read.text


@pytest.mark.parametrize(
    ("user", "status"), [("ada-admin", 200), ("mo-oak", 403), ("bea-elm", 403), ("vic-viewer", 403)]
)
def test_only_an_admin_reads_the_audit_log(
    client: TestClient, tokens: dict[str, str], user: str, status: int
) -> None:
    read = call(client, "/api/v1/audit", tokens[user])
    assert read.status_code == status
    if status == 403:
        assert read.json()["error"] == "forbidden"
        assert "cannot read the audit log" in read.json()["message"]
    else:
        actions = [entry["action"] for entry in read.json()["entries"]]
        assert "dashboard.token.add" in actions and "dashboard.user.disable" in actions


def test_the_audit_log_reads_a_page_at_a_time_newest_first_and_its_reading_is_audited(
    client: TestClient, tokens: dict[str, str]
) -> None:
    token = tokens["ada-admin"]
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = call(client, "/api/v1/audit", token, **params).json()
        seen += [entry["id"] for entry in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(set(seen), reverse=True)
    assert seen[-1] == 1
    newest = call(client, "/api/v1/audit", token, limit=1).json()["entries"][0]
    assert newest["action"] == "api.audit.view" and newest["actor"] == "dashboard:ada-admin"


def test_a_bad_filter_is_answered_400_with_each_problem_in_plain_words(
    client: TestClient, tokens: dict[str, str]
) -> None:
    bad = call(
        client,
        "/api/v1/responses",
        tokens["mo-oak"],
        theme="nonsense",
        role="cat",
        **{"from": "yesterday", "to": "2026-03-01"},
    )
    assert bad.status_code == 400
    body = bad.json()
    assert body["error"] == "bad_filter"
    assert body["problems"] == [
        "There is no theme 'nonsense'. Choose one from the list.",
        body["problems"][1],
        "'From' must be a day written YYYY-MM-DD, e.g. 2026-11-23.",
    ]
    assert body["problems"][1].startswith("'cat' is not a way of answering.")
    backwards = call(
        client, "/api/v1/responses", tokens["mo-oak"], **{"from": "2026-04-01", "to": "2026-03-01"}
    )
    assert "after the 'To' day" in backwards.json()["problems"][0]
    too_early = call(client, "/api/v1/responses", tokens["mo-oak"], **{"from": "0001-01-01"})
    assert too_early.status_code == 400


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"limit": 501}, "'limit'"),
        ({"limit": 0}, "'limit'"),
        ({"limit": "many"}, "'limit'"),
        ({"cursor": "not-a-cursor"}, "'cursor' is not one this API gave"),
        ({"cursor": "MjAyNi0wMy0xMFQxMjowMDowMH5hYmM"}, "'cursor' is not one this API gave"),
    ],
)
def test_bad_paging_is_answered_400_not_500(
    client: TestClient, tokens: dict[str, str], params: dict[str, object], problem: str
) -> None:
    for path in ("/api/v1/responses", "/api/v1/audit"):
        bad = call(client, path, tokens["ada-admin"], **params)
        assert bad.status_code == 400, bad.text
        assert any(problem in line for line in bad.json()["problems"])


def test_paging_past_500_rows_returns_every_row_exactly_once(
    client: TestClient, tokens: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    start = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
    with unit_of_work() as uow:
        many = add_conversation(uow, "conv-many", "sam-oak", "oak-house")
        # Pairs stored at the same moment: the id breaks the tie between pages.
        for number in range(1203):
            moment = start + timedelta(minutes=number // 2)
            add_response(uow, many, f"q{number}", moment, "good", None, ("safety",))
        uow.commit()
    may = {"from": "2026-05-01", "to": "2026-05-31"}
    questions: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = may | {"limit": 500} | ({"cursor": cursor} if cursor else {})
        page = call(client, "/api/v1/responses", tokens["mo-oak"], **params)
        assert page.status_code == 200, page.text
        questions += [row["question_id"] for row in page.json()["rows"]]
        pages += 1
        if pages == 1:
            # Stored while the program reads: newer than its first page, so not on later ones.
            with unit_of_work() as uow:
                add_response(uow, many, "late", start + timedelta(days=1), "good")
                uow.commit()
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(questions) == len(set(questions)) == 1203
    assert set(questions) == {f"q{number}" for number in range(1203)}
    assert questions[0] == "q1202" and questions[-1] == "q0"


def test_a_person_signed_in_to_the_dashboard_reads_the_api_with_their_session(
    client: TestClient,
) -> None:
    assert call(client, "/api/v1/responses", **MARCH).status_code == 401
    form = client.get("/dashboard/login")
    signed = client.post(
        "/dashboard/login",
        data={"csrf": csrf_in(form.text), "username": "vic-viewer", "password": PASSWORD},
    )
    assert signed.status_code == 303
    read = call(client, "/api/v1/responses", **MARCH)
    assert read.status_code == 200 and read.json()["words"] is False
    assert call(client, "/api/v1/audit").status_code == 403
    page = client.get("/dashboard/responses", params=MARCH)
    client.post("/dashboard/logout", data={"csrf": csrf_in(page.text)})
    assert call(client, "/api/v1/responses", **MARCH).status_code == 401


def test_a_token_stops_the_moment_its_user_is_disabled(
    client: TestClient, tokens: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    assert call(client, "/api/v1/services", tokens["mo-oak"]).status_code == 200
    with unit_of_work() as uow:
        disable_user(uow, "test", "mo-oak")
        uow.commit()
    assert call(client, "/api/v1/services", tokens["mo-oak"]).status_code == 401


def test_the_openapi_description_is_the_apis_own_and_declares_its_refusals(
    client: TestClient,
) -> None:
    described = client.get("/api/v1/openapi.json")
    assert described.status_code == 200
    schema = described.json()
    assert set(schema["paths"]) == {
        "/services",
        "/responses",
        "/themes",
        "/alerts",
        "/alerts/{alert_id}",
        "/incidents",
        "/incidents/{incident_id}",
        "/updates-owed",
        "/actions",
        "/actions/{action_id}",
        "/audit",
    }
    assert schema["servers"] == [{"url": "/api/v1"}]
    responses = schema["paths"]["/responses"]["get"]["responses"]
    assert {"200", "400", "401", "404", "503"} <= set(responses) and "422" not in responses
    assert set(schema["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyCookie"}
    assert {"ResponsesOut", "ErrorOut", "AuditOut", "ServicesOut"} <= set(
        schema["components"]["schemas"]
    )
    assert not any(
        path.startswith("/api/v1") for path in client.get("/openapi.json").json()["paths"]
    )


def test_tokens_are_made_listed_and_revoked_from_the_command_line(
    client: TestClient, env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    runner = CliRunner()
    made = runner.invoke(cli_app, ["user", "token", "add", "bea-elm", "--label", "report"], env=env)
    assert made.exit_code == 0, made.output
    raw = next(word for word in made.output.split() if word.startswith("cvd_"))
    prefix = raw.split("_")[1]
    assert call(client, "/api/v1/services", raw).json()["services"][0]["id"] == "elm-lodge"
    listed = runner.invoke(cli_app, ["user", "token", "list"], env=env).output
    assert f"{prefix}\tbea-elm\tactive\tused " in listed
    assert raw not in listed
    revoked = runner.invoke(cli_app, ["user", "token", "revoke", prefix], env=env)
    assert revoked.exit_code == 0 and f"Revoked token {prefix}" in revoked.output
    assert call(client, "/api/v1/services", raw).status_code == 401
    unknown = runner.invoke(cli_app, ["user", "token", "revoke", "abcdef"], env=env)
    assert unknown.exit_code == 1 and "no token with prefix 'abcdef'" in unknown.output
    disabled = runner.invoke(cli_app, ["user", "token", "add", "dee-gone", "--label", "x"], env=env)
    assert disabled.exit_code == 1 and "is disabled" in disabled.output
    actions = [e.action for e in audit(unit_of_work, "dashboard.token.add")]
    assert len(actions) == 7
    with unit_of_work() as uow:
        stored = uow.session.scalars(select(DashboardToken.token_hash)).all()
    assert raw not in stored


# The other pages' endpoints: themes, safeguarding alerts, incidents, updates owed, actions.

MONTHS = {"from": "2026-01", "to": "2026-03"}
LISTS: dict[str, Callable[[dict[str, Any]], set[str]]] = {
    "/api/v1/themes": lambda body: {trend["service_id"] for trend in body["trends"]},
    "/api/v1/alerts": lambda body: {alert["service_id"] for alert in body["alerts"]},
    "/api/v1/incidents": lambda body: {i["service_id"] for i in body["incidents"]},
    "/api/v1/updates-owed": lambda body: {u["service_id"] for u in body["updates_owed"]},
    "/api/v1/actions": lambda body: {action["service_id"] for action in body["actions"]},
}
REASON = "safeguarding referral for alert twelve"


@dataclass(frozen=True)
class Seeded:
    safety: SafetyIds
    actions: ActionIds

    def rows(self) -> dict[str, tuple[int, int]]:
        """Each detail endpoint's (oak-house row, elm-lodge row)."""
        return {
            "/api/v1/alerts": (self.safety.oak_alert, self.safety.elm_alert),
            "/api/v1/incidents": (self.safety.oak_incident, self.safety.elm_incident),
            "/api/v1/actions": (self.actions.oak, self.actions.elm),
        }


@pytest.fixture
def seeded(tokens: dict[str, str], unit_of_work: Callable[[], UnitOfWork]) -> Seeded:
    with unit_of_work() as uow:
        safety = seed_safety(uow, utcnow())
        seed_theme_months(uow)
        actions = seed_actions(uow)
        uow.commit()
    return Seeded(safety, actions)


def read(client: TestClient, path: str, token: str, **params: Any) -> dict[str, Any]:
    if path == "/api/v1/themes":
        params = MONTHS | params
    answered = call(client, path, token, **params)
    assert answered.status_code == 200, (path, answered.text)
    body: dict[str, Any] = answered.json()
    return body


@pytest.mark.parametrize(
    ("user", "services"),
    [
        ("ada-admin", {"elm-lodge", "oak-house"}),
        ("mo-oak", {"oak-house"}),
        ("bea-elm", {"elm-lodge"}),
        ("vic-viewer", {"elm-lodge", "oak-house"}),
    ],
)
def test_each_list_holds_the_services_each_role_may_see(
    client: TestClient, tokens: dict[str, str], seeded: Seeded, user: str, services: set[str]
) -> None:
    for path, services_in in LISTS.items():
        assert services_in(read(client, path, tokens[user])) == services, path


def test_another_services_list_gets_the_same_404_as_an_unknown_service(
    client: TestClient,
    tokens: dict[str, str],
    seeded: Seeded,
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    for path in ("/api/v1/themes", "/api/v1/alerts", "/api/v1/incidents", "/api/v1/updates-owed"):
        theirs = call(client, path, tokens["mo-oak"], service="elm-lodge")
        unknown = call(client, path, tokens["mo-oak"], service="no-such")
        assert theirs.status_code == unknown.status_code == 404, path
        assert theirs.json() == unknown.json() and theirs.json()["error"] == "not_found"
        own = read(client, path, tokens["bea-elm"], service="elm-lodge")
        assert LISTS[path](own) == {"elm-lodge"}
    refused = [e.detail["service"] for e in audit(unit_of_work, "api.alerts.refused")]
    assert refused == ["elm-lodge", "no-such"]


def test_another_services_row_an_unknown_id_and_a_word_get_the_same_404(
    client: TestClient,
    tokens: dict[str, str],
    seeded: Seeded,
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    for path, (oak, elm) in seeded.rows().items():
        answers = [
            call(client, f"{path}/{asked}", tokens["mo-oak"])
            for asked in (elm, 999999, "abc", "-1", "1e3", "9" * 30, "%20")
        ]
        assert {answer.status_code for answer in answers} == {404}, path
        assert all(answer.json() == answers[0].json() for answer in answers)
        assert answers[0].json()["error"] == "not_found"
        assert call(client, f"{path}/{oak}", tokens["mo-oak"]).status_code == 200
        assert call(client, f"{path}/{elm}", tokens["bea-elm"]).status_code == 200
        for user in ("ada-admin", "vic-viewer"):
            for row in (oak, elm):
                assert call(client, f"{path}/{row}", tokens[user]).status_code == 200
    # An id with a slash in it is an address no endpoint answers: still the API's own body.
    slashed = call(client, "/api/v1/alerts/1%2F2", tokens["mo-oak"])
    assert slashed.status_code == 404 and slashed.json()["error"] == "not_found"
    asked = [e.detail["asked"] for e in audit(unit_of_work, "api.not_found")]
    assert asked[:2] == [str(seeded.safety.elm_alert), "999999"] and len(asked) == 21


def test_themes_count_each_month_in_the_pages_way_and_flag_a_theme_getting_worse(
    client: TestClient,
    tokens: dict[str, str],
    seeded: Seeded,
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    params = {"service": "oak-house", "theme": "food_drink", "from": "2026-02", "to": "2026-03"}
    for user in ("ada-admin", "mo-oak", "vic-viewer"):
        body = read(client, "/api/v1/themes", tokens[user], **params)
        assert body["filter"] == {
            "service": "oak-house",
            "theme": "food_drink",
            "from": "2026-02",
            "to": "2026-03",
        }
        [trend] = body["trends"]
        assert trend["getting_worse"] is True and trend["answers"] == 11
        # March: maria's words on food (unrated); the withdrawn check-in is left out.
        assert trend["months"] == [
            {"month": "2026-02", "answers": 5, "good": 4, "okay": 0, "bad": 1, "unrated": 0},
            {"month": "2026-03", "answers": 6, "good": 2, "okay": 0, "bad": 3, "unrated": 1},
        ]
    entry = audit(unit_of_work, "api.themes.view")[-1]
    assert entry.actor == "dashboard:vic-viewer" and entry.detail["from"] == "2026-02"
    assert entry.detail["trends"] == 1 and entry.detail["via"].startswith("token ")


@pytest.mark.parametrize(
    ("params", "problems"),
    [
        (
            {"theme": "nonsense", "from": "2026-13"},
            [
                "There is no theme 'nonsense'. Choose one from the list.",
                "'From' must be a month written YYYY-MM between 2000-01 and 2099-12, e.g. 2026-06.",
            ],
        ),
        (
            {"from": "2026-04", "to": "2026-03"},
            ["The 'From' month is after the 'To' month. Please give the earlier month first."],
        ),
        (
            {"from": "2024-01", "to": "2026-01"},
            [
                "That is 25 months; the page shows at most 24 at once. "
                "Please choose a shorter range."
            ],
        ),
    ],
)
def test_a_bad_themes_filter_is_a_400_that_lists_each_problem(
    client: TestClient, tokens: dict[str, str], params: dict[str, str], problems: list[str]
) -> None:
    bad = call(client, "/api/v1/themes", tokens["mo-oak"], **params)
    assert bad.status_code == 400
    assert bad.json()["error"] == "bad_filter" and bad.json()["problems"] == problems


def test_staff_read_an_alerts_words_and_leads_and_a_viewer_never_does(
    client: TestClient, tokens: dict[str, str], seeded: Seeded, settings: Settings
) -> None:
    maria = pseudonym(settings.pseudonym_key.encode(), "oak-house", "maria-oak")
    admin = read(client, "/api/v1/alerts", tokens["ada-admin"])
    assert admin["words"] is True and admin["people"] == "pseudonyms"
    by_id = {alert["id"]: alert for alert in admin["alerts"]}
    assert by_id[seeded.safety.oak_alert]["words"] == OAK_ALERT_WORDS
    assert by_id[seeded.safety.oak_alert]["notices"][0]["lead"] == OAK_LEAD
    assert by_id[seeded.safety.oak_acknowledged]["acknowledged_by"] == OAK_LEAD
    assert by_id[seeded.safety.oak_alert]["person"] == maria
    assert [alert["id"] for alert in admin["undelivered"]] == [seeded.safety.elm_alert]
    assert admin["undelivered"][0]["why"]

    mine = read(client, "/api/v1/alerts", tokens["mo-oak"])
    assert {alert["words"] for alert in mine["alerts"]} >= {OAK_ALERT_WORDS}
    assert ELM_ALERT_WORDS not in str(mine) and mine["undelivered"] == []

    for path in ("/api/v1/alerts", f"/api/v1/alerts/{seeded.safety.oak_acknowledged}"):
        viewed = call(client, path, tokens["vic-viewer"])
        assert viewed.status_code == 200 and viewed.json()["words"] is False
        for secret in (
            OAK_ALERT_WORDS,
            ELM_ALERT_WORDS,
            "I do not feel safe here",
            OAK_LEAD,
            ELM_LEAD,
            "maria-oak",
            OAK_FIRST_NAME,
            "nobody told yet",
        ):
            assert secret not in viewed.text, (path, secret)
        assert maria in viewed.text
    one = read(client, f"/api/v1/alerts/{seeded.safety.oak_acknowledged}", tokens["vic-viewer"])
    assert one["alert"]["status"] == "acknowledged" and one["alert"]["acknowledged_at"]
    assert one["alert"]["acknowledged_by"] is None and one["alert"]["words"] is None


def test_alerts_filter_by_status_and_refuse_an_unknown_status(
    client: TestClient, tokens: dict[str, str], seeded: Seeded
) -> None:
    done = read(client, "/api/v1/alerts", tokens["mo-oak"], status="acknowledged")
    assert [alert["id"] for alert in done["alerts"]] == [seeded.safety.oak_acknowledged]
    bad = call(client, "/api/v1/alerts", tokens["mo-oak"], status="shut")
    assert bad.status_code == 400 and bad.json()["error"] == "bad_filter"
    assert bad.json()["problems"][0].startswith("There is no alert status 'shut'.")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/alerts/{alert}", "/api/v1/incidents/{incident}", "/api/v1/updates-owed"],
)
def test_real_names_are_for_an_admin_with_a_reason_and_the_reason_is_kept(
    client: TestClient,
    tokens: dict[str, str],
    seeded: Seeded,
    unit_of_work: Callable[[], UnitOfWork],
    path: str,
) -> None:
    address = path.format(alert=seeded.safety.oak_alert, incident=seeded.safety.oak_incident)
    plain = call(client, address, tokens["ada-admin"])
    assert plain.json()["people"] == "pseudonyms" and "maria-oak" not in plain.text
    named = call(client, address, tokens["ada-admin"], names_reason=REASON)
    assert named.status_code == 200 and named.json()["people"] == "names"
    assert f"maria-oak ({OAK_FIRST_NAME})" in named.text
    with unit_of_work() as uow:
        entry = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.action.startswith("api.")
    assert entry.reason == REASON and entry.detail["people"] == "names"
    terse = call(client, address, tokens["ada-admin"], names_reason="why")
    assert terse.status_code == 400 and terse.json()["error"] == "bad_reason"
    for user in ("mo-oak", "vic-viewer"):
        refused = call(client, address, tokens[user], names_reason=REASON)
        assert refused.status_code == 403 and "maria-oak" not in refused.text


def test_incidents_are_listed_with_counts_and_read_with_words_only_by_staff(
    client: TestClient,
    tokens: dict[str, str],
    seeded: Seeded,
    settings: Settings,
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    listed = read(client, "/api/v1/incidents", tokens["mo-oak"])
    [oak] = listed["incidents"]
    assert oak["id"] == seeded.safety.oak_incident and oak["notifiable"] is True
    assert oak["people"] == 1 and oak["type"] == "fall"
    assert oak["follow_ups"] == {"asked": 1, "answered": 1, "not_reached": 0}
    assert oak["updates_owed"] == {"open": 2, "overdue": 1}
    assert OAK_SUMMARY not in str(listed)

    maria = pseudonym(settings.pseudonym_key.encode(), "oak-house", "maria-oak")
    address = f"/api/v1/incidents/{seeded.safety.oak_incident}"
    staff = read(client, address, tokens["mo-oak"])["incident"]
    assert staff["summary"] == OAK_SUMMARY and staff["recorded_by"] == "manager-ann"
    assert staff["people"] == [maria]
    assert [f["status"] for f in staff["follow_ups"]] == ["answered"]
    assert [o["overdue"] for o in staff["updates_owed"]] == [True, False]
    assert staff["duty_of_candour"] is not None

    viewed = call(client, address, tokens["vic-viewer"])
    assert viewed.status_code == 200 and viewed.json()["words"] is False
    incident = viewed.json()["incident"]
    assert incident["summary"] is None and incident["recorded_by"] is None
    assert incident["people"] == [maria]
    for secret in (OAK_SUMMARY, "manager-ann", "maria-oak", OAK_FIRST_NAME):
        assert secret not in viewed.text
    elm = read(client, f"/api/v1/incidents/{seeded.safety.elm_incident}", tokens["ada-admin"])
    assert elm["incident"]["duty_of_candour"] is None
    entry = audit(unit_of_work, "api.incident.view")[-1]
    assert entry.detail["words"] is True and entry.detail["people"] == "pseudonyms"


def test_updates_owed_are_soonest_due_first_with_overdue_ones_saying_so(
    client: TestClient,
    tokens: dict[str, str],
    seeded: Seeded,
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    mine = read(client, "/api/v1/updates-owed", tokens["mo-oak"])["updates_owed"]
    assert [row["id"] for row in mine] == [seeded.safety.oak_overdue, seeded.safety.oak_due]
    assert [row["overdue"] for row in mine] == [True, False]
    assert mine[0]["days"] == 2 and mine[0]["incident_id"] == seeded.safety.oak_incident
    everyone = call(client, "/api/v1/updates-owed", tokens["vic-viewer"])
    assert len(everyone.json()["updates_owed"]) == 3
    assert "maria-oak" not in everyone.text and "bob-elm" not in everyone.text
    entry = audit(unit_of_work, "api.updates_owed.view")[0]
    assert entry.detail["rows"] == 2 and entry.detail["overdue"] == 1


def test_actions_show_overdue_days_linked_answers_and_each_reviews_before_and_after(
    client: TestClient,
    tokens: dict[str, str],
    seeded: Seeded,
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    log = read(client, "/api/v1/actions", tokens["ada-admin"])["actions"]
    assert [action["id"] for action in log] == [seeded.actions.oak, seeded.actions.elm]
    assert [action["overdue_days"] for action in log] == [OVERDUE_DAYS, 0]
    assert log[0]["linked_answers"] == 1 and log[0]["review_count"] == 1
    assert log[0]["status"] == "open" and log[0]["theme_id"] == "safety"
    assert read(client, "/api/v1/actions", tokens["mo-oak"], status="done")["actions"] == []
    bad = call(client, "/api/v1/actions", tokens["mo-oak"], status="finished")
    assert bad.status_code == 400 and bad.json()["error"] == "bad_filter"

    address = f"/api/v1/actions/{seeded.actions.oak}"
    action = read(client, address, tokens["mo-oak"])
    assert action["decision"] == OAK_DECISION and action["created_by"] == "mo-oak"
    assert [quote["words"] for quote in action["linked_words"]] == [OAK_WORDS]
    [review] = action["reviews"]
    assert review["before"] == {"answers": {"good": 1}, "rated": 1, "words_only": 0, "people": 1}
    assert review["after"] == {"answers": {"bad": 1}, "rated": 1, "words_only": 0, "people": 1}
    assert (review["asked"], review["on_kiosk"], review["reached"]) == (1, 1, 1)

    viewed = call(client, address, tokens["vic-viewer"])
    assert viewed.status_code == 200 and viewed.json()["linked_words"] is None
    assert viewed.json()["linked_answers"] == 1 and OAK_WORDS not in viewed.text
    assert viewed.json()["reviews"][0]["after"]["answers"] == {"bad": 1}
    assert [e.detail["words"] for e in audit(unit_of_work, "api.action.view")] == [True, False]

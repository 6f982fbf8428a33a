"""The dashboard's JSON API over HTTP: tokens and sessions, every role, paging and the audit log.

The app runs with its real parts on a real store; Rasa is not needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
from storage.models import AuditEntry, DashboardToken
from storage.unit_of_work import UnitOfWork
from tests.conftest import fixture_settings
from tests.dashboard_rows import ELM_WORDS, OAK_WORDS, PASSWORD, csrf_in, seed_dashboard
from tests.integration.governance_rows import add_conversation, add_response

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
ENDPOINTS = ("/api/v1/services", "/api/v1/responses", "/api/v1/audit")
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
    assert set(schema["paths"]) == {"/services", "/responses", "/audit"}
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

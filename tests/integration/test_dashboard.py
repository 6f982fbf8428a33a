"""The dashboard over HTTP: signing in and out, its limits, and who may see what.

The app runs with its real parts on a real store; Rasa is not needed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from bot.app import create_app
from bot.dashboard.routes import secure_cookies
from cli.stack import free_port
from covoice.settings import Settings
from governance.dashboard_users import disable_user, set_password
from governance.pseudonyms import pseudonym
from storage.models import AuditEntry
from storage.unit_of_work import UnitOfWork
from tests.conftest import fixture_settings
from tests.dashboard_rows import ELM_WORDS, OAK_WORDS, PASSWORD, USERS, csrf_in, seed_dashboard

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return fixture_settings(
        tmp_path, database_url=database_url, rasa_url=f"http://127.0.0.1:{free_port()}"
    )


@pytest.fixture
def client(settings: Settings, unit_of_work: Callable[[], UnitOfWork]) -> Iterator[TestClient]:
    with unit_of_work() as uow:
        seed_dashboard(uow)
        uow.commit()
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Response:
    client.cookies.clear()
    form = client.get("/dashboard/login")
    assert form.status_code == 200
    return client.post(
        "/dashboard/login",
        data={"csrf": csrf_in(form.text), "username": username, "password": password},
    )


def audit(unit_of_work: Callable[[], UnitOfWork], action: str) -> list[AuditEntry]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_signing_in_opens_the_responses_with_a_strict_http_only_cookie(
    client: TestClient,
) -> None:
    signed = sign_in(client, "ada-admin")
    assert signed.status_code == 303
    assert signed.headers["location"] == "/dashboard/responses"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/;" in cookie
    # The app is on http://127.0.0.1 here, so the cookie cannot be Secure.
    assert "Secure" not in cookie
    page = client.get("/dashboard/responses", params=MARCH)
    assert page.status_code == 200
    assert "Signed in as" in page.text and "ada-admin" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_a_wrong_password_is_refused_kindly_and_opens_no_session(client: TestClient) -> None:
    refused = sign_in(client, "ada-admin", "not the password at all")
    assert refused.status_code == 401
    assert "do not match an active account" in refused.text
    assert client.get("/dashboard/responses").headers["location"] == "/dashboard/login"
    assert sign_in(client, "nobody-here").status_code == 401


def test_five_failures_stop_that_username_for_a_while_even_with_the_right_password(
    client: TestClient,
) -> None:
    for _ in range(5):
        assert sign_in(client, "mo-oak", "wrong wrong wrong").status_code == 401
    blocked = sign_in(client, "mo-oak")
    assert blocked.status_code == 429
    assert "wait 15 minutes" in blocked.text
    assert client.get("/dashboard/responses").status_code == 303


def test_five_failures_from_one_address_stop_it_for_every_username(client: TestClient) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5"):
        sign_in(client, name, "guessing")
    assert sign_in(client, "vic-viewer").status_code == 429


def test_a_sign_in_or_sign_out_without_its_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/dashboard/login")
    forged = client.post(
        "/dashboard/login",
        data={"csrf": "made-up", "username": "ada-admin", "password": PASSWORD},
    )
    assert forged.status_code == 403 and "expired" in forged.text

    sign_in(client, "ada-admin")
    not_out = client.post("/dashboard/logout", data={"csrf": "made-up"})
    assert not_out.status_code == 403
    assert client.get("/dashboard/responses", params=MARCH).status_code == 200


def test_signing_out_ends_the_session(client: TestClient) -> None:
    sign_in(client, "ada-admin")
    page = client.get("/dashboard/responses", params=MARCH)
    kept = dict(client.cookies)
    out = client.post("/dashboard/logout", data={"csrf": csrf_in(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/dashboard/login"
    client.cookies.update(kept)  # the old cookie, presented again, opens nothing
    assert client.get("/dashboard/responses").headers["location"] == "/dashboard/login"


def test_a_disabled_user_is_signed_out_at_their_next_request(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    assert client.get("/dashboard/responses", params=MARCH).status_code == 200
    with unit_of_work() as uow:
        disable_user(uow, "test", "mo-oak")
        uow.commit()
    assert client.get("/dashboard/responses").headers["location"] == "/dashboard/login"
    assert sign_in(client, "mo-oak").status_code == 401


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "vic-viewer")
    with unit_of_work() as uow:
        set_password(uow, "test", "vic-viewer", "a brand new long password")
        uow.commit()
    assert client.get("/dashboard/responses").status_code == 303


def test_the_responses_filter_by_service_theme_role_channel_and_days(client: TestClient) -> None:
    sign_in(client, "ada-admin")
    everything = client.get("/dashboard/responses", params=MARCH).text
    assert "3 responses" in everything and ELM_WORDS in everything
    by_theme = client.get("/dashboard/responses", params=MARCH | {"theme": "safety"}).text
    assert "1 response " in by_theme and "feel_safe" in by_theme and ELM_WORDS not in by_theme
    by_service = client.get("/dashboard/responses", params=MARCH | {"service": "elm-lodge"}).text
    assert "1 response " in by_service and ELM_WORDS in by_service
    by_role = client.get("/dashboard/responses", params=MARCH | {"role": "family"}).text
    assert "No responses" in by_role
    by_channel = client.get("/dashboard/responses", params=MARCH | {"channel": "term"}).text
    assert "3 responses" in by_channel
    by_set = client.get("/dashboard/responses", params=MARCH | {"question_set": "checkin"}).text
    assert "3 responses" in by_set
    by_answer = client.get("/dashboard/responses", params=MARCH | {"answer": "good"}).text
    assert "1 response " in by_answer and "feel_safe" in by_answer
    april = client.get("/dashboard/responses", params={"from": "2026-04-01", "to": "2026-04-30"})
    assert "No responses" in april.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"theme": "weather"}, "There is no theme &#x27;weather&#x27;"),
        ({"role": "cat"}, "is not a way of answering"),
        ({"channel": "fax"}, "No responses came by a channel called"),
        ({"question_set": "quiz"}, "No responses answer a question set called"),
        ({"answer": "maybe"}, "No response has the answer"),
        ({"from": "31/03/2026"}, "must be a day written YYYY-MM-DD"),
        ({"from": "2026-04-02", "to": "2026-04-01"}, "after the &#x27;To&#x27; day"),
        ({"service": "no-such-place"}, "There is no service"),
    ],
)
def test_a_wrong_filter_gets_a_clear_message_and_no_rows(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    sign_in(client, "ada-admin")
    page = client.get("/dashboard/responses", params=params)
    assert page.status_code in (400, 404)
    assert message in page.text and "<table" not in page.text


def test_each_role_sees_what_it_may_and_every_view_is_audited(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork], settings: Settings
) -> None:
    secret = settings.pseudonym_key.encode()
    maria = pseudonym(secret, "oak-house", "maria-oak")
    bob = pseudonym(secret, "elm-lodge", "bob-elm")

    sign_in(client, "ada-admin")
    admin = client.get("/dashboard/responses", params=MARCH).text
    # An admin too sees pseudonyms until they ask for real names with a reason.
    assert maria in admin and bob in admin and "Their words" in admin
    assert "maria-oak" not in admin and "bob-elm" not in admin
    assert "Show real names" in admin

    sign_in(client, "mo-oak")
    manager = client.get("/dashboard/responses", params=MARCH).text
    assert maria in manager and "maria-oak" not in manager
    assert "The tea is always cold" in manager
    assert "elm-lodge" not in manager and ELM_WORDS not in manager and "bob-elm" not in manager

    sign_in(client, "vic-viewer")
    viewer = client.get("/dashboard/responses", params=MARCH).text
    assert maria in viewer and "maria-oak" not in viewer
    assert "Their words" not in viewer and "tea is always cold" not in viewer
    assert ELM_WORDS not in viewer

    views = audit(unit_of_work, "dashboard.responses.view")
    assert [(view.actor, view.detail["people"]) for view in views] == [
        ("dashboard:ada-admin", "pseudonyms"),
        ("dashboard:mo-oak", "pseudonyms"),
        ("dashboard:vic-viewer", "pseudonyms"),
    ]
    assert views[1].detail["from"] == "2026-03-01" and views[1].detail["rows"] == 2


# Every route, as each kind of visitor: the status, and words that must not appear.
ROUTES = [
    ("GET", "/dashboard/login"),
    ("GET", "/dashboard/"),
    ("GET", "/dashboard/dashboard.css"),
    ("GET", "/dashboard/responses"),
    ("GET", "/dashboard/responses?service=oak-house"),
    ("GET", "/dashboard/responses?service=elm-lodge"),
    ("GET", "/dashboard/audit"),
    ("POST", "/dashboard/logout"),
]
EXPECTED = {
    # visitor: statuses in the order of ROUTES
    "anonymous": (200, 303, 200, 303, 303, 303, 303, 303),
    "ada-admin": (303, 303, 200, 200, 200, 200, 200, 303),
    "mo-oak": (303, 303, 200, 200, 200, 404, 403, 303),
    "bea-elm": (303, 303, 200, 200, 404, 200, 403, 303),
    "vic-viewer": (303, 303, 200, 200, 200, 200, 403, 303),
}
NEVER_SEEN = {
    "anonymous": ("maria-oak", "bob-elm", OAK_WORDS, ELM_WORDS),
    "ada-admin": ("maria-oak", "bob-elm"),
    "mo-oak": ("bob-elm", ELM_WORDS, "maria-oak"),
    "bea-elm": ("maria-oak", OAK_WORDS, "bob-elm"),
    "vic-viewer": ("maria-oak", "bob-elm", "tea is always cold", ELM_WORDS),
}


@pytest.mark.parametrize("visitor", list(EXPECTED))
def test_every_route_answers_each_role_as_it_should(client: TestClient, visitor: str) -> None:
    assert set(USERS) | {"anonymous"} == set(EXPECTED)
    statuses = []
    for method, path in ROUTES:
        if visitor == "anonymous":
            client.cookies.clear()
        else:
            assert sign_in(client, visitor).status_code == 303
        csrf = ""
        if method == "POST" and visitor != "anonymous":
            csrf = csrf_in(client.get("/dashboard/responses").text)
        separator = "&" if "?" in path else "?"
        url = f"{path}{separator}from=2026-03-01&to=2026-03-31" if "responses" in path else path
        answer = client.request(method, url, data={"csrf": csrf} if method == "POST" else None)
        statuses.append(answer.status_code)
        for words in NEVER_SEEN[visitor]:
            assert words not in answer.text, (visitor, path, words)
    assert tuple(statuses) == EXPECTED[visitor]


def test_an_admin_reads_the_audit_log_and_that_reading_is_audited_too(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    client.get("/dashboard/responses", params=MARCH)
    refused = client.get("/dashboard/audit")
    assert refused.status_code == 403 and "cannot read the audit log" in refused.text
    sign_in(client, "ada-admin")
    page = client.get("/dashboard/audit")
    assert page.status_code == 200
    assert "dashboard:mo-oak" in page.text and "dashboard.responses.view" in page.text
    assert 'aria-current="page">Audit log' in page.text
    assert [entry.actor for entry in audit(unit_of_work, "dashboard.audit.view")] == [
        "dashboard:ada-admin"
    ]


def test_only_an_admin_exports_the_whole_audit_log_and_the_export_is_in_it(
    client: TestClient,
) -> None:
    for user in ("mo-oak", "vic-viewer"):
        sign_in(client, user)
        refused = client.get("/dashboard/audit.jsonl")
        assert refused.status_code == 403 and "cannot export the audit log" in refused.text
    sign_in(client, "ada-admin")
    exported = client.get("/dashboard/audit.jsonl")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    entries = [json.loads(line) for line in exported.text.splitlines()]
    assert entries[-1]["action"] == "dashboard.audit.export"
    assert entries[-1]["actor"] == "dashboard:ada-admin"
    assert {"dashboard.login"} <= {e["action"] for e in entries}


def test_the_cookie_is_secure_when_the_app_is_reached_by_https(
    tmp_path: Path, database_url: str, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    settings = fixture_settings(
        tmp_path,
        database_url=database_url,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        public_url="https://covoice.example.org",
    )
    with unit_of_work() as uow:
        seed_dashboard(uow)
        uow.commit()
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        signed = sign_in(client, "ada-admin")
        assert signed.status_code == 303 and "Secure" in signed.headers["set-cookie"]
        assert client.get("/dashboard/responses", params=MARCH).status_code == 200


def test_only_plain_http_on_this_computer_drops_the_secure_flag(tmp_path: Path) -> None:
    def secure(url: str) -> bool:
        return secure_cookies(fixture_settings(tmp_path, public_url=url))

    assert not secure("http://127.0.0.1:8000") and not secure("http://localhost:8000")
    assert secure("https://127.0.0.1:8443") and secure("http://covoice.lan:8000")

"""The action log over HTTP: recording, moving on, reviewing, and who may do what.

The app runs with its real parts on a real store; Rasa is not needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from bot.app import create_app
from covoice.settings import Settings
from governance.reviews import start_review_on_kiosk
from storage.models import (
    Action,
    ActionReviewAsk,
    AuditEntry,
    ResponseTheme,
    ScheduledSend,
)
from storage.models import Response as StoredResponse
from storage.unit_of_work import UnitOfWork
from tests.dashboard_rows import csrf_in, seed_dashboard
from tests.integration.governance_rows import add_contact, add_conversation, add_response
from tests.integration.test_dashboard import settings, sign_in  # noqa: F401

NOW = datetime.now(timezone.utc)
UNSAFE_WORDS = "I do not feel safe at night when the door is left open"


@pytest.fixture
def client(settings: Settings, unit_of_work: Callable[[], UnitOfWork]) -> Iterator[TestClient]:  # noqa: F811
    with unit_of_work() as uow:
        seed_dashboard(uow)
        # Two people at oak-house felt unsafe in the last weeks; one has a Telegram chat.
        maria = add_conversation(uow, "conv-maria-recent", "maria-oak", "oak-house")
        add_response(uow, maria, "feel_safe", NOW - timedelta(days=9), "bad", None, ("safety",))
        add_response(
            uow, maria, "feel_safe_more", NOW - timedelta(days=9), None, UNSAFE_WORDS, ("safety",)
        )
        add_contact(uow, "telegram:5550001", "tom-oak")
        tom = add_conversation(uow, "conv-tom-recent", "tom-oak", "oak-house")
        add_response(uow, tom, "feel_safe", NOW - timedelta(days=5), "okay", None, ("safety",))
        uow.commit()
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def answer_ids(unit_of_work: Callable[[], UnitOfWork], service: str, theme: str) -> list[int]:
    with unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(StoredResponse.id)
                .join(ResponseTheme)
                .where(StoredResponse.service_id == service, ResponseTheme.theme_id == theme)
                .order_by(StoredResponse.id)
            )
        )


def action_form(csrf: str, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "csrf": csrf,
        "service": "oak-house",
        "theme": "safety",
        "title": "Lock the garden door at dusk",
        "decision": "Night staff check the garden door, because two people said they feel unsafe.",
        "risks": "People who smoke outside late must still be able to go out with staff.",
        "change": "The door is locked at dusk and checked on every night round.",
        "owner": "Night team leader",
        "due": (date.today() + timedelta(days=14)).isoformat(),
    }
    form.update(changes)
    return form


def record(client: TestClient, **changes: object) -> str:
    """Record an action as the signed-in user; returns its page's address."""
    page = client.get("/dashboard/actions/new", params={"service": "oak-house"})
    assert page.status_code == 200
    made = client.post("/dashboard/actions/new", data=action_form(csrf_in(page.text), **changes))
    assert made.status_code == 303, made.text
    location: str = made.headers["location"]
    assert re.fullmatch(r"/dashboard/actions/\d+", location)
    return location


def schedule(client: TestClient, location: str, **changes: str) -> Response:
    page = client.get(location)
    form = {
        "csrf": csrf_in(page.text),
        "question_set": "fixture_checkin",
        "theme_only": "yes",
        "audience": "same_people",
        "weeks": "0",
    }
    form.update(changes)
    return client.post(f"{location}/reviews", data=form)


def test_a_manager_records_an_action_on_chosen_answers_and_reads_its_evidence_chain(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    chosen = answer_ids(unit_of_work, "oak-house", "safety")
    location = record(client, response=chosen)
    page = client.get(location)
    assert page.status_code == 200
    text = page.text
    assert "<h1>Lock the garden door at dusk</h1>" in text
    assert f"Decided on {len(chosen)} answers." in text
    assert UNSAFE_WORDS in text  # a manager reads the words the action came from
    assert "Night staff check the garden door" in text and "locked at dusk" in text
    assert "Night team leader" in text and "No review is scheduled yet." in text
    # A review asks a check-in set, never an incident follow-up, which needs its incident.
    assert '<option value="fixture_checkin">' in text
    assert "fixture_incident_person" not in text and "fixture_incident_family" not in text
    log = client.get("/dashboard/actions")
    assert "Lock the garden door at dusk" in log.text and "none overdue" in log.text
    with unit_of_work() as uow:
        [action] = uow.session.scalars(select(Action))
        assert action.created_by == "dashboard:mo-oak"
        assert sorted(link.response_id for link in action.responses) == chosen
        actions = [e.action for e in uow.session.scalars(select(AuditEntry))]
    assert "action.record" in actions and "dashboard.action.view" in actions


def test_a_viewer_reads_the_action_but_not_the_words_and_cannot_change_it(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    location = record(client, response=answer_ids(unit_of_work, "oak-house", "safety"))
    sign_in(client, "vic-viewer")
    page = client.get(location)
    assert page.status_code == 200 and "Lock the garden door" in page.text
    assert UNSAFE_WORDS not in page.text and "Schedule a review" not in page.text
    csrf = csrf_in(page.text)
    assert client.get("/dashboard/actions/new").status_code == 403
    assert client.post("/dashboard/actions/new", data=action_form(csrf)).status_code == 403
    moved = client.post(f"{location}/status", data={"csrf": csrf, "status": "done"})
    assert moved.status_code == 403
    assert schedule(client, location).status_code == 403
    with unit_of_work() as uow:
        [action] = uow.session.scalars(select(Action))
        assert action.status.value == "open" and not action.reviews


def test_another_services_manager_gets_the_same_404_as_for_no_action_at_all(
    client: TestClient,
) -> None:
    sign_in(client, "mo-oak")
    location = record(client)
    sign_in(client, "bea-elm")
    theirs = client.get(location)
    missing = client.get("/dashboard/actions/999999")
    assert theirs.status_code == missing.status_code == 404
    assert "No such action" in theirs.text
    assert client.get("/dashboard/actions/not-a-number").status_code == 404
    assert "Lock the garden door" not in client.get("/dashboard/actions").text
    csrf = csrf_in(client.get("/dashboard/actions").text)
    moved = client.post(f"{location}/status", data={"csrf": csrf, "status": "done"})
    assert moved.status_code == 404
    # Nor can they record an action for a service that is not theirs.
    refused = client.post("/dashboard/actions/new", data=action_form(csrf))
    assert refused.status_code == 400 and "choose one of your services" in refused.text


def test_incomplete_forms_and_foreign_answers_are_refused_in_plain_words(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    csrf = csrf_in(client.get("/dashboard/actions/new").text)
    empty = client.post(
        "/dashboard/actions/new",
        data=action_form(csrf, title=" ", change="", theme="not-a-theme", due="soon"),
    )
    assert empty.status_code == 400
    assert "Please give the due day as a date" in empty.text
    bad = client.post("/dashboard/actions/new", data=action_form(csrf, title="", change=""))
    assert bad.status_code == 400
    assert "Please write a short title." in bad.text
    assert "what changes in day-to-day practice" in bad.text
    elm_answers = answer_ids(unit_of_work, "elm-lodge", "home_environment")
    foreign = client.post("/dashboard/actions/new", data=action_form(csrf, response=elm_answers))
    assert foreign.status_code == 400 and "not from this service" in foreign.text
    expired = client.post("/dashboard/actions/new", data=action_form("not-the-token"))
    assert expired.status_code == 403
    with unit_of_work() as uow:
        assert not list(uow.session.scalars(select(Action)))


def test_an_action_past_its_due_day_stands_out_until_it_is_done(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    location = record(client, due=(date.today() - timedelta(days=3)).isoformat())
    log = client.get("/dashboard/actions")
    assert "Overdue by 3 days" in log.text and "1 overdue" in log.text
    assert 'class="overdue"' in log.text or "class=overdue" in log.text
    page = client.get(location)
    assert "Overdue by 3 days" in page.text
    done = client.post(f"{location}/status", data={"csrf": csrf_in(page.text), "status": "done"})
    assert done.status_code == 303
    log = client.get("/dashboard/actions")
    assert "Overdue by" not in log.text and "none overdue" in log.text
    wrong = client.post(f"{location}/status", data={"csrf": csrf_in(page.text), "status": "x"})
    assert wrong.status_code == 400 and "Please choose a status" in wrong.text
    with unit_of_work() as uow:
        statuses = [
            e.detail for e in uow.session.scalars(select(AuditEntry)) if e.action == "action.status"
        ]
    assert statuses and statuses[0]["to"] == "done"


def test_a_review_asks_the_same_people_again_by_telegram_or_on_the_kiosk(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    location = record(client, response=answer_ids(unit_of_work, "oak-house", "safety"))
    made = schedule(client, location)
    assert made.status_code == 303
    with unit_of_work() as uow:
        asks = {ask.person_id: ask for ask in uow.session.scalars(select(ActionReviewAsk))}
        by_ref = {uow.people.by_ref("oak-house", r).id: r for r in ("maria-oak", "tom-oak")}
        channels = {by_ref[person]: ask.channel for person, ask in asks.items()}
        [send] = uow.session.scalars(select(ScheduledSend))
    # Tom has a Telegram chat: a send of just the set's questions on safety. Maria has none.
    assert channels == {"maria-oak": "kiosk", "tom-oak": "telegram"}
    assert send.question_set_id == "fixture_checkin~safety"
    page = client.get(location)
    assert "2 people asked (1 by Telegram, 1 on the kiosk)" in page.text
    assert "No one has answered on this theme since the review was sent yet." in page.text
    with unit_of_work() as uow:
        # The kiosk offers it to Maria once, and only to Maria.
        assert start_review_on_kiosk(uow, "oak-house", "tom-oak", "person", NOW) is None
        assert start_review_on_kiosk(uow, "oak-house", "maria-oak", "family", NOW) is None
        offered = start_review_on_kiosk(
            uow, "oak-house", "maria-oak", "person", datetime.now(timezone.utc)
        )
        assert offered == "fixture_checkin~safety"
        uow.commit()
    with unit_of_work() as uow:
        assert (
            start_review_on_kiosk(
                uow, "oak-house", "maria-oak", "person", datetime.now(timezone.utc)
            )
            is None
        )


def test_the_before_and_after_shows_the_counts_and_shares_only_from_enough_answers(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    location = record(client)
    # No answers were chosen: the review asks those who spoke on safety before.
    assert schedule(client, location).status_code == 303
    later = datetime.now(timezone.utc) + timedelta(seconds=1)
    with unit_of_work() as uow:
        conversation = add_conversation(uow, "conv-maria-after", "maria-oak", "oak-house")
        add_response(uow, conversation, "feel_safe", later, "good", None, ("safety",))
        uow.commit()
    page = client.get(location).text
    assert "Too few answers to compare as shares: 2 before and 1 since" in page
    assert '">1 of 1</td>' in page  # one good answer since, as a count not a share
    with unit_of_work() as uow:
        # Enough answers since: five more, four good, from both people.
        for number in range(5):
            ref = "maria-oak" if number % 2 else "tom-oak"
            conversation = add_conversation(uow, f"conv-after-{number}", ref, "oak-house")
            value = "good" if number else "bad"
            add_response(uow, conversation, "feel_safe", later, value, None, ("safety",))
        # Someone never asked answers too: they are not counted.
        stranger = add_conversation(uow, "conv-stranger", "new-oak", "oak-house")
        add_response(uow, stranger, "feel_safe", later, "bad", None, ("safety",))
        uow.commit()
    page = client.get(location).text
    assert '">5 (83%)</td>' in page and '">1 (17%)</td>' in page
    assert "Too few answers to compare as shares: 2 before and 6 since" in page


def test_a_review_needs_a_known_set_a_question_on_the_theme_and_weeks_in_range(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    location = record(client, theme="relationships")
    unknown = schedule(client, location, question_set="no_such_set")
    assert unknown.status_code == 400
    assert "choose a question set from the list" in unknown.text
    weeks = schedule(client, location, weeks="60")
    assert "from 0 to 52" in weeks.text
    words = schedule(client, location, weeks="soon")
    assert "whole number" in words.text
    nobody = schedule(client, location)  # nobody spoke on relationships before
    assert "There is nobody to ask" in nobody.text
    with unit_of_work() as uow:
        assert not list(uow.session.scalars(select(ActionReviewAsk)))


ROUTES = (
    ("get", "/dashboard/actions"),
    ("get", "/dashboard/actions/new"),
    ("post", "/dashboard/actions/new"),
    ("get", "{action}"),
    ("post", "{action}/status"),
    ("post", "{action}/reviews"),
)
# What each role gets from each route for an oak-house action: 2xx/3xx, or a refusal.
EXPECTED = {
    "ada-admin": ("ok", "ok", "ok", "ok", "ok", "ok"),
    "mo-oak": ("ok", "ok", "ok", "ok", "ok", "ok"),
    "bea-elm": ("ok", "ok", 400, 404, 404, 404),
    "vic-viewer": ("ok", 403, 403, "ok", 403, 403),
}


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_every_action_route_for_every_role(client: TestClient, username: str) -> None:
    sign_in(client, "mo-oak")
    action = record(client, response=[])
    for (method, path), expected in zip(ROUTES, EXPECTED[username], strict=True):
        sign_in(client, username)
        csrf = csrf_in(client.get("/dashboard/actions").text)
        form = action_form(csrf) | {"status": "in_progress", "question_set": "fixture_checkin"}
        form |= {"audience": "service", "weeks": "2"}
        url = path.format(action=action)
        got = client.get(url) if method == "get" else client.post(url, data=form)
        if expected == "ok":
            assert got.status_code in (200, 303), (username, method, url, got.status_code)
        else:
            assert got.status_code == expected, (username, method, url, got.status_code)
    client.cookies.clear()
    for method, path in ROUTES:
        url = path.format(action=action)
        got = client.get(url) if method == "get" else client.post(url, data={})
        assert got.status_code == 303 and got.headers["location"] == "/dashboard/login"


def test_answers_chosen_on_one_services_responses_lead_to_the_action_form(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    since = {"from": (date.today() - timedelta(days=20)).isoformat()}
    every = client.get("/dashboard/responses", params=since)
    assert "filter to one service first" in every.text and 'name="response"' not in every.text
    listed = client.get("/dashboard/responses", params=since | {"service": "oak-house"})
    boxes = re.findall(r'name="response" value="(\d+)"', listed.text)
    # The three answers of the last 20 days, all oak-house's (the fixture's March one is older).
    assert len(boxes) == 3
    assert {int(box) for box in boxes} <= set(answer_ids(unit_of_work, "oak-house", "safety"))
    assert 'action="/dashboard/actions/new"' in listed.text
    chosen = boxes[:2]
    form = client.get("/dashboard/actions/new", params={"service": "oak-house", "response": chosen})
    assert "decided on the 2 answers you chose" in form.text
    assert re.findall(r'name="response" value="(\d+)"', form.text) == sorted(chosen, key=int)
    # A viewer gets neither the boxes nor the form.
    sign_in(client, "vic-viewer")
    viewed = client.get("/dashboard/responses", params=since | {"service": "oak-house"})
    assert 'name="response"' not in viewed.text

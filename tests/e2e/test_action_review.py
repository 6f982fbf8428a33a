"""The loop closed, end to end: a manager records an action in the dashboard (in Debian's
Chromium), schedules a review, the person answers it on the kiosk through the real Rasa
and action servers, and the action's page shows the answers before and since.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.kiosk.tokens import issue
from cli.stack import Stack
from governance.dashboard_users import add_user
from governance.people import add_person
from storage.models import Conversation, Service, utcnow
from storage.unit_of_work import UnitOfWork
from tests.e2e.dashboard_browser import (
    no_axe_violations,
)
from tests.e2e.test_kiosk_api import Kiosk, _button
from tests.integration.governance_rows import add_conversation, add_response

MAPLE = "maple-court"
PASSWORD = "a long manager password"
UNSAFE = "The back door is left open at night and I lie awake"


@pytest.fixture(scope="module")
def maple(store: Callable[[], UnitOfWork]) -> tuple[str, int]:
    """A service of its own, a person on its kiosk who felt unsafe, and its manager."""
    with store() as uow:
        uow.services.add(Service(id=MAPLE, provider_id="acme-care", name="Maple Court"))
        uow.session.flush()
        token, _ = issue(uow, MAPLE, "lounge tablet")
        person = add_person(uow, MAPLE, "Jo", ref=f"jo-{uuid.uuid4().hex[:6]}")
        earlier = add_conversation(uow, f"maple-{uuid.uuid4().hex[:8]}", person.ref, MAPLE)
        when = utcnow() - timedelta(days=12)
        add_response(uow, earlier, "feel_safe", when, "no", None, ("safety",))
        add_response(uow, earlier, "feel_safe_more", when, None, UNSAFE, ("safety",))
        add_user(uow, "test", "max-maple", PASSWORD, "manager", (MAPLE,))
        uow.commit()
        return token, person.id


def test_an_action_is_reviewed_by_asking_the_person_again_on_the_kiosk(
    page: Page,
    stack: Stack,
    app_client: TestClient,
    store: Callable[[], UnitOfWork],
    maple: tuple[str, int],
) -> None:
    token, person_id = maple
    page.goto(f"{stack.settings.app_url}/dashboard/login")
    page.get_by_label("Username").fill("max-maple")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Action log").click()
    expect(page.get_by_role("heading", name="Action log")).to_be_visible()
    no_axe_violations(page, "action log, empty")

    page.get_by_role("link", name="Record a new action").click()
    no_axe_violations(page, "record an action")
    page.get_by_label("Service").select_option(MAPLE)
    page.get_by_label("Theme").select_option("safety")
    page.get_by_label("Short title").fill("Check the back door at night")
    page.get_by_label("Decision").fill("Night staff check the back door, as Jo lies awake.")
    page.get_by_label("Risks and proportionality").fill("A locked door must still open in a fire.")
    page.get_by_label("Action", exact=True).fill("The back door is checked on every night round.")
    page.get_by_label("Owner").fill("Night team leader")
    page.get_by_role("button", name="Record the action").click()
    expect(page.get_by_role("heading", name="Check the back door at night")).to_be_visible()
    expect(page.get_by_text("No review is scheduled yet.")).to_be_visible()
    no_axe_violations(page, "an action")

    # Ask again at once, just the set's questions on safety, of those who spoke on it.
    page.get_by_label("Question set").select_option("fixture_checkin")
    page.get_by_label("After how many weeks").fill("0")
    page.get_by_role("button", name="Schedule the review").click()
    expect(page.get_by_text("1 person asked (0 by Telegram, 1 on the kiosk)")).to_be_visible()
    expect(page.get_by_role("status").last).to_contain_text("No one has answered")

    # Jo picks themselves on the kiosk: the review comes first, and only its question.
    kiosk = Kiosk(app_client, token)
    [consent] = kiosk.start(person=str(person_id))
    asked = kiosk.tap(_button(consent, "Yes, let's start"))[-1]
    assert asked["question_id"] == "feel_safe"
    after = kiosk.tap(_button(asked, "Yes"))[-1]
    assert after.get("question_id") != "listened_to"  # no other theme's question follows

    page.reload()
    expect(
        page.get_by_text("1 person asked (0 by Telegram, 1 on the kiosk), 1 reached")
    ).to_be_visible()
    review = page.get_by_role("table")
    expect(review.get_by_role("row", name="Before the action")).to_contain_text("1 of 1")
    expect(review.get_by_role("row", name="Since the review")).to_contain_text("1 of 1")
    expect(page.get_by_role("status").last).to_contain_text(
        "Too few answers to compare as shares: 1 before and 1 since"
    )
    no_axe_violations(page, "an action with its review answered")

    # Answered: next time Jo picks themselves, it is the usual check-in again.
    [again] = Kiosk(app_client, token).start(person=str(person_id))
    assert again["question_id"] == "consent"
    with store() as uow:
        sets = uow.session.scalars(
            select(Conversation.question_set_id)
            .where(Conversation.person_id == person_id, Conversation.channel == "kiosk")
            .order_by(Conversation.started_at)
        )
        assert list(sets) == ["fixture_checkin~safety", "fixture_checkin"]

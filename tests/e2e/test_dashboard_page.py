"""The dashboard in Debian's Chromium: signed in and filtered by keyboard alone, and
the sign-in and responses pages pass axe-core for WCAG 2.2 A and AA.

The app runs under uvicorn on a free port with a store of its own; Rasa is not needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from storage.unit_of_work import open_store
from tests.conftest import seed_service
from tests.dashboard_rows import OAK_WORDS, PASSWORD, seed_dashboard
from tests.e2e.dashboard_browser import (
    dashboard_settings,
    no_axe_violations,
    serving,
    tab_to,
)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = dashboard_settings(tmp_path_factory, "dashboard")
    store = open_store(settings.resolved_database_url)
    seed_service(store)
    with store() as uow:
        seed_dashboard(uow, datetime.now(timezone.utc) - timedelta(hours=1))
        uow.commit()
    with serving(settings) as url:
        yield url


def test_signing_in_and_filtering_by_keyboard_alone_on_pages_that_pass_axe(
    page: Page, app_url: str
) -> None:
    page.goto(f"{app_url}/dashboard/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    no_axe_violations(page, "sign in")

    tab_to(page, page.get_by_label("Username"))
    page.keyboard.type("mo-oak")
    page.keyboard.press("Tab")
    page.keyboard.type("not my password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("do not match an active account")
    no_axe_violations(page, "sign in, wrong password")

    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Responses")).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("2 responses ")
    expect(page.get_by_role("table")).to_contain_text(OAK_WORDS)
    no_axe_violations(page, "responses")

    tab_to(page, page.get_by_label("Theme"))
    page.keyboard.type("Feeling safe")  # a select chooses the option its typed words start
    expect(page.get_by_label("Theme")).to_have_value("safety")
    tab_to(page, page.get_by_role("button", name="Show responses"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("theme=safety"))
    expect(page.locator("#summary")).to_contain_text("1 response ")
    expect(page.get_by_role("table")).not_to_contain_text(OAK_WORDS)
    no_axe_violations(page, "responses, filtered")

    page.goto(f"{app_url}/dashboard/responses?from=tomorrow")
    expect(page.get_by_role("alert")).to_contain_text("must be a day written YYYY-MM-DD")
    no_axe_violations(page, "responses, a wrong filter")

    tab_to(page, page.get_by_role("button", name="Sign out"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_admins_audit_log_page_passes_axe(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/dashboard/login")
    page.get_by_label("Username").fill("ada-admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("dashboard.login")
    no_axe_violations(page, "audit log")

"""The safeguarding pages in Debian's Chromium: an alert acknowledged by keyboard alone, and
the alerts, incident, updates owed and real-names pages pass axe-core for WCAG 2.2 A and AA.

The app runs under uvicorn on a free port with a store of its own; Rasa is not needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from storage.unit_of_work import open_store
from tests.conftest import seed_service
from tests.dashboard_rows import PASSWORD, seed_dashboard
from tests.e2e.dashboard_browser import (
    dashboard_settings,
    no_axe_violations,
    serving,
    tab_to,
)
from tests.safety_rows import OAK_ALERT_WORDS, OAK_FIRST_NAME, OAK_LEAD, SafetyIds, seed_safety


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SafetyIds]]:
    settings = dashboard_settings(tmp_path_factory, "dashboard-safety")
    store = open_store(settings.resolved_database_url)
    seed_service(store)
    now = datetime.now(timezone.utc)
    with store() as uow:
        seed_dashboard(uow, now - timedelta(hours=1))
        ids = seed_safety(uow, now)
        uow.commit()
    with serving(settings) as url:
        yield url, ids


def _sign_in_by_keyboard(page: Page, app_url: str, username: str) -> None:
    page.goto(f"{app_url}/dashboard/login")
    tab_to(page, page.get_by_label("Username"))
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Responses")).to_be_visible()


def test_a_manager_acknowledges_an_alert_by_keyboard_on_pages_that_pass_axe(
    page: Page, served: tuple[str, SafetyIds]
) -> None:
    app_url, ids = served
    _sign_in_by_keyboard(page, app_url, "mo-oak")

    tab_to(page, page.get_by_role("link", name="Safeguarding alerts"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Safeguarding alerts")).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("2 alerts")
    expect(page.get_by_role("table")).to_contain_text(OAK_ALERT_WORDS)
    no_axe_violations(page, "safeguarding alerts")

    tab_to(page, page.get_by_role("link", name=f"Alert {ids.oak_alert}", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Safeguarding alert {ids.oak_alert}")).to_be_visible()
    no_axe_violations(page, "one safeguarding alert")

    tab_to(page, page.get_by_label("Who has it in hand"))
    page.keyboard.type("Lena")  # a select chooses the option its typed words start
    expect(page.get_by_label("Who has it in hand")).to_have_value(
        page.get_by_role("option", name=f"{OAK_LEAD} (safeguarding lead)").get_attribute("value")
        or ""
    )
    tab_to(page, page.get_by_role("button", name="Acknowledge"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("is acknowledged")
    expect(page.locator(".details")).to_contain_text(f"by {OAK_LEAD} at")
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    no_axe_violations(page, "an acknowledged alert")

    page.goto(f"{app_url}/dashboard/alerts?status=urgent")
    expect(page.get_by_role("alert")).to_contain_text("There is no alert status")
    no_axe_violations(page, "safeguarding alerts, a wrong filter")

    page.goto(f"{app_url}/dashboard/alerts/{ids.elm_alert}")
    expect(page.get_by_role("heading", name="No such safeguarding alert")).to_be_visible()
    no_axe_violations(page, "another service's alert")

    page.get_by_role("link", name="Incidents").click()
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    no_axe_violations(page, "incidents")
    page.get_by_role("link", name=f"Incident {ids.oak_incident}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Incident {ids.oak_incident}")).to_be_visible()
    expect(page.get_by_role("table", name="Updates owed")).to_contain_text("OVERDUE")
    no_axe_violations(page, "one incident")

    page.get_by_role("link", name="Updates owed").first.click()
    expect(page.get_by_role("heading", name="Updates owed")).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("1 of them OVERDUE")
    no_axe_violations(page, "updates owed")
    tab_to(page, page.get_by_label("Update", exact=True))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("by phone")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("is recorded as given")
    expect(page.locator("#summary")).to_contain_text("none overdue")
    no_axe_violations(page, "updates owed, one recorded")


def test_an_admin_reveals_real_names_with_a_reason_on_pages_that_pass_axe(
    page: Page, served: tuple[str, SafetyIds]
) -> None:
    app_url, ids = served
    _sign_in_by_keyboard(page, app_url, "ada-admin")
    page.goto(f"{app_url}/dashboard/incidents/{ids.oak_incident}")
    tab_to(page, page.get_by_label("Why you need to see real names"))
    page.keyboard.type("too short")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("in at least 3 words")
    no_axe_violations(page, "show real names, no reason")

    page.get_by_label("Why you need to see real names").fill("checking the falls referral today")
    page.get_by_role("button", name="Show real names").click()
    expect(page.get_by_role("heading", name=f"Incident {ids.oak_incident}")).to_be_visible()
    expect(page.locator(".details").first).to_contain_text(f"maria-oak ({OAK_FIRST_NAME})")
    no_axe_violations(page, "one incident, real names shown")
    page.get_by_role("button", name="Hide names").click()
    expect(page.locator(".details").first).not_to_contain_text("maria-oak")

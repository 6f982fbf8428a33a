"""The safeguarding pages in Debian's Chromium: an alert acknowledged by keyboard alone, and
the alerts, incident, updates owed and real-names pages pass axe-core for WCAG 2.2 A and AA.

The app runs under uvicorn on a free port with a store of its own; Rasa is not needed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from bot.app import create_app
from cli.stack import free_port
from covoice.settings import PROJECT_ROOT
from storage.migrate import upgrade_database
from storage.unit_of_work import open_store
from tests.browser import CHROMIUM, launch
from tests.conftest import fixture_settings, seed_service
from tests.dashboard_rows import PASSWORD, seed_dashboard
from tests.safety_rows import OAK_ALERT_WORDS, OAK_FIRST_NAME, OAK_LEAD, SafetyIds, seed_safety

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SafetyIds]]:
    data_dir: Path = tmp_path_factory.mktemp("dashboard-safety")
    port = free_port()
    database_url = f"sqlite:///{data_dir / 'covoice.db'}"
    settings = fixture_settings(
        data_dir,
        database_url=database_url,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        app_port=port,
    )
    upgrade_database(database_url)
    store = open_store(database_url)
    seed_service(store)
    now = datetime.now(timezone.utc)
    with store() as uow:
        seed_dashboard(uow, now - timedelta(hours=1))
        ids = seed_safety(uow, now)
        uow.commit()
    server = uvicorn.Server(
        # No websockets: rasa-sdk pins websockets 10, which uvicorn's support cannot load.
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning", ws="none"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    else:
        pytest.fail("The app did not start for the dashboard's browser test.")
    yield settings.app_url, ids
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("The dashboard's browser tests need Debian's Chromium: run 'make test'.")
    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # axe is injected into the page, which the page's own policy forbids.
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, bypass_csp=True, locale="en-GB"
    )
    yield context.new_page()
    context.close()


def _no_axe_violations(page: Page, screen: str) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run 'make test' (npm ci installs it).")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target).join(' ')))",
        AXE_TAGS,
    )
    assert violations == [], f"{screen}: {violations}"


def _tab_to(page: Page, target: Locator) -> None:
    for _ in range(40):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError("the keyboard never reached it")


def _sign_in_by_keyboard(page: Page, app_url: str, username: str) -> None:
    page.goto(f"{app_url}/dashboard/login")
    _tab_to(page, page.get_by_label("Username"))
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

    _tab_to(page, page.get_by_role("link", name="Safeguarding alerts"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Safeguarding alerts")).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("2 alerts")
    expect(page.get_by_role("table")).to_contain_text(OAK_ALERT_WORDS)
    _no_axe_violations(page, "safeguarding alerts")

    _tab_to(page, page.get_by_role("link", name=f"Alert {ids.oak_alert}", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Safeguarding alert {ids.oak_alert}")).to_be_visible()
    _no_axe_violations(page, "one safeguarding alert")

    _tab_to(page, page.get_by_label("Who has it in hand"))
    page.keyboard.type("Lena")  # a select chooses the option its typed words start
    expect(page.get_by_label("Who has it in hand")).to_have_value(
        page.get_by_role("option", name=f"{OAK_LEAD} (safeguarding lead)").get_attribute("value")
        or ""
    )
    _tab_to(page, page.get_by_role("button", name="Acknowledge"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("is acknowledged")
    expect(page.locator(".details")).to_contain_text(f"by {OAK_LEAD} at")
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    _no_axe_violations(page, "an acknowledged alert")

    page.goto(f"{app_url}/dashboard/alerts?status=urgent")
    expect(page.get_by_role("alert")).to_contain_text("There is no alert status")
    _no_axe_violations(page, "safeguarding alerts, a wrong filter")

    page.goto(f"{app_url}/dashboard/alerts/{ids.elm_alert}")
    expect(page.get_by_role("heading", name="No such safeguarding alert")).to_be_visible()
    _no_axe_violations(page, "another service's alert")

    page.get_by_role("link", name="Incidents").click()
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    _no_axe_violations(page, "incidents")
    page.get_by_role("link", name=f"Incident {ids.oak_incident}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Incident {ids.oak_incident}")).to_be_visible()
    expect(page.get_by_role("table", name="Updates owed")).to_contain_text("OVERDUE")
    _no_axe_violations(page, "one incident")

    page.get_by_role("link", name="Updates owed").first.click()
    expect(page.get_by_role("heading", name="Updates owed")).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("1 of them OVERDUE")
    _no_axe_violations(page, "updates owed")
    _tab_to(page, page.get_by_label("Update", exact=True))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("by phone")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("is recorded as given")
    expect(page.locator("#summary")).to_contain_text("none overdue")
    _no_axe_violations(page, "updates owed, one recorded")


def test_an_admin_reveals_real_names_with_a_reason_on_pages_that_pass_axe(
    page: Page, served: tuple[str, SafetyIds]
) -> None:
    app_url, ids = served
    _sign_in_by_keyboard(page, app_url, "ada-admin")
    page.goto(f"{app_url}/dashboard/incidents/{ids.oak_incident}")
    _tab_to(page, page.get_by_label("Why you need to see real names"))
    page.keyboard.type("too short")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("in at least 3 words")
    _no_axe_violations(page, "show real names, no reason")

    page.get_by_label("Why you need to see real names").fill("checking the falls referral today")
    page.get_by_role("button", name="Show real names").click()
    expect(page.get_by_role("heading", name=f"Incident {ids.oak_incident}")).to_be_visible()
    expect(page.locator(".details").first).to_contain_text(f"maria-oak ({OAK_FIRST_NAME})")
    _no_axe_violations(page, "one incident, real names shown")
    page.get_by_role("button", name="Hide names").click()
    expect(page.locator(".details").first).not_to_contain_text("maria-oak")

"""The dashboard in Debian's Chromium: signed in and filtered by keyboard alone, and
the sign-in and responses pages pass axe-core for WCAG 2.2 A and AA.

The app runs under uvicorn on a free port with a store of its own; Rasa is not needed.
"""

from __future__ import annotations

import re
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
from tests.dashboard_rows import OAK_WORDS, PASSWORD, seed_dashboard

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("dashboard")
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
    with store() as uow:
        seed_dashboard(uow, datetime.now(timezone.utc) - timedelta(hours=1))
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
    yield settings.app_url
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
    for _ in range(30):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError("the keyboard never reached it")


def test_signing_in_and_filtering_by_keyboard_alone_on_pages_that_pass_axe(
    page: Page, app_url: str
) -> None:
    page.goto(f"{app_url}/dashboard/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    _no_axe_violations(page, "sign in")

    _tab_to(page, page.get_by_label("Username"))
    page.keyboard.type("mo-oak")
    page.keyboard.press("Tab")
    page.keyboard.type("not my password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("do not match an active account")
    _no_axe_violations(page, "sign in, wrong password")

    _tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Responses")).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("2 responses ")
    expect(page.get_by_role("table")).to_contain_text(OAK_WORDS)
    _no_axe_violations(page, "responses")

    _tab_to(page, page.get_by_label("Theme"))
    page.keyboard.type("Feeling safe")  # a select chooses the option its typed words start
    expect(page.get_by_label("Theme")).to_have_value("safety")
    _tab_to(page, page.get_by_role("button", name="Show responses"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("theme=safety"))
    expect(page.locator("#summary")).to_contain_text("1 response ")
    expect(page.get_by_role("table")).not_to_contain_text(OAK_WORDS)
    _no_axe_violations(page, "responses, filtered")

    page.goto(f"{app_url}/dashboard/responses?from=tomorrow")
    expect(page.get_by_role("alert")).to_contain_text("must be a day written YYYY-MM-DD")
    _no_axe_violations(page, "responses, a wrong filter")

    _tab_to(page, page.get_by_role("button", name="Sign out"))
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
    _no_axe_violations(page, "audit log")

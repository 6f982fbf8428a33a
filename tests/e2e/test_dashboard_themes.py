"""The themes page and the theme correction page in Debian's Chromium: reached and used
by keyboard alone, a chart image that loads, and zero axe-core violations (WCAG 2.2 A, AA).

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
    data_dir: Path = tmp_path_factory.mktemp("dashboard-themes")
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


def _tab_to(page: Page, target: Locator, presses: int = 60) -> None:
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError("the keyboard never reached it")


def _sign_in(page: Page, app_url: str, username: str) -> None:
    page.goto(f"{app_url}/dashboard/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Responses")).to_be_visible()


def test_the_themes_page_by_keyboard_shows_a_chart_that_loads_and_passes_axe(
    page: Page, app_url: str
) -> None:
    _sign_in(page, app_url, "ada-admin")
    _tab_to(page, page.get_by_role("link", name="Themes", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Themes", level=1)).to_be_visible()
    chart = page.get_by_role("img", name=re.compile("^Bar chart of good, okay, not good"))
    expect(chart.first).to_be_visible()
    chart.first.scroll_into_view_if_needed()
    expect(chart.first).to_have_js_property("complete", True)
    assert chart.first.evaluate("image => image.naturalWidth") > 0
    image = page.request.get(f"{app_url}{chart.first.get_attribute('src')}")
    assert image.status == 200
    assert image.headers["content-type"] == "image/svg+xml"
    assert len(image.body()) > 0 and b"<svg" in image.body()
    expect(page.get_by_role("table").first).to_contain_text("1 of 1")
    _no_axe_violations(page, "themes")

    _tab_to(page, page.get_by_label("Service"))
    page.keyboard.type("elm")  # a select chooses the option its typed words start
    expect(page.get_by_label("Service")).to_have_value("elm-lodge")
    _tab_to(page, page.get_by_role("button", name="Show themes"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("service=elm-lodge"))
    expect(page.get_by_role("heading", name="Home and environment")).to_be_visible()
    expect(page.get_by_role("heading", name="Oak House")).to_have_count(0)
    _no_axe_violations(page, "themes, one service")

    page.goto(f"{app_url}/dashboard/themes?from=2026-13")
    expect(page.get_by_role("alert")).to_contain_text("must be a month written YYYY-MM")
    _no_axe_violations(page, "themes, a wrong filter")


def test_a_manager_corrects_themes_by_keyboard_on_a_page_that_passes_axe(
    page: Page, app_url: str
) -> None:
    _sign_in(page, app_url, "mo-oak")
    link = page.get_by_role("link", name=re.compile("Correct themes of answer"))
    expect(link).to_have_count(1)
    _tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Correct themes")).to_be_visible()
    expect(page.locator("blockquote")).to_have_text(OAK_WORDS)
    expect(page.get_by_label("Food and drink")).not_to_be_checked()
    _no_axe_violations(page, "correct themes")

    _tab_to(page, page.get_by_label("Food and drink"))
    page.keyboard.press("Space")
    _tab_to(page, page.get_by_label("Staff and consistency"))
    page.keyboard.press("Space")
    _tab_to(page, page.get_by_role("button", name="Save themes"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(
        "The words now carry: Food and drink, Staff and consistency."
    )
    expect(page.get_by_role("table")).to_contain_text("dashboard:mo-oak")
    _no_axe_violations(page, "correct themes, saved")

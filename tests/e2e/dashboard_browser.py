"""The dashboard's browser tests share these: the app under uvicorn on a store of a test's
own, Debian's Chromium, axe-core for WCAG 2.2 A and AA, and moving by keyboard.

Rasa is not needed: the dashboard reads the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager

import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from bot.app_thread import app_in_thread
from cli.stack import free_port
from covoice.settings import PROJECT_ROOT, Settings
from storage.migrate import upgrade_database
from tests.browser import CHROMIUM, launch
from tests.conftest import fixture_settings

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def dashboard_settings(tmp_path_factory: pytest.TempPathFactory, name: str) -> Settings:
    """Settings for an app on a free port with a new, migrated store of its own."""
    data_dir = tmp_path_factory.mktemp(name)
    database_url = f"sqlite:///{data_dir / 'covoice.db'}"
    upgrade_database(database_url)
    return fixture_settings(
        data_dir,
        database_url=database_url,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        app_port=free_port(),
    )


def serving(settings: Settings) -> AbstractContextManager[str]:
    """The app under uvicorn in a thread, for as long as the block runs; yields its address."""
    return app_in_thread(settings)


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


def no_axe_violations(page: Page, screen: str) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run 'make test' (npm ci installs it).")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target).join(' ')))",
        AXE_TAGS,
    )
    assert violations == [], f"{screen}: {violations}"


def tab_to(page: Page, target: Locator, presses: int = 60) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user would."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError("the keyboard never reached it")

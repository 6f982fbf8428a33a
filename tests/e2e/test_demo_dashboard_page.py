"""The demo in Debian's Chromium: its manager signs in, sees the "Demo data" banner and
only their own service, on a page that passes axe-core for WCAG 2.2 A and AA.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bot.app import create_app
from checkin.question_sets import load_question_set
from cli.stack import free_port
from covoice.settings import PROJECT_ROOT
from covoice.taxonomy import load_taxonomy
from governance.demo_data import DemoSets, Login, seed
from storage.migrate import upgrade_database
from storage.unit_of_work import open_store
from tests.browser import CHROMIUM, launch
from tests.conftest import FIXTURE_SETS, fixture_settings

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Login]]:
    data_dir: Path = tmp_path_factory.mktemp("demo")
    port = free_port()
    database_url = f"sqlite:///{data_dir / 'covoice.db'}"
    settings = fixture_settings(
        data_dir,
        database_url=database_url,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        app_port=port,
    )
    upgrade_database(database_url)
    taxonomy = load_taxonomy(settings.taxonomy_path)
    sets = DemoSets(
        *(
            load_question_set(FIXTURE_SETS / f"{name}.yml", taxonomy)
            for name in ("fixture_checkin", "fixture_incident_person", "fixture_incident_family")
        )
    )
    with open_store(database_url)() as uow:
        seeded = seed(uow, sets)
        uow.commit()
    manager = next(login for login in seeded.logins if login.role == "manager")
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
        pytest.fail("The app did not start for the demo's browser test.")
    yield settings.app_url, manager
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


def test_the_demo_manager_sees_the_banner_and_their_service_on_a_page_that_passes_axe(
    page: Page, demo_app: tuple[str, Login]
) -> None:
    app_url, manager = demo_app
    page.goto(f"{app_url}/dashboard/login")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill(manager.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Responses")).to_be_visible()
    expect(page.locator(".demo-banner")).to_contain_text("Demo data")
    expect(page.locator(".demo-banner")).to_be_visible()
    service = page.get_by_label("Service")
    expect(service).to_contain_text("Riverside House (demo)")
    expect(service).not_to_contain_text("Oak View")
    if not AXE.exists():
        pytest.fail("axe-core is missing: run 'make test' (npm ci installs it).")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target).join(' ')))",
        AXE_TAGS,
    )
    assert violations == [], violations

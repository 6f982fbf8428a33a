"""The demo in Debian's Chromium: its manager signs in, sees the "Demo data" banner and
only their own service, on a page that passes axe-core for WCAG 2.2 A and AA.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from checkin.question_sets import load_question_set
from covoice.taxonomy import load_taxonomy
from governance.demo_data import DemoSets, Login, seed
from storage.unit_of_work import open_store
from tests.conftest import FIXTURE_SETS
from tests.e2e.dashboard_browser import (
    dashboard_settings,
    no_axe_violations,
    serving,
)


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Login]]:
    settings = dashboard_settings(tmp_path_factory, "demo")
    taxonomy = load_taxonomy(settings.taxonomy_path)
    sets = DemoSets(
        *(
            load_question_set(FIXTURE_SETS / f"{name}.yml", taxonomy)
            for name in ("fixture_checkin", "fixture_incident_person", "fixture_incident_family")
        )
    )
    with open_store(settings.resolved_database_url)() as uow:
        seeded = seed(uow, sets)
        uow.commit()
    manager = next(login for login in seeded.logins if login.role == "manager")
    with serving(settings) as url:
        yield url, manager


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
    no_axe_violations(page, "the demo's responses")

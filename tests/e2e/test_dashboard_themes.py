"""The themes page and the theme correction page in Debian's Chromium: reached and used
by keyboard alone, a chart image that loads, and zero axe-core violations (WCAG 2.2 A, AA).

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
    settings = dashboard_settings(tmp_path_factory, "dashboard-themes")
    store = open_store(settings.resolved_database_url)
    seed_service(store)
    with store() as uow:
        seed_dashboard(uow, datetime.now(timezone.utc) - timedelta(hours=1))
        uow.commit()
    with serving(settings) as url:
        yield url


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
    tab_to(page, page.get_by_role("link", name="Themes", exact=True))
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
    no_axe_violations(page, "themes")

    tab_to(page, page.get_by_label("Service"))
    page.keyboard.type("elm")  # a select chooses the option its typed words start
    expect(page.get_by_label("Service")).to_have_value("elm-lodge")
    tab_to(page, page.get_by_role("button", name="Show themes"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("service=elm-lodge"))
    expect(page.get_by_role("heading", name="Home and environment")).to_be_visible()
    expect(page.get_by_role("heading", name="Oak House")).to_have_count(0)
    no_axe_violations(page, "themes, one service")

    page.goto(f"{app_url}/dashboard/themes?from=2026-13")
    expect(page.get_by_role("alert")).to_contain_text("must be a month written YYYY-MM")
    no_axe_violations(page, "themes, a wrong filter")


def test_a_manager_corrects_themes_by_keyboard_on_a_page_that_passes_axe(
    page: Page, app_url: str
) -> None:
    _sign_in(page, app_url, "mo-oak")
    link = page.get_by_role("link", name=re.compile("Correct themes of answer"))
    expect(link).to_have_count(1)
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Correct themes")).to_be_visible()
    expect(page.locator("blockquote")).to_have_text(OAK_WORDS)
    expect(page.get_by_label("Food and drink")).not_to_be_checked()
    no_axe_violations(page, "correct themes")

    tab_to(page, page.get_by_label("Food and drink"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Staff and consistency"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Save themes"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(
        "The words now carry: Food and drink, Staff and consistency."
    )
    expect(page.get_by_role("table")).to_contain_text("dashboard:mo-oak")
    no_axe_violations(page, "correct themes, saved")

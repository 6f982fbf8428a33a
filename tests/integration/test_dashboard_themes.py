"""The themes page, its chart images and the theme correction page over HTTP:
what each role may see and do, bad filters, and the audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from cli.stack import free_port
from covoice.settings import Settings
from governance.tag_review import as_theme_examples, usable_corrections
from storage.models import Response, TagCorrection
from storage.unit_of_work import UnitOfWork
from tests.conftest import fixture_settings
from tests.dashboard_rows import ELM_WORDS, OAK_WORDS, USERS, csrf_in, seed_dashboard
from tests.integration.test_dashboard import audit, sign_in
from tests.theme_rows import STAFF_WORDS, seed_theme_months

MONTHS = {"from": "2026-02", "to": "2026-04"}
CHART = "/dashboard/themes/chart.svg"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return fixture_settings(
        tmp_path, database_url=database_url, rasa_url=f"http://127.0.0.1:{free_port()}"
    )


@pytest.fixture
def client(settings: Settings, unit_of_work: Callable[[], UnitOfWork]) -> Iterator[TestClient]:
    with unit_of_work() as uow:
        seed_dashboard(uow)
        seed_theme_months(uow)
        uow.commit()
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def answer_id(unit_of_work: Callable[[], UnitOfWork], words: str) -> int:
    with unit_of_work() as uow:
        found = uow.session.scalar(select(Response.id).where(Response.free_text == words))
    assert found is not None
    return found


def test_the_themes_page_counts_each_theme_by_month_and_names_the_one_getting_worse(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "ada-admin")
    page = client.get("/dashboard/themes", params=MONTHS)
    assert page.status_code == 200
    text = page.text
    assert "<h1>Themes</h1>" in text and 'aria-current="page">Themes' in text
    assert "Getting worse (1)" in text
    worse = "Food and drink at Oak House</a>: Not good went from 1 of 5 (20%) in February 2026"
    assert worse in text
    assert "to 3 of 5 (60%) in March 2026" in text
    # A share from fewer than five answers is a count only.
    assert '<td dir="auto">1 of 1</td>' in text and "100%" not in text
    assert "Counts for Home and environment at elm-lodge" in text
    assert f"{CHART}?service=oak-house&amp;theme=food_drink&amp;from=2026-02&amp;to=2026-04" in text
    assert 'alt="Bar chart of good, okay, not good and unrated answers about Food and drink' in text
    assert OAK_WORDS not in text and STAFF_WORDS not in text
    views = audit(unit_of_work, "dashboard.themes.view")
    assert [(v.actor, v.detail["from"], v.detail["to"]) for v in views] == [
        ("dashboard:ada-admin", "2026-02", "2026-04")
    ]


def test_the_default_is_the_last_six_months(client: TestClient) -> None:
    sign_in(client, "vic-viewer")
    page = client.get("/dashboard/themes")
    assert page.status_code == 200 and "Months from " in page.text


def test_a_chart_is_an_svg_image_and_its_view_is_audited(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    chart = client.get(CHART, params=MONTHS | {"service": "oak-house", "theme": "food_drink"})
    assert chart.status_code == 200
    assert chart.headers["content-type"] == "image/svg+xml"
    assert chart.content.startswith(b"<?xml") and b"<svg" in chart.content
    empty = client.get(CHART, params=MONTHS | {"service": "oak-house", "theme": "personal_care"})
    assert empty.status_code == 200 and b"<svg" in empty.content
    charts = audit(unit_of_work, "dashboard.themes.chart")
    assert [(c.detail["service"], c.detail["theme"]) for c in charts] == [
        ("oak-house", "food_drink"),
        ("oak-house", "personal_care"),
    ]


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/dashboard/themes", {"from": "2026-13"}, "must be a month written YYYY-MM"),
        ("/dashboard/themes", {"to": "March"}, "must be a month written YYYY-MM"),
        ("/dashboard/themes", {"from": "2026-05", "to": "2026-04"}, "after the &#x27;To&#x27;"),
        ("/dashboard/themes", {"from": "2024-01", "to": "2026-04"}, "at most 24"),
        ("/dashboard/themes", {"theme": "weather"}, "There is no theme &#x27;weather&#x27;"),
        (CHART, {"service": "oak-house"}, "needs both a service and a theme"),
        (CHART, {"service": "oak-house", "theme": "food_drink", "from": "x"}, "YYYY-MM"),
    ],
)
def test_a_wrong_filter_gets_a_400_in_plain_words(
    client: TestClient, path: str, params: dict[str, str], message: str
) -> None:
    sign_in(client, "ada-admin")
    page = client.get(path, params=params)
    assert page.status_code == 400
    assert message in page.text and "<img" not in page.text


def test_a_manager_gets_the_same_404_for_another_service_as_for_none(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    other = client.get("/dashboard/themes", params={"service": "elm-lodge"})
    none = client.get("/dashboard/themes", params={"service": "no-such-place"})
    assert other.status_code == none.status_code == 404
    assert other.text.replace("elm-lodge", "X") == none.text.replace("no-such-place", "X")
    chart = client.get(CHART, params={"service": "elm-lodge", "theme": "home_environment"})
    assert chart.status_code == 404 and b"<svg" not in chart.content
    own = client.get("/dashboard/themes", params=MONTHS).text
    assert "elm-lodge" not in own and "Home and environment" not in own.split("Show themes")[1]
    assert len(audit(unit_of_work, "dashboard.themes.refused")) == 3


def test_a_manager_corrects_the_themes_of_words_and_the_correction_is_kept_for_training(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    oak = answer_id(unit_of_work, OAK_WORDS)
    sign_in(client, "mo-oak")
    listed = client.get("/dashboard/responses", params={"from": "2026-03-01", "to": "2026-03-31"})
    assert f'href="/dashboard/responses/{oak}/themes">Correct themes' in listed.text
    form = client.get(f"/dashboard/responses/{oak}/themes")
    assert form.status_code == 200
    assert OAK_WORDS in form.text and "<h1>Correct themes</h1>" in form.text
    assert '<label for="theme-staff_consistency">Staff and consistency</label>' in form.text
    saved = client.post(
        f"/dashboard/responses/{oak}/themes",
        data={"csrf": csrf_in(form.text), "theme": ["food_drink", "staff_consistency"]},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/dashboard/responses/{oak}/themes?saved=1"
    after = client.get(saved.headers["location"]).text
    assert "Saved. The words now carry: Food and drink, Staff and consistency." in after
    assert "dashboard:mo-oak" in after  # the history says who
    by_theme = client.get(
        "/dashboard/responses",
        params={"from": "2026-03-01", "to": "2026-03-31", "theme": "staff_consistency"},
    )
    assert OAK_WORDS in by_theme.text
    with unit_of_work() as uow:
        stored = uow.session.scalars(select(TagCorrection)).one()
        assert (stored.corrected_by, stored.themes) == (
            "dashboard:mo-oak",
            ["food_drink", "staff_consistency"],
        )
        assert stored.corrected_at is not None and stored.text == OAK_WORDS
        assert "staff_consistency" in as_theme_examples(usable_corrections(uow.session))
    [corrected] = audit(unit_of_work, "dashboard.themes.corrected")
    assert corrected.detail["after"] == ["food_drink", "staff_consistency"]
    assert corrected.detail["before"] == []
    assert len(audit(unit_of_work, "dashboard.themes.correction.view")) == 2


def test_no_theme_at_all_is_a_correction_too(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    staff = answer_id(unit_of_work, STAFF_WORDS)
    sign_in(client, "ada-admin")
    form = client.get(f"/dashboard/responses/{staff}/themes").text
    assert 'value="staff_consistency" checked' in form
    saved = client.post(f"/dashboard/responses/{staff}/themes", data={"csrf": csrf_in(form)})
    assert saved.status_code == 303
    assert "The words now carry: no theme." in client.get(saved.headers["location"]).text


def test_an_unknown_theme_or_a_missing_csrf_token_saves_nothing(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    oak = answer_id(unit_of_work, OAK_WORDS)
    sign_in(client, "ada-admin")
    form = client.get(f"/dashboard/responses/{oak}/themes").text
    unknown = client.post(
        f"/dashboard/responses/{oak}/themes",
        data={"csrf": csrf_in(form), "theme": ["food_drink", "weather"]},
    )
    assert unknown.status_code == 400
    assert "There is no theme &#x27;weather&#x27;. Tick themes from the list." in unknown.text
    forged = client.post(
        f"/dashboard/responses/{oak}/themes", data={"csrf": "made-up", "theme": "food_drink"}
    )
    assert forged.status_code == 403 and "Nothing was changed" in forged.text
    with unit_of_work() as uow:
        assert uow.session.scalars(select(TagCorrection)).all() == []


@pytest.mark.parametrize("ident", ["abc", "99999", "1e3", "-1", "9" * 40, "²", "١"])
def test_an_unknown_or_made_up_answer_id_is_a_404_page(client: TestClient, ident: str) -> None:
    sign_in(client, "ada-admin")
    page = client.get(f"/dashboard/responses/{ident}/themes")
    assert page.status_code == 404 and "with words that you can correct" in page.text


def test_answers_without_words_or_withdrawn_cannot_be_corrected(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    with unit_of_work() as uow:
        rated = uow.session.scalar(select(Response.id).where(Response.question_id == "feel_safe"))
        withdrawn = uow.session.scalar(
            select(Response.id).where(Response.conversation_id == "conv-gone")
        )
        gone = uow.session.get(Response, withdrawn)
        assert gone is not None
        gone.free_text = "words from a withdrawn check-in"
        uow.commit()
    sign_in(client, "ada-admin")
    assert client.get(f"/dashboard/responses/{rated}/themes").status_code == 404
    page = client.get(f"/dashboard/responses/{withdrawn}/themes")
    assert page.status_code == 404 and "withdrawn" in page.text
    assert "words from a withdrawn" not in page.text


def test_viewers_see_no_correction_links_and_cannot_correct(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    oak = answer_id(unit_of_work, OAK_WORDS)
    sign_in(client, "vic-viewer")
    listed = client.get("/dashboard/responses", params={"from": "2026-03-01", "to": "2026-03-31"})
    assert "Correct themes" not in listed.text and "Correct</th>" not in listed.text
    csrf = csrf_in(listed.text)
    assert client.get(f"/dashboard/responses/{oak}/themes").status_code == 403
    post = client.post(f"/dashboard/responses/{oak}/themes", data={"csrf": csrf, "theme": "safety"})
    assert post.status_code == 403 and "cannot correct themes" in post.text


# Every route this page adds, as each kind of visitor.
def routes(oak: int, elm: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/dashboard/themes?from=2026-02&to=2026-04"),
        ("GET", "/dashboard/themes?service=oak-house"),
        ("GET", "/dashboard/themes?service=elm-lodge"),
        ("GET", f"{CHART}?service=oak-house&theme=food_drink"),
        ("GET", f"{CHART}?service=elm-lodge&theme=home_environment"),
        ("GET", f"/dashboard/responses/{oak}/themes"),
        ("GET", f"/dashboard/responses/{elm}/themes"),
        ("POST", f"/dashboard/responses/{oak}/themes"),
        ("POST", f"/dashboard/responses/{elm}/themes"),
    ]


EXPECTED = {
    "anonymous": (303, 303, 303, 303, 303, 303, 303, 303, 303),
    "ada-admin": (200, 200, 200, 200, 200, 200, 200, 303, 303),
    "mo-oak": (200, 200, 404, 200, 404, 200, 404, 303, 404),
    "bea-elm": (200, 404, 200, 404, 200, 404, 200, 404, 303),
    "vic-viewer": (200, 200, 200, 200, 200, 403, 403, 403, 403),
}
NEVER_SEEN = {
    "anonymous": (OAK_WORDS, ELM_WORDS, STAFF_WORDS, "maria-oak"),
    "ada-admin": (),
    "mo-oak": (ELM_WORDS, "bob-elm"),
    "bea-elm": (OAK_WORDS, STAFF_WORDS, "maria-oak"),
    "vic-viewer": (OAK_WORDS, ELM_WORDS, STAFF_WORDS, "maria-oak", "bob-elm"),
}


@pytest.mark.parametrize("visitor", list(EXPECTED))
def test_every_themes_route_answers_each_role_as_it_should(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork], visitor: str
) -> None:
    assert set(USERS) | {"anonymous"} == set(EXPECTED)
    oak, elm = answer_id(unit_of_work, OAK_WORDS), answer_id(unit_of_work, ELM_WORDS)
    statuses = []
    for method, path in routes(oak, elm):
        if visitor == "anonymous":
            client.cookies.clear()
        else:
            assert sign_in(client, visitor).status_code == 303
        data = None
        if method == "POST":
            csrf = "" if visitor == "anonymous" else csrf_in(client.get("/dashboard/themes").text)
            data = {"csrf": csrf, "theme": "food_drink"}
        answer = client.request(method, path, data=data)
        statuses.append(answer.status_code)
        for words in NEVER_SEEN[visitor]:
            assert words not in answer.text, (visitor, path, words)
    assert tuple(statuses) == EXPECTED[visitor]

"""The safeguarding alerts, incidents and updates owed pages over HTTP, and revealing names.

Each page as each role: admins and managers read the words, a viewer sees
pseudonyms and counts only, a manager never reaches another service's rows
(the same 404 as a row that does not exist). Real names show only after an
admin gives a reason, for a while, and every page seen meanwhile says so in
the audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from bot.app import create_app
from cli.stack import free_port
from covoice.settings import Settings
from governance.pseudonyms import pseudonym
from storage.models import AlertStatus, AuditEntry, SafeguardingAlert, UpdateOwed, utcnow
from storage.unit_of_work import UnitOfWork
from tests.conftest import fixture_settings
from tests.dashboard_rows import OAK_WORDS, USERS, csrf_in, seed_dashboard
from tests.integration.test_dashboard import audit, sign_in
from tests.safety_rows import (
    ELM_ALERT_WORDS,
    ELM_LEAD,
    ELM_SUMMARY,
    OAK_ALERT_WORDS,
    OAK_FIRST_NAME,
    OAK_LEAD,
    OAK_SUMMARY,
    SafetyIds,
    seed_safety,
)

REASON = "safeguarding referral for the oak house alert"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return fixture_settings(
        tmp_path, database_url=database_url, rasa_url=f"http://127.0.0.1:{free_port()}"
    )


@pytest.fixture
def ids(unit_of_work: Callable[[], UnitOfWork]) -> SafetyIds:
    with unit_of_work() as uow:
        seed_dashboard(uow)
        found = seed_safety(uow, utcnow())
        uow.commit()
    return found


@pytest.fixture
def client(settings: Settings, ids: SafetyIds) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def names(settings: Settings) -> dict[str, str]:
    secret = settings.pseudonym_key.encode()
    return {
        "maria": pseudonym(secret, "oak-house", "maria-oak"),
        "bob": pseudonym(secret, "elm-lodge", "bob-elm"),
    }


def csrf(client: TestClient) -> str:
    return csrf_in(client.get("/dashboard/alerts").text)


def show_names(
    client: TestClient, reason: str = REASON, back: str = "/dashboard/alerts"
) -> Response:
    return client.post(
        "/dashboard/reveal", data={"csrf": csrf(client), "reason": reason, "back": back}
    )


# Alerts


def test_staff_read_the_alerts_words_and_who_was_told_a_viewer_only_categories_and_counts(
    client: TestClient,
    ids: SafetyIds,
    unit_of_work: Callable[[], UnitOfWork],
    names: dict[str, str],
) -> None:
    sign_in(client, "ada-admin")
    admin = client.get("/dashboard/alerts")
    assert admin.status_code == 200
    assert OAK_ALERT_WORDS in admin.text and ELM_ALERT_WORDS in admin.text
    assert f"{OAK_LEAD} by telegram at" in admin.text and f"by {OAK_LEAD} at" in admin.text
    assert names["maria"] in admin.text and "maria-oak" not in admin.text
    assert "3 alerts, newest first." in admin.text
    # Nobody has been told of the elm-lodge alert: it stands out, with why, for staff.
    assert "1 alert reached no one yet:" in admin.text
    assert f"Alert {ids.elm_alert} at elm-lodge: " in admin.text
    assert 'aria-current="page">Safeguarding alerts' in admin.text

    sign_in(client, "mo-oak")
    manager = client.get("/dashboard/alerts").text
    assert OAK_ALERT_WORDS in manager and "2 alerts" in manager
    assert ELM_ALERT_WORDS not in manager and "elm-lodge" not in manager
    assert names["bob"] not in manager

    sign_in(client, "vic-viewer")
    viewer = client.get("/dashboard/alerts").text
    assert "3 alerts" in viewer and "abuse" in viewer and names["maria"] in viewer
    for secret in (
        OAK_ALERT_WORDS,
        ELM_ALERT_WORDS,
        OAK_LEAD,
        ELM_LEAD,
        "maria-oak",
        "Their words",
    ):
        assert secret not in viewer
    assert "a lead by telegram at" in viewer
    assert f"<li>Alert {ids.elm_alert} at elm-lodge</li>" in viewer

    views = audit(unit_of_work, "dashboard.alerts.view")
    assert [(v.actor, v.detail["words"], v.detail["people"]) for v in views] == [
        ("dashboard:ada-admin", True, "pseudonyms"),
        ("dashboard:mo-oak", True, "pseudonyms"),
        ("dashboard:vic-viewer", False, "pseudonyms"),
    ]
    assert views[1].detail["rows"] == 2 and views[1].reason is None


def test_alerts_filter_by_service_and_status_and_a_wrong_filter_says_what_is_wrong(
    client: TestClient,
) -> None:
    sign_in(client, "ada-admin")
    elm = client.get("/dashboard/alerts", params={"service": "elm-lodge"}).text
    assert "1 alert," in elm and ELM_ALERT_WORDS in elm and OAK_ALERT_WORDS not in elm
    done = client.get("/dashboard/alerts", params={"status": "acknowledged"}).text
    assert "1 alert," in done and "I do not feel safe here" in done
    closed = client.get("/dashboard/alerts", params={"status": "closed"}).text
    assert "No safeguarding alerts match this filter." in closed

    wrong = client.get("/dashboard/alerts", params={"status": "urgent"})
    assert wrong.status_code == 400
    assert (
        "There is no alert status &#x27;urgent&#x27;" in wrong.text and "<table" not in wrong.text
    )
    unknown = client.get("/dashboard/alerts", params={"service": "no-such-place"})
    assert unknown.status_code == 404 and "There is no service" in unknown.text

    sign_in(client, "mo-oak")
    theirs = client.get("/dashboard/alerts", params={"service": "elm-lodge"})
    nowhere = client.get("/dashboard/alerts", params={"service": "no-such-place"})
    assert theirs.status_code == nowhere.status_code == 404
    assert ELM_ALERT_WORDS not in theirs.text


def test_an_alert_from_another_service_or_that_is_not_there_gets_the_same_404(
    client: TestClient, ids: SafetyIds
) -> None:
    sign_in(client, "mo-oak")
    own = client.get(f"/dashboard/alerts/{ids.oak_alert}")
    assert own.status_code == 200 and OAK_ALERT_WORDS in own.text
    theirs = client.get(f"/dashboard/alerts/{ids.elm_alert}")
    missing = client.get("/dashboard/alerts/9999")
    assert theirs.status_code == missing.status_code == 404
    assert ELM_ALERT_WORDS not in theirs.text and "elm-lodge" not in theirs.text
    quoted = "&#x27;{}&#x27;"
    assert theirs.text.replace(quoted.format(ids.elm_alert), "N") == missing.text.replace(
        quoted.format(9999), "N"
    )
    for odd in ("abc", "-1", "1.5", "%C2%B2", "9" * 40, "1;drop"):
        answer = client.get(f"/dashboard/alerts/{odd}")
        assert answer.status_code == 404, odd
        assert "No such safeguarding alert" in answer.text


def test_one_alert_shows_the_words_to_staff_and_its_acknowledge_form_only_while_open(
    client: TestClient, ids: SafetyIds, names: dict[str, str]
) -> None:
    sign_in(client, "bea-elm")
    page = client.get(f"/dashboard/alerts/{ids.elm_alert}").text
    # The app's notifier, running beside the pages, has queued a notice to the lead.
    assert ELM_ALERT_WORDS in page and f"{ELM_LEAD} by telegram: not yet sent" in page
    assert "<h1>Safeguarding alert" in page and 'action="/dashboard/alerts/' in page
    assert '<option value="me">Me (bea-elm)</option>' in page and ELM_LEAD in page

    sign_in(client, "ada-admin")
    done = client.get(f"/dashboard/alerts/{ids.oak_acknowledged}").text
    assert f"by {OAK_LEAD} at" in done and "Acknowledge</button>" not in done

    sign_in(client, "vic-viewer")
    viewer = client.get(f"/dashboard/alerts/{ids.oak_alert}").text
    assert names["maria"] in viewer and "abuse" in viewer
    for secret in (OAK_ALERT_WORDS, OAK_LEAD, "maria-oak", "Acknowledge</button>"):
        assert secret not in viewer


def test_a_manager_acknowledges_their_alert_for_a_lead_and_it_is_audited_once(
    client: TestClient, ids: SafetyIds, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    token = csrf(client)
    url = f"/dashboard/alerts/{ids.oak_alert}/acknowledge"
    with unit_of_work() as uow:
        lead_id = uow.leads.for_service("oak-house")[0].id
    done = client.post(url, data={"csrf": token, "by": str(lead_id)})
    assert done.status_code == 303
    assert done.headers["location"] == f"/dashboard/alerts/{ids.oak_alert}?done=acknowledged"
    page = client.get(done.headers["location"]).text
    assert "is acknowledged. No more notices go out" in page and f"by {OAK_LEAD} at" in page
    with unit_of_work() as uow:
        alert = uow.session.get(SafeguardingAlert, ids.oak_alert)
        assert alert is not None and alert.status == AlertStatus.acknowledged
        assert alert.acknowledged_by == OAK_LEAD and alert.acknowledged_lead_id == lead_id
    [entry] = audit(unit_of_work, "alert.acknowledged")
    assert entry.actor == "dashboard:mo-oak" and entry.detail["alert"] == ids.oak_alert

    again = client.post(url, data={"csrf": token, "by": "me"})
    assert again.status_code == 409 and "was already acknowledged by" in again.text


def test_acknowledging_is_refused_to_viewers_forged_forms_other_services_and_odd_choices(
    client: TestClient, ids: SafetyIds, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    def post(alert: object, **form: str) -> Response:
        return client.post(f"/dashboard/alerts/{alert}/acknowledge", data=form)

    client.cookies.clear()
    assert post(ids.oak_alert, by="me").headers["location"] == "/dashboard/login"
    sign_in(client, "vic-viewer")
    viewer = post(ids.oak_alert, csrf=csrf(client), by="me")
    assert viewer.status_code == 403 and "cannot acknowledge" in viewer.text
    sign_in(client, "mo-oak")
    token = csrf(client)
    assert post(ids.oak_alert, csrf="made-up", by="me").status_code == 403
    assert post(ids.elm_alert, csrf=token, by="me").status_code == 404
    assert post("x1", csrf=token, by="me").status_code == 404
    odd = post(ids.oak_alert, csrf=token, by="someone-else")
    assert odd.status_code == 400 and "Choose who has the alert in hand" in odd.text
    with unit_of_work() as uow:
        statuses = {a.status for a in uow.session.scalars(select(SafeguardingAlert))}
    assert AlertStatus.raised in statuses and not audit(unit_of_work, "alert.acknowledged")

    sign_in(client, "ada-admin")
    mine = post(ids.elm_alert, csrf=csrf(client), by="me")
    assert mine.status_code == 303
    with unit_of_work() as uow:
        alert = uow.session.get(SafeguardingAlert, ids.elm_alert)
        assert alert is not None and alert.acknowledged_by == "ada-admin"
        assert alert.acknowledged_lead_id is None


# Incidents


def test_incidents_list_and_page_show_people_by_pseudonym_and_the_summary_to_staff_only(
    client: TestClient,
    ids: SafetyIds,
    names: dict[str, str],
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    sign_in(client, "ada-admin")
    listed = client.get("/dashboard/incidents").text
    assert "2 incidents, newest first." in listed
    assert "1 of 1 answered" in listed and "2 open, 1 OVERDUE" in listed
    page = client.get(f"/dashboard/incidents/{ids.oak_incident}").text
    assert OAK_SUMMARY in page and names["maria"] in page and "maria-oak" not in page
    assert "answered" in page and "OVERDUE: not given by its date" in page
    assert "Duty of candour" in page and "manager-ann" in page

    sign_in(client, "mo-oak")
    manager = client.get("/dashboard/incidents").text
    assert "1 incident," in manager and ELM_SUMMARY not in manager and "elm-lodge" not in manager
    theirs = client.get(f"/dashboard/incidents/{ids.elm_incident}")
    missing = client.get("/dashboard/incidents/404404")
    assert theirs.status_code == missing.status_code == 404
    assert ELM_SUMMARY not in theirs.text and names["bob"] not in theirs.text
    assert client.get("/dashboard/incidents/one").status_code == 404
    assert client.get("/dashboard/incidents", params={"service": "elm-lodge"}).status_code == 404

    sign_in(client, "vic-viewer")
    viewer = client.get(f"/dashboard/incidents/{ids.oak_incident}").text
    assert names["maria"] in viewer and "OVERDUE" in viewer
    for secret in (OAK_SUMMARY, "maria-oak", "manager-ann", "Record an update given"):
        assert secret not in viewer

    views = audit(unit_of_work, "dashboard.incident.view")
    assert [(v.actor, v.detail["words"]) for v in views] == [
        ("dashboard:ada-admin", True),
        ("dashboard:vic-viewer", False),
    ]
    assert len(audit(unit_of_work, "dashboard.incidents.view")) == 2


# Updates owed


def test_updates_owed_say_overdue_in_words_and_only_staff_get_the_form(
    client: TestClient,
    ids: SafetyIds,
    names: dict[str, str],
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    sign_in(client, "ada-admin")
    page = client.get("/dashboard/updates-owed").text
    assert "3 updates owed, soonest due first; 1 of them OVERDUE." in page
    assert "OVERDUE by 2 days" in page and 'class="overdue"' in page
    assert "due in 1 day" in page and "Record update given</button>" in page
    assert names["maria"] in page and "maria-oak" not in page

    sign_in(client, "mo-oak")
    manager = client.get("/dashboard/updates-owed").text
    assert "2 updates owed" in manager and names["bob"] not in manager

    sign_in(client, "vic-viewer")
    viewer = client.get("/dashboard/updates-owed").text
    assert "3 updates owed" in viewer and "Record update given" not in viewer
    assert "maria-oak" not in viewer and "bob-elm" not in viewer

    assert [v.detail["overdue"] for v in audit(unit_of_work, "dashboard.updates_owed.view")] == [
        1,
        1,
        1,
    ]


def test_a_manager_records_an_update_given_which_closes_it(
    client: TestClient, ids: SafetyIds, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "mo-oak")
    token = csrf(client)
    form = {"csrf": token, "update": str(ids.oak_overdue), "by": "Mo Oak", "note": "by phone"}
    done = client.post("/dashboard/updates-owed/given", data=form)
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert f"Update {ids.oak_overdue} is recorded as given" in page
    assert "1 update owed" in page and "none overdue." in page
    with unit_of_work() as uow:
        owed = uow.session.get(UpdateOwed, ids.oak_overdue)
        assert owed is not None and owed.given_by == "Mo Oak" and owed.note == "by phone"
    [entry] = audit(unit_of_work, "incident.update_given")
    assert entry.actor == "dashboard:mo-oak"

    again = client.post("/dashboard/updates-owed/given", data=form)
    assert again.status_code == 400 and "was already given by Mo Oak" in again.text
    nameless = client.post(
        "/dashboard/updates-owed/given", data=form | {"update": str(ids.oak_due), "by": " "}
    )
    assert nameless.status_code == 400 and "in the &#x27;Given by&#x27; field" in nameless.text


def test_recording_an_update_is_refused_to_viewers_forged_forms_and_other_services(
    client: TestClient, ids: SafetyIds, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    def post(update: str, token: str) -> Response:
        return client.post(
            "/dashboard/updates-owed/given", data={"csrf": token, "update": update, "by": "X"}
        )

    client.cookies.clear()
    assert post(str(ids.oak_due), "").headers["location"] == "/dashboard/login"
    sign_in(client, "vic-viewer")
    assert post(str(ids.oak_due), csrf(client)).status_code == 403
    sign_in(client, "mo-oak")
    token = csrf(client)
    assert post(str(ids.oak_due), "made-up").status_code == 403
    theirs, missing = post(str(ids.elm_owed), token), post("777", token)
    assert theirs.status_code == missing.status_code == 404
    assert post("two", token).status_code == 404 and post("", token).status_code == 404
    assert not audit(unit_of_work, "incident.update_given")


# Real names


def test_an_admin_sees_real_names_only_after_giving_a_reason_and_every_view_says_so(
    client: TestClient,
    ids: SafetyIds,
    names: dict[str, str],
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    sign_in(client, "ada-admin")
    shown = show_names(client, back="/dashboard/alerts?status=raised")
    assert (
        shown.status_code == 303 and shown.headers["location"] == "/dashboard/alerts?status=raised"
    )
    real = f"maria-oak ({OAK_FIRST_NAME})"
    alerts = client.get("/dashboard/alerts").text
    assert real in alerts and "bob-elm" in alerts and names["maria"] not in alerts
    assert "Real names are shown for about 15 more minutes" in alerts and REASON in alerts
    assert "Hide names</button>" in alerts
    assert real in client.get(f"/dashboard/alerts/{ids.oak_alert}").text
    assert real in client.get(f"/dashboard/incidents/{ids.oak_incident}").text
    assert real in client.get("/dashboard/updates-owed").text
    responses = client.get(
        "/dashboard/responses", params={"from": "2026-03-01", "to": "2026-03-31"}
    )
    assert real in responses.text and OAK_WORDS in responses.text

    [start] = audit(unit_of_work, "dashboard.names.shown")
    assert start.actor == "dashboard:ada-admin" and start.reason == REASON
    assert start.detail["minutes"] == 15
    with unit_of_work() as uow:
        views = list(
            uow.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action.like("dashboard.%.view"), AuditEntry.id > start.id
                )
            )
        )
    assert {v.action for v in views} == {
        "dashboard.alerts.view",
        "dashboard.alert.view",
        "dashboard.incident.view",
        "dashboard.updates_owed.view",
        "dashboard.responses.view",
    }
    assert all(v.detail["people"] == "names" and v.reason == REASON for v in views)

    hidden = client.post(
        "/dashboard/reveal/end", data={"csrf": csrf(client), "back": "/dashboard/incidents"}
    )
    assert hidden.status_code == 303 and hidden.headers["location"] == "/dashboard/incidents"
    after = client.get("/dashboard/alerts").text
    assert names["maria"] in after and "maria-oak" not in after and "Show real names" in after
    assert audit(unit_of_work, "dashboard.alerts.view")[-1].detail["people"] == "pseudonyms"
    assert len(audit(unit_of_work, "dashboard.names.hidden")) == 1


def test_a_reason_of_a_few_words_is_needed_and_names_are_shown_nowhere_without_one(
    client: TestClient, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, "ada-admin")
    for reason in ("", "   ", "because"):
        refused = show_names(client, reason)
        assert refused.status_code == 400
        assert "in at least 3 words" in refused.text and 'role="alert"' in refused.text
    forged = client.post(
        "/dashboard/reveal", data={"csrf": "made-up", "reason": REASON, "back": "/dashboard/alerts"}
    )
    assert forged.status_code == 403
    assert "maria-oak" not in client.get("/dashboard/alerts").text
    assert not audit(unit_of_work, "dashboard.names.shown")
    # Only a dashboard page is somewhere to go back to.
    elsewhere = show_names(client, back="https://example.org/")
    assert elsewhere.headers["location"] == "/dashboard/responses"
    assert show_names(client, back="//example.org/x").headers["location"] == "/dashboard/responses"


@pytest.mark.parametrize("visitor", ["mo-oak", "bea-elm", "vic-viewer"])
def test_managers_and_viewers_cannot_reveal_names(
    client: TestClient, visitor: str, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sign_in(client, visitor)
    page = client.get("/dashboard/alerts").text
    assert "Show real names" not in page
    refused = show_names(client)
    assert refused.status_code == 403 and "cannot see real names" in refused.text
    hide = client.post("/dashboard/reveal/end", data={"csrf": csrf(client)})
    assert hide.status_code == 403
    assert "maria-oak" not in client.get("/dashboard/alerts").text
    assert not audit(unit_of_work, "dashboard.names.shown")


def test_signed_out_nobody_can_reveal(client: TestClient) -> None:
    client.cookies.clear()
    answer = client.post("/dashboard/reveal", data={"reason": REASON})
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/login"


# Every route, as each kind of visitor


def routes(ids: SafetyIds) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("GET", "/dashboard/alerts", {}),
        ("GET", "/dashboard/alerts?service=oak-house", {}),
        ("GET", "/dashboard/alerts?service=elm-lodge", {}),
        ("GET", f"/dashboard/alerts/{ids.oak_alert}", {}),
        ("GET", f"/dashboard/alerts/{ids.elm_alert}", {}),
        ("GET", "/dashboard/alerts/nope", {}),
        ("POST", f"/dashboard/alerts/{ids.oak_alert}/acknowledge", {"by": "me"}),
        ("POST", f"/dashboard/alerts/{ids.elm_alert}/acknowledge", {"by": "me"}),
        ("GET", "/dashboard/incidents", {}),
        ("GET", "/dashboard/incidents?service=elm-lodge", {}),
        ("GET", f"/dashboard/incidents/{ids.oak_incident}", {}),
        ("GET", f"/dashboard/incidents/{ids.elm_incident}", {}),
        ("GET", "/dashboard/incidents/1e3", {}),
        ("GET", "/dashboard/updates-owed", {}),
        ("GET", "/dashboard/updates-owed?service=elm-lodge", {}),
        ("POST", "/dashboard/updates-owed/given", {"update": str(ids.oak_due), "by": "X"}),
        ("POST", "/dashboard/updates-owed/given", {"update": str(ids.elm_owed), "by": "X"}),
        ("POST", "/dashboard/reveal", {"reason": REASON, "back": "/dashboard/alerts"}),
        ("POST", "/dashboard/reveal/end", {"back": "/dashboard/alerts"}),
    ]


EXPECTED = {
    "anonymous": (303,) * 19,
    "ada-admin": (200, 200, 200, 200, 200, 404, 303, 303)
    + (200, 200, 200, 200, 404, 200, 200, 303, 303, 303, 303),
    "mo-oak": (200, 200, 404, 200, 404, 404, 303, 404)
    + (200, 404, 200, 404, 404, 200, 404, 303, 404, 403, 403),
    "bea-elm": (200, 404, 200, 404, 200, 404, 404, 303)
    + (200, 200, 404, 200, 404, 200, 200, 404, 303, 403, 403),
    "vic-viewer": (200, 200, 200, 200, 200, 404, 403, 403)
    + (200, 200, 200, 200, 404, 200, 200, 403, 403, 403, 403),
}
NEVER_SEEN = {
    "anonymous": (OAK_ALERT_WORDS, ELM_ALERT_WORDS, OAK_SUMMARY, ELM_SUMMARY, "maria-oak"),
    "ada-admin": (),
    "mo-oak": (ELM_ALERT_WORDS, ELM_SUMMARY, ELM_LEAD, "bob-elm", "maria-oak"),
    "bea-elm": (OAK_ALERT_WORDS, OAK_SUMMARY, OAK_LEAD, "maria-oak", "bob-elm"),
    "vic-viewer": (
        OAK_ALERT_WORDS,
        ELM_ALERT_WORDS,
        OAK_SUMMARY,
        ELM_SUMMARY,
        OAK_LEAD,
        ELM_LEAD,
        "maria-oak",
        "bob-elm",
        OAK_FIRST_NAME,
    ),
}


@pytest.mark.parametrize("visitor", list(EXPECTED))
def test_every_safeguarding_route_answers_each_role_as_it_should(
    client: TestClient, ids: SafetyIds, visitor: str
) -> None:
    assert set(USERS) | {"anonymous"} == set(EXPECTED)
    if visitor == "anonymous":
        client.cookies.clear()
    else:
        assert sign_in(client, visitor).status_code == 303
    token = csrf(client) if visitor != "anonymous" else ""
    statuses = []
    for method, path, form in routes(ids):
        answer = client.request(
            method, path, data={"csrf": token, **form} if method == "POST" else None
        )
        statuses.append(answer.status_code)
        if answer.status_code != 500:
            for words in NEVER_SEEN[visitor]:
                assert words not in answer.text, (visitor, path, words)
    assert tuple(statuses) == EXPECTED[visitor]

"""`covoice demo` on a real store: what it makes, what it shows, and that it all comes out again."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Table, func, select
from typer.testing import CliRunner

from bot.app import create_app
from checkin.question_sets import load_question_set
from cli.main import app
from cli.stack import free_port
from covoice.settings import Settings
from covoice.taxonomy import Taxonomy
from governance.dashboard_users import find_user, seen_services
from governance.demo_data import (
    LOGINS_FILE,
    SERVICES,
    DemoSets,
    Seeded,
    holds_demo_data,
    seed,
)
from governance.demo_removal import remove_demo
from storage.migrate import upgrade_database
from storage.models import (
    Action,
    ActionReview,
    ActionStatus,
    AlertStatus,
    AuditEntry,
    Base,
    DashboardUser,
    FollowUp,
    FollowUpStatus,
    Incident,
    Person,
    Response,
    ResponseTextTheme,
    ResponseTheme,
    SafeguardingAlert,
    Service,
    UpdateOwed,
)
from storage.unit_of_work import UnitOfWork, open_store
from tests.conftest import FIXTURE_SETS, fixture_settings, seed_service
from tests.dashboard_rows import csrf_in
from tests.integration.governance_rows import add_conversation, add_response

runner = CliRunner()
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
DEMO_IDS = {spec.id for spec in SERVICES}


@pytest.fixture(scope="module")
def sets(taxonomy: Taxonomy) -> DemoSets:
    return DemoSets(
        *(
            load_question_set(FIXTURE_SETS / f"{name}.yml", taxonomy)
            for name in ("fixture_checkin", "fixture_incident_person", "fixture_incident_family")
        )
    )


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory, sets: DemoSets) -> tuple[str, Seeded]:
    """One seeded store for the tests that only read it (seeding takes a few seconds)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'covoice.db'}"
    upgrade_database(url)
    with open_store(url)() as uow:
        made = seed(uow, sets, now=NOW)
        uow.commit()
    return url, made


@pytest.fixture
def seeded(demo_store: tuple[str, Seeded]) -> Seeded:
    return demo_store[1]


@pytest.fixture
def demo(demo_store: tuple[str, Seeded]) -> Callable[[], UnitOfWork]:
    return open_store(demo_store[0])


def count(uow: UnitOfWork, *where: object, model: type[Base] = Response) -> int:
    return int(uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def bad_share(
    uow: UnitOfWork, service_id: str, theme: str, start: datetime, end: datetime
) -> float:
    values = uow.session.scalars(
        select(Response.answer_value)
        .join(ResponseTheme, ResponseTheme.response_id == Response.id)
        .where(
            Response.service_id == service_id,
            ResponseTheme.theme_id == theme,
            Response.answer_value.in_(("good", "okay", "bad")),
            Response.created_at >= start,
            Response.created_at < end,
        )
    ).all()
    assert len(values) >= 10, "too few answers to compare"
    return sum(value == "bad" for value in values) / len(values)


def test_the_demo_makes_three_services_forty_people_and_six_months_of_varied_answers(
    demo: Callable[[], UnitOfWork], seeded: Seeded
) -> None:
    with demo() as uow:
        services = uow.session.scalars(select(Service).where(Service.demo.is_(True))).all()
        assert {s.id for s in services} == DEMO_IDS
        assert all(s.id.startswith("demo-") and s.name.endswith("(demo)") for s in services)
        assert 35 <= count(uow, Person.service_id.in_(DEMO_IDS), model=Person) <= 45
        answers = count(uow, Response.service_id.in_(DEMO_IDS))
        assert answers == seeded.responses and 2900 <= answers <= 3300
        first, last = uow.session.execute(
            select(func.min(Response.created_at), func.max(Response.created_at))
        ).one()
        assert first.replace(tzinfo=timezone.utc) < NOW - timedelta(days=170)
        assert last.replace(tzinfo=timezone.utc) > NOW - timedelta(days=3)
        roles = set(uow.session.scalars(select(Response.respondent_role).distinct()))
        assert roles == {"person", "family", "staff_supported"}
        assert set(uow.session.scalars(select(Response.channel).distinct())) == {
            "kiosk",
            "telegram",
        }
        # Words from a bank of written answers, not one sentence repeated.
        words = set(uow.session.scalars(select(Response.free_text).where(Response.free_text != "")))
        assert len(words) > 80
        assert count(uow, model=ResponseTextTheme) > 300
        assert count(uow, Response.question_id == "one_change") > 100


def test_staffing_gets_worse_at_one_service_and_the_reviewed_action_made_things_better(
    demo: Callable[[], UnitOfWork], seeded: Seeded
) -> None:
    start = NOW - timedelta(days=183)
    with demo() as uow:
        before = bad_share(uow, "demo-riverside", "staff_consistency", start, NOW - timedelta(92))
        lately = bad_share(uow, "demo-riverside", "staff_consistency", NOW - timedelta(60), NOW)
        assert lately > before + 0.2

        actions = uow.session.scalars(select(Action).order_by(Action.id)).all()
        assert {a.status for a in actions} == {
            ActionStatus.in_progress,
            ActionStatus.done,
            ActionStatus.open,
        }
        worsening = next(a for a in actions if a.service_id == "demo-riverside")
        assert worsening.theme_id == "staff_consistency" and worsening.responses
        done = next(a for a in actions if a.status is ActionStatus.done)
        review = uow.session.scalars(select(ActionReview)).one()
        assert review.action_id == done.id and review.asks
        asked = {ask.person_id for ask in review.asks}
        due = review.due_at.replace(tzinfo=timezone.utc)
        after = uow.session.scalars(
            select(Response.answer_value)
            .join(ResponseTheme, ResponseTheme.response_id == Response.id)
            .where(
                Response.person_id.in_(asked),
                ResponseTheme.theme_id == done.theme_id,
                Response.created_at >= due,
                Response.created_at < due + timedelta(days=7),
                Response.answer_value.is_not(None),
            )
        ).all()
        before_values = uow.session.scalars(
            select(Response.answer_value).where(
                Response.id.in_([link.response_id for link in done.responses])
            )
        ).all()
        assert after and sum(v == "bad" for v in after) / len(after) < sum(
            v in ("bad", None) for v in before_values
        ) / len(before_values)


def test_the_demo_has_incidents_followed_up_an_update_owed_and_acknowledged_alerts(
    demo: Callable[[], UnitOfWork], seeded: Seeded
) -> None:
    with demo() as uow:
        assert count(uow, model=Incident) >= 3
        statuses = set(uow.session.scalars(select(FollowUp.status)))
        assert {FollowUpStatus.answered, FollowUpStatus.not_reached} <= statuses
        assert count(uow, Response.incident_id.is_not(None)) > 0
        assert count(uow, UpdateOwed.given_at.is_(None), model=UpdateOwed) >= 1
        alerts = uow.session.scalars(select(SafeguardingAlert)).all()
        assert len(alerts) >= 4
        # Nothing is left for the running app to send to made-up leads.
        assert all(a.status in (AlertStatus.acknowledged, AlertStatus.closed) for a in alerts)
        assert all(a.acknowledged_at is not None for a in alerts)


def test_seeding_twice_does_not_duplicate(
    demo: Callable[[], UnitOfWork], seeded: Seeded, sets: DemoSets
) -> None:
    from governance.demo_data import DemoError

    with demo() as uow, pytest.raises(DemoError, match="already there"):
        seed(uow, sets, now=NOW)
    with demo() as uow:
        assert count(uow, Service.demo.is_(True), model=Service) == 3


def real_rows(uow: UnitOfWork) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, but the audit log's, as plain tuples."""
    return {
        table.name: sorted(tuple(map(repr, row)) for row in uow.session.execute(select(table)))
        for table in Base.metadata.sorted_tables
        if table.name != "audit_log"
    }


def test_remove_takes_out_every_demo_row_and_leaves_real_data_and_the_audit_log(
    unit_of_work: Callable[[], UnitOfWork], sets: DemoSets
) -> None:
    with unit_of_work() as uow:
        real = add_conversation(uow, "conv-real", "ruth-oak")
        add_response(uow, real, "food", NOW - timedelta(days=2), "bad", "Cold again")
        uow.commit()
        before = real_rows(uow)
    with unit_of_work() as uow:
        seed(uow, sets, now=NOW)
        uow.commit()
    with unit_of_work() as uow:
        kept_log = [(e.id, e.action) for e in uow.session.scalars(select(AuditEntry))]
        removed = remove_demo(uow, "tester")
        uow.commit()
    assert removed["response"] > 2900 and removed["service"] == 3
    with unit_of_work() as uow:
        assert real_rows(uow) == before
        assert not holds_demo_data(uow)
        log = [(e.id, e.action) for e in uow.session.scalars(select(AuditEntry))]
        assert log[: len(kept_log)] == kept_log and log[-1][1] == "demo.remove"
        for table in Base.metadata.sorted_tables:
            assert not _demo_rows(uow, table), f"{table.name} still holds demo rows"


def _demo_rows(uow: UnitOfWork, table: Table) -> list[object]:
    """Rows of a table that name a demo service or its provider."""
    columns = [c for c in table.c if c.name in ("service_id", "provider_id")]
    if table.name == "service":
        columns.append(table.c.id)
    return [
        row
        for column in columns
        for row in uow.session.execute(select(table).where(column.like("demo-%")))
    ]


@pytest.fixture
def env(env: dict[str, str]) -> dict[str, str]:
    return env | {
        "COVOICE_INCIDENT_PERSON_SET": "fixture_incident_person",
        "COVOICE_INCIDENT_FAMILY_SET": "fixture_incident_family",
    }


def test_the_command_seeds_once_keeps_the_logins_private_and_removes_it_all(
    env: dict[str, str], tmp_path: Path, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    added = runner.invoke(app, ["demo"], env=env)
    assert added.exit_code == 0, added.output
    assert "Added the demo: 3 services" in added.output
    logins = tmp_path / LOGINS_FILE
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    assert "demo-manager" in added.output and "demo-manager" in logins.read_text()

    again = runner.invoke(app, ["demo", "--if-empty"], env=env)
    assert again.exit_code == 0 and "already there" in again.output
    assert "demo-admin" in again.output  # `make run` shows the logins every time

    removed = runner.invoke(app, ["demo", "--remove"], env=env)
    assert removed.exit_code == 0, removed.output
    assert "Removed the demo" in removed.output and "response:" in removed.output
    assert not logins.exists()
    # Once taken out, `make run` does not put it back.
    not_again = runner.invoke(app, ["demo", "--if-empty"], env=env)
    assert not_again.exit_code == 0 and "taken out of this store before" in not_again.output
    with unit_of_work() as uow:
        assert not holds_demo_data(uow)
        assert count(uow, model=DashboardUser) == 0


def test_if_empty_adds_nothing_to_a_store_with_real_answers(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    with unit_of_work() as uow:
        real = add_conversation(uow, "conv-real", "ruth-oak")
        add_response(uow, real, "food", NOW, "good")
        uow.commit()
    result = runner.invoke(app, ["demo", "--if-empty"], env=env)
    assert result.exit_code == 0 and "no demo was added" in result.output
    with unit_of_work() as uow:
        assert not holds_demo_data(uow)
        assert count(uow, model=DashboardUser) == 0


@pytest.fixture
def client(tmp_path: Path, demo_store: tuple[str, Seeded]) -> Iterator[TestClient]:
    settings: Settings = fixture_settings(
        tmp_path, database_url=demo_store[0], rasa_url=f"http://127.0.0.1:{free_port()}"
    )
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def test_the_demo_manager_sees_the_banner_and_only_their_service(
    client: TestClient, seeded: Seeded
) -> None:
    from tests.dashboard_rows import csrf_in

    manager = next(login for login in seeded.logins if login.role == "manager")
    form = client.get("/dashboard/login")
    signed = client.post(
        "/dashboard/login",
        data={
            "csrf": csrf_in(form.text),
            "username": manager.username,
            "password": manager.password,
        },
    )
    assert signed.status_code == 303
    since = (NOW - timedelta(days=60)).date().isoformat()
    page = client.get("/dashboard/responses", params={"from": since, "to": NOW.date().isoformat()})
    assert page.status_code == 200
    assert "Demo data" in page.text and 'class="demo-banner"' in page.text
    assert "demo-riverside" in page.text
    assert "demo-oak-view" not in page.text and "demo-maple-court" not in page.text
    other = client.get(
        "/dashboard/responses",
        params={"service": "demo-oak-view", "from": since, "to": NOW.date().isoformat()},
    )
    assert other.status_code == 404


def test_the_demos_admin_and_viewer_see_only_the_demo_never_real_people(
    tmp_path: Path, sets: DemoSets
) -> None:
    url = f"sqlite:///{tmp_path / 'covoice.db'}"
    upgrade_database(url)
    store = open_store(url)
    seed_service(store)  # a real service, oak-house
    with store() as uow:
        made = seed(uow, sets, now=NOW)
        uow.commit()
    with store() as uow:
        for login in made.logins:
            user = find_user(uow, login.username)
            assert user is not None
            assert set(seen_services(user) or ()) <= DEMO_IDS, login.username
    settings = fixture_settings(
        tmp_path, database_url=url, rasa_url=f"http://127.0.0.1:{free_port()}"
    )
    with TestClient(create_app(settings), follow_redirects=False) as client:
        admin = next(login for login in made.logins if login.role == "admin")
        form = client.get("/dashboard/login")
        client.post(
            "/dashboard/login",
            data={
                "csrf": csrf_in(form.text),
                "username": admin.username,
                "password": admin.password,
            },
        )
        real = client.get("/dashboard/responses", params={"service": "oak-house"})
        assert real.status_code == 404
        demo = client.get("/dashboard/responses", params={"service": "demo-riverside"})
        assert demo.status_code == 200

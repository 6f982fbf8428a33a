"""After an incident, against the real store: `covoice incident …`, the follow-ups it plans,
the answers linked to it, updates owed, and follow-ups nobody answers (with a moved clock)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.follow_up_watch import FollowUpWatcher
from bot.sending import QuietHours
from checkin.loading import load_sets_and_wording
from checkin.service import CheckinService, NewContact, ensure_contact, withdraw
from cli.main import app
from governance.follow_ups import FollowUpPlan, follow_up_plan, waiting_on_kiosk
from governance.incidents import IncidentError, NewIncident, record_incident
from governance.service_days import stored_utc
from storage.models import (
    FollowUp,
    FollowUpStatus,
    Incident,
    Response,
    ScheduledSend,
    SendStatus,
    utcnow,
)
from storage.unit_of_work import UnitOfWork
from tests.conftest import FIXTURE_SETS, fixture_settings
from tests.integration.test_checkin_service import Chat, press, typed

runner = CliRunner()
PERSON_TG = NewContact("tg:501", "telegram", "oak-house", "p-12", "person")
FAMILY_TG = NewContact("tg:502", "telegram", "oak-house", "p-12", "family")
ON_KIOSK = NewContact("kiosk:s1", "kiosk", "oak-house", "p-30", "person")
NO_QUIET = QuietHours.parse("00:00-00:00")


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "COVOICE_DATABASE_URL": database_url,
        "COVOICE_DATA_DIR": str(tmp_path),
        "COVOICE_QUESTION_SETS_DIR": str(FIXTURE_SETS),
        "COVOICE_DEFAULT_QUESTION_SET": "fixture_checkin",
        "COVOICE_INCIDENT_PERSON_SET": "fixture_incident_person",
        "COVOICE_INCIDENT_FAMILY_SET": "fixture_incident_family",
        "COVOICE_QUIET_HOURS": "00:00-00:00",
        "COVOICE_ACTOR": "manager-ann",
    }


@pytest.fixture
def plan(tmp_path: Path) -> FollowUpPlan:
    settings = fixture_settings(tmp_path, quiet_hours="00:00-00:00")
    sets, _ = load_sets_and_wording(settings)
    return follow_up_plan(settings, frozenset(sets))


@pytest.fixture
def service(unit_of_work: Callable[[], UnitOfWork], tmp_path: Path) -> CheckinService:
    sets, wording = load_sets_and_wording(fixture_settings(tmp_path))
    return CheckinService(unit_of_work, sets, wording, "fixture_checkin")


def contacts(unit_of_work: Callable[[], UnitOfWork], *new: NewContact) -> list[int]:
    with unit_of_work() as uow:
        ids = [ensure_contact(uow, contact).id for contact in new]
        uow.commit()
    return ids


def incident_add(env: dict[str, str], *more: str) -> str:
    result = runner.invoke(
        app,
        ["incident", "add", "--service", "oak-house", "--at", "2026-11-20 14:30"]
        + ["--type", "fall", "--summary", "Slipped in the bathroom", *more],
        env=env,
    )
    assert result.exit_code == 0, result.output
    return result.output


def refused(env: dict[str, str], *args: str) -> str:
    result = runner.invoke(app, ["incident", *args], env=env)
    assert result.exit_code == 1, result.output
    return result.output


def count(unit_of_work: Callable[[], UnitOfWork], model: type) -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_incident_plans_a_telegram_send_for_a_linked_person_and_a_kiosk_follow_up_for_family(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    [person_contact] = contacts(unit_of_work, PERSON_TG)
    output = incident_add(env, "--person", "p-12", "--notifiable", "--follow-up", "both")
    assert "Recorded incident 1 at oak-house." in output
    assert re.search(r"p-12 \(person\)\tTelegram, contact \d+\t.*\tplanned", output), output
    assert "p-12 (family)\tkiosk, when they next pick themselves" in output
    assert "covoice incident candour 1" in output  # notifiable: the next step is named

    with unit_of_work() as uow:
        [send] = uow.sends.list_all()
        assert (send.contact_id, send.question_set_id, send.incident_id) == (
            person_contact,
            "fixture_incident_person",
            1,
        )
        [to_person, to_family] = uow.incidents.follow_ups(1)
        assert to_person.send_id == send.id and to_person.channel == "telegram"
        assert to_family.contact_id is None and to_family.channel == "kiosk"
        assert to_family.question_set_id == "fixture_incident_family"
        assert [entry.action for entry in uow.audit.list_all()] == ["incident.add"]

    listed = runner.invoke(app, ["incident", "list"], env=env)
    assert "1\toak-house\t2026-11-20 14:30\tfall\tyes\t0/2 answered\t0" in listed.output
    shown = runner.invoke(app, ["incident", "show", "1"], env=env)
    assert "summary:    Slipped in the bathroom" in shown.output
    assert "person told:  not recorded" in shown.output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--service", "elm-court"], "There is no service with id 'elm-court'"),
        (["--person", "nobody-here"], "Nobody with the reference 'nobody-here'"),
        (["--type", "trip"], "'trip' is not an incident type. Choose one of: fall,"),
        (["--at", "yesterday"], "--at must be a time like 2026-11-20 14:30"),
        (["--at", "2099-01-01 10:00"], "is in the future"),
        (["--follow-up", "person", "--follow-up-at", "2020-01-01 10:00"], "is in the past"),
        (["--follow-up", "neighbours"], "choose person, family or both"),
        (["--summary", "   "], "Give a short summary"),
    ],
)
def test_bad_input_is_refused_kindly_and_nothing_is_recorded(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork], args: list[str], reason: str
) -> None:
    contacts(unit_of_work, PERSON_TG)
    given = {
        "--service": "oak-house",
        "--at": "2026-11-20 14:30",
        "--type": "fall",
        "--summary": "Slipped",
        "--person": "p-12",
    }
    extra = []
    for name, value in zip(args[::2], args[1::2], strict=True):
        if name in given:
            given[name] = value
        else:
            extra += [name, value]
    output = refused(env, "add", *[part for pair in given.items() for part in pair], *extra)
    assert reason in output
    assert "Traceback" not in output
    assert count(unit_of_work, Incident) == 0 and count(unit_of_work, ScheduledSend) == 0


def test_a_follow_up_to_a_contact_who_withdrew_consent_is_refused_with_the_reason(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork], service: CheckinService
) -> None:
    contacts(unit_of_work, FAMILY_TG)
    family = Chat(service, FAMILY_TG.sender_id)
    family.say_hello_and_consent()
    with unit_of_work() as uow:
        conversation = uow.conversations.latest_for_contact(1)
        assert conversation is not None
        withdraw(uow, conversation)
        uow.commit()

    result = runner.invoke(
        app,
        ["incident", "add", "--service", "oak-house", "--at", "2026-11-20 14:30", "--type"]
        + ["fall", "--summary", "Slipped", "--person", "p-12", "--follow-up", "family"],
        env=env,
    )
    assert result.exit_code == 1
    assert "Cannot follow up p-12's family on Telegram" in result.output
    assert "withdrew their consent on" in result.output and "Nothing was recorded" in result.output
    assert count(unit_of_work, Incident) == 0


def test_answers_to_a_follow_up_are_linked_and_hearing_more_in_a_week_is_an_update_owed(
    env: dict[str, str],
    unit_of_work: Callable[[], UnitOfWork],
    service: CheckinService,
    plan: FollowUpPlan,
) -> None:
    contacts(unit_of_work, FAMILY_TG)
    with unit_of_work() as uow:
        incident = record_incident(
            uow,
            "manager-ann",
            NewIncident(
                "oak-house",
                datetime(2026, 11, 20, 14, 30),
                "fall",
                "Slipped",
                ("p-12",),
                follow_up="family",
            ),
            plan,
        )
        uow.commit()
        incident_id = incident.id
    family = Chat(service, FAMILY_TG.sender_id)
    family.shown = service.take_turn(
        FAMILY_TG.sender_id,
        typed("/greet", "greet"),
        "send:1",
        "fixture_incident_family",
        begin=True,
        incident_id=incident_id,
    ).prompts
    assert "Fixture hello, family" in family.shown[-1].easy_read
    with unit_of_work() as uow:
        [follow_up] = uow.incidents.follow_ups(incident_id)
        # Linked; "sent" only once the watcher sees its send went.
        assert follow_up.status == FollowUpStatus.planned and follow_up.conversation_id
    family.press("Yes, let's start")
    family.press("Yes")  # explained
    family.press("Yes")  # safe now
    family.press("No")  # help learn
    before = utcnow()
    family.send(press(family.shown, "Fixture in a week"))
    assert "Fixture anything else" in family.shown[-1].easy_read

    with unit_of_work() as uow:
        answers = list(uow.session.scalars(select(Response).order_by(Response.id)))
        assert [a.question_id for a in answers] == [
            "explained",
            "feel_safe_now",
            "help_learn",
            "hear_more",
        ]
        assert all(a.incident_id == incident_id for a in answers)
        assert all("incident_aftercare" in a.theme_ids for a in answers)
        [follow_up] = uow.incidents.follow_ups(incident_id)
        assert follow_up.status == FollowUpStatus.answered
        [owed] = uow.incidents.updates_owed(incident_id=incident_id)
        assert owed.respondent_role == "family" and owed.follow_up_id == follow_up.id
        due = owed.due_at.replace(tzinfo=timezone.utc)
        assert before + timedelta(days=7) <= due <= utcnow() + timedelta(days=7)
        owed_id = owed.id

    days = [f"{utcnow().date() + timedelta(days=n)}" for n in (-1, 1)]
    exported = runner.invoke(
        app,
        ["export", "responses", "--from", days[0], "--to", days[1], "--format", "jsonl"],
        env=env,
    )
    assert exported.exit_code == 0, exported.output
    rows = [json.loads(line) for line in exported.output.splitlines() if line.startswith("{")]
    assert len(rows) == 4
    assert {row["incident_id"] for row in rows} == {incident_id}

    listed = runner.invoke(app, ["incident", "updates-owed"], env=env)
    assert re.search(rf"{owed_id}\t{incident_id}\toak-house\tp-12\tfamily\t.*\tdue", listed.output)
    assert (
        "No updates owed are overdue."
        in runner.invoke(app, ["incident", "updates-owed", "--overdue"], env=env).output
    )

    with unit_of_work() as uow:  # the week passes
        owed_row = uow.incidents.update_owed(owed_id)
        assert owed_row is not None
        owed_row.due_at = utcnow() - timedelta(hours=1)
        uow.commit()
    overdue = runner.invoke(app, ["incident", "updates-owed", "--overdue"], env=env)
    assert f"{owed_id}\t{incident_id}" in overdue.output and "OVERDUE" in overdue.output
    assert "1 update(s) overdue" in overdue.output
    assert "OVERDUE" in runner.invoke(app, ["incident", "show", str(incident_id)], env=env).output

    given = runner.invoke(
        app,
        ["incident", "update-given", str(owed_id), "--by", "Ann Lee", "--note", "phoned"],
        env=env,
    )
    assert given.exit_code == 0 and "given by Ann Lee" in given.output
    assert "No updates owed." in runner.invoke(app, ["incident", "updates-owed"], env=env).output
    again = runner.invoke(app, ["incident", "update-given", str(owed_id), "--by", "Ann"], env=env)
    assert again.exit_code == 1 and "already given by Ann Lee" in again.output
    with unit_of_work() as uow:
        actions = [entry.action for entry in uow.audit.list_all()]
    assert [action for action in actions if action.startswith("incident.")] == [
        "incident.add",
        "incident.update_given",
    ]


def test_a_no_thank_you_to_a_follow_up_marks_it_refused(
    unit_of_work: Callable[[], UnitOfWork], service: CheckinService, plan: FollowUpPlan
) -> None:
    contacts(unit_of_work, PERSON_TG)
    with unit_of_work() as uow:
        new = _fall_followed_up_with_the_person()
        incident_id = record_incident(uow, "manager-ann", new, plan).id
        uow.commit()
    person = Chat(service, PERSON_TG.sender_id)
    person.shown = service.take_turn(
        PERSON_TG.sender_id,
        typed("/greet", "greet"),
        "send:1",
        "fixture_incident_person",
        begin=True,
        incident_id=incident_id,
    ).prompts
    person.press("No, thank you")
    with unit_of_work() as uow:
        [follow_up] = uow.incidents.follow_ups(incident_id)
        assert follow_up.status == FollowUpStatus.refused and follow_up.note == "said no when asked"


def test_an_unanswered_follow_up_is_sent_once_more_then_shown_as_not_reached(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork], plan: FollowUpPlan
) -> None:
    contacts(unit_of_work, PERSON_TG)
    with unit_of_work() as uow:
        new = _fall_followed_up_with_the_person()
        incident_id = record_incident(uow, "manager-ann", new, plan).id
        [send] = uow.sends.list_all()
        send.status, send.sent_at = SendStatus.sent, utcnow()  # the dispatcher delivered it
        uow.commit()
    watcher = FollowUpWatcher(unit_of_work, plan, resend_after=timedelta(hours=48))
    start = utcnow()

    assert asyncio.run(watcher.tick(start)) == 1
    assert _follow_up(unit_of_work, incident_id).status == FollowUpStatus.sent
    assert asyncio.run(watcher.tick(start + timedelta(hours=47))) == 0

    assert asyncio.run(watcher.tick(start + timedelta(hours=49))) == 1
    again = _follow_up(unit_of_work, incident_id)
    assert again.status == FollowUpStatus.sent and again.resent_at is not None
    with unit_of_work() as uow:
        sends = uow.sends.list_all()
        assert len(sends) == 2 and {s.incident_id for s in sends} == {incident_id}
        assert again.send_id == max(s.id for s in sends)

    assert asyncio.run(watcher.tick(start + timedelta(hours=49 + 47))) == 0
    assert asyncio.run(watcher.tick(start + timedelta(hours=49 + 49))) == 1
    lost = _follow_up(unit_of_work, incident_id)
    assert lost.status == FollowUpStatus.not_reached
    shown = runner.invoke(app, ["incident", "show", str(incident_id)], env=env).output
    assert "NOT REACHED (no answer, after it was sent twice)" in shown
    with unit_of_work() as uow:
        actions = [entry.action for entry in uow.audit.list_all()]
    assert actions[-1] == "incident.follow_up.not_reached"


def test_a_follow_up_whose_message_never_went_is_not_reached_with_the_reason(
    unit_of_work: Callable[[], UnitOfWork], plan: FollowUpPlan
) -> None:
    contacts(unit_of_work, PERSON_TG)
    with unit_of_work() as uow:
        new = _fall_followed_up_with_the_person()
        incident_id = record_incident(uow, "manager-ann", new, plan).id
        [send] = uow.sends.list_all()
        send.status, send.last_error = SendStatus.failed, "Forbidden: bot was blocked by the user"
        uow.commit()
    watcher = FollowUpWatcher(unit_of_work, plan, resend_after=timedelta(hours=48))
    assert asyncio.run(watcher.tick(utcnow())) == 1
    lost = _follow_up(unit_of_work, incident_id)
    assert lost.status == FollowUpStatus.not_reached
    assert lost.note == (
        "the message could not be delivered (Forbidden: bot was blocked by the user)"
    )


def test_a_kiosk_follow_up_waits_for_the_person_and_is_offered_again_once(
    unit_of_work: Callable[[], UnitOfWork], plan: FollowUpPlan, service: CheckinService
) -> None:
    contacts(unit_of_work, ON_KIOSK)  # p-30 has used a kiosk, never Telegram
    start = utcnow()
    with unit_of_work() as uow:
        new = NewIncident(
            "oak-house",
            datetime(2026, 11, 20, 14, 30),
            "injury",
            "A bruise",
            ("p-30",),
            False,
            "person",
        )
        incident_id = record_incident(uow, "manager-ann", new, plan, now=start).id
        uow.commit()
    with unit_of_work() as uow:
        assert waiting_on_kiosk(uow, "oak-house", "p-30", "family", start) is None
        waiting = waiting_on_kiosk(uow, "oak-house", "p-30", "person", start)
        assert waiting is not None and waiting.question_set_id == "fixture_incident_person"
    service.take_turn(
        ON_KIOSK.sender_id,
        typed("/greet", "greet"),
        "k1",
        "fixture_incident_person",
        begin=True,
        incident_id=incident_id,
    )
    with unit_of_work() as uow:
        assert waiting_on_kiosk(uow, "oak-house", "p-30", "person", start) is None
    watcher = FollowUpWatcher(unit_of_work, plan, resend_after=timedelta(hours=48))
    asyncio.run(watcher.tick(start + timedelta(hours=49)))
    with unit_of_work() as uow:
        assert waiting_on_kiosk(uow, "oak-house", "p-30", "person", start) is not None
    asyncio.run(watcher.tick(start + timedelta(hours=98)))
    assert _follow_up(unit_of_work, incident_id).status == FollowUpStatus.not_reached


def test_the_duty_of_candour_record_is_kept_and_audited(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    contacts(unit_of_work, PERSON_TG)
    incident_add(env, "--person", "p-12", "--notifiable")
    assert "Say who gave the apology" in refused(
        env, "candour", "1", "--apology", "2026-11-20 16:00"
    )
    assert "Say what was done" in refused(env, "candour", "1")
    assert "There is no incident 9" in refused(env, "candour", "9", "--written", "2026-11-21 09:00")
    for args in (
        ["--told-person", "2026-11-20 15:00", "--told-family", "2026-11-20 17:00"],
        ["--apology", "2026-11-20 16:00", "--by", "Ann Lee", "--written", "2026-11-21 09:00"],
    ):
        result = runner.invoke(app, ["incident", "candour", "1", *args], env=env)
        assert result.exit_code == 0, result.output
    shown = runner.invoke(app, ["incident", "show", "1"], env=env).output
    # Times are the service's clock (London, GMT in November) and shown in UTC.
    assert "person told:  2026-11-20 15:00 UTC" in shown
    assert "family told:  2026-11-20 17:00 UTC" in shown
    assert "apology:      2026-11-20 16:00 UTC by Ann Lee" in shown
    assert "written:      2026-11-21 09:00 UTC" in shown
    with unit_of_work() as uow:
        actions = [entry.action for entry in uow.audit.list_all()]
    assert actions == ["incident.add", "incident.candour", "incident.candour"]


def test_an_incident_for_an_unknown_person_is_refused_by_the_service_function(
    unit_of_work: Callable[[], UnitOfWork], plan: FollowUpPlan
) -> None:
    with unit_of_work() as uow, pytest.raises(IncidentError, match="Nobody with the reference"):
        record_incident(
            uow,
            "manager-ann",
            NewIncident("oak-house", datetime(2026, 11, 20), "fall", "Slipped", ("ghost",)),
            plan,
        )


def _fall_followed_up_with_the_person() -> NewIncident:
    return NewIncident(
        "oak-house", datetime(2026, 11, 20, 14, 30), "fall", "Slipped", ("p-12",), False, "person"
    )


def _follow_up(unit_of_work: Callable[[], UnitOfWork], incident_id: int) -> FollowUp:
    with unit_of_work() as uow:
        [follow_up] = uow.incidents.follow_ups(incident_id)
        return follow_up


def test_times_are_read_on_the_services_own_clock_and_kept_in_utc(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    contacts(unit_of_work, PERSON_TG)
    result = runner.invoke(
        app,
        ["incident", "add", "--service", "oak-house", "--at", "2026-07-20 14:30"]
        + ["--type", "fall", "--summary", "Slipped", "--person", "p-12", "--notifiable"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    told = runner.invoke(
        app, ["incident", "candour", "1", "--told-person", "2026-07-20 15:00"], env=env
    )
    assert told.exit_code == 0, told.output
    # London keeps summer time in July: an hour ahead of UTC.
    with unit_of_work() as uow:
        incident = uow.incidents.get(1)
        assert incident is not None
        assert stored_utc(incident.occurred_at) == datetime(
            2026, 7, 20, 13, 30, tzinfo=timezone.utc
        )
    shown = runner.invoke(app, ["incident", "show", "1"], env=env).output
    assert "person told:  2026-07-20 14:00 UTC" in shown

"""After an incident, end to end: `covoice incident add`, then follow-ups through the real
Rasa and action servers.

A person and a family member link their Telegram chats (through the Bot API
emulator); a manager records an incident with a follow-up to both; the app
sends each their set; the family member asks to hear more "in a week", which
is kept as an update owed, listed as due, then overdue, then given. A person
with no Telegram contact gets their follow-up on the kiosk, before the usual
check-in.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from bot.kiosk.tokens import issue
from bot.telegram.invites import make_invite
from cli.main import app as cli
from cli.stack import Stack
from governance.people import add_person
from storage.models import Conversation, FollowUpStatus, Response, Service, utcnow
from storage.unit_of_work import UnitOfWork
from tests.e2e.test_kiosk_api import Kiosk, _button
from tests.e2e.test_telegram_channel import ROLES, _asked, _link, _said, _telegram_app
from tests.telegram.user import BotMessage, Emulator, TelegramUser, running_emulator

runner = CliRunner()
BIRCH = "birch-lodge"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running_emulator() as running:
        yield running


@pytest.fixture(scope="module")
def telegram(
    stack: Stack, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """An app polling the emulator, with no quiet hours: a follow-up goes whenever the test runs."""
    running = _telegram_app(
        stack, emulator, tmp_path_factory.mktemp("incidents"), quiet_hours="00:00-00:00"
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def env(stack: Stack) -> dict[str, str]:
    """`covoice` as a manager runs it, on the stack's store and the tests' own sets."""
    settings = stack.settings
    return {
        "COVOICE_DATABASE_URL": settings.resolved_database_url,
        "COVOICE_DATA_DIR": str(settings.data_dir),
        "COVOICE_QUESTION_SETS_DIR": str(settings.question_sets_dir),
        "COVOICE_DEFAULT_QUESTION_SET": settings.default_question_set,
        "COVOICE_INCIDENT_PERSON_SET": settings.incident_person_set,
        "COVOICE_INCIDENT_FAMILY_SET": settings.incident_family_set,
        "COVOICE_QUIET_HOURS": "00:00-00:00",
        "COVOICE_ACTOR": "manager-ann",
    }


def covoice(env: dict[str, str], *args: str) -> str:
    result = runner.invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _user(emulator: Emulator, telegram: Stack, name: str) -> TelegramUser:
    token = telegram.settings.telegram_bot_token.get_secret_value()
    person = emulator.user(token, chat_id=uuid.uuid4().int % 10**9 + 1000, name=name)
    person.timeout = 30.0
    return person


def _linked(store: Callable[[], UnitOfWork], user: TelegramUser, ref: str, role: str) -> None:
    """Link the chat to ``ref`` in ``role``, and say no to the check-in linking offers."""
    with store() as uow:
        code = make_invite(uow, "oak-house", ref, role, ROLES, timedelta(days=1)).code
        uow.commit()
    _link(user, code)
    offer = _asked(user, "Hello. I want to ask about your life here")
    user.press(offer, offer.keyboard[0][1].text)  # "No, thank you": no check-in now


def _press(user: TelegramUser, message: BotMessage, label: str) -> None:
    [text] = [b.text for row in message.keyboard for b in row if b.text.endswith(label)]
    user.press(message, text)


def test_a_family_member_asks_to_hear_more_in_a_week_and_the_update_is_owed_then_given(
    telegram: Stack, emulator: Emulator, env: dict[str, str], store: Callable[[], UnitOfWork]
) -> None:
    ref = f"inc-{uuid.uuid4().hex[:8]}"
    with _user(emulator, telegram, "Pat") as person, _user(emulator, telegram, "Jo") as family:
        _linked(store, person, ref, "person")
        _linked(store, family, ref, "family")

        added = covoice(
            env,
            *("incident", "add", "--service", "oak-house", "--at", "2026-11-20 14:30"),
            *("--type", "fall", "--summary", "Slipped in the bathroom", "--person", ref),
            *("--notifiable", "--follow-up", "both"),
        )
        [incident_id] = [int(n) for n in re.findall(r"Recorded incident (\d+)", added)]

        # The app's dispatcher sends each their own set, unasked.
        asked = _asked(person, "Fixture hello, person")
        _press(person, asked, "Yes, let's start")
        _press(person, _asked(person, "Fixture did someone tell you"), "Yes")
        _asked(person, "Fixture do you feel safe now")  # and they leave it there

        asked = _asked(family, "Fixture hello, family")
        _press(family, asked, "Yes, let's start")
        _press(family, _asked(family, "Fixture did someone tell you"), "Yes")
        _press(family, _asked(family, "Fixture do you feel safe now"), "Yes")
        _press(family, _asked(family, "Fixture do you want to help us learn"), "No")
        _press(family, _asked(family, "Fixture when do you want to hear more"), "in a week")
        _press(family, _asked(family, "Fixture anything else"), "No, that's all")
        _said(family, "Fixture thank you, family")

    with store() as uow:
        follow_ups = {f.audience.value: f for f in uow.incidents.follow_ups(incident_id)}
        assert {a: f.status for a, f in follow_ups.items()} == {
            "person": FollowUpStatus.answered,
            "family": FollowUpStatus.answered,
        }
        conversations = list(
            uow.session.scalars(select(Conversation).where(Conversation.incident_id == incident_id))
        )
        assert {c.question_set_id for c in conversations} == {
            "fixture_incident_person",
            "fixture_incident_family",
        }
        answers = list(
            uow.session.scalars(select(Response).where(Response.incident_id == incident_id))
        )
        assert len(answers) == 1 + 4  # the person's one answer, the family's four
        assert all("incident_aftercare" in answer.theme_ids for answer in answers)
        [owed] = uow.incidents.updates_owed(incident_id=incident_id)
        assert owed.respondent_role == "family" and owed.given_at is None
        waited = owed.due_at.replace(tzinfo=timezone.utc) - owed.asked_at.replace(
            tzinfo=timezone.utc
        )
        assert waited == timedelta(days=7)
        owed_id = owed.id

    due = covoice(env, "incident", "updates-owed", "--service", "oak-house")
    assert re.search(rf"^{owed_id}\t{incident_id}\toak-house\t{ref}\tfamily\t.*\tdue$", due, re.M)
    assert "person (person)" not in due
    shown = covoice(env, "incident", "show", str(incident_id))
    assert shown.count("\tanswered") == 2, shown

    with store() as uow:  # a week and a day go by
        late = uow.incidents.update_owed(owed_id)
        assert late is not None
        late.due_at = utcnow() - timedelta(days=1)
        uow.commit()
    overdue = covoice(env, "incident", "updates-owed", "--overdue")
    assert re.search(rf"^{owed_id}\t{incident_id}\t.*\tOVERDUE$", overdue, re.M)

    given = covoice(env, "incident", "update-given", str(owed_id), "--by", "Ann Lee")
    assert f"Update {owed_id} for incident {incident_id} given by Ann Lee" in given
    assert f"\n{owed_id}\t" not in covoice(env, "incident", "updates-owed")


def test_a_person_with_no_telegram_gets_their_follow_up_first_on_the_kiosk(
    app_client: TestClient, env: dict[str, str], store: Callable[[], UnitOfWork]
) -> None:
    ref = f"inc-kiosk-{uuid.uuid4().hex[:6]}"
    with store() as uow:
        # A service of its own, so the other kiosk tests' people lists stay as they are.
        if uow.services.get(BIRCH) is None:
            uow.services.add(Service(id=BIRCH, provider_id="acme-care", name="Birch Lodge"))
        token, _ = issue(uow, BIRCH, "hall tablet")
        person_id = add_person(uow, BIRCH, "Robin", ref=ref).id
        uow.commit()
    added = covoice(
        env,
        *("incident", "add", "--service", BIRCH, "--at", "2026-11-21 09:00"),
        *("--type", "injury", "--summary", "A bruise on the arm", "--person", ref),
        *("--follow-up", "person"),
    )
    assert "kiosk, when they next pick themselves" in added
    [incident_id] = [int(n) for n in re.findall(r"Recorded incident (\d+)", added)]

    kiosk = Kiosk(app_client, token)
    [consent] = kiosk.start(person=str(person_id))
    assert "Fixture hello, person" in consent["easy_read"]
    question = kiosk.tap(_button(consent, "Yes, let's start"))[-1]
    assert question["question_id"] == "explained"
    kiosk.tap(_button(question, "Yes"))

    with store() as uow:
        [follow_up] = uow.incidents.follow_ups(incident_id)
        assert follow_up.status == FollowUpStatus.answered
        [answer] = uow.session.scalars(select(Response).where(Response.incident_id == incident_id))
        assert (answer.question_id, answer.answer_value, answer.channel) == (
            "explained",
            "yes",
            "kiosk",
        )
    # Answered: the next time Robin picks themselves, it is the usual check-in.
    [again] = Kiosk(app_client, token).start(person=str(person_id))
    assert "Fixture hello" not in again["easy_read"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("--service", "nowhere-house"), "There is no service with id 'nowhere-house'"),
        (("--person", "nobody-at-all"), "Nobody with the reference 'nobody-at-all'"),
        (("--follow-up-at", "2020-01-01 10:00"), "is in the past"),
    ],
)
def test_an_incident_for_an_unknown_service_or_person_or_a_past_follow_up_is_refused(
    env: dict[str, str], store: Callable[[], UnitOfWork], change: tuple[str, str], reason: str
) -> None:
    ref = f"inc-bad-{uuid.uuid4().hex[:6]}"
    with store() as uow:
        uow.people.get_or_add("oak-house", ref)  # known, but on no kiosk
        before = len(uow.incidents.list_all())
        uow.commit()
    given = {"--service": "oak-house", "--person": ref, "--follow-up-at": "2099-01-01 10:00"}
    given[change[0]] = change[1]
    result = runner.invoke(
        cli,
        ["incident", "add", "--at", "2026-11-21 09:00", "--type", "fall", "--summary", "Slipped"]
        + ["--follow-up", "person", *[part for pair in given.items() for part in pair]],
        env=env,
    )
    assert result.exit_code == 1 and reason in result.output
    with store() as uow:
        assert len(uow.incidents.list_all()) == before

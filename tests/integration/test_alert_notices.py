"""Safeguarding alerts reaching a person: a real store, a real SMTP server, a collecting Telegram.

The notifier is given the time instead of sleeping, so escalation and
back-off are checked by moving a clock.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.alerting import FIRST_RETRY, LONGEST_RETRY, Notifier
from bot.telegram.lead_notices import answer_ack_button, telegram_sender
from checkin.service import NewContact, ensure_contact
from cli.main import app
from cli.stack import free_port
from governance.acknowledgement import (
    AcknowledgementRefused,
    acknowledge_as,
    acknowledge_from_chat,
)
from governance.alerts import undelivered_alerts
from governance.leads import add_lead
from storage.models import (
    AlertStatus,
    InboundMessage,
    InboundStatus,
    NoticeStatus,
    SafeguardingAlert,
    Service,
    utcnow,
)
from storage.unit_of_work import UnitOfWork
from tests.smtp import Mailbox

runner = CliRunner()
WORDS = "the night carer hits me when nobody is looking"
PERSON = "p-secret-7"
ESCALATE = timedelta(minutes=30)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    yield box
    box.stop()


@dataclass
class Chats:
    """Stands in for the Telegram channel's sender: keeps what each chat was sent."""

    sent: list[tuple[int, str, int]] = field(default_factory=list)

    async def __call__(self, chat_id: int, text: str, alert_id: int) -> None:
        self.sent.append((chat_id, text, alert_id))


def raise_alert(factory: Callable[[], UnitOfWork], service: str = "oak-house") -> int:
    """An alert as the chat service raises it, on a message of its own."""
    with factory() as uow:
        contact = ensure_contact(uow, NewContact("tg:501", "telegram", service, PERSON, "person"))
        message = InboundMessage(
            sender_id="tg:501",
            message_id=str(uuid.uuid4()),
            channel="telegram",
            service_id=service,
            contact_id=contact.id,
            text=WORDS,
            status=InboundStatus.answered,
        )
        uow.inbound.add(message)
        alert = SafeguardingAlert(
            category="physical",
            confidence=0.91,
            words=WORDS,
            channel="telegram",
            service_id=service,
            person_id=contact.person_id,
            contact_id=contact.id,
            inbound_message_id=message.id,
        )
        uow.alerts.add(alert)
        uow.commit()
        return alert.id


def lead(
    factory: Callable[[], UnitOfWork],
    name: str,
    chat: str | None = None,
    mail: str | None = None,
    service: str = "oak-house",
) -> int:
    with factory() as uow:
        added = add_lead(uow, "manager-ann", service, name, chat, mail)
        uow.commit()
        return added.id


def tick(notifier: Notifier, now: datetime) -> int:
    return asyncio.run(notifier.tick(now))


def alert_status(factory: Callable[[], UnitOfWork], alert_id: int) -> AlertStatus:
    with factory() as uow:
        alert = uow.alerts.get(alert_id)
        assert alert is not None
        return alert.status


def audit_actions(factory: Callable[[], UnitOfWork]) -> list[str]:
    with factory() as uow:
        return [entry.action for entry in uow.audit.list_all()]


def test_a_new_alert_reaches_the_first_lead_by_email_and_telegram_without_the_words(
    unit_of_work: Callable[[], UnitOfWork], mailbox: Mailbox
) -> None:
    mailbox.start()
    chats = Chats()
    lead(unit_of_work, "Sam Patel", "1001", "sam@oak.example")
    lead(unit_of_work, "Lee Jones", "1002", "lee@oak.example")
    alert_id = raise_alert(unit_of_work)
    notifier = Notifier(unit_of_work, chats, mailbox.mailer().send, ESCALATE)

    assert tick(notifier, utcnow()) == 2

    [message] = mailbox.inbox.messages
    assert mailbox.inbox.recipients == [["sam@oak.example"]]
    assert message["Subject"] == "CoVoice: a possible safeguarding disclosure at Oak House"
    body = message.get_payload(decode=True).decode()
    assert "Dear Sam Patel" in body and "physical" in body and "Oak House" in body
    assert f"covoice alerts show {alert_id}" in body
    assert f'covoice alerts ack {alert_id} --by "Sam Patel"' in body
    assert "hits" not in body and WORDS not in body and PERSON not in body
    [(chat_id, text, acked)] = chats.sent
    assert (chat_id, acked) == (1001, alert_id)
    assert "Oak House" in text and "physical" in text and "hits" not in text

    assert tick(notifier, utcnow()) == 0  # nothing is sent twice
    assert len(mailbox.inbox.messages) == 1 and len(chats.sent) == 1
    assert audit_actions(unit_of_work).count("alert.notice.sent") == 2
    assert "alert.notice.queued" in audit_actions(unit_of_work)
    with unit_of_work() as uow:
        assert undelivered_alerts(uow.session, now=utcnow() + timedelta(hours=1)) == []


def test_an_alert_nobody_acknowledges_goes_again_and_on_to_the_next_lead(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    chats = Chats()
    first = lead(unit_of_work, "Sam Patel", "1001")
    lead(unit_of_work, "Lee Jones", "1002")
    alert_id = raise_alert(unit_of_work)
    notifier = Notifier(unit_of_work, chats, None, ESCALATE)
    start = utcnow()

    tick(notifier, start)
    tick(notifier, start + ESCALATE - timedelta(seconds=1))
    assert [chat for chat, _, _ in chats.sent] == [1001]
    assert alert_status(unit_of_work, alert_id) == AlertStatus.raised

    tick(notifier, start + ESCALATE)
    assert sorted(chat for chat, _, _ in chats.sent) == [1001, 1001, 1002]
    assert "sent again to the service's leads" in chats.sent[-1][1]
    assert alert_status(unit_of_work, alert_id) == AlertStatus.escalated
    assert "alert.escalated" in audit_actions(unit_of_work)

    # Acknowledged: no further rounds, however long it waits.
    with unit_of_work() as uow:
        assert acknowledge_from_chat(uow, alert_id, 1001).acknowledged
        uow.commit()
    tick(notifier, start + 10 * ESCALATE)
    assert len(chats.sent) == 3
    with unit_of_work() as uow:
        alert = uow.alerts.get(alert_id)
        assert alert is not None
        assert (alert.status, alert.acknowledged_by) == (AlertStatus.acknowledged, "Sam Patel")
        assert alert.acknowledged_lead_id == first


def test_a_button_press_from_a_chat_that_is_not_a_lead_is_refused(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow:
        uow.services.add(Service(id="elm-court", provider_id="acme-care", name="Elm Court"))
        uow.commit()
    lead(unit_of_work, "Sam Patel", "1001")
    lead(unit_of_work, "Kim Elm", "2002", service="elm-court")
    alert_id = raise_alert(unit_of_work)

    for stranger in (9999, 2002):  # nobody's chat; a lead of another service
        with unit_of_work() as uow:
            refused = acknowledge_from_chat(uow, alert_id, stranger)
            uow.commit()
        assert not refused.acknowledged and "Only a safeguarding lead" in refused.message
    assert alert_status(unit_of_work, alert_id) == AlertStatus.raised
    assert audit_actions(unit_of_work).count("alert.acknowledge_refused") == 2

    said = asyncio.run(answer_ack_button(unit_of_work, f"ack:{alert_id}", 1001))
    assert said == f"Thank you, Sam Patel: alert {alert_id} is acknowledged."
    again = asyncio.run(answer_ack_button(unit_of_work, f"ack:{alert_id}", 1001))
    assert "already acknowledged by Sam Patel" in again
    assert "not one CoVoice knows" in asyncio.run(answer_ack_button(unit_of_work, "ack:x", 1001))


def test_only_a_lead_of_the_alerts_own_service_acknowledges_by_name(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow:
        uow.services.add(Service(id="elm-court", provider_id="acme-care", name="Elm Court"))
        uow.commit()
    lead(unit_of_work, "Sam Patel", mail="sam@oak.example")
    lead(unit_of_work, "Kim Elm", mail="kim@elm.example", service="elm-court")
    alert_id = raise_alert(unit_of_work)
    with unit_of_work() as uow, pytest.raises(AcknowledgementRefused, match='"Sam Patel"'):
        acknowledge_as(uow, alert_id, "Kim Elm", "manager-ann")
    with unit_of_work() as uow:
        assert acknowledge_as(uow, alert_id, "sam patel", "manager-ann").acknowledged_by == (
            "Sam Patel"
        )
        uow.commit()
    assert alert_status(unit_of_work, alert_id) == AlertStatus.acknowledged


def test_notices_this_notifier_cannot_send_never_hold_up_those_it_can(
    unit_of_work: Callable[[], UnitOfWork], mailbox: Mailbox
) -> None:
    lead(unit_of_work, "Sam Patel", "1001", "sam@oak.example")
    alerts = [raise_alert(unit_of_work) for _ in range(25)]
    mailbox.start()
    email_only = Notifier(unit_of_work, None, mailbox.mailer().send, ESCALATE)
    now = utcnow()
    assert tick(email_only, now) + tick(email_only, now) == len(alerts)
    assert len(mailbox.inbox.messages) == len(alerts)
    with unit_of_work() as uow:
        telegram = [
            n for a in alerts for n in uow.notices.for_alert(a) if n.medium.value == "telegram"
        ]
    assert {(n.status, n.last_error) for n in telegram} == {
        (NoticeStatus.pending, "Telegram is not running (set TELEGRAM_BOT_TOKEN)")
    }


def test_a_long_outage_still_brings_the_lead_one_email_per_round_not_a_pile(
    unit_of_work: Callable[[], UnitOfWork], mailbox: Mailbox
) -> None:
    lead(unit_of_work, "Sam Patel", mail="sam@oak.example")
    alert_id = raise_alert(unit_of_work)
    notifier = Notifier(unit_of_work, None, mailbox.mailer().send, ESCALATE)  # not started: down
    start = utcnow()
    for minutes in (0, 31, 62, 93):  # three escalation rounds while the server is down
        tick(notifier, start + timedelta(minutes=minutes))
    assert mailbox.inbox.messages == []
    mailbox.start()
    assert tick(notifier, start + timedelta(minutes=100)) == 1
    assert tick(notifier, start + timedelta(minutes=101)) == 0
    assert len(mailbox.inbox.messages) == 1
    with unit_of_work() as uow:
        notices = uow.notices.for_alert(alert_id)
    assert [(n.round, n.status) for n in notices] == [
        (0, NoticeStatus.cancelled),
        (1, NoticeStatus.cancelled),
        (2, NoticeStatus.cancelled),
        (3, NoticeStatus.sent),
    ]
    assert notices[0].last_error == "replaced by round 2"


def test_mail_server_down_then_back_delivers_the_notice_exactly_once(
    unit_of_work: Callable[[], UnitOfWork], mailbox: Mailbox
) -> None:
    lead(unit_of_work, "Sam Patel", mail="sam@oak.example")
    alert_id = raise_alert(unit_of_work)
    notifier = Notifier(unit_of_work, None, mailbox.mailer().send, ESCALATE)
    start = utcnow()

    assert tick(notifier, start) == 0  # nothing listens on the port
    with unit_of_work() as uow:
        [notice] = uow.notices.for_alert(alert_id)
        assert (notice.status, notice.attempts) == (NoticeStatus.pending, 1)
        assert notice.last_error and "Connection refused" in notice.last_error
        [undelivered] = undelivered_alerts(uow.session, now=start)
        assert undelivered.id == alert_id and "not delivered yet" in undelivered.why
    assert "alert.notice.failing" in audit_actions(unit_of_work)

    assert tick(notifier, start + FIRST_RETRY / 2) == 0  # not due again yet
    mailbox.start()
    assert tick(notifier, start + FIRST_RETRY) == 1
    assert tick(notifier, start + 2 * FIRST_RETRY) == 0
    assert len(mailbox.inbox.messages) == 1
    with unit_of_work() as uow:
        [notice] = uow.notices.for_alert(alert_id)
        assert (notice.status, notice.attempts) == (NoticeStatus.sent, 2)
        assert undelivered_alerts(uow.session, now=start) == []


def test_a_notice_is_never_given_up_on_and_its_pause_stops_growing(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    lead(unit_of_work, "Sam Patel", mail="sam@oak.example")
    alert_id = raise_alert(unit_of_work)
    down = Mailbox(free_port())  # never started: nothing listens
    notifier = Notifier(unit_of_work, None, down.mailer().send, timedelta(days=365))
    now = utcnow()
    for _ in range(12):
        tick(notifier, now)
        with unit_of_work() as uow:
            [notice] = uow.notices.for_alert(alert_id)
            pause = notice.due_at.replace(tzinfo=now.tzinfo) - now
        now += pause
    assert notice.status == NoticeStatus.pending and notice.attempts == 12
    assert pause == LONGEST_RETRY
    assert notice.last_error


def test_a_notifier_that_cannot_send_by_email_leaves_the_notice_for_one_that_can(
    unit_of_work: Callable[[], UnitOfWork], mailbox: Mailbox
) -> None:
    lead(unit_of_work, "Sam Patel", mail="sam@oak.example")
    alert_id = raise_alert(unit_of_work)
    now = utcnow()
    assert tick(Notifier(unit_of_work, None, None, ESCALATE), now) == 0  # email is off here
    with unit_of_work() as uow:
        [notice] = uow.notices.for_alert(alert_id)
        assert (notice.status, notice.attempts) == (NoticeStatus.pending, 0)
        assert notice.last_error == "email is off (set COVOICE_SMTP_HOST)"
        [shown] = undelivered_alerts(uow.session, now=now)
        assert shown.id == alert_id and "email is off" in shown.why

    mailbox.start()
    assert tick(Notifier(unit_of_work, None, mailbox.mailer().send, ESCALATE), now) == 1
    assert len(mailbox.inbox.messages) == 1


def test_an_alert_at_a_service_without_a_lead_is_shown_loudly(
    unit_of_work: Callable[[], UnitOfWork], env: dict[str, str]
) -> None:
    alert_id = raise_alert(unit_of_work)
    tick(Notifier(unit_of_work, Chats(), None, ESCALATE), utcnow())

    listed = runner.invoke(app, ["alerts", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    first = listed.output.splitlines()[0]
    assert "1 safeguarding alert reached NO ONE" in first
    assert f"alert {alert_id} at oak-house" in listed.output
    assert "has no safeguarding lead" in listed.output


def test_a_lead_acknowledges_from_the_command_line_and_the_list_shows_who_was_told(
    unit_of_work: Callable[[], UnitOfWork], env: dict[str, str], mailbox: Mailbox
) -> None:
    mailbox.start()
    added = runner.invoke(
        app,
        ["lead", "add", "--service", "oak-house", "--name", "Sam Patel", "--email", "sam@oak.ex"],
        env=env,
    )
    assert added.exit_code == 0 and "number 1 for oak-house" in added.output, added.output
    alert_id = raise_alert(unit_of_work)
    tick(Notifier(unit_of_work, None, mailbox.mailer().send, ESCALATE), utcnow())

    stranger = runner.invoke(app, ["alerts", "ack", str(alert_id), "--by", "Pat Doe"], env=env)
    assert stranger.exit_code == 1
    assert 'Pat Doe is not a safeguarding lead of oak-house (its leads: "Sam Patel")' in (
        stranger.output
    )
    acked = runner.invoke(app, ["alerts", "ack", str(alert_id), "--by", "sam patel"], env=env)
    assert acked.exit_code == 0 and "acknowledged by Sam Patel" in acked.output, acked.output
    twice = runner.invoke(app, ["alerts", "ack", str(alert_id), "--by", "Sam Patel"], env=env)
    assert twice.exit_code == 1 and "already acknowledged by Sam Patel" in twice.output

    listed = runner.invoke(app, ["alerts", "list"], env=env)
    assert "NO ONE" not in listed.output
    [row] = [line for line in listed.output.splitlines() if line.startswith(f"{alert_id}\t")]
    assert "Sam Patel by email" in row and "\tby Sam Patel " in row and "acknowledged" in row

    shown = runner.invoke(app, ["alerts", "show", str(alert_id)], env=env)
    assert shown.exit_code == 0 and WORDS in shown.output, shown.output
    assert PERSON not in shown.output  # a pseudonym unless --reveal-people
    with unit_of_work() as uow:
        [viewed] = [entry for entry in uow.audit.list_all() if entry.action == "alerts.show"]
        assert (viewed.actor, viewed.detail["alert"]) == ("manager-ann", alert_id)
        [acknowledged] = [e for e in uow.audit.list_all() if e.action == "alert.acknowledged"]
        assert acknowledged.actor == "manager-ann" and acknowledged.detail["by"] == "Sam Patel"


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--service", "nowhere", "--name", "Sam", "--email", "s@o.ex"], "no service with id"),
        (["--service", "oak-house", "--name", "Sam"], "needs a way to be told"),
        (["--service", "oak-house", "--name", "Sam", "--email", "sam.oak"], "does not look like"),
        (["--service", "oak-house", "--name", "Sam", "--telegram-chat", "@sam"], "whole number"),
        (["--service", "oak-house", "--name", "Sam", "--telegram-chat", "-1001234"], "group chat"),
        (["--service", "oak-house", "--name", "Sam", "--telegram-chat", "9" * 30], "whole number"),
        (["--service", "oak-house", "--name", " ", "--email", "s@o.ex"], "Give the lead's name"),
    ],
)
def test_a_lead_that_cannot_be_told_is_refused_kindly(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork], arguments: list[str], said: str
) -> None:
    refused = runner.invoke(app, ["lead", "add", *arguments], env=env)
    assert refused.exit_code == 1 and said in refused.output, refused.output
    assert "Traceback" not in refused.output
    with unit_of_work() as uow:
        assert uow.leads.list_all() == []


def test_leads_are_listed_in_order_and_a_removed_lead_is_told_nothing_more(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    sam = lead(unit_of_work, "Sam Patel", "1001")
    lead(unit_of_work, "Lee Jones", mail="lee@oak.example")
    listed = runner.invoke(app, ["lead", "list", "--service", "oak-house"], env=env)
    assert listed.output.splitlines()[1:] == [
        f"{sam}\toak-house\t1\tSam Patel\t1001\t-\tactive",
        f"{sam + 1}\toak-house\t2\tLee Jones\t-\tlee@oak.example\tactive",
    ]
    removed = runner.invoke(app, ["lead", "remove", str(sam)], env=env)
    assert removed.exit_code == 0 and "Removed lead" in removed.output
    assert runner.invoke(app, ["lead", "remove", str(sam)], env=env).exit_code == 1

    chats = Chats()
    raise_alert(unit_of_work)
    tick(Notifier(unit_of_work, chats, None, ESCALATE), utcnow())
    assert chats.sent == []  # Lee, now first, has only email, which is off here
    assert {"lead.add", "lead.remove"} <= set(audit_actions(unit_of_work))


def test_the_app_starts_the_notifier_and_emails_the_first_lead(
    unit_of_work: Callable[[], UnitOfWork],
    database_url: str,
    tmp_path: Path,
    mailbox: Mailbox,
) -> None:
    from fastapi.testclient import TestClient

    from bot.app import create_app
    from tests.conftest import fixture_settings

    mailbox.start()
    settings = fixture_settings(
        tmp_path,
        database_url=database_url,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_tls="none",
        smtp_from="covoice@oak.example",
    )
    lead(unit_of_work, "Sam Patel", mail="sam@oak.example")
    alert_id = raise_alert(unit_of_work)
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 10
        while not mailbox.inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    [message] = mailbox.inbox.messages
    assert message["To"] == "sam@oak.example" and message["From"] == "covoice@oak.example"
    assert f"covoice alerts show {alert_id}" in message.get_payload(decode=True).decode()


def test_the_telegram_notice_carries_one_acknowledge_button() -> None:
    from telegram import InlineKeyboardMarkup

    class Bot:
        def __init__(self) -> None:
            self.sent: list[tuple[int, str, InlineKeyboardMarkup]] = []

        async def send_message(
            self, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup
        ) -> None:
            self.sent.append((chat_id, text, reply_markup))

    bot = Bot()
    asyncio.run(telegram_sender(bot)(1001, "CoVoice: …", 12))  # type: ignore[arg-type]
    [(chat_id, _, markup)] = bot.sent
    [[button]] = markup.inline_keyboard
    assert (chat_id, button.text, button.callback_data) == (1001, "I have seen this", "ack:12")


def test_covoice_run_names_alerts_that_reached_nobody(
    unit_of_work: Callable[[], UnitOfWork], database_url: str, tmp_path: Path, capsys: Any
) -> None:
    from cli.chat_commands import _warn_undelivered_alerts
    from tests.conftest import fixture_settings

    settings = fixture_settings(tmp_path, database_url=database_url)
    warned: set[int] = set()
    _warn_undelivered_alerts(settings, warned)
    assert capsys.readouterr().err == ""
    alert_id = raise_alert(unit_of_work)
    _warn_undelivered_alerts(settings, warned)
    said = capsys.readouterr().err
    assert "reached NO ONE" in said and f"alert {alert_id} at oak-house" in said
    _warn_undelivered_alerts(settings, warned)  # the next look, a minute later
    assert capsys.readouterr().err == ""  # said once
    later = raise_alert(unit_of_work)
    _warn_undelivered_alerts(settings, warned)
    said = capsys.readouterr().err
    assert f"alert {later} at oak-house" in said and f"alert {alert_id} " not in said


def test_a_wake_tells_the_lead_without_waiting_for_the_next_round(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    lead(unit_of_work, "Sam Patel", chat="1001")
    chats = Chats()
    notifier = Notifier(unit_of_work, chats, None, ESCALATE, every_seconds=3600)

    async def woken() -> list[tuple[int, str, int]]:
        running = asyncio.create_task(notifier.run())
        try:
            await asyncio.sleep(0.2)  # the first round found nothing; the next is an hour off
            alert_id = await asyncio.to_thread(raise_alert, unit_of_work)
            notifier.wake()
            for _ in range(200):
                if chats.sent:
                    break
                await asyncio.sleep(0.05)
            assert [sent[2] for sent in chats.sent] == [alert_id]
            return chats.sent
        finally:
            running.cancel()

    assert asyncio.run(woken())

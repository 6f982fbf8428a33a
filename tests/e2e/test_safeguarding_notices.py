"""A disclosure reaching a safeguarding lead, end to end.

A person links their Telegram chat and types a disclosure mid-check-in; the
real Rasa and action servers take the turn; the app tells the service's
lead in the lead's own Telegram chat (through the Bot API emulator) and by
email (through a real SMTP server), and the lead's "I have seen this"
acknowledges the alert. An alert nobody acknowledges goes on to the next
lead, and a notice held up by the mail server being down goes once it is back.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from email.message import Message

import pytest
from sqlalchemy import select

from cli.stack import Stack
from governance.leads import add_lead, remove_lead
from storage.models import AlertStatus, NoticeMedium, Provider, SafeguardingAlert, Service
from storage.unit_of_work import UnitOfWork
from tests.e2e.test_telegram_channel import _asked, _invite, _link, _said, _telegram_app
from tests.smtp import SENDER, Mailbox
from tests.telegram.user import BotMessage, Emulator, TelegramUser, free_port, running_emulator

SERVICE = "willow-house"
DISCLOSURE = "the night carer hits me when nobody is looking"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running_emulator() as running:
        yield running


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    box.start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def willow(store: Callable[[], UnitOfWork]) -> str:
    """A service of its own, so alerts raised by other tests reach no lead here."""
    with store() as uow:
        if uow.services.get(SERVICE) is None:
            if uow.session.get(Provider, "acme-care") is None:
                uow.services.add_provider(Provider(id="acme-care", name="Acme Care"))
            uow.services.add(Service(id=SERVICE, provider_id="acme-care", name="Willow House"))
            uow.commit()
    return SERVICE


@pytest.fixture(scope="module")
def app(
    stack: Stack,
    emulator: Emulator,
    mailbox: Mailbox,
    willow: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    running = _telegram_app(
        stack,
        emulator,
        tmp_path_factory.mktemp("notices"),
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_tls="none",
        smtp_from=SENDER,
        alert_escalate_minutes=1,  # the shortest there is: the escalation test waits it out
    )
    try:
        yield running
    finally:
        running.stop()


def _user(emulator: Emulator, app: Stack, name: str) -> TelegramUser:
    token = app.settings.telegram_bot_token.get_secret_value()
    person = emulator.user(token, chat_id=uuid.uuid4().int % 10**9 + 1000, name=name)
    person.timeout = 30.0
    return person


def _mail_to(mailbox: Mailbox, address: str, timeout: float = 30.0) -> Message:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message, recipients in zip(
            mailbox.inbox.messages, mailbox.inbox.recipients, strict=True
        ):
            if address in recipients:
                return message
        time.sleep(0.05)
    raise TimeoutError(f"No email to {address} within {timeout} s")


def _disclose(emulator: Emulator, app: Stack, store: Callable[[], UnitOfWork]) -> int:
    """A person links their chat and types a disclosure at the first question; the alert's id."""
    with _user(emulator, app, "Pat") as person:
        code, _ = _invite(store, role="person", service=SERVICE)
        _link(person, code)
        consent = _asked(person, "Hello. I want to ask about your life here")
        person.press(consent, consent.keyboard[0][0].text)
        _asked(person, "Do you feel safe at home")
        person.send(DISCLOSURE)
        _said(person, "Fixture easy words after a disclosure")
    with store() as uow:
        found = uow.session.scalar(
            select(SafeguardingAlert.id)
            .where(SafeguardingAlert.service_id == SERVICE)
            .order_by(SafeguardingAlert.id.desc())
        )
    assert found is not None
    return found


def _notice_of(alert_id: int) -> Callable[[BotMessage], bool]:
    return lambda message: f"Alert {alert_id}," in (message.text or "")


def test_a_disclosure_on_telegram_reaches_the_lead_by_telegram_and_email_and_is_acknowledged(
    app: Stack, emulator: Emulator, mailbox: Mailbox, store: Callable[[], UnitOfWork]
) -> None:
    lead_chat = _user(emulator, app, "Sam")
    with store() as uow:
        lead_id = add_lead(
            uow, "manager-ann", SERVICE, "Sam Patel", str(lead_chat.chat_id), "sam@willow.example"
        ).id
        uow.commit()
    try:
        with _user(emulator, app, "Pat") as person:
            code, ref = _invite(store, role="person", service=SERVICE)
            _link(person, code)
            consent = _asked(person, "Hello. I want to ask about your life here")
            person.press(consent, consent.keyboard[0][0].text)
            _asked(person, "Do you feel safe at home")
            person.send(DISCLOSURE)
            _said(person, "Fixture easy words after a disclosure")

        with store() as uow:
            alert = uow.session.scalars(
                select(SafeguardingAlert)
                .where(SafeguardingAlert.service_id == SERVICE)
                .order_by(SafeguardingAlert.id.desc())
            ).first()
            assert alert is not None
            alert_id = alert.id
        assert alert.words == DISCLOSURE and alert.channel == "telegram"

        notice = lead_chat.wait_for(
            lambda m: "safeguarding disclosure at Willow House" in (m.text or "")
        )
        assert f"Alert {alert_id}" in (notice.text or "")
        assert DISCLOSURE not in (notice.text or "") and ref not in (notice.text or "")

        mail = _mail_to(mailbox, "sam@willow.example")
        assert mail["Subject"] == "CoVoice: a possible safeguarding disclosure at Willow House"
        body = _body(mail)
        assert f"covoice alerts show {alert_id}" in body
        assert DISCLOSURE not in body and ref not in body  # an email is no place for the words

        lead_chat.press(notice, "I have seen this")
        _said(lead_chat, f"Thank you, Sam Patel: alert {alert_id} is acknowledged")
        with store() as uow:
            acknowledged = uow.alerts.get(alert_id)
            assert acknowledged is not None
            assert acknowledged.status == AlertStatus.acknowledged
    finally:
        with store() as uow:
            remove_lead(uow, "manager-ann", lead_id)
            uow.commit()
        lead_chat.close()


def test_an_alert_nobody_acknowledges_goes_on_to_the_next_lead_and_email_down_then_back_goes_once(
    app: Stack, emulator: Emulator, mailbox: Mailbox, store: Callable[[], UnitOfWork]
) -> None:
    first, second = _user(emulator, app, "Sam"), _user(emulator, app, "Lee")
    with store() as uow:
        leads = [
            add_lead(uow, "manager-ann", SERVICE, "Sam Patel", str(first.chat_id), "sam@w.example"),
            add_lead(uow, "manager-ann", SERVICE, "Lee Jones", str(second.chat_id), None),
        ]
        uow.commit()
        lead_ids = [lead.id for lead in leads]
    mailbox.stop()  # the mail server is down when the alert is raised
    try:
        alert_id = _disclose(emulator, app, store)
        first.wait_for(_notice_of(alert_id))  # Telegram does not wait for email

        deadline = time.monotonic() + 30
        while not _email_tries(store, alert_id):
            assert time.monotonic() < deadline, "the email was never tried"
            time.sleep(0.2)
        mailbox.start()
        mail = _mail_to(mailbox, "sam@w.example", timeout=60)  # the retry, after 30 s
        assert f"covoice alerts show {alert_id}" in _body(mail)

        # A minute after the first notices: the next lead is told, and the first again.
        escalated = second.wait_for(_notice_of(alert_id), timeout=90)
        assert "Nobody has acknowledged it yet" in (escalated.text or "")
        again = first.wait_for(_notice_of(alert_id))
        assert "Nobody has acknowledged it yet" in (again.text or "")
        with store() as uow:
            alert = uow.alerts.get(alert_id)
            assert alert is not None and alert.status == AlertStatus.escalated
        first_round = [
            message
            for message, to in zip(mailbox.inbox.messages, mailbox.inbox.recipients, strict=True)
            if "sam@w.example" in to and "Nobody has acknowledged" not in _body(message)
        ]
        assert len(first_round) == 1  # delivered once, though it was tried twice
    finally:
        if mailbox.controller is None:
            mailbox.start()
        with store() as uow:
            for lead_id in lead_ids:
                remove_lead(uow, "manager-ann", lead_id)
            uow.commit()
        first.close()
        second.close()


def _body(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def _email_tries(store: Callable[[], UnitOfWork], alert_id: int) -> int:
    with store() as uow:
        return sum(
            notice.attempts
            for notice in uow.notices.for_alert(alert_id)
            if notice.medium == NoticeMedium.email
        )

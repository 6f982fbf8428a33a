"""A disclosure reaching a safeguarding lead, end to end.

A person links their Telegram chat and types a disclosure mid-check-in; the
real Rasa and action servers take the turn; the app tells the service's
lead in the lead's own Telegram chat (through the Bot API emulator) and by
email (through a real SMTP server), and the lead's "I have seen this"
acknowledges the alert.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from email.message import Message
from typing import cast

import pytest
from sqlalchemy import select

from cli.stack import Stack
from governance.leads import add_lead, remove_lead
from storage.models import AlertStatus, Provider, SafeguardingAlert, Service
from storage.unit_of_work import UnitOfWork
from tests.e2e.test_telegram_channel import _asked, _invite, _link, _said, _telegram_app
from tests.smtp import SENDER, Mailbox
from tests.telegram.user import Emulator, TelegramUser, free_port, running_emulator

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
            [alert] = uow.session.scalars(
                select(SafeguardingAlert).where(SafeguardingAlert.service_id == SERVICE)
            )
            alert_id = alert.id
        assert alert.words == DISCLOSURE and alert.channel == "telegram"

        notice = lead_chat.wait_for(
            lambda m: "safeguarding disclosure at Willow House" in (m.text or "")
        )
        assert f"Alert {alert_id}" in (notice.text or "")
        assert DISCLOSURE not in (notice.text or "") and ref not in (notice.text or "")

        mail = _mail_to(mailbox, "sam@willow.example")
        assert mail["Subject"] == "CoVoice: a possible safeguarding disclosure at Willow House"
        body = cast(str, mail.get_payload(decode=True).decode())  # type: ignore[union-attr]
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

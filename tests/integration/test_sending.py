"""Scheduled sends in a real store: what is refused, and how delivery failures are retried."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.sending import (
    BUSY_FOR,
    FIRST_RETRY,
    MAX_ATTEMPTS,
    Dispatcher,
    QuietHours,
    SendError,
    Undeliverable,
    schedule,
)
from checkin.service import NewContact, ensure_contact
from storage.models import (
    Contact,
    Conversation,
    ConversationStatus,
    InboundMessage,
    InboundStatus,
    SendStatus,
    utcnow,
)
from storage.unit_of_work import UnitOfWork

SETS = frozenset({"fixture_checkin"})
NONE_QUIET = QuietHours.parse("00:00-00:00")


def _contact(uow: UnitOfWork, sender: str = "tg:42", channel: str = "telegram") -> int:
    contact = ensure_contact(uow, NewContact(sender, channel, "oak-house", "p-1", "family"))
    uow.commit()
    return contact.id


def _conversation(contact: Contact, **fields: Any) -> Conversation:
    """A check-in of the fixture set by ``contact``, as the store would hold it."""
    return Conversation(
        contact_id=contact.id,
        sender_id=contact.sender_id,
        channel=contact.channel,
        service_id=contact.service_id,
        person_id=contact.person_id,
        respondent_role=contact.respondent_role,
        question_set_id="fixture_checkin",
        question_set_version=1,
        **fields,
    )


def test_unknown_contacts_sets_and_channels_are_refused(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow:
        kiosk = _contact(uow, "kiosk:abc:def", "kiosk")
        linked = _contact(uow)
        with pytest.raises(SendError, match="No contact 999"):
            schedule(uow, 999, "fixture_checkin", SETS, NONE_QUIET, "t")
        with pytest.raises(SendError, match="kiosk channel"):
            schedule(uow, kiosk, "fixture_checkin", SETS, NONE_QUIET, "t")
        with pytest.raises(SendError, match="Unknown question set 'nope'"):
            schedule(uow, linked, "nope", SETS, NONE_QUIET, "t")


def test_a_contact_who_withdrew_is_refused_with_the_reason(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow:
        contact_id = _contact(uow)
        contact = uow.contacts.by_sender("tg:42")
        assert contact is not None
        uow.session.add(
            _conversation(
                contact,
                id="c-withdrawn",
                status=ConversationStatus.withdrawn,
                withdrawn_at=utcnow(),
            )
        )
        uow.commit()
        with pytest.raises(SendError, match="withdrew their consent"):
            schedule(uow, contact_id, "fixture_checkin", SETS, NONE_QUIET, "t")


def test_a_failed_delivery_is_retried_later_then_given_up(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow:
        send = schedule(uow, _contact(uow), "fixture_checkin", SETS, NONE_QUIET, "t")
        uow.commit()
        send_id = send.id
    tries: list[str] = []

    async def flaky(
        sender: str, question_set: str, message_id: str, incident_id: int | None
    ) -> None:
        tries.append(message_id)
        raise ConnectionError("Telegram did not answer")

    dispatcher = Dispatcher(unit_of_work, flaky, NONE_QUIET)
    assert asyncio.run(dispatcher.deliver_due()) == 0
    with unit_of_work() as uow:
        row = uow.sends.get(send_id)
        assert row is not None and row.status is SendStatus.pending and row.attempts == 1
        assert row.last_error == "ConnectionError: Telegram did not answer"
        wait = row.due_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
        assert FIRST_RETRY - timedelta(seconds=5) < wait <= FIRST_RETRY
        assert asyncio.run(dispatcher.deliver_due()) == 0  # not due again yet
    assert tries == [f"send:{send_id}"]

    for _ in range(MAX_ATTEMPTS - 1):
        with unit_of_work() as uow:
            row = uow.sends.get(send_id)
            assert row is not None
            row.due_at = utcnow()
            uow.commit()
        asyncio.run(dispatcher.deliver_due())
    with unit_of_work() as uow:
        row = uow.sends.get(send_id)
        assert row is not None and row.status is SendStatus.failed
        assert row.attempts == MAX_ATTEMPTS
    assert set(tries) == {f"send:{send_id}"}  # the same id each time: answered once


def test_a_blocked_chat_fails_at_once_and_a_delivered_send_is_recorded(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow:
        contact_id = _contact(uow)
        blocked = schedule(uow, contact_id, "fixture_checkin", SETS, NONE_QUIET, "t").id
        uow.commit()

    async def refused(
        sender: str, question_set: str, message_id: str, incident_id: int | None
    ) -> None:
        raise Undeliverable("Forbidden: bot was blocked by the user")

    asyncio.run(Dispatcher(unit_of_work, refused, NONE_QUIET).deliver_due())
    with unit_of_work() as uow:
        row = uow.sends.get(blocked)
        assert row is not None and row.status is SendStatus.failed and row.attempts == 1
        fine = schedule(uow, contact_id, "fixture_checkin", SETS, NONE_QUIET, "t").id
        uow.commit()

    got: list[tuple[str, str]] = []

    async def deliver(
        sender: str, question_set: str, message_id: str, incident_id: int | None
    ) -> None:
        got.append((sender, question_set))

    assert asyncio.run(Dispatcher(unit_of_work, deliver, NONE_QUIET).deliver_due()) == 1
    assert got == [("tg:42", "fixture_checkin")]
    with unit_of_work() as uow:
        row = uow.sends.get(fine)
        assert row is not None and row.status is SendStatus.sent and row.sent_at is not None


def test_a_send_waits_while_the_person_answers_a_check_in_then_goes(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow:
        contact_id = _contact(uow)
        contact = uow.contacts.by_sender("tg:42")
        assert contact is not None
        answering = _conversation(
            contact,
            id="c-open",
            status=ConversationStatus.in_progress,
            stage="question",
            started_at=utcnow() - timedelta(hours=2),
        )
        last_answer = utcnow() - timedelta(minutes=5)
        uow.session.add(answering)
        uow.inbound.add(
            InboundMessage(
                sender_id="tg:42",
                message_id="m7",
                channel="telegram",
                service_id="oak-house",
                contact_id=contact_id,
                text="good",
                status=InboundStatus.answered,
                received_at=last_answer,
            )
        )
        send_id = schedule(uow, contact_id, "fixture_checkin", SETS, NONE_QUIET, "t").id
        uow.commit()
    got: list[str] = []

    async def deliver(
        sender: str, question_set: str, message_id: str, incident_id: int | None
    ) -> None:
        got.append(message_id)

    dispatcher = Dispatcher(unit_of_work, deliver, NONE_QUIET)
    assert asyncio.run(dispatcher.deliver_due()) == 0
    with unit_of_work() as uow:
        row = uow.sends.get(send_id)
        assert row is not None and row.status is SendStatus.pending and row.attempts == 0
        waits_until = row.due_at.replace(tzinfo=None)
        assert abs(waits_until - (last_answer + BUSY_FOR).replace(tzinfo=None)) < timedelta(
            seconds=1
        )
        # Quiet since: the send goes, and its set takes over from the one left open.
        message = uow.inbound.get("tg:42", "m7")
        assert message is not None
        message.received_at = utcnow() - BUSY_FOR - timedelta(minutes=1)
        row.due_at = utcnow()
        uow.commit()
    assert asyncio.run(dispatcher.deliver_due()) == 1
    assert got == [f"send:{send_id}"]

"""Governance readers against the real store: service days, withdrawal, inbox words."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from governance.queries import inbox_words, person_requests_between, responses_between
from governance.service_days import UnknownTimeZone
from governance.withdrawal import usable_conversation
from storage.models import Conversation, ConversationStatus, InboundStatus
from storage.unit_of_work import UnitOfWork
from tests.integration.governance_rows import (
    add_contact,
    add_conversation,
    add_inbound,
    add_response,
    add_service,
)

Store = Callable[[], UnitOfWork]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def answers_on(store: Store, first: date, last: date, service: str | None = None) -> list[str]:
    with store() as uow:
        return [row.question_id for row in responses_between(uow.session, first, last, service)]


@pytest.fixture
def machine_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Change the process's own time zone, as another computer would have it."""

    def use(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def test_answer_after_midnight_in_london_summer_belongs_to_the_next_day(
    unit_of_work: Store,
) -> None:
    with unit_of_work() as uow:
        conversation = add_conversation(uow, "c-1", "resident-1")
        # 00:30 on 1 June in London (BST, UTC+1) is 23:30 on 31 May in UTC.
        add_response(uow, conversation, "june", utc(2026, 5, 31, 23, 30))
        add_response(uow, conversation, "may", utc(2026, 5, 31, 22, 59))
        uow.commit()
    assert answers_on(unit_of_work, date(2026, 6, 1), date(2026, 6, 30)) == ["june"]
    assert answers_on(unit_of_work, date(2026, 5, 1), date(2026, 5, 31)) == ["may"]


def test_answer_in_winter_belongs_to_its_utc_day_in_london(unit_of_work: Store) -> None:
    with unit_of_work() as uow:
        conversation = add_conversation(uow, "c-1", "resident-1")
        # London keeps GMT in winter: 23:30 UTC on 30 November is still 30 November.
        add_response(uow, conversation, "november", utc(2026, 11, 30, 23, 30))
        add_response(uow, conversation, "december", utc(2026, 12, 1, 0, 0))
        uow.commit()
    assert answers_on(unit_of_work, date(2026, 11, 30), date(2026, 11, 30)) == ["november"]
    assert answers_on(unit_of_work, date(2026, 12, 1), date(2026, 12, 1)) == ["december"]


def test_services_in_one_export_each_count_days_in_their_own_zone(unit_of_work: Store) -> None:
    with unit_of_work() as uow:
        add_service(uow, "maple-lodge", "America/New_York")
        add_service(uow, "kauri-home", "Pacific/Auckland")
        moment = utc(2026, 6, 1, 2, 0)
        # 03:00 on 1 June in London; 22:00 on 31 May in New York; 14:00 on 1 June in Auckland.
        for service in ("oak-house", "maple-lodge", "kauri-home"):
            add_response(uow, add_conversation(uow, f"c-{service}", "r", service), service, moment)
        uow.commit()
    assert answers_on(unit_of_work, date(2026, 6, 1), date(2026, 6, 1)) == [
        "oak-house",
        "kauri-home",
    ]
    assert answers_on(unit_of_work, date(2026, 5, 31), date(2026, 5, 31)) == ["maple-lodge"]
    assert answers_on(unit_of_work, date(2026, 5, 31), date(2026, 5, 31), "oak-house") == []


def test_days_do_not_depend_on_the_computer_time_zone(
    unit_of_work: Store, machine_zone: Callable[[str], None]
) -> None:
    with unit_of_work() as uow:
        conversation = add_conversation(uow, "c-1", "resident-1")
        add_response(uow, conversation, "june", utc(2026, 5, 31, 23, 30))
        uow.commit()
    for zone in ("UTC", "America/Los_Angeles", "Asia/Kolkata"):
        machine_zone(zone)
        assert answers_on(unit_of_work, date(2026, 6, 1), date(2026, 6, 1)) == ["june"], zone
        assert answers_on(unit_of_work, date(2026, 5, 31), date(2026, 5, 31)) == [], zone


def test_requests_count_days_in_the_service_zone(unit_of_work: Store) -> None:
    with unit_of_work() as uow:
        add_conversation(uow, "c-1", "resident-1", person_requested_at=utc(2026, 5, 31, 23, 30))
        uow.commit()
    with unit_of_work() as uow:
        june = person_requests_between(uow.session, date(2026, 6, 1), date(2026, 6, 1))
        may = person_requests_between(uow.session, date(2026, 5, 31), date(2026, 5, 31))
    assert [row.conversation_id for row in june] == ["c-1"] and may == []
    assert june[0].requested_at == utc(2026, 5, 31, 23, 30)


def test_a_service_with_an_unknown_time_zone_is_named(unit_of_work: Store) -> None:
    with unit_of_work() as uow:
        add_service(uow, "elm-house", "Europe/Lndon")
        uow.commit()
        with pytest.raises(UnknownTimeZone, match="'elm-house'.*'Europe/Lndon'.*Europe/London"):
            responses_between(uow.session, date(2026, 6, 1), date(2026, 6, 1))


def test_conversation_withdrawn_after_it_ended_leaves_answers_and_requests(
    unit_of_work: Store,
) -> None:
    with unit_of_work() as uow:
        kept = add_conversation(uow, "c-kept", "resident-1", person_requested_at=utc(2026, 6, 1))
        later = add_conversation(uow, "c-later", "resident-2", person_requested_at=utc(2026, 6, 1))
        add_response(uow, kept, "kept", utc(2026, 6, 1, 10))
        add_response(uow, later, "withdrawn", utc(2026, 6, 1, 10))
        uow.commit()
    june = date(2026, 6, 1)
    assert answers_on(unit_of_work, june, june) == ["kept", "withdrawn"]
    with unit_of_work() as uow:
        # The check-in had finished; the person withdrew afterwards, so the status stays.
        conversation = uow.conversations.get("c-later")
        assert conversation is not None
        conversation.withdrawn_at = utc(2026, 6, 3)
        uow.commit()
    assert answers_on(unit_of_work, june, june) == ["kept"]
    with unit_of_work() as uow:
        requests = person_requests_between(uow.session, june, june)
    assert [row.conversation_id for row in requests] == ["c-kept"]


def test_conversation_withdrawn_by_status_alone_is_not_used(unit_of_work: Store) -> None:
    with unit_of_work() as uow:
        stopped = add_conversation(
            uow,
            "c-1",
            "resident-1",
            status=ConversationStatus.withdrawn,
            person_requested_at=utc(2026, 6, 1),
        )
        add_response(uow, stopped, "food", utc(2026, 6, 1, 10))
        uow.commit()
    june = date(2026, 6, 1)
    assert answers_on(unit_of_work, june, june) == []
    with unit_of_work() as uow:
        assert person_requests_between(uow.session, june, june) == []


def test_usable_conversation_is_false_for_either_mark_of_withdrawal(unit_of_work: Store) -> None:
    with unit_of_work() as uow:
        add_conversation(uow, "fine", "a")
        add_conversation(uow, "by-time", "b", withdrawn_at=utc(2026, 6, 1))
        add_conversation(uow, "by-status", "c", status=ConversationStatus.withdrawn)
        add_conversation(uow, "stopped", "d", status=ConversationStatus.stopped)
        usable = uow.session.scalars(
            select(Conversation.id).where(usable_conversation()).order_by(Conversation.id)
        ).all()
    assert usable == ["fine", "stopped"]


@pytest.fixture
def inbox(unit_of_work: Store) -> Store:
    """One day of messages: some stored as answers, some kept only in the inbox."""
    day = utc(2026, 6, 1, 9)
    with unit_of_work() as uow:
        add_service(uow, "elm-house", "Europe/London")
        contact = add_contact(uow, "tg:100", "resident-1")
        conversation = add_conversation(uow, "c-1", "resident-1", contact=contact)
        add_response(uow, conversation, "food", day, source_message_id="m-answer")
        add_inbound(uow, "m-answer", "the food is lovely", day, conversation=conversation)
        add_inbound(uow, "m-button", "/rate_good", day, conversation=conversation)
        add_inbound(uow, "m-question", "who reads this?", day, conversation=conversation)
        add_inbound(
            uow,
            "m-long",
            "a story too long to send on",
            day,
            contact=contact,
            status=InboundStatus.rejected,
        )
        add_inbound(
            uow, "m-stranger", "hello?", day, sender_id="tg:200", status=InboundStatus.received
        )
        add_inbound(uow, "m-elm", "at elm house", day, sender_id="tg:300", service_id="elm-house")
        withdrawn = add_conversation(uow, "c-2", "resident-2", withdrawn_at=utc(2026, 6, 2))
        add_inbound(uow, "m-withdrawn", "forget this", day, "tg:400", conversation=withdrawn)
        uow.commit()
    return unit_of_work


def test_inbox_words_are_the_messages_not_stored_as_answers(inbox: Store) -> None:
    with inbox() as uow:
        rows = inbox_words(uow.session, date(2026, 6, 1), date(2026, 6, 1), "oak-house")
    assert [(row.message_id, row.person_ref, row.status) for row in rows] == [
        ("m-question", "resident-1", "answered"),
        ("m-long", "resident-1", "rejected"),
        ("m-stranger", None, "received"),
    ]
    stranger = rows[-1]
    assert stranger.sender_id == "tg:200" and stranger.conversation_id is None
    assert stranger.text == "hello?" and stranger.received_at == utc(2026, 6, 1, 9)


def test_inbox_words_of_every_service_and_their_days(inbox: Store) -> None:
    with inbox() as uow:
        every = inbox_words(uow.session, date(2026, 6, 1), date(2026, 6, 1))
        before = inbox_words(uow.session, date(2026, 5, 31), date(2026, 5, 31))
    assert {row.service_id for row in every} == {"oak-house", "elm-house"}
    assert before == []


def test_same_message_id_answered_in_another_conversation_still_counts_as_inbox_words(
    unit_of_work: Store,
) -> None:
    day = utc(2026, 6, 1, 9)
    with unit_of_work() as uow:
        first = add_conversation(uow, "c-1", "resident-1")
        second = add_conversation(uow, "c-2", "resident-1")
        add_response(uow, first, "food", day, source_message_id="1")
        add_inbound(uow, "1", "my words", day, sender_id="kiosk:b", conversation=second)
        uow.commit()
        rows = inbox_words(uow.session, date(2026, 6, 1), date(2026, 6, 1))
    assert [row.text for row in rows] == ["my words"]


def test_inbox_message_for_an_unknown_service_uses_london_days(unit_of_work: Store) -> None:
    with unit_of_work() as uow:
        add_inbound(uow, "m-1", "hi", utc(2026, 5, 31, 23, 30), service_id=None)
        uow.commit()
        june = inbox_words(uow.session, date(2026, 6, 1), date(2026, 6, 1))
    assert [(row.message_id, row.service_id) for row in june] == [("m-1", None)]

"""The check-in service against the real store on SQLite: where a conversation is,
what is stored, and what is never stored twice."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from checkin.question_sets import QuestionSet
from checkin.reading import UserTurn, read_message
from checkin.service import (
    CheckinService,
    NewContact,
    TurnTooLate,
    UnknownQuestionSet,
    UnknownSender,
    ensure_contact,
)
from checkin.wire import Prompt
from checkin.wording import BotWording
from covoice.taxonomy import Taxonomy
from storage.database import make_engine
from storage.models import (
    Base,
    Consent,
    Contact,
    Conversation,
    ConversationStatus,
    InboundMessage,
    InboundStatus,
    Person,
    Response,
)
from storage.unit_of_work import UnitOfWork

SENDER = "term:abc"
RESIDENT = NewContact(
    sender_id=SENDER, channel="term", service_id="oak-house", person_ref="resident-7"
)


def parse(text: str, intent: str = "inform") -> dict[str, Any]:
    """Rasa's parse of a message: a button payload reads as its intent and entities."""
    if not text.startswith("/"):
        return {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    name, brace, rest = text[1:].partition("{")
    values = json.loads(brace + rest) if brace else {}
    return {
        "text": text,
        "intent": {"name": name, "confidence": 1.0},
        "entities": [{"entity": key, "value": value} for key, value in values.items()],
    }


def typed(text: str, intent: str = "inform") -> UserTurn:
    return read_message(parse(text, intent))


def button(payload: str) -> UserTurn:
    return read_message(parse(payload))


def press(prompts: list[Prompt], label: str) -> UserTurn:
    """Press the button with this label on the last prompt shown."""
    [found] = [b for b in prompts[-1].buttons if b.label == label]
    return button(found.payload)


class Chat:
    """One sender's messages to the service, each with the next channel message id."""

    def __init__(self, service: CheckinService, sender_id: str = SENDER) -> None:
        self.service = service
        self.sender_id = sender_id
        self.sent = 0
        self.shown: list[Prompt] = []

    def send(self, turn: UserTurn, message_id: str | None = None) -> list[Prompt]:
        self.sent += 1
        result = self.service.take_turn(self.sender_id, turn, message_id or f"m{self.sent}")
        self.shown = result.prompts
        return result.prompts

    def press(self, label: str) -> list[Prompt]:
        return self.send(press(self.shown, label))

    def say_hello_and_consent(self) -> list[Prompt]:
        self.send(typed("hello", "greet"))
        return self.press("Yes, let's start")


@pytest.fixture
def service(
    unit_of_work: Callable[[], UnitOfWork], checkin: QuestionSet, wording: BotWording
) -> CheckinService:
    return CheckinService(unit_of_work, {checkin.id: checkin}, wording, checkin.id)


@pytest.fixture
def chat(unit_of_work: Callable[[], UnitOfWork], service: CheckinService) -> Chat:
    record_contact(unit_of_work, RESIDENT)
    return Chat(service)


def record_contact(unit_of_work: Callable[[], UnitOfWork], contact: NewContact) -> None:
    with unit_of_work() as uow:
        ensure_contact(uow, contact)
        uow.commit()


def conversations(unit_of_work: Callable[[], UnitOfWork]) -> list[Conversation]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(Conversation).order_by(Conversation.turn)))


def responses(unit_of_work: Callable[[], UnitOfWork]) -> list[Response]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(Response).order_by(Response.id)))


def consents(unit_of_work: Callable[[], UnitOfWork]) -> list[Consent]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(Consent).order_by(Consent.id)))


def inbox_row(unit_of_work: Callable[[], UnitOfWork], message_id: str) -> InboundMessage:
    with unit_of_work() as uow:
        row = uow.inbound.get(SENDER, message_id)
        assert row is not None
        return row


def changed(question_set: QuestionSet, taxonomy: Taxonomy, **update: Any) -> QuestionSet:
    """The same set with some of its top-level fields changed (a new version, another id)."""
    return QuestionSet(question_set.spec.model_copy(update=update), taxonomy)


def test_migrations_build_exactly_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_first_message_opens_a_conversation_at_consent_and_keeps_its_replies(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork], checkin: QuestionSet
) -> None:
    [prompt] = chat.send(typed("hello", "greet"), message_id="first")
    assert (prompt.kind, prompt.question_id) == ("consent", "consent")

    [conversation] = conversations(unit_of_work)
    assert conversation.status == ConversationStatus.consent_pending
    assert (conversation.stage, conversation.question_id, conversation.turn) == ("consent", None, 0)
    assert (conversation.question_set_id, conversation.question_set_version) == (
        checkin.id,
        checkin.version,
    )
    assert (conversation.sender_id, conversation.channel, conversation.service_id) == (
        SENDER,
        "term",
        "oak-house",
    )
    kept = inbox_row(unit_of_work, "first")
    assert kept.conversation_id == conversation.id
    assert kept.status == InboundStatus.answered
    assert kept.replies == [prompt.to_wire()]
    assert responses(unit_of_work) == []


def test_consent_yes_asks_the_first_question_and_records_the_consent(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    [question] = chat.say_hello_and_consent()
    assert (question.kind, question.question_id) == ("question", "feel_safe")

    [conversation] = conversations(unit_of_work)
    assert conversation.status == ConversationStatus.in_progress
    assert (conversation.stage, conversation.question_id) == ("question", "feel_safe")
    [consent] = consents(unit_of_work)
    assert (consent.given, consent.method) == (True, "chat:term")
    assert (consent.conversation_id, consent.person_id) == (
        conversation.id,
        conversation.person_id,
    )


def test_consent_no_ends_the_checkin_as_declined_and_records_it(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    chat.send(typed("hello", "greet"))
    [closing] = chat.press("No, thank you")
    assert closing.kind == "closing"

    [conversation] = conversations(unit_of_work)
    assert conversation.status == ConversationStatus.declined
    assert conversation.finished_at is not None
    assert [c.given for c in consents(unit_of_work)] == [False]


def test_answer_is_stored_with_its_themes_cqc_statements_and_where_it_came_from(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork], checkin: QuestionSet
) -> None:
    chat.say_hello_and_consent()
    chat.press("Yes")  # feel_safe
    chat.press("Yes")  # listened_to
    [follow_up] = chat.send(typed("its ok i suppose really", "rate_okay"), message_id="kind-1")
    assert follow_up.question_id == "staff_kind_more"

    [feel_safe, listened_to, staff_kind] = responses(unit_of_work)
    assert [feel_safe.question_id, listened_to.question_id] == ["feel_safe", "listened_to"]
    assert (feel_safe.answer_value, feel_safe.free_text) == ("yes", None)
    assert staff_kind.question_id == "staff_kind"
    assert staff_kind.answer_value == "okay"
    assert staff_kind.free_text == "its ok i suppose really"
    assert staff_kind.source_message_id == "kind-1"
    assert staff_kind.theme_ids == ["dignity_respect", "staff_consistency"]
    assert staff_kind.cqc_statements == list(checkin.question("staff_kind").cqc)
    assert (staff_kind.provider_id, staff_kind.service_id) == ("acme-care", "oak-house")
    assert (staff_kind.channel, staff_kind.respondent_role) == ("term", "person")
    assert staff_kind.question_set_id == checkin.id
    with unit_of_work() as uow:
        person = uow.session.get(Person, staff_kind.person_id)
        assert person is not None and person.ref == "resident-7"


def test_a_checkin_with_staff_helping_is_marked_supported_and_stored_with_that_role(
    unit_of_work: Callable[[], UnitOfWork], service: CheckinService
) -> None:
    record_contact(
        unit_of_work,
        NewContact(
            sender_id=SENDER,
            channel="term",
            service_id="oak-house",
            person_ref="resident-7",
            respondent_role="staff_supported",
        ),
    )
    chat = Chat(service)
    chat.say_hello_and_consent()
    chat.press("Yes")

    [conversation] = conversations(unit_of_work)
    assert conversation.supported_by_staff is True
    [answer] = responses(unit_of_work)
    assert answer.respondent_role == "staff_supported"


def test_a_new_service_on_the_same_store_carries_on_at_the_right_question(
    chat: Chat,
    unit_of_work: Callable[[], UnitOfWork],
    checkin: QuestionSet,
    wording: BotWording,
) -> None:
    chat.say_hello_and_consent()
    chat.press("Yes")  # feel_safe

    # The action server restarted (or Rasa lost its tracker): only the store remembers.
    restarted = Chat(CheckinService(unit_of_work, {checkin.id: checkin}, wording, checkin.id))
    restarted.sent = chat.sent  # the channel's message ids go on where they were
    [again] = restarted.send(typed("/repeat", "repeat"))
    assert again.question_id == "listened_to"
    [following] = restarted.press("No")
    assert following.question_id == "listened_to_more"
    assert [(r.question_id, r.answer_value) for r in responses(unit_of_work)] == [
        ("feel_safe", "yes"),
        ("listened_to", "no"),
    ]


def test_a_double_pressed_answer_is_stored_once_and_the_second_press_is_told_it_was_late(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    [question] = chat.say_hello_and_consent()
    yes = press([question], "Yes")

    chat.send(yes, message_id="press-1")
    late, current = chat.send(yes, message_id="press-2")

    assert late.text == wording.messages.earlier_question.text
    assert current.question_id == "listened_to"
    assert [r.question_id for r in responses(unit_of_work)] == ["feel_safe"]
    [conversation] = conversations(unit_of_work)
    assert conversation.question_id == "listened_to"
    assert inbox_row(unit_of_work, "press-2").status == InboundStatus.answered


def test_a_stale_button_for_an_earlier_question_stores_nothing_and_does_not_move_on(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    [feel_safe] = chat.say_hello_and_consent()
    chat.press("Yes")  # feel_safe, now at listened_to
    [before] = conversations(unit_of_work)

    late, current = chat.send(press([feel_safe], "No"))

    assert late.text == wording.messages.earlier_question.text
    assert current.question_id == "listened_to"
    assert [(r.question_id, r.answer_value) for r in responses(unit_of_work)] == [
        ("feel_safe", "yes")
    ]
    [after] = conversations(unit_of_work)
    assert (after.stage, after.question_id, after.turn) == (
        before.stage,
        before.question_id,
        before.turn,
    )


def test_the_same_message_delivered_twice_is_stored_once_and_answered_again_from_the_store(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork], service: CheckinService
) -> None:
    chat.say_hello_and_consent()
    yes = typed("yes", "affirm")  # typed: no button turn to tell a repeat from a new answer
    first = service.take_turn(SENDER, yes, "same")
    [at_listened_to] = conversations(unit_of_work)

    again = service.take_turn(SENDER, yes, "same")

    assert (first.replayed, again.replayed) == (False, True)
    assert again.prompts == first.prompts
    assert [r.question_id for r in responses(unit_of_work)] == ["feel_safe"]
    [conversation] = conversations(unit_of_work)
    assert (conversation.question_id, conversation.turn) == ("listened_to", at_listened_to.turn)


def test_start_checkin_for_a_new_contact_opens_the_chosen_set_at_consent(
    unit_of_work: Callable[[], UnitOfWork],
    checkin: QuestionSet,
    wording: BotWording,
    taxonomy: Taxonomy,
) -> None:
    other = changed(checkin, taxonomy, id="follow_up_checkin")
    service = CheckinService(
        unit_of_work, {checkin.id: checkin, other.id: other}, wording, checkin.id
    )

    [prompt] = service.start_checkin(RESIDENT, "follow_up_checkin")

    assert (prompt.kind, prompt.question_id) == ("consent", "consent")
    [conversation] = conversations(unit_of_work)
    assert conversation.question_set_id == "follow_up_checkin"
    assert conversation.status == ConversationStatus.consent_pending
    with unit_of_work() as uow:
        contact = uow.contacts.by_sender(SENDER)
        assert contact is not None
        assert (contact.channel, contact.service_id, contact.respondent_role) == (
            "term",
            "oak-house",
            "person",
        )
        assert conversation.contact_id == contact.id


def test_the_persons_reply_carries_on_the_checkin_we_started(
    unit_of_work: Callable[[], UnitOfWork],
    checkin: QuestionSet,
    wording: BotWording,
    taxonomy: Taxonomy,
) -> None:
    other = changed(checkin, taxonomy, id="follow_up_checkin")
    service = CheckinService(
        unit_of_work, {checkin.id: checkin, other.id: other}, wording, checkin.id
    )
    chat = Chat(service)
    chat.shown = service.start_checkin(RESIDENT, "follow_up_checkin")

    [question] = chat.press("Yes, let's start")
    chat.press("Yes")

    assert question.question_id == "feel_safe"
    [conversation] = conversations(unit_of_work)
    assert conversation.status == ConversationStatus.in_progress
    [answer] = responses(unit_of_work)
    assert (answer.conversation_id, answer.question_set_id) == (
        conversation.id,
        "follow_up_checkin",
    )


def test_a_send_from_our_side_takes_over_from_a_check_in_left_open(
    unit_of_work: Callable[[], UnitOfWork],
    checkin: QuestionSet,
    wording: BotWording,
    taxonomy: Taxonomy,
) -> None:
    other = changed(checkin, taxonomy, id="follow_up_checkin")
    service = CheckinService(
        unit_of_work, {checkin.id: checkin, other.id: other}, wording, checkin.id
    )
    record_contact(unit_of_work, RESIDENT)
    chat = Chat(service)
    chat.say_hello_and_consent()  # then left, mid-way

    hello = typed("/greet", "greet")
    resumed = service.take_turn(SENDER, hello, "again", "follow_up_checkin").prompts
    started = service.take_turn(SENDER, hello, "send:1", "follow_up_checkin", begin=True).prompts

    assert resumed[-1].kind != "consent"  # the person's own hello carries on where they were
    assert started[-1].kind == "consent"
    left, new = conversations(unit_of_work)
    assert (left.status, left.stage) == (ConversationStatus.stopped, "ended")
    assert (new.question_set_id, new.status) == (
        "follow_up_checkin",
        ConversationStatus.consent_pending,
    )


def test_start_checkin_for_a_known_sender_id_begins_after_its_last_turn(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork], service: CheckinService
) -> None:
    chat.say_hello_and_consent()
    [earlier] = conversations(unit_of_work)

    [prompt] = service.start_checkin(SENDER)

    assert prompt.kind == "consent"
    assert f'"turn":{earlier.turn + 1}' in prompt.buttons[0].payload
    assert [c.turn for c in conversations(unit_of_work)] == [earlier.turn, earlier.turn + 1]


def test_start_checkin_refuses_an_unknown_sender_or_set_and_stores_nothing(
    unit_of_work: Callable[[], UnitOfWork], service: CheckinService
) -> None:
    with pytest.raises(UnknownSender):
        service.start_checkin("term:nobody")
    with pytest.raises(UnknownQuestionSet):
        service.start_checkin(RESIDENT, "no_such_set")
    assert conversations(unit_of_work) == []
    with unit_of_work() as uow:
        assert uow.session.scalars(select(Contact)).all() == []


def test_a_turn_from_an_unknown_sender_raises_and_stores_nothing(
    unit_of_work: Callable[[], UnitOfWork], service: CheckinService
) -> None:
    with pytest.raises(UnknownSender):
        service.take_turn("term:nobody", typed("hello", "greet"), "m1")
    assert conversations(unit_of_work) == []
    with unit_of_work() as uow:
        assert uow.session.scalars(select(InboundMessage)).all() == []


def test_a_turn_past_its_deadline_stores_nothing_and_a_later_delivery_goes_through(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork], service: CheckinService
) -> None:
    chat.say_hello_and_consent()
    [before] = conversations(unit_of_work)
    with unit_of_work() as uow:  # kept in the inbox by the app before Rasa saw it
        uow.inbound.add(
            InboundMessage(
                sender_id=SENDER,
                message_id="slow",
                channel="term",
                service_id="oak-house",
                text="yes",
                status=InboundStatus.received,
            )
        )
        uow.commit()
    yes = typed("yes", "affirm")

    with pytest.raises(TurnTooLate):
        service.take_turn(SENDER, yes, "slow", deadline=time.time() - 1)

    assert responses(unit_of_work) == []
    [after] = conversations(unit_of_work)
    assert (after.stage, after.question_id, after.turn) == (
        before.stage,
        before.question_id,
        before.turn,
    )
    kept = inbox_row(unit_of_work, "slow")
    assert (kept.status, kept.replies, kept.conversation_id) == (InboundStatus.received, None, None)

    result = service.take_turn(SENDER, yes, "slow", deadline=time.time() + 30)
    assert result.replayed is False
    assert [r.question_id for r in responses(unit_of_work)] == ["feel_safe"]


def test_pressing_stop_marks_the_conversation_stopped(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    chat.say_hello_and_consent()
    [closing] = chat.press("Stop")

    assert closing.text == wording.messages.stopped.text
    [conversation] = conversations(unit_of_work)
    assert conversation.status == ConversationStatus.stopped
    assert conversation.stage == "ended"
    assert conversation.finished_at is not None
    assert conversation.withdrawn_at is None


def test_withdrawing_marks_this_checkin_withdrawn_and_records_the_consent_taken_back(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    chat.say_hello_and_consent()
    chat.press("Yes")
    [confirm] = chat.send(typed("do not use my answers", "withdraw_consent"))
    assert confirm.text == wording.messages.confirm_withdraw.text
    [closing] = chat.press("Yes, do not use them")

    assert closing.text == wording.messages.withdrawn.text
    [conversation] = conversations(unit_of_work)
    assert conversation.status == ConversationStatus.withdrawn
    assert conversation.withdrawn_at is not None
    assert [c.given for c in consents(unit_of_work)] == [True, False]


def test_a_double_pressed_withdrawal_records_the_consent_taken_back_once(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    chat.say_hello_and_consent()
    chat.send(typed("do not use my answers", "withdraw_consent"))
    withdraw = press(chat.shown, "Yes, do not use them")

    chat.send(withdraw, message_id="withdraw-1")
    chat.send(withdraw, message_id="withdraw-2")

    assert [c.given for c in consents(unit_of_work)] == [True, False]


def test_withdrawing_this_chat_leaves_earlier_checkins_in_use(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    chat.say_hello_and_consent()
    chat.press("Yes")
    chat.press("Stop")
    chat.say_hello_and_consent()
    chat.send(typed("do not use my answers", "withdraw_consent"))
    chat.press("This chat")

    earlier, latest = conversations(unit_of_work)
    assert earlier.withdrawn_at is None and earlier.status == ConversationStatus.stopped
    assert latest.withdrawn_at is not None and latest.status == ConversationStatus.withdrawn


def test_withdrawing_all_my_chats_marks_every_earlier_checkin_of_the_person_withdrawn(
    chat: Chat,
    unit_of_work: Callable[[], UnitOfWork],
    service: CheckinService,
    wording: BotWording,
) -> None:
    neighbour = NewContact("term:xyz", "term", "oak-house", "resident-8")
    record_contact(unit_of_work, neighbour)
    Chat(service, "term:xyz").say_hello_and_consent()
    chat.say_hello_and_consent()
    chat.press("Yes")
    chat.press("Stop")
    chat.say_hello_and_consent()

    [confirm] = chat.send(typed("do not use my answers", "withdraw_consent"))
    assert confirm.text == wording.messages.confirm_withdraw_all.text
    [closing] = chat.send(button('/withdraw_consent{"scope":"all"}'))

    assert closing.text == wording.messages.withdrawn_all.text
    mine = [c for c in conversations(unit_of_work) if c.sender_id == SENDER]
    assert len(mine) == 2
    assert all(c.withdrawn_at is not None for c in mine)
    assert mine[-1].status == ConversationStatus.withdrawn
    [theirs] = [c for c in conversations(unit_of_work) if c.sender_id == "term:xyz"]
    assert theirs.withdrawn_at is None


def test_a_conversation_whose_set_version_changed_starts_again_at_consent(
    chat: Chat,
    unit_of_work: Callable[[], UnitOfWork],
    checkin: QuestionSet,
    wording: BotWording,
    taxonomy: Taxonomy,
) -> None:
    chat.say_hello_and_consent()
    reworded = changed(checkin, taxonomy, version=checkin.version + 1)
    chat.service = CheckinService(unit_of_work, {checkin.id: reworded}, wording, checkin.id)

    [prompt] = chat.send(typed("yes", "affirm"))

    assert prompt.kind == "consent"
    assert responses(unit_of_work) == []
    old, new = conversations(unit_of_work)
    assert (old.question_set_version, new.question_set_version) == (
        checkin.version,
        checkin.version + 1,
    )
    assert (new.stage, new.status) == ("consent", ConversationStatus.consent_pending)
    assert new.turn > old.turn


def test_turns_keep_counting_across_checkins_so_an_old_checkins_button_is_late(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    [first_consent] = chat.send(typed("hello", "greet"))
    chat.press("No, thank you")
    [start_again] = chat.shown
    chat.send(press([start_again], "Start again"))

    late, consent = chat.send(press([first_consent], "Yes, let's start"))

    assert late.text == wording.messages.earlier_question.text
    assert consent.kind == "consent"
    declined, current = conversations(unit_of_work)
    assert declined.status == ConversationStatus.declined
    assert current.turn > declined.turn
    assert (current.stage, current.status) == ("consent", ConversationStatus.consent_pending)
    assert [c.given for c in consents(unit_of_work)] == [False]


def test_a_device_that_now_speaks_for_someone_else_starts_them_a_new_checkin(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    chat.say_hello_and_consent()
    record_contact(unit_of_work, NewContact(SENDER, "term", "oak-house", "resident-9"))
    [consent] = chat.send(typed("yes", "affirm"))
    assert consent.kind == "consent"
    first, second = conversations(unit_of_work)
    assert first.person_id != second.person_id
    assert first.stage == "ended" and second.stage == "consent"
    assert responses(unit_of_work) == []


def test_a_family_members_all_my_chats_leaves_the_persons_own_checkins_in_use(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork], service: CheckinService
) -> None:
    chat.say_hello_and_consent()
    chat.press("Yes")
    mother = NewContact("term:mum", "term", "oak-house", "resident-7", "family")
    record_contact(unit_of_work, mother)
    family = Chat(service, "term:mum")
    family.say_hello_and_consent()
    family.press("Yes")
    family.press("Stop")
    family.say_hello_and_consent()
    family.send(typed("do not use my answers", "withdraw_consent"))
    family.press("All my chats")
    by_sender = {c.sender_id: c for c in conversations(unit_of_work)}
    assert by_sender[SENDER].withdrawn_at is None
    mums = [c for c in conversations(unit_of_work) if c.sender_id == "term:mum"]
    assert len(mums) == 2 and all(c.withdrawn_at is not None for c in mums)
    withdrawn = {c.conversation_id for c in consents(unit_of_work) if not c.given}
    assert withdrawn == {c.id for c in mums}


def test_two_turns_that_read_the_same_state_cannot_both_write(
    chat: Chat, unit_of_work: Callable[[], UnitOfWork]
) -> None:
    chat.say_hello_and_consent()
    with unit_of_work() as slow:
        [stale] = slow.session.scalars(select(Conversation)).all()
        chat.press("Yes")  # another turn commits in between
        stale.question_id = "food"
        with pytest.raises(StaleDataError):
            slow.commit()
    [current] = conversations(unit_of_work)
    assert current.question_id == "listened_to"

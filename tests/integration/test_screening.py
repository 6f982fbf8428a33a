"""Screening and tagging on the one inbound path: the real tagger, the real check-in
action and store; Rasa's NLU is stood in for by the tests' own intents."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.rasa_client import RasaUnavailable
from checkin.wording import BotWording
from governance.acknowledgement import acknowledge
from governance.alerts import alerts_listed
from storage.models import AlertStatus, Conversation, Response, SafeguardingAlert
from storage.unit_of_work import UnitOfWork
from tests.integration.test_chat_service import (
    ActionRasa,
    CannedRasa,
    chat_service,
    handle,
    message,
)

DISCLOSURE = "my keyworker shouted at me and grabbed my arm yesterday"


def alerts(unit_of_work: Callable[[], UnitOfWork]) -> list[SafeguardingAlert]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(SafeguardingAlert)))


def start_checkin(chat, n: int = 0) -> None:  # type: ignore[no-untyped-def]
    [consent] = handle(chat, message("hello", f"start-{n}"))
    handle(chat, message(consent.buttons[0].payload, f"yes-{n}"))


def test_a_disclosure_mid_checkin_raises_one_alert_before_the_calm_reply(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording, action_rasa: ActionRasa
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)
    start_checkin(chat)
    seen_at_reply: list[int] = []
    [calm] = handle(chat, message(DISCLOSURE, "m-d"))
    seen_at_reply.append(len(alerts(unit_of_work)))

    assert calm.text == wording.messages.disclosure.text
    assert [b.label for b in calm.buttons] == ["Fixture carry on", "Fixture stop"]
    [alert] = alerts(unit_of_work)
    assert alert.words == DISCLOSURE
    assert alert.status == AlertStatus.raised
    assert alert.category in ("psychological", "physical")
    assert alert.service_id == "oak-house" and alert.channel == "test"
    assert alert.person_id is not None and alert.conversation_id is not None
    # The same message delivered again raises nothing new.
    handle(chat, message(DISCLOSURE, "m-d"))
    assert len(alerts(unit_of_work)) == 1


def test_the_words_are_kept_with_their_own_themes_and_the_check_in_carries_on(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording, action_rasa: ActionRasa
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)
    start_checkin(chat)
    [calm] = handle(chat, message(DISCLOSURE, "m-d"))
    [next_question] = handle(chat, message(calm.buttons[0].payload, "m-carry"))
    assert next_question.kind == "question" and next_question.question_id == "listened_to"
    with unit_of_work() as uow:
        [answer] = uow.session.scalars(select(Response))
        assert answer.question_id == "feel_safe" and answer.free_text == DISCLOSURE
        assert answer.theme_ids == ["safety"]  # the fixture question's own theme
        assert answer.intent == "inform" and answer.theme_confidence is not None


def test_a_story_typed_at_a_button_question_keeps_its_own_themes_beside_the_questions(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording, action_rasa: ActionRasa
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)
    start_checkin(chat)
    story = "the dinners are always cold and I never get a choice of what to eat"
    handle(chat, message(story, "m-story"))
    with unit_of_work() as uow:
        [answer] = uow.session.scalars(select(Response))
        assert answer.free_text == story and answer.theme_ids == ["safety"]
        assert "food_drink" in answer.text_theme_ids


@pytest.mark.parametrize(
    "everyday",
    ["I'd kill for a cup of tea", "the new carer is always late", "the food is disgusting"],
)
def test_everyday_words_raise_no_alert_and_the_check_in_goes_on(
    unit_of_work: Callable[[], UnitOfWork],
    wording: BotWording,
    action_rasa: ActionRasa,
    everyday: str,
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)
    start_checkin(chat)
    replies = handle(chat, message(everyday, "m-e"))
    assert alerts(unit_of_work) == []
    assert all(reply.text != wording.messages.disclosure.text for reply in replies)


def test_words_at_the_consent_step_and_after_the_end_are_screened_too(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording, action_rasa: ActionRasa
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)
    handle(chat, message("hello", "m1"))
    [calm] = handle(chat, message("my son takes my bank card and wont give it back", "m2"))
    assert calm.text == wording.messages.disclosure.text
    assert [alert.category for alert in alerts(unit_of_work)] == ["financial"]


def test_a_message_too_long_for_rasa_is_still_screened_and_answered_calmly(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    rasa = CannedRasa([])
    chat = chat_service(rasa, unit_of_work, wording)
    long_words = "We visited mum on Sunday and the garden looked lovely. " * 3
    words = long_words + "She told us the night carer hits her when she rings the bell."
    assert len(words) > 100  # the tests' limit for Rasa
    replies = handle(chat, message(words, "m-long"))
    assert rasa.sent == []
    assert replies[0].text == wording.messages.disclosure.text
    [alert] = alerts(unit_of_work)
    assert alert.category == "physical" and alert.words == words


def test_when_rasa_fails_the_alert_stands_and_the_person_still_hears_the_calm_words(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    chat = chat_service(CannedRasa(RasaUnavailable("down")), unit_of_work, wording)
    replies = handle(chat, message("he hits me", "m-x"))
    assert replies[0].text == wording.messages.disclosure.text
    assert len(alerts(unit_of_work)) == 1


def test_a_withdrawn_check_in_never_hides_its_alert(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording, action_rasa: ActionRasa
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)
    start_checkin(chat)
    handle(chat, message(DISCLOSURE, "m-d"))
    handle(chat, message('/withdraw_consent{"scope":"all"}', "m-w"))
    with unit_of_work() as uow:
        [conversation] = uow.session.scalars(select(Conversation))
        assert conversation.withdrawn_at is not None
        [row] = alerts_listed(uow.session)
    assert row.words == DISCLOSURE and row.person_ref is not None


def test_a_transcript_is_screened_as_heard_and_its_yes_raises_no_second_alert(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording, action_rasa: ActionRasa
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)
    start_checkin(chat)

    assert not asyncio.run(chat.screen(message("we had a lovely trip to the zoo", "m-v1")))
    assert alerts(unit_of_work) == []
    assert asyncio.run(chat.screen(message(DISCLOSURE, "m-v2")))
    [alert] = alerts(unit_of_work)
    assert alert.words == DISCLOSURE and alert.conversation_id is not None
    with unit_of_work() as uow:
        assert list(uow.session.scalars(select(Response))) == []  # not an answer until the yes

    [calm] = handle(chat, message(DISCLOSURE, "cb-yes"))  # the person's yes to "I heard: …"
    assert calm.text == wording.messages.disclosure.text
    assert len(alerts(unit_of_work)) == 1
    with unit_of_work() as uow:
        [answer] = uow.session.scalars(select(Response))
        assert answer.free_text == DISCLOSURE


def test_the_notifier_is_woken_by_each_alert_and_only_by_alerts(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording, action_rasa: ActionRasa
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)
    woken: list[int] = []
    chat.alert_raised = lambda: woken.append(len(alerts(unit_of_work)))
    start_checkin(chat)
    handle(chat, message("I'd kill for a cup of tea", "m-tea"))
    assert woken == []
    handle(chat, message(DISCLOSURE, "m-d"))
    assert woken == [1]  # after the alert was in the store


def test_the_same_words_after_the_alert_was_acknowledged_raise_a_new_one(
    unit_of_work: Callable[[], UnitOfWork], wording: BotWording, action_rasa: ActionRasa
) -> None:
    chat = chat_service(action_rasa, unit_of_work, wording)
    start_checkin(chat)
    handle(chat, message(DISCLOSURE, "m-1"))
    handle(chat, message(DISCLOSURE, "m-2"))  # said again while the alert is open
    [first] = alerts(unit_of_work)
    with unit_of_work() as uow:
        acknowledge(uow, first.id, "Sam Patel", None)
        uow.commit()
    handle(chat, message(DISCLOSURE, "m-3"))
    assert [alert.status for alert in alerts(unit_of_work)] == [
        AlertStatus.acknowledged,
        AlertStatus.raised,
    ]

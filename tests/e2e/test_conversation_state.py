"""Where a conversation is, decided by our store, through the real Rasa and action servers."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from checkin.loading import build_checkin_service
from checkin.service import NewContact
from cli.stack import Stack
from storage.models import Conversation, Response
from storage.unit_of_work import UnitOfWork
from tests.e2e.conftest import Chatter, asked


def _button(replies: list[dict[str, Any]], label: str) -> str:
    [payload] = [b["payload"] for b in replies[-1]["buttons"] if b["label"] == label]
    return str(payload)


def _stored(store: Callable[[], UnitOfWork], sender_id: str) -> list[tuple[str, str | None]]:
    with store() as uow:
        rows = (
            uow.session.query(Response)
            .join(Conversation, Conversation.id == Response.conversation_id)
            .filter(Conversation.sender_id == sender_id)
            .order_by(Response.id)
            .all()
        )
        return [(row.question_id, row.answer_value) for row in rows]


def test_a_double_pressed_answer_is_stored_once(
    chatter: Chatter, store: Callable[[], UnitOfWork]
) -> None:
    question = chatter.say(_button(chatter.say("hello"), "Yes, let's start"))
    assert asked(question) == "feel_safe"
    yes = _button(question, "Yes")
    assert asked(chatter.say(yes)) == "listened_to"
    second = chatter.say(yes)  # the same button, a new message: a double tap
    assert "earlier question" in second[0]["text"]
    assert asked(second) == "listened_to"
    assert _stored(store, chatter.sender_id) == [("feel_safe", "yes")]


def test_a_stale_button_for_an_earlier_question_stores_nothing(
    chatter: Chatter, store: Callable[[], UnitOfWork]
) -> None:
    consent = chatter.say("hello")
    first = chatter.say(_button(consent, "Yes, let's start"))
    old_no = _button(first, "No")
    second = chatter.say(_button(first, "Yes"))
    assert asked(chatter.say(_button(second, "Yes"))) == "staff_kind"
    late = chatter.say(old_no)  # an old keyboard, pressed much later
    assert "earlier question" in late[0]["text"]
    assert asked(late) == "staff_kind"
    assert _stored(store, chatter.sender_id) == [("feel_safe", "yes"), ("listened_to", "yes")]


def test_a_check_in_started_from_our_side_carries_on_through_rasa(
    chatter: Chatter, stack: Stack, store: Callable[[], UnitOfWork]
) -> None:
    service = build_checkin_service(stack.settings)
    [consent] = service.start_checkin(
        NewContact(chatter.sender_id, chatter.channel, chatter.service, chatter.person),
        "fixture_checkin",
    )
    assert consent.kind == "consent"
    yes = next(b.payload for b in consent.buttons if b.label == "Yes, let's start")
    assert asked(chatter.say(yes)) == "feel_safe"
    with store() as uow:
        [conversation] = (
            uow.session.query(Conversation).filter_by(sender_id=chatter.sender_id).all()
        )
        assert conversation.stage == "question" and conversation.question_id == "feel_safe"


def test_rasa_dying_after_the_answer_was_stored_tells_the_truth_and_goes_on(
    chatter: Chatter, stack: Stack, store: Callable[[], UnitOfWork]
) -> None:
    first = chatter.say(_button(chatter.say("hello"), "Yes, let's start"))
    assert asked(first) == "feel_safe"
    rasa = next(p for p in stack.processes if p.name == "Rasa server")
    actions = next(p for p in stack.processes if p.name == "action server")

    # Hold the action server so that Rasa is waiting on it, freeze Rasa, then let
    # the action commit: the answer is stored and Rasa never replies.
    os.kill(actions.popen.pid, signal.SIGSTOP)
    answered: list[list[dict[str, Any]]] = []
    sender = threading.Thread(
        target=lambda: answered.append(chatter.say(_button(first, "Yes"), message_id="lost-1"))
    )
    try:
        sender.start()
        time.sleep(3)  # Rasa has parsed the message and called the action by now
        os.kill(rasa.popen.pid, signal.SIGSTOP)
    finally:
        os.kill(actions.popen.pid, signal.SIGCONT)
    deadline = time.monotonic() + 20
    while _stored(store, chatter.sender_id) != [("feel_safe", "yes")]:
        assert time.monotonic() < deadline, "the action never stored the answer"
        time.sleep(0.1)
    os.kill(rasa.popen.pid, signal.SIGKILL)
    sender.join(timeout=30)
    stack.stop("Rasa server")

    [replies] = answered
    assert "I have your answer" in replies[0]["text"]
    assert asked(replies) == "listened_to"

    stack.wait_ready(stack.start_rasa(), on_progress=lambda _: None)
    # The channel sends the lost message again: answered from the store, stored once.
    assert asked(chatter.say(_button(first, "Yes"), message_id="lost-1")) == "listened_to"
    assert asked(chatter.say("/deny")) == "listened_to_more"
    assert _stored(store, chatter.sender_id) == [("feel_safe", "yes"), ("listened_to", "no")]


def test_rasa_keeps_only_recent_turns_and_the_check_in_goes_on(
    chatter: Chatter, stack: Stack, store: Callable[[], UnitOfWork]
) -> None:
    replies = chatter.say(_button(chatter.say("hello"), "Yes, let's start"))
    for _ in range(12):
        replies = chatter.say("say that again")
    assert asked(replies) == "feel_safe"
    assert asked(chatter.say(_button(replies, "Yes"))) == "listened_to"
    tracker = httpx.get(
        f"{stack.settings.rasa_url}/conversations/{chatter.sender_id}/tracker",
        params={"token": stack.settings.rasa_api_token()},
        timeout=30,
    ).json()
    assert 0 < len(tracker["events"]) <= 40
    assert _stored(store, chatter.sender_id) == [("feel_safe", "yes")]

"""A whole check-in through the app, the real Rasa server and the real action server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date

import httpx
import rasa_sdk

from checkin.service import NewContact, ensure_contact
from checkin.wire import PROMPT_FORMAT, TurnMetadata
from cli.stack import Stack, settings_env
from storage.models import Conversation, ConversationStatus, InboundMessage
from storage.unit_of_work import UnitOfWork
from tests.e2e.conftest import Chatter, asked, bearer, payloads


def test_rasa_3_6_server_runs_actions_of_this_rasa_sdk(
    stack: Stack, store: Callable[[], UnitOfWork]
) -> None:
    assert httpx.get(f"{stack.settings.rasa_url}/version").json()["version"] == "3.6.21"
    assert rasa_sdk.__version__ == "3.6.2"
    with store() as uow:
        ensure_contact(uow, NewContact("rest:version-check", "rest", "oak-house", "resident-1"))
        uow.commit()
    body = {
        "sender": "rest:version-check",
        "message": "hello",
        "metadata": TurnMetadata(message_id="version-check-1").to_wire(),
    }
    answer = httpx.post(
        stack.rasa_webhook_url,
        json=body,
        headers=bearer(stack.settings.rasa_api_token()),
        timeout=30,
    )
    # Only the action server's check-in action sends this payload.
    [message] = answer.json()
    assert message["custom"]["format"] == PROMPT_FORMAT
    assert message["custom"]["kind"] == "consent"


def test_app_process_answers_over_http(stack: Stack, api_key: str) -> None:
    base = stack.app_url
    assert httpx.get(f"{base}/health").json() == {"status": "ok", "rasa_ready": True}
    body = {"sender": "http-1", "text": "hello", "service": "oak-house"}
    replies = httpx.post(f"{base}/api/chat", json=body, headers=bearer(api_key), timeout=30).json()[
        "replies"
    ]
    assert replies[-1]["kind"] == "consent"


def test_whole_check_in_is_stored_with_its_tags(
    chatter: Chatter, store: Callable[[], UnitOfWork], stack: Stack
) -> None:
    consent = chatter.say("hello")
    assert consent[-1]["kind"] == "consent"
    assert payloads(consent[-1]) == [
        '/affirm{"question":"consent","turn":0}',
        '/deny{"question":"consent","turn":0}',
    ]

    assert asked(chatter.say("yes")) == "feel_safe"
    again = chatter.say("say that again")
    assert asked(again) == "feel_safe"
    assert again[-1]["buttons"][0] == {
        "label": "Yes",
        "pictogram": "👍",
        "payload": '/affirm{"question":"feel_safe","turn":1}',
        "kind": "answer",
    }
    assert asked(chatter.say("/affirm")) == "listened_to"

    helped = chatter.say("help")
    assert "press a button" in helped[0]["text"].lower()
    assert asked(helped) == "listened_to"
    assert asked(chatter.say("no")) == "listened_to_more"  # tell me more
    assert asked(chatter.tell("they talk over me when I ask for things")) == "staff_kind"

    assert asked(chatter.say("😊")) == "own_choices"
    assert asked(chatter.say("/skip")) == "activities"
    assert asked(chatter.say("/rate_bad")) == "activities_more"
    # After "not good" the set branches past the favourites question.
    assert asked(chatter.tell("more trips out to the park")) == "family_friends"
    assert asked(chatter.say("/affirm")) == "food"
    assert asked(chatter.say("/rate_okay")) == "home"
    # Free text where buttons are offered is taken as the answer.
    assert asked(chatter.tell("my radiator has been broken for weeks")) == "one_change"
    assert asked(chatter.say("a bigger garden")) == "anything_else"
    closing = chatter.say("/deny")
    assert closing[-1]["kind"] == "closing"
    assert "what we change" in closing[-1]["text"]

    with store() as uow:
        conversation = uow.session.query(Conversation).filter_by(sender_id=chatter.sender_id).one()
        assert conversation.status == ConversationStatus.finished
        rows = uow.responses.for_conversation(conversation.id)
        stored = [
            (r.question_id, r.answer_value, r.free_text, r.theme_ids, r.channel) for r in rows
        ]
        tags = {(r.service_id, r.provider_id, r.respondent_role, r.question_set_id) for r in rows}
    assert stored == [
        ("feel_safe", "yes", None, ["safety"], "test"),
        ("listened_to", "no", None, ["being_heard"], "test"),
        (
            "listened_to_more",
            None,
            "they talk over me when I ask for things",
            ["being_heard"],
            "test",
        ),
        ("staff_kind", "good", None, ["dignity_respect", "staff_consistency"], "test"),
        ("activities", "bad", None, ["activities_community"], "test"),
        ("activities_more", None, "more trips out to the park", ["activities_community"], "test"),
        ("family_friends", "yes", None, ["relationships"], "test"),
        ("food", "okay", None, ["food_drink"], "test"),
        ("home", None, "my radiator has been broken for weeks", ["home_environment"], "test"),
        ("one_change", None, "a bigger garden", ["being_heard", "choice_control"], "test"),
    ]
    assert tags == {("oak-house", "acme-care", "person", "fixture_checkin")}

    exported = _export(stack, "--service", "oak-house", "--theme", "food_drink")
    food = [row for row in exported if row["conversation_id"] == conversation.id]
    assert [(row["question_id"], row["answer_value"]) for row in food] == [("food", "okay")]
    assert food[0]["person"].startswith("p-")
    assert "resident-7" not in json.dumps(exported)


def test_same_message_delivered_twice_is_answered_once(
    chatter: Chatter, store: Callable[[], UnitOfWork]
) -> None:
    chatter.say("hello")
    chatter.say("yes")
    first = chatter.say("/affirm", message_id="delivery-1")
    second = chatter.say("/affirm", message_id="delivery-1")
    assert first == second
    assert asked(second) == "listened_to"
    assert asked(chatter.say("/affirm")) == "staff_kind"  # the conversation moved on once
    with store() as uow:
        conversation = uow.session.query(Conversation).filter_by(sender_id=chatter.sender_id).one()
        assert [r.question_id for r in uow.responses.for_conversation(conversation.id)] == [
            "feel_safe",
            "listened_to",
        ]


def test_side_questions_and_asking_for_a_person_carry_on(
    chatter: Chatter, store: Callable[[], UnitOfWork]
) -> None:
    chatter.say("hi")
    chatter.say("yes")
    for said in ("who sees this", "are you a robot", "I want to talk to a person"):
        assert asked(chatter.say(said)) == "feel_safe"
    # A story that sounds like a command is kept as the answer.
    assert asked(chatter.tell("they told me to stop crying")) == "listened_to"
    assert chatter.say("stop")[-1]["kind"] == "confirm"
    assert asked(chatter.say("no")) == "listened_to"
    assert chatter.say("I want to stop now")[-1]["kind"] == "confirm"
    stopped = chatter.say("yes")
    assert stopped[-1]["kind"] == "closing"
    with store() as uow:
        conversation = uow.session.query(Conversation).filter_by(sender_id=chatter.sender_id).one()
        assert conversation.person_requested_at is not None
        assert conversation.status == ConversationStatus.stopped
        [story] = uow.responses.for_conversation(conversation.id)
        assert (story.question_id, story.free_text) == ("feel_safe", "they told me to stop crying")
    restarted = chatter.say("hello")
    assert restarted[-1]["kind"] == "consent"


def test_emoji_only_gets_a_gentle_ask_again(chatter: Chatter) -> None:
    chatter.say("hello")
    chatter.say("yes")
    replies = chatter.say("🎉🎉")
    assert "did not understand" in replies[0]["text"]
    assert asked(replies) == "feel_safe"
    assert '/affirm{"question":"feel_safe","turn":1}' in payloads(replies[-1])


def test_empty_message_is_asked_for_again_and_not_sent(chatter: Chatter) -> None:
    replies = chatter.say("   ")
    assert "did not get a message" in replies[0]["text"]


def test_very_long_message_is_kept_but_not_sent_on(
    chatter: Chatter, store: Callable[[], UnitOfWork]
) -> None:
    chatter.say("hello")
    chatter.say("yes")
    story = "The night staff keep changing and nobody tells me who is coming. " * 100
    assert 2_000 < len(story) <= 20_000
    replies = chatter.say(story, message_id="long-1")
    assert any("very long" in reply["text"] for reply in replies)
    with store() as uow:
        kept = uow.inbound.get(chatter.sender_id, "long-1")
        assert kept is not None and kept.text == story
    assert asked(chatter.say("/affirm")) == "listened_to"  # the conversation carries on


def test_unknown_service_gets_a_clear_message(
    chatter: Chatter, store: Callable[[], UnitOfWork], all_services_key: str
) -> None:
    chatter.key, chatter.service = all_services_key, "no-such-house"
    replies = chatter.say("hello")
    assert "do not know this service" in replies[0]["text"]
    with store() as uow:
        assert uow.session.query(Conversation).filter_by(sender_id=chatter.sender_id).all() == []


def test_restarting_rasa_keeps_the_conversation_in_flight(
    chatter: Chatter, stack: Stack, store: Callable[[], UnitOfWork]
) -> None:
    chatter.say("hello")
    chatter.say("yes")
    assert asked(chatter.say("/affirm")) == "listened_to"

    stack.stop("Rasa server")
    down = chatter.say("/deny", message_id="while-down")
    assert "cannot answer just now" in down[0]["text"]
    with store() as uow:
        kept = uow.inbound.get(chatter.sender_id, "while-down")
        assert kept is not None and kept.status.value == "failed"

    stack.wait_ready(stack.start_rasa(), on_progress=lambda _: None)
    # The channel delivers the same message again; it goes through now.
    assert asked(chatter.say("/deny", message_id="while-down")) == "listened_to_more"
    with store() as uow:
        row = uow.session.query(InboundMessage).filter_by(message_id="while-down").one()
        assert row.status.value == "answered"


def _export(stack: Stack, *options: str) -> list[dict[str, object]]:
    today = date.today().isoformat()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "export",
            "responses",
            "--from",
            today,
            "--to",
            today,
            "--format",
            "jsonl",
            *options,
        ],
        # The stack's own pseudonym key: the store keeps the fingerprint of the first one used.
        env=settings_env(stack.settings) | {"PATH": os.environ["PATH"]},
        capture_output=True,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.decode().splitlines()]

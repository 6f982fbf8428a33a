"""The Telegram channel end to end: the emulator, the app polling it, real Rasa and actions.

A person is played over the emulator's client API (tests/telegram/user.py);
what they receive (words, buttons, voice notes) and what the store keeps are
both checked.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.sending import QuietHours, schedule
from bot.speech import Speech
from bot.telegram.invites import make_invite
from checkin.wording import BotWording
from cli.stack import Stack
from storage.models import (
    Contact,
    Conversation,
    InboundMessage,
    Response,
    SafeguardingAlert,
    SendStatus,
)
from storage.unit_of_work import UnitOfWork
from tests.telegram.user import (
    BotMessage,
    Button,
    Emulator,
    TelegramUser,
    free_port,
    running_emulator,
)

ROLES = ("person", "family", "advocate", "staff_supported")


@dataclass(frozen=True)
class Quiet:
    """Quiet hours from six to seven hours from now at oak-house, whenever the tests run."""

    starts: datetime
    ends: datetime

    @property
    def text(self) -> str:
        return f"{self.starts:%H:%M}-{self.ends:%H:%M}"


_LOCAL_NOW = datetime.now(ZoneInfo("Europe/London")).replace(second=0, microsecond=0)
QUIET = Quiet(_LOCAL_NOW + timedelta(hours=6), _LOCAL_NOW + timedelta(hours=7))
STORY = "more trips to the seaside please"
SPOKEN_DISCLOSURE = "he takes my money and hits me"
PRIVACY = "The manager reads your answers. We do not share your name"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running_emulator() as running:
        yield running


def _telegram_app(stack: Stack, emulator: Emulator, log_dir: Path, **more: object) -> Stack:
    """Another app on the same store and Rasa, talking to the emulator with a new bot token."""
    port = free_port()
    settings = stack.settings.model_copy(
        update={
            "app_port": port,
            "telegram_bot_token": SecretStr(f"{uuid.uuid4().int % 10**9}:{uuid.uuid4().hex}"),
            "telegram_api_url": emulator.url,
            **more,
        }
    )
    app = Stack(settings, log_dir=log_dir)
    _start(app)
    return app


def _start(app: Stack) -> None:
    app.wait_ready(app.start_app(), on_progress=lambda _: None)


@pytest.fixture(scope="module")
def polling(
    stack: Stack, emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """An app polling the emulator; its quiet hours start in six hours."""
    app = _telegram_app(stack, emulator, tmp_path_factory.mktemp("polling"), quiet_hours=QUIET.text)
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def token(polling: Stack) -> str:
    return polling.settings.telegram_bot_token.get_secret_value()


@pytest.fixture
def user(emulator: Emulator, token: str) -> Iterator[TelegramUser]:
    chat_id = uuid.uuid4().int % 10**9 + 1000
    with emulator.user(token, chat_id=chat_id, name="Pat") as person:
        person.timeout = 30.0
        yield person


def _invite(
    store: Callable[[], UnitOfWork],
    role: str = "family",
    valid_for: timedelta = timedelta(days=1),
    service: str = "oak-house",
) -> tuple[str, str]:
    ref = f"tg-{uuid.uuid4().hex[:8]}"
    with store() as uow:
        made = make_invite(uow, service, ref, role, ROLES, valid_for)
        uow.commit()
    return made.code, ref


def _words(message: BotMessage) -> str:
    return message.text or message.caption or ""


def _said(user: TelegramUser, pattern: str) -> BotMessage:
    return user.wait_for(lambda m: re.search(pattern, _words(m)) is not None)


def _asked(user: TelegramUser, pattern: str) -> BotMessage:
    """A new question matching ``pattern``, with its buttons (not an earlier one, edited)."""
    return user.wait_for(
        lambda m: re.search(pattern, _words(m)) is not None and bool(m.keyboard) and not m.edited
    )


def _link(user: TelegramUser, code: str) -> None:
    user.command("start", code)
    consent = user.wait_for(lambda m: "Fixture This lets you" in _words(m) and bool(m.keyboard))
    user.press(consent, "✅ Fixture Yes")
    _said(user, "Fixture Thank you. You are set up")


def _stored_for(store: Callable[[], UnitOfWork], chat_id: int) -> tuple[int, int]:
    sender = f"tg:{chat_id}"
    with store() as uow:
        contacts = uow.session.scalar(
            select(func.count()).select_from(Contact).where(Contact.sender_id == sender)
        )
        inbound = uow.session.scalar(
            select(func.count())
            .select_from(InboundMessage)
            .where(InboundMessage.sender_id == sender)
        )
    return int(contacts or 0), int(inbound or 0)


def _answers(store: Callable[[], UnitOfWork], chat_id: int) -> tuple[Conversation, list[Response]]:
    with store() as uow:
        conversation = uow.session.scalars(
            select(Conversation).where(Conversation.sender_id == f"tg:{chat_id}")
        ).one()
        answers = list(
            uow.session.scalars(select(Response).where(Response.conversation_id == conversation.id))
        )
    return conversation, answers


def test_without_a_valid_code_the_bot_explains_and_keeps_nothing(
    user: TelegramUser, store: Callable[[], UnitOfWork]
) -> None:
    user.send("hello")
    _said(user, "Fixture Hello. You need an invite")
    user.command("start")
    _said(user, "Fixture Hello. You need an invite")
    user.command("start", "not-a-real-code-at-all")
    _said(user, "Fixture Sorry, that code does not work")
    user.command("help")
    _said(user, "Fixture Hello. You need an invite")
    assert _stored_for(store, user.chat_id) == (0, 0)


def test_a_used_or_expired_code_is_refused_and_no_stops_at_once(
    emulator: Emulator, token: str, user: TelegramUser, store: Callable[[], UnitOfWork]
) -> None:
    expired, _ = _invite(store, valid_for=timedelta(seconds=-1))
    user.command("start", expired)
    _said(user, "Fixture That code is too old")

    code, _ = _invite(store)
    user.command("start", code)
    consent = _said(user, "Fixture This lets you tell your care service")
    user.press(consent, "❌ Fixture No")
    _said(user, "Fixture That is fine. Nothing is kept")
    assert _stored_for(store, user.chat_id) == (0, 0)

    _link(user, code)
    with emulator.user(token, chat_id=user.chat_id + 1, name="Sam") as other:
        other.timeout = 30.0
        other.command("start", code)
        _said(other, "Fixture That code is used already")
        assert _stored_for(store, other.chat_id) == (0, 0)


def test_a_whole_check_in_by_buttons_with_voice_notes(
    user: TelegramUser, store: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    code, ref = _invite(store, role="family")
    _link(user, code)
    controls = {
        f"{face.pictogram} {face.label}"
        for face in (wording.button(name, "") for name in ("skip", "repeat", "help", "stop"))
    }
    typed = False

    pressed_first: BotMessage | None = None
    for _ in range(30):
        prompt = user.wait_for(lambda m: bool(m.text) and not m.edited)
        if prompt.text and prompt.text.startswith("Thank you. The manager will read"):
            break
        voice = user.wait_for(lambda m: m.voice is not None)
        assert voice.voice is not None and voice.voice.mime_type == "audio/ogg"
        assert user.download(voice.voice.file_id).startswith(b"OggS")
        answers = [b for row in prompt.keyboard for b in row if b.text not in controls]
        if not answers:
            typed = True
            user.send(STORY)
            continue
        user.press(prompt, answers[0].text)
        if pressed_first is None:
            pressed_first = prompt
            first_id = prompt.message_id
            edited = user.wait_for(lambda m, first=first_id: m.message_id == first and m.edited)
            assert edited.keyboard == () and "Fixture You chose:" in _words(edited)
    else:
        raise AssertionError("the check-in did not reach its end")
    assert typed, "the free-text question was answered in words"

    conversation, answers = _answers(store, user.chat_id)
    assert conversation.channel == "telegram" and conversation.respondent_role == "family"
    assert conversation.status.value == "finished"
    assert {a.question_id for a in answers} >= {"feel_safe", "staff_kind"}
    assert any(a.question_id == "one_change" and a.free_text == STORY for a in answers)
    with store() as uow:
        person = uow.people.get(conversation.person_id)
        assert person is not None and person.ref == ref

    # The first keyboard, pressed again: a gentle word, and nothing stored twice.
    assert pressed_first is not None
    user.press(pressed_first, pressed_first.keyboard[0][0].text)
    _said(user, "Fixture That one is done")
    assert len(_answers(store, user.chat_id)[1]) == len(answers)


def test_a_check_in_by_typing_with_voice_off_then_delete(
    user: TelegramUser, store: Callable[[], UnitOfWork]
) -> None:
    code, _ = _invite(store, role="person")
    _link(user, code)
    consent = user.wait_for(lambda m: bool(m.keyboard))
    user.wait_for(lambda m: m.voice is not None)  # the consent's own voice note
    user.command("voice", "off")
    _said(user, "Fixture No more voice messages")

    user.send("yes")
    question = user.wait_for(lambda m: bool(m.keyboard) and m.message_id > consent.message_id)
    user.send("yes I do")
    nxt = user.wait_for(lambda m: bool(m.keyboard) and m.message_id > question.message_id)
    assert nxt.text != question.text
    # The answered question's buttons come off, though none was pressed.
    answered = user.wait_for(lambda m: m.message_id == question.message_id and m.edited)
    assert answered.keyboard == ()
    user.command("voice")  # its reply comes after any voice note the bot would have sent
    _said(user, "Fixture Send /voice on or /voice off")
    assert not [m for m in user.updates() if m.voice is not None]

    _, answers = _answers(store, user.chat_id)
    assert [(a.question_id, a.answer_value) for a in answers] == [("feel_safe", "yes")]

    user.command("help")
    _said(user, "Press a button or type. Say skip, repeat, stop, or ask for a person")
    user.command("privacy")
    _said(user, PRIVACY)
    user.command("voice", "on")
    _said(user, "Fixture I will speak each question too")
    user.command("delete")
    confirm = _asked(user, "Fixture Do you want to take your answers back")
    user.wait_for(lambda m: m.voice is not None)  # voice notes are back
    user.press(confirm, "👍 Fixture No, keep them")
    _said(user, "Fixture OK. Your answers are kept")
    assert _answers(store, user.chat_id)[0].withdrawn_at is None

    user.command("delete")
    confirm = _asked(user, "Fixture Do you want to take your answers back")
    user.press(confirm, "🗑️ Fixture Yes, take them back")
    user.wait_for(lambda m: m.message_id > confirm.message_id and not m.edited and bool(m.text))
    assert _answers(store, user.chat_id)[0].withdrawn_at is not None


def test_what_the_bot_cannot_use_gets_a_clear_reply_and_nothing_half_stored(
    emulator: Emulator, token: str, user: TelegramUser, store: Callable[[], UnitOfWork]
) -> None:
    code, _ = _invite(store)
    _link(user, code)
    user.wait_for(lambda m: bool(m.keyboard))  # the check-in's consent
    kept = _stored_for(store, user.chat_id)

    others = {
        "sticker": {
            "file_id": "s1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        },
        "location": {"latitude": 51.5, "longitude": -0.1},
        "contact": {"phone_number": "+440000000000", "first_name": "Jo"},
        "photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}],
    }
    for kind, content in others.items():
        user.send_content(**{kind: content})
        _said(user, "Fixture Sorry, I can't use that")
    assert _stored_for(store, user.chat_id) == kept

    user.send_voice(b"OggS" + bytes(64))
    _said(user, "Fixture Sorry, I did not catch that")  # not speech at all

    user.send("a" * 5000)  # past the fixture's limit: kept, not read
    _said(user, "That is too long for me")

    user.edit(1, "I meant something else")
    _said(user, "Fixture I can't see changes")

    made_up = BotMessage(1, "?", None, ((Button("?", "not-ours"),),), None, None, None, False, {})
    user.press(made_up, "?")
    _said(user, "Fixture That one is done")

    with emulator.user(token, chat_id=-(user.chat_id), name="Group") as group:
        group.timeout = 30.0
        group.send_content(
            text="hello", chat={"id": -(user.chat_id), "type": "group", "title": "G"}
        )
        _said(group, "Fixture I only talk to you on your own")


def test_the_command_menu_lists_the_commands_in_the_bots_words(
    emulator: Emulator, token: str
) -> None:
    assert emulator.command_menu(token) == {
        "help": "Fixture Help",
        "stop": "Fixture Stop",
        "privacy": "Fixture Who sees my answers",
        "delete": "Fixture Take my answers back",
        "voice": "Fixture Voice on or off",
    }


def test_when_telegram_says_too_many_requests_the_bot_waits_and_the_reply_still_comes(
    emulator: Emulator, token: str, user: TelegramUser
) -> None:
    before = emulator.throttled(token)
    emulator.throttle(token, "sendMessage", times=1, retry_after=1)
    user.command("start")
    _said(user, "You need an invite")
    assert emulator.throttled(token) == before + 1


def test_in_webhook_mode_only_telegram_with_the_secret_is_heard(
    stack: Stack, emulator: Emulator, tmp_path: Path
) -> None:
    app = _telegram_app(
        stack, emulator, tmp_path, telegram_webhook_url="https://covoice.example.org"
    )
    settings = app.settings
    try:
        chat_id = uuid.uuid4().int % 10**9 + 1000
        update = {
            "update_id": 7,
            "message": {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Pat"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        url = f"{settings.app_url}/telegram/webhook"
        header = "X-Telegram-Bot-Api-Secret-Token"
        assert httpx.post(url, json=update).status_code == 403
        assert httpx.post(url, json=update, headers={header: "guess"}).status_code == 403
        secret = settings.telegram_webhook_token()
        assert httpx.post(url, json=update, headers={header: secret}).status_code == 200

        token = settings.telegram_bot_token.get_secret_value()
        with emulator.user(token, chat_id=chat_id) as person:
            person.timeout = 30.0
            _said(person, "Fixture Hello. You need an invite")
    finally:
        app.stop()


def test_a_send_goes_at_once_outside_quiet_hours_and_waits_inside_them(
    user: TelegramUser, store: Callable[[], UnitOfWork]
) -> None:
    code, _ = _invite(store)
    _link(user, code)
    consent = user.wait_for(lambda m: bool(m.keyboard))
    user.press(consent, consent.keyboard[0][1].text)  # "No, thank you": no check-in now
    with store() as uow:
        contact = uow.contacts.by_sender(f"tg:{user.chat_id}")
        assert contact is not None
        sets = frozenset({"fixture_checkin"})
        quiet = QuietHours.parse(QUIET.text)
        now = schedule(uow, contact.id, "fixture_checkin", sets, quiet, "test")
        later = schedule(
            uow,
            contact.id,
            "fixture_checkin",
            sets,
            quiet,
            "test",
            at=(QUIET.starts + timedelta(minutes=30)).replace(tzinfo=None),
        )
        uow.commit()
        now_id, later_id = now.id, later.id

    # The set's consent again, new and with its buttons: the send arrived.
    user.wait_for(
        lambda m: (
            "Hello. I want to ask about your life" in _words(m)
            and bool(m.keyboard)
            and not m.edited
        )
    )
    user.wait_for(lambda m: m.voice is not None)
    # Recorded as sent once the delivery returns, just after its last message.
    deadline = time.monotonic() + 10
    while _send_status(store, now_id) is not SendStatus.sent:
        assert time.monotonic() < deadline, "the send was never recorded as sent"
        time.sleep(0.1)
    with store() as uow:
        sent, waiting = uow.sends.get(now_id), uow.sends.get(later_id)
        assert sent is not None and sent.attempts == 1 and sent.sent_at is not None
        assert waiting is not None and waiting.status is SendStatus.pending
        ends = QUIET.ends.astimezone(timezone.utc).replace(tzinfo=None)
        assert waiting.due_at.replace(tzinfo=None) == ends


def _send_status(store: Callable[[], UnitOfWork], send_id: int) -> SendStatus | None:
    with store() as uow:
        send = uow.sends.get(send_id)
        return send.status if send is not None else None


def test_a_spoken_answer_is_echoed_and_used_only_once_confirmed(
    user: TelegramUser, store: Callable[[], UnitOfWork], tmp_path: Path
) -> None:
    code, _ = _invite(store)
    _link(user, code)
    consent = _asked(user, "Hello. I want to ask about your life here")
    user.press(consent, consent.keyboard[0][0].text)
    question = _asked(user, "Do you feel safe at home")
    yes = Speech(tmp_path, engine="espeak").audio("yes", "ogg").read_bytes()

    user.send_voice(yes, duration=1)
    echo = _asked(user, "Fixture I heard: Yes. Is that right")
    assert _answers(store, user.chat_id)[1] == []  # nothing is kept before a "yes"
    user.press(echo, "🔁 Fixture No, ask again")
    again = _asked(user, "Do you feel safe at home")
    assert again.message_id > question.message_id
    assert _answers(store, user.chat_id)[1] == []

    user.send_voice(yes, duration=1)
    echo = _asked(user, "Fixture I heard: Yes. Is that right")
    user.press(echo, "✅ Fixture Yes")
    shown = _asked(user, "Do staff listen to you")
    _, answers = _answers(store, user.chat_id)
    assert [(a.question_id, a.answer_value) for a in answers] == [("feel_safe", "yes")]

    # On to the question asked in words, where a story is transcribed.
    while "What one thing would you change" not in _words(shown):
        user.press(shown, shown.keyboard[0][0].text)
        shown = _asked(user, ".")
    # Words that may disclose harm raise the alert as heard, even if the person says "no".
    told = Speech(tmp_path, engine="espeak").audio(SPOKEN_DISCLOSURE, "ogg").read_bytes()
    user.send_voice(told, duration=3)
    echo = _asked(user, "Fixture I heard: .*money.* Is that right")
    user.press(echo, "🔁 Fixture No, ask again")
    _asked(user, "What one thing would you change")
    with store() as uow:
        [alert] = uow.session.scalars(
            select(SafeguardingAlert)
            .where(SafeguardingAlert.channel == "telegram")
            .join(Contact, Contact.id == SafeguardingAlert.contact_id)
            .where(Contact.sender_id == f"tg:{user.chat_id}")
        )
    assert "money" in alert.words
    story = Speech(tmp_path, engine="espeak").audio(STORY, "ogg").read_bytes()
    user.send_voice(story, duration=3)
    echo = _asked(user, "Fixture I heard: .*seaside.* Is that right")
    heard = re.search(r"I heard: (.*)\. Is that right", _words(echo))
    assert heard is not None
    user.press(echo, "✅ Fixture Yes")
    user.wait_for(lambda m: m.message_id > echo.message_id and not m.edited and bool(m.text))
    _, answers = _answers(store, user.chat_id)
    assert [a.free_text for a in answers if a.question_id == "one_change"] == [heard[1]]


def test_a_send_waiting_in_the_store_goes_after_a_restart(
    polling: Stack, user: TelegramUser, store: Callable[[], UnitOfWork]
) -> None:
    code, _ = _invite(store)
    _link(user, code)
    consent = user.wait_for(lambda m: bool(m.keyboard))
    user.press(consent, consent.keyboard[0][1].text)  # "No, thank you": no check-in now
    polling.stop()
    try:
        with store() as uow:
            contact = uow.contacts.by_sender(f"tg:{user.chat_id}")
            assert contact is not None
            send = schedule(
                uow,
                contact.id,
                "fixture_checkin",
                frozenset({"fixture_checkin"}),
                QuietHours.parse(QUIET.text),
                "test",
            )
            uow.commit()
            send_id = send.id
        time.sleep(1)
        assert _send_status(store, send_id) is SendStatus.pending  # nobody to send it
    finally:
        _start(polling)  # a new process: the send was only in the store
    _asked(user, "Hello. I want to ask about your life")
    deadline = time.monotonic() + 10
    while _send_status(store, send_id) is not SendStatus.sent:
        assert time.monotonic() < deadline, "the send was never recorded as sent"
        time.sleep(0.1)

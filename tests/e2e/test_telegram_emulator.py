"""A python-telegram-bot 22 bot and a person, through the Telegram Bot API emulator.

The bot here is a stand-in a few lines long: these tests show that the emulator
carries what CoVoice's bot needs (commands, inline keyboards, button presses,
edits, voice notes both ways) so that tests of the real bot can rely on it.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.telegram.user import Emulator, TelegramUser, running_emulator

# An Ogg page's signature and some padding: the emulator stores and sniffs files, never plays them.
OGG = b"OggS\x00\x02" + bytes(range(64))


@dataclass
class Heard:
    """What reached the bot with this token, in order, and what went wrong in its handlers."""

    token: str
    events: list[tuple[str, Any]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def stand_in_bot(emulator: Emulator, heard: Heard) -> Application:
    async def start(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message
        heard.events.append(("command", update.message.text))
        yes_no = [
            InlineKeyboardButton("Yes", callback_data="yes"),
            InlineKeyboardButton("No", callback_data="no"),
        ]
        await update.message.reply_text(
            "Shall we start?", reply_markup=InlineKeyboardMarkup([yes_no])
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query and query.message
        heard.events.append(("pressed", query.data))
        await query.answer()
        await query.edit_message_text(f"You chose: {query.data}")  # no markup: the keyboard goes
        await context.bot.send_voice(query.message.chat.id, OGG, filename="prompt.ogg", duration=2)

    async def voice(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message and update.message.voice
        note = update.message.voice
        data = bytes(await (await note.get_file()).download_as_bytearray())
        heard.events.append(("voice", (note.mime_type, data)))
        await update.message.reply_text(f"Heard {len(data)} bytes")

    async def failed(_: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error:
            heard.errors.append(context.error)

    application = (
        ApplicationBuilder()
        .token(heard.token)
        .base_url(emulator.bot_url)
        .base_file_url(emulator.file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    application.add_handler(MessageHandler(filters.VOICE, voice))
    application.add_error_handler(failed)
    return application


@contextmanager
def polling(application: Application) -> Iterator[None]:
    """Run the bot with long polling, on an event loop in a thread of its own, for the block."""
    loop = asyncio.new_event_loop()
    stopping: asyncio.Future[None] = loop.create_future()
    ready = threading.Event()
    failure: list[BaseException] = []

    async def serve() -> None:
        async with application:
            assert application.updater
            await application.updater.start_polling(timeout=10)
            await application.start()
            ready.set()
            await stopping
            await application.updater.stop()
            await application.stop()

    def run() -> None:
        try:
            loop.run_until_complete(serve())
        except BaseException as error:
            failure.append(error)
        finally:
            ready.set()
            loop.close()

    thread = threading.Thread(target=run, name="stand-in-bot", daemon=True)
    thread.start()
    try:
        if not ready.wait(timeout=10) or failure:
            raise RuntimeError("The bot did not start polling") from next(iter(failure), None)
        yield
    finally:
        if not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set_result, None)
        thread.join(timeout=10)
    if failure:
        raise RuntimeError("The bot failed while stopping") from failure[0]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running_emulator() as running:
        yield running


@pytest.fixture
def heard(emulator: Emulator) -> Iterator[Heard]:
    """A bot of its own for each test (a new token), polling the emulator."""
    heard = Heard(token=f"{uuid.uuid4().int % 10**9}:emulated")
    with polling(stand_in_bot(emulator, heard)):
        yield heard
    assert not heard.errors, heard.errors


@pytest.fixture
def user(emulator: Emulator, heard: Heard) -> Iterator[TelegramUser]:
    with emulator.user(heard.token, chat_id=4242, name="Pat") as person:
        yield person


def test_start_reaches_the_bot_and_its_keyboard_reaches_the_person(
    user: TelegramUser, heard: Heard
) -> None:
    user.command("start")
    reply = user.wait_for(lambda message: message.text == "Shall we start?")
    assert ("command", "/start") in heard.events
    assert [[(b.text, b.callback_data) for b in row] for row in reply.keyboard] == [
        [("Yes", "yes"), ("No", "no")]
    ]


def test_a_press_reaches_the_bot_which_removes_the_keyboard_and_speaks(
    user: TelegramUser, heard: Heard
) -> None:
    user.command("start")
    question = user.wait_for(lambda message: bool(message.keyboard))
    user.press(question, "Yes")
    edited = user.wait_for(lambda message: message.edited)
    assert ("pressed", "yes") in heard.events
    assert (edited.message_id, edited.text, edited.keyboard) == (
        question.message_id,
        "You chose: yes",
        (),
    )
    spoken = user.wait_for(lambda message: message.voice is not None)
    assert spoken.voice and spoken.voice.mime_type == "audio/ogg"
    assert spoken.voice.duration == 2
    assert user.download(spoken.voice.file_id) == OGG


def test_a_voice_note_reaches_the_bot_which_downloads_it(user: TelegramUser, heard: Heard) -> None:
    user.send_voice(OGG, duration=3)
    user.wait_for(lambda message: message.text == f"Heard {len(OGG)} bytes")
    assert ("voice", ("audio/ogg", OGG)) in heard.events

"""Voice notes from the person: heard offline, echoed back, used only once confirmed.

At a question with answer buttons only the buttons' words are listened for
(pocketsphinx with a grammar); anywhere else the words are transcribed
(faster-whisper). No audio is kept.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from telegram import Update
from telegram.ext import ContextTypes

from bot.listening import Listener, refusal
from bot.telegram.updates import chat_id_of, message_id_of
from checkin.wire import Prompt

if TYPE_CHECKING:
    from bot.telegram.channel import TelegramChannel


class SpokenAnswers:
    def __init__(self, channel: TelegramChannel, listener: Listener | None) -> None:
        self.channel = channel
        self.listener = listener

    async def heard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Listen to a voice note and ask "I heard: … Is that right?"."""
        channel = self.channel
        message = update.effective_message
        linked = await asyncio.to_thread(channel.linked, chat_id_of(update))
        if linked is None or message is None:
            await channel.reply(update, "no_invite")
            return
        note = message.voice or message.audio
        buttons = await asyncio.to_thread(self._open_buttons, linked.sender_id)
        kind: Literal["closed", "free"] = "closed" if buttons else "free"
        if note is None or self.listener is None or not self._can_hear(kind):
            await channel.reply(update, "listen_later")
            return
        length = note.duration
        seconds = length.total_seconds() if isinstance(length, timedelta) else float(length or 0)
        if refusal(kind, seconds, note.file_size) is not None:
            await channel.reply(update, "too_long_to_hear")
            return
        chat = update.effective_chat
        assert chat is not None
        await chat.send_chat_action("typing")
        audio = bytes(await (await note.get_file()).download_as_bytearray())
        if buttons:
            heard = await asyncio.to_thread(self.listener.closed, audio, list(buttons))
            payload = buttons.get(heard.text, "") if heard else ""
        else:
            heard = await asyncio.to_thread(self.listener.free, audio)
            payload = heard.text if heard else ""
        if heard is None or not payload:
            await channel.reply(update, "not_heard")
            return
        if not buttons:
            # Screened as heard, before the yes: a disclosure must not wait on a button.
            await channel.chat.screen(channel.incoming(linked, message_id_of(update), heard.text))
        words = channel.wording.say("heard", words=heard.text)
        echo = Prompt(
            kind="confirm",
            text=words,
            easy_read=words,
            buttons=(channel.button("yes_heard", payload), channel.button("no_heard", "/repeat")),
        )
        await channel.send_prompts(update.get_bot(), chat.id, linked, [echo])

    def _can_hear(self, kind: Literal["closed", "free"]) -> bool:
        assert self.listener is not None
        closed, free = self.listener.available()
        return closed if kind == "closed" else free

    def _open_buttons(self, sender: str) -> dict[str, str]:
        """The words and payloads of the buttons to listen for now, if any.

        Only where there are answers to choose from: at a question asked in
        words (its buttons are Skip, Help, Stop) the person's words are wanted.
        """
        with self.channel.store() as uow:
            keyboard = uow.telegram.open_keyboard(sender)
            if keyboard is None or "answer" not in keyboard.kinds:
                return {}
            return dict(zip(keyboard.labels, keyboard.payloads, strict=True))

"""The Telegram channel: python-telegram-bot in front of the one inbound path.

Every message from a linked chat goes to ``ChatService.handle`` as sender
``tg:<chat id>``, with Telegram's own message (or button-press) id as the
channel's message id, so a re-delivered update is answered once. A chat is
linked by an invite code (``linking``); until then the bot explains how to
get one and keeps nothing about the sender. Prompts go out in their
easy-read words with a keyboard of picture-and-word buttons, and as a voice
note unless the person turned voice notes off. Voice notes from the person
are heard in ``spoken``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.chat_service import ChatService, IncomingMessage
from bot.listening import Listener
from bot.sending import Undeliverable
from bot.speech import SpeechSource
from bot.telegram import keyboards
from bot.telegram.invites import chat_of, sender_id
from bot.telegram.keyboards import ANSWERS_PER_ROW, Face
from bot.telegram.lead_notices import ACK_PATTERN, LeadNotices
from bot.telegram.linking import GREETING, Linking
from bot.telegram.spoken import SpokenAnswers
from bot.telegram.updates import chat_id_of, message_id_of
from bot.telegram.wording import TelegramWording
from checkin.wire import Button, Prompt
from storage.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)

# Commands the menu lists, and what each hands to the conversation.
COMMANDS = {
    "help": "/help",
    "stop": "/stop",
    "privacy": "/privacy_question",
    "delete": "/withdraw_consent",
}

Context = ContextTypes.DEFAULT_TYPE
TelegramApp = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class Linked:
    """Who a linked chat speaks for, as its contact records."""

    sender_id: str
    service_id: str
    person_ref: str
    role: str
    voice_on: bool


class OneChatAtATime(BaseUpdateProcessor):
    """Updates from different chats are handled side by side; one chat's, in order.

    One person's turn (Rasa, speech, transcription) never holds up another's,
    and a person's own messages never overtake each other.
    """

    def __init__(self) -> None:
        super().__init__(max_concurrent_updates=64)
        self._locks: dict[int, asyncio.Lock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        # One lock per chat, kept: there are as many as the people who write.
        async with self._locks.setdefault(chat.id, asyncio.Lock()):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class TelegramChannel:
    def __init__(
        self,
        chat: ChatService,
        store: UnitOfWorkFactory,
        wording: TelegramWording,
        voice: SpeechSource | None,
        listener: Listener | None = None,
    ) -> None:
        self.chat = chat
        self.store = store
        self.wording = wording
        self.voice = voice
        self.linking = Linking(self)
        self.spoken = SpokenAnswers(self, listener)
        self.lead_notices = LeadNotices(store)
        self.bot: Bot | None = None  # set by build()

    def build(self, token: str, api_url: str = "") -> TelegramApp:
        """An application with every handler, pointed at ``api_url`` when one is given."""
        builder = ApplicationBuilder().token(token).rate_limiter(AIORateLimiter(max_retries=3))
        if api_url:
            builder = builder.base_url(f"{api_url}/bot").base_file_url(f"{api_url}/file/bot")
        application = builder.concurrent_updates(OneChatAtATime()).build()
        self.add_handlers(application)
        application.add_error_handler(self.went_wrong)
        self.bot = application.bot
        return application

    def add_handlers(self, application: TelegramApp) -> None:
        private = filters.ChatType.PRIVATE
        application.add_handler(MessageHandler(~private, self._not_private))
        application.add_handler(MessageHandler(filters.UpdateType.EDITED, self._edited))
        application.add_handler(CommandHandler("start", self.linking.start, private))
        application.add_handler(CommandHandler("voice", self._voice_setting, private))
        application.add_handler(CommandHandler(list(COMMANDS), self._command, private))
        application.add_handler(
            CallbackQueryHandler(self.lead_notices.pressed, pattern=ACK_PATTERN)
        )
        application.add_handler(CallbackQueryHandler(self._press))
        application.add_handler(
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, self._text)
        )
        application.add_handler(
            MessageHandler(private & (filters.VOICE | filters.AUDIO), self.spoken.heard)
        )
        application.add_handler(MessageHandler(private & filters.COMMAND, self._unknown_command))
        application.add_handler(MessageHandler(private, self._unsupported))

    async def set_commands(self, application: TelegramApp) -> None:
        """The command menu Telegram shows beside the message box."""
        menu = [*COMMANDS, "voice"]
        await application.bot.set_my_commands(
            [BotCommand(name, self.wording.say(f"command_{name}")) for name in menu]
        )

    # -- a linked chat's messages -----------------------------------------

    async def _text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        await self._from_linked(update, message.text)

    async def _command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        name = message.text.split()[0].lstrip("/").split("@")[0].lower()
        if name == "delete":
            await self._confirm_delete(update)
            return
        await self._from_linked(update, COMMANDS[name])

    async def _confirm_delete(self, update: Update) -> None:
        """Taking answers back asks first, in plain words; "no" changes nothing."""
        linked = await asyncio.to_thread(self.linked, chat_id_of(update))
        if linked is None:
            await self.reply(update, "no_invite")
            return
        words = self.wording.say("delete_confirm")
        question = Prompt(
            kind="confirm",
            text=words,
            easy_read=words,
            buttons=(
                self.button("yes_delete", COMMANDS["delete"]),
                self.button("no_keep", ""),  # an empty payload: nothing to hand in
            ),
        )
        await self.send_prompts(update.get_bot(), chat_id_of(update), linked, [question])

    def button(self, key: str, payload: str) -> Button:
        picture = self.wording.pictograms.get(key, "")
        return Button(label=self.wording.say(key), pictogram=picture, payload=payload)

    async def _unknown_command(self, update: Update, context: Context) -> None:
        await self._from_linked(update, COMMANDS["help"])

    async def _press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        data = query.data or ""
        if self.linking.is_choice(data):
            await self.linking.choice(update, data)
            return
        chat_id = chat_id_of(update)
        linked = await asyncio.to_thread(self.linked, chat_id)
        if linked is None:
            await query.answer()
            await self.reply(update, "no_invite")
            return
        pressed = await asyncio.to_thread(self._use_press, linked.sender_id, data)
        await query.answer()
        if pressed is None:
            await self.reply(update, "stale_button")
            return
        # The keyboard gives way to the answer chosen, under the question's own words.
        asked = query.message.text if isinstance(query.message, Message) else None
        chosen = self.wording.say("you_chose", answer=pressed.label)
        try:
            await query.edit_message_text(f"{asked}\n\n{chosen}" if asked else chosen)
        except TelegramError as error:
            logger.info("Could not replace a keyboard in chat %s: %s", chat_id, error)
        if not pressed.payload:
            await self.reply(update, "kept")
            await self.hand_in(update, linked, "/repeat")  # and back to where they were
            return
        await self.hand_in(update, linked, pressed.payload)

    def _use_press(self, sender: str, data: str) -> keyboards.Press | None:
        with self.store() as uow:
            pressed = keyboards.press(uow, sender, data)
            uow.commit()
            return pressed

    async def _voice_setting(self, update: Update, context: Context) -> None:
        chat_id = chat_id_of(update)
        choice = (context.args[0].lower() if context.args else "").strip()
        if choice not in ("on", "off"):
            await self.reply(update, "voice_how")
            return
        changed = await asyncio.to_thread(self._set_voice, sender_id(chat_id), choice == "on")
        await self.reply(update, f"voice_{choice}" if changed else "no_invite")

    def _set_voice(self, sender: str, on: bool) -> bool:
        with self.store() as uow:
            contact = uow.contacts.by_sender(sender)
            if contact is None:
                return False
            contact.voice_on = on
            uow.commit()
            return True

    async def _unsupported(self, update: Update, context: Context) -> None:
        linked = await asyncio.to_thread(self.linked, chat_id_of(update))
        await self.reply(update, "unsupported" if linked else "no_invite")

    async def _edited(self, update: Update, context: Context) -> None:
        linked = await asyncio.to_thread(self.linked, chat_id_of(update))
        await self.reply(update, "edited" if linked else "no_invite")

    async def went_wrong(self, update: object, context: Context) -> None:
        """Anything a handler did not expect: logged without the person's words, and a kind word."""
        logger.error("A Telegram update failed: %r", context.error, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await self.reply(update, "went_wrong")
            except TelegramError:
                pass

    async def _not_private(self, update: Update, context: Context) -> None:
        await self.reply(update, "private_only")

    async def _from_linked(self, update: Update, text: str) -> None:
        linked = await asyncio.to_thread(self.linked, chat_id_of(update))
        if linked is None:
            await self.reply(update, "no_invite")
            return
        await self.hand_in(update, linked, text)

    def linked(self, chat_id: int) -> Linked | None:
        sender = sender_id(chat_id)
        with self.store() as uow:
            found = uow.contacts.with_person_ref(sender)
            if found is None:
                return None
            contact, person_ref = found
            return Linked(
                sender, contact.service_id, person_ref, contact.respondent_role, contact.voice_on
            )

    # -- into the conversation and back ------------------------------------

    async def start_set(
        self, sender: str, question_set: str, message_id: str, incident_id: int | None = None
    ) -> None:
        """Begin a question set with a linked chat, unasked (a scheduled send).

        An incident follow-up names its incident; the check-in is linked to it.

        Raises:
            Undeliverable: the chat is not linked any more, or blocked the bot.
            TelegramError: Telegram did not take it this time; try again later.
        """
        chat_id = chat_of(sender)
        linked = await asyncio.to_thread(self.linked, chat_id) if chat_id is not None else None
        if linked is None or self.bot is None or chat_id is None:
            raise Undeliverable(f"{sender} is not a linked Telegram chat")
        # "/greet" is a payload, not words: the person did not say it.
        message = self.incoming(linked, message_id, GREETING, question_set, begin=True)
        message = replace(message, incident_id=incident_id)
        prompts = await self.chat.handle(message)
        if any(prompt.kind == "error" for prompt in prompts):
            # Nothing unasked-for goes to the person; the send is tried again later.
            raise RuntimeError("the conversation could not start: " + prompts[-1].text)
        try:
            await self.send_prompts(self.bot, chat_id, linked, prompts)
        except Forbidden as error:
            raise Undeliverable(str(error)) from error

    @staticmethod
    def incoming(
        linked: Linked,
        message_id: str,
        text: str,
        question_set: str | None = None,
        begin: bool = False,
    ) -> IncomingMessage:
        return IncomingMessage(
            channel="telegram",
            sender_id=linked.sender_id,
            message_id=message_id,
            text=text,
            service_id=linked.service_id,
            person_ref=linked.person_ref,
            role=linked.role,
            question_set=question_set,
            begin=begin,
        )

    async def hand_in(self, update: Update, linked: Linked, text: str) -> None:
        message = self.incoming(linked, message_id_of(update), text)
        chat = update.effective_chat
        assert chat is not None
        await chat.send_chat_action("typing")
        prompts = await self.chat.handle(message)
        await self.send_prompts(update.get_bot(), chat.id, linked, prompts)

    async def send_prompts(
        self, bot: Bot, chat_id: int, linked: Linked, prompts: list[Prompt]
    ) -> None:
        """Each prompt as a message with its keyboard, then its voice note.

        Buttons left under earlier questions (the person typed or spoke instead)
        come off first, so only the newest question offers any.
        """
        for message_id in await asyncio.to_thread(self._retire, linked.sender_id):
            try:
                await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
            except Forbidden:
                raise
            except TelegramError as error:
                logger.info("Could not remove a keyboard in chat %s: %s", chat_id, error)
        for prompt in prompts:
            markup = None
            keyboard_id = None
            if prompt.buttons:
                keyboard_id, faces = await asyncio.to_thread(self._keep, linked.sender_id, prompt)
                markup = _markup(faces)
            sent = await bot.send_message(chat_id, prompt.easy_read, reply_markup=markup)
            if keyboard_id is not None:
                await asyncio.to_thread(self._set_message, keyboard_id, sent.message_id)
            if linked.voice_on and self.voice is not None:
                await self._send_voice(bot, chat_id, prompt.easy_read)

    async def _send_voice(self, bot: Bot, chat_id: int, words: str) -> None:
        assert self.voice is not None
        try:
            path = await asyncio.to_thread(self.voice.audio, words, "ogg")
        except Exception:  # noqa: BLE001 - the words are there; a voice note is extra
            logger.exception("No voice note for chat %s", chat_id)
            return
        try:
            with path.open("rb") as audio:
                await bot.send_voice(chat_id, audio)
        except Forbidden:
            raise
        except TelegramError as error:
            # Some people refuse voice notes; the words were sent, and the rest follow.
            logger.info("No voice note for chat %s: %s", chat_id, error)

    def _retire(self, sender: str) -> list[int]:
        with self.store() as uow:
            shown = keyboards.retire(uow, sender)
            uow.commit()
            return shown

    def _keep(self, sender: str, prompt: Prompt) -> tuple[int, list[Face]]:
        with self.store() as uow:
            kept = keyboards.keep(uow, sender, prompt)
            uow.commit()
            return kept

    def _set_message(self, keyboard_id: int, message_id: int) -> None:
        with self.store() as uow:
            keyboards.set_message(uow, keyboard_id, message_id)
            uow.commit()

    async def reply(self, update: Update, key: str) -> None:
        chat = update.effective_chat
        if chat is not None:
            await update.get_bot().send_message(chat.id, self.wording.say(key))


def _markup(faces: list[Face]) -> InlineKeyboardMarkup:
    answers = [f for f in faces if not f.control]
    controls = [f for f in faces if f.control]
    rows = [answers[i : i + ANSWERS_PER_ROW] for i in range(0, len(answers), ANSWERS_PER_ROW)]
    rows += [controls[i : i + ANSWERS_PER_ROW] for i in range(0, len(controls), ANSWERS_PER_ROW)]
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f.text, callback_data=f.callback_data) for f in row] for row in rows]
    )

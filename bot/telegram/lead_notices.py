"""Safeguarding notices in a lead's Telegram chat, and their "I have seen this" button.

The notice itself is written by ``bot.alerting``; this is where it meets
Telegram. A press acknowledges the alert only from a chat that belongs to a
lead of the alert's service; any other press is refused, and audited.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.alerting import ACK_LABEL, ACK_PREFIX, SendTelegram, alert_from_button
from bot.telegram.updates import chat_id_of, drop_keyboard
from governance.acknowledgement import acknowledge_from_chat
from storage.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)

# What a notice's button sends back: "ack:<alert id>".
ACK_PATTERN = rf"^{ACK_PREFIX}\d+$"


def telegram_sender(bot: Bot) -> SendTelegram:
    """Post a notice with its one button through a running bot."""

    async def send(chat_id: int, text: str, alert_id: int) -> None:
        button = InlineKeyboardButton(ACK_LABEL, callback_data=f"{ACK_PREFIX}{alert_id}")
        await bot.send_message(chat_id, text, reply_markup=InlineKeyboardMarkup([[button]]))

    return send


async def answer_ack_button(store: UnitOfWorkFactory, data: str, chat_id: int) -> str:
    """Acknowledge the alert a lead's button names; return the words to answer the press with."""
    alert_id = alert_from_button(data)
    if alert_id is None:
        return "This button is not one CoVoice knows."

    def acknowledged() -> str:
        with store() as uow:
            outcome = acknowledge_from_chat(uow, alert_id, chat_id)
            uow.commit()  # a refusal is audited too
        return outcome.message

    return await asyncio.to_thread(acknowledged)


class LeadNotices:
    """The "I have seen this" button under a notice in a lead's own chat."""

    def __init__(self, store: UnitOfWorkFactory) -> None:
        self.store = store

    async def pressed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Acknowledge from the notice, and say in the chat what came of it.

        The press counts for the person who pressed, in their own chat with the
        bot: a lead's chat id is their user id there.
        """
        query = update.callback_query
        assert query is not None
        await query.answer()
        chat = update.effective_chat
        presser = query.from_user.id if chat is not None and chat.type == chat.PRIVATE else 0
        said = await answer_ack_button(self.store, query.data or "", presser)
        await drop_keyboard(query)
        try:
            await update.get_bot().send_message(chat_id_of(update), said)
        except TelegramError as error:
            logger.warning("Could not answer a safeguarding lead's press: %s", error)

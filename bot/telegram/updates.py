"""Reading what arrived from Telegram: whose chat, and which message or button press."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.error import TelegramError

logger = logging.getLogger(__name__)


def message_id_of(update: Update) -> str:
    """The channel's id for what arrived: Telegram's own message or button-press id.

    Update ids are not used: Telegram may start them again after a quiet week.
    """
    if update.callback_query is not None:
        return f"cb{update.callback_query.id}"
    message = update.effective_message
    return f"m{message.message_id}" if message is not None else f"u{update.update_id}"


def chat_id_of(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None
    return chat.id


async def drop_keyboard(query: CallbackQuery) -> None:
    """Take the buttons off the message a button was pressed on."""
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as error:
        logger.info("Could not remove a keyboard: %s", error)

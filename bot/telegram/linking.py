"""Linking a chat to a person: ``/start CODE``, then a yes, and the check-in begins.

The yes and no buttons carry the code itself, so nothing about the sender
is stored before they say yes.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.telegram.invites import InviteState, check, redeem
from bot.telegram.updates import chat_id_of, drop_keyboard

if TYPE_CHECKING:
    from bot.telegram.channel import TelegramChannel

YES, NO = "l:yes:", "l:no:"
# What starts a check-in the person did not type: a payload, so it is not read as their words.
GREETING = "/greet"

REFUSALS = {
    InviteState.unknown: "bad_code",
    InviteState.used: "used_code",
    InviteState.expired: "expired_code",
}


class Linking:
    def __init__(self, channel: TelegramChannel) -> None:
        self.channel = channel

    @staticmethod
    def is_choice(data: str) -> bool:
        """Whether a button press is the yes or no to linking."""
        return data.startswith((YES, NO))

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/start`` with a code asks to link; without one, a linked chat begins a check-in."""
        channel = self.channel
        code = context.args[0] if context.args else ""
        linked = await asyncio.to_thread(channel.linked, chat_id_of(update))
        if not code:
            if linked is None:
                await channel.reply(update, "no_invite")
            else:
                await channel.hand_in(update, linked, GREETING)
            return
        state = await asyncio.to_thread(self._check, code)
        if state is not InviteState.valid:
            await channel.reply(update, REFUSALS[state])
            return
        buttons = [
            InlineKeyboardButton(channel.wording.button("yes_link"), callback_data=YES + code),
            InlineKeyboardButton(channel.wording.button("no_link"), callback_data=NO + code),
        ]
        await update.get_bot().send_message(
            chat_id_of(update),
            channel.wording.say("link_consent"),
            reply_markup=InlineKeyboardMarkup([buttons]),
        )

    async def choice(self, update: Update, data: str) -> None:
        """The yes or no to linking: yes links the chat and begins the check-in."""
        channel = self.channel
        query = update.callback_query
        assert query is not None
        chat_id = chat_id_of(update)
        await query.answer()
        await drop_keyboard(query)
        # A second tap (a shaky hand) after the chat was linked changes nothing.
        if await asyncio.to_thread(channel.linked, chat_id) is not None:
            return
        if data.startswith(NO):
            await channel.reply(update, "not_linked")
            return
        state = await asyncio.to_thread(self._redeem, data[len(YES) :], chat_id)
        if state is not InviteState.valid:
            await channel.reply(update, REFUSALS[state])
            return
        await channel.reply(update, "linked")
        linked = await asyncio.to_thread(channel.linked, chat_id)
        if linked is not None:
            await channel.hand_in(update, linked, GREETING)

    def _check(self, code: str) -> InviteState:
        with self.channel.store() as uow:
            return check(uow, code)[0]

    def _redeem(self, code: str, chat_id: int) -> InviteState:
        with self.channel.store() as uow:
            state, contact = redeem(uow, code, chat_id)
            if contact is not None:
                uow.commit()
            return state

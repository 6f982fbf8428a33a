"""Inline keyboards under the bot's messages, and which presses still count.

Telegram carries at most 64 bytes of callback data, and our payloads can be
longer, so a button carries ``k<keyboard id>:<place>`` and the payload waits
in the store. A keyboard counts until one of its buttons is pressed or newer
prompts are sent; after that a press is stale and gets a gentle word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checkin.wire import Prompt
from storage.models import TelegramKeyboard, utcnow
from storage.unit_of_work import UnitOfWork

_CALLBACK = re.compile(r"k(\d{1,12}):(\d{1,2})")
# Answer buttons per row on a phone; control buttons share the last row.
ANSWERS_PER_ROW = 2


@dataclass(frozen=True)
class Face:
    """A button as it is drawn: picture and word, and what a press of it carries."""

    text: str
    callback_data: str
    control: bool


@dataclass(frozen=True)
class Press:
    """A press that still counts: what it sends, and the word on its button."""

    payload: str
    label: str


def button_text(pictogram: str, label: str) -> str:
    return f"{pictogram} {label}".strip()


def keep(uow: UnitOfWork, sender_id: str, prompt: Prompt) -> tuple[int, list[Face]]:
    """Store the prompt's buttons for ``sender_id``; return the keyboard's id and faces."""
    keyboard = TelegramKeyboard(
        sender_id=sender_id,
        payloads=[button.payload for button in prompt.buttons],
        labels=[button.label for button in prompt.buttons],
        kinds=[button.kind for button in prompt.buttons],
    )
    uow.telegram.add_keyboard(keyboard)
    faces = [
        Face(button_text(b.pictogram, b.label), f"k{keyboard.id}:{place}", b.kind == "control")
        for place, b in enumerate(prompt.buttons)
    ]
    return keyboard.id, faces


def retire(uow: UnitOfWork, sender_id: str) -> list[int]:
    """Newer prompts are on their way: every open keyboard of the chat is stale now.

    Returns the messages whose buttons are still on the person's screen.
    """
    return uow.telegram.retire_keyboards(sender_id, utcnow())


def press(uow: UnitOfWork, sender_id: str, callback_data: str) -> Press | None:
    """Use up a press if it still counts for this chat, else None; the caller commits.

    The keyboard must be the sender's own: an id from outside is checked.
    """
    found = _CALLBACK.fullmatch(callback_data)
    if found is None:
        return None
    keyboard_id, place = int(found[1]), int(found[2])
    keyboard = uow.telegram.keyboard(keyboard_id)
    if keyboard is None or keyboard.sender_id != sender_id or place >= len(keyboard.payloads):
        return None
    pressed = Press(keyboard.payloads[place], keyboard.labels[place])
    # Two presses at once: only the first one to mark the keyboard counts.
    if not uow.telegram.use_keyboard(keyboard_id, utcnow()):
        return None
    return pressed


def set_message(uow: UnitOfWork, keyboard_id: int, message_id: int) -> None:
    keyboard = uow.telegram.keyboard(keyboard_id)
    if keyboard is not None:
        keyboard.message_id = message_id

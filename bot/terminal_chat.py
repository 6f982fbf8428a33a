"""A check-in in the terminal: type, or choose a numbered button."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from bot.chat_service import ChatService, IncomingMessage
from checkin.wire import Button, Prompt

QUIT_WORDS = {"quit", "exit"}


def render(reply: Prompt, easy_read: bool) -> tuple[str, list[Button]]:
    """Lay out one reply as terminal text and return the buttons it numbered."""
    pictures = " ".join(reply.pictograms)
    wording = reply.easy_read if easy_read else reply.text
    lines = [f"{pictures}  {wording}" if pictures else wording]
    buttons = list(reply.buttons)
    answers = [b for b in buttons if b.kind == "answer"]
    controls = [b for b in buttons if b.kind != "answer"]
    ordered = answers + controls
    if answers:
        lines.append(
            "   " + "   ".join(f"[{i}] {b.pictogram} {b.label}" for i, b in enumerate(answers, 1))
        )
    if controls:
        start = len(answers) + 1
        lines.append(
            "   "
            + "   ".join(f"[{i}] {b.pictogram} {b.label}" for i, b in enumerate(controls, start))
        )
    return "\n".join(lines), ordered


async def run_terminal_chat(
    chat: ChatService,
    service_id: str,
    person_ref: str | None,
    role: str,
    easy_read: bool,
    read_line: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> None:
    """Hold a conversation until the person types quit or ends the input (Ctrl-D)."""
    session = uuid.uuid4().hex[:12]
    sender_id = f"term:{session}"
    buttons: list[Button] = []
    text = "/greet"
    while True:
        message = IncomingMessage(
            channel="term",
            sender_id=sender_id,
            message_id=uuid.uuid4().hex,
            text=text,
            service_id=service_id,
            person_ref=person_ref or sender_id,
            role=role,
        )
        replies = await chat.handle(message)
        for reply in replies:
            shown, numbered = render(reply, easy_read)
            write(shown)
            if numbered:
                buttons = numbered
        write("")
        try:
            typed = (await asyncio.to_thread(read_line, "> ")).strip()
        except (EOFError, KeyboardInterrupt):
            write("\nGoodbye.")
            return
        if typed.lower() in QUIT_WORDS:
            write("Goodbye.")
            return
        text = _payload_for(typed, buttons)


def _payload_for(typed: str, buttons: list[Button]) -> str:
    if typed.isdigit() and 1 <= int(typed) <= len(buttons):
        return buttons[int(typed) - 1].payload
    return typed

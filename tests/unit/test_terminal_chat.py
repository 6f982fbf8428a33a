"""The terminal channel: numbered buttons, typed text, leaving."""

from __future__ import annotations

import asyncio

from bot.chat_service import IncomingMessage
from bot.terminal_chat import render, run_terminal_chat
from checkin.wire import Button, Prompt

FOOD = Prompt(
    text="How do you feel about the food?",
    easy_read="Do you like the food?",
    kind="question",
    pictograms=("🍽️",),
    buttons=(
        Button(label="Good", pictogram="😊", payload="/rate_good"),
        Button(label="Not good", pictogram="☹️", payload="/rate_bad"),
        Button(label="Skip", pictogram="⏭️", payload="/skip", kind="control"),
    ),
    question_id="food",
)


class FakeChat:
    def __init__(self) -> None:
        self.received: list[IncomingMessage] = []

    async def handle(self, message: IncomingMessage) -> list[Prompt]:
        self.received.append(message)
        return [FOOD]


def test_render_numbers_answers_then_controls_with_pictures() -> None:
    shown, numbered = render(FOOD, easy_read=False)
    assert shown.splitlines() == [
        "🍽️  How do you feel about the food?",
        "   [1] 😊 Good   [2] ☹️ Not good",
        "   [3] ⏭️ Skip",
    ]
    assert [b.payload for b in numbered] == ["/rate_good", "/rate_bad", "/skip"]
    assert render(FOOD, easy_read=True)[0].startswith("🍽️  Do you like the food?")


def test_numbers_press_buttons_and_words_are_sent_as_typed() -> None:
    chat = FakeChat()
    typed = iter(["2", "the food is cold", "9", "quit"])
    out: list[str] = []
    asyncio.run(
        run_terminal_chat(
            chat,  # type: ignore[arg-type]
            "oak-house",
            None,
            "person",
            easy_read=False,
            read_line=lambda _: next(typed),
            write=out.append,
        )
    )
    texts = [m.text for m in chat.received]
    assert texts == ["/greet", "/rate_bad", "the food is cold", "9"]
    assert len({m.sender_id for m in chat.received}) == 1
    assert chat.received[0].sender_id.startswith("term:")
    assert len({m.message_id for m in chat.received}) == 4
    assert out[-1] == "Goodbye."


def test_end_of_input_leaves_kindly() -> None:
    def closed(_: str) -> str:
        raise EOFError

    out: list[str] = []
    asyncio.run(
        run_terminal_chat(FakeChat(), "oak-house", None, "person", False, closed, out.append)  # type: ignore[arg-type]
    )
    assert out[-1].strip() == "Goodbye."

"""Channel-neutral replies, read from what the Rasa server answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from checkin.wire import PROMPT_FORMAT


@dataclass(frozen=True)
class ReplyButton:
    label: str
    pictogram: str
    payload: str
    kind: str = "answer"


@dataclass(frozen=True)
class Reply:
    """One message for the person: both wordings, pictograms and buttons."""

    text: str
    easy_read: str
    kind: str = "info"
    pictograms: tuple[str, ...] = ()
    buttons: tuple[ReplyButton, ...] = field(default_factory=tuple)
    question_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        return cls(
            text=data["text"],
            easy_read=data["easy_read"],
            kind=data.get("kind", "info"),
            pictograms=tuple(data.get("pictograms") or ()),
            buttons=tuple(ReplyButton(**button) for button in data.get("buttons") or ()),
            question_id=data.get("question_id"),
        )


def notice(text: str, easy_read: str | None = None, *buttons: ReplyButton) -> Reply:
    return Reply(text=text, easy_read=easy_read or text, buttons=tuple(buttons))


# Asks Rasa for the current question again: the way back after any hiccup.
SHOW_AGAIN = ReplyButton("Show the question again", "🔁", "/repeat", "control")


def replies_from_rasa(messages: list[dict[str, Any]]) -> list[Reply]:
    """Map the REST channel's answer to replies; plain Rasa texts are kept as notices."""
    replies = []
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get("format") == PROMPT_FORMAT:
            replies.append(
                Reply(
                    text=custom["text"],
                    easy_read=custom.get("easy_read") or custom["text"],
                    kind=custom.get("kind", "info"),
                    pictograms=tuple(custom.get("pictograms") or ()),
                    buttons=tuple(
                        ReplyButton(
                            b["label"], b["pictogram"], b["payload"], b.get("kind", "answer")
                        )
                        for b in custom.get("buttons") or ()
                    ),
                    question_id=custom.get("question_id"),
                )
            )
        elif message.get("text"):
            buttons = tuple(
                ReplyButton(b.get("title", ""), "", b.get("payload", ""))
                for b in message.get("buttons") or ()
            )
            replies.append(notice(message["text"], None, *buttons))
    return replies

"""The wire form of a prompt: what the action server sends, through Rasa, to the app.

Rasa's REST channel passes it on untouched as a ``custom`` message.
"""

from __future__ import annotations

from typing import TypedDict

PROMPT_FORMAT = "covoice.prompt.v1"


class ButtonPayload(TypedDict):
    title: str  # pictogram and label, for clients that show only a title
    label: str
    pictogram: str
    payload: str  # what pressing it sends: "/intent" or '/intent{"choice": "..."}'
    kind: str  # "answer" or "control"


class PromptPayload(TypedDict):
    format: str
    kind: str  # consent, question, follow_up, confirm, info, closing, error
    text: str
    easy_read: str
    pictograms: list[str]
    buttons: list[ButtonPayload]
    question_id: str | None

"""What crosses the wire: a prompt (action server -> Rasa -> app -> channel) and
the metadata the app sends with each message (app -> Rasa -> action server).

One type each, used on both sides, so the two ends cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field

# Marks a Rasa ``custom`` message as one of our prompts.
PROMPT_FORMAT = "covoice.prompt.v2"

PromptKind = Literal["consent", "question", "follow_up", "confirm", "info", "closing", "error"]


class Button(BaseModel):
    """A button: a picture and its word, never one without the other."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    label: str
    pictogram: str
    # What pressing it sends: "/intent" or '/intent{"question":"food","turn":3}'.
    payload: str
    kind: Literal["answer", "control"] = "answer"


class Progress(BaseModel):
    """Where a question comes in its set: question ``position`` of ``total``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    position: int = Field(ge=1)
    total: int = Field(ge=1)


class Prompt(BaseModel):
    """One message for the person in both wordings; the channel picks one and speaks it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: PromptKind
    text: str
    easy_read: str
    pictograms: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    # The question (or step) the prompt asks, when it asks one.
    question_id: str | None = None
    progress: Progress | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def speech_key(self) -> str:
        """Names the cached audio of ``text``: the same words always have the same key."""
        return speech_key(self.text)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def easy_read_speech_key(self) -> str:
        return speech_key(self.easy_read)

    def to_wire(self) -> dict[str, Any]:
        """The JSON form sent as Rasa's custom payload and answered by the app."""
        return {"format": PROMPT_FORMAT, **self.model_dump(mode="json")}


def speech_key(words: str) -> str:
    return hashlib.sha256(" ".join(words.split()).encode()).hexdigest()[:20]


def prompt_from_wire(data: object) -> Prompt | None:
    """Read one of our prompts from a Rasa message's custom payload, or None if it is not one."""
    if not isinstance(data, dict) or data.get("format") != PROMPT_FORMAT:
        return None
    try:
        return Prompt.model_validate(data)
    except ValidationError:
        return None


def notice(text: str, easy_read: str, *buttons: Button, kind: PromptKind = "info") -> Prompt:
    return Prompt(kind=kind, text=text, easy_read=easy_read, buttons=tuple(buttons))


class WordsRead(BaseModel):
    """How the app's tagger read a message's typed words (tagging/), once for every channel."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    themes: tuple[str, ...] = Field(default=(), max_length=32)
    theme_confidence: float | None = None
    # A safeguarding category when the words may disclose harm; the alert is
    # already stored when this arrives.
    disclosure: str | None = Field(default=None, max_length=32)


class TurnMetadata(BaseModel):
    """What the app sends with a message, for the action server.

    Who is talking is not here: the action server reads that from the store,
    where the channel recorded it after checking its credential.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    # The channel's own id for the message: the same on a re-delivery.
    message_id: str = Field(min_length=1, max_length=128)
    # Seconds since the epoch after which the action must not begin to commit,
    # so the app never gives up on a turn that could still be stored.
    deadline: float | None = None
    # A question set the caller asked for (already checked by the app).
    question_set: str | None = Field(default=None, max_length=64)
    # Start that set afresh, ending any check-in left open: a send from our side.
    begin: bool = False
    # The incident a follow-up set is about; the conversation it begins is linked to it.
    incident_id: int | None = Field(default=None, ge=1)
    # What the words are about and whether they may disclose harm; None for a button.
    words_read: WordsRead | None = None

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    @classmethod
    def from_wire(cls, data: object) -> TurnMetadata | None:
        try:
            return cls.model_validate(data)
        except ValidationError:
            return None


def button_payload(intent: str, **entities: str | int | None) -> str:
    """A payload in Rasa's "/intent{entities}" form, compact for phone keyboards."""
    given = {name: value for name, value in entities.items() if value is not None}
    if not given:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(given, separators=(",", ":"))

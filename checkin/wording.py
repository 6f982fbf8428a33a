"""The bot's own words (help, privacy, sorry messages, buttons), read from a data file.

They sit beside the question sets so that the same people can reword them the
same way, in both wordings, with no retraining.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from checkin.question_sets import QuestionSetError, Wording, describe_errors
from checkin.wire import Button, Prompt, PromptKind

WordingFile = TypeVar("WordingFile", bound=BaseModel)


class ButtonWording(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1, max_length=30)
    pictogram: str = Field(min_length=1)


class Messages(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    help: Wording
    privacy: Wording
    person: Wording
    cry_for_help: Wording
    bot: Wording
    not_understood: Wording
    earlier_question: Wording
    press_yes_or_no: Wording
    press_yes_or_no_first: Wording
    type_answer: Wording
    type_it: Wording
    go_ahead: Wording
    feedback: Wording
    feedback_thanks: Wording
    carry_on: Wording
    press_one: Wording
    hello_again: Wording
    declined: Wording
    confirm_stop: Wording
    confirm_withdraw: Wording
    confirm_withdraw_all: Wording
    stopped: Wording
    withdrawn: Wording
    withdrawn_all: Wording
    ended: Wording
    have_answer: Wording
    empty: Wording
    too_long: Wording
    unknown_service: Wording
    unknown_sender: Wording
    unavailable: Wording
    sorry: Wording
    still_working: Wording
    # Said when words may disclose harm, before the choice to carry on or stop.
    disclosure: Wording


class Buttons(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    yes_start: ButtonWording
    no_thanks: ButtonWording
    nothing_else: ButtonWording
    start_again: ButtonWording
    skip: ButtonWording
    repeat: ButtonWording
    help: ButtonWording
    stop: ButtonWording
    carry_on: ButtonWording
    yes_stop: ButtonWording
    yes_withdraw: ButtonWording
    withdraw_this: ButtonWording
    withdraw_all: ButtonWording
    show_again: ButtonWording
    carry_on_checkin: ButtonWording
    stop_checkin: ButtonWording


class BotWording(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: Messages
    buttons: Buttons

    def button(self, name: str, payload: str, kind: str = "answer") -> Button:
        wording: ButtonWording = getattr(self.buttons, name)
        return Button(
            label=wording.label,
            pictogram=wording.pictogram,
            payload=payload,
            kind="control" if kind == "control" else "answer",
        )

    def prompt(self, name: str, *buttons: Button, kind: PromptKind = "info") -> Prompt:
        """One of the bot's messages as a prompt."""
        words: Wording = getattr(self.messages, name)
        return Prompt(kind=kind, text=words.text, easy_read=words.easy_read, buttons=buttons)

    def show_again(self) -> Button:
        # Asks for the current question again: the way back after any hiccup.
        return self.button("show_again", "/repeat", "control")


def load_bot_wording(path: Path) -> BotWording:
    """Read and check the bot's wording file.

    Raises:
        QuestionSetError: the file is missing, is not YAML, or lacks a message.
    """
    return read_wording_file(path, BotWording, "the bot's wording")


class ChannelWording(BaseModel):
    """A channel's own words by name (a kiosk's start screen, Telegram's invite replies).

    A subclass names every word its channel is written against in ``KEYS``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    KEYS: ClassVar[tuple[str, ...]] = ()

    words: dict[str, Wording]
    pictograms: dict[str, str] = {}

    @model_validator(mode="after")
    def _every_word(self) -> ChannelWording:
        missing = [key for key in self.KEYS if key not in self.words]
        if missing:
            raise ValueError(f"words lacks {', '.join(missing)}")
        unknown = sorted(set(self.pictograms) - set(self.words))
        if unknown:
            raise ValueError(f"pictograms for words that do not exist: {', '.join(unknown)}")
        return self


def read_wording_file(path: Path, model: type[WordingFile], what: str) -> WordingFile:
    """Read a YAML file of words and check it against ``model``.

    Raises:
        QuestionSetError: the file is missing, is not YAML, or does not fit ``model``.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise QuestionSetError(f"{path}: cannot read {what} ({error})") from None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise QuestionSetError(f"{path}: " + describe_errors(error)) from None

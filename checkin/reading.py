"""Reading what the person meant: a button, a command, an answer, or their own words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from checkin.question_sets import Question
from checkin.wire import WordsRead

# Intents that steer the conversation rather than answer it.
COMMANDS = frozenset(
    {
        "skip",
        "stop",
        "goodbye",
        "repeat",
        "help",
        "privacy_question",
        "talk_to_person",
        "bot_challenge",
        "withdraw_consent",
        "give_feedback",
        "greet",
    }
)
# Typed words steer the conversation (a command, a bare yes or no) only when
# they are short or Rasa is sure of them: "they told me to stop crying" is
# something to keep, not "stop". Longer typed answers keep their words.
SHORT_MESSAGE_WORDS = 3
COMMAND_CONFIDENCE = 0.9
SHORT_COMMAND_CONFIDENCE = 0.5
# Where the person is asked to tell us something, a yes or no this short is a
# bare yes or no ("yes please"); longer is what they want to tell ("yes they shout").
BARE_REPLY_WORDS = 2
# Words that ask for help or a person are acted on even when they are kept as an answer.
ASKS_FOR_PERSON = frozenset({"help", "talk_to_person"})
SCALE_INTENTS = {
    "scale3": {"rate_good": "good", "rate_okay": "okay", "rate_bad": "bad"},
    "yes_no_unsure": {"affirm": "yes", "deny": "no", "unsure": "unsure"},
}
# "help me", "HELP ME PLEASE someone hurt me": a cry for help, not "how do I use this".
# Screening for harm comes later and adds to this; this only tells the two helps apart.
_CRY_FOR_HELP = re.compile(
    r"\bhelp\s+(me|us|him|her)\b|\b(hurt|hurting|hit|hitting|scared|frightened|afraid|"
    r"danger|emergency|police|ambulance|999|abuse|abused|attack|attacked)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class UserTurn:
    """One message as Rasa read it."""

    intent: str
    text: str
    choice: str | None = None
    from_button: bool = False
    confidence: float = 1.0
    # What a pressed button says it answers: the question (or step) and the turn.
    question: str | None = None
    turn: int | None = None
    # Which answers a withdrawal covers: this chat, or all the person's chats.
    scope: str | None = None
    # What the typed words are about (theme ids), how sure the tagger was, and
    # the safeguarding category when they may disclose harm.
    themes: tuple[str, ...] = ()
    theme_confidence: float | None = None
    disclosure: str | None = None

    @property
    def words(self) -> list[str]:
        return self.text.split()

    @property
    def is_short(self) -> bool:
        return len(self.words) <= SHORT_MESSAGE_WORDS

    @property
    def is_bare(self) -> bool:
        return self.from_button or len(self.words) <= BARE_REPLY_WORDS

    @property
    def steers(self) -> bool:
        """Whether this may be taken as a command rather than as something to keep."""
        if self.from_button or self.confidence >= COMMAND_CONFIDENCE:
            return True
        # "a bigger garden" read as "goodbye" at 0.27 is words, not a goodbye.
        return self.is_short and self.confidence >= SHORT_COMMAND_CONFIDENCE

    @property
    def is_story(self) -> bool:
        """Typed words that answer in their own way ("they talk over me").

        Emoji, a key-mash or one or two words that fit no answer are not.
        """
        if self.from_button:
            return False
        words = [word for word in self.words if any(ch.isalpha() for ch in word)]
        return bool(words) and (self.intent == "inform" or len(words) > SHORT_MESSAGE_WORDS)

    @property
    def is_cry_for_help(self) -> bool:
        return not self.from_button and bool(_CRY_FOR_HELP.search(self.text))

    @property
    def agrees(self) -> bool:
        """A yes to "Shall we start?", where a bare "okay" or "good" also means yes."""
        if self.intent == "affirm":
            return True
        return self.is_bare and not self.from_button and self.intent in ("rate_good", "rate_okay")

    @property
    def is_bare_yes(self) -> bool:
        """A button, or a yes with nothing else in it ("yes", "yes please")."""
        return self.intent == "affirm" and self.is_bare


def read_message(message: dict[str, Any], words_read: WordsRead | None = None) -> UserTurn:
    """Read the intent, text and button entities from Rasa's parse of a message,
    with what the tagger read in its words."""
    text = str(message.get("text") or "")
    parsed = message.get("intent") or {}
    entities = {
        str(entity.get("entity")): entity.get("value") for entity in message.get("entities") or []
    }
    turn = entities.get("turn")
    return UserTurn(
        intent=parsed.get("name") or "nlu_fallback",
        text=text,
        choice=_text_or_none(entities.get("choice")),
        # A button press arrives as its payload: "/intent" or '/intent{...}'.
        from_button=text.startswith("/"),
        confidence=float(parsed.get("confidence") or 0.0),
        question=_text_or_none(entities.get("question")),
        turn=int(turn) if isinstance(turn, (int, float, str)) and str(turn).isdigit() else None,
        scope=_text_or_none(entities.get("scope")),
        themes=words_read.themes if words_read else (),
        theme_confidence=words_read.theme_confidence if words_read else None,
        disclosure=words_read.disclosure if words_read else None,
    )


def answer_value(question: Question, turn: UserTurn) -> str | None:
    """The answer a turn gives to a question with buttons, or None if it gives none."""
    if question.scale == "free_text":
        return None
    if question.scale == "choice":
        return _choice_value(question, turn)
    # A long, unsure "no problem they are fine" is no "no": keep the words instead.
    return (
        SCALE_INTENTS[question.scale].get(intent_for_scale(turn, question.scale))
        if turn.steers
        else None
    )


def intent_for_scale(turn: UserTurn, scale: str) -> str:
    """The intent a short reply carries where only one kind of answer is asked for.

    "not really" or "nope" to "How do you feel about ...?" says it is not good.
    """
    if scale == "scale3" and turn.intent == "deny" and turn.is_bare and not turn.from_button:
        return "rate_bad"
    return turn.intent


def _choice_value(question: Question, turn: UserTurn) -> str | None:
    values = {option.value for option in question.options}
    if turn.choice in values:
        return turn.choice
    # Only the option's own word counts: "i dont like going out" is not "Going out".
    typed = "".join(ch for ch in turn.text.lower() if ch.isalnum() or ch.isspace()).strip()
    for option in question.options:
        if typed in (option.value.replace("_", " "), option.label.lower()):
            return option.value
    return None


def _text_or_none(value: object) -> str | None:
    return str(value) if value is not None and str(value) else None

"""Learning from use: the words the tagger was unsure of, managers' corrections,
and those corrections written out as training examples.

Words from a withdrawn check-in are never listed or exported for training:
using them to train a model is a use of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import yaml
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from governance.errors import GovernanceError
from governance.service_days import stored_utc
from governance.withdrawal import usable_conversation
from storage.models import Conversation, Response, ResponseTextTheme, TagCorrection
from storage.unit_of_work import UnitOfWork

# Below these the tagger is taken as unsure.
UNSURE_INTENT = 0.6
UNSURE_THEME = 0.5


class NotCorrectable(GovernanceError):
    """The answer does not exist, has no words, or its person withdrew it."""


@dataclass(frozen=True)
class UnsureRow:
    response_id: int
    created_at: datetime
    service_id: str
    question_id: str
    words: str
    intent: str | None
    intent_confidence: float | None
    text_themes: tuple[str, ...]
    theme_confidence: float | None


def unsure_answers(
    session: Session, service_id: str | None = None, limit: int = 50
) -> list[UnsureRow]:
    """People's words the tagger found no theme in or was unsure of, not yet corrected."""
    corrected = select(TagCorrection.response_id).where(TagCorrection.response_id.is_not(None))
    query = (
        select(Response)
        .join(Conversation, Conversation.id == Response.conversation_id)
        .where(Response.free_text.is_not(None), usable_conversation())
        .where(Response.id.not_in(corrected))
        .where(
            or_(
                ~Response.text_themes.any(),
                Response.theme_confidence < UNSURE_THEME,
                Response.intent_confidence < UNSURE_INTENT,
            )
        )
        .order_by(Response.created_at.desc(), Response.id.desc())
        .limit(limit)
    )
    if service_id:
        query = query.where(Response.service_id == service_id)
    return [
        UnsureRow(
            response_id=response.id,
            created_at=stored_utc(response.created_at),
            service_id=response.service_id,
            question_id=response.question_id,
            words=response.free_text or "",
            intent=response.intent,
            intent_confidence=response.intent_confidence,
            text_themes=tuple(response.text_theme_ids),
            theme_confidence=response.theme_confidence,
        )
        for response in session.scalars(query)
    ]


def correct_answer(
    uow: UnitOfWork, response_id: int, themes: Sequence[str], intent: str | None, actor: str
) -> TagCorrection:
    """Record who corrected how an answer's words were read, and apply the themes to it.

    The caller checks the ids against the taxonomy and commits.
    """
    response = correctable_answer(uow.session, response_id)
    correction = TagCorrection(
        response_id=response.id,
        text=response.free_text or "",
        intent_before=response.intent,
        themes_before=list(response.text_theme_ids),
        intent=intent,
        themes=list(dict.fromkeys(themes)),
        corrected_by=actor,
    )
    response.text_themes = [ResponseTextTheme(theme_id=theme) for theme in correction.themes]
    uow.session.add(correction)
    return correction


def correctable_answer(session: Session, response_id: int) -> Response:
    """An answer whose words a manager may correct.

    Raises:
        NotCorrectable: there is no such answer, it has no words, or its person withdrew it.
    """
    response = session.get(Response, response_id)
    if response is None or not response.free_text:
        raise NotCorrectable(f"There is no answer {response_id} with words to correct.")
    conversation = session.get(Conversation, response.conversation_id)
    if conversation is None or not _usable(session, conversation.id):
        raise NotCorrectable(f"Answer {response_id} was withdrawn by its person; it stays unused.")
    return response


def usable_corrections(session: Session) -> list[TagCorrection]:
    """Every correction whose words may still be used, the latest per answer, oldest first."""
    query = (
        select(TagCorrection)
        .join(Response, Response.id == TagCorrection.response_id)
        .join(Conversation, Conversation.id == Response.conversation_id)
        .where(usable_conversation())
        .order_by(TagCorrection.corrected_at, TagCorrection.id)
    )
    latest: dict[int | None, TagCorrection] = {}
    for correction in session.scalars(query):
        latest[correction.response_id] = correction
    return list(latest.values())


def as_rasa_examples(corrections: Sequence[TagCorrection]) -> str:
    """Corrections that name an intent, as Rasa 3 NLU training data."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for correction in corrections:
        if correction.intent:
            by_intent[correction.intent].append(" ".join(correction.text.split()))
    blocks = [
        {"intent": intent, "examples": "".join(f"- {text}\n" for text in texts)}
        for intent, texts in sorted(by_intent.items())
    ]
    return _yaml({"version": "3.1", "nlu": blocks})


def as_theme_examples(corrections: Sequence[TagCorrection]) -> str:
    """Corrections as theme tagger examples (the format of nlu/tagging/themes.yml)."""
    examples = [{"text": c.text, "themes": list(c.themes)} for c in corrections]
    return _yaml({"examples": examples})


def _yaml(data: object) -> str:
    class _Literal(yaml.SafeDumper):
        pass

    def block(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Literal.add_representer(str, block)
    return yaml.dump(data, Dumper=_Literal, allow_unicode=True, sort_keys=False, width=100)


def _usable(session: Session, conversation_id: str) -> bool:
    query = select(Conversation.id).where(Conversation.id == conversation_id, usable_conversation())
    return session.scalar(query) is not None

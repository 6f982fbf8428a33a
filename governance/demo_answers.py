"""The demo's check-ins: who answered when, what they chose and wrote, inserted in bulk.

Answers walk a real question set as the bot does (follow-ups after the
answers that ask for them, branches taken), so the rows look like the bot's
own. How good the answers are follows each service's ``Trend`` month by
month. Rows go in with bulk inserts, a chunk at a time, so the same code
makes a few thousand answers for a demo or a million for a benchmark.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, insert, select

from checkin.question_sets import END, Question, QuestionSet
from governance.demo_words import CONTENT, Tone, Voice, as_typed, every_text, words_for
from storage.models import (
    Base,
    Consent,
    Contact,
    Conversation,
    ConversationStatus,
    Response,
    ResponseTextTheme,
    ResponseTheme,
)

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

MONTHS = 6
DAYS = 183
# Rows inserted per statement batch: big enough to be quick, small enough for memory.
CHUNK_RESPONSES = 5000
ANSWER_VALUE: dict[str, dict[Tone, str]] = {
    "scale3": {"good": "good", "okay": "okay", "bad": "bad"},
    "yes_no_unsure": {"good": "yes", "okay": "unsure", "bad": "no"},
}


@dataclass(frozen=True)
class WordReading:
    """The themes read in some words, and how sure the reading was (None: not measured)."""

    themes: tuple[str, ...]
    confidence: float | None


# Reads many texts at once, as the tagger's read_many does.
WordReader = Callable[[Sequence[str]], Sequence[WordReading]]


def bank_reader(texts: Sequence[str]) -> list[WordReading]:
    """The theme each text was written about, for when the trained tagger is not at hand."""
    themes = every_text()
    return [WordReading((themes[t],) if themes.get(t) else (), None) for t in texts]


@dataclass(frozen=True)
class Trend:
    """How answers on each theme go at one service across the six months."""

    # The usual share of "not good" answers.
    bad: float
    # Themes that get worse over the last three months.
    worsening: frozenset[str] = frozenset()
    # Themes poor at first and better from month ``better_from`` (0 is the first).
    improving: frozenset[str] = frozenset()
    better_from: int = 3

    def chances(self, theme: str, month: int) -> tuple[float, float, float]:
        """The chances of good, okay and not good on a theme in a month."""
        bad = self.bad
        if theme in self.worsening:
            bad += 0.14 * max(0, month - 2)
        if theme in self.improving:
            bad = 0.42 if month < self.better_from else 0.06
        okay = min(0.25, 0.9 - bad)
        return 1 - bad - okay, okay, bad


@dataclass(frozen=True)
class Respondent:
    """Someone who answers check-ins: a person (alone or with staff) or their family."""

    service_id: str
    provider_id: str
    person_id: int
    role: str
    channel: str
    # A Telegram contact is kept; each kiosk check-in has a contact of its own.
    contact_id: int | None = None
    sender_id: str | None = None

    @property
    def voice(self) -> Voice:
        return "family" if self.role == "family" else "person"


@dataclass
class Checkins:
    """What to make: the people, the set, the trends, and the days the answers span."""

    respondents: Sequence[Respondent]
    question_set: QuestionSet
    trends: dict[str, Trend]
    now: datetime
    rng: random.Random
    readings: dict[str, WordReading] = field(default_factory=dict)

    @property
    def start(self) -> datetime:
        return self.now - timedelta(days=DAYS)

    def month(self, when: datetime) -> int:
        return min(MONTHS - 1, int((when - self.start).days / (DAYS / MONTHS)))


def read_bank(reader: WordReader, extra: Sequence[str] = ()) -> dict[str, WordReading]:
    """Every text the demo may write, read once."""
    texts = sorted(set(every_text()) | set(extra))
    return dict(zip(texts, reader(texts), strict=True))


def insert_checkins(uow: UnitOfWork, plan: Checkins, responses: int) -> int:
    """Add check-ins until about ``responses`` answers are stored; the caller commits.

    Returns:
        How many answers were stored.
    """
    stored = 0
    while stored < responses:
        chunk: list[_Checkin] = []
        size = 0
        while size < min(CHUNK_RESPONSES, responses - stored):
            checkin = _checkin(plan, plan.rng.choice(plan.respondents), _moment(plan))
            chunk.append(checkin)
            size += len(checkin.answers)
        stored += _insert(uow, plan, chunk)
    return stored


def checkin_between(
    uow: UnitOfWork,
    plan: Checkins,
    respondent: Respondent,
    when: datetime,
    themes_only: frozenset[str] = frozenset(),
    incident_id: int | None = None,
) -> str:
    """One check-in by one respondent at a time (only questions on ``themes_only`` if given).

    Returns:
        The conversation's id.
    """
    checkin = _checkin(plan, respondent, when, themes_only)
    checkin.conversation["incident_id"] = incident_id
    for answer in checkin.answers:
        answer["incident_id"] = incident_id
    _insert(uow, plan, [checkin])
    return checkin.conversation["id"]


@dataclass
class _Checkin:
    respondent: Respondent
    conversation: dict[str, Any]
    answers: list[dict[str, Any]]


def _moment(plan: Checkins) -> datetime:
    """A time in the six months, in waking hours (UTC is near enough London's day here)."""
    day = plan.start + timedelta(days=plan.rng.randrange(DAYS))
    moment = day.replace(hour=plan.rng.randint(9, 19), minute=plan.rng.randrange(60))
    return moment if moment < plan.now else plan.now - timedelta(minutes=plan.rng.randint(5, 600))


def _checkin(
    plan: Checkins,
    respondent: Respondent,
    when: datetime,
    themes_only: frozenset[str] = frozenset(),
) -> _Checkin:
    rng, qs = plan.rng, plan.question_set
    trend, month = plan.trends[respondent.service_id], plan.month(when)
    answers: list[dict[str, Any]] = []
    clock = when

    def answer(question_id: str, value: str | None, words: str | None, question: Question) -> None:
        nonlocal clock
        clock += timedelta(seconds=rng.randint(15, 90))
        answers.append(_answer(plan, respondent, question_id, value, words, question, clock))

    question: Question | None = qs.first
    while question is not None:
        if themes_only and not themes_only & set(question.themes):
            question = qs.following(question.id)
            continue
        # Asked what they would change, people write about anything.
        theme = (
            rng.choice(sorted(trend_themes(qs)))
            if question.scale == "free_text"
            else _worst_theme(question.themes, trend, month)
        )
        tone = _tone(trend.chances(theme, month), rng)
        value, words = _value_and_words(question, theme, tone, respondent.voice, rng)
        if rng.random() < 0.05:  # skipped
            question = qs.following(question.id)
            continue
        answer(question.id, value, words, question)
        follow_up = question.follow_up
        if follow_up and value in follow_up.when and rng.random() < 0.7:
            answer(follow_up.id, None, _words(theme, tone, respondent.voice, rng), question)
        target = question.branch.get(value or "")
        if target == END:
            break
        question = qs.question(target) if target else qs.following(question.id)
    if not themes_only and rng.random() < 0.2:
        theme = rng.choice(sorted(trend_themes(qs)))
        tone = _tone(trend.chances(theme, month), rng)
        words = _words(theme, tone, respondent.voice, rng)
        if words:
            clock += timedelta(seconds=rng.randint(20, 120))
            answers.append(
                _answer(plan, respondent, "anything_else", None, words, None, clock)
                | {"themes": tuple(qs.spec.anything_else.themes)}
            )
    conversation = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "contact_id": respondent.contact_id,
        "sender_id": respondent.sender_id or "",
        "channel": respondent.channel,
        "service_id": respondent.service_id,
        "person_id": respondent.person_id,
        "respondent_role": respondent.role,
        "question_set_id": qs.id,
        "question_set_version": qs.spec.version,
        "status": ConversationStatus.finished,
        "supported_by_staff": respondent.role == "staff_supported",
        "started_at": when,
        "finished_at": clock + timedelta(seconds=30),
        "stage": "ended",
        "question_id": None,
        "turn": len(answers) + 2,
        "version": 1,
        "incident_id": None,
    }
    return _Checkin(respondent, conversation, answers)


def trend_themes(qs: QuestionSet) -> set[str]:
    """The themes the set's questions ask about."""
    return {theme for question in qs.spec.questions for theme in question.themes}


def _worst_theme(themes: Sequence[str], trend: Trend, month: int) -> str:
    return max(themes, key=lambda theme: (trend.chances(theme, month)[2], theme))


def _tone(chances: tuple[float, float, float], rng: random.Random) -> Tone:
    good, okay, _ = chances
    draw = rng.random()
    return "good" if draw < good else "okay" if draw < good + okay else "bad"


def _value_and_words(
    question: Question, theme: str, tone: Tone, voice: Voice, rng: random.Random
) -> tuple[str | None, str | None]:
    if question.scale == "free_text":
        words = None if tone == "good" else _words(theme, tone, voice, rng)
        return None, words or rng.choice(CONTENT)
    if question.scale == "choice":
        return rng.choice(question.options).value, None
    # Now and then someone types their answer instead of pressing a button.
    typed = _words(theme, tone, voice, rng) if rng.random() < 0.12 else None
    return ANSWER_VALUE[question.scale][tone], typed


def _words(theme: str, tone: Tone, voice: Voice, rng: random.Random) -> str | None:
    texts = words_for(theme, tone, voice)
    return rng.choice(texts) if texts else None


def _answer(
    plan: Checkins,
    respondent: Respondent,
    question_id: str,
    value: str | None,
    words: str | None,
    question: Question | None,
    at: datetime,
) -> dict[str, Any]:
    reading = plan.readings.get(words or "")
    return {
        "question_id": question_id,
        "answer_value": value,
        "free_text": as_typed(words, respondent.voice, plan.rng.random()) if words else None,
        "cqc_statements": list(question.cqc) if question else [],
        "created_at": at,
        "themes": tuple(question.themes) if question else (),
        "text_themes": reading.themes if reading and words else (),
        "theme_confidence": reading.confidence if reading and words else None,
        "incident_id": None,
    }


def _insert(uow: UnitOfWork, plan: Checkins, chunk: list[_Checkin]) -> int:
    """Insert a chunk of check-ins with their contacts, consent, answers and themes."""
    # Plain executemany on the session's connection, then the new ids read back by
    # each row's unique key: RETURNING would send SQLite one row per statement.
    connection = uow.session.connection()
    kiosk = [c for c in chunk if c.respondent.contact_id is None]
    contacts = [_kiosk_contact(c, plan.rng) for c in kiosk]
    if contacts:
        connection.execute(insert(_table(Contact)), contacts)
        senders = [contact["sender_id"] for contact in contacts]
        contact_ids = {
            sender: contact_id
            for sender, contact_id in connection.execute(
                select(Contact.sender_id, Contact.id).where(Contact.sender_id.in_(senders))
            ).tuples()
        }
        for checkin, sender in zip(kiosk, senders, strict=True):
            checkin.conversation["contact_id"] = contact_ids[sender]
            checkin.conversation["sender_id"] = sender
    connection.execute(insert(_table(Conversation)), [c.conversation for c in chunk])
    connection.execute(
        insert(_table(Consent)),
        [
            {
                "person_id": c.respondent.person_id,
                "conversation_id": c.conversation["id"],
                "given": True,
                "method": f"chat:{c.respondent.channel}",
                "recorded_at": c.conversation["started_at"],
            }
            for c in chunk
        ],
    )
    rows = list(_response_rows(plan, chunk))
    if not rows:
        return 0
    theme_lists = [(row.pop("themes"), row.pop("text_themes")) for row in rows]
    connection.execute(insert(_table(Response)), rows)
    response_ids = {
        (conversation, message): response_id
        for response_id, conversation, message in connection.execute(
            select(Response.id, Response.conversation_id, Response.source_message_id).where(
                Response.conversation_id.in_([c.conversation["id"] for c in chunk])
            )
        ).tuples()
    }
    ids = [response_ids[(row["conversation_id"], row["source_message_id"])] for row in rows]
    question_themes = [
        {"response_id": i, "theme_id": t}
        for i, (ts, _) in zip(ids, theme_lists, strict=True)
        for t in ts
    ]
    text_themes = [
        {"response_id": i, "theme_id": t}
        for i, (_, ts) in zip(ids, theme_lists, strict=True)
        for t in ts
    ]
    if question_themes:
        connection.execute(insert(_table(ResponseTheme)), question_themes)
    if text_themes:
        connection.execute(insert(_table(ResponseTextTheme)), text_themes)
    return len(rows)


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


def _kiosk_contact(checkin: _Checkin, rng: random.Random) -> dict[str, Any]:
    respondent = checkin.respondent
    return {
        "sender_id": f"kiosk:{respondent.service_id[:16]}:{rng.getrandbits(80):020x}",
        "channel": "kiosk",
        "service_id": respondent.service_id,
        "person_id": respondent.person_id,
        "respondent_role": respondent.role,
        "created_at": checkin.conversation["started_at"],
        "voice_on": True,
    }


def _response_rows(plan: Checkins, chunk: list[_Checkin]) -> Iterator[dict[str, Any]]:
    for checkin in chunk:
        conversation, respondent = checkin.conversation, checkin.respondent
        for turn, answer in enumerate(checkin.answers, start=1):
            yield answer | {
                "conversation_id": conversation["id"],
                "provider_id": respondent.provider_id,
                "service_id": respondent.service_id,
                "person_id": respondent.person_id,
                "respondent_role": respondent.role,
                "question_set_id": plan.question_set.id,
                "channel": respondent.channel,
                "source_message_id": _message_id(conversation["sender_id"], turn),
                "intent": None,
                "intent_confidence": None,
            }


def _message_id(sender_id: str, turn: int) -> str:
    # As the channels make them: the kiosk's session and tap, or Telegram's message number.
    return f"{sender_id[-20:]}:{turn}" if sender_id.startswith("kiosk:") else str(1000 + turn)

"""Read-side queries over the store for exports and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Conversation, ConversationStatus, Person, Response, ResponseTheme


@dataclass(frozen=True)
class ResponseRow:
    created_at: datetime
    provider_id: str
    service_id: str
    person_ref: str
    respondent_role: str
    conversation_id: str
    question_set_id: str
    question_id: str
    answer_value: str | None
    free_text: str | None
    themes: tuple[str, ...]
    cqc_statements: tuple[str, ...]
    channel: str


def responses_between(
    session: Session,
    first_day: date,
    last_day: date,
    service_id: str | None = None,
    theme_id: str | None = None,
) -> list[ResponseRow]:
    """Answers stored from the start of ``first_day`` to the end of ``last_day`` (UTC).

    Answers from a conversation whose person withdrew consent are left out.

    Args:
        session: an open session; the caller owns it.
        first_day: the first day to include.
        last_day: the last day to include.
        service_id: only this service, if given.
        theme_id: only answers tagged with this theme, if given.

    Returns:
        Rows in the order the answers were stored.
    """
    start, end = _day_bounds(first_day, last_day)
    query = (
        select(Response, Person.ref)
        .join(Person, Person.id == Response.person_id)
        .join(Conversation, Conversation.id == Response.conversation_id)
        .where(Response.created_at >= start, Response.created_at < end)
        .where(Conversation.status != ConversationStatus.withdrawn)
        .order_by(Response.created_at, Response.id)
    )
    if service_id:
        query = query.where(Response.service_id == service_id)
    if theme_id:
        query = query.where(
            Response.id.in_(
                select(ResponseTheme.response_id).where(ResponseTheme.theme_id == theme_id)
            )
        )
    return [
        ResponseRow(
            created_at=_utc(response.created_at),
            provider_id=response.provider_id,
            service_id=response.service_id,
            person_ref=person_ref,
            respondent_role=response.respondent_role,
            conversation_id=response.conversation_id,
            question_set_id=response.question_set_id,
            question_id=response.question_id,
            answer_value=response.answer_value,
            free_text=response.free_text,
            themes=tuple(response.theme_ids),
            cqc_statements=tuple(response.cqc_statements or ()),
            channel=response.channel,
        )
        for response, person_ref in session.execute(query)
    ]


@dataclass(frozen=True)
class PersonRequestRow:
    requested_at: datetime
    service_id: str
    person_ref: str
    respondent_role: str
    channel: str
    conversation_id: str


def person_requests_between(
    session: Session, first_day: date, last_day: date, service_id: str | None = None
) -> list[PersonRequestRow]:
    """Conversations in which the person asked to talk to someone, newest first.

    Args:
        session: an open session; the caller owns it.
        first_day: the first day to include.
        last_day: the last day to include.
        service_id: only this service, if given.
    """
    start, end = _day_bounds(first_day, last_day)
    query = (
        select(Conversation, Person.ref)
        .join(Person, Person.id == Conversation.person_id)
        .where(Conversation.person_requested_at >= start, Conversation.person_requested_at < end)
        .order_by(Conversation.person_requested_at.desc())
    )
    if service_id:
        query = query.where(Conversation.service_id == service_id)
    return [
        PersonRequestRow(
            requested_at=_utc(conversation.person_requested_at),
            service_id=conversation.service_id,
            person_ref=person_ref,
            respondent_role=conversation.respondent_role,
            channel=conversation.channel,
            conversation_id=conversation.id,
        )
        for conversation, person_ref in session.execute(query)
    ]


def _day_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first_day, time.min, tzinfo=timezone.utc)
    return start, datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=timezone.utc)


def _utc(moment: datetime | None) -> datetime:
    assert moment is not None
    # SQLite gives back naive datetimes; the store writes UTC.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment

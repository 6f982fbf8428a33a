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
    start = datetime.combine(first_day, time.min, tzinfo=timezone.utc)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=timezone.utc)
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
            created_at=response.created_at.replace(tzinfo=timezone.utc)
            if response.created_at.tzinfo is None
            else response.created_at,
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

"""Read-side queries over the store for exports and reports.

Every query counts days in each service's own time zone (``service_days``) and
leaves withdrawn check-ins out through the one rule in ``withdrawal``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from governance.service_days import DEFAULT_TIME_ZONE, on_service_days, stored_utc
from governance.withdrawal import usable_conversation, usable_or_no_conversation
from storage.models import (
    Contact,
    Conversation,
    InboundMessage,
    Person,
    Response,
    ResponseTextTheme,
    ResponseTheme,
    SafeguardingAlert,
    Service,
)


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
    # The themes the person's own words are about, beside the question's.
    text_themes: tuple[str, ...] = ()
    # The incident a follow-up answer is about, if it is one.
    incident_id: int | None = None
    # The stored answer's own id: pages link to it, and a next page starts after it.
    response_id: int | None = None


def responses_between(
    session: Session,
    first_day: date,
    last_day: date,
    service_id: str | None = None,
    theme_id: str | None = None,
    *,
    services: Collection[str] | None = None,
    respondent_role: str | None = None,
    channel: str | None = None,
    question_set_id: str | None = None,
    answer_value: str | None = None,
    incident: int | Literal["any"] | None = None,
    flagged: bool = False,
    newest_first: bool = False,
    limit: int | None = None,
    after: tuple[datetime, int] | None = None,
) -> list[ResponseRow]:
    """Answers stored from the start of ``first_day`` to the end of ``last_day``.

    Days are counted in each answer's service's own time zone. Answers from a
    conversation whose person withdrew consent are left out.

    Args:
        session: an open session; the caller owns it.
        first_day: the first day to include.
        last_day: the last day to include.
        service_id: only this service, if given.
        theme_id: only answers with this theme, from the question or from the words.
        services: only these services, if given (a manager's own; may be empty).
        respondent_role: only answers given in this role, if given.
        channel: only answers that came by this channel, if given.
        question_set_id: only answers to this question set, if given.
        answer_value: only answers with this value (e.g. ``good``), if given.
        incident: only answers following up this incident, or ``"any"`` incident.
        flagged: only answers whose words raised a safeguarding alert.
        newest_first: the newest answers first instead of the oldest.
        limit: at most this many rows, if given.
        after: only the answers that come after the one stored at this time with
            this id, in the order asked for (to read on from a page's last row).

    Returns:
        Rows in the order the answers were stored; ``created_at`` is in UTC.

    Raises:
        UnknownTimeZone: a service names a time zone this computer does not know.
    """
    query = (
        select(Response, Person.ref)
        .join(Person, Person.id == Response.person_id)
        .join(Conversation, Conversation.id == Response.conversation_id)
        .join(Service, Service.id == Response.service_id)
        .where(
            on_service_days(session, Response.created_at, Service.time_zone, first_day, last_day)
        )
        .where(usable_conversation())
    )
    if newest_first:
        query = query.order_by(Response.created_at.desc(), Response.id.desc())
    else:
        query = query.order_by(Response.created_at, Response.id)
    if after is not None:
        at, response_id = after
        beyond = Response.created_at < at if newest_first else Response.created_at > at
        step = Response.id < response_id if newest_first else Response.id > response_id
        query = query.where(or_(beyond, and_(Response.created_at == at, step)))
    if service_id:
        query = query.where(Response.service_id == service_id)
    if services is not None:
        query = query.where(Response.service_id.in_(list(services)))
    if respondent_role:
        query = query.where(Response.respondent_role == respondent_role)
    if channel:
        query = query.where(Response.channel == channel)
    if question_set_id:
        query = query.where(Response.question_set_id == question_set_id)
    if answer_value:
        query = query.where(Response.answer_value == answer_value)
    if incident == "any":
        query = query.where(Response.incident_id.is_not(None))
    elif incident is not None:
        query = query.where(Response.incident_id == incident)
    if flagged:
        query = query.where(raised_an_alert())
    if limit is not None:
        query = query.limit(limit)
    if theme_id:
        query = query.where(
            Response.id.in_(
                select(ResponseTheme.response_id)
                .where(ResponseTheme.theme_id == theme_id)
                .union(
                    select(ResponseTextTheme.response_id).where(
                        ResponseTextTheme.theme_id == theme_id
                    )
                )
            )
        )
    return [
        ResponseRow(
            created_at=stored_utc(response.created_at),
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
            text_themes=tuple(response.text_theme_ids),
            incident_id=response.incident_id,
            response_id=response.id,
        )
        for response, person_ref in session.execute(query)
    ]


def raised_an_alert() -> ColumnElement[bool]:
    """True for an answer whose message raised a safeguarding alert."""
    return (
        select(SafeguardingAlert.id)
        .join(InboundMessage, InboundMessage.id == SafeguardingAlert.inbound_message_id)
        .where(
            InboundMessage.conversation_id == Response.conversation_id,
            InboundMessage.message_id == Response.source_message_id,
        )
        .exists()
    )


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

    Days are counted in each service's own time zone; withdrawn check-ins are left out.

    Args:
        session: an open session; the caller owns it.
        first_day: the first day to include.
        last_day: the last day to include.
        service_id: only this service, if given.

    Returns:
        One row per conversation; ``requested_at`` is in UTC.

    Raises:
        UnknownTimeZone: a service names a time zone this computer does not know.
    """
    query = (
        select(Conversation, Person.ref)
        .join(Person, Person.id == Conversation.person_id)
        .join(Service, Service.id == Conversation.service_id)
        .where(
            on_service_days(
                session, Conversation.person_requested_at, Service.time_zone, first_day, last_day
            )
        )
        .where(usable_conversation())
        .order_by(Conversation.person_requested_at.desc(), Conversation.id)
    )
    if service_id:
        query = query.where(Conversation.service_id == service_id)
    return [
        PersonRequestRow(
            requested_at=stored_utc(conversation.person_requested_at),
            service_id=conversation.service_id,
            person_ref=person_ref,
            respondent_role=conversation.respondent_role,
            channel=conversation.channel,
            conversation_id=conversation.id,
        )
        for conversation, person_ref in session.execute(query)
    ]


@dataclass(frozen=True)
class InboxWordsRow:
    """A message whose words are kept only in the inbox, not as an answer."""

    received_at: datetime
    service_id: str | None
    sender_id: str
    message_id: str
    channel: str
    contact_id: int | None
    # Known when the message reached a conversation or came from a known contact.
    person_ref: str | None
    conversation_id: str | None
    status: str
    text: str


def inbox_words(
    session: Session, first_day: date, last_day: date, service_id: str | None = None
) -> list[InboxWordsRow]:
    """Messages received on the days whose words were not stored as an answer.

    These are the words screening and erasure must reach besides the answers:
    messages that never reached a conversation, and turns that stored nothing
    (a question, a cry for help, a message too long to send on). Button presses
    (text starting with "/") carry no words and are left out, as are messages
    of a withdrawn check-in.

    Args:
        session: an open session; the caller owns it.
        first_day: the first day to include.
        last_day: the last day to include.
        service_id: only messages for this service, if given.

    Returns:
        Rows in the order the messages were received; ``received_at`` is in UTC.

    Raises:
        UnknownTimeZone: a service names a time zone this computer does not know.
    """
    stored_as_answer = (
        select(Response.id)
        .where(
            Response.conversation_id == InboundMessage.conversation_id,
            Response.source_message_id == InboundMessage.message_id,
        )
        .exists()
    )
    zone_name = func.coalesce(Service.time_zone, DEFAULT_TIME_ZONE)
    query = (
        select(InboundMessage, Person.ref)
        .outerjoin(Service, Service.id == InboundMessage.service_id)
        .outerjoin(Conversation, Conversation.id == InboundMessage.conversation_id)
        .outerjoin(Contact, Contact.id == InboundMessage.contact_id)
        .outerjoin(Person, Person.id == func.coalesce(Conversation.person_id, Contact.person_id))
        .where(on_service_days(session, InboundMessage.received_at, zone_name, first_day, last_day))
        .where(usable_or_no_conversation())
        .where(~InboundMessage.text.startswith("/"))
        .where(~stored_as_answer)
        .order_by(InboundMessage.received_at, InboundMessage.id)
    )
    if service_id:
        query = query.where(InboundMessage.service_id == service_id)
    return [
        InboxWordsRow(
            received_at=stored_utc(message.received_at),
            service_id=message.service_id,
            sender_id=message.sender_id,
            message_id=message.message_id,
            channel=message.channel,
            contact_id=message.contact_id,
            person_ref=person_ref,
            conversation_id=message.conversation_id,
            status=message.status.value,
            text=message.text,
        )
        for message, person_ref in session.execute(query)
    ]

"""Rows for governance tests, written straight into the store's tables."""

from __future__ import annotations

from datetime import datetime

from storage.models import (
    Contact,
    Conversation,
    ConversationStatus,
    InboundMessage,
    InboundStatus,
    Provider,
    Response,
    ResponseTheme,
    Service,
)
from storage.unit_of_work import UnitOfWork


def add_service(uow: UnitOfWork, service_id: str, time_zone: str) -> None:
    if uow.services.get_provider("acme-care") is None:
        uow.services.add_provider(Provider(id="acme-care", name="Acme Care"))
    uow.services.add(
        Service(id=service_id, provider_id="acme-care", name=service_id, time_zone=time_zone)
    )
    uow.session.flush()


def add_conversation(
    uow: UnitOfWork,
    conversation_id: str,
    person_ref: str,
    service_id: str = "oak-house",
    status: ConversationStatus = ConversationStatus.finished,
    withdrawn_at: datetime | None = None,
    person_requested_at: datetime | None = None,
    contact: Contact | None = None,
) -> Conversation:
    person = uow.people.get_or_add(service_id, person_ref)
    conversation = Conversation(
        id=conversation_id,
        contact_id=contact.id if contact else None,
        sender_id=contact.sender_id if contact else f"term:{conversation_id}",
        channel="term",
        service_id=service_id,
        person_id=person.id,
        respondent_role="person",
        question_set_id="checkin",
        question_set_version=1,
        status=status,
        withdrawn_at=withdrawn_at,
        person_requested_at=person_requested_at,
    )
    uow.conversations.add(conversation)
    uow.session.flush()
    return conversation


def add_response(
    uow: UnitOfWork,
    conversation: Conversation,
    question_id: str,
    created_at: datetime,
    answer_value: str | None = "good",
    free_text: str | None = None,
    themes: tuple[str, ...] = ("food_drink",),
    source_message_id: str | None = None,
) -> None:
    service = uow.services.get(conversation.service_id)
    assert service is not None
    uow.responses.add(
        Response(
            conversation_id=conversation.id,
            provider_id=service.provider_id,
            service_id=conversation.service_id,
            person_id=conversation.person_id,
            respondent_role=conversation.respondent_role,
            question_set_id=conversation.question_set_id,
            question_id=question_id,
            answer_value=answer_value,
            free_text=free_text,
            channel=conversation.channel,
            source_message_id=source_message_id or f"{conversation.id}-{question_id}",
            cqc_statements=[],
            themes=[ResponseTheme(theme_id=theme) for theme in themes],
            created_at=created_at,
        )
    )
    uow.session.flush()


def add_contact(
    uow: UnitOfWork, sender_id: str, person_ref: str, service_id: str = "oak-house"
) -> Contact:
    person = uow.people.get_or_add(service_id, person_ref)
    contact = Contact(
        sender_id=sender_id,
        channel=sender_id.split(":", 1)[0],
        service_id=service_id,
        person_id=person.id,
        respondent_role="person",
    )
    uow.contacts.add(contact)
    return contact


def add_inbound(
    uow: UnitOfWork,
    message_id: str,
    text: str,
    received_at: datetime,
    sender_id: str = "tg:100",
    service_id: str | None = "oak-house",
    conversation: Conversation | None = None,
    contact: Contact | None = None,
    status: InboundStatus = InboundStatus.answered,
) -> None:
    uow.inbound.add(
        InboundMessage(
            sender_id=sender_id,
            message_id=message_id,
            channel=sender_id.split(":", 1)[0],
            service_id=service_id,
            contact_id=contact.id if contact else None,
            conversation_id=conversation.id if conversation else None,
            text=text,
            status=status,
            received_at=received_at,
        )
    )

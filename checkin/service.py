"""The service that writes a check-in to the store: conversations, consent, answers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from checkin.flow import Ending, Outcome
from checkin.question_sets import QuestionSet
from storage.errors import UnknownConversation, UnknownService
from storage.models import (
    Consent,
    Conversation,
    ConversationStatus,
    Response,
    ResponseTheme,
    utcnow,
)
from storage.unit_of_work import UnitOfWork

ENDING_STATUS = {
    Ending.declined: ConversationStatus.declined,
    Ending.finished: ConversationStatus.finished,
    Ending.stopped: ConversationStatus.stopped,
    Ending.withdrawn: ConversationStatus.withdrawn,
}


@dataclass(frozen=True)
class Sender:
    """Who is talking and where from, as the channel described them."""

    sender_id: str
    channel: str
    service_id: str
    person_ref: str
    respondent_role: str = "person"


class CheckinRecorder:
    """Stores each step of a check-in, one unit of work per call."""

    def __init__(self, unit_of_work: Callable[[], UnitOfWork]) -> None:
        self._unit_of_work = unit_of_work

    def start_conversation(self, sender: Sender, question_set: QuestionSet) -> str:
        """Open a conversation for this sender and return its id.

        Raises:
            UnknownService: the sender's service is not in the store.
        """
        with self._unit_of_work() as uow:
            if uow.services.get(sender.service_id) is None:
                raise UnknownService(sender.service_id)
            person = uow.people.get_or_add(sender.service_id, sender.person_ref)
            conversation = Conversation(
                id=str(uuid.uuid4()),
                sender_id=sender.sender_id,
                channel=sender.channel,
                service_id=sender.service_id,
                person_id=person.id,
                respondent_role=sender.respondent_role,
                question_set_id=question_set.id,
                question_set_version=question_set.version,
                status=ConversationStatus.consent_pending,
                supported_by_staff=sender.respondent_role == "staff_supported",
            )
            uow.conversations.add(conversation)
            uow.commit()
            return conversation.id

    def record(self, conversation_id: str, outcome: Outcome, message_id: str | None) -> bool:
        """Store what one turn produced; return False if this message was already stored.

        Raises:
            UnknownConversation: no conversation with this id.
        """
        with self._unit_of_work() as uow:
            conversation = uow.conversations.get(conversation_id)
            if conversation is None:
                raise UnknownConversation(conversation_id)
            if outcome.answer is not None:
                if message_id and uow.responses.find_by_message(conversation_id, message_id):
                    return False
                uow.responses.add(self._response(uow, conversation, outcome, message_id))
            if outcome.consent_given is not None:
                uow.conversations.add_consent(
                    Consent(
                        person_id=conversation.person_id,
                        conversation_id=conversation.id,
                        given=outcome.consent_given,
                        method=f"chat:{conversation.channel}",
                    )
                )
                if outcome.consent_given:
                    conversation.status = ConversationStatus.in_progress
            if outcome.person_requested:
                conversation.person_requested_at = utcnow()
            if outcome.ending is not None:
                conversation.status = ENDING_STATUS[outcome.ending]
                conversation.finished_at = utcnow()
            uow.commit()
            return True

    @staticmethod
    def _response(
        uow: UnitOfWork, conversation: Conversation, outcome: Outcome, message_id: str | None
    ) -> Response:
        answer = outcome.answer
        assert answer is not None
        service = uow.services.get(conversation.service_id)
        assert service is not None
        return Response(
            conversation_id=conversation.id,
            provider_id=service.provider_id,
            service_id=conversation.service_id,
            person_id=conversation.person_id,
            respondent_role=conversation.respondent_role,
            question_set_id=conversation.question_set_id,
            question_id=answer.question_id,
            answer_value=answer.answer_value,
            free_text=answer.free_text,
            channel=conversation.channel,
            source_message_id=message_id or None,
            cqc_statements=list(answer.cqc),
            themes=[ResponseTheme(theme_id=theme) for theme in answer.themes],
        )

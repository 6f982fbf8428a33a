"""The check-in service: takes a turn, or starts a check-in, against our store.

The conversation's state lives in its ``conversation`` row and changes in the
same transaction as the answer it follows from, together with the replies
given to the message, so a message delivered again is answered from the store
and never moves the conversation on twice.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from checkin import aftercare
from checkin.flow import CheckinFlow, Ending, FlowState, Outcome, Stage
from checkin.question_sets import QuestionSet
from checkin.reading import UserTurn
from checkin.wire import Prompt, prompt_from_wire
from checkin.wording import BotWording
from storage.errors import UnknownService
from storage.models import (
    Consent,
    Contact,
    Conversation,
    ConversationStatus,
    InboundMessage,
    InboundStatus,
    Response,
    ResponseTextTheme,
    ResponseTheme,
    utcnow,
)
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

ENDING_STATUS = {
    Ending.declined: ConversationStatus.declined,
    Ending.finished: ConversationStatus.finished,
    Ending.stopped: ConversationStatus.stopped,
    Ending.withdrawn: ConversationStatus.withdrawn,
}


class CheckinError(Exception):
    """Base for what the check-in service refuses; callers turn it into kind words."""


class UnknownSender(CheckinError):
    """No channel has recorded who this sender speaks for."""


class UnknownQuestionSet(CheckinError):
    """No question set with this id is loaded."""


class TurnTooLate(CheckinError):
    """The caller's deadline passed before the turn could begin to commit; nothing was stored."""


@dataclass(frozen=True)
class NewContact:
    """Who a channel identity speaks for, as a channel vouches after checking its credential."""

    sender_id: str  # carries its channel: "kiosk:…", "tg:…"
    channel: str
    service_id: str
    person_ref: str
    respondent_role: str = "person"


@dataclass(frozen=True)
class TurnResult:
    prompts: list[Prompt]
    # This message was answered before; the replies are the ones given then.
    replayed: bool = False


def ensure_contact(uow: UnitOfWork, new: NewContact) -> Contact:
    """Record (or update) who a sender speaks for, in the caller's unit of work.

    Raises:
        UnknownService: the service is not in the store.
    """
    known = uow.contacts.with_person_ref(new.sender_id)
    if known is not None:
        contact, person_ref = known
        same = (contact.channel, contact.service_id, person_ref, contact.respondent_role)
        if same == (new.channel, new.service_id, new.person_ref, new.respondent_role):
            return contact  # the usual case, every message after the first: one query
    if uow.services.get(new.service_id) is None:
        raise UnknownService(new.service_id)
    person = uow.people.get_or_add(new.service_id, new.person_ref)
    if known is None:
        contact = Contact(
            sender_id=new.sender_id,
            channel=new.channel,
            service_id=new.service_id,
            person_id=person.id,
            respondent_role=new.respondent_role,
        )
        uow.contacts.add(contact)
    else:
        contact = known[0]
        contact.channel = new.channel
        contact.service_id = new.service_id
        contact.person_id = person.id
        contact.respondent_role = new.respondent_role
    return contact


class CheckinService:
    """Runs check-ins against the store; one unit of work per call."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        question_sets: dict[str, QuestionSet],
        wording: BotWording,
        default_set: str,
    ) -> None:
        if default_set not in question_sets:
            raise UnknownQuestionSet(default_set)
        self._unit_of_work = unit_of_work
        self.question_sets = question_sets
        self.wording = wording
        self.default_set = default_set

    def start_checkin(
        self, contact: NewContact | str, question_set_id: str | None = None
    ) -> list[Prompt]:
        """Start a check-in from our side (a proactive message, a follow-up) and return its
        first prompts for the channel to send.

        Args:
            contact: the sender id of a known contact, or a contact to record first.
            question_set_id: the set to hold; the default set if None.

        Raises:
            UnknownSender: ``contact`` names a sender no channel has recorded.
            UnknownService: a new contact's service is not in the store.
            UnknownQuestionSet: no set with this id is loaded.
        """
        question_set = self._question_set(question_set_id or self.default_set)
        with self._unit_of_work() as uow:
            if isinstance(contact, NewContact):
                known = ensure_contact(uow, contact)
            else:
                found = uow.contacts.by_sender(contact)
                if found is None:
                    raise UnknownSender(contact)
                known = found
            previous = uow.conversations.latest_for_contact(known.id)
            outcome, _ = self._open(uow, known, question_set, previous)
            uow.commit()
            return outcome.prompts

    def take_turn(
        self,
        sender_id: str,
        turn: UserTurn,
        message_id: str,
        question_set_id: str | None = None,
        deadline: float | None = None,
        begin: bool = False,
        incident_id: int | None = None,
    ) -> TurnResult:
        """Apply one message to the sender's conversation and return what to say.

        Args:
            sender_id: the channel identity the message came from.
            turn: the message as Rasa read it.
            message_id: the channel's id for the message; the same on a re-delivery.
            question_set_id: the set to start with, if a new check-in begins.
            deadline: seconds since the epoch after which nothing may begin to commit.
            begin: start ``question_set_id`` now, ending a check-in left open.
            incident_id: the incident a follow-up set that ``begin`` starts is about.

        Raises:
            UnknownSender: no channel has recorded who this sender speaks for.
            TurnTooLate: the deadline passed; nothing was stored.
        """
        args = (sender_id, turn, message_id, question_set_id, deadline, begin, incident_id)
        try:
            return self._take_turn(*args)
        except (IntegrityError, StaleDataError):
            # Another turn of this conversation (or this very message) committed in
            # between: read the store again and answer from where it is now.
            return self._take_turn(*args)

    def _take_turn(
        self,
        sender_id: str,
        turn: UserTurn,
        message_id: str,
        question_set_id: str | None,
        deadline: float | None,
        begin: bool,
        incident_id: int | None,
    ) -> TurnResult:
        with self._unit_of_work() as uow:
            inbound = uow.inbound.get(sender_id, message_id)
            if inbound is not None and inbound.conversation_id and inbound.replies:
                replayed = [prompt_from_wire(reply) for reply in inbound.replies]
                return TurnResult([p for p in replayed if p is not None], replayed=True)
            contact = uow.contacts.by_sender(sender_id)
            if contact is None:
                raise UnknownSender(sender_id)
            conversation = uow.conversations.latest_for_contact(contact.id)
            if begin and question_set_id in self.question_sets:
                outcome, conversation = self._open(
                    uow, contact, self.question_sets[question_set_id], conversation, incident_id
                )
            else:
                outcome, conversation = self._turn(
                    uow, contact, conversation, turn, question_set_id
                )
            if not outcome.stale:
                self._apply(uow, conversation, outcome, message_id)
            self._keep_replies(uow, inbound, contact, conversation, turn, message_id, outcome)
            if deadline is not None and time.time() > deadline:
                raise TurnTooLate(sender_id)
            uow.commit()
            return TurnResult(outcome.prompts)

    def _turn(
        self,
        uow: UnitOfWork,
        contact: Contact,
        conversation: Conversation | None,
        turn: UserTurn,
        question_set_id: str | None,
    ) -> tuple[Outcome, Conversation]:
        question_set = self._set_of(conversation)
        if conversation is not None and not _speaks_for(contact, conversation):
            question_set = None  # the device now speaks for someone else: a new check-in
        if conversation is not None and question_set is not None:
            state = state_of(conversation)
            flow = self._flow(uow, question_set, conversation, turn, state)
            starting = (state.stage == Stage.ended and turn.intent == "greet" and turn.steers) or (
                not flow.can_continue(state)
            )
            if not starting:
                return flow.handle(state, turn), conversation
        wanted = question_set_id if question_set_id in self.question_sets else None
        set_id = wanted or self.default_set
        return self._open(uow, contact, self.question_sets[set_id], conversation)

    def _open(
        self,
        uow: UnitOfWork,
        contact: Contact,
        question_set: QuestionSet,
        previous: Conversation | None,
        incident_id: int | None = None,
    ) -> tuple[Outcome, Conversation]:
        # Turns keep counting across a contact's check-ins, so a button from an
        # old check-in never matches the new one's turn.
        turn = previous.turn + 1 if previous is not None else 0
        if previous is not None and previous.stage != Stage.ended.value:
            # A new check-in takes over from one left unfinished.
            previous.stage = Stage.ended.value
            previous.status = ConversationStatus.stopped
            previous.finished_at = utcnow()
        outcome = CheckinFlow(question_set, self.wording).begin(turn)
        conversation = Conversation(
            id=str(uuid.uuid4()),
            contact_id=contact.id,
            sender_id=contact.sender_id,
            channel=contact.channel,
            service_id=contact.service_id,
            person_id=contact.person_id,
            respondent_role=contact.respondent_role,
            question_set_id=question_set.id,
            question_set_version=question_set.version,
            status=ConversationStatus.consent_pending,
            supported_by_staff=contact.respondent_role == "staff_supported",
            stage=outcome.state.stage.value,
            turn=outcome.state.turn,
            incident_id=incident_id,
        )
        uow.conversations.add(conversation)
        uow.session.flush()
        if incident_id is not None:
            aftercare.opened(uow, conversation, utcnow())
        return outcome, conversation

    def _flow(
        self,
        uow: UnitOfWork,
        question_set: QuestionSet,
        conversation: Conversation,
        turn: UserTurn,
        state: FlowState,
    ) -> CheckinFlow:
        # Whether "all my chats" is worth offering: asked only when withdrawing.
        withdrawing = turn.intent == "withdraw_consent" or state.pending == Ending.withdrawn
        earlier = withdrawing and _has_earlier_answers(uow, conversation)
        return CheckinFlow(question_set, self.wording, earlier_answers=earlier)

    def _set_of(self, conversation: Conversation | None) -> QuestionSet | None:
        """The conversation's set, if it is still loaded at the same version."""
        if conversation is None:
            return None
        question_set = self.question_sets.get(conversation.question_set_id)
        if question_set is None or question_set.version != conversation.question_set_version:
            return None  # changed under a conversation in flight: start again, kindly
        return question_set

    def _question_set(self, set_id: str) -> QuestionSet:
        question_set = self.question_sets.get(set_id)
        if question_set is None:
            raise UnknownQuestionSet(set_id)
        return question_set

    def _apply(
        self, uow: UnitOfWork, conversation: Conversation, outcome: Outcome, message_id: str
    ) -> None:
        state = outcome.state
        conversation.stage = state.stage.value
        conversation.question_id = state.question_id
        conversation.after_id = state.after_id
        conversation.pending = state.pending
        conversation.turn = state.turn
        if outcome.answer is not None:
            response = _response(uow, conversation, outcome, message_id)
            uow.responses.add(response)
            if conversation.incident_id is not None:
                question_set = self._set_of(conversation)
                aftercare.answered(uow, conversation, response, question_set, utcnow())
        # A second press of a withdrawal says again what is already recorded.
        already_withdrawn = outcome.ending == Ending.withdrawn and conversation.withdrawn_at
        if outcome.consent_given is not None and not already_withdrawn:
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
        if outcome.ending == Ending.declined and conversation.incident_id is not None:
            aftercare.declined(uow, conversation)
        if outcome.ending is not None:
            conversation.status = ENDING_STATUS[outcome.ending]
            conversation.finished_at = conversation.finished_at or utcnow()
        if outcome.ending == Ending.withdrawn:
            withdraw(uow, conversation, every_checkin=outcome.withdraw_all)

    def _keep_replies(
        self,
        uow: UnitOfWork,
        inbound: InboundMessage | None,
        contact: Contact,
        conversation: Conversation,
        turn: UserTurn,
        message_id: str,
        outcome: Outcome,
    ) -> None:
        """Keep the replies with the message, in the turn's own transaction."""
        if inbound is None:
            # A message that did not come through the app's inbox (Rasa called directly).
            inbound = InboundMessage(
                sender_id=contact.sender_id,
                message_id=message_id,
                channel=contact.channel,
                service_id=contact.service_id,
                text=turn.text,
                status=InboundStatus.received,
            )
            uow.inbound.add(inbound)
        inbound.contact_id = contact.id
        inbound.conversation_id = conversation.id
        inbound.status = InboundStatus.answered
        inbound.replies = [prompt.to_wire() for prompt in outcome.prompts]


def withdraw(uow: UnitOfWork, conversation: Conversation, every_checkin: bool = False) -> None:
    """Mark a check-in (or every check-in of the same speaker) as not to be used.

    Readers leave withdrawn check-ins out through governance's one rule.
    """
    now = utcnow()
    conversation.withdrawn_at = conversation.withdrawn_at or now
    if every_checkin:
        for other in uow.session.scalars(
            select(Conversation).where(
                same_speaker(conversation),
                Conversation.id != conversation.id,
                Conversation.withdrawn_at.is_(None),
            )
        ):
            other.withdrawn_at = now
            uow.conversations.add_consent(
                Consent(
                    person_id=other.person_id,
                    conversation_id=other.id,
                    given=False,
                    method=f"chat:{conversation.channel}",
                )
            )


# The person's own check-ins, alone or with staff helping; a family member or
# advocate speaks only for the check-ins they gave themselves.
OWN_ROLES = ("person", "staff_supported")


def same_speaker(conversation: Conversation) -> ColumnElement[bool]:
    """Check-ins given by whoever gave this one."""
    if conversation.respondent_role in OWN_ROLES:
        return and_(
            Conversation.person_id == conversation.person_id,
            Conversation.respondent_role.in_(OWN_ROLES),
        )
    return Conversation.contact_id == conversation.contact_id


def _speaks_for(contact: Contact, conversation: Conversation) -> bool:
    return (conversation.service_id, conversation.person_id, conversation.respondent_role) == (
        contact.service_id,
        contact.person_id,
        contact.respondent_role,
    )


def state_of(conversation: Conversation) -> FlowState:
    return FlowState(
        Stage(conversation.stage),
        conversation.question_id,
        conversation.after_id,
        conversation.pending,
        conversation.turn,
    )


def _has_earlier_answers(uow: UnitOfWork, conversation: Conversation) -> bool:
    query = select(
        exists().where(
            Response.conversation_id == Conversation.id,
            Conversation.id != conversation.id,
            Conversation.withdrawn_at.is_(None),
            same_speaker(conversation),
        )
    )
    return bool(uow.session.scalar(query))


def _response(
    uow: UnitOfWork, conversation: Conversation, outcome: Outcome, message_id: str
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
        source_message_id=message_id,
        cqc_statements=list(answer.cqc),
        themes=[ResponseTheme(theme_id=theme) for theme in answer.themes],
        text_themes=[ResponseTextTheme(theme_id=theme) for theme in answer.text_themes],
        intent=answer.intent,
        intent_confidence=answer.intent_confidence,
        theme_confidence=answer.theme_confidence,
    )

"""What a check-in started by an incident follow-up adds to the store.

The conversation is linked to its incident and to the follow-up it answers;
each answer carries the incident; the first answer marks the follow-up
answered, a "no" at the start marks it refused. An answer whose option
promises an update ("in a week") is kept as an update owed, due that many
days after it was given. The question set says which options promise one
(``update_owed_days``): no question id is known here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from checkin.question_sets import QuestionSet
from storage.models import (
    Conversation,
    FollowUp,
    FollowUpAudience,
    FollowUpStatus,
    Response,
    UpdateOwed,
)
from storage.unit_of_work import UnitOfWork

# Who answers each kind of follow-up: the person (alone or with staff helping),
# or family. An advocate is sent neither and so answers neither.
AUDIENCE_ROLES = {
    FollowUpAudience.person: ("person", "staff_supported"),
    FollowUpAudience.family: ("family",),
}


def audience_of(respondent_role: str) -> FollowUpAudience | None:
    """Which follow-up someone answering in this role answers, if any."""
    for audience, roles in AUDIENCE_ROLES.items():
        if respondent_role in roles:
            return audience
    return None


def opened(uow: UnitOfWork, conversation: Conversation, now: datetime) -> None:
    """Link a follow-up conversation, just opened, to the follow-up it answers: now sent."""
    follow_up = _follow_up(uow, conversation)
    if follow_up is None:
        return
    follow_up.conversation_id = conversation.id
    # On the kiosk, opening is the delivery; a Telegram one is sent once its send
    # went (the watcher reads the send), which may still fail after this.
    if follow_up.send_id is None and follow_up.status == FollowUpStatus.planned:
        follow_up.status = FollowUpStatus.sent
        follow_up.sent_at = follow_up.sent_at or now


def answered(
    uow: UnitOfWork,
    conversation: Conversation,
    response: Response,
    question_set: QuestionSet | None,
    now: datetime,
) -> None:
    """Link an answer to the incident, mark the follow-up answered, and keep any promise."""
    assert conversation.incident_id is not None
    response.incident_id = conversation.incident_id
    follow_up = _follow_up(uow, conversation)
    if follow_up is not None and follow_up.status != FollowUpStatus.answered:
        follow_up.status = FollowUpStatus.answered
        follow_up.answered_at = now
        follow_up.note = None
    days = (
        question_set.update_owed_days(response.question_id, response.answer_value)
        if question_set is not None
        else None
    )
    if days is None:
        return
    uow.session.flush()  # gives the answer its id
    uow.incidents.add_update_owed(
        UpdateOwed(
            incident_id=conversation.incident_id,
            follow_up_id=follow_up.id if follow_up is not None else None,
            contact_id=conversation.contact_id,
            person_id=conversation.person_id,
            respondent_role=conversation.respondent_role,
            response_id=response.id,
            asked_at=now,
            due_at=now + timedelta(days=days),
        )
    )


def declined(uow: UnitOfWork, conversation: Conversation) -> None:
    """A "no, thank you" to a follow-up's questions: the follow-up is refused, kindly noted."""
    follow_up = _follow_up(uow, conversation)
    if follow_up is not None and follow_up.status in (FollowUpStatus.planned, FollowUpStatus.sent):
        follow_up.status = FollowUpStatus.refused
        follow_up.note = "said no when asked"


def _follow_up(uow: UnitOfWork, conversation: Conversation) -> FollowUp | None:
    audience = audience_of(conversation.respondent_role)
    if conversation.incident_id is None or conversation.contact_id is None or audience is None:
        return None
    return uow.incidents.follow_up_for(
        conversation.incident_id, conversation.person_id, audience, conversation.contact_id
    )

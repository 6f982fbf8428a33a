"""Reviews of an action: asking the same people, or the whole service, again.

A review asks each person once, some weeks after the action: a Telegram send
of the chosen set to their own linked chat, or, with no chat, a check-in that
waits for them on the kiosk and is offered when they next pick themselves.
Someone who took their answers back is not asked. The review then compares
the answers on the action's theme before the action with those since.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Select, select

from bot.sending import QuietHours, SendError, schedule
from checkin.aftercare import AUDIENCE_ROLES
from checkin.question_sets import theme_set_id
from governance.actions import OPEN_STATUSES, ActionError
from governance.audit import record
from governance.withdrawal import usable_conversation, withdrawn_at
from storage.models import (
    Action,
    ActionReview,
    ActionReviewAsk,
    Conversation,
    FollowUpAudience,
    Person,
    Response,
    ResponseTextTheme,
    ResponseTheme,
    ReviewAudience,
    ScheduledSend,
    SendStatus,
)

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

# The people a review asks answer for themselves, alone or with staff helping.
PERSON_ROLES = AUDIENCE_ROLES[FollowUpAudience.person]
MAX_WEEKS = 52
# How far back "before" looks from the day the action was recorded.
BEFORE_DAYS = 90


@dataclass(frozen=True)
class ReviewRequest:
    question_set_id: str
    theme_only: bool
    audience: ReviewAudience
    weeks: int


def schedule_review(
    uow: UnitOfWork,
    actor: str,
    action: Action,
    request: ReviewRequest,
    question_sets: frozenset[str],
    quiet: QuietHours,
    now: datetime,
) -> ActionReview:
    """Plan asking people again ``weeks`` from ``now``; the caller commits.

    Raises:
        ActionError: an unknown set, a set with no question on the theme,
            weeks out of range, or nobody who can be asked; nothing is recorded.
    """
    if not 0 <= request.weeks <= MAX_WEEKS:
        raise ActionError(f"Please give a number of weeks from 0 to {MAX_WEEKS}.")
    set_id = request.question_set_id
    if set_id not in question_sets:
        raise ActionError("Please choose a question set from the list.")
    if request.theme_only:
        set_id = theme_set_id(set_id, action.theme_id)
        if set_id not in question_sets:
            raise ActionError(
                "That question set has no questions on this action's theme. Choose the "
                "whole set, or another set."
            )
    due = now + timedelta(weeks=request.weeks)
    review = ActionReview(
        action_id=action.id,
        question_set_id=set_id,
        theme_only=request.theme_only,
        audience=request.audience,
        weeks=request.weeks,
        due_at=due,
        created_by=actor,
    )
    for person in _audience(uow, action, request.audience):
        if withdrawn_at(uow, person.id, PERSON_ROLES) is not None:
            continue
        review.asks.append(_ask(uow, actor, person, set_id, question_sets, quiet, due))
    if not review.asks:
        raise ActionError(
            "There is nobody to ask: nobody in this audience can be asked again. Choose the "
            "whole service, or link the answers the action was decided on."
        )
    uow.session.add(review)
    uow.session.flush()
    record(
        uow,
        actor,
        "action.review.schedule",
        {
            "action": action.id,
            "review": review.id,
            "question_set": set_id,
            "audience": request.audience.value,
            "weeks": request.weeks,
            "people": len(review.asks),
        },
    )
    return review


def _audience(uow: UnitOfWork, action: Action, audience: ReviewAudience) -> list[Person]:
    query = select(Person).where(Person.service_id == action.service_id).order_by(Person.id)
    if audience == ReviewAudience.same_people:
        query = query.where(Person.id.in_(_people_before(action)))
    return list(uow.session.scalars(query))


def _people_before(action: Action) -> Select[tuple[int]]:
    """The people whose answers the action came from, else who spoke on its theme before it."""
    if action.responses:
        return select(Response.person_id).where(
            Response.id.in_([link.response_id for link in action.responses]),
            Response.respondent_role.in_(PERSON_ROLES),
        )
    start = action.created_at - timedelta(days=BEFORE_DAYS)
    return _on_theme(action, start, action.created_at).with_only_columns(Response.person_id)


def _ask(
    uow: UnitOfWork,
    actor: str,
    person: Person,
    set_id: str,
    question_sets: frozenset[str],
    quiet: QuietHours,
    due: datetime,
) -> ActionReviewAsk:
    """One person's ask: their newest own Telegram chat if they have one, else the kiosk."""
    chats = [
        contact
        for contact in reversed(uow.contacts.for_person(person.id))
        if contact.channel == "telegram" and contact.respondent_role in PERSON_ROLES
    ]
    for contact in chats:
        try:
            send = schedule(uow, contact.id, set_id, question_sets, quiet, actor, due)
        except SendError:
            continue  # this chat cannot be sent to; try the next, else the kiosk
        uow.session.flush()
        return ActionReviewAsk(
            person_id=person.id, channel="telegram", contact_id=contact.id, send_id=send.id
        )
    return ActionReviewAsk(person_id=person.id, channel="kiosk")


def start_review_on_kiosk(
    uow: UnitOfWork, service_id: str, person_ref: str, role: str, now: datetime
) -> str | None:
    """The set of a due review for someone who just picked themselves on a kiosk, if any.

    The review is offered once: it is marked begun here; the caller commits.
    """
    if role not in PERSON_ROLES:
        return None
    found = uow.session.execute(
        select(ActionReviewAsk, ActionReview.question_set_id)
        .join(ActionReview, ActionReview.id == ActionReviewAsk.review_id)
        .join(Action, Action.id == ActionReview.action_id)
        .join(Person, Person.id == ActionReviewAsk.person_id)
        .where(
            Person.service_id == service_id,
            Person.ref == person_ref,
            ActionReviewAsk.channel == "kiosk",
            ActionReviewAsk.started_at.is_(None),
            ActionReview.due_at <= now,
            # A done or dropped action asks nobody any more.
            Action.status.in_(OPEN_STATUSES),
        )
        .order_by(ActionReview.due_at, ActionReviewAsk.id)
        .limit(1)
    ).first()
    if found is None:
        return None
    ask, set_id = found
    ask.started_at = now
    record(uow, "covoice-kiosk", "action.review.kiosk_begun", {"review": ask.review_id})
    return set_id


@dataclass(frozen=True)
class Tally:
    """The answers on a theme in one window: how many gave each answer, and who."""

    # Answer value (good, okay, bad, yes, ...) -> how many answers gave it.
    answers: dict[str, int]
    # Answers on the theme in words only, with no button pressed.
    words: int
    people: int

    @property
    def rated(self) -> int:
        return sum(self.answers.values())


@dataclass(frozen=True)
class Comparison:
    before: Tally
    after: Tally
    before_from: datetime
    before_to: datetime
    after_from: datetime
    asked: int
    # Telegram sends that went, and kiosk check-ins begun.
    reached: int


def compare(uow: UnitOfWork, review: ActionReview, action: Action, now: datetime) -> Comparison:
    """The answers on the action's theme by the people asked: before the action, and since."""
    people = [ask.person_id for ask in review.asks]
    start = action.created_at - timedelta(days=BEFORE_DAYS)
    before = _tally(uow, _on_theme(action, start, action.created_at), people)
    after = _tally(uow, _on_theme(action, review.due_at, now + timedelta(seconds=1)), people)
    reached = sum(
        1
        for ask in review.asks
        if ask.started_at is not None or (ask.send_id is not None and _sent(uow, ask))
    )
    return Comparison(before, after, start, action.created_at, review.due_at, len(people), reached)


def _on_theme(action: Action, start: datetime, end: datetime) -> Select[tuple[str | None, int]]:
    """Usable answers in the action's service on its theme, from ``start`` up to ``end``."""
    on_theme = (
        select(ResponseTheme.response_id)
        .where(ResponseTheme.theme_id == action.theme_id)
        .union(
            select(ResponseTextTheme.response_id).where(
                ResponseTextTheme.theme_id == action.theme_id
            )
        )
    )
    return (
        select(Response.answer_value, Response.person_id)
        .join(Conversation, Conversation.id == Response.conversation_id)
        .where(
            Response.service_id == action.service_id,
            # The people's own answers (alone or with staff helping), not their family's.
            Response.respondent_role.in_(PERSON_ROLES),
            Response.created_at >= start,
            Response.created_at < end,
            Response.id.in_(on_theme),
            usable_conversation(),
        )
    )


def _tally(
    uow: UnitOfWork, query: Select[tuple[str | None, int]], people: Collection[int]
) -> Tally:
    answers: dict[str, int] = {}
    words = 0
    who: set[int] = set()
    for value, person_id in uow.session.execute(query.where(Response.person_id.in_(people))):
        who.add(person_id)
        if value is None:
            words += 1
        else:
            answers[value] = answers.get(value, 0) + 1
    return Tally(answers, words, len(who))


def _sent(uow: UnitOfWork, ask: ActionReviewAsk) -> bool:
    send = uow.session.get(ScheduledSend, ask.send_id)
    return send is not None and send.status == SendStatus.sent

"""GET /actions and /actions/{id}: the action log, and one action with its reviews.

Rows are found by the action log's own code (``bot.dashboard.actions``,
``governance.actions``); each review's before/after is
``governance.reviews.compare``, with the counts behind every share. Admins and
managers also read the words of the answers an action was decided on; a viewer
gets only how many there were.
"""

# No `from __future__ import annotations`: FastAPI reads each endpoint's
# `Depends(caller)` from its annotations, and `caller` is a local name here.
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from bot.dashboard.access import Dashboard, actor
from bot.dashboard.action_pages import WORDS_SHOWN, linked_words
from bot.dashboard.actions import status_problem, visible_action
from bot.dashboard_api.auth import Caller
from bot.dashboard_api.errors import ALWAYS, ApiError, error_responses
from bot.dashboard_api.unseen import unseen_row
from covoice.taxonomy import Taxonomy
from governance import audit
from governance.actions import actions_for, age_in_days, days_overdue
from governance.reviews import Tally, compare
from governance.service_days import stored_utc
from storage.models import Action, ActionReview, ActionStatus, utcnow
from storage.unit_of_work import UnitOfWork

LIST_HINT = "List the ones you can see with GET /api/v1/actions."
STATUSES = ", ".join(status.value for status in ActionStatus)

Status = Annotated[
    str, Query(max_length=200, description=f"Only actions in this status: {STATUSES}")
]


class ActionListed(BaseModel):
    id: int
    service_id: str
    theme_id: str
    theme: str = Field(description="The theme's label")
    title: str
    owner: str | None = Field(description="Null for a viewer: staff names are not shown")
    due_on: date
    status: str
    age_days: int = Field(description="Days since it was recorded")
    overdue_days: int = Field(description="Days past its due day while still open; 0 if not")
    linked_answers: int = Field(description="How many answers it was decided on")
    review_count: int = Field(description="How many reviews are scheduled")


class ActionsOut(BaseModel):
    status: str | None = Field(description="The status filter, if one was given")
    actions: list[ActionListed] = Field(description="Soonest due first")


class TallyOut(BaseModel):
    answers: dict[str, int] = Field(description="How many gave each answer, e.g. good: 3")
    rated: int = Field(description="Answers given by pressing a button")
    words_only: int = Field(description="Answers on the theme in words only")
    people: int = Field(description="How many of the people asked answered on the theme")


class ReviewOut(BaseModel):
    id: int
    question_set_id: str
    theme_only: bool = Field(description="Just the set's questions on the action's theme")
    audience: str = Field(description="same_people or service")
    weeks: int
    due_at: datetime = Field(description="When the asking begins, in UTC")
    asked: int = Field(description="How many people are asked")
    by_telegram: int
    on_kiosk: int
    reached: int = Field(description="Telegram sends that went, and kiosk check-ins begun")
    before_from: datetime
    before_to: datetime = Field(description="When the action was recorded")
    after_from: datetime = Field(description="Since the review's due time")
    before: TallyOut
    after: TallyOut


class LinkedWordsOut(BaseModel):
    answered_at: datetime
    words: str


class ActionOut(ActionListed):
    decision: str | None = Field(description="What was agreed and why; null for a viewer")
    risks: str | None = Field(
        description="The risks, and why the change is proportionate; null for a viewer"
    )
    change: str | None = Field(description="What changes in day-to-day practice; null for a viewer")
    created_at: datetime
    created_by: str | None
    updated_at: datetime | None
    linked_words: list[LinkedWordsOut] | None = Field(
        description=f"The words of the first {WORDS_SHOWN} linked answers that have words, "
        "oldest first; null for a viewer"
    )
    reviews: list[ReviewOut] = Field(description="Each review, oldest first")


def actions_routes(dashboard: Dashboard, caller: Callable[..., Caller]) -> APIRouter:
    router = APIRouter(tags=["actions"])

    @router.get("/actions", response_model=ActionsOut, responses=error_responses(*ALWAYS))
    def actions(
        request: Request, who: Annotated[Caller, Depends(caller)], status: Status = ""
    ) -> ActionsOut:
        """The action log of the caller's services, soonest due first."""
        status = status.strip()[:16]
        problem = status_problem(status)
        if problem is not None:
            raise ApiError(
                400,
                "bad_filter",
                "The filter could not be used. Please correct what is listed and try again.",
                [problem],
            )
        with dashboard.store(request)() as uow:
            found = actions_for(uow, who.viewer.services, status or None)
            today, now = date.today(), utcnow()
            words = who.viewer.role != "viewer"
            listed = [_listed(a, dashboard.taxonomy, today, now, words) for a in found]
            audit.record(
                uow,
                actor(who.viewer),
                "api.actions.view",
                {"status": status or None, "rows": len(listed), "via": who.via},
            )
            uow.commit()
        return ActionsOut(status=status or None, actions=listed)

    @router.get(
        "/actions/{action_id}",
        response_model=ActionOut,
        responses=error_responses(404, *ALWAYS),
    )
    def action(
        request: Request, who: Annotated[Caller, Depends(caller)], action_id: str
    ) -> ActionOut:
        """One action: its decision, change, linked answers and each review's before/after."""
        words = who.viewer.role != "viewer"
        with dashboard.store(request)() as uow:
            found = visible_action(uow, who.viewer, action_id)
            if found is None:
                raise unseen_row(uow, who, "action", action_id, LIST_HINT)
            shown = _action_out(uow, found, dashboard.taxonomy, words)
            audit.record(
                uow,
                actor(who.viewer),
                "api.action.view",
                {"action": found.id, "words": words, "via": who.via},
            )
            uow.commit()
        return shown

    return router


def _theme_label(taxonomy: Taxonomy, theme_id: str) -> str:
    theme = taxonomy.themes.get(theme_id)
    return theme.label if theme is not None else theme_id


def _listed(
    action: Action, taxonomy: Taxonomy, today: date, now: datetime, words: bool
) -> ActionListed:
    return ActionListed(
        id=action.id,
        service_id=action.service_id,
        theme_id=action.theme_id,
        theme=_theme_label(taxonomy, action.theme_id),
        title=action.title,
        owner=action.owner if words else None,
        due_on=action.due_on,
        status=action.status.value,
        age_days=age_in_days(action, now),
        overdue_days=days_overdue(action, today),
        linked_answers=len(action.responses),
        review_count=len(action.reviews),
    )


def _action_out(uow: UnitOfWork, action: Action, taxonomy: Taxonomy, words: bool) -> ActionOut:
    now = utcnow()
    listed = _listed(action, taxonomy, date.today(), now, words)
    quoted = None
    if words:
        quoted = [
            LinkedWordsOut(answered_at=stored_utc(answer.created_at), words=answer.free_text or "")
            for answer in linked_words(uow, action)
        ]
    return ActionOut(
        **listed.model_dump(),
        decision=action.decision if words else None,
        risks=action.risks if words else None,
        change=action.change if words else None,
        created_at=stored_utc(action.created_at),
        created_by=action.created_by.removeprefix("dashboard:") if words else None,
        updated_at=stored_utc(action.updated_at) if action.updated_at else None,
        linked_words=quoted,
        reviews=[_review_out(uow, review, action, now) for review in action.reviews],
    )


def _review_out(uow: UnitOfWork, review: ActionReview, action: Action, now: datetime) -> ReviewOut:
    result = compare(uow, review, action, now)
    by_telegram = sum(1 for ask in review.asks if ask.channel == "telegram")
    return ReviewOut(
        id=review.id,
        question_set_id=review.question_set_id,
        theme_only=review.theme_only,
        audience=review.audience.value,
        weeks=review.weeks,
        due_at=stored_utc(review.due_at),
        asked=result.asked,
        by_telegram=by_telegram,
        on_kiosk=result.asked - by_telegram,
        reached=result.reached,
        before_from=stored_utc(result.before_from),
        before_to=stored_utc(result.before_to),
        after_from=stored_utc(result.after_from),
        before=_tally(result.before),
        after=_tally(result.after),
    )


def _tally(tally: Tally) -> TallyOut:
    return TallyOut(
        answers=dict(tally.answers), rated=tally.rated, words_only=tally.words, people=tally.people
    )

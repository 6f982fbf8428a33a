"""The action log's own rows for API tests: an action in each service, one with a review.

Seeded beside ``tests.dashboard_rows`` (two services, their answers and users):
oak-house's action was decided on maria-oak's "good" answer on safety of
10 March 2026; its review asked her again from 25 March, and she answered
"bad" since. elm-lodge's action has no review and is not due yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from storage.models import (
    Action,
    ActionResponse,
    ActionReview,
    ActionReviewAsk,
    ActionStatus,
    Response,
    ReviewAudience,
)
from storage.unit_of_work import UnitOfWork
from tests.integration.governance_rows import add_conversation, add_response

OAK_DECISION = "Night staff check the garden door, because people said they feel unsafe."
RECORDED = datetime(2026, 3, 20, 9, 0, tzinfo=timezone.utc)
REVIEW_DUE = datetime(2026, 3, 25, 9, 0, tzinfo=timezone.utc)
OVERDUE_DAYS = 3


@dataclass(frozen=True)
class ActionIds:
    oak: int
    elm: int


def seed_actions(uow: UnitOfWork) -> ActionIds:
    """Two actions, oak-house's overdue and reviewed. Needs ``seed_dashboard`` first."""
    linked = uow.session.scalars(
        select(Response.id).where(
            Response.service_id == "oak-house", Response.question_id == "one_change"
        )
    ).one()
    oak = _action(uow, "oak-house", "safety", date.today() - timedelta(days=OVERDUE_DAYS))
    oak.decision = OAK_DECISION
    oak.responses = [ActionResponse(response_id=linked)]
    maria = uow.people.get_or_add("oak-house", "maria-oak")
    oak.reviews = [
        ActionReview(
            question_set_id="fixture_checkin",
            theme_only=True,
            audience=ReviewAudience.same_people,
            weeks=0,
            due_at=REVIEW_DUE,
            created_by="dashboard:mo-oak",
            asks=[ActionReviewAsk(person_id=maria.id, channel="kiosk", started_at=REVIEW_DUE)],
        )
    ]
    again = add_conversation(uow, "conv-oak-again", "maria-oak", "oak-house")
    add_response(uow, again, "feel_safe", REVIEW_DUE + timedelta(days=3), "bad", None, ("safety",))
    elm = _action(uow, "elm-lodge", "home_environment", date.today() + timedelta(days=30))
    uow.session.flush()
    return ActionIds(oak.id, elm.id)


def _action(uow: UnitOfWork, service_id: str, theme_id: str, due_on: date) -> Action:
    action = Action(
        service_id=service_id,
        theme_id=theme_id,
        title=f"Act on what people said at {service_id}",
        decision="Agreed at the team meeting.",
        risks="",
        change="Staff do it differently from Monday.",
        owner="Team leader",
        due_on=due_on,
        status=ActionStatus.open,
        created_at=RECORDED,
        created_by=f"dashboard:{'mo-oak' if service_id == 'oak-house' else 'bea-elm'}",
    )
    uow.session.add(action)
    uow.session.flush()
    return action

"""The action log: what was decided on what people said, and what changes because of it.

An action belongs to one service and one theme. It may name the answers it
was decided on (the input of its evidence chain); its reviews ask people
again (``governance.reviews``). Every change is audited.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from governance.audit import record
from governance.errors import GovernanceError
from governance.withdrawal import usable_conversation
from storage.models import Action, ActionResponse, ActionStatus, Conversation, Response, utcnow

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

# Statuses an action is still being worked on in; only these can be overdue.
OPEN_STATUSES = (ActionStatus.open, ActionStatus.in_progress)
LIMITS = {"title": 200, "decision": 4000, "risks": 4000, "change": 4000, "owner": 100}


class ActionError(GovernanceError):
    """An action cannot be recorded or changed as asked; the message says why."""


@dataclass(frozen=True)
class ActionDraft:
    """What a manager writes down when recording an action."""

    service_id: str
    theme_id: str
    title: str
    # What was agreed and why.
    decision: str
    # The risks and why the change is proportionate to them.
    risks: str
    # What changes in day-to-day practice.
    change: str
    owner: str
    due_on: date
    response_ids: tuple[int, ...] = ()

    def problems(self, themes: Collection[str]) -> list[str]:
        """Everything wrong with the draft, in plain words."""
        found = []
        for name, label in (
            ("title", "a short title"),
            ("decision", "what was agreed and why"),
            ("change", "what changes in day-to-day practice"),
            ("owner", "who owns the action"),
        ):
            if not getattr(self, name).strip():
                found.append(f"Please write {label}.")
        for name, limit in LIMITS.items():
            if len(getattr(self, name)) > limit:
                found.append(f"The {name} is longer than {limit} characters; please shorten it.")
        if self.theme_id not in themes:
            found.append("Please choose the theme the action is about.")
        return found


def record_action(
    uow: UnitOfWork, actor: str, draft: ActionDraft, themes: Collection[str]
) -> Action:
    """Record a new action; the caller commits.

    Raises:
        ActionError: the draft is incomplete, or names answers that are not
            its service's (or do not exist); nothing is recorded.
    """
    problems = draft.problems(themes)
    if draft.response_ids:
        found = set(
            uow.session.scalars(
                select(Response.id)
                .join(Conversation, Conversation.id == Response.conversation_id)
                .where(
                    Response.id.in_(draft.response_ids),
                    Response.service_id == draft.service_id,
                    usable_conversation(),
                )
            )
        )
        if found != set(draft.response_ids):
            problems.append(
                "Some of the chosen answers are not from this service, or were taken back by "
                "the person. Choose the answers again from the responses page, filtered to "
                "one service."
            )
    if problems:
        raise ActionError(" ".join(problems))
    action = Action(
        service_id=draft.service_id,
        theme_id=draft.theme_id,
        title=draft.title.strip(),
        decision=draft.decision.strip(),
        risks=draft.risks.strip(),
        change=draft.change.strip(),
        owner=draft.owner.strip(),
        due_on=draft.due_on,
        created_by=actor,
        responses=[ActionResponse(response_id=i) for i in sorted(set(draft.response_ids))],
    )
    uow.session.add(action)
    uow.session.flush()
    record(
        uow,
        actor,
        "action.record",
        {
            "action": action.id,
            "service": action.service_id,
            "theme": action.theme_id,
            "responses": len(action.responses),
        },
    )
    return action


def set_status(uow: UnitOfWork, actor: str, action: Action, status: str) -> None:
    """Move an action on (open, in progress, done or dropped); the caller commits.

    Raises:
        ActionError: an unknown status.
    """
    try:
        new = ActionStatus(status)
    except ValueError:
        raise ActionError(
            "Please choose a status: " + ", ".join(label(s) for s in ActionStatus) + "."
        ) from None
    if new == action.status:
        return
    before, action.status = action.status, new
    action.updated_at, action.updated_by = utcnow(), actor
    record(
        uow,
        actor,
        "action.status",
        {"action": action.id, "from": before.value, "to": new.value},
    )


def actions_for(
    uow: UnitOfWork, services: Collection[str] | None, status: str | None = None
) -> Sequence[Action]:
    """The actions of these services (None: every service), soonest due first."""
    query = select(Action).order_by(Action.due_on, Action.id)
    if services is not None:
        query = query.where(Action.service_id.in_(list(services)))
    if status:
        query = query.where(Action.status == ActionStatus(status))
    return list(uow.session.scalars(query))


def days_overdue(action: Action, today: date) -> int:
    """How many days past its due day an unfinished action is (0 if it is not)."""
    if action.status not in OPEN_STATUSES:
        return 0
    return max(0, (today - action.due_on).days)


def age_in_days(action: Action, now: datetime) -> int:
    created = action.created_at
    if created.tzinfo is None:  # SQLite hands back naive UTC
        created = created.replace(tzinfo=now.tzinfo)
    return max(0, (now - created).days)


def label(status: ActionStatus) -> str:
    return status.value.replace("_", " ").capitalize()

"""Follow-ups after an incident: planned, sent, answered, or not reached.

A follow-up goes to each linked Telegram contact of the person (or of their
family) as a scheduled send of the right question set, naming the incident.
Someone with no Telegram contact gets it on the kiosk instead: it waits until
they next pick themselves on a kiosk of their service, and is offered first.
A follow-up nobody answers is sent once more after the resend time, and
after that time again it is shown as not reached. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.sending import QuietHours, SendError, schedule
from checkin.aftercare import AUDIENCE_ROLES, audience_of
from covoice.settings import Settings
from governance.audit import record
from governance.errors import GovernanceError
from governance.service_days import stored_utc
from governance.withdrawal import withdrawn_at
from storage.models import (
    Contact,
    FollowUp,
    FollowUpAudience,
    FollowUpStatus,
    Incident,
    Person,
    SendStatus,
)

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

# Who the audit log says moved a follow-up on by itself.
WATCHER = "covoice-follow-ups"


class FollowUpError(GovernanceError):
    """A follow-up cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class FollowUpPlan:
    """What follow-ups are made with: the loaded sets, which one each audience gets, quiet hours."""

    question_sets: frozenset[str]
    person_set: str
    family_set: str
    quiet: QuietHours

    def set_for(self, audience: FollowUpAudience) -> str:
        return self.person_set if audience == FollowUpAudience.person else self.family_set


def follow_up_plan(settings: Settings, question_sets: frozenset[str]) -> FollowUpPlan:
    """What incident follow-ups are made with, from the settings and the sets loaded."""
    return FollowUpPlan(
        question_sets=question_sets,
        person_set=settings.incident_person_set,
        family_set=settings.incident_family_set,
        quiet=QuietHours.parse(settings.quiet_hours),
    )


def plan_follow_ups(
    uow: UnitOfWork,
    actor: str,
    incident: Incident,
    people: Sequence[Person],
    audiences: Sequence[str],
    at: datetime,
    plan: FollowUpPlan,
) -> list[FollowUp]:
    """Plan the follow-ups of an incident for each person and audience; the caller commits.

    Args:
        uow: the unit of work the incident is being recorded in.
        actor: who asked for them.
        incident: the incident, already with its id.
        people: the people involved.
        audiences: "person", "family", or both.
        at: when to ask (UTC); a Telegram send waits for the end of quiet hours.
        plan: the sets and quiet hours.

    Returns:
        The follow-ups made.

    Raises:
        FollowUpError: a set is not loaded, or someone cannot be asked (they
            withdrew their consent); the message says who and why.
    """
    made: list[FollowUp] = []
    for audience in (FollowUpAudience(name) for name in audiences):
        question_set = plan.set_for(audience)
        if question_set not in plan.question_sets:
            raise FollowUpError(
                f"The question set '{question_set}' for {audience.value} follow-ups is not "
                f"loaded. Add it to the question sets folder, or set "
                f"COVOICE_INCIDENT_{audience.value.upper()}_SET to a set that is."
            )
        for person in people:
            made += _for_person(uow, actor, incident, person, audience, question_set, at, plan)
    return made


def _for_person(
    uow: UnitOfWork,
    actor: str,
    incident: Incident,
    person: Person,
    audience: FollowUpAudience,
    question_set: str,
    at: datetime,
    plan: FollowUpPlan,
) -> list[FollowUp]:
    roles = AUDIENCE_ROLES[audience]
    contacts = [
        contact
        for contact in uow.contacts.for_person(person.id)
        if contact.channel == "telegram" and contact.respondent_role in roles
    ]
    who = f"{person.ref}'s family" if audience == FollowUpAudience.family else person.ref
    made = []
    for contact in contacts:
        try:
            send = schedule(
                uow,
                contact.id,
                question_set,
                plan.question_sets,
                plan.quiet,
                actor,
                at,
                incident.id,
            )
        except SendError as error:
            raise FollowUpError(
                f"Cannot follow up {who} on Telegram (contact {contact.id}): {error} "
                "Nothing was recorded; leave that follow-up out and try again."
            ) from None
        made.append(
            _add(
                uow, actor, incident, person, audience, question_set, send.due_at, contact, send.id
            )
        )
    if not contacts:
        withdrawn = withdrawn_at(uow, person.id, roles)
        if withdrawn is not None:
            raise FollowUpError(
                f"Cannot follow up {who}: they withdrew their consent on "
                f"{withdrawn:%Y-%m-%d}, so they are not asked again unless they start a "
                "check-in themselves. Nothing was recorded; leave that follow-up out."
            )
        made.append(_add(uow, actor, incident, person, audience, question_set, at, None, None))
    return made


def _add(
    uow: UnitOfWork,
    actor: str,
    incident: Incident,
    person: Person,
    audience: FollowUpAudience,
    question_set: str,
    due_at: datetime,
    contact: Contact | None,
    send_id: int | None,
) -> FollowUp:
    follow_up = FollowUp(
        incident_id=incident.id,
        person_id=person.id,
        audience=audience,
        channel=contact.channel if contact is not None else "kiosk",
        contact_id=contact.id if contact is not None else None,
        question_set_id=question_set,
        due_at=due_at,
        send_id=send_id,
        created_by=actor,
    )
    uow.incidents.add_follow_up(follow_up)
    return follow_up


def waiting_on_kiosk(
    uow: UnitOfWork, service_id: str, person_ref: str, role: str, now: datetime
) -> FollowUp | None:
    """The follow-up to offer first to someone who just picked themselves on a kiosk.

    Args:
        uow: a unit of work.
        service_id: the kiosk's service.
        person_ref: the person picked.
        role: who is answering: the person, or their family.
        now: the time (a follow-up due later is not offered yet).

    Returns:
        The due kiosk follow-up for that person and audience, or None.
    """
    person = uow.people.by_ref(service_id, person_ref)
    audience = audience_of(role)
    if person is None or audience is None:
        return None
    return uow.incidents.waiting_on_kiosk(person.id, audience, now)


def watch_follow_ups(
    uow: UnitOfWork, plan: FollowUpPlan, resend_after: timedelta, now: datetime
) -> int:
    """Move follow-ups on: sent when their send went, sent once more when unanswered,
    then not reached. The caller commits.

    Args:
        uow: a unit of work.
        plan: the sets and quiet hours a send once more is made with.
        resend_after: how long an unanswered follow-up waits, each time.
        now: the time to judge by.

    Returns:
        How many follow-ups changed.
    """
    changed = 0
    open_states = (FollowUpStatus.planned, FollowUpStatus.sent)
    for follow_up in uow.incidents.follow_ups_in(open_states):
        before = (follow_up.status, follow_up.resent_at)
        _watch(uow, follow_up, plan, resend_after, now)
        if (follow_up.status, follow_up.resent_at) != before:
            changed += 1
            record(
                uow,
                WATCHER,
                f"incident.follow_up.{follow_up.status.value}",
                {
                    "incident": follow_up.incident_id,
                    "follow_up": follow_up.id,
                    "resent": follow_up.resent_at is not None,
                    "note": follow_up.note,
                },
            )
    return changed


def _watch(
    uow: UnitOfWork,
    follow_up: FollowUp,
    plan: FollowUpPlan,
    resend_after: timedelta,
    now: datetime,
) -> None:
    send = uow.sends.get(follow_up.send_id) if follow_up.send_id is not None else None
    if follow_up.status == FollowUpStatus.planned and send is not None:
        if send.status == SendStatus.sent:
            follow_up.status = FollowUpStatus.sent
            follow_up.sent_at = follow_up.sent_at or send.sent_at
        elif send.status == SendStatus.failed:
            follow_up.status = FollowUpStatus.not_reached
            follow_up.note = f"the message could not be delivered ({send.last_error})"
            return
    if follow_up.resent_at is not None:
        if stored_utc(follow_up.resent_at) + resend_after <= now:
            follow_up.status = FollowUpStatus.not_reached
            follow_up.note = "no answer, after it was sent twice"
        return
    if follow_up.status != FollowUpStatus.sent or follow_up.sent_at is None:
        return
    if stored_utc(follow_up.sent_at) + resend_after > now:
        return
    if not uow.incidents.mark_resent(follow_up.id, now):
        return  # another app on the store is sending it again
    follow_up.resent_at = now
    if follow_up.contact_id is None:
        follow_up.status = FollowUpStatus.planned  # offered again at the next kiosk visit
        return
    try:
        again = schedule(
            uow,
            follow_up.contact_id,
            follow_up.question_set_id,
            plan.question_sets,
            plan.quiet,
            WATCHER,
            now,
            follow_up.incident_id,
        )
    except SendError as error:
        follow_up.status = FollowUpStatus.not_reached
        follow_up.note = f"not sent again: {error}"
        return
    follow_up.send_id = again.id

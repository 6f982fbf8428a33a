"""The demo's incidents, safeguarding alerts and actions, made with the store's models.

Nothing here waits to be sent: every alert has been acknowledged and its
notice delivered, and every Telegram send has gone, so a running app never
tries to reach the demo's made-up leads and families.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from checkin.question_sets import QuestionSet
from governance.demo_answers import Checkins, Respondent, checkin_between
from governance.demo_words import CONCERNS, INCIDENTS
from storage.models import (
    Action,
    ActionResponse,
    ActionReview,
    ActionReviewAsk,
    ActionStatus,
    AlertNotice,
    AlertStatus,
    FollowUp,
    FollowUpAudience,
    FollowUpStatus,
    InboundMessage,
    InboundStatus,
    Incident,
    IncidentPerson,
    IncidentType,
    NoticeMedium,
    NoticeStatus,
    Response,
    ResponseTextTheme,
    ResponseTheme,
    ReviewAudience,
    SafeguardingAlert,
    SafeguardingLead,
    ScheduledSend,
    SendStatus,
    UpdateOwed,
)

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

MANAGERS = {
    "demo-oak-view": "Helen Price",
    "demo-riverside": "Marcus Reid",
    "demo-maple-court": "Joy Okafor",
}
CREATED_BY = "dashboard:demo-manager"


def add_incidents(
    uow: UnitOfWork, plan: Checkins, person_set: QuestionSet, family_set: QuestionSet
) -> None:
    """Four incidents with their follow-ups: answered, not reached, refused, waiting, planned."""
    # (service, days ago, follow-ups: (audience, status, days after), update owed state)
    stories = (
        ("demo-riverside", 20, (("person", "answered", 4), ("family", "not_reached", 4)), "owed"),
        ("demo-oak-view", 45, (("person", "answered", 3), ("family", "answered", 3)), "given"),
        ("demo-maple-court", 8, (("family", "refused", 3), ("person", "sent", 3)), None),
        ("demo-riverside", 2, (("person", "planned", 3),), None),
    )
    for (kind, summary, notifiable), (service_id, days_ago, follow_ups, owed) in zip(
        INCIDENTS, stories, strict=True
    ):
        occurred = plan.now - timedelta(days=days_ago, hours=plan.rng.randint(1, 10))
        person = _someone_with_family(plan, service_id)
        incident = Incident(
            service_id=service_id,
            occurred_at=occurred,
            type=IncidentType(kind),
            summary=summary,
            notifiable=notifiable,
            created_at=occurred + timedelta(hours=2),
            created_by=CREATED_BY,
            person_told_at=occurred + timedelta(hours=3) if notifiable else None,
            family_told_at=occurred + timedelta(hours=5) if notifiable else None,
            apology_at=occurred + timedelta(hours=5) if notifiable else None,
            apology_by=MANAGERS[service_id] if notifiable else None,
            written_at=occurred + timedelta(days=2) if notifiable else None,
            people=[IncidentPerson(person_id=person.person_id)],
        )
        uow.session.add(incident)
        uow.session.flush()
        for audience, status, days_after in follow_ups:
            follow_up = _follow_up(
                uow,
                plan,
                incident,
                _respondent_for(plan, person, audience),
                person_set if audience == "person" else family_set,
                FollowUpStatus(status),
                occurred + timedelta(days=days_after),
            )
            if owed and follow_up.status is FollowUpStatus.answered and audience == "person":
                _update_owed(uow, person_set, incident, follow_up, person, given=owed == "given")


def _someone_with_family(plan: Checkins, service_id: str) -> Respondent:
    families = {r.person_id for r in plan.respondents if r.role == "family"}
    kiosk = [
        r
        for r in plan.respondents
        if r.service_id == service_id and r.role == "person" and r.channel == "kiosk"
    ]
    with_family = [r for r in kiosk if r.person_id in families]
    return plan.rng.choice(with_family or kiosk)


def _respondent_for(plan: Checkins, person: Respondent, audience: str) -> Respondent:
    if audience == "person":
        return person
    family = [r for r in plan.respondents if r.person_id == person.person_id and r.role == "family"]
    return family[0] if family else replace(person, role="family")


def _follow_up(
    uow: UnitOfWork,
    plan: Checkins,
    incident: Incident,
    respondent: Respondent,
    question_set: QuestionSet,
    status: FollowUpStatus,
    due: datetime,
) -> FollowUp:
    reached = status not in (FollowUpStatus.planned,)
    send = None
    if respondent.contact_id is not None and reached:
        send = ScheduledSend(
            contact_id=respondent.contact_id,
            question_set_id=question_set.id,
            requested_for=due,
            due_at=due,
            status=SendStatus.sent,
            attempts=1,
            sent_at=due,
            created_at=incident.created_at,
            created_by=CREATED_BY,
            incident_id=incident.id,
        )
        uow.session.add(send)
        uow.session.flush()
    conversation_id = None
    answered_at = None
    if status is FollowUpStatus.answered:
        answered_at = due + timedelta(hours=plan.rng.randint(1, 20))
        follow_plan = replace(plan, question_set=question_set)
        conversation_id = checkin_between(
            uow, follow_plan, respondent, answered_at, incident_id=incident.id
        )
    follow_up = FollowUp(
        incident_id=incident.id,
        person_id=respondent.person_id,
        audience=FollowUpAudience(respondent.role if respondent.role == "family" else "person"),
        channel=respondent.channel,
        contact_id=respondent.contact_id,
        question_set_id=question_set.id,
        due_at=due if reached else plan.now + timedelta(days=1),
        status=status,
        send_id=send.id if send else None,
        conversation_id=conversation_id,
        sent_at=due if reached else None,
        answered_at=answered_at,
        note={
            FollowUpStatus.not_reached: "No answer on Telegram after two tries.",
            FollowUpStatus.refused: "Said they had already talked it through with the manager.",
        }.get(status),
        created_at=incident.created_at,
        created_by=CREATED_BY,
    )
    uow.session.add(follow_up)
    uow.session.flush()
    return follow_up


def _update_owed(
    uow: UnitOfWork,
    question_set: QuestionSet,
    incident: Incident,
    follow_up: FollowUp,
    person: Respondent,
    given: bool,
) -> None:
    """The promise an answer made to hear more within some days, given or still owed."""
    promising = [
        (question.id, option.value, option.update_owed_days)
        for question in question_set.spec.questions
        for option in question.options
        if option.update_owed_days
    ]
    answers = uow.session.scalars(
        select(Response).where(Response.conversation_id == follow_up.conversation_id)
    ).all()
    answer = next((a for a in answers if promising and a.question_id == promising[0][0]), None)
    if answer is None:
        return
    answer.answer_value, days = promising[0][1], promising[0][2] or 7
    asked = answer.created_at
    uow.session.add(
        UpdateOwed(
            incident_id=incident.id,
            follow_up_id=follow_up.id,
            contact_id=person.contact_id,
            person_id=person.person_id,
            respondent_role=person.role,
            response_id=answer.id,
            asked_at=asked,
            due_at=asked + timedelta(days=days),
            given_at=asked + timedelta(days=days - 2) if given else None,
            given_by=MANAGERS[incident.service_id] if given else None,
            note="Told them about the new night checks and the sensor mat." if given else None,
        )
    )


def add_alerts(uow: UnitOfWork, plan: Checkins) -> None:
    """A lead for each service, and the concerns people raised, each acknowledged."""
    leads = {}
    for service_id, name in MANAGERS.items():
        lead = SafeguardingLead(
            service_id=service_id,
            position=1,
            name=name,
            email=f"{name.split()[0].lower()}@brightwater.example",
            added_at=plan.start,
            added_by=CREATED_BY,
        )
        uow.session.add(lead)
        leads[service_id] = lead
    uow.session.flush()
    services = list(MANAGERS)
    for number, (words, category, voice) in enumerate(CONCERNS):
        service_id = services[number % len(services)]
        speakers = [
            r
            for r in plan.respondents
            if r.service_id == service_id and (r.role == "family") == (voice == "family")
        ]
        respondent = plan.rng.choice(speakers or plan.respondents[:1])
        raised = plan.now - timedelta(days=3 + 29 * number, hours=plan.rng.randint(0, 8))
        conversation_id = checkin_between(
            uow, plan, respondent, raised - timedelta(minutes=4), frozenset({"safety"})
        )
        inbound = InboundMessage(
            sender_id=respondent.sender_id or f"kiosk:demo:{number}",
            message_id=f"demo-concern-{number}",
            channel=respondent.channel,
            service_id=service_id,
            contact_id=respondent.contact_id,
            conversation_id=conversation_id,
            text=words,
            status=InboundStatus.answered,
            received_at=raised,
        )
        uow.session.add(inbound)
        uow.session.add(_said(plan, respondent, conversation_id, words, raised))
        uow.session.flush()
        lead = leads[service_id]
        closed = number % 2 == 1
        acknowledged = raised + timedelta(minutes=plan.rng.randint(6, 50))
        alert = SafeguardingAlert(
            raised_at=raised,
            status=AlertStatus.closed if closed else AlertStatus.acknowledged,
            status_changed_at=acknowledged + timedelta(days=2) if closed else acknowledged,
            category=category,
            confidence=round(0.78 + plan.rng.random() * 0.2, 4),
            words=words,
            channel=respondent.channel,
            service_id=service_id,
            person_id=respondent.person_id,
            contact_id=respondent.contact_id,
            conversation_id=conversation_id,
            inbound_message_id=inbound.id,
            acknowledged_at=acknowledged,
            acknowledged_by=lead.name,
            acknowledged_lead_id=lead.id,
        )
        uow.session.add(alert)
        uow.session.flush()
        uow.session.add(
            AlertNotice(
                alert_id=alert.id,
                lead_id=lead.id,
                medium=NoticeMedium.email,
                round=0,
                status=NoticeStatus.sent,
                attempts=1,
                due_at=raised,
                sent_at=raised + timedelta(seconds=20),
                created_at=raised,
            )
        )


def _said(
    plan: Checkins, respondent: Respondent, conversation_id: str, words: str, at: datetime
) -> Response:
    """The concern as the answer to the set's "what makes you feel unsafe?" follow-up."""
    asked = next(
        (q for q in plan.question_set.spec.questions if "safety" in q.themes and q.follow_up),
        plan.question_set.first,
    )
    reading = plan.readings.get(words)
    return Response(
        conversation_id=conversation_id,
        provider_id=respondent.provider_id,
        service_id=respondent.service_id,
        person_id=respondent.person_id,
        respondent_role=respondent.role,
        question_set_id=plan.question_set.id,
        question_id=asked.follow_up.id if asked.follow_up else asked.id,
        free_text=words,
        channel=respondent.channel,
        source_message_id="concern",
        cqc_statements=list(asked.cqc),
        created_at=at,
        theme_confidence=reading.confidence if reading else None,
        themes=[ResponseTheme(theme_id=theme) for theme in asked.themes],
        text_themes=[ResponseTextTheme(theme_id=t) for t in (reading.themes if reading else ())],
    )


def add_actions(uow: UnitOfWork, plan: Checkins) -> None:
    """Three actions: one on a theme getting worse, one done and reviewed, one overdue."""
    today = plan.now.date()
    _action(
        uow,
        plan,
        "demo-riverside",
        "staff_consistency",
        "Same faces on every shift",
        decision="People and families say they see new agency staff every day and wait for "
        "help. Agreed at the team meeting: block-book two regular agency workers and put "
        "each person's key worker on the rota at least four days a week.",
        risks="Costs more this quarter; agreed with the director as proportionate to the "
        "risk of people being left waiting.",
        change="A weekly rota that names each person's key worker; agency staff read a "
        "one-page profile before a shift.",
        created=plan.now - timedelta(days=20),
        due=today + timedelta(days=28),
        status=ActionStatus.in_progress,
    )
    done = _action(
        uow,
        plan,
        "demo-oak-view",
        "activities_community",
        "Get people out again at weekends",
        decision="People said there was nothing to do and outings had stopped since the "
        "minibus went. Agreed with tenants' meeting: a weekly outing each person chooses.",
        risks="Needs a driver on Saturdays; two staff trained to drive the hired car.",
        change="Each tenant picks an outing at the Monday meeting; the Saturday shift has "
        "a driver.",
        created=plan.start + timedelta(days=75),
        due=(plan.start + timedelta(days=100)).date(),
        status=ActionStatus.done,
    )
    _review(uow, plan, done, weeks=6)
    _action(
        uow,
        plan,
        "demo-maple-court",
        "communication",
        "Tell families about changes the same day",
        decision="Families said they heard about changes days later. Agreed: the shift lead "
        "phones or messages the family the same day.",
        risks="None beyond time on shift.",
        change="A same-day call list kept at the office, checked at handover.",
        created=plan.now - timedelta(days=40),
        due=today - timedelta(days=10),
        status=ActionStatus.open,
    )


def _action(
    uow: UnitOfWork,
    plan: Checkins,
    service_id: str,
    theme: str,
    title: str,
    *,
    decision: str,
    risks: str,
    change: str,
    created: datetime,
    due: date,
    status: ActionStatus,
) -> Action:
    """An action decided on the service's poor answers on the theme before it was made."""
    poor = uow.session.scalars(
        select(Response.id)
        .join(ResponseTheme, ResponseTheme.response_id == Response.id)
        .where(
            Response.service_id == service_id,
            ResponseTheme.theme_id == theme,
            Response.created_at < created,
            Response.created_at >= created - timedelta(days=60),
            Response.answer_value.in_(("bad", "no")) | Response.free_text.is_not(None),
        )
        .order_by(Response.created_at.desc())
        .limit(8)
    ).all()
    action = Action(
        service_id=service_id,
        theme_id=theme,
        title=title,
        decision=decision,
        risks=risks,
        change=change,
        owner=MANAGERS[service_id],
        due_on=due,
        status=status,
        created_at=created,
        created_by=CREATED_BY,
        updated_at=created + timedelta(days=21) if status is ActionStatus.done else None,
        updated_by=CREATED_BY if status is ActionStatus.done else None,
        responses=[ActionResponse(response_id=response_id) for response_id in poor],
    )
    uow.session.add(action)
    uow.session.flush()
    return action


def _review(uow: UnitOfWork, plan: Checkins, action: Action, weeks: int) -> None:
    """Ask the people the action was decided on again, and their (better) answers."""
    due = action.created_at + timedelta(weeks=weeks)
    review = ActionReview(
        action_id=action.id,
        question_set_id=plan.question_set.id,
        theme_only=True,
        audience=ReviewAudience.same_people,
        weeks=weeks,
        due_at=due,
        created_at=action.created_at,
        created_by=CREATED_BY,
    )
    uow.session.add(review)
    uow.session.flush()
    people = set(
        uow.session.scalars(
            select(Response.person_id).where(
                Response.id.in_([link.response_id for link in action.responses])
            )
        )
    )
    for person_id in sorted(people):
        respondent = next(
            r for r in plan.respondents if r.person_id == person_id and r.role != "family"
        )
        started = due + timedelta(days=plan.rng.randint(0, 6), hours=plan.rng.randint(1, 8))
        send = None
        if respondent.contact_id is not None:
            send = ScheduledSend(
                contact_id=respondent.contact_id,
                question_set_id=plan.question_set.id,
                requested_for=due,
                due_at=due,
                status=SendStatus.sent,
                attempts=1,
                sent_at=started,
                created_at=action.created_at,
                created_by=CREATED_BY,
            )
            uow.session.add(send)
            uow.session.flush()
        uow.session.add(
            ActionReviewAsk(
                review_id=review.id,
                person_id=person_id,
                channel=respondent.channel,
                contact_id=respondent.contact_id,
                send_id=send.id if send else None,
                started_at=started,
            )
        )
        checkin_between(uow, plan, respondent, started, frozenset({action.theme_id}))

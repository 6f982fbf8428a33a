"""`covoice demo --remove`: take out every row the demo made, and nothing else.

Rows go children first, each statement picking its rows by the demo's
services (or the people, contacts, conversations and answers of them), so a
million demo answers go in a few statements. Real services' rows and the
audit log are left alone; the log gains a record of the removal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select

from governance import audit
from governance.demo_data import ACTOR, DEMO_USERNAMES, PROVIDER, REMOVE_ACTION
from storage.models import (
    Action,
    ActionResponse,
    ActionReview,
    ActionReviewAsk,
    AlertNotice,
    Consent,
    Contact,
    Conversation,
    DashboardToken,
    DashboardUser,
    FollowUp,
    InboundMessage,
    Incident,
    IncidentPerson,
    Kiosk,
    Person,
    Provider,
    Response,
    ResponseTextTheme,
    ResponseTheme,
    SafeguardingAlert,
    SafeguardingLead,
    ScheduledSend,
    Service,
    TagCorrection,
    TelegramInvite,
    TelegramKeyboard,
    UpdateOwed,
)

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork


def remove_demo(uow: UnitOfWork, actor: str = ACTOR) -> dict[str, int]:
    """Delete the demo's services and every row hanging off them; the caller commits.

    Returns:
        How many rows went from each table that lost any (nothing is recorded when
        there was nothing to remove).
    """
    services = select(Service.id).where(Service.demo.is_(True)).scalar_subquery()
    demo_ids = list(uow.session.scalars(select(Service.id).where(Service.demo.is_(True))))
    people = select(Person.id).where(Person.service_id.in_(services))
    contacts = select(Contact.id).where(
        or_(Contact.service_id.in_(services), Contact.person_id.in_(people))
    )
    senders = select(Contact.sender_id).where(Contact.id.in_(contacts))
    conversations = select(Conversation.id).where(
        or_(Conversation.service_id.in_(services), Conversation.person_id.in_(people))
    )
    responses = select(Response.id).where(
        or_(Response.service_id.in_(services), Response.conversation_id.in_(conversations))
    )
    incidents = select(Incident.id).where(Incident.service_id.in_(services))
    alerts = select(SafeguardingAlert.id).where(SafeguardingAlert.service_id.in_(services))
    leads = select(SafeguardingLead.id).where(SafeguardingLead.service_id.in_(services))
    actions = select(Action.id).where(Action.service_id.in_(services))
    reviews = select(ActionReview.id).where(ActionReview.action_id.in_(actions))
    sends = select(ScheduledSend.id).where(
        or_(ScheduledSend.contact_id.in_(contacts), ScheduledSend.incident_id.in_(incidents))
    )
    follow_ups = select(FollowUp.id).where(
        or_(FollowUp.incident_id.in_(incidents), FollowUp.person_id.in_(people))
    )
    users = select(DashboardUser.id).where(DashboardUser.username.in_(DEMO_USERNAMES))
    # Children before parents, so no foreign key is left pointing at a removed row.
    steps: list[tuple[Any, Any]] = [
        (
            ActionReviewAsk,
            or_(ActionReviewAsk.review_id.in_(reviews), ActionReviewAsk.person_id.in_(people)),
        ),
        (ActionReview, ActionReview.id.in_(reviews)),
        (
            ActionResponse,
            or_(ActionResponse.action_id.in_(actions), ActionResponse.response_id.in_(responses)),
        ),
        (Action, Action.id.in_(actions)),
        (UpdateOwed, or_(UpdateOwed.incident_id.in_(incidents), UpdateOwed.person_id.in_(people))),
        (FollowUp, FollowUp.id.in_(follow_ups)),
        (AlertNotice, or_(AlertNotice.alert_id.in_(alerts), AlertNotice.lead_id.in_(leads))),
        (SafeguardingAlert, SafeguardingAlert.id.in_(alerts)),
        (SafeguardingLead, SafeguardingLead.id.in_(leads)),
        (TagCorrection, TagCorrection.response_id.in_(responses)),
        (ResponseTheme, ResponseTheme.response_id.in_(responses)),
        (ResponseTextTheme, ResponseTextTheme.response_id.in_(responses)),
        (Response, Response.id.in_(responses)),
        (Consent, or_(Consent.conversation_id.in_(conversations), Consent.person_id.in_(people))),
        (
            InboundMessage,
            or_(
                InboundMessage.service_id.in_(services),
                InboundMessage.contact_id.in_(contacts),
                InboundMessage.conversation_id.in_(conversations),
            ),
        ),
        (Conversation, Conversation.id.in_(conversations)),
        (ScheduledSend, ScheduledSend.id.in_(sends)),
        (
            IncidentPerson,
            or_(IncidentPerson.incident_id.in_(incidents), IncidentPerson.person_id.in_(people)),
        ),
        (Incident, Incident.id.in_(incidents)),
        (TelegramKeyboard, TelegramKeyboard.sender_id.in_(senders)),
        (
            TelegramInvite,
            or_(TelegramInvite.service_id.in_(services), TelegramInvite.person_id.in_(people)),
        ),
        (Contact, Contact.id.in_(contacts)),
        (Kiosk, Kiosk.service_id.in_(services)),
        (Person, Person.id.in_(people)),
        (DashboardToken, DashboardToken.user_id.in_(users)),
        (DashboardUser, DashboardUser.id.in_(users)),
        (Service, Service.demo.is_(True)),
    ]
    removed: dict[str, int] = {}
    for model, where in steps:
        count = _delete(uow, model, where)
        if count:
            removed[model.__tablename__] = count
    still_used = select(func.count()).select_from(Service).where(Service.provider_id == PROVIDER[0])
    if not uow.session.scalar(still_used):
        count = _delete(uow, Provider, Provider.id == PROVIDER[0])
        if count:
            removed[Provider.__tablename__] = count
    if not removed:
        return removed
    audit.record(uow, actor, REMOVE_ACTION, {"services": demo_ids, "removed": removed})
    return removed


def _delete(uow: UnitOfWork, model: Any, where: Any) -> int:
    result = uow.session.execute(
        delete(model).where(where).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)

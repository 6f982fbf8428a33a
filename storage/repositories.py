"""Repositories: the only place that writes SQL for the conversation side."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import (
    AlertNotice,
    AlertStatus,
    ApiKey,
    AuditEntry,
    Consent,
    Contact,
    Conversation,
    FollowUp,
    FollowUpAudience,
    FollowUpStatus,
    InboundMessage,
    Incident,
    Kiosk,
    NoticeMedium,
    NoticeStatus,
    Person,
    Provider,
    Response,
    SafeguardingAlert,
    SafeguardingLead,
    ScheduledSend,
    SendStatus,
    Service,
    TelegramInvite,
    TelegramKeyboard,
    UpdateOwed,
)


class ServiceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, service_id: str) -> Service | None:
        return self.session.get(Service, service_id)

    def list_all(self) -> list[Service]:
        return list(self.session.scalars(select(Service).order_by(Service.id)))

    def get_provider(self, provider_id: str) -> Provider | None:
        return self.session.get(Provider, provider_id)

    def add_provider(self, provider: Provider) -> None:
        self.session.add(provider)

    def add(self, service: Service) -> None:
        self.session.add(service)


class PersonRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_or_add(self, service_id: str, ref: str) -> Person:
        person = self.session.scalar(
            select(Person).where(Person.service_id == service_id, Person.ref == ref)
        )
        if person is None:
            person = Person(service_id=service_id, ref=ref)
            self.session.add(person)
            self.session.flush()
        return person

    def get(self, person_id: int) -> Person | None:
        return self.session.get(Person, person_id)

    def by_ref(self, service_id: str, ref: str) -> Person | None:
        return self.session.scalar(
            select(Person).where(Person.service_id == service_id, Person.ref == ref)
        )

    def named(self, service_id: str) -> list[Person]:
        """The people a kiosk at ``service_id`` offers to choose from, by first name."""
        return list(
            self.session.scalars(
                select(Person)
                .where(Person.service_id == service_id, Person.first_name.is_not(None))
                .order_by(Person.first_name, Person.id)
            )
        )


class ContactRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_sender(self, sender_id: str) -> Contact | None:
        return self.session.scalar(select(Contact).where(Contact.sender_id == sender_id))

    def with_person_ref(self, sender_id: str) -> tuple[Contact, str] | None:
        """The sender's contact and its person's reference, in one query."""
        row = self.session.execute(
            select(Contact, Person.ref)
            .join(Person, Person.id == Contact.person_id)
            .where(Contact.sender_id == sender_id)
        ).first()
        return (row[0], row[1]) if row is not None else None

    def add(self, contact: Contact) -> None:
        self.session.add(contact)
        self.session.flush()

    def for_person(self, person_id: int) -> list[Contact]:
        """Every channel identity that speaks for the person, or for them as family."""
        return list(
            self.session.scalars(
                select(Contact).where(Contact.person_id == person_id).order_by(Contact.id)
            )
        )

    def list_with_person_ref(self, service_id: str | None = None) -> list[tuple[Contact, str]]:
        query = select(Contact, Person.ref).join(Person, Person.id == Contact.person_id)
        if service_id is not None:
            query = query.where(Contact.service_id == service_id)
        return [(row[0], row[1]) for row in self.session.execute(query.order_by(Contact.id))]


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, conversation_id: str) -> Conversation | None:
        return self.session.get(Conversation, conversation_id)

    def latest_for_contact(self, contact_id: int) -> Conversation | None:
        """The contact's newest conversation: the one a message without context belongs to."""
        return self.session.scalar(
            select(Conversation)
            .where(Conversation.contact_id == contact_id)
            # Turns keep counting across a contact's check-ins: the newest has the highest.
            .order_by(Conversation.turn.desc(), Conversation.started_at.desc())
            .limit(1)
        )

    def add(self, conversation: Conversation) -> None:
        self.session.add(conversation)

    def add_consent(self, consent: Consent) -> None:
        self.session.add(consent)


class ResponseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, response: Response) -> None:
        self.session.add(response)

    def find_by_message(self, conversation_id: str, message_id: str) -> Response | None:
        return self.session.scalar(
            select(Response).where(
                Response.conversation_id == conversation_id,
                Response.source_message_id == message_id,
            )
        )

    def for_conversation(self, conversation_id: str) -> list[Response]:
        return list(
            self.session.scalars(
                select(Response)
                .where(Response.conversation_id == conversation_id)
                .order_by(Response.id)
            )
        )


class InboundRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, sender_id: str, message_id: str) -> InboundMessage | None:
        return self.session.scalar(
            select(InboundMessage).where(
                InboundMessage.sender_id == sender_id,
                InboundMessage.message_id == message_id,
            )
        )

    def add(self, message: InboundMessage) -> None:
        self.session.add(message)
        self.session.flush()

    def last_received(self, sender_id: str) -> datetime | None:
        """When the sender's newest message arrived."""
        return self.session.scalar(
            select(func.max(InboundMessage.received_at)).where(
                InboundMessage.sender_id == sender_id
            )
        )


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_hash(self, key_hash: str) -> ApiKey | None:
        return self.session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash))

    def by_prefix(self, prefix: str) -> ApiKey | None:
        return self.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))

    def list_all(self) -> list[ApiKey]:
        return list(self.session.scalars(select(ApiKey).order_by(ApiKey.id)))

    def add(self, key: ApiKey) -> None:
        self.session.add(key)


class AuditRepository:
    """Append-only: entries are added and read, never changed."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: AuditEntry) -> None:
        self.session.add(entry)

    def list_all(self) -> list[AuditEntry]:
        return list(self.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


class AlertRepository:
    """Safeguarding alerts, one per message (governance.alerts reads them)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, alert: SafeguardingAlert) -> None:
        self._session.add(alert)

    def for_message(self, inbound_message_id: int) -> SafeguardingAlert | None:
        return self._session.scalar(
            select(SafeguardingAlert).where(
                SafeguardingAlert.inbound_message_id == inbound_message_id
            )
        )

    def same_words_since(
        self, contact_id: int, words: str, since: datetime
    ) -> SafeguardingAlert | None:
        """An alert still open on these very words from this contact."""
        return self._session.scalar(
            select(SafeguardingAlert)
            .where(
                SafeguardingAlert.contact_id == contact_id,
                SafeguardingAlert.words == words,
                SafeguardingAlert.raised_at >= since,
                SafeguardingAlert.status.in_((AlertStatus.raised, AlertStatus.escalated)),
            )
            .limit(1)
        )

    def get(self, alert_id: int) -> SafeguardingAlert | None:
        return self._session.get(SafeguardingAlert, alert_id)

    def open(self) -> list[SafeguardingAlert]:
        """Alerts nobody has acknowledged yet, oldest first."""
        return list(
            self._session.scalars(
                select(SafeguardingAlert)
                .where(SafeguardingAlert.status.in_((AlertStatus.raised, AlertStatus.escalated)))
                .order_by(SafeguardingAlert.raised_at, SafeguardingAlert.id)
            )
        )


class LeadRepository:
    """Safeguarding leads, in the order each service added them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, lead_id: int) -> SafeguardingLead | None:
        return self.session.get(SafeguardingLead, lead_id)

    def add(self, lead: SafeguardingLead) -> None:
        """Add ``lead`` after the service's others, removed ones included."""
        last = self.session.scalar(
            select(func.max(SafeguardingLead.position)).where(
                SafeguardingLead.service_id == lead.service_id
            )
        )
        lead.position = 1 if last is None else last + 1
        self.session.add(lead)
        self.session.flush()

    def for_service(self, service_id: str) -> list[SafeguardingLead]:
        """The service's current leads, first to be told first."""
        return list(
            self.session.scalars(
                select(SafeguardingLead)
                .where(
                    SafeguardingLead.service_id == service_id,
                    SafeguardingLead.removed_at.is_(None),
                )
                .order_by(SafeguardingLead.position)
            )
        )

    def list_all(self, service_id: str | None = None) -> list[SafeguardingLead]:
        """Every lead, removed ones included, by service then order."""
        query = select(SafeguardingLead).order_by(
            SafeguardingLead.service_id, SafeguardingLead.position
        )
        if service_id is not None:
            query = query.where(SafeguardingLead.service_id == service_id)
        return list(self.session.scalars(query))

    def by_chat(self, service_id: str, chat_id: int) -> SafeguardingLead | None:
        """The service's current lead who uses this Telegram chat, if any."""
        return self.session.scalar(
            select(SafeguardingLead)
            .where(
                SafeguardingLead.service_id == service_id,
                SafeguardingLead.telegram_chat_id == chat_id,
                SafeguardingLead.removed_at.is_(None),
            )
            .order_by(SafeguardingLead.position)
            .limit(1)
        )


class NoticeRepository:
    """Notices of alerts to leads (bot.alerting delivers them)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, notice_id: int) -> AlertNotice | None:
        return self.session.get(AlertNotice, notice_id)

    def add(self, notice: AlertNotice) -> None:
        self.session.add(notice)
        self.session.flush()

    def for_alert(self, alert_id: int) -> list[AlertNotice]:
        return list(
            self.session.scalars(
                select(AlertNotice)
                .where(AlertNotice.alert_id == alert_id)
                .order_by(AlertNotice.round, AlertNotice.id)
            )
        )

    def due(self, now: datetime, media: Sequence[NoticeMedium], limit: int) -> list[AlertNotice]:
        """Pending notices by these media whose time has come, oldest first."""
        if not media:
            return []
        return list(
            self.session.scalars(
                select(AlertNotice)
                .where(
                    AlertNotice.status == NoticeStatus.pending,
                    AlertNotice.due_at <= now,
                    AlertNotice.medium.in_(media),
                )
                .order_by(AlertNotice.due_at, AlertNotice.id)
                .limit(limit)
            )
        )

    def note_untried(self, medium: NoticeMedium, reason: str) -> None:
        """Give waiting notices by ``medium`` that nobody has tried yet a reason."""
        self.session.execute(
            update(AlertNotice)
            .where(
                AlertNotice.status == NoticeStatus.pending,
                AlertNotice.medium == medium,
                AlertNotice.attempts == 0,
                or_(AlertNotice.last_error.is_(None), AlertNotice.last_error != reason),
            )
            .values(last_error=reason)
            .execution_options(synchronize_session=False)
        )

    def replace_pending(
        self, alert_id: int, lead_id: int, medium: NoticeMedium, reason: str
    ) -> None:
        """Cancel the lead's notices of this alert by ``medium`` still waiting to go."""
        self.session.execute(
            update(AlertNotice)
            .where(
                AlertNotice.alert_id == alert_id,
                AlertNotice.lead_id == lead_id,
                AlertNotice.medium == medium,
                AlertNotice.status == NoticeStatus.pending,
            )
            .values(status=NoticeStatus.cancelled, last_error=reason)
            .execution_options(synchronize_session=False)
        )

    def claim(self, notice_id: int, now: datetime, until: datetime) -> bool:
        """Hold a due notice until ``until``, unless another notifier took it first."""
        claimed = self.session.execute(
            update(AlertNotice)
            .where(
                AlertNotice.id == notice_id,
                AlertNotice.status == NoticeStatus.pending,
                AlertNotice.due_at <= now,
            )
            .values(due_at=until)
            # SQLite hands back naive times, which Python cannot compare with ``now``.
            .execution_options(synchronize_session=False)
        )
        return _changed(claimed)


class KioskRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_hash(self, token_hash: str) -> Kiosk | None:
        return self.session.scalar(select(Kiosk).where(Kiosk.token_hash == token_hash))

    def by_prefix(self, prefix: str) -> Kiosk | None:
        return self.session.scalar(select(Kiosk).where(Kiosk.prefix == prefix))

    def list_all(self, service_id: str | None = None) -> list[Kiosk]:
        query = select(Kiosk).order_by(Kiosk.id)
        if service_id is not None:
            query = query.where(Kiosk.service_id == service_id)
        return list(self.session.scalars(query))

    def add(self, kiosk: Kiosk) -> None:
        self.session.add(kiosk)


class TelegramRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def invite_by_hash(self, code_hash: str) -> TelegramInvite | None:
        return self.session.scalar(
            select(TelegramInvite).where(TelegramInvite.code_hash == code_hash)
        )

    def add_invite(self, invite: TelegramInvite) -> None:
        self.session.add(invite)

    def claim_invite(self, invite_id: int, contact_id: int, at: datetime) -> bool:
        """Mark an invite used, unless another chat used it first: False then."""
        claimed = self.session.execute(
            update(TelegramInvite)
            .where(TelegramInvite.id == invite_id, TelegramInvite.used_at.is_(None))
            .values(used_at=at, contact_id=contact_id)
        )
        return _changed(claimed)

    def keyboard(self, keyboard_id: int) -> TelegramKeyboard | None:
        return self.session.get(TelegramKeyboard, keyboard_id)

    def add_keyboard(self, keyboard: TelegramKeyboard) -> None:
        self.session.add(keyboard)
        self.session.flush()  # its id goes into the buttons

    def open_keyboard(self, sender_id: str) -> TelegramKeyboard | None:
        """The chat's newest keyboard that still counts, if any."""
        return self.session.scalar(
            select(TelegramKeyboard)
            .where(TelegramKeyboard.sender_id == sender_id, TelegramKeyboard.answered_at.is_(None))
            .order_by(TelegramKeyboard.id.desc())
            .limit(1)
        )

    def use_keyboard(self, keyboard_id: int, at: datetime) -> bool:
        """Mark a keyboard pressed, unless a press or newer prompts got there first."""
        used = self.session.execute(
            update(TelegramKeyboard)
            .where(TelegramKeyboard.id == keyboard_id, TelegramKeyboard.answered_at.is_(None))
            # What it carried (a transcript waiting for a "yes") is not kept past its use.
            .values(answered_at=at, payloads=[], labels=[], kinds=[])
        )
        return _changed(used)

    def retire_keyboards(self, sender_id: str, at: datetime) -> list[int]:
        """Every open keyboard of the chat stops counting; returns the messages they are under."""
        still_open = (
            TelegramKeyboard.sender_id == sender_id,
            TelegramKeyboard.answered_at.is_(None),
        )
        shown = self.session.scalars(
            select(TelegramKeyboard.message_id).where(
                *still_open, TelegramKeyboard.message_id.is_not(None)
            )
        )
        message_ids = [message_id for message_id in shown if message_id is not None]
        self.session.execute(
            update(TelegramKeyboard)
            .where(*still_open)
            .values(answered_at=at, payloads=[], labels=[], kinds=[])
        )
        return message_ids


class SendRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, send: ScheduledSend) -> None:
        self.session.add(send)
        self.session.flush()

    def get(self, send_id: int) -> ScheduledSend | None:
        return self.session.get(ScheduledSend, send_id)

    def due(self, now: datetime, limit: int) -> list[ScheduledSend]:
        """Pending sends whose time has come, oldest first."""
        return list(
            self.session.scalars(
                select(ScheduledSend)
                .where(ScheduledSend.status == SendStatus.pending, ScheduledSend.due_at <= now)
                .order_by(ScheduledSend.due_at, ScheduledSend.id)
                .limit(limit)
            )
        )

    def list_all(self, contact_id: int | None = None) -> list[ScheduledSend]:
        query = select(ScheduledSend).order_by(ScheduledSend.due_at.desc(), ScheduledSend.id)
        if contact_id is not None:
            query = query.where(ScheduledSend.contact_id == contact_id)
        return list(self.session.scalars(query))


class IncidentRepository:
    """Incidents, their follow-ups and the updates owed (governance.incidents reads them)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, incident: Incident) -> None:
        self.session.add(incident)
        self.session.flush()

    def get(self, incident_id: int) -> Incident | None:
        return self.session.get(Incident, incident_id)

    def list_all(self, service_id: str | None = None) -> list[Incident]:
        """Incidents, newest first."""
        query = select(Incident).order_by(Incident.occurred_at.desc(), Incident.id.desc())
        if service_id is not None:
            query = query.where(Incident.service_id == service_id)
        return list(self.session.scalars(query))

    def add_follow_up(self, follow_up: FollowUp) -> None:
        self.session.add(follow_up)
        self.session.flush()

    def follow_up(self, follow_up_id: int) -> FollowUp | None:
        return self.session.get(FollowUp, follow_up_id)

    def follow_ups(self, incident_id: int) -> list[FollowUp]:
        return list(
            self.session.scalars(
                select(FollowUp).where(FollowUp.incident_id == incident_id).order_by(FollowUp.id)
            )
        )

    def follow_ups_in(self, statuses: tuple[FollowUpStatus, ...]) -> list[FollowUp]:
        """Follow-ups in these states, oldest first (the watcher moves them on)."""
        return list(
            self.session.scalars(
                select(FollowUp)
                .where(FollowUp.status.in_(statuses))
                .order_by(FollowUp.due_at, FollowUp.id)
            )
        )

    def mark_resent(self, follow_up_id: int, at: datetime) -> bool:
        """Note a follow-up as sent again, unless another watcher got there first."""
        marked = self.session.execute(
            update(FollowUp)
            .where(FollowUp.id == follow_up_id, FollowUp.resent_at.is_(None))
            .values(resent_at=at)
            .execution_options(synchronize_session=False)
        )
        return _changed(marked)

    def follow_up_for(
        self, incident_id: int, person_id: int, audience: FollowUpAudience, contact_id: int
    ) -> FollowUp | None:
        """The follow-up a conversation about an incident answers: the contact's own, or
        a kiosk one for the same person and audience."""
        found = list(
            self.session.scalars(
                select(FollowUp)
                .where(
                    FollowUp.incident_id == incident_id,
                    FollowUp.person_id == person_id,
                    FollowUp.audience == audience,
                )
                .order_by(FollowUp.id.desc())
            )
        )
        own = [f for f in found if f.contact_id == contact_id]
        on_kiosk = [f for f in found if f.contact_id is None]
        return next(iter(own or on_kiosk), None)

    def waiting_on_kiosk(
        self, person_id: int, audience: FollowUpAudience, now: datetime
    ) -> FollowUp | None:
        """The oldest kiosk follow-up due for this person and audience, if one waits."""
        return self.session.scalar(
            select(FollowUp)
            .where(
                FollowUp.person_id == person_id,
                FollowUp.audience == audience,
                FollowUp.contact_id.is_(None),
                FollowUp.status == FollowUpStatus.planned,
                FollowUp.due_at <= now,
            )
            .order_by(FollowUp.due_at, FollowUp.id)
            .limit(1)
        )

    def add_update_owed(self, owed: UpdateOwed) -> None:
        self.session.add(owed)
        self.session.flush()

    def update_owed(self, owed_id: int) -> UpdateOwed | None:
        return self.session.get(UpdateOwed, owed_id)

    def update_owed_for_response(self, response_id: int) -> UpdateOwed | None:
        return self.session.scalar(select(UpdateOwed).where(UpdateOwed.response_id == response_id))

    def updates_owed(
        self, incident_id: int | None = None, service_id: str | None = None, open_only: bool = False
    ) -> list[UpdateOwed]:
        """Updates owed, soonest due first."""
        query = select(UpdateOwed).order_by(UpdateOwed.due_at, UpdateOwed.id)
        if incident_id is not None:
            query = query.where(UpdateOwed.incident_id == incident_id)
        if service_id is not None:
            query = query.join(Incident, Incident.id == UpdateOwed.incident_id).where(
                Incident.service_id == service_id
            )
        if open_only:
            query = query.where(UpdateOwed.given_at.is_(None))
        return list(self.session.scalars(query))


def _changed(result: Result[Any]) -> bool:
    """Whether a conditional UPDATE changed a row (it did not if another got there first)."""
    return bool(cast(CursorResult[Any], result).rowcount)

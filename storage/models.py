"""The store's tables, as SQLAlchemy 2.0 typed models.

Every export reads these tables: they are the one source of governance evidence.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True)}
    # Named constraints keep Alembic migrations stable across SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class ConversationStatus(str, enum.Enum):
    consent_pending = "consent_pending"
    declined = "declined"
    in_progress = "in_progress"
    finished = "finished"
    stopped = "stopped"
    # The person asked for their answers from this conversation not to be used.
    withdrawn = "withdrawn"


class InboundStatus(str, enum.Enum):
    received = "received"
    answered = "answered"
    rejected = "rejected"
    failed = "failed"


class Provider(Base):
    __tablename__ = "provider"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))

    services: Mapped[list[Service]] = relationship(back_populates="provider")


class Service(Base):
    __tablename__ = "service"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("provider.id"))
    name: Mapped[str] = mapped_column(String(200))
    # Managers count days in the service's own time zone, not in UTC.
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    # Made up by `covoice demo`: shown as demo data everywhere and removed by `--remove`.
    demo: Mapped[bool] = mapped_column(default=False)

    provider: Mapped[Provider] = relationship(back_populates="services")


class Person(Base):
    """Someone who uses a service, known only by a reference the service gives."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("service_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"))
    ref: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by a manager for the people a kiosk offers to choose from: a first
    # name and, if they want one, a small photo (else the kiosk shows initials).
    first_name: Mapped[str | None] = mapped_column(String(40))
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(16))


class Contact(Base):
    """A channel identity (a kiosk session, a Telegram chat) and whom it speaks for.

    Channels write it after checking their credential; the action server reads
    who is talking from here, never from what travels with a message.
    """

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    respondent_role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Whether prompts also come as voice notes, where the channel can send them.
    voice_on: Mapped[bool] = mapped_column(default=True)


class Conversation(Base):
    """One check-in, and the authoritative state of where it is.

    ``stage``, ``question_id``, ``after_id``, ``pending`` and ``turn`` change in
    the same transaction as the answer they follow from; Rasa's tracker is
    never asked where a conversation is.
    """

    __tablename__ = "conversation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"), index=True)
    sender_id: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    respondent_role: Mapped[str] = mapped_column(String(32))
    question_set_id: Mapped[str] = mapped_column(String(64))
    question_set_version: Mapped[int]
    status: Mapped[ConversationStatus] = mapped_column(
        Enum(ConversationStatus, native_enum=False, length=20)
    )
    supported_by_staff: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # Set when the person asks to talk to someone; staff alerts read it.
    person_requested_at: Mapped[datetime | None]
    # Set when the person asks for this check-in's answers not to be used.
    withdrawn_at: Mapped[datetime | None]
    stage: Mapped[str] = mapped_column(String(20), default="consent")
    question_id: Mapped[str | None] = mapped_column(String(64))
    # Where to go once a follow-up or mid-way feedback is answered.
    after_id: Mapped[str | None] = mapped_column(String(64))
    # An ending waiting for the person to confirm it.
    pending: Mapped[str | None] = mapped_column(String(20))
    # Counts the steps the conversation has moved through; buttons carry it.
    turn: Mapped[int] = mapped_column(Integer, default=0)
    # Every change to the row checks and bumps it, so two turns that read the
    # same state cannot both write: the second finds its state gone and retries.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Set when an incident follow-up started it: its answers are about that incident.
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)

    __mapper_args__ = {"version_id_col": version}


class Consent(Base):
    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversation.id"))
    given: Mapped[bool]
    method: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Response(Base):
    """One answer, tagged to its person, service, question and themes."""

    __tablename__ = "response"
    __table_args__ = (
        # Re-delivery of the same message must not store the answer twice.
        UniqueConstraint("conversation_id", "source_message_id"),
        # The dashboard filters answers by these, newest first within a range of days,
        # and lists the values stored for its filters one index step per value
        # (bot.dashboard.response_filter._stored). Leading with the filtered column keeps the
        # newest-first order, so a page of answers never sorts every match.
        Index("ix_response_channel_created_at", "channel", "created_at"),
        Index("ix_response_question_set_id_created_at", "question_set_id", "created_at"),
        Index("ix_response_answer_value_created_at", "answer_value", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversation.id"))
    provider_id: Mapped[str] = mapped_column(ForeignKey("provider.id"))
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    respondent_role: Mapped[str] = mapped_column(String(32))
    question_set_id: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str] = mapped_column(String(64))
    answer_value: Mapped[str | None] = mapped_column(String(64))
    free_text: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(32))
    source_message_id: Mapped[str | None] = mapped_column(String(128))
    cqc_statements: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # How the words were read, for the answers the tagger is unsure about:
    # Rasa's intent and its confidence, and the highest theme probability.
    intent: Mapped[str | None] = mapped_column(String(64))
    intent_confidence: Mapped[float | None] = mapped_column(Float)
    theme_confidence: Mapped[float | None] = mapped_column(Float)
    # The incident the answer follows up, when its conversation was an incident follow-up.
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)

    # The question's own themes.
    themes: Mapped[list[ResponseTheme]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ResponseTheme.theme_id"
    )
    # The themes the person's words are about, read by the tagger.
    text_themes: Mapped[list[ResponseTextTheme]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ResponseTextTheme.theme_id"
    )

    @property
    def theme_ids(self) -> list[str]:
        return [theme.theme_id for theme in self.themes]

    @property
    def text_theme_ids(self) -> list[str]:
        return [theme.theme_id for theme in self.text_themes]


class ResponseTheme(Base):
    """A theme an answer is evidence for; a table so exports can filter by theme in SQL."""

    __tablename__ = "response_theme"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[str] = mapped_column(String(64), primary_key=True)


Index("ix_response_theme_theme", ResponseTheme.theme_id)


class ResponseTextTheme(Base):
    """A theme the person's own words are about, kept apart from the question's themes."""

    __tablename__ = "response_text_theme"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[str] = mapped_column(String(64), primary_key=True)


Index("ix_response_text_theme_theme", ResponseTextTheme.theme_id)


class InboundMessage(Base):
    """Every message a channel hands in, kept before Rasa sees it.

    The (sender, message id) key makes re-delivery answer from here instead
    of moving the conversation on twice.
    """

    __tablename__ = "inbound_message"
    __table_args__ = (UniqueConstraint("sender_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(32))
    service_id: Mapped[str | None] = mapped_column(String(64))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"), index=True)
    # The conversation the message was a turn of, set with the turn's answer.
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversation.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[InboundStatus] = mapped_column(Enum(InboundStatus, native_enum=False, length=20))
    replies: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """A channel credential: which channel a client program speaks as, and for which services.

    Only a hash of the key is kept; the key itself is shown once, when made.
    """

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    """An append-only record of who saw or exported personal data, and why."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class AlertStatus(str, enum.Enum):
    raised = "raised"
    acknowledged = "acknowledged"
    escalated = "escalated"
    closed = "closed"


class SafeguardingAlert(Base):
    """Words that may disclose harm, raised for the safeguarding lead.

    One per message, committed before the person gets a reply. Nothing a
    person withdraws hides an alert: it is read without the withdrawal rule.
    Delivery, acknowledgement and escalation change ``status`` and add their
    own records beside this row.
    """

    __tablename__ = "safeguarding_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[AlertStatus] = mapped_column(
        Enum(AlertStatus, native_enum=False, length=20), default=AlertStatus.raised, index=True
    )
    status_changed_at: Mapped[datetime | None]
    category: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float)
    words: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(32))
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversation.id"))
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), unique=True)
    # Who said they have it in hand: a lead's name, and the lead when one is known.
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledged_lead_id: Mapped[int | None] = mapped_column(ForeignKey("safeguarding_lead.id"))


class SafeguardingLead(Base):
    """Someone a service's safeguarding alerts go to, in the order they were added.

    The first lead is told at once; an alert nobody acknowledges goes on to
    the next. A removed lead keeps its row (notices and acknowledgements name
    it) but is told nothing more.
    """

    __tablename__ = "safeguarding_lead"
    __table_args__ = (UniqueConstraint("service_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    # Telegram chat ids pass 2**31; either way of reaching them may be missing, not both.
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    email: Mapped[str | None] = mapped_column(String(254))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by: Mapped[str] = mapped_column(String(100))
    removed_at: Mapped[datetime | None]


class NoticeMedium(str, enum.Enum):
    telegram = "telegram"
    email = "email"


class NoticeStatus(str, enum.Enum):
    pending = "pending"
    sent = "sent"
    # No longer wanted: the alert was acknowledged or the lead removed first.
    cancelled = "cancelled"


class AlertNotice(Base):
    """Telling one lead about one alert by one medium, until it is delivered.

    A row, not a task in memory, so a notice waiting for the mail server
    survives a restart. A failed try moves ``due_at`` on; nothing gives up.
    ``round`` counts escalations: round 0 goes to the first lead.
    """

    __tablename__ = "alert_notice"
    __table_args__ = (UniqueConstraint("alert_id", "lead_id", "medium", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_alert.id"), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_lead.id"))
    medium: Mapped[NoticeMedium] = mapped_column(Enum(NoticeMedium, native_enum=False, length=16))
    round: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[NoticeStatus] = mapped_column(
        Enum(NoticeStatus, native_enum=False, length=16), default=NoticeStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TagCorrection(Base):
    """A manager's correction of how some words were read, to train the next model on."""

    __tablename__ = "tag_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    # What the tagger said, and what the manager says it should be.
    intent_before: Mapped[str | None] = mapped_column(String(64))
    themes_before: Mapped[list[str]] = mapped_column(JSON, default=list)
    intent: Mapped[str | None] = mapped_column(String(64))
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    corrected_by: Mapped[str] = mapped_column(String(100))
    corrected_at: Mapped[datetime] = mapped_column(default=utcnow)


class Kiosk(Base):
    """A tablet page for one service, reached by a URL that carries its token.

    Only a SHA-256 hash of the token is kept; the prefix names the kiosk in
    listings and when it is revoked.
    """

    __tablename__ = "kiosk"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class TelegramInvite(Base):
    """A one-time code that links a Telegram account to a person and a role.

    Only a SHA-256 hash of the code is kept. A code is used once, before it expires.
    """

    __tablename__ = "telegram_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    respondent_role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))


class TelegramKeyboard(Base):
    """The buttons under one message sent to a chat.

    Telegram carries at most 64 bytes of callback data, so a button carries
    this row's id and its own place; the payload stays here. Once a button is
    pressed the row is answered and every other press of it is stale.
    """

    __tablename__ = "telegram_keyboard"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(200), index=True)
    message_id: Mapped[int | None]
    payloads: Mapped[list[str]] = mapped_column(JSON)
    labels: Mapped[list[str]] = mapped_column(JSON)
    # "answer" or "control" for each button: a voice note listens for answers.
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]


class SendStatus(str, enum.Enum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class ScheduledSend(Base):
    """A question set to start with a linked contact at a time: a proactive message.

    It lives here, not in memory, so a send waiting for the morning survives a
    restart. A failed delivery is tried again later, a few times.
    """

    __tablename__ = "scheduled_send"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    question_set_id: Mapped[str] = mapped_column(String(64))
    # When it was asked for, and when it may go: later, if that falls in quiet hours.
    requested_for: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[SendStatus] = mapped_column(
        Enum(SendStatus, native_enum=False, length=16), default=SendStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    # The incident a follow-up send is about: the conversation it starts is linked to it.
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"))


class IncidentType(str, enum.Enum):
    """The kinds of incident a manager records; a short list, so reports can count them."""

    fall = "fall"
    medication = "medication"
    injury = "injury"
    distressed_behaviour = "distressed_behaviour"
    restrictive_practice = "restrictive_practice"
    missing_person = "missing_person"
    safeguarding = "safeguarding"
    environment = "environment"
    other = "other"


class Incident(Base):
    """Something that happened at a service, and the record of following it up.

    The summary is short and non-clinical: the care record holds the rest.
    For a notifiable safety incident the duty of candour (regulation 20) asks
    for a record of when the person and family were told, the apology, and
    the written follow-up; those times live here.
    """

    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    occurred_at: Mapped[datetime]
    type: Mapped[IncidentType] = mapped_column(Enum(IncidentType, native_enum=False, length=32))
    summary: Mapped[str] = mapped_column(String(500))
    notifiable: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    person_told_at: Mapped[datetime | None]
    family_told_at: Mapped[datetime | None]
    apology_at: Mapped[datetime | None]
    apology_by: Mapped[str | None] = mapped_column(String(100))
    written_at: Mapped[datetime | None]

    people: Mapped[list[IncidentPerson]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="IncidentPerson.person_id"
    )


class IncidentPerson(Base):
    """Someone who uses the service and was involved in an incident."""

    __tablename__ = "incident_person"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)


class FollowUpAudience(str, enum.Enum):
    person = "person"
    family = "family"


class FollowUpStatus(str, enum.Enum):
    planned = "planned"
    sent = "sent"
    answered = "answered"
    not_reached = "not_reached"
    # The person or family said no to the follow-up's questions.
    refused = "refused"


class FollowUp(Base):
    """Asking a person, or their family, how they are after an incident.

    On Telegram it goes as a scheduled send; a person with no Telegram
    contact gets it on the kiosk, offered first when they next pick
    themselves there (``contact_id`` is then empty).
    """

    __tablename__ = "incident_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    audience: Mapped[FollowUpAudience] = mapped_column(
        Enum(FollowUpAudience, native_enum=False, length=16)
    )
    channel: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    question_set_id: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[FollowUpStatus] = mapped_column(
        Enum(FollowUpStatus, native_enum=False, length=16),
        default=FollowUpStatus.planned,
        index=True,
    )
    send_id: Mapped[int | None] = mapped_column(ForeignKey("scheduled_send.id"))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversation.id"))
    sent_at: Mapped[datetime | None]
    resent_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    # Why it is not reached or refused, in plain words.
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class UpdateOwed(Base):
    """A promise to tell someone more about an incident by a date.

    Made when a person or family member answers a follow-up asking to hear
    more "in a week"; closed when a manager records the update was given.
    """

    __tablename__ = "incident_update_owed"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("incident_follow_up.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    respondent_role: Mapped[str] = mapped_column(String(32))
    # The answer that asked for it: one promise per answer, however often it is delivered.
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id"), unique=True)
    asked_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    given_at: Mapped[datetime | None]
    given_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)


class DashboardRole(str, enum.Enum):
    admin = "admin"
    manager = "manager"
    viewer = "viewer"


class DashboardUser(Base):
    """Someone who signs in to the web dashboard; only an argon2 hash of the password is kept."""

    __tablename__ = "dashboard_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[DashboardRole] = mapped_column(Enum(DashboardRole, native_enum=False, length=16))
    # The services a manager may see; admins and viewers see every service.
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DashboardToken(Base):
    """A token a program uses to read the dashboard's JSON API as one dashboard user.

    It has its user's role and services and ends when the user is disabled.
    Only a SHA-256 hash is kept; the token itself is shown once, when made.
    """

    __tablename__ = "dashboard_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("dashboard_user.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ActionStatus(str, enum.Enum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


class Action(Base):
    """A decision taken on what people said, and the change it makes to daily practice.

    The evidence chain: the answers it came from (input), ``decision`` and
    ``risks`` (what was agreed, why, and how proportionate), ``change`` (the
    action) and its reviews, which ask people again.
    """

    __tablename__ = "action"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    theme_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(Text)
    risks: Mapped[str] = mapped_column(Text, default="")
    change: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(
        Enum(ActionStatus, native_enum=False, length=16), default=ActionStatus.open, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[str | None] = mapped_column(String(100))

    responses: Mapped[list[ActionResponse]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ActionResponse.response_id"
    )
    reviews: Mapped[list[ActionReview]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ActionReview.id"
    )


class ActionResponse(Base):
    """An answer an action was decided on: the input in its evidence chain."""

    __tablename__ = "action_response"

    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), primary_key=True)


class ReviewAudience(str, enum.Enum):
    # The people whose answers the action was decided on.
    same_people = "same_people"
    # Everyone the service knows.
    service = "service"


class ActionReview(Base):
    """Asking people again, some weeks after an action, whether it worked.

    Each person asked has an ``ActionReviewAsk``: a Telegram send, or a
    check-in waiting for them on the kiosk. The review compares their answers
    on the action's theme before and after.
    """

    __tablename__ = "action_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), index=True)
    # The set the people are asked; with ``theme_only``, just its questions on the theme.
    question_set_id: Mapped[str] = mapped_column(String(64))
    theme_only: Mapped[bool] = mapped_column(default=False)
    audience: Mapped[ReviewAudience] = mapped_column(
        Enum(ReviewAudience, native_enum=False, length=16)
    )
    weeks: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))

    asks: Mapped[list[ActionReviewAsk]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ActionReviewAsk.id"
    )


class ActionReviewAsk(Base):
    """One person asked again for a review: by Telegram send, or on the kiosk."""

    __tablename__ = "action_review_ask"
    __table_args__ = (UniqueConstraint("review_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("action_review.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    send_id: Mapped[int | None] = mapped_column(ForeignKey("scheduled_send.id"))
    # When the person began the check-in (on the kiosk) or it was sent (on Telegram).
    started_at: Mapped[datetime | None]

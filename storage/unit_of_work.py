"""A unit of work: one session, one transaction, the repositories on it."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from storage.database import make_engine, make_session_factory
from storage.repositories import (
    AlertRepository,
    ApiKeyRepository,
    AuditRepository,
    ContactRepository,
    ConversationRepository,
    InboundRepository,
    IncidentRepository,
    KioskRepository,
    LeadRepository,
    NoticeRepository,
    PersonRepository,
    ResponseRepository,
    SendRepository,
    ServiceRepository,
    TelegramRepository,
)


class UnitOfWork:
    """Use as ``with UnitOfWork(factory) as uow: ...; uow.commit()``.

    Leaving the block without ``commit()`` rolls back.
    """

    services: ServiceRepository
    people: PersonRepository
    contacts: ContactRepository
    conversations: ConversationRepository
    responses: ResponseRepository
    inbound: InboundRepository
    api_keys: ApiKeyRepository
    audit: AuditRepository
    alerts: AlertRepository
    kiosks: KioskRepository
    telegram: TelegramRepository
    sends: SendRepository
    leads: LeadRepository
    notices: NoticeRepository
    incidents: IncidentRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.services = ServiceRepository(self.session)
        self.people = PersonRepository(self.session)
        self.contacts = ContactRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.responses = ResponseRepository(self.session)
        self.inbound = InboundRepository(self.session)
        self.api_keys = ApiKeyRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.alerts = AlertRepository(self.session)
        self.kiosks = KioskRepository(self.session)
        self.telegram = TelegramRepository(self.session)
        self.sends = SendRepository(self.session)
        self.leads = LeadRepository(self.session)
        self.notices = NoticeRepository(self.session)
        self.incidents = IncidentRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Closing rolls back anything not committed; objects already loaded stay readable.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()


UnitOfWorkFactory = Callable[[], UnitOfWork]


def open_store(database_url: str, lock_timeout_seconds: float = 5.0) -> UnitOfWorkFactory:
    """The one place a process turns a database URL into units of work."""
    sessions = make_session_factory(make_engine(database_url, lock_timeout_seconds))
    return lambda: UnitOfWork(sessions)

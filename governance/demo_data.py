"""`covoice demo`: a made-up provider, so a new user sees a dashboard full of life.

Three services of one provider, about forty people, six months of check-ins,
incidents, safeguarding alerts, actions with reviews, and three dashboard
users. Everything hangs off services marked ``demo``, whose ids start with
``demo-`` and whose names end with "(demo)"; governance.demo_removal takes it
all out again.
"""

from __future__ import annotations

import os
import random
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select

from checkin.question_sets import QuestionSet
from governance import audit
from governance.dashboard_users import add_user
from governance.demo_answers import (
    Checkins,
    Respondent,
    Trend,
    WordReader,
    bank_reader,
    insert_checkins,
    read_bank,
)
from governance.demo_events import add_actions, add_alerts, add_incidents
from governance.demo_words import CONCERNS
from governance.errors import GovernanceError
from storage.models import (
    AuditEntry,
    Contact,
    DashboardUser,
    Person,
    Provider,
    Response,
    Service,
    utcnow,
)

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

ACTOR = "covoice demo"
PROVIDER = ("demo-brightwater", "Brightwater Care (demo)")
DEFAULT_RESPONSES = 3000
LOGINS_FILE = "demo-logins.txt"
REMOVE_ACTION = "demo.remove"
FIRST_NAMES = (
    "Amara", "Ben", "Carol", "Dev", "Eileen", "Faisal", "Grace", "Harry", "Ifeoma", "Jack",
    "Kerry", "Liam", "Maureen", "Nadia", "Owen", "Priya", "Ray", "Shona", "Tariq", "Una",
    "Vince", "Wendy", "Yusuf", "Zoe", "Alan", "Bernie", "Chloe", "Dylan", "Elsie", "Frank",
    "Gemma", "Hamza", "Irene", "Joe", "Kiran", "Lucy", "Mick", "Nora", "Olu", "Pat",
)  # fmt: skip


@dataclass(frozen=True)
class DemoService:
    id: str
    name: str
    code: str
    people: int
    trend: Trend


SERVICES = (
    DemoService(
        "demo-oak-view",
        "Oak View supported living (demo)",
        "OV",
        14,
        # Poor on activities until the action on them was done; better since.
        Trend(0.12, improving=frozenset({"activities_community"})),
    ),
    DemoService(
        "demo-riverside",
        "Riverside House (demo)",
        "RH",
        13,
        # Staffing and food getting worse over the last three months.
        Trend(0.13, worsening=frozenset({"staff_consistency", "food_drink"})),
    ),
    DemoService("demo-maple-court", "Maple Court (demo)", "MC", 13, Trend(0.1)),
)
# The demo's dashboard users: an admin, the manager of one service, and a viewer.
USERS = (
    ("demo-admin", "admin", ()),
    ("demo-manager", "manager", ("demo-riverside",)),
    ("demo-viewer", "viewer", ()),
)
DEMO_USERNAMES = tuple(username for username, _, _ in USERS)


class DemoError(GovernanceError):
    """The demo cannot be added as asked."""


@dataclass(frozen=True)
class DemoSets:
    """The question sets the demo's people answer: the check-in and the incident follow-ups."""

    checkin: QuestionSet
    incident_person: QuestionSet
    incident_family: QuestionSet


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    services: tuple[str, ...]
    password: str


@dataclass(frozen=True)
class Seeded:
    services: int
    people: int
    responses: int
    logins: list[Login]


def holds_demo_data(uow: UnitOfWork) -> bool:
    """Whether the store holds the demo's services."""
    return bool(uow.session.scalar(select(exists().where(Service.demo.is_(True)))))


def holds_real_data(uow: UnitOfWork) -> bool:
    """Whether any service but the demo's has answers, or anyone but the demo's signs in."""
    answers = exists().where(Response.service_id == Service.id, Service.demo.is_(False))
    users = exists().where(DashboardUser.username.not_in(DEMO_USERNAMES))
    return bool(uow.session.scalar(select(answers))) or bool(uow.session.scalar(select(users)))


def was_removed(uow: UnitOfWork) -> bool:
    """Whether someone took the demo out of this store before (the audit log keeps it)."""
    removed = exists().where(AuditEntry.action == REMOVE_ACTION)
    return bool(uow.session.scalar(select(removed)))


def seed(
    uow: UnitOfWork,
    sets: DemoSets,
    reader: WordReader = bank_reader,
    responses: int = DEFAULT_RESPONSES,
    now: datetime | None = None,
    seed_value: int = 17,
    actor: str = ACTOR,
) -> Seeded:
    """Add the demo provider and everything hanging off it; the caller commits.

    Args:
        uow: the unit of work.
        sets: the question sets to answer (the production ones, as the bot asks them).
        reader: reads the themes in people's words (the trained tagger, or the bank's own).
        responses: about how many check-in answers to make.
        now: the end of the six months (the clock when not given).
        seed_value: the random seed, so one store's demo is like another's.
        actor: who asked for it, for the audit log.

    Returns:
        What was added, with the dashboard logins and their passwords.

    Raises:
        DemoError: the demo is already there, or a demo username is taken.
    """
    if holds_demo_data(uow):
        raise DemoError("The demo data is already there. Remove it first with --remove.")
    taken = uow.session.scalars(
        select(DashboardUser.username).where(DashboardUser.username.in_(DEMO_USERNAMES))
    ).all()
    if taken:
        raise DemoError(f"The dashboard user {taken[0]} already exists; the demo needs the name.")
    rng = random.Random(seed_value)
    at = now or utcnow()
    if uow.services.get_provider(PROVIDER[0]) is None:
        uow.services.add_provider(Provider(id=PROVIDER[0], name=PROVIDER[1]))
    for spec in SERVICES:
        uow.services.add(
            Service(
                id=spec.id,
                provider_id=PROVIDER[0],
                name=spec.name,
                time_zone="Europe/London",
                demo=True,
            )
        )
    uow.session.flush()
    respondents = _respondents(uow, rng, at)
    plan = Checkins(
        respondents,
        sets.checkin,
        {spec.id: spec.trend for spec in SERVICES},
        at,
        rng,
        read_bank(reader, [text for text, _, _ in CONCERNS]),
    )
    insert_checkins(uow, plan, responses)
    add_incidents(uow, plan, sets.incident_person, sets.incident_family)
    add_alerts(uow, plan)
    add_actions(uow, plan)
    uow.session.flush()
    stored = uow.session.scalar(
        select(func.count()).where(Response.service_id.in_([spec.id for spec in SERVICES]))
    )
    logins = [Login(username, role, services, _password()) for username, role, services in USERS]
    demo_services = [spec.id for spec in SERVICES]
    for login in logins:
        user = add_user(uow, actor, login.username, login.password, login.role, login.services)
        # Even the demo's admin and viewer see only the demo: their logins are written down.
        user.services = list(login.services) or demo_services
    people = len({r.person_id for r in respondents})
    audit.record(
        uow,
        actor,
        "demo.seed",
        {
            "services": [spec.id for spec in SERVICES],
            "people": people,
            "responses": stored,
            "users": list(DEMO_USERNAMES),
        },
    )
    return Seeded(len(SERVICES), people, int(stored or 0), logins)


def _respondents(uow: UnitOfWork, rng: random.Random, now: datetime) -> list[Respondent]:
    """The people, their kiosk roles, and the Telegram contacts some of them and families use."""
    names = list(FIRST_NAMES)
    rng.shuffle(names)
    respondents = []
    chat_ids = _free_chat_ids(uow, rng, sum(spec.people for spec in SERVICES))
    for spec in SERVICES:
        for number in range(spec.people):
            person = Person(
                service_id=spec.id,
                ref=f"{spec.code}-{101 + number}",
                first_name=names.pop(),
                created_at=now - timedelta(days=365),
            )
            uow.session.add(person)
            uow.session.flush()
            kiosk = Respondent(spec.id, PROVIDER[0], person.id, "person", "kiosk")
            respondents += [kiosk, kiosk]  # people answer on the kiosk most
            if rng.random() < 0.35:
                respondents.append(
                    Respondent(spec.id, PROVIDER[0], person.id, "staff_supported", "kiosk")
                )
            for role, chance in (("family", 0.55), ("person", 0.15)):
                if rng.random() < chance:
                    respondents.append(_telegram(uow, spec.id, person.id, role, chat_ids.pop()))
    return respondents


def _telegram(uow: UnitOfWork, service_id: str, person_id: int, role: str, chat: int) -> Respondent:
    contact = Contact(
        sender_id=f"tg:{chat}",
        channel="telegram",
        service_id=service_id,
        person_id=person_id,
        respondent_role=role,
    )
    uow.session.add(contact)
    uow.session.flush()
    return Respondent(
        service_id, PROVIDER[0], person_id, role, "telegram", contact.id, contact.sender_id
    )


def _free_chat_ids(uow: UnitOfWork, rng: random.Random, count: int) -> list[int]:
    """Made-up Telegram chat ids that no contact in the store has."""
    wanted = {rng.randrange(5_000_000_000, 6_000_000_000) for _ in range(count)}
    used = set(
        uow.session.scalars(
            select(Contact.sender_id).where(Contact.sender_id.in_([f"tg:{c}" for c in wanted]))
        )
    )
    free = sorted(c for c in wanted if f"tg:{c}" not in used)
    return free + _free_chat_ids(uow, rng, count - len(free)) if len(free) < count else free


def _password() -> str:
    # Letters and digits only, so it copies cleanly from a terminal.
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(16))


def write_logins(path: Path, logins: Sequence[Login]) -> None:
    """Keep the demo logins where `make run` shows them, readable by this user only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(
        f"{login.username}\t{login.password}\t{login.role}"
        f"{' of ' + ', '.join(login.services) if login.services else ''}\n"
        for login in logins
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an older file keeps its mode through O_CREAT
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def read_logins(path: Path) -> list[tuple[str, str, str]]:
    """The logins as written: username, password, and role (with the manager's service)."""
    if not path.exists():
        return []
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    return [(row[0], row[1], row[2]) for row in rows if len(row) == 3]

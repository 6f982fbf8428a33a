"""The dashboard tests' own people, answers and users: two services, four users."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from governance.dashboard_users import add_user
from storage.unit_of_work import UnitOfWork
from tests.integration.governance_rows import add_conversation, add_response, add_service

PASSWORD = "correct horse battery staple"
USERS = {
    "ada-admin": ("admin", ()),
    "mo-oak": ("manager", ("oak-house",)),
    "bea-elm": ("manager", ("elm-lodge",)),
    "vic-viewer": ("viewer", ()),
}
OAK_WORDS = "The tea is always cold, Maria told me"
ELM_WORDS = "Elm lodge garden is lovely"
ANSWERED_ON = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def seed_dashboard(uow: UnitOfWork, answered_on: datetime = ANSWERED_ON) -> None:
    """Beside oak-house: elm-lodge, answers in each (some with words), and the four users."""
    add_service(uow, "elm-lodge", "Europe/London")
    oak = add_conversation(uow, "conv-oak", "maria-oak", "oak-house")
    add_response(uow, oak, "one_change", answered_on, None, OAK_WORDS, ("food_drink",))
    add_response(uow, oak, "feel_safe", answered_on, "good", None, ("safety",))
    elm = add_conversation(uow, "conv-elm", "bob-elm", "elm-lodge")
    add_response(uow, elm, "one_change", answered_on, None, ELM_WORDS, ("home_environment",))
    for username, (role, services) in USERS.items():
        add_user(uow, "test", username, PASSWORD, role, services)


def csrf_in(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)

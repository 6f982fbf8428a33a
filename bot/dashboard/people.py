"""How people appear on dashboard pages: pseudonyms, or real names while an admin reveals them.

Everyone sees pseudonyms by default. An admin who gives a reason sees, for a
while, the service's own reference and, where the store has it, the first
name; every page viewed meanwhile is audited as showing names, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select

from bot.dashboard.access import actor
from bot.dashboard.layout import Viewer
from covoice.settings import Settings
from governance import audit
from governance.pseudonym_key import checked_pseudonym_secret
from governance.pseudonyms import pseudonym
from storage.models import AuditEntry, Person
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PeopleShown:
    """Labels for people on one page, and how the page's audit entry must describe them."""

    # Why real names are shown, or None: pseudonyms only.
    reason: str | None
    secret: bytes
    first_names: Mapping[tuple[str, str], str]

    @property
    def names(self) -> bool:
        return self.reason is not None

    def label(self, service_id: str, person_ref: str | None) -> str:
        if person_ref is None:
            return "unknown"
        if not self.names:
            return pseudonym(self.secret, service_id, person_ref)
        first = self.first_names.get((service_id, person_ref))
        return f"{person_ref} ({first})" if first else person_ref

    def record(
        self, uow: UnitOfWork, viewer: Viewer, action: str, detail: Mapping[str, object]
    ) -> AuditEntry:
        """Audit a view of the page; one that shows names says so and carries the reason."""
        shown = {"people": "names" if self.names else "pseudonyms"}
        return audit.record(uow, actor(viewer), action, {**detail, **shown}, self.reason)


def people_shown(
    uow: UnitOfWork,
    settings: Settings,
    viewer: Viewer,
    reason: str | None,
    people: Iterable[tuple[str, str | None]],
) -> PeopleShown:
    """How to show these (service, reference) pairs to the signed-in user.

    Args:
        uow: the unit of work the page reads in.
        settings: the app's settings (the pseudonym key).
        viewer: who is looking.
        reason: why real names are on in their session, or None.
        people: the (service id, person reference) pairs the page shows.

    Returns:
        The labels; real names only for an admin with a reason.

    Raises:
        PseudonymKeyError: the pseudonym key is missing or not the store's.
    """
    secret = checked_pseudonym_secret(uow, settings, actor(viewer))
    if viewer.role != "admin" or reason is None:
        return PeopleShown(None, secret, {})
    pairs = {pair for pair in people if pair[1] is not None}
    refs = {ref for _, ref in pairs}
    found: dict[tuple[str, str], str] = {}
    if refs:
        query = select(Person.service_id, Person.ref, Person.first_name).where(
            Person.ref.in_(refs), Person.first_name.is_not(None)
        )
        for service_id, ref, first_name in uow.session.execute(query):
            if (service_id, ref) in pairs and first_name:
                found[(service_id, ref)] = first_name
    return PeopleShown(reason, secret, found)

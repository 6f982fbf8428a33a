"""The people a service sets up to choose themselves on a kiosk: a first name and a photo.

A person is otherwise known only by the service's own reference. The first
name is shown only on that service's kiosks, so a person can find themselves
without typing; the photo is optional (the kiosk shows initials without one).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from governance.errors import GovernanceError
from storage.models import Person
from storage.unit_of_work import UnitOfWork

MAX_PHOTO_BYTES = 512 * 1024
# What a kiosk may show as a photo, told apart by the file's first bytes.
_PHOTO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@dataclass(frozen=True)
class KioskPerson:
    id: int
    ref: str
    first_name: str
    initials: str
    has_photo: bool


def photo_type(photo: bytes) -> str:
    """The image type of a PNG or JPEG file, refusing anything else or anything too big."""
    if len(photo) > MAX_PHOTO_BYTES:
        raise GovernanceError(
            f"The photo is {len(photo) // 1024} KB; use one under {MAX_PHOTO_BYTES // 1024} KB "
            "(a small head-and-shoulders picture is enough)."
        )
    for magic, kind in _PHOTO_TYPES.items():
        if photo.startswith(magic):
            return kind
    raise GovernanceError("The photo must be a PNG or JPEG file.")


def add_person(
    uow: UnitOfWork,
    service_id: str,
    first_name: str,
    ref: str | None = None,
    photo: bytes | None = None,
) -> KioskPerson:
    """Set up a person to be chosen on the service's kiosks; the caller commits.

    Args:
        uow: An open unit of work.
        service_id: Their service.
        first_name: What the kiosk shows under their picture (1 to 40 characters).
        ref: The service's own reference for them; one is made when absent.
            An existing person with this reference gets the name and photo.
        photo: A PNG or JPEG, at most MAX_PHOTO_BYTES.

    Raises:
        GovernanceError: an unknown service, an unusable name or photo.
    """
    name = " ".join(first_name.split())
    if not 1 <= len(name) <= 40:
        raise GovernanceError("Give a first name of 1 to 40 characters.")
    if uow.services.get(service_id) is None:
        raise GovernanceError(f"Unknown service '{service_id}'. See 'covoice service list'.")
    kind = photo_type(photo) if photo is not None else None
    person = uow.people.get_or_add(service_id, ref or f"p-{secrets.token_hex(4)}")
    person.first_name = name
    if photo is not None:
        person.photo, person.photo_type = photo, kind
    return _kiosk_person(person)


def kiosk_people(uow: UnitOfWork, service_id: str) -> list[KioskPerson]:
    """The people a kiosk at ``service_id`` offers, by first name."""
    return [_kiosk_person(person) for person in uow.people.named(service_id)]


def initials(first_name: str) -> str:
    return "".join(part[0] for part in first_name.split()[:2]).upper()


def _kiosk_person(person: Person) -> KioskPerson:
    name = person.first_name or ""
    return KioskPerson(
        id=person.id,
        ref=person.ref,
        first_name=name,
        initials=initials(name),
        has_photo=person.photo is not None,
    )

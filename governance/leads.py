"""Safeguarding leads: who each service's alerts go to, and in what order."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from governance.audit import record
from governance.errors import GovernanceError
from storage.models import SafeguardingLead, utcnow

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

# Enough to catch a typing slip (a missing @ or domain); the mail server judges the rest.
EMAIL_PATTERN = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]+")


class LeadError(GovernanceError):
    """A lead cannot be added or removed as asked; the message says why."""


# Telegram's user ids fit in 52 bits.
MAX_TELEGRAM_ID = 2**52


def add_lead(
    uow: UnitOfWork,
    actor: str,
    service_id: str,
    name: str,
    telegram_chat: str | None = None,
    email: str | None = None,
) -> SafeguardingLead:
    """Add a lead after the service's others; the caller commits.

    Args:
        uow: the unit of work; the audit entry goes in it too.
        actor: who is adding the lead.
        service_id: the service whose alerts the lead is told of.
        name: how the lead is named in notices and acknowledgements.
        telegram_chat: the lead's Telegram chat id, as typed.
        email: the lead's email address.

    Returns:
        The new lead, with its id and place in the order.

    Raises:
        LeadError: an unknown service, an empty name, no way to reach the
            lead, a chat id that is not a whole number, or a malformed address.
    """
    service = uow.services.get(service_id)
    if service is None:
        known = ", ".join(service.id for service in uow.services.list_all()) or "none yet"
        raise LeadError(f"There is no service with id '{service_id}' (services: {known}).")
    name = name.strip()
    if not name:
        raise LeadError("Give the lead's name with --name, as their colleagues know them.")
    chat = (telegram_chat or "").strip()
    address = (email or "").strip()
    if not chat and not address:
        raise LeadError(
            f"{name} needs a way to be told: give --telegram-chat with their Telegram chat "
            "id, or --email with their work address, or both."
        )
    chat_id = None
    if chat:
        try:
            chat_id = int(chat)
        except ValueError:
            chat_id = 0
        # A lead's own private chat, whose id is their user id: never a group (negative),
        # where anyone in it could acknowledge in their name.
        if not 0 < chat_id < MAX_TELEGRAM_ID:
            raise LeadError(
                f"'{chat}' is not a Telegram chat id: it is the lead's own user id, a whole "
                "number such as 123456789 (they can find theirs by messaging @userinfobot). "
                "A group chat cannot be a lead."
            ) from None
    if address and not EMAIL_PATTERN.fullmatch(address):
        raise LeadError(
            f"'{address}' does not look like an email address (name@example.org). "
            "Check it and try again."
        )
    lead = SafeguardingLead(
        service_id=service_id,
        name=name,
        telegram_chat_id=chat_id,
        email=address or None,
        added_by=actor,
    )
    uow.leads.add(lead)
    # The address and chat are how alerts reach someone: who set them is kept.
    record(
        uow,
        actor,
        "lead.add",
        {
            "lead": lead.id,
            "service": service_id,
            "name": name,
            "position": lead.position,
            "telegram": chat_id is not None,
            "email": bool(address),
        },
    )
    return lead


def remove_lead(uow: UnitOfWork, actor: str, lead_id: int) -> SafeguardingLead:
    """Stop telling a lead of alerts; their past notices keep naming them. The caller commits.

    Raises:
        LeadError: no such lead, or one already removed.
    """
    lead = uow.leads.get(lead_id)
    if lead is None:
        raise LeadError(f"There is no lead {lead_id}. See 'covoice lead list'.")
    if lead.removed_at is not None:
        raise LeadError(f"Lead {lead_id} ({lead.name}) was already removed.")
    lead.removed_at = utcnow()
    record(
        uow, actor, "lead.remove", {"lead": lead.id, "service": lead.service_id, "name": lead.name}
    )
    return lead

"""Which rows a dashboard user may see, and the one answer for a row they may not.

A manager sees only their own services. A row of another service, an id that
does not exist and an id that is not a number all get the same 404 page, so
a URL tells nobody what another service holds.
"""

from __future__ import annotations

from datetime import datetime

from fastapi.responses import HTMLResponse
from sqlalchemy import select

from bot.dashboard.access import Signed, actor, refused
from bot.dashboard.layout import Viewer
from governance import audit
from governance.service_days import stored_utc
from storage.models import Service
from storage.unit_of_work import UnitOfWork

MAX_ID_DIGITS = 12


def can_see(viewer: Viewer, service_id: str) -> bool:
    return viewer.services is None or service_id in viewer.services


def service_choices(uow: UnitOfWork, viewer: Viewer) -> list[tuple[str, str]]:
    """The (id, name) of every service the user may see, for a filter's choices."""
    query = select(Service.id, Service.name).order_by(Service.name, Service.id)
    if viewer.services is not None:
        query = query.where(Service.id.in_(viewer.services))
    return [(service_id, name) for service_id, name in uow.session.execute(query)]


def row_id(text: str) -> int | None:
    """A row's id from a URL or form, or None when it is not a whole number."""
    if not text.isascii() or not text.isdigit() or len(text) > MAX_ID_DIGITS:
        return None
    return int(text)


def not_found(uow: UnitOfWork, signed: Signed, what: str, asked: str, hint: str) -> HTMLResponse:
    """The one 404 page for a row that is missing or not the user's to see; the try is audited.

    Args:
        uow: the unit of work; committed here, with the audit entry.
        signed: who asked.
        what: the kind of row, e.g. "safeguarding alert".
        asked: the id as given (cut short on the page).
        hint: where to look instead, in plain words.
    """
    audit.record(
        uow, actor(signed.viewer), "dashboard.not_found", {"what": what, "asked": asked[:40]}
    )
    uow.commit()
    return refused(
        signed,
        f"No such {what}",
        f"There is no {what} '{asked[:20]}' that you can see. {hint}",
        404,
    )


def unknown_service(uow: UnitOfWork, signed: Signed, service_id: str, page: str) -> HTMLResponse:
    """The same answer whether a service is someone else's or does not exist."""
    audit.record(uow, actor(signed.viewer), f"dashboard.{page}.refused", {"service": service_id})
    uow.commit()
    return refused(
        signed,
        "No such service",
        f"There is no service '{service_id[:64]}' that you can see. Choose one from the list "
        f"on the {page.replace('_', ' ')} page.",
        404,
    )


def utc(moment: datetime | None, missing: str = "") -> str:
    """A stored time as the pages write it: UTC, to the minute."""
    return f"{stored_utc(moment):%Y-%m-%d %H:%M}" if moment is not None else missing

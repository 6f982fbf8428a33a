"""The one refusal for a row or service the caller may not see, written to the audit log.

Another service's row, an unknown id and an id that is not a number all get
the same 404, word for word, so an address tells nobody what another service
holds; the try is kept in the audit log, as the pages keep theirs.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.dashboard.access import actor
from bot.dashboard_api.auth import Caller
from bot.dashboard_api.errors import ApiError, not_found
from governance import audit
from storage.unit_of_work import UnitOfWork


def unseen_service(uow: UnitOfWork, who: Caller, thing: str, service: str) -> ApiError:
    """Audit a filter naming a service the caller cannot see; the 404 to raise.

    Args:
        uow: the unit of work; committed here, with the audit entry.
        who: the caller.
        thing: the endpoint's name in the audit log, e.g. ``alerts``.
        service: the service id as asked.
    """
    return _refused(
        uow,
        who,
        f"api.{thing}.refused",
        {"service": service[:64]},
        "service",
        "List the ones you can see with GET /api/v1/services.",
    )


def unseen_row(uow: UnitOfWork, who: Caller, what: str, asked: str, where: str) -> ApiError:
    """Audit asking for a row that is missing or someone else's; the 404 to raise.

    Args:
        uow: the unit of work; committed here, with the audit entry.
        who: the caller.
        what: the kind of row, e.g. "safeguarding alert".
        asked: the id as given.
        where: where to look instead, in plain words.
    """
    return _refused(uow, who, "api.not_found", {"what": what, "asked": asked[:40]}, what, where)


def _refused(
    uow: UnitOfWork,
    who: Caller,
    action: str,
    detail: Mapping[str, object],
    what: str,
    where: str,
) -> ApiError:
    audit.record(uow, actor(who.viewer), action, {**detail, "via": who.via})
    uow.commit()
    return not_found(what, where)

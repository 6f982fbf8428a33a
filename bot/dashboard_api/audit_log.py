"""GET /audit: the audit log, newest first, a page at a time; for admins only."""

# No `from __future__ import annotations`: FastAPI reads each endpoint's
# `Depends(caller)` from its annotations, and `caller` is a local name here.
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from bot.dashboard.access import Dashboard, actor
from bot.dashboard_api.auth import Caller
from bot.dashboard_api.errors import ALWAYS, error_responses
from bot.dashboard_api.paging import Cursor, Limit, row_id, write_cursor
from governance import audit
from governance.service_days import stored_utc
from storage.models import AuditEntry


class AuditEntryOut(BaseModel):
    id: int
    at: datetime = Field(description="When, in UTC")
    actor: str = Field(description="Who, e.g. dashboard:ada")
    action: str = Field(description="What, dotted, e.g. api.responses.view")
    reason: str | None = Field(description="Why, in the actor's words, when one was asked for")
    detail: dict[str, Any] = Field(description="What it was done to: the filter, rows, ...")


class AuditOut(BaseModel):
    entries: list[AuditEntryOut] = Field(description="Newest first")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )


def audit_routes(dashboard: Dashboard, caller: Callable[..., Caller]) -> APIRouter:
    router = APIRouter(tags=["audit"])

    @router.get("/audit", response_model=AuditOut, responses=error_responses(403, *ALWAYS))
    def audit_log(
        request: Request,
        who: Annotated[Caller, Depends(caller)],
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> AuditOut:
        """The audit log's entries, newest first; only an admin may read it."""
        who.require(("admin",), "read the audit log")
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
        if cursor:
            query = query.where(AuditEntry.id < row_id(cursor))
        with dashboard.store(request)() as uow:
            found = list(uow.session.scalars(query))
            entries = [
                AuditEntryOut(
                    id=e.id,
                    at=stored_utc(e.at),
                    actor=e.actor,
                    action=e.action,
                    reason=e.reason,
                    detail=dict(e.detail),
                )
                for e in found[:limit]
            ]
            audit.record(
                uow,
                actor(who.viewer),
                "api.audit.view",
                {"rows": len(entries), "via": who.via, "cursor": bool(cursor)},
            )
            uow.commit()
        more = len(found) > limit
        return AuditOut(
            entries=entries, next_cursor=write_cursor(str(entries[-1].id)) if more else None
        )

    return router

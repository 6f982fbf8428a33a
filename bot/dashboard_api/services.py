"""GET /services: the services the caller may see."""

# No `from __future__ import annotations`: FastAPI reads each endpoint's
# `Depends(caller)` from its annotations, and `caller` is a local name here.
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import select

from bot.dashboard.access import Dashboard
from bot.dashboard_api.auth import Caller
from bot.dashboard_api.errors import ALWAYS, error_responses
from storage.models import Service


class ServiceOut(BaseModel):
    id: str
    name: str
    time_zone: str
    demo: bool


class ServicesOut(BaseModel):
    services: list[ServiceOut]


def services_routes(dashboard: Dashboard, caller: Callable[..., Caller]) -> APIRouter:
    router = APIRouter(tags=["services"])

    @router.get("/services", response_model=ServicesOut, responses=error_responses(*ALWAYS))
    def services(request: Request, who: Annotated[Caller, Depends(caller)]) -> ServicesOut:
        """The services the caller may see: a manager's own, everyone else's all."""
        query = select(Service).order_by(Service.name, Service.id)
        if who.viewer.services is not None:
            query = query.where(Service.id.in_(who.viewer.services))
        with dashboard.store(request)() as uow:
            found = [
                ServiceOut(id=s.id, name=s.name, time_zone=s.time_zone, demo=s.demo)
                for s in uow.session.scalars(query)
            ]
        return ServicesOut(services=found)

    return router

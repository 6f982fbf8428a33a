"""GET /responses: the stored answers that match the responses page's filter, a page at a time.

The filter is read and checked by the page's own code (``response_filter``);
rows are read, named and audited by the page's own code (``response_reading``).
"""

# No `from __future__ import annotations`: FastAPI reads each endpoint's
# `Depends(caller)` from its annotations, and `caller` is a local name here.
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from bot.dashboard.access import Dashboard, actor
from bot.dashboard.response_filter import (
    FLAGGED,
    ResponseFilter,
    filter_choices,
    parse_filter,
    raw_filter,
)
from bot.dashboard.response_reading import read_responses
from bot.dashboard_api.auth import Caller
from bot.dashboard_api.errors import ALWAYS, ApiError, error_responses, not_found
from bot.dashboard_api.names import NamesReason, checked_reason
from bot.dashboard_api.paging import Cursor, Limit, time_and_id, write_cursor
from governance import audit


def _filter(description: str, alias: str | None = None) -> Any:
    return Query(alias=alias, max_length=200, description=description)


Service = Annotated[str, _filter("Only this service's answers (an id from /services)")]
Theme = Annotated[str, _filter("Only answers with this theme, from the question or the words")]
Role = Annotated[str, _filter("Only answers given in this role, e.g. person or family")]
Channel = Annotated[str, _filter("Only answers that came by this channel, e.g. kiosk")]
QuestionSet = Annotated[str, _filter("Only answers to this question set")]
Answer = Annotated[str, _filter("Only answers with this value, e.g. good")]
Incident = Annotated[
    str, _filter("Only answers following up this incident (its number), or `any` incident")
]
Safeguarding = Annotated[
    str, _filter("`flagged`: only answers whose words raised a safeguarding alert")
]
From = Annotated[str, _filter("The first day, YYYY-MM-DD; 30 days before `to` if left out", "from")]
To = Annotated[str, _filter("The last day, YYYY-MM-DD; today if left out")]


class FilterOut(BaseModel):
    service: str | None
    theme: str | None
    role: str | None
    channel: str | None
    question_set: str | None
    answer: str | None
    incident: str | None
    safeguarding: str | None
    first: date = Field(serialization_alias="from")
    last: date = Field(serialization_alias="to")


class ResponseOut(BaseModel):
    created_at: datetime = Field(description="When the answer was stored, in UTC")
    service_id: str
    person: str = Field(
        description="The service's own reference for an admin; a pseudonym for anyone else"
    )
    respondent_role: str
    channel: str
    question_set_id: str
    question_id: str
    answer_value: str | None
    free_text: str | None = Field(description="The person's words; always null for a viewer")
    themes: list[str] = Field(description="The question's themes and the words' themes")
    incident_id: int | None


class ResponsesOut(BaseModel):
    filter: FilterOut
    people: Literal["names", "pseudonyms"]
    words: bool = Field(description="Whether free text is shown to this caller")
    rows: list[ResponseOut] = Field(description="Newest first")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )


def responses_routes(dashboard: Dashboard, caller: Callable[..., Caller]) -> APIRouter:
    router = APIRouter(tags=["responses"])

    @router.get(
        "/responses",
        response_model=ResponsesOut,
        response_model_by_alias=True,
        responses=error_responses(404, *ALWAYS),
    )
    def responses(
        request: Request,
        who: Annotated[Caller, Depends(caller)],
        limit: Limit = 100,
        cursor: Cursor = None,
        service: Service = "",
        theme: Theme = "",
        role: Role = "",
        channel: Channel = "",
        question_set: QuestionSet = "",
        answer: Answer = "",
        incident: Incident = "",
        safeguarding: Safeguarding = "",
        from_: From = "",
        to: To = "",
        names_reason: NamesReason = "",
    ) -> ResponsesOut:
        """Answers that match, newest first, as the responses page shows them to the caller.

        Days (`from`, `to`: YYYY-MM-DD, by default the last 30 days) are counted in
        each service's own time zone. A viewer sees pseudonyms and no free text.
        """
        after = time_and_id(cursor) if cursor else None
        reason = checked_reason(who, names_reason)
        raw = raw_filter(
            {
                "service": service,
                "theme": theme,
                "role": role,
                "channel": channel,
                "question_set": question_set,
                "answer": answer,
                "incident": incident,
                "safeguarding": safeguarding,
                "from": from_,
                "to": to,
            }
        )
        viewer = who.viewer
        with dashboard.store(request)() as uow:
            choices = filter_choices(uow, dashboard.taxonomy, viewer)
            if raw["service"] and not choices.may_see_service(raw["service"]):
                audit.record(
                    uow,
                    actor(viewer),
                    "api.responses.refused",
                    {"service": raw["service"], "via": who.via},
                )
                uow.commit()
                raise not_found("service", "List the ones you can see with GET /api/v1/services.")
            shown, problems = parse_filter(raw, choices)
            if shown is None:
                raise ApiError(
                    400,
                    "bad_filter",
                    "The filter could not be used. Please correct what is listed and try again.",
                    problems,
                )
            read = read_responses(
                uow,
                dashboard.settings,
                viewer,
                shown,
                limit,
                "api.responses.view",
                reason,
                after,
                {"via": who.via, "cursor": bool(cursor)},
            )
            uow.commit()
        last = read.rows[-1] if read.rows else None
        next_cursor = None
        if read.more and last is not None:
            next_cursor = write_cursor(last.created_at.isoformat(), str(last.response_id))
        return ResponsesOut(
            filter=_filter_out(shown),
            people="names" if read.names else "pseudonyms",
            words=read.show_words,
            rows=[
                ResponseOut(
                    created_at=row.created_at,
                    service_id=row.service_id,
                    person=read.person[(row.service_id, row.person_ref)],
                    respondent_role=row.respondent_role,
                    channel=row.channel,
                    question_set_id=row.question_set_id,
                    question_id=row.question_id,
                    answer_value=row.answer_value,
                    free_text=row.free_text if read.show_words else None,
                    themes=list(dict.fromkeys(row.themes + row.text_themes)),
                    incident_id=row.incident_id,
                )
                for row in read.rows
            ],
            next_cursor=next_cursor,
        )

    return router


def _filter_out(shown: ResponseFilter) -> FilterOut:
    return FilterOut(
        service=shown.service or None,
        theme=shown.theme or None,
        role=shown.role or None,
        channel=shown.channel or None,
        question_set=shown.question_set or None,
        answer=shown.answer or None,
        incident=shown.incident or None,
        safeguarding=FLAGGED if shown.flagged else None,
        first=shown.first,
        last=shown.last,
    )

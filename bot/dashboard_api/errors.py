"""The API's refusals: one error type, one JSON body, answered in one place.

Every refusal says in plain words what went wrong and what to do next; a bad
filter lists each of its problems. Nothing becomes a 500 with a traceback.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from governance.errors import GovernanceError


class ErrorOut(BaseModel):
    error: str = Field(description="A short code: unauthorized, forbidden, not_found, ...")
    message: str = Field(description="What went wrong and what to do next, in plain words")
    problems: list[str] = Field(
        default_factory=list, description="For a bad filter: each problem with it"
    )


class ApiError(Exception):
    """A request the API refuses; its status, code and message go back as JSON."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        problems: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorOut(error=error, message=message, problems=problems or [])
        self.headers = headers


def not_found(what: str, where_to_look: str) -> ApiError:
    """The same answer, word for word, whether it is someone else's or does not exist."""
    return ApiError(404, "not_found", f"There is no such {what} that you can see. {where_to_look}")


def error_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """The refusals an endpoint declares in the OpenAPI description."""
    return {status: {"description": MEANINGS[status], "model": ErrorOut} for status in statuses}


MEANINGS = {
    400: "The request's filter, paging or other values are wrong; `problems` says how",
    401: "No token or session, or one that is unknown, revoked or whose user is disabled",
    403: "The caller's role may not do this",
    404: "No such thing that the caller may see",
    503: "The data cannot be read just now",
}
# Every endpoint can refuse these: any request's values are checked (400).
ALWAYS = (400, 401, 503)


def answer_errors(api: FastAPI) -> None:
    """Turn every refusal, bad parameter and store problem into the JSON error body."""

    @api.exception_handler(ApiError)
    async def refused(_: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body.model_dump(), error.status, headers=error.headers)

    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            f"'{issue['loc'][-1]}': {issue['msg']}." if issue["loc"] else f"{issue['msg']}."
            for issue in error.errors()
        ]
        body = ErrorOut(
            error="bad_request",
            message="The request could not be used. Please correct what is listed and try again.",
            problems=problems,
        )
        return JSONResponse(body.model_dump(), 400)

    @api.exception_handler(HTTPException)
    async def no_route(_: Request, error: HTTPException) -> JSONResponse:
        # An address no endpoint answers (e.g. an id with a slash in it): the same body.
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "bad_request")
        body = ErrorOut(
            error=code,
            message=f"{error.detail}. The API's addresses are listed at /api/v1/openapi.json.",
        )
        return JSONResponse(body.model_dump(), error.status_code, headers=error.headers)

    @api.exception_handler(GovernanceError)
    async def unavailable(_: Request, error: GovernanceError) -> JSONResponse:
        body = ErrorOut(error="unavailable", message=str(error))
        return JSONResponse(body.model_dump(), 503)

"""Reading a long list a page at a time: a limit, and an opaque cursor to read on from.

A cursor names the last row of the page before, so rows stored while a program
reads do not shift the pages it has still to read: every row comes once.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timezone
from typing import Annotated

from fastapi import Query

from bot.dashboard_api.errors import ApiError

MAX_LIMIT = 500
NEXT_CURSOR = "Pass as `cursor` to read the next page; null when there is no more"

Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"At most this many rows (1 to {MAX_LIMIT})")
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Read on after the page that gave this `next_cursor`; leave out to start",
    ),
]


def write_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode("~".join(parts).encode()).decode().rstrip("=")


def read_cursor(cursor: str, count: int) -> list[str]:
    """The cursor's parts; a cursor this API did not give is a 400."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_cursor() from None
    parts = text.split("~")
    if len(parts) != count:
        raise bad_cursor()
    return parts


def time_and_id(cursor: str) -> tuple[datetime, int]:
    """A cursor that names a row by when it was stored and its id."""
    at, row_id = read_cursor(cursor, 2)
    try:
        moment = datetime.fromisoformat(at)
        number = int(row_id)
        if moment.tzinfo is None or number < 0:
            raise ValueError("not a cursor this API writes")
        # The store keeps UTC; SQLite compares the written-out time.
        return moment.astimezone(timezone.utc), number
    except (ValueError, OverflowError):
        raise bad_cursor() from None


def row_id(cursor: str) -> int:
    """A cursor that names a row by its id."""
    (text,) = read_cursor(cursor, 1)
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise bad_cursor()
    return int(text)


def bad_cursor() -> ApiError:
    return ApiError(
        400,
        "bad_request",
        "The request could not be used. Please correct what is listed and try again.",
        [
            "'cursor' is not one this API gave. Use the `next_cursor` of the page before, "
            "or leave it out to start from the first page."
        ],
    )

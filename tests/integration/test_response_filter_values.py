"""The responses filter's lists of stored values: each value once, read by index steps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.dashboard.response_filter import _stored
from storage.models import Response
from storage.unit_of_work import UnitOfWork
from tests.integration.governance_rows import add_conversation, add_response

AT = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


@contextmanager
def statements() -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def test_each_stored_value_is_listed_once_in_order_and_no_answer_is_left_out(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow:
        conversation = add_conversation(uow, "conv-1", "p-1")
        for number, value in enumerate(("okay", "bad", None, "good", "bad", "okay")):
            add_response(uow, conversation, f"q-{number}", AT, value)
        uow.commit()
    with unit_of_work() as uow:
        assert _stored(uow, Response.answer_value) == ["bad", "good", "okay"]
        assert _stored(uow, Response.channel) == [conversation.channel]


def test_a_store_without_answers_lists_no_values(unit_of_work: Callable[[], UnitOfWork]) -> None:
    with unit_of_work() as uow:
        assert _stored(uow, Response.question_set_id) == []


def test_the_values_are_read_from_the_index_not_from_every_answer(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow, statements() as seen:
        _stored(uow, Response.answer_value)
        sql, params = seen[-1]
        explained = uow.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = [row[3] for row in explained]
    assert any("COVERING INDEX ix_response_answer_value_created_at" in step for step in plan)
    assert not any(step.startswith("SCAN response") for step in plan)

"""Engines and session factories; callers own the session's lifetime."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, lock_timeout_seconds: float = 5.0, **kwargs: Any) -> Engine:
    """Create an engine whose waits for a lock are bounded by ``lock_timeout_seconds``.

    SQLite also gets the settings that let two processes share it. Errors never
    carry the values of a statement: they are people's words.
    """
    millis = int(lock_timeout_seconds * 1000)
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": lock_timeout_seconds})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", partial(_sqlite_pragmas, millis))
        return engine
    if url.startswith("postgresql"):
        kwargs.setdefault("connect_args", {"options": f"-c lock_timeout={millis}"})
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(busy_millis: int, dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the app read while the action server writes; foreign keys are
    # off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_millis}")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)

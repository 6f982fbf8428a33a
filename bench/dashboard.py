"""Benchmark: the dashboard's responses and themes pages with 100,000 and 1,000,000 answers.

For each size it fills a throw-away SQLite store with `covoice demo --responses N`
(its own process, timed, with its peak memory), serves the app under uvicorn on
a free port and signs in as the demo's admin, who sees every service. Then it
times four pages over HTTP, taking turns request by request after a warm-up:
the responses list with its default filter (the last 30 days) and filtered by
one service and one theme, and the themes page with its default range (six
months) and for one service.

Each size is timed twice on the same store: first with the indexes migration
0012 adds dropped, then with them built again (the build is timed too), so the
two columns differ only by those indexes. For every query a page sends that
reads the answers, it keeps SQLite's EXPLAIN QUERY PLAN and the query's own
time, read again outside the app. Run with `make bench`.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from bot.app_thread import app_in_thread
from cli.stack import private_settings
from covoice.settings import Settings
from governance.demo_data import LOGINS_FILE, read_logins
from storage.models import Base

SIZES = (100_000, 1_000_000)
WARMUP = 3
REQUESTS = 20
# Without the indexes the pages are slow enough at 1,000,000 that fewer rounds
# keep the whole bench within a quarter of an hour.
REQUESTS_WITHOUT = 10
USER = "demo-admin"
PAGES = (
    ("responses, default (last 30 days)", "/dashboard/responses"),
    (
        "responses, one service and theme",
        "/dashboard/responses?service=demo-riverside&theme=food_drink",
    ),
    ("themes, default (six months)", "/dashboard/themes"),
    ("themes, one service", "/dashboard/themes?service=demo-riverside"),
)
# The indexes migration 0012 adds, as the models declare them.
NEW_INDEXES = (
    "ix_response_channel_created_at",
    "ix_response_question_set_id_created_at",
    "ix_response_answer_value_created_at",
)
PHASES = ("without 0012 indexes", "with them")
_READS_ANSWERS = re.compile(r"\b(FROM|JOIN) response\b")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Query:
    """A query a page sent that reads the answers: its kind, plan and own time."""

    kind: str
    plan: list[str]
    seconds: float


@dataclass
class Phase:
    times: dict[str, list[float]] = field(default_factory=dict)
    queries: dict[str, list[Query]] = field(default_factory=dict)


@dataclass
class Size:
    responses: int
    seeded: str
    seed_seconds: float
    seed_peak_mb: float
    database_mb: float
    index_seconds: float = 0.0
    phases: dict[str, Phase] = field(default_factory=dict)


class Statements:
    """The SQL the app sends while listening, with its parameters."""

    def __init__(self) -> None:
        self.listening = False
        self.seen: list[tuple[str, Any]] = []
        event.listen(Engine, "before_cursor_execute", self._note)

    def _note(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.listening:
            self.seen.append((statement, params))

    @contextmanager
    def catching(self) -> Iterator[list[tuple[str, Any]]]:
        self.seen = []
        self.listening = True
        try:
            yield self.seen
        finally:
            self.listening = False


def seed(settings: Settings, responses: int) -> tuple[str, float, float]:
    """Run `covoice demo --responses N` on the store; its last words, seconds and peak MB."""
    covoice = Path(sys.executable).with_name("covoice")
    env = os.environ | {"COVOICE_DATA_DIR": str(settings.data_dir)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(covoice), "demo", "--responses", str(responses)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    # wait4 rather than wait: it also gives the child's own peak memory.
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"covoice demo failed:\n{output}")
    added = next((line for line in output.splitlines() if line.startswith("Added")), output)
    # Linux gives ru_maxrss in KB.
    return added, seconds, usage.ru_maxrss / 1024


def sign_in(client: httpx.Client, password: str) -> None:
    form = client.get("/dashboard/login")
    found = _CSRF.search(form.text)
    if found is None:
        raise RuntimeError("The sign-in form has no CSRF token")
    signed = client.post(
        "/dashboard/login", data={"username": USER, "password": password, "csrf": found[1]}
    )
    if signed.status_code != 303:
        raise RuntimeError(f"Could not sign in as {USER}: {signed.status_code}")


def time_pages(client: httpx.Client, requests: int) -> dict[str, list[float]]:
    """Each page ``requests`` times, taking turns, after a warm-up."""
    times: dict[str, list[float]] = {label: [] for label, _ in PAGES}
    for number in range(WARMUP + requests):
        for label, url in PAGES:
            started = time.perf_counter()
            page = client.get(url)
            elapsed = time.perf_counter() - started
            if page.status_code != 200:
                raise RuntimeError(f"{url} answered {page.status_code}")
            if number >= WARMUP:
                times[label].append(elapsed)
    return times


def page_queries(
    client: httpx.Client, statements: Statements, database: Path
) -> dict[str, list[Query]]:
    """For each page, the queries it sends that read the answers, planned and timed."""
    found: dict[str, list[Query]] = {}
    with sqlite3.connect(database) as connection:
        for label, url in PAGES:
            with statements.catching() as seen:
                client.get(url)
            found[label] = [
                _query(connection, sql, params)
                for sql, params in seen
                if sql.lstrip().startswith(("SELECT", "WITH")) and _READS_ANSWERS.search(sql)
            ]
    return found


def _query(connection: sqlite3.Connection, sql: str, params: Any) -> Query:
    started = time.perf_counter()
    connection.execute(sql, params).fetchall()
    seconds = time.perf_counter() - started
    rows = connection.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    depth: dict[int, int] = {0: -1}
    plan = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        plan.append("  " * depth[node] + detail)
    return Query(_kind(sql), plan, seconds)


def _kind(sql: str) -> str:
    if sql.startswith("WITH RECURSIVE found"):
        column = re.search(r"min\(response\.(\w+)\)", sql)
        return f"filter choices: {column[1] if column else '?'} values stored"
    if "count(*)" in sql and "month" in sql:
        return "governance.theme_trends"
    if sql.startswith("SELECT response.id"):
        return "governance.queries.responses_between"
    return " ".join(sql.split())[:70]


def drop_indexes(database: Path) -> None:
    with sqlite3.connect(database) as connection:
        for name in NEW_INDEXES:
            connection.execute(f"DROP INDEX IF EXISTS {name}")


def build_indexes(database_url: str) -> float:
    """Build the indexes again from the models' own definitions; the seconds it took."""
    engine = create_engine(database_url)
    wanted = [
        index for index in Base.metadata.tables["response"].indexes if index.name in NEW_INDEXES
    ]
    started = time.perf_counter()
    with engine.begin() as connection:
        for index in wanted:
            index.create(connection)
    engine.dispose()
    return time.perf_counter() - started


def measure(responses: int, statements: Statements) -> Size:
    work = Path(tempfile.mkdtemp(prefix="covoice-dashboard-bench-"))
    try:
        settings = private_settings(work, pseudonym_key="bench")
        database = work / "covoice.db"
        print(f"{responses:,} answers: covoice demo", flush=True)
        added, seed_seconds, seed_peak = seed(settings, responses)
        print(f"  {added}", flush=True)
        size = Size(responses, added, seed_seconds, seed_peak, database.stat().st_size / 1e6)
        password = {user: word for user, word, _ in read_logins(work / LOGINS_FILE)}[USER]
        with app_in_thread(settings) as url, httpx.Client(base_url=url, timeout=300) as client:
            sign_in(client, password)
            for phase, requests in zip(PHASES, (REQUESTS_WITHOUT, REQUESTS), strict=True):
                if phase == PHASES[0]:
                    drop_indexes(database)
                else:
                    size.index_seconds = build_indexes(settings.resolved_database_url)
                print(f"  {phase}: {len(PAGES)} pages x {requests}", flush=True)
                size.phases[phase] = Phase(
                    time_pages(client, requests), page_queries(client, statements, database)
                )
        return size
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, help="Markdown file to write the results to")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=list(SIZES), help="Answers in each store"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    statements = Statements()
    sizes = [measure(responses, statements) for responses in args.sizes]
    report = render(sizes, time.perf_counter() - started, _peak_mb())
    print(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ms(times: list[float], percent: int) -> str:
    return f"{statistics.quantiles(times, n=100, method='inclusive')[percent - 1] * 1000:.0f}"


def render(sizes: list[Size], seconds: float, peak_mb: float) -> str:
    lines = [
        "# Benchmark: the dashboard on a large store",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, SQLite "
        f"{sqlite3.sqlite_version}. Reproduce with `make bench` ({seconds / 60:.1f} minutes "
        f"for the whole of this file; the bench's own peak memory, app included, "
        f"{peak_mb:.0f} MB).",
        "",
        "Each store is filled by `covoice demo --responses N` (three services, 40 people, six "
        "months of answers) and served by the app under uvicorn; the demo's admin, who sees "
        "every service, asks for each page over HTTP, the four pages taking turns request by "
        f"request after {WARMUP} warm-up rounds. Times run from the request to the whole page "
        f"read. The first column is the same code with the three indexes of migration 0012 "
        f"dropped ({REQUESTS_WITHOUT} rounds); the second has them built again "
        f"({REQUESTS} rounds).",
        "",
        "| answers | page | without 0012 indexes: p50 ms | p95 ms | with them: p50 ms | p95 ms |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for size in sizes:
        without, with_ = (size.phases[phase].times for phase in PHASES)
        for label, _ in PAGES:
            lines.append(
                f"| {size.responses:,} | {label} | {_ms(without[label], 50)} "
                f"| {_ms(without[label], 95)} | {_ms(with_[label], 50)} | {_ms(with_[label], 95)} |"
            )
    lines += [
        "",
        "Without its indexes the responses page still lists the values stored for its "
        "filters (channel, question set, answer) by stepping from one value to the next, "
        "and each step then reads the whole table; before migration 0012 it read each "
        "column once with SELECT DISTINCT, which costs one whole read per column on every "
        "view instead of a few index steps. The themes page counts, on every view, every "
        "answer on every theme in its months, grouped by service, theme, month and answer "
        "in SQL: over the default six months that is every answer in these stores, so its "
        "time grows with the store whatever the indexes (see the plans below).",
        "",
        "| answers | filling the store | its peak memory | store on disk "
        "| building the 0012 indexes |",
        "|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        lines.append(
            f"| {size.responses:,} | {size.seed_seconds:.0f} s | {size.seed_peak_mb:.0f} MB "
            f"| {size.database_mb:.0f} MB | {size.index_seconds:.1f} s |"
        )
    largest = sizes[-1]
    lines += [
        "",
        f"## Where a page's time goes, at {largest.responses:,} answers",
        "",
        "Each query a page sent that reads the answers, run again on its own "
        "(SQLite, through Python's sqlite3, every row read).",
        "",
        "| page | query | without 0012 indexes ms | with them ms |",
        "|---|---|---:|---:|",
    ]
    without_q, with_q = (largest.phases[phase].queries for phase in PHASES)
    for label, _ in PAGES:
        for before, after in zip(without_q[label], with_q[label], strict=False):
            lines.append(
                f"| {label} | {after.kind} | {before.seconds * 1000:.0f} "
                f"| {after.seconds * 1000:.0f} |"
            )
    lines += [
        "",
        f"## Query plans at {largest.responses:,} answers, with the 0012 indexes",
        "",
        "SQLite's `EXPLAIN QUERY PLAN` of each query above. `SEARCH ... USING INDEX` reads "
        "part of an index; `SCAN` reads a whole table or index.",
    ]
    for label, _ in PAGES:
        for query in with_q[label]:
            lines += ["", f"{label}: `{query.kind}`", "", "```", *query.plan, "```"]
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Benchmark: turn latency and throughput of the full stack against bare Rasa.

Starts its own stack on free ports with a throw-away store, then for 1, 10 and
50 concurrent conversations runs whole check-ins twice, side by side: through
the app's chat endpoint (app -> Rasa -> action server -> store) and straight
to the Rasa server's REST channel with the same metadata (Rasa -> action
server -> store). Also times training and start-up and reads each process's
peak memory. Run with `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from cli.stack import RASA_BIN, Stack, private_settings
from covoice.settings import PROJECT_ROOT
from storage.migrate import upgrade_database
from storage.models import Provider, Service
from storage.unit_of_work import open_store

CHECK_IN = [
    "hello",
    "yes",
    "/affirm",
    "/affirm",
    "/rate_good",
    "/affirm",
    "/rate_good",
    '/inform{"choice": "music"}',
    "/affirm",
    "/rate_good",
    "/rate_good",
    "more trips to the seaside",
    "/deny",
]
LEVELS = ((1, 20), (10, 30), (50, 50))  # (concurrent conversations, conversations in all)
# Each level runs in rounds that take turns between the two paths, so drift in
# a shared machine's speed falls on both alike.
ROUNDS = 5


@dataclass
class Result:
    target: str
    concurrency: int
    latencies: list[float]
    seconds: float
    failures: int

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.latencies, n=20)[18] * 1000

    @property
    def turns_per_second(self) -> float:
        return len(self.latencies) / self.seconds


async def conversation(client: httpx.AsyncClient, target: str, url: str) -> tuple[list[float], int]:
    sender = uuid.uuid4().hex[:12]
    latencies: list[float] = []
    last_kind: str | None = None
    for text in CHECK_IN:
        message_id = uuid.uuid4().hex
        if target == "app":
            body = {
                "channel": "bench",
                "sender": sender,
                "text": text,
                "service": "bench-house",
                "message_id": message_id,
            }
        else:
            body = {
                "sender": f"rest:{sender}",
                "message": text,
                "input_channel": "bench",
                "metadata": {
                    "channel": "bench",
                    "service": "bench-house",
                    "person": sender,
                    "role": "person",
                    "message_id": message_id,
                },
            }
        started = time.perf_counter()
        response = await client.post(url, json=body)
        latencies.append(time.perf_counter() - started)
        last_kind = _last_kind(target, response)
    # A conversation counts as failed unless it reached the thank-you.
    return latencies, int(last_kind != "closing")


def _last_kind(target: str, response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return None
    answer = response.json()
    if target == "app":
        return answer["replies"][-1]["kind"] if answer.get("replies") else None
    custom = answer[-1].get("custom") if answer else None
    return custom.get("kind") if isinstance(custom, dict) else None


async def load(target: str, url: str, concurrency: int, total: int) -> Result:
    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        gate = asyncio.Semaphore(concurrency)

        async def one() -> tuple[list[float], int]:
            async with gate:
                return await conversation(client, target, url)

        started = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(total)))
        seconds = time.perf_counter() - started
    latencies = [latency for found, _ in results for latency in found]
    return Result(target, concurrency, latencies, seconds, sum(f for _, f in results))


async def compare(
    app_url: str, rasa_url: str, concurrency: int, total: int
) -> tuple[Result, Result]:
    """Run ``total`` conversations on each path, in alternating rounds."""
    per_round = max(concurrency, total // ROUNDS)
    found = {target: Result(target, concurrency, [], 0.0, 0) for target in ("app", "rasa")}
    order = [("app", app_url), ("rasa", rasa_url)]
    for _ in range(max(1, total // per_round)):
        for target, url in order:
            batch = await load(target, url, concurrency, per_round)
            found[target].latencies += batch.latencies
            found[target].seconds += batch.seconds
            found[target].failures += batch.failures
        order.reverse()
    return found["app"], found["rasa"]


def peak_memory_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its children."""
    total = 0.0
    for process in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found] + [g for c in found for g in _children(int(c))]


def time_training(work: Path) -> float:
    out = work / "models"
    started = time.perf_counter()
    subprocess.run(
        [
            str(RASA_BIN),
            "train",
            "--config",
            "config.yml",
            "--domain",
            "nlu/domain.yml",
            "--data",
            "nlu/data",
            "--out",
            str(out),
            "--force",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ | {"RASA_TELEMETRY_ENABLED": "false"},
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, help="Markdown file to write the results to")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="covoice-bench-"))
    settings = private_settings(work, pseudonym_key="bench")
    upgrade_database(settings.resolved_database_url)
    with open_store(settings.resolved_database_url)() as uow:
        uow.services.add_provider(Provider(id="bench-care", name="Bench Care"))
        uow.services.add(Service(id="bench-house", provider_id="bench-care", name="Bench House"))
        uow.commit()

    print("Timing a full training run…", flush=True)
    train_seconds = time_training(work)
    stack = Stack(settings, log_dir=work / "logs")
    try:
        started = time.perf_counter()
        stack.start_all(on_progress=lambda line: print(line, flush=True))
        start_seconds = time.perf_counter() - started
        app_url = f"http://127.0.0.1:{settings.app_port}/api/chat"
        rasa_url = f"{settings.rasa_url}/webhooks/rest/webhook"
        asyncio.run(load("app", app_url, 1, 2))  # warm both paths
        asyncio.run(load("rasa", rasa_url, 1, 2))
        results = []
        for concurrency, total in LEVELS:
            print(f"{concurrency} concurrent conversations, both paths…", flush=True)
            results.extend(asyncio.run(compare(app_url, rasa_url, concurrency, total)))
        memory = {p.name: peak_memory_mb(p.popen.pid) for p in stack.processes}
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)

    report = render(results, train_seconds, start_seconds, memory)
    print(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")


def render(
    results: list[Result], train_seconds: float, start_seconds: float, memory: dict[str, float]
) -> str:
    by_key = {(r.target, r.concurrency): r for r in results}
    lines = [
        "# Benchmark: full stack against bare Rasa",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}. Reproduce with `make bench`.",
        "",
        "Each conversation is a whole check-in of "
        f"{len(CHECK_IN)} turns. *Full stack*: the app's `/api/chat` (inbox, dedupe, Rasa, "
        "action server, store). *Bare Rasa*: the Rasa REST channel directly, same model, "
        "same action server and store. Ratio = full / bare (1.00 = no overhead). "
        f"The two paths take turns in up to {ROUNDS} rounds a level, so a shared "
        "machine's drift falls on both.",
        "",
        "| concurrent | path | turns | p50 ms | p95 ms | turns/s | unfinished check-ins |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for concurrency, _ in LEVELS:
        for target, label in (("app", "full stack"), ("rasa", "bare Rasa")):
            r = by_key[(target, concurrency)]
            lines.append(
                f"| {concurrency} | {label} | {len(r.latencies)} | {r.p50:.0f} | {r.p95:.0f} "
                f"| {r.turns_per_second:.1f} | {r.failures} |"
            )
        full, bare = by_key[("app", concurrency)], by_key[("rasa", concurrency)]
        lines.append(
            f"| {concurrency} | **ratio** | | {full.p50 / bare.p50:.2f} "
            f"| {full.p95 / bare.p95:.2f} "
            f"| {full.turns_per_second / bare.turns_per_second:.2f} | |"
        )
    lines += [
        "",
        f"- Training the model (`rasa train --force`): {train_seconds:.1f} s",
        f"- Starting the stack until every process answers: {start_seconds:.1f} s",
        "- Peak memory (VmHWM, with child processes): "
        + ", ".join(f"{name} {mb:.0f} MB" for name, mb in memory.items()),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Benchmark: what a turn costs through the full stack, the Rasa webhook, and Rasa's NLU alone.

Starts its own stack on free ports with a throw-away store. At 1 and 20
concurrent conversations it runs three series side by side, taking turns in
rounds so that a shared machine's drift falls on all of them alike:

- full stack: the app's `/api/chat` with an API key (inbox, contact, Rasa,
  action server, store);
- Rasa webhook: Rasa's token-guarded channel straight, for senders already
  recorded as contacts (Rasa, action server, store);
- NLU only: Rasa's `/model/parse` on the same texts.

Each check-in presses the buttons it is shown (answers carry their step and
turn) and asks for a question to be repeated before answering it, so a
conversation runs past 15 turns. It reports latency, throughput, each
process's CPU per turn, turn time at turn 2 and at turn 15, and the answers
lost or stored twice, counted in the store. Run with `make bench`.
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
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bot.credentials import issue
from bot.replies import prompts_from_rasa
from checkin.service import NewContact, ensure_contact
from checkin.wire import Prompt, TurnMetadata
from cli.stack import RASA_BIN, Stack, private_settings
from covoice.settings import PROJECT_ROOT, Settings
from storage.migrate import upgrade_database
from storage.models import Conversation, Provider, Response, Service
from storage.unit_of_work import UnitOfWorkFactory, open_store

SERVICE = "bench-house"
STORY = "more trips to the seaside with my friends"
LEVELS = ((1, 6), (20, 40))  # (concurrent conversations, conversations in all)
ROUNDS = 2
SERIES = ("full stack", "Rasa webhook", "NLU only")
WATCHED_TURNS = (2, 15)


@dataclass
class Result:
    series: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    by_turn: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    expected_answers: dict[str, int] = field(default_factory=dict)
    unfinished: int = 0

    def p(self, percent: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100)[percent - 1] * 1000

    @property
    def turns_per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def cpu_ms_per_turn(self, process: str) -> float:
        return self.cpu[process] * 1000 / max(len(self.latencies), 1)

    def turn_ms(self, turn: int) -> float:
        found = self.by_turn.get(turn)
        return statistics.median(found) * 1000 if found else float("nan")


Send = Callable[[str, str, str], Awaitable[list[Prompt]]]


def next_message(prompts: list[Prompt], repeated: set[str]) -> tuple[str, bool] | None:
    """What a person would send next, and whether it gives an answer; None at the end."""
    last = prompts[-1] if prompts else None
    if last is None or last.kind == "closing":
        return None
    answers = [b for b in last.buttons if b.kind == "answer"]
    if last.kind == "consent":
        return answers[0].payload, False
    if last.kind == "question" and answers:
        step = last.question_id or ""
        if step not in repeated:
            repeated.add(step)
            return "say that again", False
        return answers[0].payload, True
    if last.question_id == "anything_else":
        return answers[0].payload, False  # "No, that's all"
    if last.kind == "follow_up":
        return STORY, True
    return "hello", False


async def conversation(send: Send, result: Result, sender: str) -> None:
    texts = ["hello"]
    repeated: set[str] = set()
    answers = 0
    turn = 0
    while texts and turn < 60:
        turn += 1
        started = time.perf_counter()
        prompts = await send(sender, texts.pop(), uuid.uuid4().hex)
        elapsed = time.perf_counter() - started
        result.latencies.append(elapsed)
        result.by_turn[turn].append(elapsed)
        following = next_message(prompts, repeated)
        if following is not None:
            text, gives_answer = following
            answers += gives_answer
            texts.append(text)
        elif not prompts or prompts[-1].kind != "closing":
            result.unfinished += 1
    result.expected_answers[sender] = answers


async def parse_only(send: Send, result: Result, sender: str, texts: list[str]) -> None:
    for index, text in enumerate(texts, 1):
        started = time.perf_counter()
        await send(sender, text, "")
        elapsed = time.perf_counter() - started
        result.latencies.append(elapsed)
        result.by_turn[index].append(elapsed)


class Bench:
    def __init__(self, stack: Stack, api_key: str, store: UnitOfWorkFactory) -> None:
        self.stack = stack
        self.settings = stack.settings
        self.api_key = api_key
        self.store = store
        self.texts: list[str] = []  # what the check-ins sent, for the NLU series

    async def run_series(self, series: str, concurrency: int, total: int, into: Result) -> None:
        limits = httpx.Limits(max_connections=concurrency + 5)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            send = self._sender(series, client)
            senders = [f"bench:{uuid.uuid4().hex[:12]}" for _ in range(total)]
            if series == "Rasa webhook":
                await asyncio.to_thread(self._record_contacts, senders)
            gate = asyncio.Semaphore(concurrency)
            texts = self.texts or ["hello", "yes", "/affirm", "say that again", STORY]

            async def one(sender: str) -> None:
                async with gate:
                    if series == "NLU only":
                        await parse_only(send, into, sender, texts)
                    else:
                        await conversation(send, into, sender)

            cpu_before = self._cpu_seconds()
            started = time.perf_counter()
            await asyncio.gather(*(one(sender) for sender in senders))
            into.seconds += time.perf_counter() - started
            for process, seconds in self._cpu_seconds().items():
                into.cpu[process] += seconds - cpu_before.get(process, 0.0)

    def _sender(self, series: str, client: httpx.AsyncClient) -> Send:
        settings = self.settings
        token = settings.rasa_api_token()

        async def full_stack(sender: str, text: str, message_id: str) -> list[Prompt]:
            self._keep(text)
            response = await client.post(
                f"{self.stack.app_url}/api/chat",
                json={
                    "sender": sender.split(":", 1)[1],
                    "text": text,
                    "service": SERVICE,
                    "message_id": message_id,
                },
                headers={"Authorization": f"Bearer {self.api_key}"},
            )
            if response.status_code != 200:
                return []
            return [Prompt.model_validate(reply) for reply in response.json()["replies"]]

        async def rasa_webhook(sender: str, text: str, message_id: str) -> list[Prompt]:
            metadata = TurnMetadata(message_id=message_id)
            response = await client.post(
                self.stack.rasa_webhook_url,
                json={
                    "sender": sender,
                    "message": text,
                    "input_channel": "bench",
                    "metadata": metadata.to_wire(),
                },
                headers={"Authorization": f"Bearer {token}"},
            )
            return prompts_from_rasa(response.json()) if response.status_code == 200 else []

        async def nlu_only(sender: str, text: str, message_id: str) -> list[Prompt]:
            await client.post(
                f"{settings.rasa_url}/model/parse", params={"token": token}, json={"text": text}
            )
            return []

        return {"full stack": full_stack, "Rasa webhook": rasa_webhook, "NLU only": nlu_only}[
            series
        ]

    def _keep(self, text: str) -> None:
        if len(self.texts) < 40 and text not in self.texts:
            self.texts.append(text)

    def _record_contacts(self, senders: list[str]) -> None:
        with self.store() as uow:
            for sender in senders:
                ensure_contact(uow, NewContact(sender, "bench", SERVICE, sender))
            uow.commit()

    def _cpu_seconds(self) -> dict[str, float]:
        found = {p.name: cpu_seconds(p.popen.pid) for p in self.stack.processes}
        found["benchmark client"] = time.process_time()
        return found

    def stored_answers(self) -> dict[str, int]:
        with self.store() as uow:
            rows = uow.session.execute(
                select(Conversation.sender_id, func.count(Response.id))
                .join(Response, Response.conversation_id == Conversation.id)
                .group_by(Conversation.sender_id)
            )
            counts: dict[str, int] = defaultdict(int)
            for sender_id, count in rows:
                counts[sender_id] += count
            return counts


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its children so far (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for process in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime and stime are fields 14 and 15 of stat; after the name they are 12 and 13.
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


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
            str(work / "models"),
            "--force",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ | {"RASA_TELEMETRY_ENABLED": "false"},
    )
    return time.perf_counter() - started


def prepare(settings: Settings) -> tuple[UnitOfWorkFactory, str]:
    upgrade_database(settings.resolved_database_url)
    store = open_store(settings.resolved_database_url)
    with store() as uow:
        uow.services.add_provider(Provider(id="bench-care", name="Bench Care"))
        uow.services.add(Service(id=SERVICE, provider_id="bench-care", name="Bench House"))
        uow.commit()
    with store() as uow:
        key = issue(uow, "benchmark", "bench", [SERVICE])
        uow.commit()
    return store, key.raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, help="Markdown file to write the results to")
    parser.add_argument("--no-training", action="store_true", help="Skip timing a training run")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="covoice-bench-"))
    settings = private_settings(work, pseudonym_key="bench")
    store, api_key = prepare(settings)
    train_seconds = None if args.no_training else time_training(work)
    stack = Stack(settings, log_dir=work / "logs")
    try:
        started = time.perf_counter()
        stack.start_all(on_progress=lambda line: print(line, flush=True))
        start_seconds = time.perf_counter() - started
        bench = Bench(stack, api_key, store)
        warm = Result("warm", 1)
        for series in SERIES:
            asyncio.run(bench.run_series(series, 1, 2, warm))
        results = []
        for concurrency, total in LEVELS:
            print(f"{concurrency} concurrent conversations, three series…", flush=True)
            found = {series: Result(series, concurrency) for series in SERIES}
            order = list(SERIES)
            for _ in range(ROUNDS):
                for series in order:
                    asyncio.run(
                        bench.run_series(series, concurrency, total // ROUNDS, found[series])
                    )
                order.reverse()
            results.extend(found.values())
        stored = bench.stored_answers()
        memory = {p.name: peak_memory_mb(p.popen.pid) for p in stack.processes}
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)

    report = render(results, stored, train_seconds, start_seconds, memory)
    print(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")


def render(
    results: list[Result],
    stored: dict[str, int],
    train_seconds: float | None,
    start_seconds: float,
    memory: dict[str, float],
) -> str:
    processes = ["Rasa server", "action server", "app", "benchmark client"]
    lines = [
        "# Benchmark: what a turn costs",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}. Reproduce with `make bench`.",
        "",
        "*Full stack*: the app's `/api/chat` with an API key (inbox, contact, Rasa, action "
        "server, store). *Rasa webhook*: Rasa's token-guarded channel straight (Rasa, action "
        "server, store). *NLU only*: Rasa's `/model/parse` on the same texts. Each check-in "
        "presses the buttons it is shown and asks for each question to be repeated before "
        f"answering it. The series take turns in {ROUNDS} rounds a level. CPU is user + system "
        "time of each process (and its children) over the series, per turn.",
        "",
        "| concurrent | series | turns | p50 ms | p95 ms | turns/s | "
        + " | ".join(f"CPU ms/turn: {p}" for p in processes)
        + " | unfinished | lost answers | answers stored twice |",
        "|---:|---|---:|---:|---:|---:|" + "---:|" * len(processes) + "---:|---:|---:|",
    ]
    for r in results:
        lost = sum(max(n - stored.get(s, 0), 0) for s, n in r.expected_answers.items())
        twice = sum(max(stored.get(s, 0) - n, 0) for s, n in r.expected_answers.items())
        counted = r.series != "NLU only"
        lines.append(
            f"| {r.concurrency} | {r.series} | {len(r.latencies)} | {r.p(50):.0f} | {r.p(95):.0f} "
            f"| {r.turns_per_second:.1f} | "
            + " | ".join(f"{r.cpu_ms_per_turn(p):.1f}" for p in processes)
            + (f" | {r.unfinished} | {lost} | {twice} |" if counted else " | | | |")
        )
    by_key = {(r.series, r.concurrency): r for r in results}
    lines += [
        "",
        "| concurrent | series | "
        + " | ".join(f"p50 ms at turn {t}" for t in WATCHED_TURNS)
        + " |",
        "|---:|---|---:|---:|",
    ]
    for r in results:
        if r.series != "NLU only":
            lines.append(
                f"| {r.concurrency} | {r.series} | "
                + " | ".join(f"{r.turn_ms(t):.0f}" for t in WATCHED_TURNS)
                + " |"
            )
    top = max(c for c, _ in LEVELS)
    full, parse = by_key[("full stack", top)], by_key[("NLU only", top)]
    ratio = full.turns_per_second / parse.turns_per_second if parse.turns_per_second else 0.0
    lines += [
        "",
        f"At {top} concurrent conversations the full stack runs {full.turns_per_second:.1f} "
        f"turns/s against {parse.turns_per_second:.1f} parses/s for Rasa's NLU alone: a ratio "
        f"of {ratio:.2f} (target at least 0.25); full-stack p95 {full.p(95):.0f} ms "
        "(target at most 500 ms). Where a turn's time goes, profiled: "
        "[turn-cost.md](turn-cost.md).",
        "",
        (
            f"- Training the model (`rasa train --force`): {train_seconds:.1f} s"
            if train_seconds is not None
            else "- Training not timed in this run"
        ),
        f"- Starting the stack until every process answers: {start_seconds:.1f} s",
        "- Peak memory (VmHWM, with child processes): "
        + ", ".join(f"{name} {mb:.0f} MB" for name, mb in memory.items()),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Benchmark: what reading people's words (themes and safeguarding screening) adds to a turn,
and `covoice tag` throughput. Run with ``python -m bench.reading_cost``.

One run, one stack (the real Rasa server and action server): typed answers go
through ChatService in this process twice in alternating rounds, once with the
real tagger and once with a reader that reads nothing, at 1 and 20 concurrent
conversations. Typed words are where reading happens: a button press is our
own words and is not read.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench.tag_throughput import measure_tag_throughput
from bench.turns import SERVICE, prepare
from bot.chat_service import ChatService, IncomingMessage
from bot.rasa_client import RasaClient
from checkin.loading import load_sets_and_wording
from cli.stack import Stack, private_settings, settings_env
from covoice.taxonomy import load_taxonomy
from tagging.loading import build_tagger
from tagging.model import Reading
from tagging.tagger import Tagger

# Typed answers a check-in gets, some long, one that may disclose harm.
TYPED = (
    "hello",
    "yes",
    "the staff are kind but the night staff talk over me and I hate it",
    "my mum says the food has got better since the new cook came, more choice too",
    "not rly",
    "we went bowling on tuesday and it was brilliant, I want to go every week",
    "they never tell me when my review is, I find out the day before",
    "he takes my money for the bus",
)
LEVELS = ((1, 4), (20, 40))  # (concurrent conversations, conversations in all)
ROUNDS = 2


class ReadsNothing:
    """The reader left out: every message reads as about nothing, with no harm."""

    def read(self, text: str) -> Reading:
        return Reading(themes=(), theme_confidence=0.0, disclosure=None, harm_score=0.0)


async def _talk(chat: ChatService, latencies: list[float]) -> None:
    sender = f"bench:{uuid.uuid4().hex[:10]}"
    for number, text in enumerate(TYPED):
        started = time.perf_counter()
        await chat.handle(
            IncomingMessage(
                channel="bench",
                sender_id=sender,
                message_id=f"{sender}-{number}",
                text=text,
                service_id=SERVICE,
                person_ref=sender,
            )
        )
        latencies.append((time.perf_counter() - started) * 1000)


async def _series(chat: ChatService, concurrency: int, total: int, into: list[float]) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await _talk(chat, into)

    await asyncio.gather(*(one() for _ in range(total)))


def _p(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100)[percent - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, help="Markdown file to write the results to")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="covoice-reading-"))
    settings = private_settings(work, pseudonym_key="bench")
    store, _key = prepare(settings)
    stack = Stack(settings, log_dir=work / "logs")
    rows = []
    try:
        stack.start_all(on_progress=lambda line: print(line, flush=True))
        _sets, wording = load_sets_and_wording(settings)
        roles = load_taxonomy(settings.taxonomy_path).respondent_roles
        tagger: Tagger = build_tagger(settings)
        started = time.perf_counter()
        tagger.read_many(list(TYPED) * 25)
        read_ms = (time.perf_counter() - started) * 1000 / (len(TYPED) * 25)

        async def run() -> None:
            rasa = RasaClient(settings.rasa_url, settings.rasa_api_token(), 30.0)
            readers = {"with reading": tagger, "without": ReadsNothing()}
            chats = {
                name: ChatService(rasa, store, wording, reader, roles, 2000, 25.0)
                for name, reader in readers.items()
            }
            await _series(chats["with reading"], 1, 1, [])  # warm up
            for concurrency, total in LEVELS:
                found: dict[str, list[float]] = {name: [] for name in chats}
                order = list(chats)
                for _ in range(ROUNDS):
                    for name in order:
                        await _series(chats[name], concurrency, total // ROUNDS, found[name])
                    order.reverse()
                for name, latencies in found.items():
                    rows.append(
                        (concurrency, name, len(latencies), _p(latencies, 50), _p(latencies, 95))
                    )
            await rasa.aclose()

        asyncio.run(run())
    finally:
        stack.stop()
    tag = measure_tag_throughput(settings_env(private_settings(work / "tag", "bench")))
    shutil.rmtree(work, ignore_errors=True)

    lines = [
        "# What reading people's words adds to a turn",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Reproduce with "
        "`make bench`. Typed answers through ChatService and the real Rasa and action "
        "servers, with the tagger and with a reader that reads nothing, in alternating "
        "rounds of one run.",
        "",
        "| concurrent | reader | turns | p50 ms | p95 ms |",
        "|---:|---|---:|---:|---:|",
        *(f"| {c} | {name} | {n} | {p50:.0f} | {p95:.0f} |" for c, name, n, p50, p95 in rows),
        "",
        f"Reading one message alone (in a batch, this process): {read_ms:.1f} ms.",
        "",
        f"`covoice tag` on {tag['texts']} texts, loaded once:",
        "",
        "| Rasa | seconds in all | texts/s in all | texts/s streaming |",
        "|---|---:|---:|---:|",
    ]
    for name in ("rasa already running", "rasa started by the command"):
        figures = tag[name]
        lines.append(
            f"| {name} | {figures['seconds']:.1f} | {figures['texts_per_second']:.0f} | "
            f"{figures['stream_texts_per_second']:.0f} |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    if args.output:
        args.output.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()

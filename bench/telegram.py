"""Benchmark: a turn through the Telegram channel, beside `/api/chat` on the same stack.

Starts the Bot API emulator (tests/telegram/) and its own stack with the app
polling it, on free ports with a throw-away store. Two series take turns at
each level of concurrent conversations:

- Telegram: people linked by invites hold whole check-ins over the emulator,
  pressing the first button of each question (typing at a free-text one),
  voice notes off; a turn is timed from the press to the next question on
  the person's screen (the emulated person looks every 20 ms);
- /api/chat: the same check-ins through the app's API with a key.

Then the time from linking (pressing "yes") to the first voice note, with the
speech cache emptied first (cold) and full (warm), in turns. Run with
`make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr

from bench.turns import SERVICE, STORY, Bench, Result, prepare
from bot.speech import Speech
from bot.telegram.invites import make_invite
from checkin.loading import load_sets_and_wording
from cli.stack import Stack, private_settings
from storage.unit_of_work import UnitOfWorkFactory
from tests.telegram.user import BotMessage, Emulator, TelegramUser, running_emulator

LEVELS = ((1, 4), (5, 10))  # (concurrent conversations, conversations in all)
ROUNDS = 2
VOICE_TRIES = 4  # of each of cold and warm
ROLES = ("person", "family", "advocate", "staff_supported")


@dataclass
class Turns:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    unfinished: int = 0

    def p(self, percent: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100)[percent - 1] * 1000

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


class People:
    """Links emulated people to the bench service and holds their check-ins."""

    def __init__(self, emulator: Emulator, token: str, store: UnitOfWorkFactory, closing: str):
        self.emulator = emulator
        self.token = token
        self.store = store
        self.closing = closing

    def link(self) -> tuple[TelegramUser, BotMessage]:
        """A new person, linked, voice notes off, and their check-in's consent question."""
        with self.store() as uow:
            made = make_invite(
                uow, SERVICE, f"tg-{uuid.uuid4().hex[:8]}", "person", ROLES, timedelta(days=1)
            )
            uow.commit()
        user = self.emulator.user(self.token, chat_id=uuid.uuid4().int % 10**9 + 1000)
        user.timeout = 60.0
        user.command("start", made.code)
        invite = user.wait_for(lambda m: bool(m.keyboard) and not m.edited)
        user.press(invite, invite.keyboard[0][0].text)
        consent = user.wait_for(lambda m: m.message_id > invite.message_id and bool(m.keyboard))
        user.command("voice", "off")
        user.wait_for(lambda m: _next(m, consent.message_id))  # "no more voice messages"
        return user, consent

    def check_in(self, user: TelegramUser, shown: BotMessage, into: Turns) -> None:
        """Answer the consent question and every question after it, timing each turn."""
        for _ in range(60):
            answers = [b for row in shown.keyboard for b in row]
            started = time.perf_counter()
            if answers:
                user.press(shown, answers[0].text)
            else:
                user.send(STORY)
            shown = user.wait_for(lambda m, after=shown.message_id: _next(m, after))
            into.latencies.append(time.perf_counter() - started)
            if self.closing in (shown.text or ""):
                return
        into.unfinished += 1


def _next(message: BotMessage, after: int) -> bool:
    """A new prompt: one with buttons, or the closing words (which may have none)."""
    return message.message_id > after and not message.edited and bool(message.text)


def telegram_series(people: People, concurrency: int, total: int, into: Turns) -> None:
    linked = [people.link() for _ in range(total)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda pair: people.check_in(pair[0], pair[1], into), linked))
    into.seconds += time.perf_counter() - started
    for user, _ in linked:
        user.close()


def first_voice_note(people: People, speech: Speech, cold: bool) -> float:
    """From pressing "yes" to link until the first voice note of the check-in arrives."""
    if cold:
        shutil.rmtree(speech.cache_dir, ignore_errors=True)
    with people.store() as uow:
        made = make_invite(
            uow, SERVICE, f"tg-{uuid.uuid4().hex[:8]}", "person", ROLES, timedelta(days=1)
        )
        uow.commit()
    with people.emulator.user(people.token, chat_id=uuid.uuid4().int % 10**9 + 1000) as user:
        user.timeout = 60.0
        user.command("start", made.code)
        consent = user.wait_for(lambda m: bool(m.keyboard))
        started = time.perf_counter()
        user.press(consent, consent.keyboard[0][0].text)
        user.wait_for(lambda m: m.voice is not None)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, help="Markdown file to write the results to")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="covoice-telegram-bench-"))
    token = f"{uuid.uuid4().int % 10**9}:bench-{uuid.uuid4().hex}"
    base = private_settings(work, pseudonym_key="bench")
    store, api_key = prepare(base)
    sets, _ = load_sets_and_wording(base)
    closing = sets[base.default_question_set].spec.closing.easy_read.split(".")[0]
    found: list[tuple[int, Turns, Result]] = []
    voice: dict[str, list[float]] = {"cold": [], "warm": []}
    with running_emulator() as emulator:
        settings = base.model_copy(
            update={
                "telegram_bot_token": SecretStr(token),
                "telegram_api_url": emulator.url,
                "quiet_hours": "00:00-00:00",
            }
        )
        stack = Stack(settings, log_dir=work / "logs")
        try:
            stack.start_all(on_progress=lambda line: print(line, flush=True))
            people = People(emulator, token, store, closing)
            api = Bench(stack, api_key, store)
            telegram_series(people, 1, 1, Turns())  # warm-up: loads Rasa's lazy parts
            for concurrency, total in LEVELS:
                print(f"{concurrency} concurrent conversations…", flush=True)
                over_telegram, over_api = Turns(), Result("/api/chat", concurrency)
                for round_ in range(ROUNDS):
                    first_telegram = round_ % 2 == 0
                    if first_telegram:
                        telegram_series(people, concurrency, total // ROUNDS, over_telegram)
                    asyncio.run(
                        api.run_series("full stack", concurrency, total // ROUNDS, over_api)
                    )
                    if not first_telegram:
                        telegram_series(people, concurrency, total // ROUNDS, over_telegram)
                found.append((concurrency, over_telegram, over_api))
            speech = Speech.from_settings(settings)
            for _ in range(VOICE_TRIES):
                for kind in ("cold", "warm"):
                    voice[kind].append(first_voice_note(people, speech, kind == "cold"))
        finally:
            stack.stop()
            shutil.rmtree(work, ignore_errors=True)

    report = render(found, voice)
    print(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")


def render(found: list[tuple[int, Turns, Result]], voice: dict[str, list[float]]) -> str:
    lines = [
        "# Benchmark: the Telegram channel",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}. Reproduce with `make bench`.",
        "",
        "Whole check-ins of the production question set through the Bot API emulator "
        "(telegram-test-api, patched in tests/telegram/emulator.js), the app polling it, "
        "voice notes off; beside the same check-ins through `/api/chat` on the same stack, "
        f"the two series taking turns in {ROUNDS} rounds a level. A Telegram turn runs from "
        "the press (or the typed words) to the next question on the emulated person's "
        "screen, who looks every 20 ms. The /api/chat check-ins also ask each question "
        "to be repeated before answering it (as in benchmark.md), so they hold more turns.",
        "",
        "| concurrent | series | turns | p50 ms | p95 ms | turns/s | unfinished |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for concurrency, over_telegram, over_api in found:
        lines.append(
            f"| {concurrency} | Telegram | {len(over_telegram.latencies)} "
            f"| {over_telegram.p(50):.0f} | {over_telegram.p(95):.0f} "
            f"| {over_telegram.per_second:.1f} | {over_telegram.unfinished} |"
        )
        lines.append(
            f"| {concurrency} | /api/chat | {len(over_api.latencies)} | {over_api.p(50):.0f} "
            f"| {over_api.p(95):.0f} | {over_api.turns_per_second:.1f} | {over_api.unfinished} |"
        )
    for concurrency, over_telegram, over_api in found:
        if over_api.turns_per_second:
            lines.append(
                f"\nAt {concurrency} concurrent: Telegram runs "
                f"{over_telegram.per_second / over_api.turns_per_second:.2f} times the turns "
                "per second of /api/chat."
            )
    lines += [
        "",
        "Each Telegram turn makes three calls to the person's chat (typing…, the next "
        "question, and the edit that puts the answer in place of the buttons). The bot "
        "holds itself to Telegram's limit of 30 such calls a second across all chats "
        "(python-telegram-bot's AIORateLimiter), so with several people at once the "
        "channel levels off near ten turns a second by design, where /api/chat does not.",
        "",
        "Time from pressing “yes” to link until the first voice note of the check-in "
        f"arrives ({VOICE_TRIES} each, in turns):",
        "",
        "| speech cache | median ms | slowest ms |",
        "|---|---:|---:|",
    ]
    for kind, times in voice.items():
        median, slowest = statistics.median(times) * 1000, max(times) * 1000
        lines.append(f"| {kind} | {median:.0f} | {slowest:.0f} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

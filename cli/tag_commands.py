"""`covoice tag`: read JSON lines of texts on stdin, write each one's intent, themes and screening.

It reads texts with what the live bot reads them with: the Rasa server's
``/model/parse`` for the intent, and the tagger (tagging/) for themes and
possible harm. Both load once; lines stream through in batches of what has
arrived (up to BATCH_LINES), so an answer never waits for lines not yet typed.
stdout carries the JSON lines only: everything else goes to stderr.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import sys
import threading
import time
from contextlib import suppress
from typing import IO, TYPE_CHECKING, Any

import httpx
import typer

from cli.common import current_settings, fail

if TYPE_CHECKING:
    from bot.rasa_client import RasaClient
    from cli.stack import Stack
    from tagging.tagger import Tagger

BATCH_LINES = 256
PROGRESS_EVERY = 500
# Parses in flight at once: Rasa answers one at a time, this only hides the round trips.
PARSES_IN_FLIGHT = 8
FALLBACK_INTENT = "nlu_fallback"
# How long to wait for a Rasa server that answers but is not ready yet.
RASA_WAIT_SECONDS = 120

# One line as read: its number and its bytes; None marks the end of the input.
Line = tuple[int, bytes]


def tag() -> None:
    """Tag JSON lines from stdin ({"text": ...}): intent, themes and safeguarding, to stdout."""
    from bot.rasa_client import RasaClient
    from cli.stack import Stack, StackError
    from covoice.settings import SettingsError
    from covoice.taxonomy import load_taxonomy
    from tagging.embedding import EmbeddingModelMissing
    from tagging.loading import build_tagger
    from tagging.tagger import TaggerNotTrained

    settings = current_settings()
    out = _json_output()
    intents = frozenset(load_taxonomy(settings.taxonomy_path).intents)
    try:
        token = settings.rasa_api_token()
        note("Loading the tagger…")
        tagger = build_tagger(settings)
    # A model or examples file that cannot be used (ValueError, OSError) names itself.
    except (SettingsError, TaggerNotTrained, EmbeddingModelMissing, ValueError, OSError) as error:
        fail(str(error))

    stack = Stack(settings, log_dir=settings.data_dir / "logs")
    # SIGTERM stops as Ctrl-C does, so a Rasa server we started never outlives us.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        _use_or_start_rasa(stack, token)
        rasa = RasaClient(settings.rasa_url, token, settings.rasa_timeout_seconds)
        tagged = asyncio.run(_stream(_lines(), rasa, tagger, intents, out))
        seconds = time.monotonic() - tagged.started
        note(
            f"Tagged {tagged.lines} line{'' if tagged.lines == 1 else 's'} "
            f"({tagged.errors} with an error) in {seconds:.1f} s."
        )
    except StackError as error:
        fail(str(error))
    except _RasaFailed as error:
        fail(
            f"The Rasa server failed at line {error.line}: {error.reason}. The lines before it "
            "were written. Please try again from that line."
        )
    except KeyboardInterrupt:
        note("Stopped.")
        raise typer.Exit(130) from None
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): nothing more to write, and no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the stop
        if stack.processes:
            note("Stopping the Rasa server…")
            stack.stop()


def note(message: str) -> None:
    """Progress and logs: stderr, so stdout holds only the JSON lines."""
    typer.echo(message, err=True)


class _Tally:
    def __init__(self) -> None:
        self.lines = 0
        self.errors = 0
        self.started = time.monotonic()


class _RasaFailed(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def _use_or_start_rasa(stack: Stack, token: str) -> None:
    """Use the Rasa server the settings name; start one when nothing answers there."""
    from cli.stack import is_loopback

    url = stack.settings.rasa_url
    deadline = time.monotonic() + RASA_WAIT_SECONDS
    waits = 0
    while (state := asyncio.run(_rasa_state(url, token))) == "loading":
        # Something answers but is not ready: often a Rasa server still loading its model.
        if time.monotonic() > deadline:
            fail(
                f"Something answers at {url} but it is not a ready Rasa server "
                f"after {RASA_WAIT_SECONDS} s. Look at what runs there, or point "
                "COVOICE_RASA_URL (or COVOICE_RASA_PORT) at a free port."
            )
        if waits % 10 == 0:
            note(f"Waiting for the Rasa server at {url} to be ready…")
        waits += 1
        time.sleep(1)
    if state == "ready":
        return
    if state == "refused":
        fail(
            f"The Rasa server at {url} refused our token: give both the same "
            "COVOICE_RASA_TOKEN (or the same COVOICE_DATA_DIR)."
        )
    if not is_loopback(httpx.URL(url).host):
        fail(f"The Rasa server at {url} does not answer. Start it there, then try again.")
    note(f"Starting the Rasa server on {url}…")
    stack.wait_ready(stack.start_rasa(), on_progress=note)


async def _rasa_state(url: str, token: str) -> str:
    """Say whether the Rasa server is "ready", "refused" our token, "loading", or "absent"."""
    from bot.rasa_client import RasaClient

    client = RasaClient(url, token)
    try:
        if await client.is_ready():
            return "ready"
    finally:
        await client.aclose()
    try:
        async with httpx.AsyncClient(timeout=3) as probe:
            answer = await probe.get(f"{url}/status", params={"token": token})
    except httpx.HTTPError:
        return "absent"
    return "refused" if answer.status_code in (401, 403) else "loading"


async def _stream(
    lines: queue.Queue[Line | None],
    rasa: RasaClient,
    tagger: Tagger,
    intents: frozenset[str],
    out: IO[str],
) -> _Tally:
    """Tag the lines as they come, a batch of what has arrived at a time, writing each answer."""
    tally = _Tally()
    ended = False
    try:
        while not ended:
            first = await asyncio.to_thread(lines.get)  # wait for at least one line
            if first is None:
                break
            batch = [first]
            while len(batch) < BATCH_LINES:  # then take whatever else has arrived
                try:
                    item = lines.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    ended = True
                    break
                batch.append(item)
            for record in await _tag_batch(batch, rasa, tagger, intents):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
                tally.lines += 1
                tally.errors += "error" in record
                if tally.lines % PROGRESS_EVERY == 0:
                    rate = tally.lines / max(time.monotonic() - tally.started, 1e-9)
                    note(f"  {tally.lines} lines ({rate:.0f} a second)")
    finally:
        await rasa.aclose()
    return tally


async def _tag_batch(
    batch: list[Line], rasa: RasaClient, tagger: Tagger, intents: frozenset[str]
) -> list[dict[str, Any]]:
    """One output record per line, in order: a reading, or the line's error."""
    records: list[dict[str, Any]] = []
    texts: dict[int, str] = {}  # position in the batch -> text
    for position, (number, raw) in enumerate(batch):
        text, error = _text_of(number, raw)
        if error is None:
            texts[position] = text
        records.append({"line": number, "error": error})
    slots = asyncio.Semaphore(PARSES_IN_FLIGHT)

    async def parse(position: int) -> dict[str, Any]:
        from bot.rasa_client import RasaUnavailable

        async with slots:
            try:
                return dict(await rasa.parse(texts[position]))
            except RasaUnavailable as failure:
                raise _RasaFailed(batch[position][0], str(failure)) from failure

    # The tagger runs in a thread (onnxruntime lets go of the GIL) while Rasa parses.
    readings, parses = await asyncio.gather(
        asyncio.to_thread(tagger.read_many, list(texts.values())),
        asyncio.gather(*(parse(position) for position in texts)),
    )
    for position, reading, parsed in zip(texts, readings, parses, strict=True):
        intent, confidence = best_intent(parsed, intents)
        disclosure = reading.disclosure
        records[position] = {
            "text": texts[position],
            "intent": intent,
            "intent_confidence": confidence,
            "themes": list(reading.themes),
            "safeguarding": disclosure.category if disclosure else None,
            # With no disclosure: how likely one was, so a reader can see near misses.
            "safeguarding_confidence": disclosure.confidence if disclosure else reading.harm_score,
        }
    return records


def _text_of(number: int, raw: bytes) -> tuple[str, str | None]:
    """The line's text, or why the line cannot be read."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "", "the line is not UTF-8"
    if number == 1:
        line = line.removeprefix("\ufeff")  # a byte-order mark some editors write
    if not line.strip():
        return "", "the line is empty"
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        return "", f"the line is not JSON ({error.msg})"
    if not isinstance(value, dict):
        return "", 'the line is not a JSON object: give {"text": "..."}'
    text = value.get("text")
    if not isinstance(text, str):
        return "", 'the line has no "text" string'
    if not text.strip():
        return "", 'the "text" is empty'
    return text, None


def best_intent(parsed: dict[str, Any], intents: frozenset[str]) -> tuple[str | None, float]:
    """Rasa's intent, or under nlu_fallback its best-ranked taxonomy intent, and its confidence."""
    named = parsed.get("intent") or {}
    candidates = [named, *(parsed.get("intent_ranking") or [])]
    for candidate in candidates:
        name = candidate.get("name")
        if name in intents and name != FALLBACK_INTENT:
            return name, round(float(candidate.get("confidence") or 0.0), 4)
    return None, 0.0


def _lines() -> queue.Queue[Line | None]:
    """stdin's lines, read by a thread of their own as they arrive."""
    lines: queue.Queue[Line | None] = queue.Queue(maxsize=4 * BATCH_LINES)

    def read() -> None:
        for number, raw in enumerate(sys.stdin.buffer, start=1):
            lines.put((number, raw.rstrip(b"\r\n")))
        lines.put(None)

    threading.Thread(target=read, name="stdin", daemon=True).start()
    return lines


def _json_output() -> IO[str]:
    """Where the JSON lines go; anything else written to stdout (even by C code) goes to stderr."""
    with suppress(OSError, ValueError):  # a stdout with no file descriptor (a test runner)
        kept = os.dup(sys.stdout.fileno())
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        return open(kept, "w", encoding="utf-8", newline="\n")
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    return sys.stdout


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt

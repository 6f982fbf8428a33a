"""Benchmark: how soon the kiosk shows and speaks the next prompt after a tap.

Starts its own stack on free ports with a throw-away store and a kiosk, then
holds whole check-ins in Debian's Chromium, pressing the first answer of each
question (typing at a free-text one). For every tap it times, in the page's
own clock, the new prompt's words reaching the screen and its first audio
becoming playable (`canplay`). Two series take turns check-in by check-in:

- uncached speech: the app's speech cache is emptied before the check-in, so
  each prompt is synthesised when the page asks for it;
- cached speech: every prompt is already on disk, as after `make setup`.

Each check-in runs in a fresh browser context, so the browser caches nothing.
It also reports the bytes the page fetches before its first screen, and for a
whole check-in by kind. Run with `make bench`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Page, Request, sync_playwright

from bench.turns import STORY, prepare
from bot.kiosk.tokens import issue
from bot.speech import Speech
from cli.stack import Stack, private_settings
from tests.browser import CHROMIUM, launch

CHECK_INS_PER_SERIES = 5
SERIES = ("uncached speech", "cached speech")

# Marks, in the page's clock, when a tap was made, when the heading of the next
# prompt appeared and when an audio element of that prompt could first play.
MARKS = """
const title = () => (document.getElementById("talk-title") || {}).textContent || "";
window.__marks = {tap: null, words: null, audio: null, shown: ""};
document.addEventListener("click", () => {
  window.__marks = {tap: performance.now(), words: null, audio: null, shown: title()};
}, {capture: true});
new MutationObserver(() => {
  const marks = window.__marks;
  if (marks.tap !== null && marks.words === null && title() && title() !== marks.shown) {
    marks.words = performance.now();
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
document.addEventListener("canplay", (event) => {
  const marks = window.__marks;
  if (marks.words !== null && marks.audio === null && event.target.closest("#prompts")) {
    marks.audio = performance.now();
  }
}, {capture: true});
"""


@dataclass
class Series:
    name: str
    to_words: list[float] = field(default_factory=list)
    to_audio: list[float] = field(default_factory=list)
    silent_turns: int = 0


@dataclass
class Bytes:
    first_screen: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    check_in: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _kind(url: str) -> str:
    path = url.split("?", 1)[0]
    if "/speech/" in path:
        return "speech"
    if "/pictograms/" in path:
        return "pictograms"
    if "/api/" in path:
        return "answers (JSON)"
    return "page (HTML, CSS, JS)"


def _count(into: dict[str, int]) -> Callable[[Request], None]:
    def finished(request: Request) -> None:
        sizes = request.sizes()
        into[_kind(request.url)] += sizes["responseBodySize"] + sizes["responseHeadersSize"]

    return finished


def _wait_for_marks(page: Page) -> dict[str, float | None]:
    page.wait_for_function("() => window.__marks.words !== null", timeout=30_000)
    try:
        page.wait_for_function("() => window.__marks.audio !== null", timeout=15_000)
    except Exception:  # noqa: BLE001 - a prompt with no audio is counted, not fatal
        pass
    marks: dict[str, float | None] = page.evaluate("() => window.__marks")
    return marks


def check_in(browser: Browser, url: str, series: Series, counted: Bytes | None) -> None:
    """One whole check-in by touch, timing each tap that leads to a prompt."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(MARKS)
    page = context.new_page()
    replies: list[list[str]] = []
    page.on(
        "response",
        lambda r: (
            replies.append([p["kind"] for p in r.json()["replies"]])
            if r.url.endswith("/api/say") and r.ok
            else None
        ),
    )
    if counted is not None:
        first_screen = _count(counted.first_screen)
        page.on("requestfinished", first_screen)
    page.goto(url)
    page.locator("#start-button").wait_for(state="visible")
    page.wait_for_load_state("networkidle")
    if counted is not None:
        page.remove_listener("requestfinished", first_screen)
        page.on("requestfinished", _count(counted.check_in))
    page.locator("#start-button").click()
    page.locator("#screen-role .choice").first.click()
    page.locator("#talk-title").wait_for(state="visible")
    for _ in range(40):
        if replies and "closing" in replies[-1]:
            break
        page.wait_for_function("() => document.getElementById('main').ariaBusy === 'false'")
        answers = page.locator("#prompts .answer:enabled")
        if answers.count():
            answers.first.click()
        else:
            page.locator("#free-text-box").fill(STORY)
            page.locator("#send-button").click()
        marks = _wait_for_marks(page)
        tap, words, audio = marks["tap"], marks["words"], marks["audio"]
        assert tap is not None and words is not None
        series.to_words.append(words - tap)
        if audio is None:
            series.silent_turns += 1
        else:
            series.to_audio.append(audio - tap)
    else:
        raise RuntimeError("the check-in did not reach its end")
    page.wait_for_load_state("networkidle")
    context.close()


def _p(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[percent - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, help="Markdown file to write the results to")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit("The kiosk benchmark needs Debian's Chromium: run 'make setup' first.")

    work = Path(tempfile.mkdtemp(prefix="covoice-kiosk-bench-"))
    settings = private_settings(work, pseudonym_key="bench")
    store, _ = prepare(settings)
    with store() as uow:
        token, _ = issue(uow, "bench-house", "benchmark")
        uow.commit()
    speech = Speech.from_settings(settings)
    stack = Stack(settings, log_dir=work / "logs")
    found = {name: Series(name) for name in SERIES}
    counted = Bytes()
    try:
        stack.start_all(on_progress=lambda line: print(line, flush=True))
        url = f"{settings.app_url}/kiosk/{token}"
        with sync_playwright() as playwright:
            browser = launch(playwright)
            check_in(browser, url, Series("warm-up"), None)  # loads Rasa's lazy parts
            for round_ in range(CHECK_INS_PER_SERIES):
                print(f"round {round_ + 1} of {CHECK_INS_PER_SERIES}…", flush=True)
                for name in SERIES if round_ % 2 == 0 else reversed(SERIES):
                    if name == "uncached speech":
                        shutil.rmtree(speech.cache_dir, ignore_errors=True)
                    check_in(browser, url, found[name], counted if round_ == 0 else None)
            browser.close()
        speech.audio("CoVoice", "mp3")  # finds out whether Google answers here, as the app did
        voice = speech.voice_in_use()
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)

    report = render(list(found.values()), counted, voice)
    print(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")


def render(results: list[Series], counted: Bytes, voice: str) -> str:
    def kb(values: dict[str, int]) -> str:
        parts = ", ".join(f"{kind} {size / 1024:.0f} KB" for kind, size in sorted(values.items()))
        return f"{sum(values.values()) / 1024:.0f} KB ({parts})"

    lines = [
        "# Benchmark: the kiosk, from a tap to the next prompt",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, Debian's Chromium headless. "
        f"Voice: {voice}. Reproduce with `make bench`.",
        "",
        "Whole check-ins of the production question set in a fresh browser context each, "
        "pressing the first answer at each question. Times are in the page's clock, from the "
        "tap to the next prompt's words on screen and to its first audio element's `canplay`. "
        "*Uncached*: the app's speech cache is emptied before the check-in; *cached*: every "
        f"prompt is on disk, as after `make setup`. The series take turns, "
        f"{CHECK_INS_PER_SERIES} check-ins each.",
        "",
        "| series | taps | words p50 ms | words p95 ms | audio p50 ms | audio p95 ms "
        "| taps with no audio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {len(r.to_words)} | {_p(r.to_words, 50):.0f} | {_p(r.to_words, 95):.0f} "
            f"| {_p(r.to_audio, 50):.0f} | {_p(r.to_audio, 95):.0f} | {r.silent_turns} |"
        )
    by_name = {r.name: r for r in results}
    cold, warm = by_name["uncached speech"], by_name["cached speech"]
    if warm.to_audio and cold.to_audio:
        lines += [
            "",
            f"Audio playable, uncached against cached: p50 ratio "
            f"{_p(cold.to_audio, 50) / _p(warm.to_audio, 50):.2f}.",
        ]
    lines += [
        "",
        f"- Bytes fetched before the first screen: {kb(counted.first_screen)}",
        f"- Bytes fetched by one whole check-in after that: {kb(counted.check_in)}",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Benchmark: `covoice tag` texts per second on 1,000 texts, loaded once.

Two series: with a Rasa server already running, and with the command
starting (and stopping) one itself. Each reports the whole run, start-up
included, and the stream alone (first answer to last). The texts come from
tests/eval/*.yml, repeated to make 1,000. Run with
``python -m bench.tag_throughput``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

from cli.stack import Stack, private_settings
from cli.stack import settings_env as environment_of
from covoice.settings import PROJECT_ROOT, load_settings

TEXTS = 1000
EVAL_DIR = PROJECT_ROOT / "tests" / "eval"


def eval_texts(count: int = TEXTS) -> list[str]:
    """``count`` texts from the evaluation files, repeated when they hold fewer."""
    found: list[str] = []
    for path in sorted(EVAL_DIR.glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in raw.get("examples") or []:  # themes and safeguarding: [{text: ...}]
            found.append(str(entry["text"]))
        for block in raw.get("nlu") or []:  # Rasa's NLU format: "- text" lines
            found += [line[2:].strip() for line in str(block.get("examples", "")).splitlines()]
    found = [text for text in found if text]
    if not found:
        raise SystemExit(f"No texts in {EVAL_DIR}/*.yml")
    return (found * (count // len(found) + 1))[:count]


def run_tag(env: dict[str, str], texts: list[str]) -> dict[str, float]:
    """Run `covoice tag` once on ``texts``; its seconds in all and from first answer to last."""
    with tempfile.TemporaryFile() as given:
        given.write("".join(json.dumps({"text": t}) + "\n" for t in texts).encode("utf-8"))
        given.seek(0)
        started = time.perf_counter()
        command = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "tag"],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=given,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert command.stdout is not None
        first = last = 0.0
        answers = 0
        for _line in command.stdout:
            last = time.perf_counter()
            first = first or last
            answers += 1
        if command.wait() != 0 or answers != len(texts):
            raise SystemExit(f"covoice tag failed (exit {command.returncode}, {answers} answers)")
    total = time.perf_counter() - started
    return {
        "seconds": round(total, 2),
        "texts_per_second": round(len(texts) / total, 1),
        "stream_texts_per_second": round((answers - 1) / max(last - first, 1e-9), 1),
    }


def measure_tag_throughput(settings_env: dict[str, str]) -> dict[str, Any]:
    """`covoice tag` on 1,000 texts with Rasa already running, then started by the command.

    Args:
        settings_env: The environment of a stack of its own (cli.stack.settings_env),
            whose Rasa port nothing listens on.

    Returns:
        For each series: seconds, texts per second in all, and in the stream alone.
    """
    texts = eval_texts()
    with mock.patch.dict(os.environ, settings_env, clear=True):
        settings = load_settings()
    stack = Stack(settings, log_dir=settings.data_dir / "logs")
    try:
        stack.wait_ready(stack.start_rasa(), on_progress=lambda _: None)
        running = run_tag(settings_env, texts)
    finally:
        stack.stop()
    return {
        "texts": len(texts),
        "rasa already running": running,
        "rasa started by the command": run_tag(settings_env, texts),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        env = environment_of(private_settings(Path(data_dir), pseudonym_key="bench-key"))
        result = measure_tag_throughput(env)
    print(f"covoice tag on {result.pop('texts')} texts, loaded once:")
    for series, figures in result.items():
        print(
            f"  {series:28} {figures['texts_per_second']:7.1f} texts/s in all "
            f"({figures['seconds']} s), {figures['stream_texts_per_second']:7.1f} texts/s streaming"
        )


if __name__ == "__main__":
    main()

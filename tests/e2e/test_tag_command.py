"""`covoice tag` as a subprocess: a few hundred lines through a Rasa server it starts itself."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from cli.stack import private_settings, settings_env
from covoice.settings import PROJECT_ROOT
from covoice.taxonomy import Taxonomy
from tagging.loading import build_tagger
from tagging.tagger import TaggerNotTrained
from tests.conftest import FIXTURE_SETS, WORDING

pytestmark = pytest.mark.e2e

DISCLOSURE = "my carer hits me when nobody is looking"
EVERYDAY = "I'd kill for a cup of tea"
TEXTS = [
    DISCLOSURE,
    EVERYDAY,
    "the food is lovely 😊",
    "not rly",
    "meh",
    "/rate_good",
    "who sees this?",
    "Ich möchte mit einer Person sprechen — bitte",
    "café was shut again, no trips out for 3 weeks 😤",
    "My brother has lived at the home for six years. Since the new manager came the staff "
    "change every week, nobody knows how he likes his tea and his room is cold at night.",
    "stop",
    "👍",
    "he takes my money for the bus",
    "the film had a fight in it",
]
# Each bad line, and why it is bad; they are mixed in among the good ones.
BAD_LINES = [
    "this is not json",
    '{"txt": "no text field"}',
    "42",
    '{"text": ""}',
    '{"text": 7}',
    '["text", "in a list"]',
    "",
]
ROUNDS = 20  # 20 x 21 lines: a few hundred, more than one batch
TIMEOUT_SECONDS = 300


@dataclass
class Run:
    lines_in: list[str]
    lines_out: list[str]
    first_answer_before_more_input: str
    stderr: str
    returncode: int
    rasa_port: int

    @property
    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines_out]


def input_lines() -> list[str]:
    lines = []
    for round_number in range(ROUNDS):
        for position, text in enumerate(TEXTS):
            lines.append(json.dumps({"text": text, "id": f"{round_number}-{position}"}))
            if position % 2 == 0:
                lines.append(BAD_LINES[(round_number + position) % len(BAD_LINES)])
    return lines


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    data_dir = tmp_path_factory.mktemp("tag")
    settings = private_settings(data_dir, pseudonym_key="tag-test-key").model_copy(
        update={
            "question_sets_dir": FIXTURE_SETS,
            "bot_wording_path": WORDING,
            "default_question_set": "fixture_checkin",
        }
    )
    try:
        build_tagger(settings)
    except TaggerNotTrained as error:
        pytest.fail(f"`covoice tag` needs the trained tagger: {error}")
    lines = input_lines()
    stderr_path = data_dir / "stderr.txt"
    with open(stderr_path, "w+", encoding="utf-8") as stderr:
        command = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "tag"],
            cwd=PROJECT_ROOT,
            env=settings_env(settings),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        assert command.stdin is not None and command.stdout is not None
        answers: queue.Queue[bytes] = queue.Queue()
        reader = threading.Thread(target=_read_into, args=(command.stdout, answers))
        reader.start()
        try:
            # One line, then wait: its answer must come before any more input does.
            command.stdin.write(lines[0].encode() + b"\n")
            command.stdin.flush()
            first = _next_answer(answers, command)
            command.stdin.write("".join(f"{line}\n" for line in lines[1:]).encode("utf-8"))
            command.stdin.close()
            command.wait(timeout=TIMEOUT_SECONDS)
        finally:
            if command.poll() is None:
                command.kill()
            reader.join(timeout=10)
    rest = []
    while not answers.empty():
        rest.append(answers.get().decode("utf-8"))
    return Run(
        lines_in=lines,
        lines_out=[line.rstrip("\n") for line in [first, *rest]],
        first_answer_before_more_input=first,
        stderr=stderr_path.read_text(encoding="utf-8"),
        returncode=command.returncode,
        rasa_port=settings.rasa_port,
    )


def test_tag_exits_cleanly_and_starts_and_stops_its_own_rasa(run: Run) -> None:
    assert run.returncode == 0, run.stderr
    assert "Starting the Rasa server" in run.stderr
    assert rasa_processes_on(run.rasa_port) == []


def test_tag_answers_a_line_before_more_input_arrives(run: Run) -> None:
    assert json.loads(run.first_answer_before_more_input)["text"] == DISCLOSURE


def test_tag_writes_one_json_line_per_input_line_in_order_and_nothing_else(run: Run) -> None:
    assert len(run.lines_out) == len(run.lines_in)
    for number, (line_in, record) in enumerate(
        zip(run.lines_in, run.records, strict=True), start=1
    ):
        if line_in in BAD_LINES:
            assert set(record) == {"line", "error"}, record
            assert record["line"] == number
        else:
            # Emoji and other non-ASCII come back as themselves, not as \u escapes.
            assert record["text"] == json.loads(line_in)["text"]
    assert any("😊" in line for line in run.lines_out)


def test_every_reading_uses_taxonomy_ids(run: Run, taxonomy: Taxonomy) -> None:
    readings = [record for record in run.records if "error" not in record]
    assert len(readings) == ROUNDS * len(TEXTS)
    for record in readings:
        assert record["intent"] in taxonomy.intents, record
        assert isinstance(record["themes"], list)
        assert set(record["themes"]) <= set(taxonomy.themes), record
        assert record["safeguarding"] is None or (
            record["safeguarding"] in taxonomy.safeguarding_categories
        ), record
        for field in ("intent_confidence", "safeguarding_confidence"):
            assert isinstance(record[field], float) and 0.0 <= record[field] <= 1.0, record


def test_a_disclosure_is_flagged_and_everyday_speech_is_not(run: Run, taxonomy: Taxonomy) -> None:
    by_text = {record.get("text"): record for record in run.records}
    assert by_text[DISCLOSURE]["safeguarding"] in taxonomy.safeguarding_categories
    assert by_text[EVERYDAY]["safeguarding"] is None
    assert by_text["/rate_good"]["intent"] == "rate_good"


def _read_into(stream: IO[bytes], answers: queue.Queue[bytes]) -> None:
    for line in stream:
        answers.put(line)


def _next_answer(answers: queue.Queue[bytes], command: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            return answers.get(timeout=1).decode("utf-8")
        except queue.Empty:
            if command.poll() is not None:
                pytest.fail(f"`covoice tag` stopped (exit {command.returncode}) before answering")
    pytest.fail("`covoice tag` did not answer the first line in time")


def rasa_processes_on(port: int) -> list[int]:
    """Processes still running a Rasa server on ``port`` (ours alone use that free port)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue  # it ended while we looked
        if b"nlu.serve" in words and str(port).encode() in words:
            found.append(int(cmdline.parent.name))
    return found

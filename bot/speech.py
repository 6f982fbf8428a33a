"""Spoken prompts for every channel: gTTS while Google answers, a British offline voice otherwise.

Audio is cached on disk under a name made from everything that changes the
sound, so each prompt is synthesised once, and every file is brought to the
same loudness, so a switch of engine does not make the kiosk louder or quieter.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import queue
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, TextIO

if TYPE_CHECKING:
    from covoice.settings import Settings

log = logging.getLogger(__name__)

EngineChoice = Literal["auto", "gtts", "pico", "espeak"]
Engine = Literal["gtts", "pico", "espeak"]
AudioFormat = Literal["mp3", "ogg"]
FORMATS: tuple[AudioFormat, ...] = ("mp3", "ogg")


class SpeechSource(Protocol):
    """What a channel needs of ``Speech``: the audio of some words, made or found in the cache."""

    def audio(self, text: str, audio_format: AudioFormat) -> Path: ...


# The prompts are British English whatever the engine.
LANGUAGE = "en-GB"
GTTS_LANG = "en"
GTTS_TLD = "co.uk"
PICO_LANGUAGES = ("en-GB", "en-US", "de-DE", "es-ES", "fr-FR", "it-IT")
# After Google fails, speak offline for this long before trying it again.
GTTS_RETRY_SECONDS = 300.0
# No engine or ffmpeg run takes anywhere near this, even for a long text.
SUBPROCESS_TIMEOUT_SECONDS = 30.0
# espeak-ng's own default speed in words a minute; the rate scales it.
ESPEAK_WORDS_PER_MINUTE = 175
# Engines differ by several dB: every file is brought to one integrated
# loudness, unless that would push its peaks past the ceiling.
TARGET_LUFS = -18.0
PEAK_CEILING_DBFS = -1.0

_ENCODING: dict[AudioFormat, tuple[str, ...]] = {
    "mp3": ("-ar", "24000", "-c:a", "libmp3lame", "-b:a", "48k", "-f", "mp3"),
    # Telegram plays OGG Opus as a voice note.
    "ogg": ("-ar", "48000", "-c:a", "libopus", "-b:a", "24k", "-f", "ogg"),
}
_PROGRAMS: dict[Engine, str] = {"gtts": "gTTS", "pico": "pico2wave", "espeak": "espeak-ng"}
_DEBIAN_PACKAGES = {
    "pico2wave": "libttspico-utils (in Debian's non-free component)",
    "espeak-ng": "espeak-ng",
    "ffmpeg": "ffmpeg",
}
_LOUDNESS = re.compile(r"\bI:\s+(-?[\d.]+|-inf) LUFS")
_PEAK = re.compile(r"\bPeak:\s+(-?[\d.]+|-inf) dBFS")


class SpeechError(Exception):
    """Speech could not be made; the message says what to install or do next."""


class _GoogleUnavailable(Exception):
    """Google's speech service did not answer with audio (no network, refused, too slow)."""


@dataclass(frozen=True)
class Voice:
    """One engine speaking with one of its voices."""

    engine: Engine
    name: str

    def __str__(self) -> str:
        if self.engine == "gtts":
            return f"gTTS {GTTS_LANG} via translate.google.{self.name} (online)"
        return f"{_PROGRAMS[self.engine]} {self.name} (offline)"


@dataclass(frozen=True)
class Spoken:
    """A cached audio file and the voice that speaks in it."""

    path: Path
    voice: Voice
    # False when it was made just now.
    cached: bool


@dataclass(frozen=True)
class RenderReport:
    """What a render did: how many texts, how many were cached already, who made the rest."""

    texts: int
    cached: int
    made_by: dict[str, int]
    seconds: float


class Speech:
    """Speaks texts into cached MP3 (web page) and OGG Opus (Telegram) files.

    Safe to share between threads: a file is written under a temporary name
    and renamed into place, and Google's state is kept under a lock.
    """

    def __init__(
        self,
        cache_dir: Path,
        engine: EngineChoice = "auto",
        voice: str = "",
        rate: float = 1.0,
        gtts_timeout_seconds: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Choose the voices; nothing is run or fetched until a text is spoken.

        Raises:
            SpeechError: ``voice`` is not a language pico2wave speaks.
        """
        self.cache_dir = cache_dir
        self.rate = round(rate, 2)
        self.offline_voice = _offline_voice(engine, voice)
        online = (Voice("gtts", GTTS_TLD),) if engine in ("auto", "gtts") else ()
        # In order of preference: cached audio of an earlier voice wins.
        self.voices: tuple[Voice, ...] = (*online, self.offline_voice)
        self._gtts_timeout = gtts_timeout_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._gtts_retry_at = -math.inf
        self._gtts_failing = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Speech:
        return cls(
            settings.data_dir / "speech",
            engine=settings.speech_engine,
            voice=settings.speech_voice,
            rate=settings.speech_rate,
            gtts_timeout_seconds=settings.speech_gtts_timeout_seconds,
        )

    def voice_in_use(self) -> str:
        """One line saying who speaks, e.g. ``pico2wave en-GB (offline)``, for `covoice run`."""
        offline = str(self.offline_voice)
        program = _PROGRAMS[self.offline_voice.engine]
        if shutil.which(program) is None:
            offline += f", not installed: install the Debian package {_DEBIAN_PACKAGES[program]}"
        if self.rate != 1.0:
            offline += f", rate {self.rate:g}"
        if len(self.voices) == 1:
            return offline
        with self._lock:
            down = self._gtts_failing and self._clock() < self._gtts_retry_at
        if down:
            return f"{offline}; Google's speech is not answering"
        return f"{self.voices[0]} when Google answers, else {offline}"

    def audio(self, text: str, audio_format: AudioFormat) -> Path:
        """The spoken ``text`` as a file, from the cache or made now and cached.

        Args:
            text: What to say; runs of white space count as one space.
            audio_format: ``mp3`` for the web page, ``ogg`` (Opus) for a Telegram voice note.

        Returns:
            The cached file; it is never rewritten in place, so it may be served as it is.

        Raises:
            SpeechError: there is nothing to say, or no engine could speak it
                (the message names the package to install).
        """
        return self.speak(text, audio_format).path

    def speak(self, text: str, audio_format: AudioFormat) -> Spoken:
        """Like ``audio``, and also say which voice speaks and whether it was cached.

        Raises:
            SpeechError: as ``audio``.
        """
        paths, voice, cached = self._speak(text, (audio_format,))
        return Spoken(paths[audio_format], voice, cached)

    def render(
        self,
        texts: Iterable[str],
        formats: Sequence[AudioFormat] = FORMATS,
        progress: TextIO | None = sys.stderr,
    ) -> RenderReport:
        """Speak every text into the cache ahead of time, showing progress.

        Args:
            texts: The texts; repeats and blank ones are left out.
            formats: The formats to make of each.
            progress: Where to show progress (a count), or None for silence.

        Raises:
            SpeechError: a text could not be spoken by any engine.
        """
        unique = list(dict.fromkeys(" ".join(text.split()) for text in texts if text.strip()))
        started = time.perf_counter()
        cached = 0
        made_by: Counter[str] = Counter()
        # Most of the time is ffmpeg starting and encoding: one at a time per core.
        pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1))
        try:
            futures = [pool.submit(self._speak, words, tuple(formats)) for words in unique]
            for number, future in enumerate(as_completed(futures), start=1):
                _, voice, was_cached = future.result()
                if was_cached:
                    cached += 1
                else:
                    made_by[str(voice)] += 1
                if progress is not None:
                    _show_progress(progress, number, len(unique))
        finally:
            pool.shutdown(cancel_futures=True)
        return RenderReport(len(unique), cached, dict(made_by), time.perf_counter() - started)

    def path_for(self, text: str, voice: Voice, audio_format: AudioFormat) -> Path:
        """Where the audio of ``text`` by ``voice`` in ``audio_format`` is cached."""
        key = [" ".join(text.split()), LANGUAGE, voice.engine, voice.name, f"{self.rate:.2f}"]
        digest = hashlib.sha256(json.dumps([*key, audio_format]).encode()).hexdigest()
        return self.cache_dir / f"{digest}.{audio_format}"

    def _speak(
        self, text: str, formats: tuple[AudioFormat, ...]
    ) -> tuple[dict[AudioFormat, Path], Voice, bool]:
        """The files of ``text`` in ``formats``, the voice in them, and whether they were cached."""
        words = " ".join(text.split())
        if not words:
            raise SpeechError("There is no text to speak.")
        # Audio Google made earlier is still the clearest while Google is unreachable.
        for voice in self.voices:
            paths = {f: self.path_for(words, voice, f) for f in formats}
            if all(path.exists() for path in paths.values()):
                return paths, voice, True
        with tempfile.TemporaryDirectory(prefix="covoice-speech-") as work:
            for voice in self.voices:
                if voice.engine == "gtts" and not self._gtts_allowed():
                    continue
                try:
                    raw = self._synthesise(voice, words, Path(work))
                except _GoogleUnavailable as error:
                    self._gtts_failed(str(error))
                    continue
                if raw is None:
                    continue
                if voice.engine == "gtts":
                    self._gtts_worked()
                paths = {f: self.path_for(words, voice, f) for f in formats}
                self._encode(raw, voice, paths, Path(work))
                return paths, voice, False
        # Not reached: the offline voice, always last, either speaks or raises SpeechError.
        raise SpeechError("No engine could speak the text.")

    def _synthesise(self, voice: Voice, words: str, work: Path) -> Path | None:
        """The engine's own audio file of ``words``, or None when the voice cannot say them."""
        if voice.engine == "gtts":
            mp3 = self._fetch_from_google(words)
            if mp3 is None:
                return None
            raw = work / "gtts.mp3"
            raw.write_bytes(mp3)
            return raw
        raw = work / "engine.wav"
        if voice.engine == "pico":
            # Only our own markup may reach pico: a "<" in the words could open a tag.
            spoken = words.replace("<", " ").replace(">", " ")
            if self.rate != 1.0:
                spoken = f"<speed level='{round(self.rate * 100)}'>{spoken}</speed>"
            _run(["pico2wave", "-l", voice.name, "-w", str(raw), "--", spoken])
        else:
            speed = str(round(ESPEAK_WORDS_PER_MINUTE * self.rate))
            # On stdin, a text that starts with "-" cannot be read as an option.
            _run(["espeak-ng", "-v", voice.name, "-s", speed, "-w", str(raw), "--stdin"], words)
        return raw

    def _fetch_from_google(self, words: str) -> bytes | None:
        """gTTS's MP3 of ``words``; None when gTTS finds nothing to send (only punctuation).

        requests' timeouts do not cover a slow DNS look-up, so the fetch runs
        in a daemon thread that is abandoned at the deadline.

        Raises:
            _GoogleUnavailable: no audio came back within the time allowed.
        """
        from gtts import gTTS

        timeout = self._gtts_timeout
        tts = gTTS(words, lang=GTTS_LANG, tld=GTTS_TLD, lang_check=False, timeout=timeout)
        try:
            # Built locally: one request for each piece of up to 100 characters.
            requests_needed = len(tts.get_bodies())
        except AssertionError:
            return None
        deadline = timeout * requests_needed
        answer: queue.Queue[bytes | Exception] = queue.Queue(maxsize=1)

        def fetch() -> None:
            try:
                answer.put(b"".join(tts.stream()))
            except Exception as error:  # gTTSError, or anything requests lets through
                answer.put(error)

        threading.Thread(target=fetch, name="gtts-fetch", daemon=True).start()
        try:
            result = answer.get(timeout=deadline)
        except queue.Empty:
            raise _GoogleUnavailable(f"no answer within {deadline:g} s") from None
        if isinstance(result, Exception):
            raise _GoogleUnavailable(str(result) or type(result).__name__) from None
        if not result:
            raise _GoogleUnavailable("the answer held no audio")
        return result

    def _encode(self, raw: Path, voice: Voice, paths: dict[AudioFormat, Path], work: Path) -> None:
        """Bring ``raw`` to the target loudness and write each format atomically."""
        prepared = work / "prepared.wav"
        # Google has no speed setting of its own worth using (slow=True is far
        # too slow), so its audio is slowed here without changing the pitch.
        tempo = f"atempo={self.rate:g}," if voice.engine == "gtts" and self.rate != 1.0 else ""
        measured = _run(
            ["ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-y", "-i", str(raw)]
            + ["-af", f"{tempo}ebur128=peak=sample:framelog=verbose"]
            + ["-ac", "1", "-ar", "48000", "-c:a", "pcm_s16le", str(prepared)]
        )
        gain = _gain_db(measured)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        drafts = {
            audio_format: path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
            for audio_format, path in paths.items()
        }
        command = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
        command += ["-i", str(prepared)]
        for audio_format, draft in drafts.items():
            command += ["-af", f"volume={gain:.2f}dB", "-ac", "1", *_ENCODING[audio_format]]
            command.append(str(draft))
        try:
            _run(command)
            for audio_format, draft in drafts.items():
                os.replace(draft, paths[audio_format])
        finally:
            for draft in drafts.values():
                draft.unlink(missing_ok=True)

    def _gtts_allowed(self) -> bool:
        with self._lock:
            return self._clock() >= self._gtts_retry_at

    def _gtts_failed(self, reason: str) -> None:
        with self._lock:
            self._gtts_retry_at = self._clock() + GTTS_RETRY_SECONDS
            first = not self._gtts_failing
            self._gtts_failing = True
        # Said once per outage, not for every prompt spoken while it lasts.
        if first:
            log.warning(
                "Google's speech service is not answering (%s): speaking with %s, "
                "and trying Google again every %d minutes.",
                reason,
                self.offline_voice,
                GTTS_RETRY_SECONDS // 60,
            )
        else:
            log.debug("Google's speech service is still not answering (%s).", reason)

    def _gtts_worked(self) -> None:
        with self._lock:
            recovered = self._gtts_failing
            self._gtts_failing = False
        if recovered:
            log.info("Google's speech service answers again: speaking with gTTS.")


def voice_in_use(settings: Settings) -> str:
    """One line saying who speaks with these settings, e.g. ``pico2wave en-GB (offline)``.

    Raises:
        SpeechError: the voice setting is not one the engine has.
    """
    return Speech.from_settings(settings).voice_in_use()


def prompt_texts(settings: Settings) -> list[str]:
    """Every prompt the bot says, in both wordings: each question set's and the bot's own.

    Raises:
        QuestionSetError: a question set or the wording file is broken.
    """
    from checkin.loading import load_sets_and_wording
    from checkin.question_sets import Wording

    sets, wording = load_sets_and_wording(settings)
    said: list[Wording] = []
    for question_set in sets.values():
        spec = question_set.spec
        said += [spec.intro, spec.anything_else, spec.closing]
        for question in spec.questions:
            said.append(question)
            if question.follow_up is not None:
                said.append(question.follow_up)
    said += [getattr(wording.messages, name) for name in type(wording.messages).model_fields]
    texts = (" ".join(text.split()) for words in said for text in (words.text, words.easy_read))
    return list(dict.fromkeys(texts))


def _offline_voice(engine: EngineChoice, voice: str) -> Voice:
    """pico2wave when asked for or installed (it is the clearer), else espeak-ng."""
    if engine == "pico" or (
        engine in ("auto", "gtts")
        and shutil.which("pico2wave") is not None
        and (not voice or voice in PICO_LANGUAGES)
    ):
        if voice and voice not in PICO_LANGUAGES:
            raise SpeechError(
                f"pico2wave has no voice '{voice}'. Set COVOICE_SPEECH_VOICE to one of "
                f"{', '.join(PICO_LANGUAGES)}, or leave it empty for en-GB."
            )
        return Voice("pico", voice or "en-GB")
    return Voice("espeak", voice or "en-gb")


def _run(command: list[str], stdin: str | None = None) -> str:
    """Run one engine or ffmpeg step with a time limit; returns what it wrote to stderr.

    Raises:
        SpeechError: the program is missing (naming its Debian package), fails,
            or takes longer than SUBPROCESS_TIMEOUT_SECONDS.
    """
    program = command[0]
    if shutil.which(program) is None:
        raise SpeechError(
            f"{program} is not installed, so prompts cannot be spoken with it. Install the "
            f"Debian package {_DEBIAN_PACKAGES[program]} (as root: "
            "scripts/install-system-packages)."
        )
    try:
        done = subprocess.run(
            command,
            input=stdin.encode() if stdin is not None else None,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            timeout=SUBPROCESS_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SpeechError(
            f"{program} took longer than {SUBPROCESS_TIMEOUT_SECONDS:g} s and was stopped."
        ) from None
    errors = done.stderr.decode(errors="replace")
    if done.returncode != 0:
        last = errors.strip().splitlines()[-1:] or ["no message"]
        raise SpeechError(f"{program} failed (exit {done.returncode}): {last[0]}")
    return errors


def _gain_db(ffmpeg_log: str) -> float:
    """The gain that brings measured audio to TARGET_LUFS without passing the peak ceiling."""
    summary = ffmpeg_log.rsplit("Summary:", 1)[-1]
    loudness, peak = _LOUDNESS.search(summary), _PEAK.search(summary)
    if loudness is None or peak is None or "inf" in (loudness[1] + peak[1]):
        return 0.0  # silence, or too short to measure: leave it as it is
    return min(TARGET_LUFS - float(loudness[1]), PEAK_CEILING_DBFS - float(peak[1]))


def _show_progress(stream: TextIO, done: int, total: int) -> None:
    if stream.isatty():
        stream.write(f"\rSpeaking prompts: {done}/{total}")
        if done == total:
            stream.write("\n")
    elif done == total or done % 10 == 0:
        stream.write(f"Speaking prompts: {done}/{total}\n")
    stream.flush()

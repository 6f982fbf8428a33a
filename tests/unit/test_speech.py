"""Spoken prompts: gTTS with only its HTTP faked, the offline engines for real, the cache."""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from requests.adapters import BaseAdapter
from typer.testing import CliRunner

from bot import speech as speech_module
from bot.speech import GTTS_RETRY_SECONDS, Speech, SpeechError, prompt_texts
from cli.speech_commands import speech_app
from covoice.settings import SettingsError, load_settings
from tests.conftest import fixture_settings

GOOGLE = "https://translate.google.co.uk/"
PROMPT = "How do you feel about the food? Press Good, Okay or Not good."
needs_pico = pytest.mark.skipif(
    shutil.which("pico2wave") is None,
    reason="pico2wave is not installed (Debian non-free package libttspico-utils)",
)


class FakeGoogle(BaseAdapter):
    """Google Translate's batchexecute endpoint as gTTS reads it, answering with a real MP3."""

    def __init__(self, mp3: bytes) -> None:
        super().__init__()
        self.mp3 = mp3
        self.requests: list[requests.PreparedRequest] = []
        self.timeouts: list[Any] = []
        self.failure: str | None = None  # "refused", "429", "no audio", "slow"
        self.delay = 0.0

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        self.requests.append(request)
        self.timeouts.append(timeout)
        if self.failure == "refused":
            raise requests.ConnectionError("Connection refused")
        if self.failure == "slow":
            time.sleep(self.delay)
        # Google's answer is compact JSON with the audio as base64 inside a JSON string.
        audio = json.dumps([base64.b64encode(self.mp3).decode()])
        answer = None if self.failure == "no audio" else audio
        payload = json.dumps(
            [["wrb.fr", "jQ1olc", answer, None, None, None, "generic"]], separators=(",", ":")
        )
        response = requests.Response()
        response.status_code, response.reason = (
            (429, "Too Many Requests") if self.failure == "429" else (200, "OK")
        )
        response.url = request.url or ""
        response.request = request
        response.raw = io.BytesIO(f")]}}'\n\n{len(payload)}\n{payload}\n".encode())
        return response

    def close(self) -> None:
        pass

    def asked(self) -> list[list[Any]]:
        """What gTTS asked for in each request: [words, language, speed, "null"]."""
        asked = []
        for request in self.requests:
            body = request.body if isinstance(request.body, str) else ""
            rpc = json.loads(unquote(body.removeprefix("f.req=").rstrip("&")))
            asked.append(json.loads(rpc[0][0][1]))
        return asked

    def spoken_words(self) -> list[list[str]]:
        """The words of each request (gTTS tidies spaces and punctuation before sending)."""
        return [re.findall(r"[\w']+", words) for words, *_ in self.asked()]


@pytest.fixture(scope="session")
def google_mp3(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real MP3 like Google's (24 kHz mono), made 14 dB quieter than espeak-ng speaks."""
    folder = tmp_path_factory.mktemp("google")
    wav, mp3 = folder / "voice.wav", folder / "voice.mp3"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", wav, PROMPT], check=True, timeout=30)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", wav, "-af", "volume=-14dB"]
        + ["-ar", "24000", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "32k", mp3],
        check=True,
        timeout=30,
    )
    return mp3.read_bytes()


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch, google_mp3: bytes) -> FakeGoogle:
    """Every requests session gTTS opens gets the fake mounted for Google's UK host."""
    fake = FakeGoogle(google_mp3)
    original = requests.Session.__init__

    def mounted(session: requests.Session) -> None:
        original(session)
        session.mount(GOOGLE, fake)

    monkeypatch.setattr(requests.Session, "__init__", mounted)
    return fake


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def make_speech(tmp_path: Path) -> Callable[..., Speech]:
    def make(**options: Any) -> Speech:
        return Speech(tmp_path / "speech", **options)

    return make


@pytest.fixture
def no_programs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Leave only the named programs on the PATH."""

    def keep(*programs: str) -> None:
        folder = tmp_path / "bin"
        folder.mkdir(exist_ok=True)
        for program in programs:
            found = shutil.which(program)
            assert found is not None, program
            (folder / program).symlink_to(found)
        monkeypatch.setenv("PATH", str(folder))

    return keep


def probe(path: Path) -> dict[str, Any]:
    found = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path],
        capture_output=True,
        check=True,
        timeout=30,
    )
    data: dict[str, Any] = json.loads(found.stdout)
    return data


def duration(path: Path) -> float:
    return float(probe(path)["format"]["duration"])


def loudness(path: Path) -> float:
    """Integrated loudness in LUFS (EBU R128), as ffmpeg measures it."""
    measured = subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-i", path]
        + ["-af", "ebur128=framelog=verbose", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    found = re.search(r"I:\s+(-?[\d.]+) LUFS", measured.stderr.rsplit("Summary:", 1)[-1])
    assert found is not None, measured.stderr[-500:]
    return float(found[1])


def warnings_from_speech(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.speech" and r.levelno >= logging.WARNING]


# gTTS, with only its HTTP faked


def test_gtts_asks_google_uk_in_english_and_its_mp3_is_served(
    google: FakeGoogle, make_speech: Callable[..., Speech]
) -> None:
    speech = make_speech(engine="auto", gtts_timeout_seconds=2.5)

    spoken = speech.speak(PROMPT, "mp3")

    assert spoken.voice.engine == "gtts" and not spoken.cached
    assert [r.url for r in google.requests] == [GOOGLE + "_/TranslateWebserverUi/data/batchexecute"]
    [[_, language, slow, _]] = google.asked()
    assert (language, slow) == ("en", None)
    assert google.spoken_words() == [re.findall(r"[\w']+", PROMPT)]
    assert google.timeouts == [2.5]
    assert probe(spoken.path)["streams"][0]["codec_name"] == "mp3"
    assert duration(spoken.path) > 1.0


def test_gtts_is_slowed_by_ffmpeg_when_the_rate_is_slower(
    google: FakeGoogle, make_speech: Callable[..., Speech]
) -> None:
    normal = make_speech(engine="gtts").audio(PROMPT, "mp3")
    slower = make_speech(engine="gtts", rate=0.8).audio(PROMPT, "mp3")

    assert 1.15 < duration(slower) / duration(normal) < 1.35


@pytest.mark.parametrize("failure", ["refused", "429", "no audio", "slow"])
def test_google_failing_falls_back_offline_quickly_and_is_logged_once(
    failure: str,
    google: FakeGoogle,
    make_speech: Callable[..., Speech],
    caplog: pytest.LogCaptureFixture,
) -> None:
    google.failure, google.delay = failure, 5.0
    speech = make_speech(engine="auto", gtts_timeout_seconds=0.5)

    started = time.monotonic()
    spoken = [speech.speak(f"Question number {n}. Do you like it?", "mp3") for n in range(3)]
    elapsed = time.monotonic() - started

    assert {s.voice for s in spoken} == {speech.offline_voice}
    assert all(duration(s.path) > 0.5 for s in spoken)
    # Google was asked once; the next prompts went straight to the offline voice.
    assert len(google.requests) == 1
    assert len(warnings_from_speech(caplog)) == 1
    assert "not answering" in speech.voice_in_use()
    assert elapsed < 4.0  # never the 5 s Google's answer would take


def test_google_is_tried_again_after_a_while_and_an_outage_is_logged_once(
    google: FakeGoogle, make_speech: Callable[..., Speech], caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    speech = make_speech(engine="auto", clock=clock)
    google.failure = "refused"
    assert speech.speak("First.", "mp3").voice.engine != "gtts"
    clock.now += GTTS_RETRY_SECONDS + 1
    assert speech.speak("Second.", "mp3").voice.engine != "gtts"  # asked again, still down

    google.failure = None
    clock.now += GTTS_RETRY_SECONDS - 1
    assert speech.speak("Third.", "mp3").voice.engine != "gtts"  # not asked yet
    assert len(warnings_from_speech(caplog)) == 1
    clock.now += 2
    caplog.set_level(logging.INFO, logger="bot.speech")
    assert speech.speak("Fourth.", "mp3").voice.engine == "gtts"

    assert google.spoken_words() == [["First"], ["Second"], ["Fourth"]]
    assert len(warnings_from_speech(caplog)) == 1
    assert any("answers again" in r.getMessage() for r in caplog.records)
    assert speech.voice_in_use().startswith("gTTS en via translate.google.co.uk (online)")


def test_audio_google_made_earlier_is_served_while_google_is_down(
    google: FakeGoogle, make_speech: Callable[..., Speech]
) -> None:
    first = make_speech(engine="auto").speak(PROMPT, "ogg")
    google.failure = "refused"

    again = make_speech(engine="auto").speak(PROMPT, "ogg")

    assert again.cached and again.path == first.path and again.voice.engine == "gtts"
    assert len(google.requests) == 1


def test_only_punctuation_goes_offline_without_blaming_google(
    google: FakeGoogle, make_speech: Callable[..., Speech], caplog: pytest.LogCaptureFixture
) -> None:
    spoken = make_speech(engine="auto").speak("...", "mp3")

    assert spoken.voice.engine != "gtts"
    assert google.requests == [] and warnings_from_speech(caplog) == []


# The offline engines, for real


def test_espeak_speaks_british_english_offline(make_speech: Callable[..., Speech]) -> None:
    speech = make_speech(engine="espeak")

    path = speech.audio(PROMPT, "mp3")

    assert speech.voice_in_use() == "espeak-ng en-gb (offline)"
    assert probe(path)["format"]["format_name"] == "mp3"
    assert duration(path) > 2.0


@needs_pico
def test_pico_speaks_british_english_offline_and_is_the_offline_default(
    make_speech: Callable[..., Speech],
) -> None:
    speech = make_speech(engine="auto")

    path = make_speech(engine="pico").audio(PROMPT, "mp3")

    assert str(speech.offline_voice) == "pico2wave en-GB (offline)"
    assert make_speech(engine="pico").voice_in_use() == "pico2wave en-GB (offline)"
    assert duration(path) > 2.0


@pytest.mark.parametrize("engine", ["espeak", pytest.param("pico", marks=needs_pico)])
def test_a_slower_rate_speaks_slower(engine: str, make_speech: Callable[..., Speech]) -> None:
    normal = make_speech(engine=engine).audio(PROMPT, "mp3")
    slower = make_speech(engine=engine, rate=0.8).audio(PROMPT, "mp3")

    assert duration(slower) / duration(normal) > 1.1
    assert "rate 0.8" in make_speech(engine=engine, rate=0.8).voice_in_use()


def test_text_that_looks_like_an_option_or_markup_is_spoken(
    make_speech: Callable[..., Speech],
) -> None:
    for engine in ["espeak"] + (["pico"] if shutil.which("pico2wave") else []):
        path = make_speech(engine=engine, rate=0.8).audio("-v <speed level='10'> & fish", "mp3")
        assert duration(path) > 0.5


def test_an_unknown_voice_is_refused_with_the_ones_there_are(
    make_speech: Callable[..., Speech],
) -> None:
    with pytest.raises(SpeechError, match="en-GB, en-US"):
        make_speech(engine="pico", voice="en-gb-scotland")
    with pytest.raises(SpeechError, match="espeak-ng failed.*voice does not exist"):
        make_speech(engine="espeak", voice="nonsense").audio("Hello.", "mp3")


# Formats and loudness


def test_ogg_is_an_ogg_opus_voice_note(make_speech: Callable[..., Speech]) -> None:
    path = make_speech(engine="espeak").audio(PROMPT, "ogg")

    found = probe(path)
    assert found["format"]["format_name"] == "ogg"
    [stream] = found["streams"]
    assert (stream["codec_name"], stream["sample_rate"], stream["channels"]) == ("opus", "48000", 1)
    assert float(found["format"]["duration"]) > 2.0
    assert path.read_bytes()[:4] == b"OggS"


def test_every_engine_is_brought_to_about_the_same_loudness(
    google: FakeGoogle, make_speech: Callable[..., Speech], tmp_path: Path
) -> None:
    engines = ["gtts", "espeak"] + (["pico"] if shutil.which("pico2wave") else [])
    raw_google = tmp_path / "google.mp3"
    raw_google.write_bytes(google.mp3)

    levels = {e: loudness(make_speech(engine=e).audio(PROMPT, "mp3")) for e in engines}
    ogg = loudness(make_speech(engine="espeak").audio(PROMPT, "ogg"))

    # Google's own audio is far quieter than espeak-ng's; after normalising they agree.
    assert levels["espeak"] - loudness(raw_google) > 8
    assert max(levels.values()) - min(levels.values()) < 3.0, levels
    assert all(abs(level - speech_module.TARGET_LUFS) < 3.0 for level in levels.values()), levels
    assert abs(ogg - levels["espeak"]) < 2.0


# The cache


def test_the_second_call_comes_from_the_cache_without_synthesising(
    make_speech: Callable[..., Speech], no_programs: Callable[..., None]
) -> None:
    first = make_speech(engine="espeak").speak(PROMPT, "mp3")
    made_at = first.path.stat().st_mtime_ns
    no_programs()  # neither espeak-ng nor ffmpeg can run now

    # The same words, however they are spaced.
    again = make_speech(engine="espeak").speak(PROMPT.replace(" the ", "\n the  ") + " ", "mp3")

    assert again.cached and not first.cached
    assert again.path == first.path and again.path.stat().st_mtime_ns == made_at
    assert re.fullmatch(r"[0-9a-f]{64}\.mp3", again.path.name)


def test_gtts_audio_is_fetched_once(google: FakeGoogle, make_speech: Callable[..., Speech]) -> None:
    speech = make_speech(engine="gtts")
    assert speech.audio(PROMPT, "mp3") == speech.audio(PROMPT, "mp3")
    assert len(google.requests) == 1


def test_rate_format_voice_and_words_each_have_their_own_file(
    make_speech: Callable[..., Speech],
) -> None:
    paths = {
        make_speech(engine="espeak").audio(PROMPT, "mp3"),
        make_speech(engine="espeak").audio(PROMPT, "ogg"),
        make_speech(engine="espeak", rate=0.8).audio(PROMPT, "mp3"),
        make_speech(engine="espeak", voice="en-gb-scotland").audio(PROMPT, "mp3"),
        make_speech(engine="espeak").audio(PROMPT + " Thank you.", "mp3"),
    }
    assert len(paths) == 5 and all(path.exists() for path in paths)


def test_a_failed_encoding_leaves_no_file_behind(
    make_speech: Callable[..., Speech], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(speech_module._ENCODING, "mp3", ("-c:a", "no-such-codec", "-f", "mp3"))

    with pytest.raises(SpeechError, match="ffmpeg failed"):
        make_speech(engine="espeak").audio(PROMPT, "mp3")

    assert list((tmp_path / "speech").iterdir()) == []


def test_render_speaks_each_text_once_showing_progress(make_speech: Callable[..., Speech]) -> None:
    speech = make_speech(engine="espeak")
    texts = ["Hello.", "Skip", "  ", "Hello.", "Thank you for your answers."]
    progress = io.StringIO()

    first = speech.render(texts, progress=progress)
    second = speech.render(texts, progress=None)

    assert (first.texts, first.cached, first.made_by) == (3, 0, {"espeak-ng en-gb (offline)": 3})
    assert progress.getvalue().splitlines()[-1] == "Speaking prompts: 3/3"
    assert (second.texts, second.cached, second.made_by) == (3, 3, {})
    assert len(list(speech.cache_dir.iterdir())) == 6  # an MP3 and an OGG of each


def test_prompt_texts_hold_both_wordings_of_every_set_and_the_bots_words(tmp_path: Path) -> None:
    from checkin.loading import load_sets_and_wording

    settings = fixture_settings(tmp_path)
    sets, wording = load_sets_and_wording(settings)
    spec = next(iter(sets.values())).spec
    follow_up = next(q.follow_up for q in spec.questions if q.follow_up is not None)

    texts = prompt_texts(settings)

    for words in (spec.intro, spec.questions[-1], follow_up, spec.closing, wording.messages.help):
        assert " ".join(words.text.split()) in texts
        assert " ".join(words.easy_read.split()) in texts
    assert len(texts) == len(set(texts))


# Clear failures


@pytest.mark.parametrize(
    ("engine", "keep", "package"),
    [
        ("espeak", (), "Debian package espeak-ng "),
        ("pico", ("ffmpeg",), "Debian package libttspico-utils (in Debian's non-free component)"),
        ("espeak", ("espeak-ng",), "Debian package ffmpeg "),
    ],
)
def test_a_missing_program_names_the_debian_package_to_install(
    engine: str,
    keep: tuple[str, ...],
    package: str,
    make_speech: Callable[..., Speech],
    no_programs: Callable[..., None],
) -> None:
    no_programs(*keep)

    with pytest.raises(SpeechError, match="is not installed") as raised:
        make_speech(engine=engine).audio(PROMPT, "mp3")

    assert package in str(raised.value)
    assert "scripts/install-system-packages" in str(raised.value)


def test_a_missing_offline_voice_shows_in_the_voice_line(
    make_speech: Callable[..., Speech], no_programs: Callable[..., None]
) -> None:
    no_programs()
    assert make_speech(engine="auto").voice_in_use() == (
        "gTTS en via translate.google.co.uk (online) when Google answers, else espeak-ng en-gb "
        "(offline), not installed: install the Debian package espeak-ng"
    )


def test_there_must_be_words(make_speech: Callable[..., Speech]) -> None:
    with pytest.raises(SpeechError, match="no text"):
        make_speech(engine="espeak").audio(" \n ", "mp3")


# Settings and the command line


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("COVOICE_SPEECH_RATE", "0.2"),
        ("COVOICE_SPEECH_ENGINE", "festival"),
        ("COVOICE_SPEECH_GTTS_TIMEOUT_SECONDS", "0"),
    ],
)
def test_a_wrong_speech_setting_names_its_variable(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_speech_settings_reach_the_speaker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COVOICE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COVOICE_SPEECH_ENGINE", "espeak")
    monkeypatch.setenv("COVOICE_SPEECH_VOICE", "en-gb-x-rp")
    monkeypatch.setenv("COVOICE_SPEECH_RATE", "0.8")

    speech = Speech.from_settings(load_settings())

    assert speech.cache_dir == tmp_path / "speech"
    assert speech.voice_in_use() == "espeak-ng en-gb-x-rp (offline), rate 0.8"


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return {"COVOICE_DATA_DIR": str(tmp_path), "COVOICE_SPEECH_ENGINE": "espeak"}


def test_speech_say_writes_the_file_asked_for(tmp_path: Path, cli_env: dict[str, str]) -> None:
    output = tmp_path / "hello.ogg"

    result = CliRunner().invoke(
        speech_app, ["say", "Hello there.", "--format", "ogg", "--output", str(output)], env=cli_env
    )

    assert result.exit_code == 0, result.output
    assert "espeak-ng en-gb (offline), made now" in result.output
    assert probe(output)["streams"][0]["codec_name"] == "opus"


def test_speech_say_turns_a_missing_program_into_a_next_step(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    env = cli_env | {"PATH": str(tmp_path)}
    output = tmp_path / "hello.mp3"

    result = CliRunner().invoke(speech_app, ["say", "Hi", "--output", str(output)], env=env)

    assert result.exit_code == 1
    assert "Install the Debian package espeak-ng" in result.output
    assert not output.exists()

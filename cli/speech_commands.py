"""`covoice speech …`: speak every prompt into the cache ahead of time, or try a voice."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Literal

import typer

from cli.common import current_settings, fail

speech_app = typer.Typer(
    help="Spoken prompts: make them ahead of time, or try a voice.", no_args_is_help=True
)


@speech_app.command("render")
def render() -> None:
    """Speak every prompt of every question set, in both wordings, into the cache."""
    from bot.speech import Speech, SpeechError, prompt_texts
    from checkin.question_sets import QuestionSetError

    settings = current_settings()
    try:
        speech = Speech.from_settings(settings)
        texts = prompt_texts(settings)
        typer.echo(f"Speaking {len(texts)} prompts with {speech.voice_in_use()}", err=True)
        report = speech.render(texts)
    except (SpeechError, QuestionSetError) as error:
        fail(str(error))
    made = ", ".join(f"{count} by {voice}" for voice, count in report.made_by.items())
    typer.echo(
        f"{report.texts} prompts in {report.seconds:.1f} s: {report.cached} already cached"
        + (f", {made}" if made else "")
        + f". Cache: {speech.cache_dir}",
        err=True,
    )


@speech_app.command("say")
def say(
    text: Annotated[str, typer.Argument(help="The words to speak")],
    output: Annotated[Path, typer.Option(help="The file to write")],
    audio_format: Annotated[
        Literal["mp3", "ogg"],
        typer.Option("--format", help="mp3 for the web page, ogg (Opus) for Telegram"),
    ] = "mp3",
    engine: Annotated[
        Literal["auto", "gtts", "pico", "espeak"] | None,
        typer.Option(help="Instead of COVOICE_SPEECH_ENGINE"),
    ] = None,
    voice: Annotated[
        str | None,
        typer.Option(help="Instead of COVOICE_SPEECH_VOICE, e.g. en-GB (pico), en-gb (espeak)"),
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(min=0.5, max=1.5, help="Instead of COVOICE_SPEECH_RATE; 0.8 is slower"),
    ] = None,
) -> None:
    """Speak some words into a file, to try a voice (the audio is cached too)."""
    from bot.speech import Speech, SpeechError

    settings = current_settings()
    try:
        speech = Speech(
            settings.data_dir / "speech",
            engine=engine or settings.speech_engine,
            voice=settings.speech_voice if voice is None else voice,
            rate=settings.speech_rate if rate is None else rate,
            gtts_timeout_seconds=settings.speech_gtts_timeout_seconds,
        )
        spoken = speech.speak(text, audio_format)
    except SpeechError as error:
        fail(str(error))
    try:
        shutil.copyfile(spoken.path, output)
    except OSError as error:
        fail(f"Cannot write {output} ({error.strerror}). Choose another file or folder.")
    source = "from the cache" if spoken.cached else "made now"
    typer.echo(f"{output}: {spoken.voice}, {source}", err=True)

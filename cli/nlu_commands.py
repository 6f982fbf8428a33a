"""`covoice nlu …`: train the theme tagger and safeguarding screener, and learn from use."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    OnlyService,
    check_service,
    current_actor,
    current_settings,
    fail,
    governed_store,
    one_line,
)

nlu_app = typer.Typer(help="Train the tagger and screener, and feed corrections back.")


@nlu_app.command("train")
def train() -> None:
    """Train the theme tagger and safeguarding screener on nlu/tagging/."""
    from tagging.examples import ExamplesError
    from tagging.loading import train_and_save

    settings = current_settings()
    typer.echo("Training the theme tagger and safeguarding screener…", err=True)
    started = time.perf_counter()
    try:
        train_and_save(settings)
    except ExamplesError as error:
        typer.secho(f"The examples cannot be used: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"Trained in {time.perf_counter() - started:.1f} s: {settings.tagging_model_path}",
        err=True,
    )


@nlu_app.command("review")
def review(
    service: OnlyService = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many")] = 50,
) -> None:
    """List people's words the tagger found no theme in or was unsure of, newest first."""
    from governance.tag_review import unsure_answers

    settings = current_settings()
    with governed_store(settings) as uow:
        check_service(uow, service)
        rows = unsure_answers(uow.session, service, limit)
    if not rows:
        typer.echo("Nothing to review: the tagger was sure of every answer with words.")
        return
    typer.echo("answer\tgiven at (UTC)\tservice\tquestion\tintent\tthemes\twords")
    for row in rows:
        intent = f"{row.intent or '-'} ({_share(row.intent_confidence)})"
        themes = f"{', '.join(row.text_themes) or 'none'} ({_share(row.theme_confidence)})"
        typer.echo(
            f"{row.response_id}\t{row.created_at:%Y-%m-%d %H:%M}\t{row.service_id}\t"
            f"{row.question_id}\t{intent}\t{themes}\t{one_line(row.words)}"
        )
    typer.echo(
        "Correct one with: covoice nlu correct ANSWER --themes food_drink,choice_control "
        "(or --themes none) [--intent inform]",
        err=True,
    )


@nlu_app.command("correct")
def correct(
    answer: Annotated[int, typer.Argument(help="The answer number from `covoice nlu review`")],
    themes: Annotated[
        str, typer.Option(help="Theme ids the words are about, comma-separated, or 'none'")
    ],
    intent: Annotated[str | None, typer.Option(help="The intent the words carry")] = None,
) -> None:
    """Say what an answer's words are about; kept with who and when, for training."""
    from covoice.taxonomy import load_taxonomy
    from governance.tag_review import correct_answer

    settings = current_settings()
    taxonomy = load_taxonomy(settings.taxonomy_path)
    chosen = [] if themes.strip() == "none" else [t.strip() for t in themes.split(",") if t.strip()]
    unknown = [theme for theme in chosen if theme not in taxonomy.themes]
    if unknown or not (chosen or themes.strip() == "none"):
        fail(f"Unknown theme '{unknown[0] if unknown else themes}'. Theme ids are in taxonomy.yml.")
    if intent is not None and intent not in taxonomy.intents:
        fail(f"Unknown intent '{intent}'. Intent ids are in taxonomy.yml.")
    actor = current_actor(settings)
    with governed_store(settings) as uow:
        correct_answer(uow, answer, chosen, intent, actor)
        uow.commit()
    typer.echo(f"Answer {answer} now carries: {', '.join(chosen) or 'no theme'} (by {actor}).")


@nlu_app.command("export-corrections")
def export_corrections(
    output: Annotated[Path, typer.Option(help="Folder to write nlu.yml and themes.yml into")],
) -> None:
    """Write managers' corrections as Rasa NLU examples and theme tagger examples."""
    from governance.tag_review import as_rasa_examples, as_theme_examples, usable_corrections

    settings = current_settings()
    with governed_store(settings) as uow:
        corrections = usable_corrections(uow.session)
    output.mkdir(parents=True, exist_ok=True)
    (output / "nlu.yml").write_text(as_rasa_examples(corrections), encoding="utf-8")
    (output / "themes.yml").write_text(as_theme_examples(corrections), encoding="utf-8")
    with_intent = sum(1 for correction in corrections if correction.intent)
    typer.echo(
        f"Wrote {len(corrections)} theme examples to {output / 'themes.yml'} and "
        f"{with_intent} intent examples to {output / 'nlu.yml'}. Review them, add them to "
        "nlu/tagging/themes.yml and nlu/data/nlu.yml, then run `make setup` to retrain."
    )


def _share(confidence: float | None) -> str:
    return "?" if confidence is None else f"{confidence:.2f}"

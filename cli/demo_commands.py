"""`covoice demo`: add (or remove) a made-up provider to try the dashboard on."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import current_actor, current_settings, fail, governed_store

if TYPE_CHECKING:
    from covoice.settings import Settings
    from governance.demo_answers import WordReader
    from governance.demo_data import DemoSets

DEFAULT_RESPONSES = 3000


def demo(
    remove: Annotated[
        bool, typer.Option("--remove", help="Take out everything the demo made, and nothing else")
    ] = False,
    if_empty: Annotated[
        bool,
        typer.Option(
            "--if-empty",
            help="Only on a store with no real answers or dashboard users that never had "
            "the demo taken out",
        ),
    ] = False,
    responses: Annotated[
        int,
        typer.Option(min=100, help="About how many check-in answers to make (for benchmarks)"),
    ] = DEFAULT_RESPONSES,
) -> None:
    """Add a made-up provider with six months of answers, incidents, alerts and actions."""
    from governance.demo_data import LOGINS_FILE, holds_demo_data, holds_real_data, was_removed
    from storage.migrate import upgrade_database

    settings = current_settings()
    upgrade_database(settings.resolved_database_url)
    logins = settings.data_dir / LOGINS_FILE
    if remove:
        _remove(settings)
        return
    with governed_store(settings) as uow:
        if holds_demo_data(uow):
            typer.echo("The demo data is already there; nothing was added.")
            show_logins(settings)
            return
        if if_empty and holds_real_data(uow):
            typer.echo("The store holds real answers or dashboard users, so no demo was added.")
            return
        if if_empty and was_removed(uow):
            typer.echo("The demo was taken out of this store before; 'covoice demo' adds it again.")
            return
    sets = _question_sets(settings)
    reader = _reader(settings)
    started = time.monotonic()
    with governed_store(settings) as uow:
        from governance.demo_data import seed, write_logins

        seeded = seed(uow, sets, reader, responses, actor=current_actor(settings))
        uow.commit()
    write_logins(logins, seeded.logins)
    typer.echo(
        f"Added the demo: {seeded.services} services, {seeded.people} people and "
        f"{seeded.responses:,} answers over six months, with incidents, alerts and actions "
        f"({time.monotonic() - started:.1f} s). Take it out with 'covoice demo --remove'."
    )
    show_logins(settings)


def show_logins(settings: Settings) -> None:
    """Print the demo's dashboard logins, if the demo made them."""
    from governance.demo_data import LOGINS_FILE, read_logins

    path = settings.data_dir / LOGINS_FILE
    rows = read_logins(path)
    if not rows:
        return
    typer.echo(f"Demo dashboard logins ({path}, readable only by you):")
    width = max(len(username) for username, _, _ in rows)
    for username, password, role in rows:
        typer.echo(f"  {username.ljust(width)}  {password}  {role}")
    typer.echo(f"Sign in at {settings.app_url}/dashboard/")


def _remove(settings: Settings) -> None:
    from governance.demo_data import LOGINS_FILE
    from governance.demo_removal import remove_demo

    with governed_store(settings) as uow:
        removed = remove_demo(uow, current_actor(settings))
        uow.commit()
    (settings.data_dir / LOGINS_FILE).unlink(missing_ok=True)
    if not removed:
        typer.echo("There was no demo data to remove.")
        return
    typer.echo(
        f"Removed the demo ({sum(removed.values()):,} rows); real data and the audit log "
        "are untouched:"
    )
    for table, count in removed.items():
        typer.echo(f"  {table}: {count:,}")


def _question_sets(settings: Settings) -> DemoSets:
    from checkin.question_sets import QuestionSetError, load_question_sets
    from covoice.taxonomy import load_taxonomy
    from governance.demo_data import DemoSets

    try:
        sets = load_question_sets(settings.question_sets_dir, load_taxonomy(settings.taxonomy_path))
    except QuestionSetError as error:
        fail(str(error))
    wanted = (
        settings.default_question_set,
        settings.incident_person_set,
        settings.incident_family_set,
    )
    missing = [name for name in wanted if name not in sets]
    if missing:
        fail(f"There is no question set '{missing[0]}' in {settings.question_sets_dir}.")
    return DemoSets(*(sets[name] for name in wanted))


def _reader(settings: Settings) -> WordReader:
    """The trained tagger, as the live bot reads words; the word bank's own themes without it."""
    from governance.demo_answers import WordReading, bank_reader
    from tagging.embedding import EmbeddingModelMissing
    from tagging.loading import build_tagger
    from tagging.tagger import TaggerNotTrained

    try:
        tagger = build_tagger(settings)
    except (TaggerNotTrained, EmbeddingModelMissing, ValueError, OSError) as error:
        typer.echo(f"Tagging the demo's words by the word bank's themes ({error}).")
        return bank_reader

    def read(texts: Sequence[str]) -> list[WordReading]:
        return [
            WordReading(reading.themes, reading.theme_confidence)
            for reading in tagger.read_many(texts)
        ]

    return read

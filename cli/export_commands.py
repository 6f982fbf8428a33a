"""Commands that read answers out of the store: exports and requests for a person."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    FromDay,
    OnlyService,
    RevealPeople,
    ToDay,
    check_service,
    current_settings,
    days,
    fail,
    person_label,
    unit_of_work,
)

export_app = typer.Typer(help="Write tagged answers out of the store.", no_args_is_help=True)


@export_app.command("responses")
def export_responses(
    from_day: FromDay,
    to_day: ToDay,
    service: OnlyService = None,
    theme: Annotated[str | None, typer.Option(help="Only answers with this theme id")] = None,
    format: Annotated[str, typer.Option(help="csv or jsonl")] = "csv",
    output: Annotated[Path | None, typer.Option(help="File to write; default: print")] = None,
    reveal_people: RevealPeople = False,
) -> None:
    """Write the tagged answers between two days; people are pseudonymised unless asked."""
    from covoice.taxonomy import load_taxonomy
    from governance.exports import FORMATS
    from governance.queries import responses_between

    settings = current_settings()
    first, last = days(from_day, to_day)
    if format not in FORMATS:
        fail(f"Unknown format '{format}'. Use one of: {', '.join(FORMATS)}.")
    if theme and theme not in load_taxonomy(settings.taxonomy_path).themes:
        fail(f"Unknown theme '{theme}'. Theme ids are listed in taxonomy.yml.")
    with unit_of_work(settings)() as uow:
        check_service(uow, service)
        rows = responses_between(uow.session, first, last, service, theme)
    label = person_label(settings, reveal_people)
    data = FORMATS[format](rows, lambda row: label(row.service_id, row.person_ref))
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        typer.echo(f"Wrote {len(rows)} answers to {output}.", err=True)


def person_requests(
    from_day: FromDay,
    to_day: ToDay,
    service: OnlyService = None,
    reveal_people: RevealPeople = False,
) -> None:
    """List the people who asked, in a check-in, to talk to someone."""
    from governance.queries import person_requests_between

    settings = current_settings()
    first, last = days(from_day, to_day)
    with unit_of_work(settings)() as uow:
        check_service(uow, service)
        rows = person_requests_between(uow.session, first, last, service)
    if not rows:
        typer.echo(f"No one asked to talk to someone between {first} and {last}.")
        return
    label = person_label(settings, reveal_people)
    typer.echo("asked at (UTC)\tservice\tperson\trole\tchannel")
    for row in rows:
        asked = row.requested_at.strftime("%Y-%m-%d %H:%M")
        person = label(row.service_id, row.person_ref)
        typer.echo(f"{asked}\t{row.service_id}\t{person}\t{row.respondent_role}\t{row.channel}")

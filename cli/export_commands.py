"""Commands that read people's words out of the store: exports, requests, the inbox."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    FromDay,
    OnlyService,
    Reason,
    RevealPeople,
    ToDay,
    check_service,
    current_actor,
    current_settings,
    days,
    fail,
    governed_store,
    one_line,
    person_label,
    reveal_reason,
)

export_app = typer.Typer(help="Write tagged answers out of the store.", no_args_is_help=True)
inbox_app = typer.Typer(help="Messages kept in the inbox.", no_args_is_help=True)


@export_app.command("responses")
def export_responses(
    from_day: FromDay,
    to_day: ToDay,
    service: OnlyService = None,
    theme: Annotated[str | None, typer.Option(help="Only answers with this theme id")] = None,
    format: Annotated[str, typer.Option(help="csv or jsonl")] = "csv",
    output: Annotated[Path | None, typer.Option(help="File to write; default: print")] = None,
    reveal_people: RevealPeople = False,
    reason: Reason = None,
) -> None:
    """Write the tagged answers between two days; people are pseudonymised unless asked."""
    from covoice.taxonomy import load_taxonomy
    from governance.audit import record_reveal
    from governance.exports import FORMATS
    from governance.queries import responses_between

    settings = current_settings()
    first, last = days(from_day, to_day)
    if format not in FORMATS:
        fail(f"Unknown format '{format}'. Use one of: {', '.join(FORMATS)}.")
    if theme and theme not in load_taxonomy(settings.taxonomy_path).themes:
        fail(f"Unknown theme '{theme}'. Theme ids are listed in taxonomy.yml.")
    why = reveal_reason(reveal_people, reason)
    with governed_store(settings) as uow:
        check_service(uow, service)
        rows = responses_between(uow.session, first, last, service, theme)
        label = person_label(uow, settings, reveal_people)
        if why is not None:
            record_reveal(
                uow,
                current_actor(settings),
                "export.responses.reveal_people",
                why,
                {
                    "from": first.isoformat(),
                    "to": last.isoformat(),
                    "service": service,
                    "theme": theme,
                    "format": format,
                    "rows": len(rows),
                    "output": str(output) if output else None,
                },
            )
        # The record of who saw whom is kept before any of it leaves the program.
        uow.commit()
    data = FORMATS[format](rows, lambda row: label(row.service_id, row.person_ref))
    _write(data, output, f"Wrote {len(rows)} answers to {output}.")


def person_requests(
    from_day: FromDay,
    to_day: ToDay,
    service: OnlyService = None,
    reveal_people: RevealPeople = False,
    reason: Reason = None,
) -> None:
    """List the people who asked, in a check-in, to talk to someone."""
    from governance.audit import record_reveal
    from governance.queries import person_requests_between

    settings = current_settings()
    first, last = days(from_day, to_day)
    why = reveal_reason(reveal_people, reason)
    with governed_store(settings) as uow:
        check_service(uow, service)
        rows = person_requests_between(uow.session, first, last, service)
        label = person_label(uow, settings, reveal_people)
        if why is not None:
            record_reveal(
                uow,
                current_actor(settings),
                "requests.reveal_people",
                why,
                {
                    "from": first.isoformat(),
                    "to": last.isoformat(),
                    "service": service,
                    "format": "text",
                    "rows": len(rows),
                },
            )
        uow.commit()
    if not rows:
        typer.echo(f"No one asked to talk to someone between {first} and {last}.")
        return
    typer.echo("asked at (UTC)\tservice\tperson\trole\tchannel")
    for row in rows:
        asked = row.requested_at.strftime("%Y-%m-%d %H:%M")
        person = label(row.service_id, row.person_ref)
        typer.echo(f"{asked}\t{row.service_id}\t{person}\t{row.respondent_role}\t{row.channel}")


@inbox_app.command("words")
def inbox_words(
    from_day: FromDay,
    to_day: ToDay,
    service: OnlyService = None,
    format: Annotated[str, typer.Option(help="text or jsonl")] = "text",
    output: Annotated[Path | None, typer.Option(help="File to write; default: print")] = None,
    reveal_people: RevealPeople = False,
    reason: Reason = None,
) -> None:
    """List the words people typed that were kept in the inbox but not stored as answers."""
    from governance.audit import record_reveal
    from governance.exports import inbox_words_jsonl
    from governance.queries import inbox_words as query_inbox_words

    settings = current_settings()
    first, last = days(from_day, to_day)
    if format not in ("text", "jsonl"):
        fail(f"Unknown format '{format}'. Use one of: text, jsonl.")
    why = reveal_reason(reveal_people, reason)
    with governed_store(settings) as uow:
        check_service(uow, service)
        rows = query_inbox_words(uow.session, first, last, service)
        label = person_label(uow, settings, reveal_people)
        if why is not None:
            record_reveal(
                uow,
                current_actor(settings),
                "inbox.words.reveal_people",
                why,
                {
                    "from": first.isoformat(),
                    "to": last.isoformat(),
                    "service": service,
                    "format": format,
                    "rows": len(rows),
                    "output": str(output) if output else None,
                },
            )
        uow.commit()
    if format == "jsonl":
        _write(inbox_words_jsonl(rows, label), output, f"Wrote {len(rows)} messages to {output}.")
        return
    if not rows:
        typer.echo(f"No words kept only in the inbox between {first} and {last}.")
        return
    lines = ["received at (UTC)\tservice\tperson\tstatus\twords"]
    for row in rows:
        # A message from someone not yet known to the store is shown by its sender.
        who = label(row.service_id or "", row.person_ref or row.sender_id)
        received = row.received_at.strftime("%Y-%m-%d %H:%M")
        service_id = row.service_id or "-"
        lines.append(f"{received}\t{service_id}\t{who}\t{row.status}\t{one_line(row.text)}")
    _write(
        "".join(line + "\n" for line in lines).encode("utf-8"),
        output,
        f"Wrote {len(rows)} messages to {output}.",
    )


def _write(data: bytes, output: Path | None, done: str) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        typer.echo(done, err=True)

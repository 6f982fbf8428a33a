"""The `covoice` command line: run the stack, chat, export, look after the store."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from covoice.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

app = typer.Typer(
    help="CoVoice: hear people's views and show what changed.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
export_app = typer.Typer(help="Write tagged answers out of the store.", no_args_is_help=True)
service_app = typer.Typer(help="The services people answer about.", no_args_is_help=True)
question_sets_app = typer.Typer(help="Question-set files.", no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(service_app, name="service")
app.add_typer(question_sets_app, name="question-sets")

DEMO_PROVIDER = ("demo-care", "Demo Care Ltd")
DEMO_SERVICE = ("demo", "Demo House")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        _fail(str(error))


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def _unit_of_work(settings: Settings) -> Callable[[], UnitOfWork]:
    from storage.database import make_engine, make_session_factory
    from storage.unit_of_work import UnitOfWork

    sessions = make_session_factory(make_engine(settings.resolved_database_url))
    return lambda: UnitOfWork(sessions)


@app.command("migrate")
def migrate() -> None:
    """Create the store, or bring it up to the newest schema."""
    from storage.migrate import upgrade_database

    settings = _settings()
    upgrade_database(settings.resolved_database_url)
    typer.echo(f"The store is up to date ({settings.resolved_database_url}).")


@service_app.command("add")
def service_add(
    service_id: Annotated[str, typer.Argument(help="Short id, e.g. oak-house")],
    name: Annotated[str, typer.Option(help="The service's name")],
    provider_id: Annotated[str, typer.Option(help="Short id of the provider")],
    provider_name: Annotated[str | None, typer.Option(help="Provider's name, if new")] = None,
    if_missing: Annotated[bool, typer.Option(help="Do nothing if it exists")] = False,
) -> None:
    """Add a service (and its provider, if new) to the store."""
    from storage.models import Provider, Service

    with _unit_of_work(_settings())() as uow:
        if uow.services.get(service_id) is not None:
            if if_missing:
                return
            _fail(f"There is already a service with id '{service_id}'.")
        if uow.services.get_provider(provider_id) is None:
            uow.services.add_provider(Provider(id=provider_id, name=provider_name or provider_id))
        uow.services.add(Service(id=service_id, provider_id=provider_id, name=name))
        uow.commit()
    typer.echo(f"Added service '{service_id}' ({name}).")


@service_app.command("list")
def service_list() -> None:
    """List the services in the store."""
    with _unit_of_work(_settings())() as uow:
        services = uow.services.list_all()
        if not services:
            typer.echo(
                "No services yet. Add one with: covoice service add ID --name ... --provider-id ..."
            )
        for service in services:
            typer.echo(f"{service.id}\t{service.name}\t(provider: {service.provider_id})")


@question_sets_app.command("check")
def question_sets_check(
    directory: Annotated[Path | None, typer.Argument(help="Folder of *.yml sets")] = None,
) -> None:
    """Check every question-set file and say what is wrong, file by file."""
    from actions.question_sets import QuestionSetError, load_question_sets
    from covoice.taxonomy import load_taxonomy

    settings = _settings()
    try:
        sets = load_question_sets(
            directory or settings.question_sets_dir, load_taxonomy(settings.taxonomy_path)
        )
    except QuestionSetError as error:
        _fail(str(error))
    for question_set in sets.values():
        count = len(question_set.spec.questions)
        typer.echo(f"OK  {question_set.id} (version {question_set.version}, {count} questions)")


@app.command("chat")
def chat(
    service: Annotated[str, typer.Option(help="Id of the service the person uses")],
    person: Annotated[
        str | None, typer.Option(help="The person's reference at the service")
    ] = None,
    role: Annotated[
        str, typer.Option(help="person, family, advocate or staff_supported")
    ] = "person",
    easy_read: Annotated[bool, typer.Option(help="Show the easy-read wording")] = False,
) -> None:
    """Hold a check-in in this terminal, through the Rasa server."""
    from bot.app import build_parts
    from bot.terminal_chat import run_terminal_chat

    settings = _settings()
    with _unit_of_work(settings)() as uow:
        if uow.services.get(service) is None:
            known = ", ".join(s.id for s in uow.services.list_all()) or "none yet"
            _fail(f"There is no service with id '{service}'. Services: {known}.")

    async def main() -> None:
        parts = build_parts(settings)
        try:
            if not await parts.rasa.is_ready():
                typer.secho(
                    f"The Rasa server at {settings.rasa_url} is not ready. "
                    "Start the stack with 'make run' in another terminal.",
                    fg=typer.colors.YELLOW,
                )
            typer.echo("Type your answer or a button's number. Type 'quit' to leave.\n")
            await run_terminal_chat(parts.chat, service, person, role, easy_read)
        finally:
            await parts.aclose()

    asyncio.run(main())


FromDay = Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD")]
ToDay = Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD")]
OnlyService = Annotated[str | None, typer.Option(help="Only this service")]
RevealPeople = Annotated[
    bool, typer.Option(help="Show the service's own person references, not pseudonyms")
]


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

    settings = _settings()
    first, last = _days(from_day, to_day)
    if format not in FORMATS:
        _fail(f"Unknown format '{format}'. Use one of: {', '.join(FORMATS)}.")
    if theme and theme not in load_taxonomy(settings.taxonomy_path).themes:
        _fail(f"Unknown theme '{theme}'. Theme ids are listed in taxonomy.yml.")
    with _unit_of_work(settings)() as uow:
        _check_service(uow, service)
        rows = responses_between(uow.session, first, last, service, theme)
    label = _person_label(settings, reveal_people)
    data = FORMATS[format](rows, lambda row: label(row.service_id, row.person_ref))
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        typer.echo(f"Wrote {len(rows)} answers to {output}.", err=True)


@app.command("requests")
def person_requests(
    from_day: FromDay,
    to_day: ToDay,
    service: OnlyService = None,
    reveal_people: RevealPeople = False,
) -> None:
    """List the people who asked, in a check-in, to talk to someone."""
    from governance.queries import person_requests_between

    settings = _settings()
    first, last = _days(from_day, to_day)
    with _unit_of_work(settings)() as uow:
        _check_service(uow, service)
        rows = person_requests_between(uow.session, first, last, service)
    if not rows:
        typer.echo(f"No one asked to talk to someone between {first} and {last}.")
        return
    label = _person_label(settings, reveal_people)
    typer.echo("asked at (UTC)\tservice\tperson\trole\tchannel")
    for row in rows:
        asked = row.requested_at.strftime("%Y-%m-%d %H:%M")
        person = label(row.service_id, row.person_ref)
        typer.echo(f"{asked}\t{row.service_id}\t{person}\t{row.respondent_role}\t{row.channel}")


def _days(from_day: str, to_day: str) -> tuple[date, date]:
    first, last = _day(from_day, "--from"), _day(to_day, "--to")
    if last < first:
        _fail("--to is before --from. Please give the earlier day first.")
    return first, last


def _check_service(uow: UnitOfWork, service: str | None) -> None:
    if service and uow.services.get(service) is None:
        _fail(f"There is no service with id '{service}'.")


def _person_label(settings: Settings, reveal_people: bool) -> Callable[[str, str], str]:
    """How people appear in output: a pseudonym unless the caller asks to reveal them."""
    from governance.pseudonyms import pseudonym

    if reveal_people:
        return lambda _service_id, person_ref: person_ref
    secret = settings.pseudonym_secret()
    return lambda service_id, person_ref: pseudonym(secret, service_id, person_ref)


@app.command("run")
def run(
    demo_service: Annotated[bool, typer.Option(help="Add the demo service if missing")] = True,
) -> None:
    """Start the Rasa server, the action server and the app; Ctrl-C stops them all."""
    from covoice.stack import Stack, StackError
    from storage.migrate import upgrade_database

    settings = _settings()
    question_sets_check(None)  # a broken set is reported now, not mid-conversation
    upgrade_database(settings.resolved_database_url)
    if demo_service:
        service_add(
            DEMO_SERVICE[0],
            name=DEMO_SERVICE[1],
            provider_id=DEMO_PROVIDER[0],
            provider_name=DEMO_PROVIDER[1],
            if_missing=True,
        )
    stack = Stack(settings, log_dir=settings.data_dir / "logs")
    # Ctrl-C and SIGTERM both stop cleanly, even where a parent shell ignores SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        started = time.monotonic()
        stack.start_all(on_progress=typer.echo)
        typer.secho(
            f"\nCoVoice is running ({time.monotonic() - started:.0f} s to start).",
            fg=typer.colors.GREEN,
        )
        typer.echo(
            f"  Chat in another terminal:  .venv/bin/covoice chat --service {DEMO_SERVICE[0]}\n"
            f"  App and its API:           http://127.0.0.1:{settings.app_port}/docs\n"
            f"  Rasa server:               {settings.rasa_url}\n"
            f"  Logs:                      {settings.data_dir / 'logs'}\n"
            "Press Ctrl-C to stop."
        )
        while all(process.popen.poll() is None for process in stack.processes):
            time.sleep(0.5)
        stopped = [p for p in stack.processes if p.popen.poll() is not None]
        for process in stopped:
            typer.secho(
                f"The {process.name} stopped unexpectedly. Last lines of its log:\n"
                f"{process.log_tail()}",
                fg=typer.colors.RED,
                err=True,
            )
        raise typer.Exit(code=1)
    except StackError as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        typer.echo("\nStopping…")
    finally:
        # A second Ctrl-C must not cut the stopping short and leave servers behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stack.stop()
        typer.echo("Stopped.")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} must be a day written YYYY-MM-DD, e.g. 2026-11-23 (got '{value}').")


def main() -> None:
    """Run the command line, turning a store that is not set up into a next step."""
    from sqlalchemy.exc import OperationalError

    try:
        app()
    except OperationalError as error:
        typer.secho(
            f"The store cannot be used: {error.orig}. If this is a new set-up, run "
            "'make run' (or '.venv/bin/covoice migrate') first.",
            fg=typer.colors.RED,
            err=True,
        )
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()

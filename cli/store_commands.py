"""Commands that look after the store: migrate, services, question-set files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import current_settings, fail, unit_of_work

service_app = typer.Typer(help="The services people answer about.", no_args_is_help=True)
question_sets_app = typer.Typer(help="Question-set files.", no_args_is_help=True)


def migrate() -> None:
    """Create the store, or bring it up to the newest schema."""
    from storage.migrate import upgrade_database

    settings = current_settings()
    upgrade_database(settings.resolved_database_url)
    typer.echo(f"The store is up to date ({settings.resolved_database_url}).")


@service_app.command("add")
def service_add(
    service_id: Annotated[str, typer.Argument(help="Short id, e.g. oak-house")],
    name: Annotated[str, typer.Option(help="The service's name")],
    provider_id: Annotated[str, typer.Option(help="Short id of the provider")],
    provider_name: Annotated[str | None, typer.Option(help="Provider's name, if new")] = None,
    time_zone: Annotated[
        str, typer.Option(help="The service's clock, for quiet hours and days, e.g. Europe/London")
    ] = "Europe/London",
    if_missing: Annotated[bool, typer.Option(help="Do nothing if it exists")] = False,
) -> None:
    """Add a service (and its provider, if new) to the store."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from storage.models import Provider, Service

    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"'{time_zone}' is not a time zone this computer knows, e.g. Europe/London.")
    with unit_of_work(current_settings())() as uow:
        if uow.services.get(service_id) is not None:
            if if_missing:
                return
            fail(f"There is already a service with id '{service_id}'.")
        if uow.services.get_provider(provider_id) is None:
            uow.services.add_provider(Provider(id=provider_id, name=provider_name or provider_id))
        uow.services.add(
            Service(id=service_id, provider_id=provider_id, name=name, time_zone=time_zone)
        )
        uow.commit()
    typer.echo(f"Added service '{service_id}' ({name}, {time_zone}).")


@service_app.command("list")
def service_list() -> None:
    """List the services in the store."""
    with unit_of_work(current_settings())() as uow:
        services = uow.services.list_all()
        if not services:
            typer.echo(
                "No services yet. Add one with: covoice service add ID --name ... --provider-id ..."
            )
        for service in services:
            typer.echo(
                f"{service.id}\t{service.name}\t{service.time_zone}\t"
                f"(provider: {service.provider_id})"
            )


@question_sets_app.command("check")
def question_sets_check(
    directory: Annotated[Path | None, typer.Argument(help="Folder of *.yml sets")] = None,
) -> None:
    """Check every question-set file and say what is wrong, file by file."""
    from checkin.question_sets import QuestionSetError, is_theme_set, load_question_sets
    from covoice.taxonomy import load_taxonomy

    settings = current_settings()
    try:
        sets = load_question_sets(
            directory or settings.question_sets_dir, load_taxonomy(settings.taxonomy_path)
        )
    except QuestionSetError as error:
        fail(str(error))
    for question_set in sets.values():
        if is_theme_set(question_set.id):
            continue  # made from a file's set, checked with it
        count = len(question_set.spec.questions)
        typer.echo(f"OK  {question_set.id} (version {question_set.version}, {count} questions)")

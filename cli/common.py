"""What every command shares: settings, the store, clear failures, day ranges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from covoice.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

FromDay = Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD")]
ToDay = Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD")]
OnlyService = Annotated[str | None, typer.Option(help="Only this service")]
RevealPeople = Annotated[
    bool, typer.Option(help="Show the service's own person references, not pseudonyms")
]


def current_settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        fail(str(error))


def fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def unit_of_work(settings: Settings) -> Callable[[], UnitOfWork]:
    from storage.unit_of_work import open_store

    return open_store(settings.resolved_database_url)


def days(from_day: str, to_day: str) -> tuple[date, date]:
    first, last = day(from_day, "--from"), day(to_day, "--to")
    if last < first:
        fail("--to is before --from. Please give the earlier day first.")
    return first, last


def check_service(uow: UnitOfWork, service: str | None) -> None:
    if service and uow.services.get(service) is None:
        fail(f"There is no service with id '{service}'.")


def person_label(settings: Settings, reveal_people: bool) -> Callable[[str, str], str]:
    """How people appear in output: a pseudonym unless the caller asks to reveal them."""
    from governance.pseudonyms import pseudonym

    if reveal_people:
        return lambda _service_id, person_ref: person_ref
    secret = settings.pseudonym_secret()
    return lambda service_id, person_ref: pseudonym(secret, service_id, person_ref)


def day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a day written YYYY-MM-DD, e.g. 2026-11-23 (got '{value}').")

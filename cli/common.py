"""What every command shares: settings, the store, clear failures, day ranges, who is asking."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from covoice.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

FromDay = Annotated[
    str, typer.Option("--from", help="First day, YYYY-MM-DD, in each service's time zone")
]
ToDay = Annotated[
    str, typer.Option("--to", help="Last day, YYYY-MM-DD, in each service's time zone")
]
OnlyService = Annotated[str | None, typer.Option(help="Only this service")]
RevealPeople = Annotated[
    bool,
    typer.Option(
        help="Show the service's own person references, not pseudonyms "
        "(needs --reason; written to the audit log)"
    ),
]
Reason = Annotated[
    str | None,
    typer.Option(help="Why people must be shown; kept in the audit log with who and when"),
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


@contextmanager
def governed_store(settings: Settings) -> Iterator[UnitOfWork]:
    """A unit of work in which a governance refusal becomes its message and exit code 1."""
    from governance.errors import GovernanceError

    with unit_of_work(settings)() as uow:
        try:
            yield uow
        except GovernanceError as error:
            fail(str(error))


def days(from_day: str, to_day: str) -> tuple[date, date]:
    first, last = day(from_day, "--from"), day(to_day, "--to")
    if last < first:
        fail("--to is before --from. Please give the earlier day first.")
    return first, last


def check_service(uow: UnitOfWork, service: str | None) -> None:
    if service and uow.services.get(service) is None:
        fail(f"There is no service with id '{service}'.")


def current_actor(settings: Settings) -> str:
    """Who is at the keyboard, for the audit log: COVOICE_ACTOR, else the system user."""
    import getpass

    if settings.actor.strip():
        return settings.actor.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        fail("Cannot tell who you are for the audit log. Set COVOICE_ACTOR to your name.")


def reveal_reason(reveal_people: bool, reason: str | None) -> str | None:
    """The reason for showing people, checked before anything is read or written."""
    if not reveal_people:
        return None
    if reason is None or not reason.strip():
        fail(
            "--reveal-people shows people's own references, so it needs a reason, which is "
            'kept in the audit log: add --reason "...", e.g. --reason "safeguarding review '
            'SG-12". Nothing was exported.'
        )
    return reason.strip()


def person_label(
    uow: UnitOfWork, settings: Settings, reveal_people: bool
) -> Callable[[str, str], str]:
    """How people appear in output: a pseudonym unless the caller asks to reveal them.

    The pseudonym key is checked against the store first (see governance.pseudonym_key).
    """
    from governance.pseudonym_key import checked_pseudonym_secret
    from governance.pseudonyms import pseudonym

    if reveal_people:
        return lambda _service_id, person_ref: person_ref
    secret = checked_pseudonym_secret(uow, settings, current_actor(settings))
    return lambda service_id, person_ref: pseudonym(secret, service_id, person_ref)


def one_line(text: str) -> str:
    """Text safe to print as one tab-separated field: control characters are escaped.

    Words typed by the public must not end a line, shift a column, reorder what
    is shown (bidirectional overrides), or send a terminal escape sequence to
    the person reading them. Emoji joiners and accents are left alone.
    """
    return "".join(
        character.encode("unicode_escape").decode("ascii") if _unsafe(character) else character
        for character in text
    )


def _unsafe(character: str) -> bool:
    return unicodedata.category(character) in ("Cc", "Zl", "Zp") or character in _BIDI_CONTROLS


_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a day written YYYY-MM-DD, e.g. 2026-11-23 (got '{value}').")

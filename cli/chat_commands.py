"""Commands that hold conversations: run the stack, chat in the terminal."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import current_settings, fail, unit_of_work
from cli.store_commands import question_sets_check, service_add

if TYPE_CHECKING:
    from covoice.settings import Settings

DEMO_PROVIDER = ("demo-care", "Demo Care Ltd")
DEMO_SERVICE = ("demo", "Demo House")


# How often a running `covoice run` looks for alerts that have reached nobody.
UNDELIVERED_EVERY_SECONDS = 60.0


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
    from checkin.question_sets import QuestionSetError
    from covoice.settings import SettingsError

    settings = current_settings()
    with unit_of_work(settings)() as uow:
        if uow.services.get(service) is None:
            known = ", ".join(s.id for s in uow.services.list_all()) or "none yet"
            fail(f"There is no service with id '{service}'. Services: {known}.")

    try:
        parts = build_parts(settings)
    except (SettingsError, QuestionSetError) as error:
        fail(str(error))

    async def main() -> None:
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


def run(
    demo_service: Annotated[bool, typer.Option(help="Add the demo service if missing")] = True,
) -> None:
    """Start the Rasa server, the action server and the app; Ctrl-C stops them all."""
    from bot.speech import voice_in_use
    from cli.kiosk_commands import demo_kiosk_url
    from cli.stack import Stack, StackError
    from storage.migrate import upgrade_database

    settings = current_settings()
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
    kiosk = demo_kiosk_url(settings, DEMO_SERVICE[0]) if demo_service else None
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
            + (f"  Demo kiosk (tablet page):  {kiosk}\n" if kiosk else "")
            + f"  App and its API:           {settings.app_url}/docs\n"
            f"  Dashboard:                 {settings.app_url}/dashboard/ "
            f"({_dashboard_logins(settings)})\n"
            f"  Rasa server:               {settings.rasa_url}\n"
            f"  Logs:                      {settings.data_dir / 'logs'}\n"
            f"  Speech:                    {voice_in_use(settings)}\n"
            f"  Telegram:                  {_telegram_state(settings)}\n"
            "Press Ctrl-C to stop."
        )
        warned: set[int] = set()
        _warn_undelivered_alerts(settings, warned)
        checked = time.monotonic()
        while all(process.popen.poll() is None for process in stack.processes):
            time.sleep(0.5)
            if time.monotonic() - checked >= UNDELIVERED_EVERY_SECONDS:
                _warn_undelivered_alerts(settings, warned)
                checked = time.monotonic()
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


def _warn_undelivered_alerts(settings: Settings, warned: set[int]) -> None:
    """Name, loudly, the safeguarding alerts that have reached no lead, each once."""
    from cli.alert_commands import undelivered_warning
    from governance.alerts import undelivered_alerts

    with unit_of_work(settings)() as uow:
        undelivered = [alert for alert in undelivered_alerts(uow.session) if alert.id not in warned]
    warned.update(alert.id for alert in undelivered)
    if undelivered:
        typer.secho(undelivered_warning(undelivered), fg=typer.colors.RED, bold=True, err=True)


def _dashboard_logins(settings: Settings) -> str:
    from governance.demo_data import LOGINS_FILE

    logins = settings.data_dir / LOGINS_FILE
    if logins.exists():
        return f"demo logins in {logins}"
    return "add a user first: covoice user add --username NAME --role admin"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _telegram_state(settings: Settings) -> str:
    if not settings.telegram_bot_token.get_secret_value():
        return "off (set TELEGRAM_BOT_TOKEN to start it)"
    how = (
        f"webhook at {settings.telegram_webhook_url}/telegram/webhook"
        if settings.telegram_webhook_url
        else "long polling"
    )
    where = f", Bot API at {settings.telegram_api_url}" if settings.telegram_api_url else ""
    return f"on, {how}{where} (the app's log says if Telegram cannot be reached)"

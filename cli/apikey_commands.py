"""Commands for the keys that client programs present to the app."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import current_settings, fail, unit_of_work

apikey_app = typer.Typer(
    help="Keys for the programs that post to the app (kiosk, Telegram bot, ...).",
    no_args_is_help=True,
)


@apikey_app.command("add")
def apikey_add(
    label: Annotated[str, typer.Option(help="Who or what the key is for")],
    channel: Annotated[str, typer.Option(help="The channel the program speaks as, e.g. kiosk")],
    service: Annotated[
        list[str] | None, typer.Option(help="A service it may speak for; repeat for more")
    ] = None,
    all_services: Annotated[
        bool, typer.Option(help="Let it speak for every service, including future ones")
    ] = False,
) -> None:
    """Make a key and show it once; only its hash is kept."""
    from bot.credentials import CredentialError, issue

    with unit_of_work(current_settings())() as uow:
        try:
            issued = issue(uow, label, channel, service or [], all_services=all_services)
        except CredentialError as error:
            fail(str(error))
        uow.commit()
    typer.echo(f"Key {issued.prefix} for '{label}' (channel {channel}):\n")
    typer.echo(f"  {issued.raw}\n")
    typer.secho(
        "This is the only time the key is shown. Give it to the program now; it sends it "
        "as 'Authorization: Bearer <key>'. Lost it? Revoke it and make another.",
        fg=typer.colors.YELLOW,
    )


@apikey_app.command("list")
def apikey_list() -> None:
    """List the keys: prefix, channel, services and whether revoked; never the secret."""
    from bot.credentials import ALL_SERVICES, list_keys

    with unit_of_work(current_settings())() as uow:
        keys = list_keys(uow)
    if not keys:
        typer.echo("No keys yet. Make one with: covoice apikey add --label ... --channel ...")
    for key in keys:
        services = "all services" if ALL_SERVICES in key.services else ",".join(key.services)
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        made = f"{key.created_at:%Y-%m-%d}"
        typer.echo(f"{key.prefix}\t{key.channel}\t{services}\t{state}\tmade {made}\t{key.label}")


@apikey_app.command("revoke")
def apikey_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix, from 'covoice apikey list'")],
) -> None:
    """Revoke a key: the program using it is refused from now on."""
    from bot.credentials import CredentialError, revoke

    with unit_of_work(current_settings())() as uow:
        try:
            key = revoke(uow, prefix)
        except CredentialError as error:
            fail(str(error))
        uow.commit()
    typer.echo(f"Revoked key {key.prefix} ('{key.label}', channel {key.channel}).")

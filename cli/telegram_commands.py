"""`covoice invite`: a one-time code that links a person's or family's Telegram account."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from cli.common import current_settings, fail, unit_of_work


def invite(
    service: Annotated[str, typer.Option(help="The person's service")],
    person: Annotated[str, typer.Option(help="The service's reference for the person")],
    role: Annotated[
        str, typer.Option(help="Who will use it: person, family, advocate … (taxonomy ids)")
    ] = "person",
    qr: Annotated[
        Path | None, typer.Option(help="Where to write the link as a QR code (PNG)")
    ] = None,
) -> None:
    """Make a one-time invite; print its code and link once. Only a hash is kept."""
    import segno

    from bot.telegram.invites import InviteError, make_invite
    from covoice.taxonomy import load_taxonomy

    settings = current_settings()
    roles = load_taxonomy(settings.taxonomy_path).respondent_roles
    with unit_of_work(settings)() as uow:
        try:
            made = make_invite(
                uow, service, person, role, roles, timedelta(days=settings.telegram_invite_days)
            )
        except InviteError as error:
            fail(str(error))
        uow.commit()
    bot = settings.telegram_bot_username.lstrip("@") or "YOUR_BOT"
    link = f"https://t.me/{bot}?start={made.code}"
    typer.echo(f"Invite for {person} ({role}) at {service}, until {made.expires_at:%Y-%m-%d}:\n")
    typer.echo(f"  code: {made.code}")
    typer.echo(f"  link: {link}")
    if qr is not None:
        segno.make(link, error="m").save(str(qr), scale=8, border=4)
        qr.chmod(0o600)
        typer.echo(f"  QR code: {qr}")
    if not settings.telegram_bot_username:
        typer.secho(
            "\nSet COVOICE_TELEGRAM_BOT_USERNAME to the bot's username to print its real link.",
            fg=typer.colors.YELLOW,
        )
    typer.secho(
        "\nThe code is shown only once and works once. Give it to the person or family "
        "(for example printed in a letter).",
        fg=typer.colors.YELLOW,
    )

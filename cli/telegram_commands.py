"""`covoice invite`, `covoice send`: link a Telegram account, and message it unasked."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from cli.common import current_actor, current_settings, fail, unit_of_work


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
    from governance.audit import record

    settings = current_settings()
    roles = load_taxonomy(settings.taxonomy_path).respondent_roles
    with unit_of_work(settings)() as uow:
        try:
            made = make_invite(
                uow, service, person, role, roles, timedelta(days=settings.telegram_invite_days)
            )
        except InviteError as error:
            fail(str(error))
        # An invite decides whose record a chat will speak for: who made it is kept.
        record(
            uow,
            current_actor(settings),
            "telegram.invite",
            {"service": service, "person": person, "role": role},
        )
        uow.commit()
    bot = settings.telegram_bot_username.lstrip("@") or "YOUR_BOT"
    link = f"https://t.me/{bot}?start={made.code}"
    typer.echo(f"Invite for {person} ({role}) at {service}, until {made.expires_at:%Y-%m-%d}:\n")
    typer.echo(f"  code: {made.code}")
    typer.echo(f"  link: {link}")
    if qr is not None:
        # Private from its first byte: the code in it links an account.
        with os.fdopen(os.open(qr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            segno.make(link, error="m").save(out, kind="png", scale=8, border=4)
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


def send(
    question_set: Annotated[str, typer.Option("--set", help="The question set to start")],
    contact: Annotated[int, typer.Option(help="The contact's number, from 'covoice contacts'")],
    at: Annotated[
        str | None,
        typer.Option(help="When, in the service's time: 'YYYY-MM-DD HH:MM' (now if left out)"),
    ] = None,
) -> None:
    """Start a question set with a linked Telegram contact, now or later (never in quiet hours)."""
    from datetime import datetime

    from bot.sending import QuietHours, SendError, schedule
    from checkin.loading import load_sets_and_wording
    from governance.audit import record

    settings = current_settings()
    when = None
    if at is not None:
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            fail(f"'{at}' is not a time like 2026-12-01 10:30.")
    sets, _ = load_sets_and_wording(settings)
    with unit_of_work(settings)() as uow:
        try:
            made = schedule(
                uow,
                contact,
                question_set,
                frozenset(sets),
                QuietHours.parse(settings.quiet_hours),
                current_actor(settings),
                at=when,
            )
        except SendError as error:
            fail(str(error))
        record(
            uow,
            current_actor(settings),
            "telegram.send",
            {"send": made.id, "contact": contact, "question_set": question_set},
        )
        uow.commit()
        send_id, due = made.id, made.due_at
    moved = " (moved out of quiet hours)" if made.due_at != made.requested_for else ""
    typer.echo(
        f"Send {send_id}: '{question_set}' to contact {contact} at {due:%Y-%m-%d %H:%M} UTC{moved}."
    )
    typer.echo("The app delivers it while Telegram is on; 'covoice sends' shows how it went.")


def sends(
    contact: Annotated[int | None, typer.Option(help="Only this contact's")] = None,
) -> None:
    """List scheduled sends: when due, status, attempts and the last error."""
    with unit_of_work(current_settings())() as uow:
        rows = uow.sends.list_all(contact)
        if not rows:
            typer.echo("No sends yet. Make one with: covoice send --set ... --contact ...")
        for row in rows:
            sent = f"sent {row.sent_at:%Y-%m-%d %H:%M}" if row.sent_at else row.status.value
            error = f"\t{row.last_error}" if row.last_error else ""
            typer.echo(
                f"{row.id}\tcontact {row.contact_id}\t{row.question_set_id}\t"
                f"due {row.due_at:%Y-%m-%d %H:%M} UTC\t{sent}\t{row.attempts} attempts{error}"
            )


def contacts(
    service: Annotated[str | None, typer.Option(help="Only this service's")] = None,
) -> None:
    """List linked contacts (a Telegram chat, a kiosk visit): number, service, person, role."""
    with unit_of_work(current_settings())() as uow:
        rows = uow.contacts.list_with_person_ref(service)
        if not rows:
            typer.echo("No contacts yet. Link one with: covoice invite ...")
        for row, person_ref in rows:
            voice = "voice on" if row.voice_on else "voice off"
            typer.echo(
                f"{row.id}\t{row.channel}\t{row.service_id}\t{person_ref}\t"
                f"{row.respondent_role}\t{voice}\tsince {row.created_at:%Y-%m-%d}"
            )

"""`covoice lead …`: who each service's safeguarding alerts go to, in order."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import (
    OnlyService,
    check_service,
    current_actor,
    current_settings,
    governed_store,
    one_line,
)

lead_app = typer.Typer(
    help="Safeguarding leads: who is told of an alert, first to last.", no_args_is_help=True
)


@lead_app.command("add")
def add(
    service: Annotated[str, typer.Option(help="The service whose alerts the lead is told of")],
    name: Annotated[str, typer.Option(help="The lead's name, as colleagues know them")],
    telegram_chat: Annotated[
        str | None, typer.Option(help="The lead's Telegram chat id (a whole number)")
    ] = None,
    email: Annotated[str | None, typer.Option(help="The lead's work email address")] = None,
) -> None:
    """Add a lead after the service's others; they need a Telegram chat, an email, or both."""
    from governance.leads import add_lead

    settings = current_settings()
    with governed_store(settings) as uow:
        lead = add_lead(uow, current_actor(settings), service, name, telegram_chat, email)
        uow.commit()
        told = " and ".join(
            how
            for how, present in (("Telegram", lead.telegram_chat_id), ("email", lead.email))
            if present is not None
        )
        typer.echo(
            f"Added lead {lead.id}, {lead.name}, number {lead.position} for {service}, "
            f"told by {told}."
        )
    if lead.telegram_chat_id is not None:
        typer.echo(
            "They must have started a chat with the bot (sent it /start) before it can "
            "message them."
        )


@lead_app.command("list")
def list_leads(service: OnlyService = None) -> None:
    """List leads, in the order each service's alerts reach them."""
    settings = current_settings()
    with governed_store(settings) as uow:
        check_service(uow, service)
        leads = uow.leads.list_all(service)
    if not leads:
        typer.echo(
            "No safeguarding leads"
            + (f" for {service}." if service else ".")
            + " Add one with 'covoice lead add'."
        )
        return
    typer.echo("lead\tservice\torder\tname\ttelegram chat\temail\tstate")
    for lead in leads:
        state = "removed" if lead.removed_at is not None else "active"
        typer.echo(
            f"{lead.id}\t{lead.service_id}\t{lead.position}\t{one_line(lead.name)}\t"
            f"{lead.telegram_chat_id or '-'}\t{one_line(lead.email or '-')}\t{state}"
        )


@lead_app.command("remove")
def remove(lead_id: Annotated[int, typer.Argument(help="The lead's number")]) -> None:
    """Stop telling a lead of alerts; what they were told and acknowledged is kept."""
    from governance.leads import remove_lead

    settings = current_settings()
    with governed_store(settings) as uow:
        lead = remove_lead(uow, current_actor(settings), lead_id)
        uow.commit()
        left = uow.leads.for_service(lead.service_id)
        typer.echo(f"Removed lead {lead.id}, {lead.name}, from {lead.service_id}.")
    if not left:
        typer.secho(
            f"{lead.service_id} now has no safeguarding lead: its alerts reach nobody until "
            "one is added with 'covoice lead add'.",
            fg=typer.colors.RED,
            err=True,
        )

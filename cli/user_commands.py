"""Commands for the people who sign in to the web dashboard."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cli.common import current_actor, current_settings, governed_store

user_app = typer.Typer(
    help="The people who sign in to the web dashboard, and their roles.", no_args_is_help=True
)


def _password() -> str:
    """Ask twice, hidden, at a terminal; otherwise read one line from standard input."""
    if sys.stdin.isatty():
        value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return value
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Option(help="The name they sign in with")],
    role: Annotated[str, typer.Option(help="admin, manager or viewer")],
    service: Annotated[
        list[str] | None, typer.Option(help="For a manager: a service they see; repeat for more")
    ] = None,
) -> None:
    """Add a dashboard user; the password is asked for (or read from standard input)."""
    from governance.dashboard_users import add_user

    settings = current_settings()
    password = _password()
    with governed_store(settings) as uow:
        user = add_user(uow, current_actor(settings), username, password, role, service or [])
        uow.commit()
    where = f" for {', '.join(user.services)}" if user.services else ""
    typer.echo(f"Added {user.role.value} '{user.username}'{where}.")
    typer.echo(f"They sign in at {settings.app_url}/dashboard/")


@user_app.command("list")
def user_list() -> None:
    """List the dashboard users: name, role, services, active or disabled."""
    from governance.dashboard_users import list_users

    with governed_store(current_settings()) as uow:
        users = list_users(uow)
    if not users:
        typer.echo(
            "No dashboard users yet. Add one with: covoice user add --username ... --role admin"
        )
    for user in users:
        services = ",".join(user.services) if user.services else "all services"
        state = "disabled" if user.disabled else "active"
        typer.echo(
            f"{user.username}\t{user.role.value}\t{services}\t{state}\t"
            f"added {user.created_at:%Y-%m-%d}"
        )


@user_app.command("disable")
def user_disable(
    username: Annotated[str, typer.Argument(help="The user to disable")],
) -> None:
    """Disable a user: they cannot sign in, and an open session ends at once."""
    from governance.dashboard_users import disable_user

    settings = current_settings()
    with governed_store(settings) as uow:
        user = disable_user(uow, current_actor(settings), username)
        uow.commit()
    typer.echo(f"Disabled '{user.username}'.")


@user_app.command("set-password")
def user_set_password(
    username: Annotated[str, typer.Argument(help="The user whose password changes")],
) -> None:
    """Give a user a new password (asked for, or read from standard input)."""
    from governance.dashboard_users import set_password

    settings = current_settings()
    password = _password()
    with governed_store(settings) as uow:
        user = set_password(uow, current_actor(settings), username, password)
        uow.commit()
    typer.echo(f"New password set for '{user.username}'; their open sessions have ended.")

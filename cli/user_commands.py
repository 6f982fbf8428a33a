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


token_app = typer.Typer(
    help="Tokens that let a program read the dashboard's JSON API as a dashboard user.",
    no_args_is_help=True,
)
user_app.add_typer(token_app, name="token")


@token_app.command("add")
def token_add(
    username: Annotated[str, typer.Argument(help="The dashboard user the token acts as")],
    label: Annotated[str, typer.Option(help="What the token is for, e.g. 'monthly report'")],
) -> None:
    """Make a token and show it once; only its hash is kept."""
    from governance.dashboard_tokens import issue_token

    settings = current_settings()
    with governed_store(settings) as uow:
        issued = issue_token(uow, current_actor(settings), username, label)
        uow.commit()
    typer.echo(f"Token {issued.prefix} for '{label}', acting as '{username}':\n")
    typer.echo(f"  {issued.raw}\n")
    typer.secho(
        "This is the only time the token is shown. The program sends it as "
        f"'Authorization: Bearer <token>' to {settings.app_url}/api/v1/. Lost it? "
        "Revoke it and make another.",
        fg=typer.colors.YELLOW,
    )


@token_app.command("list")
def token_list() -> None:
    """List the tokens: prefix, user, label, last use, whether revoked; never the secret."""
    from governance.dashboard_tokens import list_tokens

    with governed_store(current_settings()) as uow:
        tokens = list_tokens(uow)
    if not tokens:
        typer.echo("No tokens yet. Make one with: covoice user token add USERNAME --label ...")
    for token in tokens:
        state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
        used = f"used {token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
        typer.echo(
            f"{token.prefix}\t{token.username}\t{state}\t{used}\t"
            f"made {token.created_at:%Y-%m-%d}\t{token.label}"
        )


@token_app.command("revoke")
def token_revoke(
    prefix: Annotated[
        str, typer.Argument(help="The token's prefix, from 'covoice user token list'")
    ],
) -> None:
    """Revoke a token: the program using it is refused from now on."""
    from governance.dashboard_tokens import revoke_token

    settings = current_settings()
    with governed_store(settings) as uow:
        token = revoke_token(uow, current_actor(settings), prefix)
        uow.commit()
    typer.echo(f"Revoked token {token.prefix} ('{token.label}', acting as '{token.username}').")

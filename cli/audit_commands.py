"""Commands for the governance record: the audit log, and the pseudonym key it vouches for."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from cli.common import current_actor, current_settings, fail, governed_store, one_line

audit_app = typer.Typer(help="The audit log: who saw people's details, when and why.")
pseudonym_key_app = typer.Typer(help="The key behind the pseudonyms in exports.")


@audit_app.callback(no_args_is_help=True)
def audit() -> None:
    """Read the audit log; entries are only ever added, never changed."""


@audit_app.command("list")
def audit_list(
    format: Annotated[str, typer.Option(help="text or jsonl")] = "text",
) -> None:
    """List every audit-log entry, oldest first."""
    from governance.exports import audit_jsonl

    if format not in ("text", "jsonl"):
        fail(f"Unknown format '{format}'. Use one of: text, jsonl.")
    with governed_store(current_settings()) as uow:
        entries = uow.audit.list_all()
    if format == "jsonl":
        sys.stdout.buffer.write(audit_jsonl(entries))
        sys.stdout.flush()
        return
    if not entries:
        typer.echo("The audit log is empty.")
        return
    typer.echo("at (UTC)\tactor\taction\treason\tdetail")
    for entry in entries:
        detail = json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)
        typer.echo(
            "\t".join(
                (
                    entry.at.strftime("%Y-%m-%d %H:%M:%S"),
                    one_line(entry.actor),
                    entry.action,
                    one_line(entry.reason or "-"),
                    one_line(detail),
                )
            )
        )


@pseudonym_key_app.command("check")
def pseudonym_key_check() -> None:
    """Check that the pseudonym key is the one the store uses (making it on first use)."""
    from governance.pseudonym_key import checked_pseudonym_secret, fingerprint

    settings = current_settings()
    with governed_store(settings) as uow:
        secret = checked_pseudonym_secret(uow, settings, current_actor(settings))
        uow.commit()
    typer.echo(f"The pseudonym key is the one the store uses (fingerprint {fingerprint(secret)}).")


@pseudonym_key_app.command("new")
def pseudonym_key_new(
    confirm: Annotated[bool, typer.Option(help="Yes: every pseudonym changes from now on")] = False,
    reason: Annotated[str | None, typer.Option(help="Why, kept in the audit log")] = None,
) -> None:
    """Make a new pseudonym key and record that every pseudonym changes."""
    from governance.pseudonym_key import replace_key

    if not confirm:
        fail(
            "A new pseudonym key changes every person's pseudonym: exports made before "
            "cannot be matched with those made after. If the old key can be restored from a "
            "backup, do that instead. To go ahead, run: covoice pseudonym-key new --confirm"
        )
    settings = current_settings()
    with governed_store(settings) as uow:
        made = replace_key(uow, settings, current_actor(settings), reason)
        uow.commit()
    typer.echo(
        f"The store now uses the pseudonym key with fingerprint {made.fingerprint}; "
        "every pseudonym has changed, and the audit log says so."
    )
    if made.kept_old_file is not None:
        typer.echo(
            f"The old key file was kept as {made.kept_old_file}. Delete it once you are sure "
            "it is not needed."
        )

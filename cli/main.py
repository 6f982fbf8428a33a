"""The `covoice` command line: run the stack, chat, export, look after the store."""

from __future__ import annotations

import typer

from cli import (
    alert_commands,
    apikey_commands,
    audit_commands,
    chat_commands,
    demo_commands,
    export_commands,
    incident_commands,
    kiosk_commands,
    lead_commands,
    nlu_commands,
    speech_commands,
    store_commands,
    tag_commands,
    telegram_commands,
    user_commands,
)

app = typer.Typer(
    help="CoVoice: hear people's views and show what changed.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command("run")(chat_commands.run)
app.command("chat")(chat_commands.chat)
app.command("migrate")(store_commands.migrate)
app.command("requests")(export_commands.person_requests)
app.command("invite")(telegram_commands.invite)
app.command("send")(telegram_commands.send)
app.command("sends")(telegram_commands.sends)
app.command("contacts")(telegram_commands.contacts)
app.command("tag")(tag_commands.tag)
app.command("demo")(demo_commands.demo)
app.add_typer(export_commands.export_app, name="export")
app.add_typer(export_commands.inbox_app, name="inbox")
app.add_typer(audit_commands.audit_app, name="audit")
app.add_typer(audit_commands.pseudonym_key_app, name="pseudonym-key")
app.add_typer(store_commands.service_app, name="service")
app.add_typer(store_commands.question_sets_app, name="question-sets")
app.add_typer(apikey_commands.apikey_app, name="apikey")
app.add_typer(nlu_commands.nlu_app, name="nlu")
app.add_typer(alert_commands.alerts_app, name="alerts")
app.add_typer(lead_commands.lead_app, name="lead")
app.add_typer(incident_commands.incident_app, name="incident")
app.add_typer(speech_commands.speech_app, name="speech")
app.add_typer(kiosk_commands.kiosk_app, name="kiosk")
app.add_typer(kiosk_commands.person_app, name="person")
app.add_typer(user_commands.user_app, name="user")


def main() -> None:
    """Run the command line, turning a store that is not set up into a next step."""
    from sqlalchemy.exc import OperationalError

    try:
        app()
    except OperationalError as error:
        typer.secho(
            f"The store cannot be used: {error.orig}. If this is a new set-up, run "
            "'make run' (or '.venv/bin/covoice migrate') first.",
            fg=typer.colors.RED,
            err=True,
        )
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()

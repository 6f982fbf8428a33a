"""`covoice alerts …`: the safeguarding alerts raised from people's words."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import (
    OnlyService,
    Reason,
    RevealPeople,
    check_service,
    current_actor,
    current_settings,
    fail,
    governed_store,
    one_line,
    person_label,
    reveal_reason,
)

alerts_app = typer.Typer(
    help="Safeguarding alerts raised from people's words.", no_args_is_help=True
)


@alerts_app.command("list")
def list_alerts(
    service: OnlyService = None,
    status: Annotated[
        str | None, typer.Option(help="Only alerts in this status: raised, acknowledged, …")
    ] = None,
    reveal_people: RevealPeople = False,
    reason: Reason = None,
) -> None:
    """List safeguarding alerts, newest first, with the exact words."""
    from governance.alerts import alerts_listed
    from governance.audit import record_reveal
    from storage.models import AlertStatus

    settings = current_settings()
    statuses = {status.value: status for status in AlertStatus}
    if status is not None and status not in statuses:
        fail(f"Unknown status '{status}'. Use one of: {', '.join(statuses)}.")
    why = reveal_reason(reveal_people, reason)
    with governed_store(settings) as uow:
        check_service(uow, service)
        rows = alerts_listed(uow.session, service, statuses[status] if status else None)
        label = person_label(uow, settings, reveal_people)
        if why is not None:
            record_reveal(
                uow,
                current_actor(settings),
                "alerts.reveal_people",
                why,
                {"service": service, "status": status, "rows": len(rows)},
            )
        uow.commit()
    if not rows:
        typer.echo("No safeguarding alerts" + (f" for {service}." if service else "."))
        return
    typer.echo(
        "alert\traised at (UTC)\tstatus\tservice\tperson\tcategory\tconfidence\tchannel\twords"
    )
    for row in rows:
        person = label(row.service_id, row.person_ref) if row.person_ref else "unknown"
        typer.echo(
            f"{row.id}\t{row.raised_at:%Y-%m-%d %H:%M}\t{row.status.value}\t{row.service_id}\t"
            f"{person}\t{row.category}\t{row.confidence:.2f}\t{row.channel}\t{one_line(row.words)}"
        )

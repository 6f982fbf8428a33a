"""`covoice alerts …`: the safeguarding alerts raised from people's words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from governance.alerts import AlertRow, NoticeRow, UndeliveredAlert

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
    """List safeguarding alerts, newest first: who was told, who acknowledged, the words."""
    from governance.alerts import alerts_listed, notices_for, undelivered_alerts
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
        notices = notices_for(uow.session, [row.id for row in rows])
        undelivered = [
            alert
            for alert in undelivered_alerts(uow.session)
            if service is None or alert.service_id == service
        ]
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
    if undelivered:
        _warn_undelivered(undelivered)
    if not rows:
        typer.echo("No safeguarding alerts" + (f" for {service}." if service else "."))
        return
    typer.echo(
        "alert\traised at (UTC)\tstatus\tservice\tperson\tcategory\tconfidence\tchannel\t"
        "told\tacknowledged\twords"
    )
    for row in rows:
        person = label(row.service_id, row.person_ref) if row.person_ref else "unknown"
        typer.echo(
            f"{row.id}\t{row.raised_at:%Y-%m-%d %H:%M}\t{row.status.value}\t{row.service_id}\t"
            f"{person}\t{row.category}\t{row.confidence:.2f}\t{row.channel}\t"
            f"{one_line(delivery(notices[row.id]))}\t{one_line(acknowledged(row))}\t"
            f"{one_line(row.words)}"
        )


@alerts_app.command("show")
def show(
    alert_id: Annotated[int, typer.Argument(help="The alert's number")],
    reveal_people: RevealPeople = False,
    reason: Reason = None,
) -> None:
    """Show one alert with the person's words and who was told; each viewing is audited."""
    from governance.alerts import alerts_listed, notices_for
    from governance.audit import record

    settings = current_settings()
    why = reveal_reason(reveal_people, reason)
    with governed_store(settings) as uow:
        found = alerts_listed(uow.session, alert_id=alert_id)
        if not found:
            fail(f"There is no safeguarding alert {alert_id}. See 'covoice alerts list'.")
        [row] = found
        label = person_label(uow, settings, reveal_people)
        # The words are the person's own: who read them, and when, is kept.
        record(
            uow,
            current_actor(settings),
            "alerts.reveal_people" if why else "alerts.show",
            {"alert": alert_id, "service": row.service_id},
            why,
        )
        notices = notices_for(uow.session, [alert_id])[alert_id]
        uow.commit()
    person = label(row.service_id, row.person_ref) if row.person_ref else "unknown"
    typer.echo(
        f"Alert {row.id}: {row.category} at {row.service_id}, raised "
        f"{row.raised_at:%Y-%m-%d %H:%M} UTC, {row.status.value}\n"
        f"  Person:        {person}\n"
        f"  Channel:       {row.channel} (confidence {row.confidence:.2f})\n"
        f"  Acknowledged:  {acknowledged(row)}\n"
        f"  Words:         {one_line(row.words)}"
    )
    typer.echo("  Told:" + ("" if notices else "          nobody yet"))
    for notice in notices:
        typer.echo(f"    {one_line(told(notice))}")


@alerts_app.command("ack")
def ack(
    alert_id: Annotated[int, typer.Argument(help="The alert's number")],
    by: Annotated[str, typer.Option(help="The safeguarding lead who has it in hand")],
) -> None:
    """Acknowledge an alert for a named lead of its service: no more notices or escalation."""
    from governance.acknowledgement import acknowledge_as

    settings = current_settings()
    with governed_store(settings) as uow:
        alert = acknowledge_as(uow, alert_id, by, current_actor(settings))
        uow.commit()
        lead = alert.acknowledged_by
    typer.echo(f"Alert {alert_id} acknowledged by {lead}. No more notices go out for it.")


def delivery(notices: list[NoticeRow]) -> str:
    """Who was told and how, in one field: "Sam by telegram …; Lee by email pending …"."""
    return "; ".join(told(notice) for notice in notices) or "nobody yet"


def told(notice: NoticeRow) -> str:
    from storage.models import NoticeStatus

    again = f" (round {notice.round + 1})" if notice.round else ""
    if notice.status == NoticeStatus.sent and notice.sent_at is not None:
        return f"{notice.lead_name} by {notice.medium.value} {notice.sent_at:%Y-%m-%d %H:%M}{again}"
    if notice.status == NoticeStatus.cancelled:
        return f"{notice.lead_name} by {notice.medium.value} not needed{again}"
    times = "once" if notice.attempts == 1 else f"{notice.attempts} times"
    tries = f", failed {times}: {notice.last_error}" if notice.attempts else ""
    return f"{notice.lead_name} by {notice.medium.value} pending{again}{tries}"


def acknowledged(row: AlertRow) -> str:
    if row.acknowledged_by is None or row.acknowledged_at is None:
        return "not yet"
    return f"by {row.acknowledged_by} {row.acknowledged_at:%Y-%m-%d %H:%M}"


def _warn_undelivered(undelivered: list[UndeliveredAlert]) -> None:
    typer.secho(undelivered_warning(undelivered), fg=typer.colors.RED, bold=True, err=True)


def undelivered_warning(undelivered: list[UndeliveredAlert]) -> str:
    """The loud lines above a listing, and in `covoice run`, for alerts that reached nobody."""
    lines = [
        f"!! {len(undelivered)} safeguarding alert{'s' if len(undelivered) != 1 else ''} "
        "reached NO ONE:"
    ]
    lines += [
        f"!!   alert {alert.id} at {alert.service_id}, raised {alert.raised_at:%Y-%m-%d %H:%M} "
        f"UTC: {one_line(alert.why)}"
        for alert in undelivered
    ]
    return "\n".join(lines)

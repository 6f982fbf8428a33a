"""`covoice incident …`: record an incident, follow it up, keep the promises made."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import (
    OnlyService,
    check_service,
    current_actor,
    current_settings,
    fail,
    governed_store,
    one_line,
)

if TYPE_CHECKING:
    from governance.follow_ups import FollowUpPlan
    from storage.models import Incident
    from storage.unit_of_work import UnitOfWork

incident_app = typer.Typer(
    help="After an incident: follow-ups to people and families, updates owed, candour.",
    no_args_is_help=True,
)

STATUS_WORDS = {
    "planned": "planned",
    "sent": "sent, no answer yet",
    "answered": "answered",
    "not_reached": "NOT REACHED",
    "refused": "said no",
}


@incident_app.command("add")
def add(
    service: Annotated[str, typer.Option(help="The service where it happened")],
    at: Annotated[
        str, typer.Option(help="When it happened, in the service's time: 'YYYY-MM-DD HH:MM'")
    ],
    kind: Annotated[
        str, typer.Option("--type", help="fall, medication, injury, … (see the README)")
    ],
    summary: Annotated[str, typer.Option(help="What happened, short and non-clinical")],
    person: Annotated[
        list[str], typer.Option(help="The service's reference for a person involved (repeatable)")
    ],
    notifiable: Annotated[
        bool, typer.Option(help="A notifiable safety incident: the duty of candour applies")
    ] = False,
    follow_up: Annotated[
        str | None, typer.Option(help="Whom to ask how they are: person, family or both")
    ] = None,
    follow_up_at: Annotated[
        str | None,
        typer.Option(
            help="When to ask, in the service's time: 'YYYY-MM-DD HH:MM' (now if left out)"
        ),
    ] = None,
) -> None:
    """Record an incident, the people involved, and the follow-ups to send them or their family."""
    from governance.incidents import NewIncident, record_incident

    settings = current_settings()
    new = NewIncident(
        service_id=service,
        occurred_at=_time(at, "--at"),
        type=kind,
        summary=summary,
        person_refs=tuple(person),
        notifiable=notifiable,
        follow_up=follow_up,
        follow_up_at=_time(follow_up_at, "--follow-up-at") if follow_up_at else None,
    )
    with governed_store(settings) as uow:
        incident = record_incident(uow, current_actor(settings), new, _plan())
        uow.commit()
        typer.echo(f"Recorded incident {incident.id} at {service}.")
        for line in _follow_up_lines(uow, incident):
            typer.echo(line)
        on_kiosk = [
            f
            for f in uow.incidents.follow_ups(incident.id)
            if f.contact_id is None and f.audience.value == "family"
        ]
    if on_kiosk:
        # A family follow-up on the kiosk waits for a visit that may never come.
        typer.secho(
            "No family member is linked on Telegram, so the family follow-up waits on the "
            "kiosk until one picks the person there. Families invited with "
            "'covoice invite --role family' get later follow-ups on their phone.",
            fg=typer.colors.YELLOW,
        )
    if notifiable:
        typer.secho(
            "A notifiable safety incident: record when the person and family are told, the "
            f"apology and the written follow-up with 'covoice incident candour {incident.id} …'.",
            fg=typer.colors.YELLOW,
        )


@incident_app.command("list")
def list_incidents(service: OnlyService = None) -> None:
    """List incidents, newest first, with how their follow-ups stand."""
    from storage.models import FollowUpStatus

    settings = current_settings()
    with governed_store(settings) as uow:
        check_service(uow, service)
        incidents = uow.incidents.list_all(service)
        if not incidents:
            typer.echo(
                "No incidents"
                + (f" at {service}." if service else ".")
                + " Record one with 'covoice incident add'."
            )
            return
        typer.echo("incident\tservice\twhen (UTC)\ttype\tnotifiable\tfollow-ups\tupdates owed")
        for incident in incidents:
            follow_ups = uow.incidents.follow_ups(incident.id)
            answered = sum(1 for f in follow_ups if f.status == FollowUpStatus.answered)
            owed = uow.incidents.updates_owed(incident_id=incident.id, open_only=True)
            typer.echo(
                f"{incident.id}\t{incident.service_id}\t{_utc(incident.occurred_at)}\t"
                f"{incident.type.value}\t{'yes' if incident.notifiable else 'no'}\t"
                f"{answered}/{len(follow_ups)} answered\t{len(owed)}"
            )


@incident_app.command("show")
def show(incident_id: Annotated[int, typer.Argument(help="The incident's number")]) -> None:
    """Show an incident: the people, follow-ups and their status, updates owed, candour."""
    from governance.incidents import get_incident
    from governance.service_days import stored_utc
    from storage.models import utcnow

    settings = current_settings()
    with governed_store(settings) as uow:
        incident = get_incident(uow, incident_id)
        refs = [uow.people.get(p.person_id) for p in incident.people]
        typer.echo(f"Incident {incident.id} at {incident.service_id}")
        typer.echo(f"  when:       {_utc(incident.occurred_at)} UTC")
        typer.echo(f"  type:       {incident.type.value}")
        typer.echo(f"  summary:    {one_line(incident.summary)}")
        typer.echo(f"  people:     {', '.join(p.ref for p in refs if p is not None)}")
        typer.echo(f"  recorded:   {_utc(incident.created_at)} UTC by {incident.created_by}")
        typer.echo(f"  notifiable: {'yes' if incident.notifiable else 'no'}")
        typer.echo("Follow-ups:")
        for line in _follow_up_lines(uow, incident) or ["  none"]:
            typer.echo(line)
        typer.echo("Updates owed:")
        owed = uow.incidents.updates_owed(incident_id=incident.id)
        now = utcnow()
        if not owed:
            typer.echo("  none")
        for item in owed:
            if item.given_at is not None:
                state = f"given {_utc(item.given_at)} UTC by {item.given_by}"
            elif stored_utc(item.due_at) < now:
                state = "OVERDUE"
            else:
                state = "due"
            typer.echo(
                f"  {item.id}\tto {item.respondent_role}\tby {_utc(item.due_at)} UTC\t{state}"
            )
        if incident.notifiable or _has_candour(incident):
            typer.echo("Duty of candour:")
            typer.echo(f"  person told:  {_when(incident.person_told_at)}")
            typer.echo(f"  family told:  {_when(incident.family_told_at)}")
            apology = _when(incident.apology_at)
            by = f" by {incident.apology_by}" if incident.apology_by else ""
            typer.echo(f"  apology:      {apology}{by}")
            typer.echo(f"  written:      {_when(incident.written_at)}")


@incident_app.command("updates-owed")
def list_updates_owed(
    service: OnlyService = None,
    overdue: Annotated[bool, typer.Option(help="Only those past their date")] = False,
) -> None:
    """List updates promised to people and families and not yet given; overdue ones stand out."""
    from governance.updates_owed import updates_owed

    settings = current_settings()
    with governed_store(settings) as uow:
        check_service(uow, service)
        rows = updates_owed(uow, service, overdue_only=overdue)
    if not rows:
        typer.echo("No updates owed" + (" are overdue." if overdue else "."))
        return
    typer.echo("update\tincident\tservice\tperson\tto\tdue (UTC)\tstate")
    for row in rows:
        line = (
            f"{row.owed.id}\t{row.incident.id}\t{row.incident.service_id}\t"
            f"{one_line(row.person_ref)}\t{row.owed.respondent_role}\t{_utc(row.owed.due_at)}\t"
            + ("OVERDUE" if row.overdue else "due")
        )
        if row.overdue:
            typer.secho(line, fg=typer.colors.RED, bold=True)
        else:
            typer.echo(line)
    late = sum(1 for row in rows if row.overdue)
    if late:
        typer.secho(
            f"{late} update(s) overdue: give them, then record it with "
            "'covoice incident update-given ID --by NAME'.",
            fg=typer.colors.RED,
            err=True,
        )


@incident_app.command("update-given")
def update_given(
    update_id: Annotated[int, typer.Argument(help="The update owed's number")],
    by: Annotated[str, typer.Option(help="Who gave the update")],
    note: Annotated[str | None, typer.Option(help="How it was given, briefly")] = None,
) -> None:
    """Record that an update owed was given, which closes it."""
    from governance.updates_owed import give_update

    settings = current_settings()
    with governed_store(settings) as uow:
        owed = give_update(uow, current_actor(settings), update_id, by, note)
        uow.commit()
        typer.echo(f"Update {owed.id} for incident {owed.incident_id} given by {owed.given_by}.")


@incident_app.command("candour")
def candour(
    incident_id: Annotated[int, typer.Argument(help="The incident's number")],
    told_person: Annotated[
        str | None, typer.Option(help="When the person was told: 'YYYY-MM-DD HH:MM'")
    ] = None,
    told_family: Annotated[
        str | None, typer.Option(help="When the family was told: 'YYYY-MM-DD HH:MM'")
    ] = None,
    apology: Annotated[str | None, typer.Option(help="When the apology was given")] = None,
    by: Annotated[str | None, typer.Option(help="Who gave the apology")] = None,
    written: Annotated[str | None, typer.Option(help="When the written follow-up was sent")] = None,
) -> None:
    """Record the duty-of-candour steps: told, apology (and by whom), written follow-up."""
    from governance.incidents import record_candour

    settings = current_settings()
    with governed_store(settings) as uow:
        incident = record_candour(
            uow,
            current_actor(settings),
            incident_id,
            told_person=_time(told_person, "--told-person") if told_person else None,
            told_family=_time(told_family, "--told-family") if told_family else None,
            apology=_time(apology, "--apology") if apology else None,
            apology_by=by,
            written=_time(written, "--written") if written else None,
        )
        uow.commit()
        typer.echo(
            f"Recorded for incident {incident.id}. 'covoice incident show {incident.id}' shows it."
        )
    if not incident.notifiable:
        typer.secho(
            f"Incident {incident.id} is not marked notifiable; the record is kept all the same.",
            fg=typer.colors.YELLOW,
        )


def _plan() -> FollowUpPlan:
    from checkin.loading import load_sets_and_wording
    from checkin.question_sets import QuestionSetError
    from governance.follow_ups import follow_up_plan

    settings = current_settings()
    try:
        sets, _ = load_sets_and_wording(settings)
    except QuestionSetError as error:
        fail(str(error))
    return follow_up_plan(settings, frozenset(sets))


def _follow_up_lines(uow: UnitOfWork, incident: Incident) -> list[str]:
    lines = []
    for follow_up in uow.incidents.follow_ups(incident.id):
        person = uow.people.get(follow_up.person_id)
        whom = f"{person.ref if person else '?'} ({follow_up.audience.value})"
        if follow_up.contact_id is not None:
            where = f"Telegram, contact {follow_up.contact_id}"
        else:
            where = "kiosk, when they next pick themselves"
        status = STATUS_WORDS[follow_up.status.value]
        when = f"due {_utc(follow_up.due_at)} UTC"
        if follow_up.resent_at is not None:
            when += f", sent again {_utc(follow_up.resent_at)} UTC"
        note = f" ({one_line(follow_up.note)})" if follow_up.note else ""
        lines.append(f"  {follow_up.id}\t{whom}\t{where}\t{when}\t{status}{note}")
    return lines


def _has_candour(incident: Incident) -> bool:
    steps = (incident.person_told_at, incident.family_told_at, incident.apology_at)
    return any(step is not None for step in (*steps, incident.written_at))


def _time(text: str | None, option: str) -> datetime:
    try:
        return datetime.fromisoformat((text or "").strip())
    except ValueError:
        fail(f"{option} must be a time like 2026-11-20 14:30 (got '{text}').")


def _utc(moment: datetime) -> str:
    from governance.service_days import stored_utc

    return f"{stored_utc(moment):%Y-%m-%d %H:%M}"


def _when(moment: datetime | None) -> str:
    return f"{_utc(moment)} UTC" if moment is not None else "not recorded"

"""`covoice kiosk …` and `covoice person …`: tablets for a service, and who is on them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import OnlyService, current_settings, fail, governed_store, unit_of_work
from covoice.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from covoice.settings import Settings

kiosk_app = typer.Typer(help="Tablet kiosks: a web page for a service.", no_args_is_help=True)
person_app = typer.Typer(
    help="People who can choose themselves on a kiosk (first name and photo).",
    no_args_is_help=True,
)


def kiosk_url(settings: Settings, token: str) -> str:
    return f"{settings.app_url}/kiosk/{token}"


@kiosk_app.command("add")
def kiosk_add(
    service: Annotated[str, typer.Option(help="The service whose people will use it")],
    label: Annotated[str, typer.Option(help="Where it is, e.g. 'lounge tablet'")] = "kiosk",
) -> None:
    """Make a kiosk and print its address once; only a hash of its token is kept."""
    from bot.kiosk.tokens import KioskError, issue

    settings = current_settings()
    with unit_of_work(settings)() as uow:
        try:
            token, kiosk = issue(uow, service, label)
        except KioskError as error:
            fail(str(error))
        uow.commit()
    typer.echo(f"Kiosk {kiosk.prefix} for {service} ('{kiosk.label}'):\n")
    typer.echo(f"  {kiosk_url(settings, token)}\n")
    typer.secho(
        "Open this address on the tablet now: it is shown only once. Lost it? Revoke the "
        "kiosk and make another.",
        fg=typer.colors.YELLOW,
    )


@kiosk_app.command("list")
def kiosk_list(service: OnlyService = None) -> None:
    """List the kiosks: prefix, service, label and whether revoked; never the token."""
    from bot.kiosk.tokens import list_kiosks

    with unit_of_work(current_settings())() as uow:
        kiosks = list_kiosks(uow, service)
    if not kiosks:
        typer.echo("No kiosks yet. Make one with: covoice kiosk add --service ...")
    for kiosk in kiosks:
        state = f"revoked {kiosk.revoked_at:%Y-%m-%d %H:%M}" if kiosk.revoked_at else "active"
        typer.echo(
            f"{kiosk.prefix}\t{kiosk.service_id}\t{state}\t"
            f"made {kiosk.created_at:%Y-%m-%d}\t{kiosk.label}"
        )


@kiosk_app.command("revoke")
def kiosk_revoke(
    prefix: Annotated[str, typer.Argument(help="The kiosk's prefix, from 'covoice kiosk list'")],
) -> None:
    """Revoke a kiosk: its page stops taking answers at once."""
    from bot.kiosk.tokens import KioskError, revoke

    with unit_of_work(current_settings())() as uow:
        try:
            kiosk = revoke(uow, prefix)
        except KioskError as error:
            fail(str(error))
        uow.commit()
    typer.echo(f"Revoked kiosk {kiosk.prefix} ('{kiosk.label}', service {kiosk.service_id}).")


@person_app.command("add")
def person_add(
    service: Annotated[str, typer.Option(help="Their service")],
    name: Annotated[str, typer.Option(help="The first name the kiosk shows")],
    ref: Annotated[
        str | None, typer.Option(help="The service's own reference for them (made if absent)")
    ] = None,
    photo: Annotated[
        Path | None, typer.Option(help="A small PNG or JPEG of them, with their agreement")
    ] = None,
) -> None:
    """Let a person choose themselves on the service's kiosks, by first name and photo."""
    picture = None
    if photo is not None:
        try:
            picture = photo.read_bytes()
        except OSError as error:
            fail(f"Cannot read the photo {photo}: {error.strerror}.")
    with governed_store(current_settings()) as uow:
        from governance.people import add_person

        person = add_person(uow, service, name, ref, picture)
        uow.commit()
    shown = "their photo" if person.has_photo else f"the initials {person.initials}"
    typer.echo(f"{person.first_name} ({person.ref}) can now choose themselves, shown by {shown}.")


@person_app.command("list")
def person_list(
    service: Annotated[str, typer.Option(help="The service")],
) -> None:
    """List the people a service's kiosks offer."""
    from governance.people import kiosk_people

    with unit_of_work(current_settings())() as uow:
        people = kiosk_people(uow, service)
    if not people:
        typer.echo(f"Nobody is set up on {service}'s kiosks. Add someone with: covoice person add")
    for person in people:
        typer.echo(
            f"{person.ref}\t{person.first_name}\t{'photo' if person.has_photo else 'initials'}"
        )


def demo_kiosk_url(settings: Settings, service_id: str) -> str:
    """The demo service's kiosk address, made once and kept in the data folder (mode 0600)."""
    from bot.kiosk.tokens import issue, verify
    from covoice.settings import write_private_file

    kept = settings.data_dir / "demo-kiosk.token"
    with unit_of_work(settings)() as uow:
        token = kept.read_text().strip() if kept.exists() else ""
        if not token or verify(uow, token) is None:
            token, _ = issue(uow, service_id, "demo kiosk")
            uow.commit()
            kept.unlink(missing_ok=True)
            write_private_file(kept, token.encode())
    return kiosk_url(settings, token)


def emoji_in_use(settings: Settings) -> set[str]:
    """Every emoji the question sets, the bot's wording and the kiosk's wording show."""
    from bot.kiosk.wording import load_kiosk_wording
    from checkin.loading import load_sets_and_wording
    from checkin.prompts import SPEECH_BUBBLE
    from covoice.taxonomy import load_taxonomy

    sets, wording = load_sets_and_wording(settings)
    taxonomy = load_taxonomy(settings.taxonomy_path)
    found = {SPEECH_BUBBLE}
    found.update(o.pictogram for options in taxonomy.scales.values() for o in options)
    for question_set in sets.values():
        for question in question_set.spec.questions:
            found.update(question.pictograms)
            found.update(option.pictogram for option in question.options)
    found.update(button.pictogram for _, button in wording.buttons)
    found.update(load_kiosk_wording(settings.kiosk_wording_path).pictograms.values())
    return found


@kiosk_app.command("pictograms")
def kiosk_pictograms(
    source: Annotated[
        Path | None, typer.Option(help="OpenMoji's svg folder (npm install puts it in place)")
    ] = None,
) -> None:
    """Copy the OpenMoji pictures of every emoji in use into the app's static files."""
    from bot.pictograms import OPENMOJI_SVG_DIR, PICTOGRAM_DIR, copy_pictograms
    from checkin.question_sets import QuestionSetError

    folder = source or OPENMOJI_SVG_DIR
    if not folder.is_dir():
        fail(f"There is no OpenMoji folder at {folder}. Run 'npm install' in {PROJECT_ROOT}.")
    try:
        emojis = emoji_in_use(current_settings())
    except QuestionSetError as error:
        fail(str(error))
    missing = copy_pictograms(emojis, folder, PICTOGRAM_DIR)
    typer.echo(f"{len(emojis) - len(missing)} pictograms in {PICTOGRAM_DIR}.")
    if missing:
        typer.secho(
            "No OpenMoji picture for " + " ".join(missing) + ": their buttons show words only.",
            fg=typer.colors.YELLOW,
        )

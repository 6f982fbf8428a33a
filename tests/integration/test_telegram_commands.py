"""`covoice invite`, `covoice send`, `covoice sends`, `covoice contacts` against a real store."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from bot.telegram.invites import InviteState, redeem
from cli.main import app
from storage.unit_of_work import UnitOfWork

runner = CliRunner()


def test_an_invite_prints_its_link_once_writes_a_private_qr_and_is_audited(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork], tmp_path: Path
) -> None:
    qr = tmp_path / "letter.png"
    made = runner.invoke(
        app,
        [
            "invite",
            "--service",
            "oak-house",
            "--person",
            "p-9",
            "--role",
            "family",
            "--qr",
            str(qr),
        ],
        env=env,
    )
    assert made.exit_code == 0, made.output
    [code] = re.findall(r"https://t\.me/OakHouseBot\?start=([A-Za-z0-9_-]{20})", made.output)
    assert qr.read_bytes().startswith(b"\x89PNG") and qr.stat().st_mode & 0o077 == 0
    with unit_of_work() as uow:
        [entry] = uow.audit.list_all()
        assert (entry.actor, entry.action) == ("manager-ann", "telegram.invite")
        assert code not in str(entry.detail)
        state, contact = redeem(uow, code, 77)
        uow.commit()
    assert state is InviteState.valid and contact is not None

    listed = runner.invoke(app, ["contacts"], env=env)
    assert re.search(r"telegram\toak-house\tp-9\tfamily\tvoice on", listed.output), listed.output


def test_a_send_is_kept_listed_and_refused_kindly_when_it_cannot_be(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    refused = runner.invoke(app, ["send", "--set", "fixture_checkin", "--contact", "5"], env=env)
    assert refused.exit_code == 1 and "No contact 5" in refused.output

    code = re.findall(
        r"start=(\S+)",
        runner.invoke(app, ["invite", "--service", "oak-house", "--person", "p-9"], env=env).output,
    )[0]
    with unit_of_work() as uow:
        _, contact = redeem(uow, code, 78)
        uow.commit()
        assert contact is not None
        contact_id = contact.id
    made = runner.invoke(
        app,
        ["send", "--set", "fixture_checkin", "--contact", str(contact_id)]
        + ["--at", "2031-07-01 22:30"],
        env=env,
    )
    assert made.exit_code == 0, made.output
    # 22:30 in London in summer is in quiet hours: it moves to 08:00 BST, 07:00 UTC.
    assert "at 2031-07-02 07:00 UTC (moved out of quiet hours)" in made.output
    listed = runner.invoke(app, ["sends"], env=env)
    assert "fixture_checkin\tdue 2031-07-02 07:00 UTC\tpending\t0 attempts" in listed.output
    bad = runner.invoke(
        app, ["send", "--set", "fixture_checkin", "--contact", "1", "--at", "soon"], env=env
    )
    assert bad.exit_code == 1 and "not a time like" in bad.output

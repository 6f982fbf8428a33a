"""`covoice user add|list|disable|set-password` against a real store, audited."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from typer.testing import CliRunner

from cli.main import app
from governance.dashboard_users import check_login
from storage.models import AuditEntry, DashboardUser
from storage.unit_of_work import UnitOfWork

runner = CliRunner()
PASSWORD = "a long enough password"


def test_add_list_disable_and_set_password_keep_only_a_hash_and_are_audited(
    env: dict[str, str], unit_of_work: Callable[[], UnitOfWork]
) -> None:
    added = runner.invoke(
        app,
        ["user", "add", "--username", "Mo", "--role", "manager", "--service", "oak-house"],
        env=env,
        input=f"{PASSWORD}\n",
    )
    assert added.exit_code == 0, added.output
    assert "Added manager 'mo' for oak-house" in added.output
    with unit_of_work() as uow:
        user = uow.session.scalars(select(DashboardUser)).one()
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert check_login(uow, "mo", PASSWORD) is not None

    listed = runner.invoke(app, ["user", "list"], env=env)
    assert "mo\tmanager\toak-house\tactive" in listed.output

    changed = runner.invoke(
        app, ["user", "set-password", "mo"], env=env, input="another long password\n"
    )
    assert changed.exit_code == 0, changed.output
    assert runner.invoke(app, ["user", "disable", "mo"], env=env).exit_code == 0
    assert (
        "mo\tmanager\toak-house\tdisabled" in runner.invoke(app, ["user", "list"], env=env).output
    )
    with unit_of_work() as uow:
        assert check_login(uow, "mo", "another long password") is None
        actions = [(e.actor, e.action) for e in uow.session.scalars(select(AuditEntry))]
    assert actions == [
        ("manager-ann", "dashboard.user.add"),
        ("manager-ann", "dashboard.user.set_password"),
        ("manager-ann", "dashboard.user.disable"),
    ]


def test_bad_users_are_refused_with_a_next_step(env: dict[str, str]) -> None:
    cases = [
        (["--username", "x y", "--role", "admin"], PASSWORD, "cannot be a username"),
        (["--username", "ann", "--role", "boss"], PASSWORD, "Use admin, manager or viewer"),
        (["--username", "ann", "--role", "manager"], PASSWORD, "give at least one with --service"),
        (
            ["--username", "ann", "--role", "manager", "--service", "nowhere"],
            PASSWORD,
            "no service",
        ),
        (["--username", "ann", "--role", "viewer", "--service", "oak-house"], PASSWORD, "only for"),
        (["--username", "ann", "--role", "admin"], "short", "too short"),
    ]
    for options, password, message in cases:
        result = runner.invoke(app, ["user", "add", *options], env=env, input=f"{password}\n")
        assert result.exit_code == 1 and message in result.output, (options, result.output)
    missing = runner.invoke(app, ["user", "disable", "nobody"], env=env)
    assert missing.exit_code == 1 and "covoice user list" in missing.output

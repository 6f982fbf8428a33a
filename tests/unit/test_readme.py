"""The README opens with the two commands and documents every CLI command."""

from __future__ import annotations

import typer

from cli.main import app
from covoice.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: typer.Typer, prefix: str = "covoice") -> list[str]:
    found = [f"{prefix} {c.name or c.callback.__name__}" for c in group.registered_commands]  # type: ignore[union-attr]
    for sub in group.registered_groups:
        found += _commands(sub.typer_instance, f"{prefix} {sub.name}")  # type: ignore[arg-type]
    return found


def test_readme_opens_with_run_then_test() -> None:
    headings = [line for line in README.splitlines() if line.startswith("## ")]
    assert headings[:2] == ["## Run", "## Test"]
    assert README.index("make run") < README.index("make test")


def test_readme_documents_every_command() -> None:
    commands = _commands(app)
    assert "covoice export responses" in commands
    for command in commands:
        assert f"`{command}" in README, command

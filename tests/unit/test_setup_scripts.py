"""The set-up scripts a new user meets first."""

from __future__ import annotations

import subprocess

import pytest

from covoice.settings import PROJECT_ROOT

FIND = PROJECT_ROOT / "scripts" / "find-python310"


def test_finds_a_python_3_10() -> None:
    found = subprocess.run([FIND], capture_output=True, text=True)
    if found.returncode != 0:
        pytest.skip("no Python 3.10 on this machine")
    version = subprocess.run(
        [found.stdout.strip(), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    assert version.stdout.strip() == "(3, 10)"


def test_says_what_to_install_when_there_is_no_python_3_10(tmp_path: object) -> None:
    # Only the basic system folders on the PATH, and no pyenv or uv home.
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    result = subprocess.run([FIND], capture_output=True, text=True, env=env)
    if result.returncode == 0:
        pytest.skip("this machine has a system python3.10")
    assert result.returncode == 1
    assert "needs Python 3.10" in result.stderr
    assert "pyenv install 3.10" in result.stderr
    assert "uv python install 3.10" in result.stderr
    assert result.stdout == ""

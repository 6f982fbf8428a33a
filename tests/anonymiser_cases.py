"""The anonymiser's tricky cases (tests/fixtures/anonymiser_cases.yaml), for any test.

Report tests use `identifiers_that_must_go()` to check a rendered report leaks none of
them; the cases marked `known_miss` are left out there, as the anonymiser misses them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CASES_FILE = Path(__file__).resolve().parent / "fixtures" / "anonymiser_cases.yaml"


def load_cases() -> list[dict[str, Any]]:
    """Every case in the file, in order."""
    cases: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    return cases


def identifiers_that_must_go() -> list[tuple[str, str]]:
    """(case text, string that must not appear) for every case the anonymiser catches."""
    return [
        (case["text"], str(gone))
        for case in load_cases()
        if "known_miss" not in case
        for gone in case.get("gone", [])
    ]

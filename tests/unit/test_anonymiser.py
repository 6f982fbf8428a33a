"""The anonymiser against the tricky-cases file, and its interface."""

from __future__ import annotations

import re
from typing import Any

import pytest

from governance.anonymiser import PLACEHOLDERS, anonymise
from governance.anonymiser_patterns import nhs_number_is_valid
from tests.anonymiser_cases import identifiers_that_must_go, load_cases


def problems(case: dict[str, Any]) -> list[str]:
    """What is wrong with the anonymised text of one case; empty when it is right."""
    out = anonymise(case["text"], case.get("known_names", ())).text
    found = [
        f"left {gone!r}"
        for gone in case.get("gone", [])
        if re.search(rf"(?<!\w){re.escape(str(gone))}(?!\w)", out)
    ]
    found += [f"lost {kept!r}" for kept in case.get("kept", []) if str(kept) not in out]
    return [f"{problem} in {out!r}" for problem in found]


def test_the_cases_file_has_enough_cases_with_unique_ids() -> None:
    cases = load_cases()
    ids = [case["id"] for case in cases]
    assert len(cases) >= 60
    assert len(ids) == len(set(ids))
    assert all(case.get("gone") or case.get("kept") for case in cases)


def test_every_tricky_case_is_anonymised_as_the_file_says() -> None:
    missed = {
        case["id"]: problems(case)
        for case in load_cases()
        if "known_miss" not in case and problems(case)
    }
    assert not missed, "cases missed:\n" + "\n".join(
        f"  {case_id}: {'; '.join(found)}" for case_id, found in missed.items()
    )


def test_known_misses_are_still_missed_so_a_fix_is_noticed() -> None:
    fixed = [case["id"] for case in load_cases() if "known_miss" in case and not problems(case)]
    assert not fixed, f"now caught, remove known_miss from: {fixed}"


def test_replacements_record_each_kind_and_original_span() -> None:
    text = "Sue rang 07700 900123 from LS6 2AB"
    result = anonymise(text)
    assert result.text == "[name] rang [phone number] from [postcode]"
    assert [(r.kind, r.original) for r in result.replacements] == [
        ("name", "Sue"),
        ("phone", "07700 900123"),
        ("postcode", "LS6 2AB"),
    ]
    for replacement in result.replacements:
        assert text[replacement.start : replacement.end] == replacement.original
        assert replacement.placeholder == PLACEHOLDERS[replacement.kind]


def test_a_full_name_becomes_one_placeholder() -> None:
    assert anonymise("Mr David Okafor came").text == "[name] came"


def test_text_with_nothing_to_hide_comes_back_unchanged() -> None:
    result = anonymise("The food is better since the new cook started.")
    assert result.text == "The food is better since the new cook started."
    assert not result.changed


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("9434765919", True), ("4010232137", True), ("9434765918", False), ("123456789", False)],
)
def test_nhs_number_modulus_11_check(digits: str, valid: bool) -> None:
    assert nhs_number_is_valid(digits) is valid


def test_identifiers_for_report_tests_leave_out_known_misses() -> None:
    must_go = identifiers_that_must_go()
    assert ("kayden came round yesterday with sweets", "kayden") not in must_go
    assert ("Rose helped me get dressed this morning", "Rose") in must_go


def test_catch_rate_on_the_cases_file_is_reported() -> None:
    cases = load_cases()
    caught = sum(1 for case in cases if not problems(case))
    print(f"anonymiser: {caught} of {len(cases)} tricky cases right")
    assert caught >= len(cases) - sum(1 for case in cases if "known_miss" in case)

"""The contracts between the parts: taxonomy, Rasa domain, NLU data, actions, imports."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
import yaml

from actions.checkin_action import ActionCheckinTurn
from covoice.settings import PROJECT_ROOT
from covoice.taxonomy import Taxonomy

OUR_PACKAGES = (
    "actions",
    "bot",
    "checkin",
    "cli",
    "covoice",
    "governance",
    "storage",
    "tests",
    "bench",
)
SHARED_TAXONOMY = PROJECT_ROOT.parent / "shared" / "taxonomy.yml"


def _yaml(path: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def test_no_module_of_ours_imports_rasa() -> None:
    offenders = [
        f"{path}: {name}"
        for package in OUR_PACKAGES
        for path in (PROJECT_ROOT / package).rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] == "rasa"
    ]
    assert offenders == []


def test_code_rasa_loads_imports_only_rasa_and_the_standard_library() -> None:
    # nlu/ is loaded by Rasa itself: Rasa, its own dependencies (its web framework
    # sanic, jsonschema) and the standard library only, never a module of ours.
    allowed = {"rasa", "sanic", "jsonschema", "__future__", *sys.stdlib_module_names}
    offenders = [
        f"{path}: {name}"
        for path in (PROJECT_ROOT / "nlu").rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] not in allowed
    ]
    assert offenders == []


def test_taxonomy_keeps_every_shared_id() -> None:
    if not SHARED_TAXONOMY.exists():
        pytest.skip("the shared folder is not beside the project")
    ours, shared = _yaml(PROJECT_ROOT / "taxonomy.yml"), _yaml(SHARED_TAXONOMY)
    for section in ("themes", "safeguarding_categories", "intents", "scales", "respondent_roles"):
        assert set(shared[section]) <= set(ours[section]), section


def test_domain_intents_are_the_taxonomy_intents(taxonomy: Taxonomy) -> None:
    domain = _yaml(PROJECT_ROOT / "nlu" / "domain.yml")
    assert set(domain["intents"]) == set(taxonomy.intents)


def test_every_intent_has_at_least_25_distinct_examples(taxonomy: Taxonomy) -> None:
    nlu = _yaml(PROJECT_ROOT / "nlu" / "data" / "nlu.yml")["nlu"]
    examples = {
        block["intent"]: [line[2:].strip() for line in block["examples"].splitlines() if line]
        for block in nlu
    }
    assert set(examples) == set(taxonomy.intents)
    for intent, lines in examples.items():
        assert len({line.lower() for line in lines}) >= 25, intent


def test_actions_in_code_match_the_domain() -> None:
    domain = _yaml(PROJECT_ROOT / "nlu" / "domain.yml")
    assert domain["actions"] == [ActionCheckinTurn().name()]


def test_every_intent_reaches_the_check_in_action(taxonomy: Taxonomy) -> None:
    rules = _yaml(PROJECT_ROOT / "nlu" / "data" / "rules.yml")["rules"]
    [rule] = rules
    intents = {step["intent"] for step in rule["steps"][0]["or"]}
    assert intents == set(taxonomy.intents) | {"nlu_fallback"}
    assert rule["steps"][1] == {"action": "action_checkin_turn"}

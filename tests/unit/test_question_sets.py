"""Question-set files: the shipped set is valid; broken files say what is wrong where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from checkin.flow import CheckinFlow, Ending, Stage
from checkin.question_sets import (
    BOT_WORDING_FILE,
    QuestionSetError,
    load_question_set,
    load_question_sets,
)
from checkin.reading import UserTurn
from checkin.wording import load_bot_wording
from covoice.settings import PROJECT_ROOT
from covoice.taxonomy import Taxonomy
from tests.conftest import CHECKIN


def test_every_shipped_set_loads_and_can_be_completed(taxonomy: Taxonomy) -> None:
    sets = load_question_sets(PROJECT_ROOT / "question_sets", taxonomy)
    wording = load_bot_wording(PROJECT_ROOT / "question_sets" / BOT_WORDING_FILE)
    assert sets
    for question_set in sets.values():
        flow = CheckinFlow(question_set, wording)
        outcome = flow.handle(flow.begin().state, UserTurn("affirm", "/affirm", from_button=True))
        asked: list[str] = []
        while outcome.state.stage != Stage.ended:
            prompt = outcome.prompts[-1]
            asked.append(prompt.question_id or "")
            answers = [b for b in prompt.buttons if b.kind == "answer"]
            if prompt.kind == "question" and answers:
                payload = answers[0].payload
                intent = payload[1:].split("{", 1)[0]
                entities = json.loads(payload[payload.index("{") :]) if "{" in payload else {}
                turn = UserTurn(
                    intent,
                    payload,
                    choice=entities.get("choice"),
                    from_button=True,
                    question=entities.get("question"),
                    turn=entities.get("turn"),
                )
            else:
                turn = UserTurn("inform", "more time in the garden with my friends")
            outcome = flow.handle(outcome.state, turn)
            assert len(asked) < 100, f"{question_set.id} does not come to an end"
        assert outcome.ending == Ending.finished, question_set.id
        assert question_set.first.id in asked


def write_variant(tmp_path: Path, change: object) -> Path:
    """Copy the check-in, let ``change`` edit its parsed YAML, and write it out."""
    data = yaml.safe_load(CHECKIN.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def question(data: dict, question_id: str) -> dict:  # type: ignore[type-arg]
    return next(q for q in data["questions"] if q["id"] == question_id)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: question(d, "food").update(scale="scale4"),
            ["question 'food'", "scale", "scale3"],
        ),
        (
            lambda d: question(d, "home").update(themes=["housing"]),
            ["question 'home'", "unknown theme 'housing'"],
        ),
        (
            lambda d: question(d, "food").pop("easy_read"),
            ["question 'food'", "easy_read", "Field required"],
        ),
        (
            lambda d: question(d, "activities").update(branch={"bad": "nowhere"}),
            ["question 'activities'", "'nowhere', which is not a question"],
        ),
        (
            lambda d: question(d, "activities").update(branch={"maybe": "food"}),
            ["question 'activities'", "branch on 'maybe'"],
        ),
        (
            lambda d: question(d, "favourite_activity").update(options=[]),
            ["question 'favourite_activity'", "at least two options"],
        ),
        (
            lambda d: question(d, "food").update(cqc=["Tasty: food"]),
            ["question 'food'", "CQC statement 'Tasty: food'"],
        ),
        (
            lambda d: question(d, "food").update(id="home"),
            ["question 'home'", "used more than once"],
        ),
        (
            lambda d: question(d, "food")["follow_up"].update(when=["awful"]),
            ["question 'food'", "follow_up.when has 'awful'"],
        ),
        (
            lambda d: question(d, "favourite_activity")["options"][0].update(label="x" * 31),
            ["question 'favourite_activity'", "label", "at most 30 characters"],
        ),
        (
            lambda d: question(d, "food").update(colour="blue"),
            ["question 'food'", "colour", "Extra inputs are not permitted"],
        ),
    ],
)
def test_broken_file_names_file_question_and_problem(
    tmp_path: Path, taxonomy: Taxonomy, change: object, expected: list[str]
) -> None:
    path = write_variant(tmp_path, change)
    with pytest.raises(QuestionSetError) as raised:
        load_question_set(path, taxonomy)
    message = str(raised.value)
    assert message.startswith(str(path))
    for part in expected:
        assert part in message


def test_file_that_is_not_yaml_names_the_line(tmp_path: Path, taxonomy: Taxonomy) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("id: x\nquestions: [\n  - id: a\n  text: : :\n", encoding="utf-8")
    with pytest.raises(QuestionSetError, match=r"bad\.yml: not valid YAML .*line \d+"):
        load_question_set(path, taxonomy)


def test_missing_file_is_a_clear_error(tmp_path: Path, taxonomy: Taxonomy) -> None:
    with pytest.raises(QuestionSetError, match="cannot read the file"):
        load_question_set(tmp_path / "nope.yml", taxonomy)


def test_two_files_with_one_id_are_refused(tmp_path: Path, taxonomy: Taxonomy) -> None:
    for name in ("a.yml", "b.yml"):
        (tmp_path / name).write_text(CHECKIN.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(QuestionSetError, match="b.yml: set id 'fixture_checkin'"):
        load_question_sets(tmp_path, taxonomy)


def test_rewording_a_question_needs_only_the_file(tmp_path: Path, taxonomy: Taxonomy) -> None:
    path = write_variant(
        tmp_path, lambda d: question(d, "food").update(text="Do you enjoy your meals?")
    )
    assert load_question_set(path, taxonomy).question("food").text == "Do you enjoy your meals?"


def test_the_incident_sets_promise_an_update_for_a_dated_answer_and_none_for_no_need(
    taxonomy: Taxonomy,
) -> None:
    sets = load_question_sets(PROJECT_ROOT / "question_sets", taxonomy)
    for set_id in ("incident_person", "incident_family"):
        question_set = sets[set_id]
        assert all("incident_aftercare" in q.themes for q in question_set.spec.questions)
        assert question_set.update_owed_days("hear_more", "in_a_week") == 7
        assert question_set.update_owed_days("hear_more", "in_a_month") == 30
        assert question_set.update_owed_days("hear_more", "no_need") is None
        assert question_set.update_owed_days("explained", "yes") is None


def test_an_update_owed_must_be_a_number_of_days(tmp_path: Path, taxonomy: Taxonomy) -> None:
    data = yaml.safe_load(CHECKIN.read_text(encoding="utf-8"))
    [favourite] = [q for q in data["questions"] if q["id"] == "favourite_activity"]
    favourite["options"][0]["update_owed_days"] = 0
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(QuestionSetError, match="favourite_activity.*update_owed_days"):
        load_question_set(path, taxonomy)

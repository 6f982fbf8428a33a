"""Question-set files: the shipped set is valid; broken files say what is wrong where."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from checkin.question_sets import QuestionSetError, load_question_set, load_question_sets
from covoice.settings import PROJECT_ROOT
from covoice.taxonomy import Taxonomy
from tests.conftest import CHECKIN


def test_every_shipped_set_loads(taxonomy: Taxonomy) -> None:
    sets = load_question_sets(PROJECT_ROOT / "question_sets", taxonomy)
    checkin = sets["lived_experience_checkin"]
    assert 8 <= len(checkin.spec.questions) <= 10
    themes = {theme for q in checkin.spec.questions for theme in q.themes}
    assert {"safety", "being_heard", "choice_control", "staff_consistency"} <= themes
    assert {"activities_community", "food_drink", "home_environment"} <= themes
    scales = {q.scale for q in checkin.spec.questions}
    assert scales == {"scale3", "yes_no_unsure", "choice", "free_text"}


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
    with pytest.raises(QuestionSetError, match="b.yml: set id 'lived_experience_checkin'"):
        load_question_sets(tmp_path, taxonomy)


def test_rewording_a_question_needs_only_the_file(tmp_path: Path, taxonomy: Taxonomy) -> None:
    path = write_variant(
        tmp_path, lambda d: question(d, "food").update(text="Do you enjoy your meals?")
    )
    assert load_question_set(path, taxonomy).question("food").text == "Do you enjoy your meals?"

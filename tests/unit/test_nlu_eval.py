"""The evaluation harness's metrics and its split check, on tiny inputs worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import nlu_eval
from bench.nlu_eval import (
    accuracy,
    harm_scores,
    label_scores,
    normalise,
    overlap,
    rasa_examples,
    theme_scores,
    worst_confusions,
)
from tagging.examples import SafeguardingExample, ThemeExample


def test_normalise_ignores_case_punctuation_and_spacing_but_keeps_emoji() -> None:
    assert normalise("  Hi,   THERE!! ") == "hi there"
    assert normalise("I'm ok.") == "im ok"
    assert normalise("hi 👋") == "hi 👋"


def test_overlap_finds_held_out_texts_that_differ_only_in_form() -> None:
    held = ["Hi there!", "the tea is cold", "hi there again"]
    assert overlap(held, ["hi   there", "tea"]) == ["Hi there!"]


def test_rasa_examples_reads_intents_strips_entities_and_skips_synonyms(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n'
        "    - hello [Sam](name)\n- synonym: yes\n  examples: |\n    - yep\n"
        "- intent: stop\n  examples: |\n    - stop\n",
        encoding="utf-8",
    )
    assert rasa_examples(path) == [("hi", "greet"), ("hello Sam", "greet"), ("stop", "stop")]


def test_intent_scores_by_hand() -> None:
    golds = ["a", "a", "b", "c"]
    predictions = ["a", "b", "b", "a"]
    scores = label_scores(golds, predictions)
    assert accuracy(golds, predictions) == 0.5
    # a: right once, read as b once, c read as a once.
    assert (scores["a"].precision, scores["a"].recall, scores["a"].f1) == (0.5, 0.5, 0.5)
    # b: right once, and a read as b once.
    assert (scores["b"].precision, scores["b"].recall) == (0.5, 1.0)
    assert scores["b"].f1 == pytest.approx(2 / 3)
    assert (scores["c"].precision, scores["c"].recall, scores["c"].f1) == (0.0, 0.0, 0.0)
    assert [scores[label].support for label in "abc"] == [2, 1, 1]


def test_nlu_fallback_is_a_wrong_answer_with_no_row_of_its_own() -> None:
    scores = label_scores(["a", "a"], ["a", "nlu_fallback"])
    assert accuracy(["a", "a"], ["a", "nlu_fallback"]) == 0.5
    assert list(scores) == ["a"]
    assert scores["a"].recall == 0.5


def test_worst_confusions_by_count_then_name() -> None:
    golds = ["a", "a", "a", "b", "b", "c"]
    predictions = ["b", "b", "c", "a", "a", "c"]
    assert worst_confusions(golds, predictions) == [("a", "b", 2), ("b", "a", 2), ("a", "c", 1)]
    assert worst_confusions(golds, predictions, limit=1) == [("a", "b", 2)]


def test_theme_scores_by_hand() -> None:
    golds = [{"x"}, {"x", "y"}, set(), {"y"}]
    predictions = [{"x"}, {"x"}, {"y"}, set()]
    scores = theme_scores(golds, predictions, ["x", "y", "z"])
    # x: 2 right; y: 1 given wrongly, 2 missed; z: never given, never wanted.
    assert scores.per_theme["x"].f1 == 1.0
    assert scores.per_theme["y"].f1 == 0.0
    assert scores.per_theme["z"].support == 0
    assert scores.micro.precision == pytest.approx(2 / 3)
    assert scores.micro.recall == 0.5
    assert scores.micro.f1 == pytest.approx(4 / 7)
    assert scores.macro_f1 == 0.5  # z has no held-out example, so it is left out


def test_harm_scores_by_hand() -> None:
    golds = ["physical", "physical", "sexual", None, None, None, None]
    raised = ["physical", None, "psychological", None, "physical", None, None]
    scores = harm_scores(golds, raised)
    assert scores.recall == pytest.approx(2 / 3)  # the sexual one is caught, wrong category
    assert scores.category_accuracy == 0.5
    assert scores.false_positive_rate == 0.25
    assert scores.missed == (1,)
    assert scores.false_alarms == (4,)
    physical, sexual = scores.per_category["physical"], scores.per_category["sexual"]
    assert (physical.support, physical.caught, physical.right) == (2, 1, 1)
    assert (sexual.support, sexual.caught, sexual.right) == (1, 1, 0)
    assert physical.recall == 0.5


def _write_split(folder: Path, held_intent: str, held_theme: str) -> None:
    files = {
        "train_intents.yml": "nlu:\n- intent: greet\n  examples: |\n    - hello there\n",
        "held_intents.yml": f"nlu:\n- intent: greet\n  examples: |\n    - {held_intent}\n",
        "train_themes.yml": "examples:\n- text: the food is lovely\n  themes: [food_drink]\n",
        "held_themes.yml": f"examples:\n- text: {held_theme}\n  themes: [food_drink]\n",
        "train_harm.yml": "examples:\n- text: she hit me\n  category: physical\n",
        "held_harm.yml": "examples:\n- text: he hits me\n  category: physical\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def tiny_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for constant, name in [
        ("TRAIN_INTENTS", "train_intents.yml"),
        ("HELD_INTENTS", "held_intents.yml"),
        ("TRAIN_THEMES", "train_themes.yml"),
        ("HELD_THEMES", "held_themes.yml"),
        ("TRAIN_SAFEGUARDING", "train_harm.yml"),
        ("HELD_SAFEGUARDING", "held_harm.yml"),
    ]:
        monkeypatch.setattr(nlu_eval, constant, tmp_path / name)
    return tmp_path


def test_a_held_out_text_in_training_stops_the_run_before_any_training(tiny_split: Path) -> None:
    _write_split(tiny_split, held_intent="Hello, there!", held_theme="The food is LOVELY")
    assert nlu_eval.main(["--output", str(tiny_split / "report.md")]) == 1
    assert not (tiny_split / "report.md").exists()


def test_a_missing_held_out_file_is_a_broken_file(tiny_split: Path) -> None:
    _write_split(tiny_split, held_intent="hiya", held_theme="dinner was cold")
    (tiny_split / "held_themes.yml").unlink()
    assert nlu_eval.main(["--output", str(tiny_split / "report.md")]) == 2


def test_an_unknown_held_out_intent_is_a_broken_file(tiny_split: Path) -> None:
    _write_split(tiny_split, held_intent="hiya", held_theme="dinner was cold")
    (tiny_split / "held_intents.yml").write_text(
        "nlu:\n- intent: no_such_intent\n  examples: |\n    - hiya\n", encoding="utf-8"
    )
    assert nlu_eval.main(["--output", str(tiny_split / "report.md")]) == 2


def test_a_diagnosis_split_leaves_out_only_the_held_out_texts_found_in_training() -> None:
    split = nlu_eval.Split(
        intents_train=[("hello there", "greet")],
        intents_held=[("Hello, there!", "greet"), ("hiya", "greet")],
        themes_train=[ThemeExample("the food is lovely", ("food_drink",))],
        themes_held=[ThemeExample("dinner was cold", ("food_drink",))],
        harm_train=[SafeguardingExample("she hit me", "physical")],
        harm_held=[SafeguardingExample("She hit me.", "physical")],
    )
    assert {part: len(texts) for part, texts in split.overlaps().items()} == {
        "intents": 1,
        "themes": 0,
        "safeguarding": 1,
    }
    clean = split.without_overlap()
    assert clean.intents_held == [("hiya", "greet")]
    assert clean.themes_held == split.themes_held
    assert clean.harm_held == []
    assert not any(clean.overlaps().values())

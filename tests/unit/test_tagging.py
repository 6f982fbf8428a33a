"""The theme tagger and safeguarding screener the bot really uses (models/tagging.npz)."""

from __future__ import annotations

from pathlib import Path

import pytest

from covoice.taxonomy import Taxonomy
from tagging.examples import ExamplesError, load_safeguarding_examples, load_theme_examples
from tagging.model import TaggingModel
from tagging.tagger import Tagger, sentences_of

EVERYDAY = [
    "I'd kill for a cup of tea",
    "the film had a fight in it",
    "my dad died last year and I miss him",
    "the new carer is always late",
    "the food is disgusting",
    "not rly",
    "meh",
    "Everything is fine",
]
DISCLOSURES = [
    "my keyworker shouted at me yesterday",
    "he takes my money for the bus",
    "she said I'm not allowed out if I tell",
    "I don't want to be here any more",
    "HELP ME PLEASE someone hurt me",
]


@pytest.mark.parametrize("words", EVERYDAY)
def test_everyday_speech_raises_no_alert(tagger: Tagger, words: str) -> None:
    assert tagger.read(words).disclosure is None


@pytest.mark.parametrize("words", DISCLOSURES)
def test_direct_third_person_and_indirect_disclosures_are_caught(
    tagger: Tagger, words: str
) -> None:
    assert tagger.read(words).disclosure is not None


def test_a_disclosure_in_the_middle_of_a_long_family_paragraph_is_caught(tagger: Tagger) -> None:
    paragraph = (
        "We visited Dad on Sunday and he seemed brighter. The garden looks lovely now. "
        "He told us one of the night staff slaps him when he presses the buzzer. "
        "He enjoyed the singer on Friday and the food has improved."
    )
    reading = tagger.read(paragraph)
    assert reading.disclosure is not None and reading.disclosure.category == "physical"


def test_words_carry_the_themes_they_are_about_and_fine_carries_none(tagger: Tagger) -> None:
    assert "food_drink" in tagger.read("the dinners are always cold and there's no choice").themes
    assert "relationships" in tagger.read("I never get to see my sister any more").themes
    assert tagger.read("everything is fine thanks").themes == ()


def test_a_batch_reads_each_text_as_it_reads_alone(tagger: Tagger) -> None:
    texts = ["the food is cold", "he hits me", "hello"]
    assert tagger.read_many(texts) == [tagger.read(text) for text in texts]


def test_sentences_are_split_only_when_there_are_several() -> None:
    assert sentences_of("one sentence only") == []
    assert sentences_of("First one. Second one!\nThird") == ["First one.", "Second one!", "Third"]


def test_a_saved_model_reads_the_same_after_loading(tmp_path: Path, tagger: Tagger) -> None:
    path = tmp_path / "model.npz"
    tagger.model.save(path)
    again = Tagger(TaggingModel.load(path))
    assert (
        again.read("my carer hits me")
        == tagger.model.read(Tagger(tagger.model)._featurizer.features(["my carer hits me"]))[0]
    )


def test_an_unknown_theme_or_category_in_the_examples_is_refused(
    tmp_path: Path, taxonomy: Taxonomy
) -> None:
    themes = tmp_path / "themes.yml"
    themes.write_text('examples:\n- text: "cold tea"\n  themes: [fod_drink]\n')
    with pytest.raises(ExamplesError, match="fod_drink"):
        load_theme_examples(themes, taxonomy.themes)
    harm = tmp_path / "harm.yml"
    harm.write_text('examples:\n- text: "he hits me"\n  category: physicall\n')
    with pytest.raises(ExamplesError, match="physicall"):
        load_safeguarding_examples(harm, taxonomy.safeguarding_categories)

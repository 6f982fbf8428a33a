"""The tagger the live bot, `covoice tag` and `make eval` share: load or train, then read.

A message is embedded once and read for themes and for possible harm together.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from covoice.taxonomy import Taxonomy
from tagging import model as model_module
from tagging.embedding import SentenceEmbedder
from tagging.examples import load_safeguarding_examples, load_theme_examples
from tagging.features import FEATURE_KINDS, FEATURES_VERSION, Featurizer
from tagging.model import Reading, TaggingModel, train


class TaggerNotTrained(RuntimeError):
    """There is no trained tagging model where the settings say, or it is out of date."""


@dataclass(frozen=True)
class TrainingFiles:
    themes: Path
    safeguarding: Path

    def fingerprint(self) -> str:
        """Changes whenever the examples or the way they are learnt change."""
        digest = hashlib.sha256(f"features {FEATURES_VERSION}".encode())
        digest.update(Path(model_module.__file__).read_bytes())
        for path in (self.themes, self.safeguarding):
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]


# A longer message is also read sentence by sentence, so that one sentence
# of harm in a long family paragraph is not lost in the rest of it.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
MAX_SENTENCES = 24


def sentences_of(text: str) -> list[str]:
    """The text's sentences, when it has more than one (at most MAX_SENTENCES)."""
    found = [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]
    return found[:MAX_SENTENCES] if len(found) > 1 else []


def combine(whole: Reading, parts: Sequence[Reading]) -> Reading:
    """Themes of the whole text; harm as the most worrying of the whole and its sentences."""
    worst = max([whole, *parts], key=lambda reading: reading.harm_score)
    return Reading(
        themes=whole.themes,
        theme_confidence=whole.theme_confidence,
        disclosure=worst.disclosure,
        harm_score=worst.harm_score,
    )


def _plain(text: str) -> str:
    return " ".join("".join(ch for ch in text.lower() if ch.isalnum() or ch.isspace()).split())


def _says_nothing(text: str) -> bool:
    """Emoji, numbers or a key held down ("xxxxxxx"): no words to disclose anything in."""
    return len({ch for ch in text.lower() if ch.isalpha()}) <= 2


class Tagger:
    def __init__(
        self,
        model: TaggingModel,
        embedder: SentenceEmbedder | None = None,
        everyday_replies: Iterable[str] = (),
    ) -> None:
        self.model = model
        self._featurizer = Featurizer(embedder or SentenceEmbedder(), model.feature_kinds)
        # Replies a check-in expects ("not rly", "skip it", "bye"), as Rasa's intent
        # examples hold them: they answer a question and disclose nothing.
        self._everyday = frozenset(_plain(text) for text in everyday_replies)

    def read(self, text: str) -> Reading:
        return self.read_many([text])[0]

    def read_many(self, texts: Sequence[str]) -> list[Reading]:
        """Read each text (and each sentence of a longer one) in one batch."""
        if not texts:
            return []
        units: list[str] = []
        spans = []
        for text in texts:
            start = len(units)
            units.append(text)
            units.extend(sentences_of(text))
            spans.append((start, len(units)))
        readings = self.model.read(self._featurizer.features(units))
        combined = [combine(readings[start], readings[start + 1 : end]) for start, end in spans]
        return [
            replace(reading, disclosure=None)
            if _plain(text) in self._everyday or _says_nothing(text)
            else reading
            for text, reading in zip(texts, combined, strict=True)
        ]


def train_tagger(
    files: TrainingFiles,
    taxonomy: Taxonomy,
    embedder: SentenceEmbedder,
    feature_kinds: tuple[str, ...] = FEATURE_KINDS,
) -> TaggingModel:
    """Train on the examples in ``files`` (and nothing else)."""
    themes = tuple(taxonomy.themes)
    theme_examples = load_theme_examples(files.themes, themes)
    harm_examples = load_safeguarding_examples(files.safeguarding, taxonomy.safeguarding_categories)
    featurizer = Featurizer(embedder, feature_kinds)
    # The sentences of the longer examples, each with its example's row.
    sentences = [(i, part) for i, ex in enumerate(harm_examples) for part in sentences_of(ex.text)]
    return train(
        featurizer.features([example.text for example in theme_examples]),
        theme_examples,
        themes,
        featurizer.features([example.text for example in harm_examples]),
        harm_examples,
        taxonomy.safeguarding_categories,
        feature_kinds=featurizer.kinds,
        harm_sentence_features=featurizer.features([part for _, part in sentences]),
        harm_sentence_of=np.array([row for row, _ in sentences], dtype=np.int64),
        fingerprint=files.fingerprint(),
    )


def load_tagger(
    model_path: Path,
    files: TrainingFiles,
    embedder: SentenceEmbedder | None = None,
    everyday_replies: Iterable[str] = (),
) -> Tagger:
    """The trained tagger, refusing one trained on other examples than ``files`` hold."""
    if not model_path.exists():
        raise TaggerNotTrained(
            f"No tagging model at {model_path}: run `covoice nlu train` (make setup does)."
        )
    model = TaggingModel.load(model_path)
    if model.fingerprint != files.fingerprint():
        raise TaggerNotTrained(
            f"The tagging model at {model_path} is older than its examples: "
            "run `covoice nlu train` (make setup does)."
        )
    return Tagger(model, embedder, everyday_replies)

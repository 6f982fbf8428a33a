"""What the classifiers see of a text: its sentence embedding and its word and letter n-grams.

The embedding carries meaning ("they yelled at me" is near "shouted"); the
n-grams carry the exact words and misspellings ("keywroker"). The n-grams are
hashed, so there is no vocabulary to store: the same text always gives the
same features.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from tagging.embedding import SentenceEmbedder

# Bump when the features change: a model trained on other features is refused.
FEATURES_VERSION = 1
FEATURE_KINDS = ("embedding", "ngrams")

_WORDS = HashingVectorizer(
    n_features=2**15, ngram_range=(1, 2), alternate_sign=False, norm="l2", lowercase=True
)
_LETTERS = HashingVectorizer(
    n_features=2**15,
    analyzer="char_wb",
    ngram_range=(3, 5),
    alternate_sign=False,
    norm="l2",
    lowercase=True,
)


class Featurizer:
    def __init__(self, embedder: SentenceEmbedder, kinds: Sequence[str] = FEATURE_KINDS) -> None:
        unknown = set(kinds) - set(FEATURE_KINDS)
        if unknown or not kinds:
            raise ValueError(f"feature kinds must come from {FEATURE_KINDS}")
        self.embedder = embedder
        self.kinds = tuple(kinds)

    def features(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> sparse.csr_matrix:
        """One row per text; pass ``embeddings`` when they are already computed."""
        parts = []
        if "embedding" in self.kinds:
            vectors = self.embedder.embed(texts) if embeddings is None else embeddings
            parts.append(sparse.csr_matrix(vectors))
        if "ngrams" in self.kinds:
            parts.append(_WORDS.transform(texts))
            parts.append(_LETTERS.transform(texts))
        return sparse.hstack(parts, format="csr")

"""The tagger as the settings place it: the one way every process gets it."""

from __future__ import annotations

from covoice.settings import Settings
from covoice.taxonomy import load_taxonomy
from tagging.embedding import SentenceEmbedder
from tagging.examples import load_everyday_replies
from tagging.tagger import Tagger, TrainingFiles, load_tagger, train_tagger


def training_files(settings: Settings) -> TrainingFiles:
    return TrainingFiles(settings.theme_examples_path, settings.safeguarding_examples_path)


def build_tagger(settings: Settings, embedder: SentenceEmbedder | None = None) -> Tagger:
    everyday = load_everyday_replies(settings.intent_examples_path)
    return load_tagger(settings.tagging_model_path, training_files(settings), embedder, everyday)


def train_and_save(settings: Settings, embedder: SentenceEmbedder | None = None) -> None:
    """Train on the configured examples and write the model where the settings say."""
    model = train_tagger(
        training_files(settings),
        load_taxonomy(settings.taxonomy_path),
        embedder or SentenceEmbedder(),
    )
    model.save(settings.tagging_model_path)

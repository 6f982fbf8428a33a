"""Evaluation: train on the training split only, then report on a held-out split (`make eval`).

Intents: Rasa is trained twice on nlu/data/nlu.yml, with our config.yml and with
Rasa's default pipeline (the one `rasa init` writes), and each model reads every
held-out text through a Rasa server's `/model/parse`, so `nlu_fallback` counts as
wrong as it does in the live bot (`rasa test nlu` would undo the fallback).
Themes and safeguarding: the tagger (tagging/) is trained on nlu/tagging/ with
each set of feature kinds and reads tests/eval/. Nothing under tests/eval/ is
ever trained on, and a held-out text found in its training file stops the run.

Exit status: 0 with a report (even when a target is missed), 1 when the splits
overlap, 2 when a file cannot be used.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import numpy as np
import yaml

from cli.stack import RASA_BIN, Stack, StackError, private_settings
from covoice.settings import PROJECT_ROOT
from covoice.taxonomy import Taxonomy, load_taxonomy
from tagging.embedding import DIMENSIONS, SentenceEmbedder
from tagging.examples import (
    ExamplesError,
    SafeguardingExample,
    ThemeExample,
    load_safeguarding_examples,
    load_theme_examples,
)
from tagging.features import FEATURE_KINDS
from tagging.tagger import Tagger, TrainingFiles, train_tagger

TRAIN_INTENTS = PROJECT_ROOT / "nlu" / "data" / "nlu.yml"
TRAIN_THEMES = PROJECT_ROOT / "nlu" / "tagging" / "themes.yml"
TRAIN_SAFEGUARDING = PROJECT_ROOT / "nlu" / "tagging" / "safeguarding.yml"
HELD_INTENTS = PROJECT_ROOT / "tests" / "eval" / "intents.yml"
HELD_THEMES = PROJECT_ROOT / "tests" / "eval" / "themes.yml"
HELD_SAFEGUARDING = PROJECT_ROOT / "tests" / "eval" / "safeguarding.yml"
OUR_CONFIG = PROJECT_ROOT / "config.yml"
FALLBACK = "nlu_fallback"
FEATURE_SETS: tuple[tuple[str, ...], ...] = (("embedding",), ("ngrams",), ("embedding", "ngrams"))
WORST_PAIRS = 10

INTENT_ACCURACY_TARGET = 0.95
THEME_MICRO_F1_TARGET = 0.85
HARM_RECALL_TARGET = 1.0
FALSE_POSITIVE_TARGET = 0.10


class EvalDataError(Exception):
    """A file the evaluation needs is missing or cannot be read."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the split ---------------------------------------------------------


def normalise(text: str) -> str:
    """Lowercase, punctuation stripped, spaces collapsed: "Hi, there!" and "hi there" are one."""
    kept = "".join(ch for ch in text.lower() if not unicodedata.category(ch).startswith("P"))
    return " ".join(kept.split())


def overlap(held_out: Sequence[str], training: Sequence[str]) -> list[str]:
    """The held-out texts whose normalised form is also a training text."""
    seen = {normalise(text) for text in training}
    return [text for text in held_out if normalise(text) in seen]


# Entity annotations, "[Sam](name)" or "[Sam]{...}": the text is what is inside [].
_ENTITY = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def rasa_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) for every example of a Rasa NLU YAML file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise EvalDataError(f"{path}: cannot be read ({error})") from error
    blocks = raw.get("nlu") if isinstance(raw, dict) else None
    if not isinstance(blocks, list):
        raise EvalDataError(f"{path}: expected a list under 'nlu'")
    examples = []
    for block in blocks:
        if not isinstance(block, dict) or "intent" not in block:
            continue  # synonyms, regexes, lookup tables
        lines = str(block.get("examples") or "").splitlines()
        for line in lines:
            if line.strip().startswith("- "):
                text = _ENTITY.sub(r"\1", line.strip()[2:].strip())
                examples.append((text, str(block["intent"])))
    if not examples:
        raise EvalDataError(f"{path}: no intent examples")
    return examples


@dataclass(frozen=True)
class Split:
    intents_train: list[tuple[str, str]]
    intents_held: list[tuple[str, str]]
    themes_train: list[ThemeExample]
    themes_held: list[ThemeExample]
    harm_train: list[SafeguardingExample]
    harm_held: list[SafeguardingExample]

    def overlaps(self) -> dict[str, list[str]]:
        """Held-out texts also in their training file, by held-out file."""
        return {
            "intents": overlap(
                [t for t, _ in self.intents_held], [t for t, _ in self.intents_train]
            ),
            "themes": overlap(_texts(self.themes_held), _texts(self.themes_train)),
            "safeguarding": overlap(_texts(self.harm_held), _texts(self.harm_train)),
        }

    def without_overlap(self) -> Split:
        """The held-out texts that are not in training (for a diagnosis run only)."""
        seen = {
            "intents": {normalise(t) for t, _ in self.intents_train},
            "themes": {normalise(t) for t in _texts(self.themes_train)},
            "safeguarding": {normalise(t) for t in _texts(self.harm_train)},
        }
        return replace(
            self,
            intents_held=[e for e in self.intents_held if normalise(e[0]) not in seen["intents"]],
            themes_held=[e for e in self.themes_held if normalise(e.text) not in seen["themes"]],
            harm_held=[e for e in self.harm_held if normalise(e.text) not in seen["safeguarding"]],
        )


def _texts(examples: Sequence[ThemeExample | SafeguardingExample]) -> list[str]:
    return [example.text for example in examples]


def load_split(taxonomy: Taxonomy) -> Split:
    """Read all six files, checking every label against the taxonomy."""
    for path in (TRAIN_THEMES, TRAIN_SAFEGUARDING, HELD_THEMES, HELD_SAFEGUARDING):
        if not path.exists():
            raise EvalDataError(f"{path} is missing")
    split = Split(
        rasa_examples(TRAIN_INTENTS),
        rasa_examples(HELD_INTENTS),
        load_theme_examples(TRAIN_THEMES, taxonomy.themes),
        load_theme_examples(HELD_THEMES, taxonomy.themes),
        load_safeguarding_examples(TRAIN_SAFEGUARDING, taxonomy.safeguarding_categories),
        load_safeguarding_examples(HELD_SAFEGUARDING, taxonomy.safeguarding_categories),
    )
    unknown = {intent for _, intent in split.intents_held} - set(taxonomy.intents)
    if unknown:
        raise EvalDataError(f"{HELD_INTENTS}: intents not in taxonomy.yml: {sorted(unknown)}")
    return split


# -- metrics -----------------------------------------------------------


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        return _ratio(self.true_positives, self.support)

    @property
    def f1(self) -> float:
        tp = self.true_positives
        return _ratio(2 * tp, 2 * tp + self.false_positives + self.false_negatives)

    @property
    def support(self) -> int:
        return self.true_positives + self.false_negatives


def accuracy(golds: Sequence[str], predictions: Sequence[str]) -> float:
    return _ratio(sum(g == p for g, p in zip(golds, predictions, strict=True)), len(golds))


def label_scores(golds: Sequence[str], predictions: Sequence[str]) -> dict[str, Score]:
    """Precision, recall and F1 of each label that some gold example carries."""
    counts: Counter[tuple[str, str]] = Counter()
    for gold, predicted in zip(golds, predictions, strict=True):
        if gold == predicted:
            counts["tp", gold] += 1
        else:
            counts["fn", gold] += 1
            counts["fp", predicted] += 1
    return {
        label: Score(counts["tp", label], counts["fp", label], counts["fn", label])
        for label in sorted(set(golds))
    }


def worst_confusions(
    golds: Sequence[str], predictions: Sequence[str], limit: int = WORST_PAIRS
) -> list[tuple[str, str, int]]:
    """(gold, predicted, count) of the commonest mistakes, ties in name order."""
    pairs = Counter((g, p) for g, p in zip(golds, predictions, strict=True) if g != p)
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    return [(gold, predicted, count) for (gold, predicted), count in ranked[:limit]]


@dataclass(frozen=True)
class ThemeScores:
    micro: Score
    # Over the themes that held-out examples carry: others have no recall to measure.
    macro_f1: float
    per_theme: dict[str, Score]


def theme_scores(
    golds: Sequence[Collection[str]], predictions: Sequence[Collection[str]], themes: Sequence[str]
) -> ThemeScores:
    """Multi-label scores: each (text, theme) pair is one decision."""
    per_theme = {}
    for theme in themes:
        given = [theme in p for p in predictions]
        wanted = [theme in g for g in golds]
        per_theme[theme] = Score(
            sum(g and w for g, w in zip(given, wanted, strict=True)),
            sum(g and not w for g, w in zip(given, wanted, strict=True)),
            sum(w and not g for g, w in zip(given, wanted, strict=True)),
        )
    micro = Score(
        sum(s.true_positives for s in per_theme.values()),
        sum(s.false_positives for s in per_theme.values()),
        sum(s.false_negatives for s in per_theme.values()),
    )
    present = [score.f1 for score in per_theme.values() if score.support]
    return ThemeScores(micro, _ratio(sum(present), len(present)), per_theme)


@dataclass(frozen=True)
class CategoryScore:
    support: int
    caught: int  # any disclosure raised
    right: int  # raised with this category

    @property
    def recall(self) -> float:
        return _ratio(self.caught, self.support)


@dataclass(frozen=True)
class HarmScores:
    recall: float
    category_accuracy: float  # on the caught disclosures
    false_positive_rate: float  # on the examples that must not fire
    per_category: dict[str, CategoryScore]
    missed: tuple[int, ...]  # indices of disclosures with no alert
    false_alarms: tuple[int, ...]  # indices of must-not-fire examples that fired


def harm_scores(golds: Sequence[str | None], predictions: Sequence[str | None]) -> HarmScores:
    """A disclosure is caught when any category is raised; the category is judged apart."""
    pairs = list(zip(golds, predictions, strict=True))
    disclosures = [i for i, (gold, _) in enumerate(pairs) if gold is not None]
    harmless = [i for i, (gold, _) in enumerate(pairs) if gold is None]
    caught = [i for i in disclosures if pairs[i][1] is not None]
    per_category = {
        category: CategoryScore(
            support=sum(gold == category for gold, _ in pairs),
            caught=sum(gold == category and raised is not None for gold, raised in pairs),
            right=sum(gold == category and raised == category for gold, raised in pairs),
        )
        for category in sorted({gold for gold, _ in pairs if gold is not None})
    }
    false_alarms = tuple(i for i in harmless if pairs[i][1] is not None)
    return HarmScores(
        recall=_ratio(len(caught), len(disclosures)),
        category_accuracy=_ratio(sum(pairs[i][0] == pairs[i][1] for i in caught), len(caught)),
        false_positive_rate=_ratio(len(false_alarms), len(harmless)),
        per_category=per_category,
        missed=tuple(i for i in disclosures if pairs[i][1] is None),
        false_alarms=false_alarms,
    )


# -- intents: two Rasa pipelines ------------------------------------------


@dataclass(frozen=True)
class IntentRun:
    name: str
    config: Path
    train_seconds: float
    golds: list[str]
    predictions: list[str]

    @property
    def accuracy(self) -> float:
        return accuracy(self.golds, self.predictions)

    @property
    def correct(self) -> int:
        return sum(gold == found for gold, found in zip(self.golds, self.predictions, strict=True))


def rasa_default_config() -> Path:
    """The pipeline `rasa init` writes, as the installed Rasa ships it."""
    found = sorted(
        RASA_BIN.parent.parent.glob(
            "lib/python*/site-packages/rasa/engine/recipes/config_files/default_config.yml"
        )
    )
    if not found:
        raise EvalDataError(f"Rasa's default config is not under {RASA_BIN.parent.parent}")
    return found[0]


def train_rasa(config: Path, name: str, work: Path) -> tuple[Path, float]:
    """Train an NLU model on the training split only; return it and the wall time."""
    log_path = work / f"train-{name}.log"
    command = [str(RASA_BIN), "train", "nlu", "--config", str(config), "--nlu", str(TRAIN_INTENTS)]
    command += ["--out", str(work), "--fixed-model-name", name]
    started = time.perf_counter()
    # Rasa's progress bars flood a terminal: its output goes to a file.
    with open(log_path, "wb") as output:
        result = subprocess.run(
            command,
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            # A fresh training cache: Rasa would otherwise reuse components trained
            # on the same data before, and the time would mean nothing.
            env=os.environ
            | {"RASA_TELEMETRY_ENABLED": "false", "RASA_CACHE_DIRECTORY": str(work / "cache")},
        )
    seconds = time.perf_counter() - started
    if result.returncode:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
        raise EvalDataError(f"Rasa training with {config} failed:\n{tail}")
    return work / f"{name}.tar.gz", seconds


def parse_all(model: Path, name: str, texts: Sequence[str], work: Path) -> list[str]:
    """The intent a Rasa server gives each text, nlu_fallback included."""
    settings = private_settings(work / f"data-{name}", pseudonym_key="eval")
    stack = Stack(settings, log_dir=work / f"logs-{name}", model_path=model)
    try:
        stack.wait_ready(stack.start_rasa(), on_progress=log)
        params = {"token": settings.rasa_api_token()}
        with httpx.Client(base_url=settings.rasa_url, params=params, timeout=30) as client:
            return [
                str(client.post("/model/parse", json={"text": text}).json()["intent"]["name"])
                for text in texts
            ]
    finally:
        stack.stop()


def run_intents(split: Split, work: Path) -> list[IntentRun]:
    texts = [text for text, _ in split.intents_held]
    golds = [intent for _, intent in split.intents_held]
    runs = []
    for name, config in (("ours", OUR_CONFIG), ("rasa-default", rasa_default_config())):
        log(f"Training Rasa NLU ({name}: {config.name}) on {TRAIN_INTENTS.name}…")
        model, seconds = train_rasa(config, name, work)
        log(f"  trained in {seconds:.0f} s; parsing {len(texts)} held-out texts…")
        runs.append(IntentRun(name, config, seconds, golds, parse_all(model, name, texts, work)))
    return runs


# -- themes and safeguarding: the tagger with each set of features -----------


class CachedEmbedder(SentenceEmbedder):
    """Embeds each distinct text once, however many feature sets ask for it."""

    def __init__(self) -> None:
        super().__init__(threads=os.cpu_count() or 1)
        self._vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, super().embed(missing), strict=True))
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self._vectors[text] for text in texts])


@dataclass(frozen=True)
class TaggerRun:
    kinds: tuple[str, ...]
    train_seconds: float
    harm_threshold: float
    themes: ThemeScores
    harm: HarmScores
    raised: list[str | None]  # the category raised for each held-out safeguarding text
    harm_score: list[float]

    @property
    def label(self) -> str:
        return " + ".join(self.kinds)

    def targets_met(self) -> list[bool]:
        return [
            self.themes.micro.f1 >= THEME_MICRO_F1_TARGET,
            self.harm.recall >= HARM_RECALL_TARGET,
            self.harm.false_positive_rate <= FALSE_POSITIVE_TARGET,
        ]

    def rank(self) -> tuple[int, float, float, float]:
        """Most targets met, then recall, then fewest false alarms, then theme micro-F1."""
        return (
            sum(self.targets_met()),
            self.harm.recall,
            -self.harm.false_positive_rate,
            self.themes.micro.f1,
        )


def run_tagger(
    split: Split, taxonomy: Taxonomy, embedder: SentenceEmbedder, kinds: tuple[str, ...]
) -> TaggerRun:
    started = time.perf_counter()
    model = train_tagger(TrainingFiles(TRAIN_THEMES, TRAIN_SAFEGUARDING), taxonomy, embedder, kinds)
    seconds = time.perf_counter() - started
    tagger = Tagger(model, embedder)
    theme_reads = tagger.read_many(_texts(split.themes_held))
    harm_reads = tagger.read_many(_texts(split.harm_held))
    raised = [r.disclosure.category if r.disclosure else None for r in harm_reads]
    return TaggerRun(
        kinds,
        seconds,
        model.harm_threshold,
        theme_scores(
            [e.themes for e in split.themes_held], [r.themes for r in theme_reads], model.themes
        ),
        harm_scores([e.category for e in split.harm_held], raised),
        raised,
        [r.harm_score for r in harm_reads],
    )


def run_taggers(split: Split, taxonomy: Taxonomy) -> tuple[list[TaggerRun], float]:
    """Every feature set, with each text embedded once up front (its time reported apart)."""
    embedder = CachedEmbedder()
    started = time.perf_counter()
    every = _texts(split.themes_train) + _texts(split.harm_train)
    embedder.embed(every + _texts(split.themes_held) + _texts(split.harm_held))
    embed_seconds = time.perf_counter() - started
    log(f"Embedded the tagger's texts in {embed_seconds:.1f} s")
    runs = []
    for kinds in FEATURE_SETS:
        log(f"Training the tagger on {' + '.join(kinds)}…")
        runs.append(run_tagger(split, taxonomy, embedder, kinds))
    return runs, embed_seconds


# -- the report --------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def _f(value: float) -> str:
    return f"{value:.3f}"


def _judged(value: float, passed: bool) -> str:
    return f"{value:.3f} {'pass' if passed else 'FAIL'}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rasa_version() -> str:
    found = sorted(RASA_BIN.parent.parent.glob("lib/python*/site-packages/rasa-*.dist-info"))
    return found[0].name.removeprefix("rasa-").removesuffix(".dist-info") if found else "?"


def render_header(split: Split, overlaps: dict[str, list[str]]) -> list[str]:
    counts = [
        ("intents", TRAIN_INTENTS, len(split.intents_train), HELD_INTENTS, len(split.intents_held)),
        ("themes", TRAIN_THEMES, len(split.themes_train), HELD_THEMES, len(split.themes_held)),
        (
            "safeguarding",
            TRAIN_SAFEGUARDING,
            len(split.harm_train),
            HELD_SAFEGUARDING,
            len(split.harm_held),
        ),
    ]
    rows = [
        [
            part,
            train.relative_to(PROJECT_ROOT),
            n,
            held.relative_to(PROJECT_ROOT),
            m,
            len(overlaps[part]),
        ]
        for part, train, n, held, m in counts
    ]
    harmless = sum(e.category is None for e in split.harm_held)
    lines = [
        "# NLU evaluation: trained on the training split, measured on the held-out split",
        "",
        f"Generated by `make eval` on {datetime.date.today().isoformat()}, on a machine with "
        f"{os.cpu_count()} cores ({platform.machine()}, Python {platform.python_version()}, "
        f"Rasa {_rasa_version()}). Reproduce with `make eval` (bench/nlu_eval.py): it trains "
        "every model afresh on the training files only and rewrites this file. The held-out "
        "files in tests/eval/ are never trained on; a held-out text whose normalised form "
        "(lowercase, punctuation stripped, spaces collapsed) is in its training file stops "
        "the run.",
        "",
    ]
    if any(overlaps.values()):
        lines += [
            f"**Diagnosis run, not a valid result: {sum(map(len, overlaps.values()))} held-out "
            "texts were also in training and were left out (`--drop-overlap`); the held-out "
            "counts below are what remained. `make eval` refuses to report until the files "
            "are fixed.**",
            "",
        ]
    lines += ["## Data", ""]
    header = ["part", "training file", "examples", "held-out file", "examples", "overlap"]
    lines += _table(header, rows)
    lines += [
        f"The held-out safeguarding file has {len(split.harm_held) - harmless} disclosures "
        f"and {harmless} everyday texts that must not raise an alert.",
        "",
    ]
    return lines


def render_targets(intents: list[IntentRun], best: TaggerRun) -> list[str]:
    ours = intents[0]
    rows = [
        [
            f"intent accuracy ≥ {INTENT_ACCURACY_TARGET}",
            "config.yml",
            # The count too: 0.9497 shows as 0.950 and would seem to meet 0.95.
            f"{_f(ours.accuracy)} ({ours.correct} of {len(ours.golds)})",
        ],
        [f"theme micro-F1 ≥ {THEME_MICRO_F1_TARGET}", best.label, _f(best.themes.micro.f1)],
        [f"safeguarding recall = {HARM_RECALL_TARGET}", best.label, _f(best.harm.recall)],
        [
            f"safeguarding false-positive rate ≤ {FALSE_POSITIVE_TARGET}",
            best.label,
            _f(best.harm.false_positive_rate),
        ],
    ]
    met = [ours.accuracy >= INTENT_ACCURACY_TARGET, *best.targets_met()]
    rows = [[*row, "pass" if ok else "FAIL"] for row, ok in zip(rows, met, strict=True)]
    return ["## Targets", "", *_table(["target", "measured with", "figure", "result"], rows)]


def render_intents(runs: list[IntentRun]) -> list[str]:
    names = [f"{run.name} ({run.config.name})" for run in runs]
    scores = [label_scores(run.golds, run.predictions) for run in runs]
    macro = [_ratio(sum(s.f1 for s in score.values()), len(score)) for score in scores]
    summary: list[list[object]] = [
        ["training time (s, whole `rasa train nlu`)", *[f"{r.train_seconds:.0f}" for r in runs]],
        [
            "accuracy",
            *[_judged(r.accuracy, r.accuracy >= INTENT_ACCURACY_TARGET) for r in runs],
        ],
        ["macro-F1", *[_f(m) for m in macro]],
        ["answered nlu_fallback (wrong)", *[str(r.predictions.count(FALLBACK)) for r in runs]],
    ]
    lines = [
        "## Intents (Rasa)",
        "",
        "Our pipeline (config.yml) beside Rasa's default (the pipeline `rasa init` writes, read "
        "from the installed Rasa), both trained on nlu/data/nlu.yml and asked through a Rasa "
        "server's `/model/parse`, so `nlu_fallback` counts as a wrong answer.",
        "",
        *_table(["", *names], summary),
        "### Per intent",
        "",
    ]
    header = ["intent", "support"] + [f"{n} {m}" for n in ("ours", "default") for m in "PRF"]
    rows = [
        [intent, scores[0][intent].support]
        + [_f(getattr(s[intent], m)) for s in scores for m in ("precision", "recall", "f1")]
        for intent in scores[0]
    ]
    lines += _table(header, rows)
    confusions = [worst_confusions(run.golds, run.predictions) for run in runs]
    rows = [
        [rank + 1]
        + [
            f"{c[rank][0]} → {c[rank][1]} ({c[rank][2]})" if rank < len(c) else ""
            for c in confusions
        ]
        for rank in range(max(len(c) for c in confusions))
    ]
    lines += ["### Worst confusions (said → read as, count)", ""]
    lines += _table(["#", *names], rows) if rows else ["No confusions.", ""]
    return lines


def render_tagger(runs: list[TaggerRun], embed_seconds: float, split: Split) -> list[str]:
    best = max(runs, key=TaggerRun.rank)
    live = next((r for r in runs if r.kinds == FEATURE_KINDS), None)
    figures = [
        [
            "training time (s, embeddings computed before)",
            *[f"{r.train_seconds:.1f}" for r in runs],
        ],
        ["theme micro-precision", *[_f(r.themes.micro.precision) for r in runs]],
        ["theme micro-recall", *[_f(r.themes.micro.recall) for r in runs]],
        [
            "theme micro-F1",
            *[_judged(r.themes.micro.f1, r.themes.micro.f1 >= THEME_MICRO_F1_TARGET) for r in runs],
        ],
        ["theme macro-F1", *[_f(r.themes.macro_f1) for r in runs]],
        [
            "safeguarding recall",
            *[_judged(r.harm.recall, r.harm.recall >= HARM_RECALL_TARGET) for r in runs],
        ],
        ["category accuracy on caught", *[_f(r.harm.category_accuracy) for r in runs]],
        [
            "false-positive rate (must-not-fire)",
            *[
                _judged(
                    r.harm.false_positive_rate, r.harm.false_positive_rate <= FALSE_POSITIVE_TARGET
                )
                for r in runs
            ],
        ],
        ["missed disclosures", *[str(len(r.harm.missed)) for r in runs]],
        ["false alarms", *[str(len(r.harm.false_alarms)) for r in runs]],
        ["harm threshold (chosen in training)", *[_f(r.harm_threshold) for r in runs]],
    ]
    labels = [r.label for r in runs]
    lines = [
        "## Themes and safeguarding (tagger)",
        "",
        f"The tagger (tagging/) trained on nlu/tagging/ with each set of feature kinds. Every "
        f"text was embedded once ({embed_seconds:.1f} s for all of them) and reused. A "
        "disclosure counts as caught when an alert of any category is raised; the category "
        "is judged apart. Theme macro-F1 is over the themes the held-out examples carry.",
        "",
        *_table(["", *labels], figures),
        f"**Chosen by measurement: {best.label}** (most targets met, then recall, then fewest "
        "false alarms, then theme micro-F1). "
        + (
            f"The live tagger uses {live.label} (tagging/features.py FEATURE_KINDS)."
            if live
            else ""
        ),
        "",
        "### Per theme",
        "",
    ]
    header = ["theme", "support"] + [f"{lab} {m}" for lab in labels for m in "PRF"]
    themes = runs[0].themes.per_theme
    rows = [
        [theme, themes[theme].support]
        + [
            _f(getattr(r.themes.per_theme[theme], m))
            for r in runs
            for m in ("precision", "recall", "f1")
        ]
        for theme in themes
    ]
    lines += _table(header, rows)
    lines += ["### Per safeguarding category (caught / right category)", ""]
    categories = runs[0].harm.per_category
    rows = [
        [category, categories[category].support]
        + [
            f"{r.harm.per_category[category].recall:.2f} / "
            f"{_ratio(r.harm.per_category[category].right, categories[category].support):.2f}"
            for r in runs
        ]
        for category in categories
    ]
    lines += _table(["category", "support", *labels], rows)
    return lines + render_mistakes(runs, split)


def render_mistakes(runs: list[TaggerRun], split: Split) -> list[str]:
    """Every missed disclosure and every false alarm of any feature set, side by side."""
    lines = []
    for title, indices in (
        ("Missed disclosures (harm score; a blank cell: caught)", [r.harm.missed for r in runs]),
        (
            "False alarms (category raised, harm score; a blank cell: no alert)",
            [r.harm.false_alarms for r in runs],
        ),
    ):
        rows = [
            [_cell(split.harm_held[i].text), split.harm_held[i].category or "none"]
            + [
                _mistake(run, i) if i in found else ""
                for run, found in zip(runs, indices, strict=True)
            ]
            for i in sorted(set().union(*indices))
        ]
        lines += [f"### {title}", ""]
        lines += (
            _table(["text", "expected", *[r.label for r in runs]], rows) if rows else ["None.", ""]
        )
    return lines


def _mistake(run: TaggerRun, index: int) -> str:
    raised = run.raised[index]
    return (
        f"{raised} {run.harm_score[index]:.2f}" if raised else f"missed {run.harm_score[index]:.2f}"
    )


def summary(intents: list[IntentRun], taggers: list[TaggerRun]) -> str:
    best = max(taggers, key=TaggerRun.rank)
    lines = [
        f"intent accuracy: {', '.join(f'{r.name} {_f(r.accuracy)}' for r in intents)} "
        f"(target ≥ {INTENT_ACCURACY_TARGET}: "
        f"{'pass' if intents[0].accuracy >= INTENT_ACCURACY_TARGET else 'FAIL'})",
    ]
    for run in taggers:
        met = run.targets_met()
        lines.append(
            f"tagger {run.label}: theme micro-F1 {_judged(run.themes.micro.f1, met[0])}, "
            f"macro-F1 {_f(run.themes.macro_f1)}, safeguarding recall "
            f"{_judged(run.harm.recall, met[1])}, false-positive rate "
            f"{_judged(run.harm.false_positive_rate, met[2])}"
        )
    lines.append(f"best feature kinds: {best.label}; missed disclosures: {len(best.harm.missed)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "docs" / "nlu-evaluation.md")
    parser.add_argument(
        "--drop-overlap",
        action="store_true",
        help="diagnosis only: leave out held-out texts found in training instead of stopping",
    )
    args = parser.parse_args(argv)
    try:
        taxonomy = load_taxonomy(PROJECT_ROOT / "taxonomy.yml")
        split = load_split(taxonomy)
        overlaps = split.overlaps()
        log(f"Held-out texts also in training: {sum(map(len, overlaps.values()))}")
        if any(overlaps.values()):
            for part, texts in overlaps.items():
                for text in texts:
                    log(f"  {part}: {text!r}")
            log("The held-out split must not be trained on: remove these texts from one side.")
            if not args.drop_overlap:
                return 1
            log("--drop-overlap: evaluating on the rest of the held-out split (diagnosis only).")
            split = split.without_overlap()
        with tempfile.TemporaryDirectory(prefix="covoice-eval-") as work:
            intents = run_intents(split, Path(work))
        taggers, embed_seconds = run_taggers(split, taxonomy)
    except (EvalDataError, ExamplesError, StackError) as error:
        log(f"Evaluation stopped: {error}")
        return 2
    best = max(taggers, key=TaggerRun.rank)
    report = render_header(split, overlaps) + render_targets(intents, best)
    report += render_intents(intents) + render_tagger(taggers, embed_seconds, split)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(report).rstrip() + "\n", encoding="utf-8")
    print(summary(intents, taggers))
    print(f"report: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

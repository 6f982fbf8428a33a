"""Labelled examples for the theme tagger and the safeguarding screener, read from YAML.

Themes: ``examples: [{text, themes: [theme ids]}]``; safeguarding:
``examples: [{text, category: a category id or null}]``. Every id is checked
against taxonomy.yml, so a typo fails loudly instead of training on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml


class ExamplesError(ValueError):
    """An examples file that cannot be used, with where and why."""


@dataclass(frozen=True)
class ThemeExample:
    text: str
    themes: tuple[str, ...]


@dataclass(frozen=True)
class SafeguardingExample:
    text: str
    category: str | None  # None: everyday words that must not raise an alert


def _entries(path: Path) -> list[dict[str, object]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ExamplesError(f"{path}: cannot be read ({error})") from error
    entries = raw.get("examples") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise ExamplesError(f"{path}: expected a list under 'examples'")
    for number, entry in enumerate(entries, start=1):
        text = entry.get("text") if isinstance(entry, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise ExamplesError(f"{path}: example {number} has no text")
    return entries


def load_theme_examples(path: Path, theme_ids: Iterable[str]) -> list[ThemeExample]:
    known = set(theme_ids)
    examples = []
    for number, entry in enumerate(_entries(path), start=1):
        themes = entry.get("themes") or []
        if not isinstance(themes, list):
            raise ExamplesError(f"{path}: example {number}: 'themes' must be a list")
        unknown = [theme for theme in themes if theme not in known]
        if unknown:
            raise ExamplesError(f"{path}: example {number}: unknown theme {unknown[0]!r}")
        examples.append(ThemeExample(str(entry["text"]), tuple(dict.fromkeys(themes))))
    return examples


def load_safeguarding_examples(path: Path, categories: Iterable[str]) -> list[SafeguardingExample]:
    known = set(categories)
    examples = []
    for number, entry in enumerate(_entries(path), start=1):
        category = entry.get("category")
        if category is not None and category not in known:
            raise ExamplesError(f"{path}: example {number}: unknown category {category!r}")
        examples.append(SafeguardingExample(str(entry["text"]), category))  # type: ignore[arg-type]
    return examples


# Replies that steer or answer a check-in ("not rly", "skip", "bye"): everyday
# words that must never raise an alert. Free-text stories ("inform") are left
# out: they may disclose harm.
_NOT_EVERYDAY = {"inform"}


def load_everyday_replies(rasa_nlu_path: Path) -> list[str]:
    """The replies in Rasa's intent examples, other than free-text stories."""
    try:
        raw = yaml.safe_load(rasa_nlu_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ExamplesError(f"{rasa_nlu_path}: cannot be read ({error})") from error
    replies = []
    for block in raw.get("nlu", []) if isinstance(raw, dict) else []:
        if not isinstance(block, dict) or block.get("intent") in _NOT_EVERYDAY:
            continue
        for line in str(block.get("examples", "")).splitlines():
            text = line.strip().removeprefix("- ").strip()
            if text:
                replies.append(text)
    return replies

"""The shared labels (themes, scales, intents, roles) read from taxonomy.yml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class ScaleOption:
    value: str
    label: str
    pictogram: str


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    cqc: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    themes: dict[str, Theme]
    scales: dict[str, tuple[ScaleOption, ...]]
    intents: tuple[str, ...]
    safeguarding_categories: tuple[str, ...]
    respondent_roles: tuple[str, ...]


def load_taxonomy(path: Path) -> Taxonomy:
    """Read taxonomy.yml into typed records."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Taxonomy(
        themes={
            theme_id: Theme(id=theme_id, label=body["label"], cqc=tuple(body.get("cqc", ())))
            for theme_id, body in raw["themes"].items()
        },
        scales={
            scale_id: tuple(
                ScaleOption(value=str(o["value"]), label=str(o["label"]), pictogram=o["pictogram"])
                for o in options
            )
            for scale_id, options in raw["scales"].items()
        },
        intents=tuple(raw["intents"]),
        safeguarding_categories=tuple(raw["safeguarding_categories"]),
        respondent_roles=tuple(raw["respondent_roles"]),
    )

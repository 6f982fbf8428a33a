"""Pictures for the emoji our words use: OpenMoji SVG files, served by the app.

Tablets and Debian's Chromium draw emoji differently or not at all, so a
channel that shows pictures shows these files. OpenMoji names each file by
its code points ("1F44D.svg"); a sequence keeps its joiners and variation
selectors ("1F9D1-200D-2695-FE0F.svg"), while a single emoji with a variation
selector is filed without it ("23ED.svg" for ⏭️).
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from covoice.settings import PROJECT_ROOT

OPENMOJI_SVG_DIR = PROJECT_ROOT / "node_modules" / "openmoji" / "color" / "svg"
PICTOGRAM_DIR = PROJECT_ROOT / "bot" / "kiosk_web" / "pictograms"
_VARIATION = 0xFE0F


def file_names(emoji: str) -> list[str]:
    """The OpenMoji file names that may hold ``emoji``, most exact first."""
    points = [ord(ch) for ch in emoji.strip()]
    if not points:
        return []
    names = ["-".join(f"{point:X}" for point in points)]
    plain = [point for point in points if point != _VARIATION]
    if plain != points:
        names.append("-".join(f"{point:X}" for point in plain))
    return [f"{name}.svg" for name in names]


def describe(emoji: str) -> str:
    """A short plain description of the picture, for a screen reader."""
    names = [unicodedata.name(ch, "") for ch in emoji if ord(ch) not in (_VARIATION, 0x200D)]
    return " ".join(name.lower() for name in names if name) or "picture"


def copy_pictograms(
    emojis: Iterable[str], source: Path = OPENMOJI_SVG_DIR, target: Path = PICTOGRAM_DIR
) -> list[str]:
    """Copy the file of each emoji from the OpenMoji set; return the emoji with no file."""
    target.mkdir(parents=True, exist_ok=True)
    missing = []
    for emoji in sorted(set(emojis)):
        found = next((source / n for n in file_names(emoji) if (source / n).is_file()), None)
        if found is None:
            missing.append(emoji)
        elif not (target / found.name).is_file():
            shutil.copyfile(found, target / found.name)
    return missing


class PictogramShelf:
    """The pictogram files a channel can serve, looked up by emoji."""

    def __init__(self, directory: Path = PICTOGRAM_DIR) -> None:
        self.directory = directory

    def file_for(self, emoji: str) -> str | None:
        """The file name of ``emoji``'s picture, or None when there is none to show."""
        return next((n for n in file_names(emoji) if (self.directory / n).is_file()), None)

"""What the kiosk page receives: prompts with picture and audio addresses.

The page is kept simple: it never builds an address or picks a picture; it
shows what arrives here. Every picture comes with its word, every prompt
with the audio of both wordings.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

from bot.pictograms import PictogramShelf, describe
from checkin.wire import Prompt, speech_key

PICTOGRAM_PATH = "/kiosk-static/pictograms"


class SpeechTexts:
    """Which words each speech key stands for, so that audio is made only for our own words."""

    def __init__(self, limit: int = 5000) -> None:
        self._limit = limit
        self._texts: OrderedDict[str, str] = OrderedDict()

    def key_for(self, text: str) -> str:
        key = speech_key(text)
        self._texts[key] = text
        self._texts.move_to_end(key)
        while len(self._texts) > self._limit:
            self._texts.popitem(last=False)
        return key

    def text_for(self, key: str) -> str | None:
        return self._texts.get(key)


class KioskViews:
    def __init__(self, shelf: PictogramShelf, speech_texts: SpeechTexts) -> None:
        self._shelf = shelf
        self.speech_texts = speech_texts

    @property
    def shelf_dir(self) -> Path:
        return self._shelf.directory

    def picture(self, emoji: str, decorative: bool = False) -> dict[str, str] | None:
        """The picture of an emoji; ``decorative`` when a word beside it says the same."""
        name = self._shelf.file_for(emoji)
        if name is None:
            return None
        return {"src": f"{PICTOGRAM_PATH}/{name}", "alt": "" if decorative else describe(emoji)}

    def speech(self, token: str, text: str, easy_read: str) -> dict[str, str]:
        return {"text": self.audio_url(token, text), "easy_read": self.audio_url(token, easy_read)}

    def audio_url(self, token: str, words: str) -> str:
        return f"/kiosk/{token}/speech/{self.speech_texts.key_for(words)}.mp3"

    def prompt(self, token: str, prompt: Prompt) -> dict[str, Any]:
        return {
            "kind": prompt.kind,
            "question_id": prompt.question_id,
            "text": prompt.text,
            "easy_read": prompt.easy_read,
            "pictograms": [p for p in map(self.picture, prompt.pictograms) if p is not None],
            "buttons": [
                {
                    "label": button.label,
                    "picture": self.picture(button.pictogram, decorative=True),
                    "payload": button.payload,
                    "kind": button.kind,
                }
                for button in prompt.buttons
            ],
            "progress": prompt.progress.model_dump() if prompt.progress else None,
            "speech": self.speech(token, prompt.text, prompt.easy_read),
        }

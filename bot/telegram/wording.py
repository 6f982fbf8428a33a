"""The Telegram bot's own words: invites, linking, voice notes, what it cannot read."""

from __future__ import annotations

from pathlib import Path

from checkin.wording import ChannelWording, read_wording_file

# Every word the channel says; bot/telegram/ is written against these names.
WORD_KEYS = tuple(
    (
        "no_invite bad_code used_code expired_code link_consent yes_link no_link linked "
        "not_linked voice_on voice_off voice_how stale_button you_chose unsupported "
        "private_only listen_later command_help command_stop command_privacy command_delete "
        "command_voice delete_confirm yes_delete no_keep kept heard yes_heard no_heard not_heard "
        "too_long_to_hear edited went_wrong"
    ).split()
)


class TelegramWording(ChannelWording):
    KEYS = WORD_KEYS

    def say(self, key: str, **values: str) -> str:
        """The easy-read words, which Telegram shows, with any ``{name}`` filled in."""
        words = self.words[key].easy_read
        return words.format(**values) if values else words

    def button(self, key: str) -> str:
        """A button's face: its picture, then its word."""
        picture = self.pictograms.get(key)
        return f"{picture} {self.say(key)}" if picture else self.say(key)


def load_telegram_wording(path: Path) -> TelegramWording:
    """Read and check the Telegram channel's wording file.

    Raises:
        QuestionSetError: the file is missing, is not YAML, or lacks a word.
    """
    return read_wording_file(path, TelegramWording, "the Telegram wording")

"""The kiosk page's own words (start, who is answering, settings), in both wordings."""

from __future__ import annotations

from pathlib import Path

from checkin.wording import ChannelWording, read_wording_file

# Every word the page shows; the page is written against these names.
WORD_KEYS = tuple(
    (
        "welcome start who_is_answering role_person role_staff_supported role_family who_are_you "
        "anonymous stop skip help talk_to_person hear_again speech_on speech_off easy_words "
        "fuller_words bigger_text high_contrast question_of type_here send still_there still_here "
        "goodbye cant_talk try_again settings about"
    ).split()
)


class KioskWording(ChannelWording):
    KEYS = WORD_KEYS


def load_kiosk_wording(path: Path) -> KioskWording:
    """Read and check the kiosk's wording file.

    Raises:
        QuestionSetError: the file is missing, is not YAML, or lacks a word.
    """
    return read_wording_file(path, KioskWording, "the kiosk's wording")

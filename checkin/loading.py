"""Building the check-in service from settings: sets, wording, taxonomy and store."""

from __future__ import annotations

from checkin.question_sets import QuestionSet, load_question_sets
from checkin.service import CheckinService
from checkin.wording import BotWording, load_bot_wording
from covoice.settings import Settings
from covoice.taxonomy import load_taxonomy
from storage.unit_of_work import open_store


def load_sets_and_wording(settings: Settings) -> tuple[dict[str, QuestionSet], BotWording]:
    """Read and check every question set and the bot's wording.

    Raises:
        QuestionSetError: a file is missing or broken; the message names it.
    """
    taxonomy = load_taxonomy(settings.taxonomy_path)
    sets = load_question_sets(settings.question_sets_dir, taxonomy)
    return sets, load_bot_wording(settings.bot_wording_path)


def build_checkin_service(settings: Settings) -> CheckinService:
    sets, wording = load_sets_and_wording(settings)
    return CheckinService(
        open_store(settings.resolved_database_url, settings.store_timeout_seconds),
        sets,
        wording,
        settings.default_question_set,
    )

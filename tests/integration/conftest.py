"""Fixtures the integration tests share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from actions.checkin_action import ActionCheckinTurn
from checkin.question_sets import QuestionSet
from checkin.service import CheckinService
from checkin.wording import BotWording
from storage.unit_of_work import UnitOfWork
from tests.conftest import FIXTURE_SETS
from tests.integration.test_chat_service import ActionRasa


@pytest.fixture
def action_rasa(
    unit_of_work: Callable[[], UnitOfWork], checkin: QuestionSet, wording: BotWording
) -> ActionRasa:
    service = CheckinService(unit_of_work, {checkin.id: checkin}, wording, checkin.id)
    return ActionRasa(ActionCheckinTurn(service))


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment a `covoice` command runs in: the test's store and the fixture sets."""
    return {
        "COVOICE_DATABASE_URL": database_url,
        "COVOICE_DATA_DIR": str(tmp_path),
        "COVOICE_QUESTION_SETS_DIR": str(FIXTURE_SETS),
        "COVOICE_DEFAULT_QUESTION_SET": "fixture_checkin",
        "COVOICE_TELEGRAM_BOT_USERNAME": "@OakHouseBot",
        "COVOICE_PSEUDONYM_KEY": "test-key",
        "COVOICE_ACTOR": "manager-ann",
    }

"""Fixtures the integration tests share."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from actions.checkin_action import ActionCheckinTurn
from checkin.question_sets import QuestionSet
from checkin.service import CheckinService
from checkin.wording import BotWording
from storage.unit_of_work import UnitOfWork
from tests.integration.test_chat_service import ActionRasa


@pytest.fixture
def action_rasa(
    unit_of_work: Callable[[], UnitOfWork], checkin: QuestionSet, wording: BotWording
) -> ActionRasa:
    service = CheckinService(unit_of_work, {checkin.id: checkin}, wording, checkin.id)
    return ActionRasa(ActionCheckinTurn(service))

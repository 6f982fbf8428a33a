"""Fixtures shared by every test tier."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checkin.question_sets import QuestionSet, load_question_set
from checkin.wording import BotWording, load_bot_wording
from covoice.settings import PROJECT_ROOT, Settings
from covoice.taxonomy import Taxonomy, load_taxonomy
from storage.migrate import upgrade_database
from storage.models import Provider, Service
from storage.unit_of_work import UnitOfWork, open_store
from tagging.tagger import Tagger

# The tests' own question set and wording: rewording production files breaks no test.
FIXTURE_SETS = PROJECT_ROOT / "tests" / "fixtures" / "question_sets"
CHECKIN = FIXTURE_SETS / "fixture_checkin.yml"
WORDING = FIXTURE_SETS / "bot_wording.yml"
KIOSK_WORDING = PROJECT_ROOT / "tests" / "fixtures" / "kiosk_wording.yml"
TELEGRAM_WORDING = PROJECT_ROOT / "tests" / "fixtures" / "telegram_wording.yml"


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return load_taxonomy(PROJECT_ROOT / "taxonomy.yml")


@pytest.fixture(scope="session")
def checkin(taxonomy: Taxonomy) -> QuestionSet:
    return load_question_set(CHECKIN, taxonomy)


@pytest.fixture(scope="session")
def wording() -> BotWording:
    return load_bot_wording(WORDING)


@functools.cache
def real_tagger() -> Tagger:
    """The production theme tagger and safeguarding screener (trained first if stale).

    What they must catch and must not fire on is tested against the model the
    bot really uses, trained on nlu/tagging/ as `make setup` does.
    """
    from tagging.loading import build_tagger, train_and_save
    from tagging.tagger import TaggerNotTrained

    settings = Settings()
    try:
        return build_tagger(settings)
    except TaggerNotTrained:
        train_and_save(settings)
        return build_tagger(settings)


@pytest.fixture(scope="session")
def tagger() -> Tagger:
    return real_tagger()


def fixture_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings that read the tests' own question sets and wording."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "question_sets_dir": FIXTURE_SETS,
        "bot_wording_path": WORDING,
        "kiosk_wording_path": KIOSK_WORDING,
        "telegram_wording_path": TELEGRAM_WORDING,
        "default_question_set": "fixture_checkin",
        "incident_person_set": "fixture_incident_person",
        "incident_family_set": "fixture_incident_family",
        "pseudonym_key": "test-key",
    }
    return Settings(**(values | overrides))


def seed_service(factory: Callable[[], UnitOfWork], service_id: str = "oak-house") -> None:
    with factory() as uow:
        uow.services.add_provider(Provider(id="acme-care", name="Acme Care"))
        uow.services.add(Service(id=service_id, provider_id="acme-care", name="Oak House"))
        uow.commit()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'covoice.db'}"
    upgrade_database(url)
    return url


@pytest.fixture
def unit_of_work(database_url: str) -> Callable[[], UnitOfWork]:
    """A migrated SQLite store in a temporary folder with one service, oak-house."""
    factory = open_store(database_url)
    seed_service(factory)
    return factory


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Everything under tests/e2e starts real servers; `make test-fast` leaves it out.
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.e2e)

"""schemathesis against the dashboard API's own OpenAPI description, with a working token.

Generated requests, fitting the description and breaking it (filters, limits,
cursors), never meet a server error, and every answer matches what the
description declares.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bot.app import create_app
from cli.stack import free_port
from governance.dashboard_tokens import issue_token
from storage.models import utcnow
from storage.unit_of_work import UnitOfWork
from tests.action_rows import seed_actions
from tests.conftest import fixture_settings
from tests.dashboard_rows import seed_dashboard
from tests.safety_rows import seed_safety

EXAMPLES = 40


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_meet_no_server_error_and_match_the_description(
    tmp_path: Path,
    database_url: str,
    unit_of_work: Callable[[], UnitOfWork],
    mode: GenerationMode,
) -> None:
    with unit_of_work() as uow:
        seed_dashboard(uow)
        # Rows for every page's endpoint, so generated ids and filters can find some.
        seed_safety(uow, utcnow())
        seed_actions(uow)
        token = issue_token(uow, "test", "ada-admin", "schema test").raw
        uow.commit()
    app = create_app(
        fixture_settings(
            tmp_path, database_url=database_url, rasa_url=f"http://127.0.0.1:{free_port()}"
        )
    )
    # Started (its store opened) for the length of the test; schemathesis calls it in-process.
    with TestClient(app):
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)

        @given(case=schema.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def each(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"},
                # A filter's value is checked against what is stored (a question set no
                # answer names is a 400 that says so), which a description cannot list.
                excluded_checks=[positive_data_acceptance],
            )

        each()

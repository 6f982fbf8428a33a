"""Filtering responses by incident and by safeguarding flag, on the page and in the API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from covoice.settings import Settings
from governance.dashboard_tokens import issue_token
from storage.models import AlertStatus, InboundMessage, InboundStatus, SafeguardingAlert
from storage.unit_of_work import UnitOfWork
from tests.dashboard_rows import seed_dashboard
from tests.integration.governance_rows import add_conversation, add_response
from tests.integration.test_dashboard import settings, sign_in  # noqa: F401
from tests.safety_rows import _incident

NOW = datetime.now(timezone.utc)
AFTER_FALL = "They helped me up quickly and checked my hip"
FLAGGED_WORDS = "he grabs my arm hard when nobody is looking"


@pytest.fixture
def client_and_incident(
    settings: Settings,  # noqa: F811
    unit_of_work: Callable[[], UnitOfWork],
) -> Iterator[tuple[TestClient, int, str]]:
    with unit_of_work() as uow:
        seed_dashboard(uow, NOW - timedelta(hours=3))
        maria = uow.people.get_or_add("oak-house", "maria-oak")
        incident = _incident(uow, "oak-house", maria.id, "A fall in the garden", NOW)
        uow.session.flush()
        follow_up = add_conversation(uow, "conv-after-fall", "maria-oak", "oak-house")
        follow_up.incident_id = incident.id
        add_response(uow, follow_up, "explained", NOW, None, AFTER_FALL, ("safety",))
        # The follow-up answer carries the incident, as the check-in stores it.
        [answer] = uow.responses.for_conversation("conv-after-fall")
        answer.incident_id = incident.id
        told = add_conversation(uow, "conv-told", "maria-oak", "oak-house")
        add_response(uow, told, "staff_kind_more", NOW, None, FLAGGED_WORDS, ("safety",), "m-1")
        message = InboundMessage(
            sender_id="term:conv-told",
            message_id="m-1",
            channel="term",
            service_id="oak-house",
            conversation_id="conv-told",
            text=FLAGGED_WORDS,
            status=InboundStatus.answered,
        )
        uow.session.add(message)
        uow.session.flush()
        uow.session.add(
            SafeguardingAlert(
                status=AlertStatus.raised,
                category="abuse",
                confidence=0.9,
                words=FLAGGED_WORDS,
                channel="term",
                service_id="oak-house",
                person_id=maria.id,
                conversation_id="conv-told",
                inbound_message_id=message.id,
            )
        )
        token = issue_token(uow, "test", "mo-oak", "flags test").raw
        uow.commit()
        incident_id = incident.id
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client, incident_id, token


def test_a_manager_filters_by_incident_and_by_safeguarding_flag(
    client_and_incident: tuple[TestClient, int, str],
) -> None:
    client, incident_id, _ = client_and_incident
    sign_in(client, "mo-oak")
    every = client.get("/dashboard/responses")
    assert AFTER_FALL in every.text and FLAGGED_WORDS in every.text
    assert f"Incident {incident_id}: fall" in every.text  # offered in the filter
    for incident in ("any", str(incident_id)):
        about = client.get("/dashboard/responses", params={"incident": incident})
        assert about.status_code == 200 and "1 response " in about.text
        assert AFTER_FALL in about.text and FLAGGED_WORDS not in about.text
    other = client.get("/dashboard/responses", params={"incident": str(incident_id + 100)})
    assert "No responses" in other.text
    flagged = client.get("/dashboard/responses", params={"safeguarding": "flagged"})
    assert "1 response " in flagged.text
    assert FLAGGED_WORDS in flagged.text and AFTER_FALL not in flagged.text
    wrong = client.get("/dashboard/responses", params={"incident": "the fall"})
    assert wrong.status_code == 400 and "is not an incident" in wrong.text
    wrong = client.get("/dashboard/responses", params={"safeguarding": "yes"})
    assert wrong.status_code == 400 and "is not a safeguarding filter" in wrong.text


def test_the_api_takes_the_same_two_filters(
    client_and_incident: tuple[TestClient, int, str],
) -> None:
    client, incident_id, token = client_and_incident
    bearer = {"authorization": f"Bearer {token}"}
    about = client.get("/api/v1/responses", params={"incident": incident_id}, headers=bearer)
    assert about.status_code == 200
    assert [row["free_text"] for row in about.json()["rows"]] == [AFTER_FALL]
    assert about.json()["filter"]["incident"] == str(incident_id)
    flagged = client.get("/api/v1/responses", params={"safeguarding": "flagged"}, headers=bearer)
    assert [row["free_text"] for row in flagged.json()["rows"]] == [FLAGGED_WORDS]
    wrong = client.get("/api/v1/responses", params={"safeguarding": "maybe"}, headers=bearer)
    assert wrong.status_code == 400

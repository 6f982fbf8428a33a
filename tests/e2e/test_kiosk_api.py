"""The kiosk's JSON API through the real Rasa server and action server.

The page itself is driven in a real browser in test_kiosk_page.py; these tests
hold the API to its contract and its refusals.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.kiosk.tokens import issue, revoke
from checkin.question_sets import QuestionSet
from governance.people import add_person
from storage.models import Conversation, Provider, Response, Service
from storage.unit_of_work import UnitOfWork


@pytest.fixture(scope="module")
def kiosk_token(store: Callable[[], UnitOfWork]) -> str:
    with store() as uow:
        token, _ = issue(uow, "oak-house", "lounge tablet")
        uow.commit()
    return token


def _button(reply: dict[str, Any], label: str) -> str:
    [payload] = [b["payload"] for b in reply["buttons"] if b["label"] == label]
    return str(payload)


class Kiosk:
    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.token = token
        self.session = ""

    def start(self, role: str = "person", person: str | None = None) -> list[dict[str, Any]]:
        response = self.client.post(
            f"/kiosk/{self.token}/api/start", json={"role": role, "person": person}
        )
        assert response.status_code == 200, response.text
        self.session = response.json()["session"]
        replies: list[dict[str, Any]] = response.json()["replies"]
        return replies

    def tap(self, payload: str, message_id: str | None = None) -> list[dict[str, Any]]:
        response = self.client.post(
            f"/kiosk/{self.token}/api/say",
            json={
                "session": self.session,
                "text": payload,
                "message_id": message_id or str(uuid.uuid4()),
            },
        )
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()["replies"]
        return replies


def _responses(uow: UnitOfWork, conversation_id: str) -> list[Response]:
    return list(
        uow.session.scalars(select(Response).where(Response.conversation_id == conversation_id))
    )


def _conversation_of(uow: UnitOfWork, token: str) -> Conversation:
    prefix = token[1:11]
    return uow.session.scalars(
        select(Conversation)
        .where(Conversation.sender_id.startswith(f"kiosk:{prefix}:"))
        .order_by(Conversation.started_at.desc())
    ).first()  # type: ignore[return-value]


def test_the_page_is_served_with_a_strict_policy_and_an_unknown_token_starts_nothing(
    app_client: TestClient, kiosk_token: str
) -> None:
    page = app_client.get(f"/kiosk/{kiosk_token}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"

    unknown = app_client.get(f"/kiosk/k0123456789_{'x' * 43}")
    assert unknown.status_code == 404 and "text/html" in unknown.headers["content-type"]
    started = app_client.post(
        f"/kiosk/k0123456789_{'x' * 43}/api/start", json={"role": "person", "person": None}
    )
    assert started.status_code == 404 and started.json()["error"] == "unknown_kiosk"
    assert app_client.get("/kiosk-static/..%2Fapp.py").status_code == 404


def test_setup_gives_every_word_in_both_wordings_with_its_speech(
    app_client: TestClient, kiosk_token: str, tmp_path: Path
) -> None:
    setup = app_client.get(f"/kiosk/{kiosk_token}/api/setup").json()
    assert setup["service"] == "Oak House"
    assert setup["words"]["start"]["easy_read"] == "Fixture Start"
    assert [role["id"] for role in setup["roles"]] == ["person", "staff_supported", "family"]
    audio = app_client.get(setup["words"]["start"]["speech"]["easy_read"])
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
    assert _duration(audio.content, tmp_path) > 0.2


def test_a_whole_check_in_by_touch_is_stored_once_per_tap_as_the_kiosk_channel(
    app_client: TestClient,
    kiosk_token: str,
    store: Callable[[], UnitOfWork],
    checkin: QuestionSet,
) -> None:
    kiosk = Kiosk(app_client, kiosk_token)
    [consent] = kiosk.start(role="staff_supported")
    assert consent["kind"] == "consent" and consent["speech"]["easy_read"].endswith(".mp3")
    assert all(
        button["picture"] is None or button["picture"]["alt"] == "" for button in consent["buttons"]
    )

    question = kiosk.tap(_button(consent, "Yes, let's start"))[-1]
    assert question["question_id"] == "feel_safe"
    assert question["progress"] == {"position": 1, "total": len(checkin.spec.questions)}
    assert {p["src"].rsplit("/", 1)[-1] for p in question["pictograms"]} <= {
        "1F3E0.svg",
        "1F6E1.svg",
    }

    # A double tap: the same tap sent twice is stored once.
    tap = str(uuid.uuid4())
    first = kiosk.tap(_button(question, "Yes"), message_id=tap)
    again = kiosk.tap(_button(question, "Yes"), message_id=tap)
    assert first[-1]["question_id"] == again[-1]["question_id"] == "listened_to"

    with store() as uow:
        conversation = _conversation_of(uow, kiosk_token)
        stored = _responses(uow, conversation.id)
        assert conversation.channel == "kiosk"
        assert conversation.respondent_role == "staff_supported" and conversation.supported_by_staff
        assert [(r.question_id, r.answer_value) for r in stored] == [("feel_safe", "yes")]
        assert all(r.channel == "kiosk" for r in stored)


def test_a_person_chooses_themselves_only_from_their_own_service(
    app_client: TestClient, kiosk_token: str, store: Callable[[], UnitOfWork]
) -> None:
    with store() as uow:
        if uow.services.get("elm-court") is None:
            uow.services.add_provider(Provider(id="elm-care", name="Elm Care"))
            uow.services.add(Service(id="elm-court", provider_id="elm-care", name="Elm Court"))
        ours = add_person(uow, "oak-house", "Priya", ref="kiosk-priya")
        theirs = add_person(uow, "elm-court", "Sam", ref="kiosk-sam")
        uow.commit()

    people = app_client.get(f"/kiosk/{kiosk_token}/api/setup").json()["people"]
    assert {"key": str(ours.id), "name": "Priya", "initials": "P", "photo": None} in people
    assert all(person["name"] != "Sam" for person in people)

    refused = app_client.post(
        f"/kiosk/{kiosk_token}/api/start", json={"role": "person", "person": str(theirs.id)}
    )
    assert refused.status_code == 422 and refused.json()["error"] == "unknown_person"

    Kiosk(app_client, kiosk_token).start(person=str(ours.id))
    with store() as uow:
        conversation = _conversation_of(uow, kiosk_token)
        person = uow.people.get(conversation.person_id)
        assert person is not None and person.ref == "kiosk-priya"


def test_a_session_belongs_to_its_kiosk_and_a_revoked_kiosk_stops_at_once(
    app_client: TestClient, store: Callable[[], UnitOfWork]
) -> None:
    with store() as uow:
        (first, _), (second, listing) = issue(uow, "oak-house", "a"), issue(uow, "oak-house", "b")
        uow.commit()
    kiosk = Kiosk(app_client, first)
    [consent] = kiosk.start()

    borrowed = app_client.post(
        f"/kiosk/{second}/api/say",
        json={"session": kiosk.session, "text": "/greet", "message_id": str(uuid.uuid4())},
    )
    assert borrowed.status_code == 410 and borrowed.json()["error"] == "session_ended"

    with store() as uow:
        revoke(uow, first[1:11])
        uow.commit()
    gone = app_client.post(
        f"/kiosk/{first}/api/say",
        json={
            "session": kiosk.session,
            "text": _button(consent, "Yes, let's start"),
            "message_id": "x",
        },
    )
    assert gone.status_code == 404 and gone.json()["error"] == "unknown_kiosk"
    assert app_client.get(f"/kiosk/{second}").status_code == 200 and listing.revoked_at is None


def test_an_ended_session_is_refused_and_its_answers_are_kept(
    app_client: TestClient, kiosk_token: str, store: Callable[[], UnitOfWork]
) -> None:
    kiosk = Kiosk(app_client, kiosk_token)
    [consent] = kiosk.start()
    question = kiosk.tap(_button(consent, "Yes, let's start"))[-1]
    kiosk.tap(_button(question, "No"))
    ended = app_client.post(f"/kiosk/{kiosk_token}/api/end", json={"session": kiosk.session})
    assert ended.status_code == 204

    after = app_client.post(
        f"/kiosk/{kiosk_token}/api/say",
        json={"session": kiosk.session, "text": "/skip", "message_id": str(uuid.uuid4())},
    )
    assert after.status_code == 410
    with store() as uow:
        conversation = _conversation_of(uow, kiosk_token)
        assert [(r.question_id, r.answer_value) for r in _responses(uow, conversation.id)] == [
            ("feel_safe", "no")
        ]


def _duration(mp3: bytes, tmp_path: Path) -> float:
    audio = tmp_path / "prompt.mp3"
    audio.write_bytes(mp3)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(audio)],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return float(json.loads(probe.stdout)["format"]["duration"])

"""Trust at every seam, through the real stack: each server listens on loopback only,
and each refuses a caller without its secret, token or key, storing nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from cli.stack import Stack
from storage.models import Contact, Conversation, InboundMessage
from storage.unit_of_work import UnitOfWork
from tests.e2e.conftest import Chatter, bearer

WRONG = "a-secret-of-the-right-shape-but-wrong-0123456789"


def kept_for(store: Callable[[], UnitOfWork], sender_id: str) -> int:
    """How many inbox messages, contacts and conversations the store holds for a sender."""
    with store() as uow:
        return sum(
            uow.session.scalar(
                select(func.count()).select_from(table).where(table.sender_id == sender_id)
            )
            or 0
            for table in (InboundMessage, Contact, Conversation)
        )


def made_up_action_call(sender_id: str) -> dict[str, object]:
    """What Rasa would send to run the check-in action for a new person."""
    metadata = {"service": "oak-house", "person": "intruder", "channel": "test"}
    return {
        "next_action": "action_checkin_turn",
        "sender_id": sender_id,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender_id,
            "slots": {},
            "latest_message": {
                "text": "hello",
                "intent": {"name": "greet", "confidence": 1.0},
                "entities": [],
                "metadata": metadata,
            },
            "latest_event_time": 0,
            "followup_action": None,
            "paused": False,
            "events": [{"event": "user", "text": "hello", "metadata": metadata}],
            "latest_input_channel": "test",
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


@pytest.mark.parametrize("headers", [{}, bearer(WRONG), {"Authorization": WRONG}])
def test_the_action_server_runs_no_action_without_the_secret(
    stack: Stack, store: Callable[[], UnitOfWork], headers: dict[str, str]
) -> None:
    sender_id = "test:intruder"
    answer = httpx.post(
        stack.action_url, json=made_up_action_call(sender_id), headers=headers, timeout=10
    )
    assert answer.status_code == 401
    assert kept_for(store, sender_id) == 0
    listing = httpx.get(stack.action_url.replace("/webhook", "/actions"), timeout=10)
    assert listing.status_code == 401
    # Only its health check is open, for whoever needs to know it is up.
    assert httpx.get(stack.action_url.replace("/webhook", "/health")).status_code == 200


@pytest.mark.parametrize("headers", [{}, bearer(WRONG)])
def test_rasas_webhook_takes_no_message_without_the_token(
    stack: Stack, store: Callable[[], UnitOfWork], headers: dict[str, str]
) -> None:
    body = {"sender": "test:webhook-intruder", "message": "hello", "metadata": {}}
    answer = httpx.post(stack.rasa_webhook_url, json=body, headers=headers, timeout=30)
    assert answer.status_code == 401
    assert kept_for(store, "test:webhook-intruder") == 0
    # Rasa's own REST channel, which has no token, is not open at all.
    open_rest = httpx.post(f"{stack.settings.rasa_url}/webhooks/rest/webhook", json=body)
    assert open_rest.status_code == 404


def test_rasas_api_answers_only_with_the_token(stack: Stack) -> None:
    rasa = stack.settings.rasa_url
    assert httpx.post(f"{rasa}/model/parse", json={"text": "hello"}).status_code == 401
    assert httpx.get(f"{rasa}/status").status_code == 401
    token = {"token": stack.settings.rasa_api_token()}
    parsed = httpx.post(f"{rasa}/model/parse", params=token, json={"text": "hello"}, timeout=30)
    assert parsed.status_code == 200 and parsed.json()["intent"]["name"] == "greet"


def test_the_app_process_takes_no_message_without_a_key(
    stack: Stack, store: Callable[[], UnitOfWork]
) -> None:
    body = {"sender": "no-key", "text": "hello", "service": "oak-house"}
    for headers in ({}, bearer(WRONG)):
        answer = httpx.post(f"{stack.app_url}/api/chat", json=body, headers=headers, timeout=30)
        assert answer.status_code == 401
        assert answer.json()["error"] == "unauthorized"
    assert kept_for(store, "test:no-key") == 0


def test_a_whole_turn_with_a_key_goes_through_every_seam(
    stack: Stack, api_key: str, chatter: Chatter, store: Callable[[], UnitOfWork]
) -> None:
    body = {"sender": "with-key", "text": "hello", "service": "oak-house"}
    answer = httpx.post(f"{stack.app_url}/api/chat", json=body, headers=bearer(api_key), timeout=30)
    assert answer.status_code == 200
    assert answer.json()["replies"][-1]["kind"] == "consent"
    assert chatter.say("hello")[-1]["kind"] == "consent"
    with store() as uow:
        kept = uow.session.scalars(
            select(InboundMessage).where(InboundMessage.sender_id == "test:with-key")
        ).all()
    assert [(m.channel, m.status.value) for m in kept] == [("test", "answered")]


def test_every_server_listens_on_loopback_only(stack: Stack) -> None:
    ports = {stack.settings.rasa_port, stack.settings.action_port, stack.settings.app_port}
    listening = _listening_addresses()
    for port in ports:
        assert listening.get(port), f"nothing listens on {port}"
        assert listening[port] <= {"127.0.0.1", "::1"}, (port, listening[port])


def test_no_secret_is_on_a_command_line_or_in_a_log(stack: Stack, api_key: str) -> None:
    secrets = {
        "action secret": stack.settings.action_server_secret(),
        "Rasa token": stack.settings.rasa_api_token(),
        "API key": api_key,
    }
    for process in stack.processes:
        command_line = Path(f"/proc/{process.popen.pid}/cmdline").read_bytes().decode()
        for name, secret in secrets.items():
            assert secret not in command_line, f"the {name} is on the {process.name}'s command line"
    for log in stack.log_dir.glob("*.log"):
        text = log.read_text(errors="replace")
        for name, secret in secrets.items():
            assert secret not in text, f"the {name} is in {log.name}"


def _listening_addresses() -> dict[int, set[str]]:
    """The local addresses of listening TCP sockets, by port, from /proc/net."""
    found: dict[int, set[str]] = {}
    for table, decode in (("tcp", _ipv4), ("tcp6", _ipv6)):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port = fields[1].split(":")
            if fields[3] == "0A":  # LISTEN
                found.setdefault(int(port, 16), set()).add(decode(address))
    return found


def _ipv4(hex_address: str) -> str:
    # The kernel writes the address as one 32-bit number in host (little-endian) order.
    return ".".join(str(int(hex_address[i : i + 2], 16)) for i in (6, 4, 2, 0))


def _ipv6(hex_address: str) -> str:
    import ipaddress

    words = [bytes.fromhex(hex_address[i : i + 8])[::-1] for i in range(0, 32, 8)]
    return str(ipaddress.IPv6Address(b"".join(words)))

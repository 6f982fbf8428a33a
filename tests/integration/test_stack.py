"""The process supervisor's checks before it starts anything: ports, addresses, secrets."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from cli.stack import (
    Stack,
    StackError,
    exposure_warning,
    is_loopback,
    private_settings,
    settings_env,
)


def test_a_port_in_use_is_named_with_its_setting(tmp_path: Path) -> None:
    settings = private_settings(tmp_path, pseudonym_key="k")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", settings.rasa_port))
        taken.listen()
        with pytest.raises(StackError, match=f"Port {settings.rasa_port} .*COVOICE_RASA_PORT"):
            Stack(settings, log_dir=tmp_path).start_all(on_progress=lambda _: None)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_a_loopback_address_needs_no_warning(host: str) -> None:
    assert is_loopback(host) and exposure_warning("app", host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.4", "covoice.example.org"])
def test_any_other_address_is_announced_with_its_setting(host: str) -> None:
    warning = exposure_warning("action", host)
    assert warning is not None and not is_loopback(host)
    assert host in warning and "COVOICE_ACTION_BIND_HOST" in warning


def test_only_the_servers_opened_on_purpose_are_announced(tmp_path: Path) -> None:
    settings = private_settings(tmp_path, pseudonym_key="k").model_copy(
        update={"action_bind_host": "0.0.0.0"}
    )
    said: list[str] = []
    with socket.socket() as taken:  # a port in use stops the start before anything runs
        taken.bind(("127.0.0.1", settings.rasa_port))
        taken.listen()
        with pytest.raises(StackError):
            Stack(settings, log_dir=tmp_path).start_all(on_progress=said.append)
    assert [line for line in said if "WARNING" in line] == [exposure_warning("action", "0.0.0.0")]


def test_children_get_the_secrets_in_their_environment(tmp_path: Path) -> None:
    settings = private_settings(tmp_path, pseudonym_key="k")
    env = settings_env(settings)
    assert env["COVOICE_RASA_TOKEN"] == settings.rasa_api_token()
    assert env["COVOICE_ACTION_SECRET"] == settings.action_server_secret()
    # A second process on the same data folder agrees with the first.
    assert (
        settings_env(private_settings(tmp_path, pseudonym_key="k"))["COVOICE_RASA_TOKEN"]
        == (env["COVOICE_RASA_TOKEN"])
    )


def test_a_secret_file_others_can_read_stops_the_start_with_a_next_step(tmp_path: Path) -> None:
    settings = private_settings(tmp_path, pseudonym_key="k")
    settings.rasa_api_token()
    (tmp_path / "rasa_api.token").chmod(0o644)
    with pytest.raises(StackError, match="chmod 600"):
        Stack(settings, log_dir=tmp_path).start_all(on_progress=lambda _: None)

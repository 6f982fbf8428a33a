"""The process supervisor's checks before it starts anything."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from cli.stack import Stack, StackError, private_settings


def test_a_port_in_use_is_named_with_its_setting(tmp_path: Path) -> None:
    settings = private_settings(tmp_path, pseudonym_key="k")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", settings.rasa_port))
        taken.listen()
        with pytest.raises(StackError, match=f"Port {settings.rasa_port} .*COVOICE_RASA_PORT"):
            Stack(settings, log_dir=tmp_path).start_all(on_progress=lambda _: None)

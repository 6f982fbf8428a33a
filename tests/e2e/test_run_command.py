"""`covoice run` starts all three processes and Ctrl-C stops every one of them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from cli.stack import private_settings, settings_env


def test_run_starts_everything_and_ctrl_c_stops_it_all(tmp_path: Path) -> None:
    settings = private_settings(tmp_path, pseudonym_key="k")
    env = settings_env(settings) | {
        "COVOICE_RASA_PORT": str(settings.rasa_port),
        "COVOICE_ACTION_PORT": str(settings.action_port),
        "COVOICE_APP_PORT": str(settings.app_port),
    }
    run = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert run.stdout is not None
    seen = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        line = run.stdout.readline()
        seen.append(line)
        # The summary ends with how to stop; read up to there through this one reader.
        if "Press Ctrl-C to stop" in line or run.poll() is not None:
            break
    assert any("CoVoice is running" in line for line in seen), "".join(seen)
    assert any("Telegram:                  off (set TELEGRAM_BOT_TOKEN" in line for line in seen)
    health = httpx.get(f"http://127.0.0.1:{settings.app_port}/health").json()
    assert health == {"status": "ok", "rasa_ready": True}
    children = _children(run.pid)
    assert len(children) == 3

    run.send_signal(signal.SIGINT)
    rest, _ = run.communicate(timeout=60)
    assert run.returncode == 0
    assert "Stopped." in rest
    assert [pid for pid in children if _alive(pid)] == []


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its parent's wait is missing.
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"

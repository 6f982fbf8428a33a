"""Start and stop the three processes: Rasa server, action server, app.

`covoice run`, the end-to-end tests and the benchmark all start the stack
through this module, so they run the same commands. Each server listens on
the host its settings name (loopback by default) and the seams between them
carry secrets: Rasa presents the action secret to the action server, and the
app presents the Rasa token to Rasa's API and to its webhook.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import SecretStr

from bot.rasa_client import WEBHOOK_PATH, hide_tokens_in_httpx_logs
from covoice.settings import PROJECT_ROOT, ServerName, Settings, SettingsError

RASA_BIN = Path(os.environ.get("COVOICE_RASA_BIN", PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"))
# The interpreter beside `rasa`: it runs nlu/serve.py, which starts `rasa run`.
RASA_PYTHON = RASA_BIN.with_name("python")
MODEL_PATH = PROJECT_ROOT / "models" / "covoice.tar.gz"
NLU_DIR = PROJECT_ROOT / "nlu"
SERVER_NAMES: dict[ServerName, tuple[str, str]] = {
    "rasa": ("Rasa server", "COVOICE_RASA_BIND_HOST"),
    "action": ("action server", "COVOICE_ACTION_BIND_HOST"),
    "app": ("app", "COVOICE_APP_BIND_HOST"),
}


class StackError(Exception):
    """A process of the stack could not start."""


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    ready_url: str
    ready_params: dict[str, str] = field(default_factory=dict, repr=False)

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process the same settings and secrets.

    The secrets travel in the environment, which only the same user can read,
    never on a command line, which every user can see.

    Raises:
        SettingsError: a secret's file in the data folder is unusable.
    """
    env = dict(os.environ)
    # Every setting given a value travels; the ones below are resolved first.
    for name, value in settings:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value not in ("", None):
            env[f"COVOICE_{name.upper()}"] = str(value)
    env.update(
        {
            "COVOICE_DATABASE_URL": settings.resolved_database_url,
            "COVOICE_RASA_BIND_HOST": settings.host_for("rasa"),
            "COVOICE_ACTION_BIND_HOST": settings.host_for("action"),
            "COVOICE_APP_BIND_HOST": settings.host_for("app"),
            "COVOICE_ACTION_SECRET": settings.action_server_secret(),
            "COVOICE_RASA_TOKEN": settings.rasa_api_token(),
            # Always given, empty or not, so a TELEGRAM_BOT_TOKEN in the shell never
            # reaches a process started with other settings (a test's, a benchmark's).
            "COVOICE_TELEGRAM_BOT_TOKEN": settings.telegram_bot_token.get_secret_value(),
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@dataclass
class Stack:
    settings: Settings
    log_dir: Path
    model_path: Path = MODEL_PATH
    processes: list[Process] = field(default_factory=list)

    @property
    def action_url(self) -> str:
        return f"{self._local_url('action', self.settings.action_port)}/webhook"

    @property
    def app_url(self) -> str:
        return self._local_url("app", self.settings.app_port)

    @property
    def rasa_webhook_url(self) -> str:
        """Where the app posts messages to Rasa (it needs the Rasa token)."""
        return f"{self.settings.rasa_url}{WEBHOOK_PATH}"

    def start_action_server(self) -> Process:
        command = [sys.executable, "-m", "cli.action_server"]
        return self._start(
            "action server",
            command,
            f"{self._local_url('action', self.settings.action_port)}/health",
        )

    def start_rasa(self) -> Process:
        if not RASA_BIN.exists():
            raise StackError(f"Rasa is not installed at {RASA_BIN}. Run 'make setup' first.")
        if not self.model_path.exists():
            raise StackError(f"No trained model at {self.model_path}. Run 'make setup' first.")
        env = {
            "COVOICE_ACTION_URL": self.action_url,
            # Sanic logs each request's URL, query string included, when asked to.
            "SANIC_ACCESS_LOG": "false",
        }
        hide_tokens_in_httpx_logs()  # the readiness check sends the token in the query
        # nlu/serve.py adds --auth-token from COVOICE_RASA_TOKEN inside the process.
        command = [
            str(RASA_PYTHON),
            "-m",
            "nlu.serve",
            "run",
            "--enable-api",
            "--model",
            str(self.model_path),
            "--endpoints",
            str(NLU_DIR / "endpoints.yml"),
            "--credentials",
            str(NLU_DIR / "credentials.yml"),
            "--interface",
            self.settings.host_for("rasa"),
            "--port",
            str(self.settings.rasa_port),
        ]
        return self._start(
            "Rasa server",
            command,
            f"{self.settings.rasa_url}/status",
            extra_env=env,
            ready_params={"token": self.settings.rasa_api_token()},
        )

    def start_app(self) -> Process:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "bot.app:asgi_app",
            "--factory",
            "--host",
            self.settings.host_for("app"),
            "--port",
            str(self.settings.app_port),
            "--log-level",
            "warning",
            # No websockets: rasa-sdk pins websockets 10, which uvicorn's support cannot load.
            "--ws",
            "none",
        ]
        return self._start("app", command, f"{self.app_url}/health")

    def start_all(self, on_progress: Callable[[str], None] = print) -> None:
        """Start every process and wait until each answers.

        A server opened beyond this machine is announced first, with what
        protects it.
        """
        try:
            self.settings.action_server_secret()
            self.settings.rasa_api_token()
        except SettingsError as error:
            raise StackError(str(error)) from None
        for server in SERVER_NAMES:
            warning = exposure_warning(server, self.settings.host_for(server))
            if warning:
                on_progress(warning)
        for variable, port in (
            ("COVOICE_ACTION_PORT", self.settings.action_port),
            ("COVOICE_RASA_PORT", self.settings.rasa_port),
            ("COVOICE_APP_PORT", self.settings.app_port),
        ):
            if _in_use(port):
                raise StackError(
                    f"Port {port} is already in use. Is CoVoice already running? "
                    f"Stop it, or choose another port with {variable}."
                )
        for start in (self.start_action_server, self.start_rasa, self.start_app):
            process = start()
            on_progress(f"Starting the {process.name} (log: {process.log_path})")
        for process in self.processes:
            self.wait_ready(process, on_progress=on_progress)

    def wait_ready(
        self,
        process: Process,
        timeout_seconds: float = 240,
        on_progress: Callable[[str], None] = print,
    ) -> None:
        """Poll the process until it answers; raise with its log if it dies or never does."""
        started = time.monotonic()
        last_note = started
        while time.monotonic() - started < timeout_seconds:
            if process.popen.poll() is not None:
                raise StackError(
                    f"The {process.name} stopped (exit {process.popen.returncode}). "
                    f"Last lines of {process.log_path}:\n{process.log_tail()}"
                )
            if _answers(process.ready_url, process.ready_params):
                on_progress(f"The {process.name} is ready ({time.monotonic() - started:.0f} s)")
                return
            if time.monotonic() - last_note > 10:
                on_progress(f"  still waiting for the {process.name}…")
                last_note = time.monotonic()
            time.sleep(0.25)
        raise StackError(
            f"The {process.name} did not answer within {timeout_seconds:.0f} s. "
            f"Last lines of {process.log_path}:\n{process.log_tail()}"
        )

    def stop(self, name: str | None = None) -> None:
        """Stop one process by name, or all of them, newest first."""
        for process in reversed(list(self.processes)):
            if name is not None and process.name != name:
                continue
            _terminate(process.popen)
            self.processes.remove(process)

    def _local_url(self, server: ServerName, port: int) -> str:
        """How a process on this machine reaches ``server``."""
        return f"http://{connect_host(self.settings.host_for(server))}:{port}"

    def _start(
        self,
        name: str,
        command: list[str],
        ready_url: str,
        extra_env: dict[str, str] | None = None,
        ready_params: dict[str, str] | None = None,
    ) -> Process:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name.replace(' ', '-').lower()}.log"
        env = settings_env(self.settings) | (extra_env or {})
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Own process group: Ctrl-C reaches us, and we stop the children in order.
                start_new_session=True,
            )
        process = Process(name, popen, log_path, ready_url, ready_params or {})
        self.processes.append(process)
        return process


def is_loopback(host: str) -> bool:
    """Say whether ``host`` is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any interface


def connect_host(host: str) -> str:
    """The address to connect to a server that listens on ``host``."""
    if host in ("", "0.0.0.0", "::"):  # every interface, loopback included
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def exposure_warning(server: ServerName, host: str) -> str | None:
    """A warning for a server opened beyond this machine, or None on loopback.

    Args:
        server: Which server.
        host: The address it will listen on.

    Returns:
        The warning to show, naming the setting that opened it.
    """
    if is_loopback(host):
        return None
    name, variable = SERVER_NAMES[server]
    return (
        f"WARNING: the {name} will listen on {host}, so other machines can reach it "
        f"({variable} or COVOICE_BIND_HOST). Its secrets still guard it, but they cross "
        "the network in clear text: put it behind TLS and a firewall, or set "
        "127.0.0.1 to keep it on this machine."
    )


def free_port() -> int:
    """A TCP port on localhost that nothing listens on just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def private_settings(data_dir: Path, pseudonym_key: str) -> Settings:
    """Settings for a stack of its own (tests, benchmark): its own store and free ports."""
    rasa_port = free_port()
    return Settings(
        data_dir=data_dir,
        rasa_port=rasa_port,
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        action_port=free_port(),
        app_port=free_port(),
        pseudonym_key=pseudonym_key,
    )


def _in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _answers(url: str, params: dict[str, str]) -> bool:
    try:
        response = httpx.get(url, params=params, timeout=2)
    except httpx.HTTPError:
        return False
    if response.status_code != 200:
        return False
    if url.endswith("/status"):  # Rasa answers /status before its model is loaded
        return bool(response.json().get("model_file"))
    return True


def _terminate(popen: subprocess.Popen[bytes], grace_seconds: float = 15) -> None:
    if popen.poll() is not None:
        return
    try:
        os.killpg(popen.pid, signal.SIGTERM)
        popen.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(popen.pid, signal.SIGKILL)
        popen.wait()
    except ProcessLookupError:
        pass

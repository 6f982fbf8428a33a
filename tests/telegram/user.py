"""A person on Telegram, played by a test against the Bot API emulator.

`running_emulator()` starts tests/telegram/emulator.js on a free loopback port;
a bot built with ``base_url=emulator.bot_url`` and ``base_file_url=emulator.file_url``
talks to it as to Telegram. `TelegramUser` then sends what a person would (text,
commands, button presses, voice notes) and reads what the bot sent to their chat.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

import httpx

from covoice.settings import PROJECT_ROOT

EMULATOR_SCRIPT = PROJECT_ROOT / "tests" / "telegram" / "emulator.js"
NODE_PACKAGES = ("telegram-test-api", "multer")


class EmulatorUnavailable(RuntimeError):
    """The emulator cannot start on this machine."""


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class File:
    """A file in a message: a voice note, audio, a document or a photo."""

    file_id: str
    mime_type: str | None
    size: int | None
    duration: int | None = None


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent to the chat, as it stands now."""

    message_id: int
    text: str | None
    caption: str | None
    keyboard: tuple[tuple[Button, ...], ...]  # inline keyboard rows; empty when there is none
    voice: File | None
    audio: File | None
    document: File | None
    edited: bool  # seen before, and changed by an edit since
    raw: dict[str, Any]  # the message as the bot sent it (chat_id, text, reply_markup ...)

    def button(self, text: str) -> Button:
        for row in self.keyboard:
            for button in row:
                if button.text == text:
                    return button
        shown = [button.text for row in self.keyboard for button in row]
        raise LookupError(f"No button {text!r} on message {self.message_id}; it has {shown}")


class TelegramUser:
    """One person in a private chat with the bot whose token is ``token``.

    The chat's id is the person's id, as in Telegram's private chats.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        chat_id: int = 1,
        name: str = "Pat",
        *,
        timeout: float = 5.0,
    ) -> None:
        self.token = token
        self.chat_id = chat_id
        self.name = name
        self.timeout = timeout  # how long wait_for waits unless told
        self.person: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": name}
        self.chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": name}
        self._http = httpx.Client(base_url=base_url, timeout=10.0)
        self._unclaimed: list[BotMessage] = []  # fetched, not yet returned by wait_for

    def __enter__(self) -> TelegramUser:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def send(self, text: str) -> None:
        """Type and send ``text``."""
        self._post("/sendMessage", self._message(text=text))

    def command(self, name: str, args: str = "") -> None:
        """Send ``/name args``. It goes through /sendCommand, which marks it as a bot command."""
        command = "/" + name.lstrip("/")
        text = f"{command} {args}" if args else command
        entity = {"type": "bot_command", "offset": 0, "length": len(command)}
        self._post("/sendCommand", self._message(text=text, entities=[entity]))

    def press(self, message: BotMessage, button_text: str) -> None:
        """Press the inline button labelled ``button_text`` under ``message``."""
        button = message.button(button_text)
        if button.callback_data is None:
            raise ValueError(f"Button {button_text!r} opens a link; it sends nothing to the bot")
        shown: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": self.chat,
            "text": message.text,
        }
        if "reply_markup" in message.raw:
            shown["reply_markup"] = message.raw["reply_markup"]
        self._post(
            "/sendCallback",
            {
                "botToken": self.token,
                "from": self.person,
                "chat_instance": str(self.chat_id),
                "data": button.callback_data,
                "message": shown,
            },
        )

    def send_voice(self, ogg: bytes, duration: int = 1) -> str:
        """Record and send a voice note (OGG/Opus bytes); returns its file id."""
        uploaded = self._http.post("/clientUpload", files={"file": ("voice.ogg", ogg, "audio/ogg")})
        uploaded.raise_for_status()
        voice = uploaded.json()["result"] | {"duration": duration}
        self._post("/sendMessage", self._message(voice=voice))
        return str(voice["file_id"])

    def send_content(self, **content: Any) -> None:
        """Send any other kind of message as Telegram would deliver it (a sticker,
        a location, a contact ...), e.g. ``send_content(location={...})``."""
        self._post("/sendMessage", self._message(**content))

    def edit(self, message_id: int, text: str) -> None:
        """Edit the words of a message this person sent earlier."""
        self._post("/clientEdit", self._message(message_id=message_id, text=text))

    def updates(self) -> list[BotMessage]:
        """What the bot sent or edited in this chat since the last look, oldest first."""
        fetched = self._post("/getUpdates", {"token": self.token, "chatId": self.chat_id})
        new = [_bot_message(update) for update in fetched]
        found, self._unclaimed = self._unclaimed + new, []
        return found

    def wait_for(
        self, predicate: Callable[[BotMessage], bool] = lambda _: True, timeout: float | None = None
    ) -> BotMessage:
        """The first message from the bot that satisfies ``predicate``, waiting if need be.

        Messages passed over stay for later calls; the one returned does not.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            self._unclaimed = self.updates()
            for index, message in enumerate(self._unclaimed):
                if predicate(message):
                    return self._unclaimed.pop(index)
            if time.monotonic() > deadline:
                seen = [(m.message_id, m.text or m.caption) for m in self._unclaimed]
                raise TimeoutError(f"The bot sent nothing that matched; unclaimed: {seen}")
            time.sleep(0.02)

    def download(self, file_id: str) -> bytes:
        """The bytes of a file in the chat."""
        response = self._http.get(f"/clientFile/{file_id}")
        response.raise_for_status()
        return response.content

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "botToken": self.token,
            "from": self.person,
            "chat": self.chat,
            "date": int(time.time()),
            **content,
        }

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        response = self._http.post(path, json=body)
        response.raise_for_status()
        return response.json()["result"]


def _bot_message(update: dict[str, Any]) -> BotMessage:
    raw: dict[str, Any] = update["message"]
    markup = raw.get("reply_markup") or {}
    keyboard = tuple(
        tuple(
            Button(button["text"], button.get("callback_data"), button.get("url")) for button in row
        )
        for row in markup.get("inline_keyboard", [])
    )
    return BotMessage(
        message_id=int(update["messageId"]),
        text=raw.get("text"),
        caption=raw.get("caption"),
        keyboard=keyboard,
        voice=_file(raw.get("voice")),
        audio=_file(raw.get("audio")),
        document=_file(raw.get("document")),
        edited=bool(update.get("edited")),
        raw=raw,
    )


def _file(media: dict[str, Any] | None) -> File | None:
    if media is None:
        return None
    return File(
        media["file_id"], media.get("mime_type"), media.get("file_size"), media.get("duration")
    )


@dataclass(frozen=True)
class Emulator:
    url: str  # http://127.0.0.1:<port>

    @property
    def bot_url(self) -> str:
        """For the bot's ``base_url``: the bot's token follows it."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        """For the bot's ``base_file_url``."""
        return f"{self.url}/file/bot"

    def user(self, token: str, chat_id: int = 1, name: str = "Pat") -> TelegramUser:
        return TelegramUser(self.url, token, chat_id, name)

    def command_menu(self, token: str) -> dict[str, str]:
        """The bot's command menu: each command and what it says beside it."""
        menu = self._get(f"/clientCommands/{token}")
        return {item["command"]: item["description"] for item in menu}

    def throttle(self, token: str, method: str, times: int, retry_after: int) -> None:
        """Answer the bot's next ``times`` calls of ``method`` with 429 Too Many Requests."""
        body = {"botToken": token, "method": method, "times": times, "retry_after": retry_after}
        httpx.post(f"{self.url}/clientThrottle", json=body, timeout=5.0).raise_for_status()

    def throttled(self, token: str) -> int:
        """How many 429 answers the bot has been given."""
        return int(self._get(f"/clientThrottle/{token}"))

    def _get(self, path: str) -> Any:
        response = httpx.get(f"{self.url}{path}", timeout=5.0)
        response.raise_for_status()
        return response.json()["result"]


@contextmanager
def running_emulator(startup_timeout: float = 15.0) -> Iterator[Emulator]:
    """Start the emulator on a free loopback port, and stop it afterwards."""
    node = shutil.which("node")
    if node is None:
        raise EmulatorUnavailable(
            "The Telegram emulator needs Node.js: install it, then run make test."
        )
    missing = [p for p in NODE_PACKAGES if not (PROJECT_ROOT / "node_modules" / p).is_dir()]
    if missing:
        raise EmulatorUnavailable(
            f"node_modules lacks {', '.join(missing)} for the Telegram emulator: run make test."
        )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {"TELEGRAM_EMULATOR_HOST": "127.0.0.1", "TELEGRAM_EMULATOR_PORT": str(port)}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [node, str(EMULATOR_SCRIPT)],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(url, process, log, startup_timeout)
            yield Emulator(url)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(
    url: str, process: subprocess.Popen[bytes], log: IO[bytes], startup_timeout: float
) -> None:
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")
            raise EmulatorUnavailable(
                f"The Telegram emulator stopped at start (exit {process.returncode}):\n{output}"
            )
        try:
            if httpx.get(f"{url}/bot0:probe/getMe", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise EmulatorUnavailable(
        f"The Telegram emulator did not answer at {url} within {startup_timeout} s"
    )

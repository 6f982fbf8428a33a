"""A real SMTP server for the tests: aiosmtpd on a free loopback port, keeping what it accepts."""

from __future__ import annotations

import email
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from bot.mailer import Mailer, SmtpServer

SENDER = "covoice@oak.example"


class Inbox:
    """An aiosmtpd handler that keeps every message the server accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@dataclass
class Mailbox:
    """A local SMTP server on a free port; ``start`` again after ``stop`` to bring it back."""

    port: int
    inbox: Inbox = field(default_factory=Inbox)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def mailer(self) -> Mailer:
        return Mailer(SmtpServer("127.0.0.1", self.port, "none", "", "", SENDER, 5.0))

"""Email through an SMTP server, with the standard library, off the event loop."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal

from covoice.settings import Settings


@dataclass(frozen=True)
class SmtpServer:
    """Where mail goes and how CoVoice signs in; built from the ``smtp_*`` settings."""

    host: str
    port: int
    tls: Literal["starttls", "ssl", "none"]
    user: str
    password: str
    sender: str
    timeout_seconds: float = 20.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpServer | None:
        """The server in the settings, or None while email is off (no ``smtp_host``)."""
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            tls=settings.smtp_tls,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value(),
            sender=settings.smtp_from,
            timeout_seconds=settings.smtp_timeout_seconds,
        )


class Mailer:
    """Sends one plain-text email at a time; a refusal or a dead server raises."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def send(self, to: str, subject: str, body: str, message_id: str) -> None:
        """Hand one email to the server; smtplib blocks, so it runs in a thread.

        Args:
            to: the recipient's address.
            subject: the subject line.
            body: plain text.
            message_id: the same on every try, so a mail system can drop a repeat.

        Raises:
            OSError: the server cannot be reached (``smtplib.SMTPException`` is one).
        """
        message = EmailMessage()
        message["From"] = self.server.sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = message_id
        message.set_content(body)
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        server = self.server
        smtp: smtplib.SMTP
        if server.tls == "ssl":
            smtp = smtplib.SMTP_SSL(
                server.host,
                server.port,
                timeout=server.timeout_seconds,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout_seconds)
        with smtp:
            if server.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if server.user:
                smtp.login(server.user, server.password)
            smtp.send_message(message)

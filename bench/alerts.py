"""Benchmark: from a disclosure typed to the safeguarding lead being told.

Starts the Bot API emulator (tests/telegram/), a real SMTP server (aiosmtpd)
and its own stack with Telegram and email on, on free ports with a
throw-away store; the bench service has one lead with a Telegram chat and an
email address. Each of ``ALERTS`` people types a disclosure through
`/api/chat`, one after another; the clock runs from just before the message
is posted to

- the SMTP server accepting the notice (stamped by the server's handler), and
- the notice appearing in the lead's Telegram chat (the emulated lead looks
  every 20 ms).

The app that raised the alert wakes its notifier at once. Run with
`make bench`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from pydantic import SecretStr
from sqlalchemy import select

from bench.turns import SERVICE, prepare
from cli.stack import Stack, free_port, private_settings
from governance.leads import add_lead
from storage.models import Contact, SafeguardingAlert
from storage.unit_of_work import UnitOfWorkFactory
from tests.telegram.user import TelegramUser, running_emulator

ALERTS = 24
DISCLOSURE = "my carer hits me when nobody is looking"
LEAD_EMAIL = "lead@bench.example"
_ALERT_IN_EMAIL = re.compile(r"covoice alerts show (\d+)")
_ALERT_IN_NOTICE = re.compile(r"Alert (\d+),")


class StampedInbox:
    """An aiosmtpd handler that notes when it accepted each alert's notice."""

    def __init__(self) -> None:
        self.accepted: dict[int, float] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        found = _ALERT_IN_EMAIL.search(envelope.content.decode(errors="replace"))
        if found:
            self.accepted.setdefault(int(found[1]), time.perf_counter())
        return "250 Message accepted for delivery"


def disclose(client: httpx.Client, app_url: str, api_key: str, store: UnitOfWorkFactory) -> int:
    """One new person types a disclosure; returns the alert it raised."""
    sender = uuid.uuid4().hex[:12]
    response = client.post(
        f"{app_url}/api/chat",
        json={"sender": sender, "text": DISCLOSURE, "service": SERVICE},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    response.raise_for_status()
    with store() as uow:
        alert_id = uow.session.scalar(
            select(SafeguardingAlert.id)
            .join(Contact, Contact.id == SafeguardingAlert.contact_id)
            .where(Contact.sender_id == f"bench:{sender}")
        )
    if alert_id is None:
        raise RuntimeError("The disclosure raised no alert")
    return alert_id


def watch_telegram(lead: TelegramUser, wanted: int, timeout: float = 60.0) -> float:
    """When the notice of alert ``wanted`` reached the lead's chat."""
    lead.wait_for(
        lambda m: (
            (found := _ALERT_IN_NOTICE.search(m.text or "")) is not None and int(found[1]) == wanted
        ),
        timeout=timeout,
    )
    return time.perf_counter()


def wait_for_email(inbox: StampedInbox, alert_id: int, timeout: float = 60.0) -> float:
    deadline = time.monotonic() + timeout
    while alert_id not in inbox.accepted:
        if time.monotonic() > deadline:
            raise TimeoutError(f"No email for alert {alert_id} within {timeout} s")
        time.sleep(0.01)
    return inbox.accepted[alert_id]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, help="Markdown file to write the results to")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="covoice-alerts-bench-"))
    token = f"{uuid.uuid4().int % 10**9}:bench-{uuid.uuid4().hex}"
    base = private_settings(work, pseudonym_key="bench")
    store, api_key = prepare(base)
    inbox = StampedInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    to_email: list[float] = []
    to_telegram: list[float] = []
    try:
        with running_emulator() as emulator:
            settings = base.model_copy(
                update={
                    "telegram_bot_token": SecretStr(token),
                    "telegram_api_url": emulator.url,
                    "smtp_host": "127.0.0.1",
                    "smtp_port": smtp.port,
                    "smtp_tls": "none",
                    "smtp_from": "covoice@bench.example",
                }
            )
            lead = emulator.user(token, chat_id=uuid.uuid4().int % 10**9 + 1000, name="Lead")
            with store() as uow:
                add_lead(uow, "bench", SERVICE, "Bench Lead", str(lead.chat_id), LEAD_EMAIL)
                uow.commit()
            stack = Stack(settings, log_dir=work / "logs")
            try:
                stack.start_all(on_progress=lambda line: print(line, flush=True))
                with httpx.Client(timeout=120) as client:
                    disclose(client, stack.app_url, api_key, store)  # warm-up
                    for number in range(ALERTS):
                        started = time.perf_counter()
                        alert_id = disclose(client, stack.app_url, api_key, store)
                        told = watch_telegram(lead, alert_id)
                        emailed = wait_for_email(inbox, alert_id)
                        to_telegram.append(told - started)
                        to_email.append(emailed - started)
                        print(f"alert {number + 1} of {ALERTS}", flush=True)
            finally:
                stack.stop()
                lead.close()
    finally:
        smtp.stop()
        shutil.rmtree(work, ignore_errors=True)

    report = render(to_email, to_telegram)
    print(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")


def _percentile(times: list[float], percent: int) -> float:
    return statistics.quantiles(times, n=100)[percent - 1] * 1000


def render(to_email: list[float], to_telegram: list[float]) -> str:
    lines = [
        "# Benchmark: a disclosure reaching the safeguarding lead",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}. Reproduce with `make bench`.",
        "",
        f"{len(to_email)} disclosures typed through `/api/chat`, one after another, on a "
        "stack with Telegram (the Bot API emulator) and email (a local aiosmtpd server) on. "
        "Each time runs from just before the message is posted. The alert is kept before "
        "the person's reply and wakes the app's notifier at once, so the lead is told "
        "while the check-in's turn is still going on.",
        "",
        "| lead told by | p50 ms | p95 ms | slowest ms |",
        "|---|---:|---:|---:|",
    ]
    for name, times in (("email accepted by SMTP", to_email), ("Telegram notice", to_telegram)):
        lines.append(
            f"| {name} | {_percentile(times, 50):.0f} | {_percentile(times, 95):.0f} "
            f"| {max(times) * 1000:.0f} |"
        )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

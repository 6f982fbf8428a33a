"""Debian's Chromium under Playwright, as the kiosk's tests and benchmark drive it.

Never `playwright install`: the setup installs Debian's chromium package,
which runs headless without a sandbox here.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/lib/chromium/chromium")


def launch(playwright: Playwright) -> Browser:
    """Chromium as on a kiosk tablet, except that speech may play without a first touch."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )

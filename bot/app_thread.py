"""The app under uvicorn in a thread of this process: for browser tests and benchmarks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from bot.app import create_app
from covoice.settings import Settings


@contextmanager
def app_in_thread(settings: Settings, start_seconds: float = 20.0) -> Iterator[str]:
    """Serve the app on its settings' port for as long as the block runs; yields its address.

    Raises:
        RuntimeError: the app did not start within ``start_seconds``.
    """
    server = uvicorn.Server(
        # No websockets: rasa-sdk pins websockets 10, which uvicorn's support cannot load.
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=settings.app_port,
            log_level="warning",
            ws="none",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_seconds
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"The app did not start on port {settings.app_port}.")
        time.sleep(0.05)
    try:
        yield settings.app_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)

"""The one client that talks to the Rasa server's REST channel."""

from __future__ import annotations

from typing import Any

import httpx


class RasaUnavailable(Exception):
    """The Rasa server did not answer (not running, timed out, or an error)."""


class RasaClient:
    def __init__(self, base_url: str, timeout_seconds: float = 30.0) -> None:
        self.timeout_seconds = timeout_seconds
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds)

    async def send(
        self, sender_id: str, text: str, channel: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Post one message and return the bot's messages (possibly empty).

        Raises:
            RasaUnavailable: the server could not be reached or failed.
        """
        body = {
            "sender": sender_id,
            "message": text,
            "input_channel": channel,
            "metadata": metadata,
        }
        try:
            response = await self._http.post("/webhooks/rest/webhook", json=body)
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(str(error) or type(error).__name__) from error
        return answer if isinstance(answer, list) else []

    async def is_ready(self) -> bool:
        try:
            response = await self._http.get("/status", timeout=3)
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def aclose(self) -> None:
        await self._http.aclose()

"""The one client that talks to the Rasa server: its token-guarded channel and its API."""

from __future__ import annotations

import logging
from typing import Any

import httpx

# The app's channel into Rasa (nlu/bearer_rest.py): the REST channel behind a bearer token.
WEBHOOK_PATH = "/webhooks/bearer_rest/webhook"


class RasaUnavailable(Exception):
    """The Rasa server did not answer (not running, timed out, or an error)."""


class RasaRefused(RasaUnavailable):
    """The Rasa server refused the app's token: the two were given different ones."""


class _HideTokenInUrls(logging.Filter):
    """Keep the API token out of httpx's request log lines.

    Rasa's API takes its token only in the query string, and httpx logs
    each request's URL at INFO.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.copy_set_param("token", "hidden")
                if isinstance(arg, httpx.URL) and "token" in arg.params
                else arg
                for arg in record.args
            )
        return True


def hide_tokens_in_httpx_logs() -> None:
    """Make httpx's log lines show ``token=hidden`` in place of a token (once per process)."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _HideTokenInUrls) for f in httpx_logger.filters):
        httpx_logger.addFilter(_HideTokenInUrls())


class RasaClient:
    """Posts messages to Rasa and asks whether it is ready, presenting the Rasa token."""

    def __init__(self, base_url: str, token: str, timeout_seconds: float = 30.0) -> None:
        self.timeout_seconds = timeout_seconds
        self._token = token
        hide_tokens_in_httpx_logs()
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds)

    async def send(
        self, sender_id: str, text: str, channel: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Post one message and return the bot's messages (possibly empty).

        Raises:
            RasaRefused: Rasa refused the token (the app and Rasa disagree on it).
            RasaUnavailable: the server could not be reached or failed.
        """
        body = {
            "sender": sender_id,
            "message": text,
            "input_channel": channel,
            "metadata": metadata,
        }
        try:
            response = await self._http.post(
                WEBHOOK_PATH, json=body, headers={"Authorization": f"Bearer {self._token}"}
            )
            if response.status_code == 401:
                raise RasaRefused(
                    "Rasa refused the app's token: give both the same COVOICE_RASA_TOKEN "
                    "(or the same COVOICE_DATA_DIR)"
                )
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(str(error) or type(error).__name__) from error
        return answer if isinstance(answer, list) else []

    async def parse(self, text: str) -> dict[str, Any]:
        """Ask Rasa's NLU alone what ``text`` means: its intent, ranking and entities.

        Raises:
            RasaRefused: Rasa refused the token.
            RasaUnavailable: the server could not be reached, failed, or answered no object.
        """
        try:
            # Rasa's API reads its token from the query string only.
            response = await self._http.post(
                "/model/parse", params={"token": self._token}, json={"text": text}
            )
            if response.status_code == 401:
                raise RasaRefused(
                    "Rasa refused the token: give both the same COVOICE_RASA_TOKEN "
                    "(or the same COVOICE_DATA_DIR)"
                )
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(str(error) or type(error).__name__) from error
        if not isinstance(answer, dict):
            raise RasaUnavailable("Rasa's /model/parse answered something other than an object")
        return answer

    async def is_ready(self) -> bool:
        """Say whether Rasa answers, accepts the token and has loaded its model."""
        try:
            # Rasa's API reads its token from the query string only.
            response = await self._http.get("/status", params={"token": self._token}, timeout=3)
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def aclose(self) -> None:
        await self._http.aclose()

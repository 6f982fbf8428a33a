"""Rasa's REST channel, open only to a caller that presents the Rasa token.

Rasa's ``--auth-token`` guards its HTTP API but not its input channels, so
the plain ``rest`` channel would let anyone who reaches the port talk as any
sender. This channel is the same, at ``/webhooks/bearer_rest/webhook``, but
answers 401 unless the request carries ``Authorization: Bearer <token>``.

Rasa loads this module itself (see ``credentials.yml``), so it imports Rasa
and the standard library only.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

# Rasa reads the token from credentials.yml, where ${COVOICE_RASA_TOKEN} is
# filled from the environment; shorter means it was not set.
MIN_TOKEN_LENGTH = 24


class BearerRestInput(RestInput):
    """The REST channel behind a bearer token."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()

    @classmethod
    def name(cls) -> str:
        return "bearer_rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        token = str((credentials or {}).get("token") or "")
        if len(token) < MIN_TOKEN_LENGTH:
            # Refuse to start open rather than run without the token.
            raise RasaException(
                "The bearer_rest channel needs a token of at least "
                f"{MIN_TOKEN_LENGTH} characters in credentials.yml (COVOICE_RASA_TOKEN)."
            )
        return cls(token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        channel = super().blueprint(on_new_message)

        # Blueprint middleware runs only for this channel's routes, before them.
        @channel.on_request
        async def require_token(request: Request) -> HTTPResponse | None:
            if self.presents_token(request.headers.get("Authorization")):
                return None
            return response.json(
                {"error": "This channel needs the Rasa token as a bearer token."},
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )

        return channel

    def presents_token(self, authorization: str | None) -> bool:
        """Say whether an Authorization header carries this channel's token.

        The comparison takes the same time however much of the token is right.
        """
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(presented.strip().encode(), self._token)

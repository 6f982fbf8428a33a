"""The action server: rasa-sdk's app with our actions, our bind address and a shared secret.

rasa-sdk's own command listens on every interface and lets anyone run an
action. Started from here it listens where the settings say (loopback by
default) and runs an action only for a caller that presents the shared secret
that Rasa sends from `nlu/endpoints.yml`.
"""

from __future__ import annotations

import hmac
import logging
import sys

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cli.stack import exposure_warning
from covoice.settings import SettingsError, load_settings

logger = logging.getLogger(__name__)

ACTIONS_PACKAGE = "actions"
# Load balancers and the stack may ask whether the server is up without the secret.
OPEN_PATHS = frozenset({"/health"})


def bearer_matches(authorization: str | None, secret: str) -> bool:
    """Say whether an Authorization header carries ``secret`` as a bearer token.

    The comparison takes the same time however much of the secret is right.

    Args:
        authorization: The header's value, if the request had one.
        secret: The shared secret.

    Returns:
        True only for ``Bearer <secret>``.
    """
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), secret.encode())


def create_action_app(secret: str) -> Sanic:
    """Build rasa-sdk's app with our actions behind the shared secret.

    Args:
        secret: What Rasa must present as ``Authorization: Bearer <secret>``.

    Returns:
        The Sanic app, not yet running.
    """
    from rasa_sdk.endpoint import create_app

    # No CORS origins: only Rasa calls this server, never a browser.
    app = create_app(ACTIONS_PACKAGE, cors_origins="")

    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or bearer_matches(
            request.headers.get("Authorization"), secret
        ):
            return None
        # Refused before the body is taken as a tracker, so no action runs.
        return response.json(
            {"error": "The action server needs the shared secret from Rasa's endpoints."},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    app.register_middleware(require_secret, "request")
    return app


def main() -> None:
    """Start the action server on the configured host and port."""
    from rasa_sdk import utils

    try:
        settings = load_settings()
        secret = settings.action_server_secret()
    except SettingsError as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from None
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    host = settings.host_for("action")
    warning = exposure_warning("action", host)
    if warning:
        logger.warning(warning)
    app = create_action_app(secret)
    logger.info("The action server listens on %s:%s", host, settings.action_port)
    app.run(host, settings.action_port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()

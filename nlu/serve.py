"""Start ``rasa run`` with the API token from the environment.

Rasa takes its API token only as ``--auth-token`` on the command line, and
every user of the machine can read a process's command line. Started as
``python -m nlu.serve run ...`` from the stack, this adds the token from
``COVOICE_RASA_TOKEN`` inside the process instead, then runs Rasa's own
command. It also checks action server replies with a schema validator built
once (see check_action_results_with_one_validator). It imports Rasa, Rasa's
own dependencies and the standard library only.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run Rasa's command line with ``--auth-token`` taken from the environment."""
    token = os.environ.get("COVOICE_RASA_TOKEN", "")
    if not token:
        sys.exit("COVOICE_RASA_TOKEN is not set: the Rasa server will not run without a token.")
    # Rasa reads sys.argv itself; a changed sys.argv never reaches /proc/<pid>/cmdline.
    sys.argv = ["rasa", *sys.argv[1:2], "--auth-token", token, *sys.argv[2:]]
    check_action_results_with_one_validator()
    from rasa.__main__ import main as rasa_main

    rasa_main()


def check_action_results_with_one_validator() -> None:
    """Check each action server reply against a schema validator built once.

    Rasa 3.6 calls ``jsonschema.validate`` on every reply, which checks the
    constant schema itself again each time before checking the reply: measured
    here, about 30 ms of Rasa's CPU a turn, over half of it. The reply is still
    checked, with the same schema and the same error.
    """
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator = validator_for(schema)(schema)
    check_with_message = RemoteAction._validate_action_result

    def validate_action_result(self: RemoteAction, result: dict) -> bool:  # type: ignore[type-arg]
        # A reply that fails goes through Rasa's own check, for Rasa's own error.
        return bool(validator.is_valid(result) or check_with_message(self, result))

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


if __name__ == "__main__":
    main()

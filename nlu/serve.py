"""Start ``rasa run`` with the API token from the environment.

Rasa takes its API token only as ``--auth-token`` on the command line, and
every user of the machine can read a process's command line. Started as
``python -m nlu.serve run ...`` from the stack, this adds the token from
``COVOICE_RASA_TOKEN`` inside the process instead, then runs Rasa's own
command. It imports Rasa and the standard library only.
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
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()

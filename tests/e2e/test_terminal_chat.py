"""`covoice chat` in a terminal, through the real Rasa server and action server."""

from __future__ import annotations

import subprocess
import sys

from cli.stack import Stack, settings_env


def test_a_person_answers_by_number_and_by_typing(stack: Stack) -> None:
    # After the story, "1" carries on if the screener heard possible harm in it,
    # or answers the next question if it did not: either way the next question shows.
    typed = "1\n1\nsay that again\nno\nthey talk over me\n1\nquit\n"
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "chat", "--service", "oak-house", "--easy-read"],
        input=typed,
        env=settings_env(stack.settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    screen = result.stdout
    # Consent, then the first question in its easy-read wording, with numbered pictures.
    assert "[1] 👍 Yes, let's start   [2] 👎 No, thank you" in screen
    assert screen.count("🏠 🛡️  Do you feel safe at home?") == 1
    assert "[1] 👍 Yes   [2] 👎 No   [3] 🤷 Not sure" in screen
    assert screen.count("👂  Do staff listen to you?") == 2  # asked, then repeated
    assert "When do staff not listen?" in screen  # tell me more after "no"
    assert "Are the staff nice to you?" in screen
    assert screen.rstrip().endswith("Goodbye.")
    assert "Traceback" not in screen + result.stderr

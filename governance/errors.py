"""The governance layer's own errors; the command line turns them into a message."""

from __future__ import annotations


class GovernanceError(Exception):
    """A reader or an export refused to go on; the message says what to do next."""

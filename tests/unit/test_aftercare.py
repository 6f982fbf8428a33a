"""Who answers which follow-up after an incident."""

from __future__ import annotations

import pytest

from checkin.aftercare import audience_of
from storage.models import FollowUpAudience


@pytest.mark.parametrize(
    ("role", "audience"),
    [
        ("person", FollowUpAudience.person),
        ("staff_supported", FollowUpAudience.person),
        ("family", FollowUpAudience.family),
        ("advocate", None),  # sent neither, so answers neither
    ],
)
def test_each_role_answers_the_follow_up_it_is_sent(
    role: str, audience: FollowUpAudience | None
) -> None:
    assert audience_of(role) == audience

"""Dashboard sessions expire, and the sign-in limit forgets failures after its window."""

from __future__ import annotations

from bot.dashboard.sessions import DashboardSessions, LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_ends_after_it_is_left_unused_or_has_lasted_its_lifetime() -> None:
    clock = Clock()
    sessions = DashboardSessions(idle_seconds=60, lifetime_seconds=150, clock=clock)
    token = sessions.start(7, "hash")
    clock.now += 50
    assert sessions.find(token) is not None
    clock.now += 50
    assert sessions.find(token) is not None  # used 50 s ago: still open
    clock.now += 55
    assert sessions.find(token) is None  # 155 s in all
    idle = sessions.start(7, "hash")
    clock.now += 61
    assert sessions.find(idle) is None
    assert sessions.find("made-up") is None and sessions.find(None) is None


def test_a_session_knows_when_the_password_has_changed() -> None:
    sessions = DashboardSessions()
    session = sessions.find(sessions.start(7, "old hash"))
    assert session is not None
    assert sessions.still_valid_for(session, "old hash")
    assert not sessions.still_valid_for(session, "new hash")


def test_failures_block_a_username_and_an_address_until_the_window_passes() -> None:
    clock = Clock()
    throttle = LoginThrottle(attempts=3, window_seconds=900, clock=clock)
    for _ in range(3):
        assert not throttle.blocked("Mo", "10.0.0.1")
        throttle.failed("Mo", "10.0.0.1")
    assert throttle.blocked("mo", "10.0.0.2")  # the username, whatever the address
    assert throttle.blocked("ann", "10.0.0.1")  # the address, whatever the username
    assert not throttle.blocked("ann", "10.0.0.2")
    clock.now += 901
    assert not throttle.blocked("mo", "10.0.0.1")


def test_real_names_stay_on_for_their_time_only_and_can_be_hidden_sooner() -> None:
    clock = Clock()
    sessions = DashboardSessions(clock=clock)
    session = sessions.find(sessions.start(7, "hash"))
    assert session is not None
    assert sessions.names_reason(session) is None
    sessions.show_names(session, "safeguarding referral for alert 12", 15 * 60)
    clock.now += 14 * 60
    assert sessions.names_reason(session) == "safeguarding referral for alert 12"
    assert sessions.names_left(session) == 60
    clock.now += 61
    assert sessions.names_reason(session) is None and sessions.names_left(session) == 0
    sessions.show_names(session, "checking the incident record", 15 * 60)
    sessions.hide_names(session)
    assert sessions.names_reason(session) is None

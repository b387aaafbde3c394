"""When a counselor's login ends on its own: idle time and maximum age (trustcare/sign_out.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from trustcare.practice_settings import PracticeSettings
from trustcare.sign_out import IDLE, MAX_AGE, login_end_reason, sign_out_message

START = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
DEFAULTS = PracticeSettings()  # 15 idle minutes, 12 hours at most


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


@pytest.mark.parametrize(
    ("last_seen", "now", "expected"),
    [
        (None, START + minutes(14.9), None),
        (None, START + minutes(15), IDLE),
        (START + minutes(10), START + minutes(24), None),
        (START + minutes(10), START + minutes(25), IDLE),
        # Activity keeps it open up to the maximum age, and not a moment longer.
        (
            START + dt.timedelta(hours=11, minutes=59),
            START + dt.timedelta(hours=11, minutes=59, seconds=30),
            None,
        ),
        (START + dt.timedelta(hours=11, minutes=59), START + dt.timedelta(hours=12), MAX_AGE),
        # Idle and too old at once: the age is the reason given.
        (START, START + dt.timedelta(hours=13), MAX_AGE),
    ],
)
def test_a_login_ends_after_the_idle_time_or_at_its_maximum_age(last_seen, now, expected):
    assert login_end_reason(START, last_seen, now, DEFAULTS) == expected


def test_the_practice_sets_both_limits():
    settings = PracticeSettings(idle_minutes=30, max_login_hours=2)
    assert login_end_reason(START, START, START + minutes(29), settings) is None
    assert login_end_reason(START, START, START + minutes(30), settings) == IDLE
    assert login_end_reason(START, START + minutes(110), START + minutes(120), settings) == MAX_AGE


def test_a_last_run_recorded_before_the_start_counts_from_the_start():
    """A clock step backwards between two servers never makes a fresh login look idle."""
    assert login_end_reason(START, START - minutes(60), START + minutes(1), DEFAULTS) is None


def test_the_sign_in_page_says_why_in_the_practices_own_numbers():
    assert sign_out_message(IDLE, DEFAULTS).startswith(
        "You were signed out after 15 minutes without activity."
    )
    assert "at most 12 hours" in sign_out_message(MAX_AGE, DEFAULTS)
    assert "at most 1 hour." in sign_out_message(MAX_AGE, PracticeSettings(max_login_hours=1))

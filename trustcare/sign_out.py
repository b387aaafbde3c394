"""Automatic sign-out: when a counselor's login ends on its own (HIPAA 164.312(a)(2)(iii)).

A pure module: the policy is decided from the login's times and the practice's settings, so
the router, the services and the tests share one rule and no clock is read here.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from trustcare.practice_settings import PracticeSettings

# Why a login ended without the counselor signing out, as stored in `login.end_reason`.
IDLE = "idle"
MAX_AGE = "max_age"
EndReason = Literal["idle", "max_age"]


def login_end_reason(
    started_at: dt.datetime,
    last_seen_at: dt.datetime | None,
    now: dt.datetime,
    settings: PracticeSettings,
) -> EndReason | None:
    """Why a login must end at `now`, or None while it may go on.

    `last_seen_at` is the last page run before this one (None: none since sign-in). The
    maximum age wins over idleness: it holds whatever the counselor did.
    """
    if now >= started_at + dt.timedelta(hours=settings.max_login_hours):
        return MAX_AGE
    seen = max(started_at, last_seen_at) if last_seen_at is not None else started_at
    if now >= seen + dt.timedelta(minutes=settings.idle_minutes):
        return IDLE
    return None


def sign_out_message(reason: str, settings: PracticeSettings) -> str:
    """What the sign-in page says on the next click after the login ended on its own."""
    if reason == MAX_AGE:
        hours = settings.max_login_hours
        return (
            f"You were signed out because a sign-in lasts at most {hours} "
            f"hour{'s' if hours != 1 else ''}. {_AGAIN}"
        )
    return f"You were signed out after {settings.idle_minutes} minutes without activity. {_AGAIN}"


_AGAIN = "Sign in again to go on: notes you had not saved yet are kept."

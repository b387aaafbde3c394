"""Where a moment falls on a couple's timeline: its UTC day and its session number.

Pure: no Streamlit, no database (tested as such in tests/unit).
"""

from __future__ import annotations

import bisect
import datetime as dt


def session_numbers(days: list[dt.date], sessions: list[tuple[int, dt.date]]) -> list[int]:
    """For each day, the number of the latest session held on or before it (0 = none)."""
    held = sorted((held_on, number) for number, held_on in sessions)
    held_days = [held_on for held_on, _ in held]
    numbers = []
    for day in days:
        before = bisect.bisect_right(held_days, day)
        numbers.append(held[before - 1][1] if before else 0)
    return numbers


def utc_day(moment: dt.datetime) -> dt.date:
    """The UTC calendar day of a stored time (SQLite hands back naive UTC times)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date()

"""Which session a check-in or an assignment belongs to: the latest one held on or before it."""

from __future__ import annotations

import datetime as dt

from trustcare.timeline import session_numbers, utc_day

MARCH = [(1, dt.date(2025, 3, 3)), (3, dt.date(2025, 3, 17)), (2, dt.date(2025, 3, 10))]


def test_a_day_belongs_to_the_latest_session_held_on_or_before_it():
    days = [dt.date(2025, 3, d) for d in (1, 3, 9, 10, 16, 17, 30)]
    assert session_numbers(days, MARCH) == [0, 1, 1, 2, 2, 3, 3]


def test_without_sessions_every_day_is_before_the_first():
    assert session_numbers([dt.date(2025, 3, 3)], []) == [0]
    assert session_numbers([], MARCH) == []


def test_two_sessions_on_one_day_count_as_the_later_one():
    same_day = [(1, dt.date(2025, 3, 3)), (2, dt.date(2025, 3, 3))]
    assert session_numbers([dt.date(2025, 3, 3)], same_day) == [2]


def test_the_day_is_the_utc_day_whatever_the_stored_zone():
    late_in_new_york = dt.datetime(2025, 3, 9, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert utc_day(late_in_new_york) == dt.date(2025, 3, 10)
    assert utc_day(dt.datetime(2025, 3, 9, 23, 59)) == dt.date(2025, 3, 9)  # naive means UTC

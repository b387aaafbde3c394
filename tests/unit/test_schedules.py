"""Schedule rules: due windows, reminders, daylight-saving changes, pause and stop."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from trustcare.schedules import (
    CheckinSchedule,
    ScheduleError,
    answered,
    completion,
    due_and_not_done,
    next_session,
    open_window,
    practice_zone,
    reminder_due,
    sessions_from,
    windows,
)

BERLIN = practice_zone("Europe/Berlin")
NEW_YORK = practice_zone("America/New_York")
UTC = dt.UTC


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


FORTNIGHTLY_TUESDAY = CheckinSchedule(kind="every_weeks", every_weeks=2, weekday=1)


def test_every_two_weeks_on_tuesday_opens_at_nine_local_and_closes_four_days_later():
    found = windows(FORTNIGHTLY_TUESDAY, BERLIN, dt.date(2026, 1, 1), utc(2026, 2, 1))
    assert [w.key for w in found] == ["2026-01-06", "2026-01-20"]
    first = found[0]
    assert first.opens_at == utc(2026, 1, 6, 8)  # 9:00 in Berlin in winter
    assert first.closes_at == utc(2026, 1, 10, 8)
    assert first.remind_at == utc(2026, 1, 8, 8)


def test_nine_oclock_stays_nine_oclock_across_both_daylight_saving_changes():
    weekly = CheckinSchedule(kind="every_weeks", every_weeks=1, weekday=0)
    found = windows(weekly, BERLIN, dt.date(2026, 3, 1), utc(2026, 11, 30))
    local_hours = {w.opens_at.astimezone(BERLIN).hour for w in found}
    assert local_hours == {9}
    offsets = {w.opens_at.astimezone(BERLIN).utcoffset() for w in found}
    assert offsets == {dt.timedelta(hours=1), dt.timedelta(hours=2)}


def test_a_window_across_the_spring_change_is_four_local_days_long():
    # New York springs forward on Sunday 2026-03-08.
    schedule = CheckinSchedule(kind="every_weeks", weekday=4)  # Friday
    window = windows(schedule, NEW_YORK, dt.date(2026, 3, 6), utc(2026, 3, 7))[0]
    assert window.closes_at - window.opens_at == dt.timedelta(days=4, hours=-1)
    assert window.closes_at.astimezone(NEW_YORK).hour == 9


def test_a_wall_time_skipped_by_spring_forward_comes_out_an_hour_later():
    at_half_past_two = CheckinSchedule(
        kind="every_weeks", weekday=6, local_time=dt.time(2, 30), every_weeks=1
    )
    window = windows(at_half_past_two, BERLIN, dt.date(2026, 3, 29), utc(2026, 3, 30))[0]
    assert window.opens_at.astimezone(BERLIN).time() == dt.time(3, 30)


def test_before_each_session_closes_when_the_session_starts():
    schedule = CheckinSchedule(kind="before_session", days_before=2, window_days=4)
    session = utc(2026, 5, 14, 15)  # Thursday 17:00 in Berlin
    window = windows(schedule, BERLIN, dt.date(2026, 5, 1), utc(2026, 6, 1), [session])[0]
    assert window.key == "2026-05-12"
    assert window.closes_at == session
    assert window.remind_at == utc(2026, 5, 14, 7)


def test_after_each_session_opens_the_next_day():
    schedule = CheckinSchedule(kind="after_session")
    found = windows(
        schedule, BERLIN, dt.date(2026, 5, 1), utc(2026, 6, 1), [utc(2026, 5, 14, 15)]
    )
    assert [w.key for w in found] == ["2026-05-15"]


def test_sessions_closer_than_a_window_never_make_overlapping_windows():
    schedule = CheckinSchedule(kind="after_session", window_days=7, reminder_day=5)
    sessions = [utc(2026, 5, 4, 15), utc(2026, 5, 7, 15)]
    first, second = windows(schedule, BERLIN, dt.date(2026, 5, 1), utc(2026, 6, 1), sessions)
    assert first.closes_at == second.opens_at
    assert first.remind_at is None  # its reminder day fell after the next window opened


def test_nothing_is_due_before_the_schedule_began_or_when_it_is_off():
    assert windows(CheckinSchedule(), BERLIN, dt.date(2026, 1, 1), utc(2027, 1, 1)) == []
    sessions = [utc(2026, 1, 5, 15)]
    schedule = CheckinSchedule(kind="after_session")
    assert windows(schedule, BERLIN, dt.date(2026, 2, 1), utc(2026, 3, 1), sessions) == []


def test_a_reminder_must_come_before_the_window_closes():
    with pytest.raises(ValidationError):
        CheckinSchedule(kind="every_weeks", window_days=2, reminder_day=2)


def test_an_unknown_time_zone_says_what_to_fix():
    with pytest.raises(ScheduleError, match="Europe/Berlin"):
        practice_zone("Mars/Olympus")


def test_reminder_due_only_inside_the_window_after_its_time_and_when_unanswered():
    window = windows(FORTNIGHTLY_TUESDAY, BERLIN, dt.date(2026, 1, 1), utc(2026, 1, 7))[0]
    at = window.remind_at
    assert not reminder_due(window, [], at - dt.timedelta(seconds=1), paused=False, stopped=False)
    assert reminder_due(window, [], at, paused=False, stopped=False)
    assert not reminder_due(window, [], window.closes_at, paused=False, stopped=False)
    assert not reminder_due(window, [at], at, paused=False, stopped=False)
    assert not reminder_due(window, [], at, paused=True, stopped=False)
    assert not reminder_due(window, [], at, paused=False, stopped=True)
    silent = CheckinSchedule(kind="every_weeks", reminder_day=0)
    quiet = windows(silent, BERLIN, dt.date(2026, 1, 1), utc(2026, 1, 7))[0]
    assert not reminder_due(quiet, [], quiet.opens_at, paused=False, stopped=False)


def test_completion_counts_closed_windows_only_over_the_last_eight():
    weekly = CheckinSchedule(kind="every_weeks", every_weeks=1, weekday=1)
    found = windows(weekly, BERLIN, dt.date(2026, 1, 1), utc(2026, 4, 1))
    now = found[-1].opens_at + dt.timedelta(hours=1)  # the last window is open
    answered_at = [w.opens_at + dt.timedelta(hours=2) for w in found[-5:-1]]
    result = completion(found, answered_at, now)
    assert (result.received, result.due) == (4, 8)
    assert result.describe() == "4 of 8 (50%)"
    assert completion([], [], now).describe() == "nothing due yet"
    assert open_window(found, now) == found[-1]


def test_due_and_not_done_counts_the_unanswered_windows_in_a_row():
    weekly = CheckinSchedule(kind="every_weeks", every_weeks=1, weekday=1)
    found = windows(weekly, BERLIN, dt.date(2026, 1, 1), utc(2026, 2, 1))
    now = utc(2026, 2, 1)
    first_answered = [found[0].opens_at]
    assert due_and_not_done(found, first_answered, now) == len(found) - 1
    last_answered = [found[-1].opens_at]
    assert due_and_not_done(found, last_answered, now) == 0


def test_a_weekly_appointment_keeps_its_local_time_and_rolls_forward():
    first = utc(2026, 3, 19, 16)  # Thursday 17:00 in Berlin, winter time
    after_change = next_session(first, "weekly", utc(2026, 3, 30), BERLIN)
    assert after_change == utc(2026, 4, 2, 15)  # 17:00 in summer time
    assert next_session(first, "once", utc(2026, 3, 30), BERLIN) is None
    assert next_session(first, "every_2_weeks", utc(2026, 3, 20), BERLIN) == utc(2026, 4, 2, 15)
    assert len(sessions_from(first, "weekly", utc(2026, 4, 30), BERLIN)) == 6


zones = st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"])
schedules = st.builds(
    CheckinSchedule,
    kind=st.sampled_from(["every_weeks", "before_session", "after_session"]),
    every_weeks=st.integers(1, 8),
    weekday=st.integers(0, 6),
    local_time=st.times(),
    days_before=st.integers(1, 14),
    window_days=st.integers(5, 14),
    reminder_day=st.integers(0, 4),
)
session_lists = st.lists(
    st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
    max_size=20,
)


@settings(max_examples=100, deadline=None)
@given(schedule=schedules, zone_name=zones, sessions=session_lists)
def test_windows_are_ordered_never_overlap_and_remind_inside_themselves(
    schedule, zone_name, sessions
):
    zone = practice_zone(zone_name)
    found = windows(schedule, zone, dt.date(2026, 1, 1), utc(2027, 1, 1), sessions)
    for window in found:
        assert window.opens_at < window.closes_at
        if window.remind_at is not None:
            assert window.opens_at < window.remind_at < window.closes_at
    for earlier, later in zip(found, found[1:], strict=False):
        assert earlier.closes_at <= later.opens_at
    assert len({w.key for w in found}) == len(found)


@settings(max_examples=100, deadline=None)
@given(schedule=schedules, zone_name=zones, sessions=session_lists, data=st.data())
def test_at_most_one_window_is_open_and_a_check_in_answers_only_its_own(
    schedule, zone_name, sessions, data
):
    zone = practice_zone(zone_name)
    found = windows(schedule, zone, dt.date(2026, 1, 1), utc(2027, 1, 1), sessions)
    now = data.draw(
        st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 1, 1))
    ).replace(tzinfo=UTC)
    open_now = [w for w in found if w.is_open(now)]
    assert len(open_now) <= 1
    assert sum(answered(w, [now]) for w in found) == len(open_now)


def test_time_zone_names_are_read_once_and_hold_the_practices_zones():
    from trustcare.schedules import time_zone_names

    names = time_zone_names()
    assert names is time_zone_names()  # one scan of the zone files per process
    assert names == sorted(names) and {"Europe/Berlin", "America/New_York", "UTC"} <= set(names)

"""The check-in schedule's inputs, shared by the practice default and a couple's own schedule."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from trustcare.schedules import SCHEDULE_KINDS, WEEKDAYS, CheckinSchedule


def schedule_inputs(current: CheckinSchedule, key: str) -> dict[str, object]:
    """Widgets for a schedule (inside the caller's form), as the values a service validates.

    Every input is shown whatever the kind, so the form does not jump while it is filled in;
    the ones a kind does not use are kept as they were.
    """
    kinds = list(SCHEDULE_KINDS)
    kind = st.selectbox(
        "Check-ins are due",
        kinds,
        index=kinds.index(current.kind),
        format_func=SCHEDULE_KINDS.__getitem__,
        key=f"{key}_kind",
    )
    left, middle, right = st.columns(3)
    every_weeks = left.number_input(
        "Weeks between check-ins", 1, 8, current.every_weeks, key=f"{key}_every_weeks"
    )
    weekday = middle.selectbox(
        "Weekday",
        range(7),
        index=current.weekday,
        format_func=WEEKDAYS.__getitem__,
        key=f"{key}_weekday",
    )
    local_time: dt.time = right.time_input(
        "Local time", current.local_time, step=dt.timedelta(minutes=15), key=f"{key}_time"
    )
    days_before = left.number_input(
        "Days before each session", 1, 14, current.days_before, key=f"{key}_days_before"
    )
    window_days = middle.number_input(
        "Days a due check-in stays open", 1, 14, current.window_days, key=f"{key}_window"
    )
    reminder_day = right.number_input(
        "Reminder on day (0: none)", 0, 13, current.reminder_day, key=f"{key}_reminder"
    )
    return {
        "kind": kind,
        "every_weeks": every_weeks,
        "weekday": weekday,
        "local_time": local_time.isoformat(timespec="minutes"),
        "days_before": days_before,
        "window_days": window_days,
        "reminder_day": reminder_day,
    }

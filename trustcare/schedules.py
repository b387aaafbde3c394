"""When check-ins are due and when a partner is reminded: pure rules over a practice's local time.

A schedule names local times (Tuesdays at 9:00 in the practice's time zone), and the windows it
makes are converted to UTC one by one, so a reminder stays at 9:00 across daylight-saving
changes. Nothing here reads a clock, a database or Streamlit: the caller passes `now`.

Words used throughout: a *window* is the time during which one due check-in is open; it is
identified by its `key` (the local date it opens), so a runner and a counselor's page name the
same window the same way, and one reminder per partner and window can be claimed in the
database by that key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, model_validator

ScheduleKind = Literal["off", "every_weeks", "before_session", "after_session"]
RhythmKind = Literal["once", "weekly", "every_2_weeks"]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SCHEDULE_KINDS: dict[str, str] = {
    "off": "No schedule",
    "every_weeks": "Every few weeks on a weekday",
    "before_session": "Some days before each session",
    "after_session": "The day after each session",
}
RHYTHMS: dict[str, str] = {
    "once": "Only this session",
    "weekly": "Every week",
    "every_2_weeks": "Every two weeks",
}
# How many windows the completion rate looks back over.
COMPLETION_WINDOWS = 8


class ScheduleError(ValueError):
    """A schedule or time zone that cannot be used; the message says what to fix."""


@cache
def time_zone_names() -> list[str]:
    """Every IANA time zone name, sorted, for the practice's choice. Read once per process:
    the list comes from scanning the zone files on disk (a tenth of a second per call)."""
    return sorted(available_timezones())


def practice_zone(name: str) -> ZoneInfo:
    """The practice's time zone by its IANA name ("Europe/Berlin")."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ScheduleError(f"{name!r} is not a known time zone (for example Europe/Berlin)") from (
            error
        )


class CheckinSchedule(BaseModel):
    """When one couple's check-ins are due. Stored as JSON (practice default, or per couple)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ScheduleKind = "off"
    every_weeks: int = Field(default=2, ge=1, le=8, description="weeks between check-ins")
    weekday: int = Field(default=1, ge=0, le=6, description="0 is Monday")
    local_time: dt.time = Field(default=dt.time(9, 0))
    days_before: int = Field(default=2, ge=1, le=14, description="days before the session")
    window_days: int = Field(default=4, ge=1, le=14, description="days a check-in stays open")
    reminder_day: int = Field(default=2, ge=0, le=13, description="0: no reminder")

    @model_validator(mode="after")
    def _reminder_inside_window(self) -> CheckinSchedule:
        if self.reminder_day >= self.window_days:
            raise ValueError("the reminder must come before the window closes")
        return self

    @property
    def active(self) -> bool:
        return self.kind != "off"

    def describe(self) -> str:
        """The schedule in a counselor's words."""
        at = self.local_time.strftime("%H:%M")
        if self.kind == "every_weeks":
            every = "Every week" if self.every_weeks == 1 else f"Every {self.every_weeks} weeks"
            what = f"{every} on {WEEKDAYS[self.weekday]} at {at}"
        elif self.kind == "before_session":
            what = f"{self.days_before} day(s) before each session, at {at}"
        elif self.kind == "after_session":
            what = f"The day after each session, at {at}"
        else:
            return "No schedule"
        reminder = (
            f", reminder on day {self.reminder_day}" if self.reminder_day else ", no reminder"
        )
        return f"{what}; open {self.window_days} days{reminder}"


@dataclass(frozen=True)
class Window:
    """One due check-in: open from `opens_at` until `closes_at` (UTC), reminded at `remind_at`."""

    key: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    remind_at: dt.datetime | None

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def _at_local(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """`day` at local time `at` in UTC. A wall time that a spring-forward gap skips comes out
    the gap's length later (2:30 becomes 3:30); a repeated autumn hour takes its first
    occurrence (zoneinfo's fold=0 does both)."""
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)


def _window(schedule: CheckinSchedule, opens_on: dt.date, zone: ZoneInfo, cap=None) -> Window:
    at = schedule.local_time
    opens_at = _at_local(opens_on, at, zone)
    closes_at = _at_local(opens_on + dt.timedelta(days=schedule.window_days), at, zone)
    if cap is not None and cap < closes_at:
        closes_at = max(cap, opens_at + dt.timedelta(hours=1))
    remind_at = None
    if schedule.reminder_day:
        remind_at = _at_local(opens_on + dt.timedelta(days=schedule.reminder_day), at, zone)
        if remind_at >= closes_at:
            remind_at = None
    return Window(opens_on.isoformat(), opens_at, closes_at, remind_at)


def windows(
    schedule: CheckinSchedule,
    zone: ZoneInfo,
    starts_on: dt.date,
    until: dt.datetime,
    sessions: Sequence[dt.datetime] = (),
) -> list[Window]:
    """The windows of `schedule` that open from `starts_on` (local) up to `until`, oldest first.

    `starts_on` is the local day the schedule began (nothing is due before it); `sessions`
    are the couple's session start times in UTC, past and planned, for the kinds that follow
    sessions. Windows never overlap: when sessions come closer together than a window, a
    window closes when the next one opens.
    """
    if not schedule.active:
        return []
    found: list[Window] = []
    if schedule.kind == "every_weeks":
        first = starts_on + dt.timedelta(days=(schedule.weekday - starts_on.weekday()) % 7)
        day = first
        while _at_local(day, schedule.local_time, zone) <= until:
            found.append(_window(schedule, day, zone))
            day += dt.timedelta(weeks=schedule.every_weeks)
    else:
        for start in sorted(set(sessions)):
            session_day = start.astimezone(zone).date()
            if schedule.kind == "before_session":
                opens_on = session_day - dt.timedelta(days=schedule.days_before)
                cap = start
            else:
                opens_on = session_day + dt.timedelta(days=1)
                cap = None
            if opens_on < starts_on or _at_local(opens_on, schedule.local_time, zone) > until:
                continue
            window = _window(schedule, opens_on, zone, cap)
            if found and found[-1].key == window.key:
                continue
            found.append(window)
    return _without_overlaps(found)


def _without_overlaps(found: list[Window]) -> list[Window]:
    kept: list[Window] = []
    for window in found:
        if kept and kept[-1].closes_at > window.opens_at:
            last = kept[-1]
            remind = last.remind_at if last.remind_at and last.remind_at < window.opens_at else None
            kept[-1] = Window(last.key, last.opens_at, window.opens_at, remind)
        kept.append(window)
    return kept


def open_window(found: Iterable[Window], now: dt.datetime) -> Window | None:
    """The window open at `now`, if any."""
    return next((w for w in found if w.is_open(now)), None)


def answered(window: Window, checkin_times: Iterable[dt.datetime]) -> bool:
    """Whether a check-in came in while the window was open."""
    return any(window.opens_at <= when < window.closes_at for when in checkin_times)


@dataclass(frozen=True)
class Completion:
    """Check-ins received over check-ins due, over the last closed windows."""

    received: int
    due: int

    @property
    def rate(self) -> float | None:
        return None if self.due == 0 else self.received / self.due

    def describe(self) -> str:
        if self.due == 0:
            return "nothing due yet"
        return f"{self.received} of {self.due} ({self.rate:.0%})"


def completion(
    found: Sequence[Window],
    checkin_times: Sequence[dt.datetime],
    now: dt.datetime,
    last: int = COMPLETION_WINDOWS,
) -> Completion:
    """Over the last `last` windows that have closed by `now`, how many were answered.

    An open window is not counted yet: it can still be answered.
    """
    closed = [w for w in found if w.closes_at <= now][-last:]
    return Completion(sum(answered(w, checkin_times) for w in closed), len(closed))


def reminder_due(
    window: Window | None,
    checkin_times: Sequence[dt.datetime],
    now: dt.datetime,
    *,
    paused: bool,
    stopped: bool,
) -> bool:
    """Whether the partner should get this window's reminder now: inside the window, past its
    reminder time, not yet answered, the couple not paused and the partner not stopped."""
    if window is None or window.remind_at is None or paused or stopped:
        return False
    if not (window.remind_at <= now < window.closes_at):
        return False
    return not answered(window, checkin_times)


def due_and_not_done(found: Sequence[Window], checkin_times: Sequence[dt.datetime], now) -> int:
    """How many of the last windows in a row closed unanswered (0 when the last was answered)."""
    missed = 0
    for window in reversed([w for w in found if w.closes_at <= now]):
        if answered(window, checkin_times):
            break
        missed += 1
    return missed


def sessions_from(
    first: dt.datetime, rhythm: RhythmKind, until: dt.datetime, zone: ZoneInfo
) -> list[dt.datetime]:
    """A recurring appointment's session starts (UTC) from `first` up to `until`, at the same
    local time each week across daylight-saving changes."""
    if rhythm == "once":
        return [first] if first <= until else []
    step = dt.timedelta(weeks=1 if rhythm == "weekly" else 2)
    local = first.astimezone(zone)
    day, at = local.date(), local.time().replace(tzinfo=None)
    found = []
    while (start := _at_local(day, at, zone)) <= until:
        found.append(start)
        day += step
    return found


def next_session(
    first: dt.datetime | None, rhythm: RhythmKind, now: dt.datetime, zone: ZoneInfo
) -> dt.datetime | None:
    """The next session at or after `now` (a recurring one rolls forward), else None."""
    if first is None:
        return None
    if rhythm == "once":
        return first if first >= now else None
    horizon = max(now, first) + dt.timedelta(weeks=3)
    return next((s for s in sessions_from(first, rhythm, horizon, zone) if s >= now), None)

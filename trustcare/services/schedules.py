"""Each partner's check-in schedule as it applies now: the one core the runner and the screens
share, so a counselor sees the same windows, due dates and reminders that the runner acts on.

The rules are pure (trustcare/schedules.py); this module turns a couple's stored inputs into
them: its effective schedule (its own, or the practice default), the practice's time zone, its
session times (logged sessions on their dates at the appointment's local time, and the planned
ones from the next appointment and its rhythm) and its partners' check-in times.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from trustcare.clock import utcnow
from trustcare.persistence.schedules import CoupleInput, PartnerInput, ReminderRow
from trustcare.practice_settings import PracticeSettings
from trustcare.schedules import (
    COMPLETION_WINDOWS,
    CheckinSchedule,
    Completion,
    ScheduleError,
    Window,
    answered,
    completion,
    due_and_not_done,
    open_window,
    practice_zone,
    reminder_due,
    sessions_from,
    windows,
)
from trustcare.services.validation import EMAIL_PATTERN

log = logging.getLogger(__name__)

# How far back check-ins are read for the completion rate: 8 windows of the longest schedule.
DISPLAY_LOOKBACK = dt.timedelta(weeks=8 * (COMPLETION_WINDOWS + 1))
# Planned sessions are looked at this far ahead (a window opens up to 14 days before one).
SESSION_LOOKAHEAD = dt.timedelta(days=15)


@dataclass(frozen=True)
class CoupleSchedule:
    """One couple's schedule resolved: what applies, in which zone, and its windows so far."""

    couple: CoupleInput
    settings: PracticeSettings
    schedule: CheckinSchedule
    zone: ZoneInfo
    windows: list[Window]

    @property
    def paused(self) -> bool:
        return self.couple.status != "active"


@dataclass(frozen=True)
class DueState:
    """What one partner's schedule means now, for the runner and for display.

    `open_window` is the due check-in open now (None: nothing due); `due_by` is when it closes
    while still unanswered (None once answered or when nothing is open); `completion` counts
    check-ins received over the last 8 closed windows; `missed_in_a_row` is how many of the
    last windows closed unanswered; `last_reminder` is the newest reminder row (its status:
    sending, sent, retry or failed, and `sent_at`); `stopped_at` is set when the partner
    stopped reminders; `reachable_by_email` is False without a usable contact email.
    """

    couple_id: int
    partner_id: int
    partner_name: str
    schedule: CheckinSchedule
    schedule_text: str
    paused: bool
    open_window: Window | None
    due_by: dt.datetime | None
    completion: Completion
    missed_in_a_row: int
    last_reminder: ReminderRow | None
    stopped_at: dt.datetime | None
    reachable_by_email: bool

    @property
    def stopped(self) -> bool:
        return self.stopped_at is not None


def email_of(partner: PartnerInput) -> str | None:
    """The partner's contact as an email address, or None (a phone number, nothing)."""
    address = (partner.contact or "").strip()
    return address if EMAIL_PATTERN.match(address) and len(address) <= 254 else None


def _settings(couple: CoupleInput) -> PracticeSettings:
    try:
        return PracticeSettings.from_stored(couple.practice_settings)
    except ValidationError:
        log.warning("practice %s: stored settings are not valid; defaults", couple.practice_id)
        return PracticeSettings()


def effective_schedule(couple: CoupleInput, settings: PracticeSettings) -> CheckinSchedule:
    """The couple's own schedule, else the practice default (a broken stored one is off)."""
    return schedule_in_force(couple.id, couple.schedule, settings)


def schedule_in_force(
    couple_id: int, stored: dict[str, Any] | None, settings: PracticeSettings
) -> CheckinSchedule:
    """A couple's stored schedule, else the practice default (a broken stored one is off)."""
    if stored is None:
        return settings.checkin_schedule
    try:
        return CheckinSchedule.model_validate(stored)
    except ValidationError:
        log.warning("couple %s: stored schedule is not valid; treated as off", couple_id)
        return CheckinSchedule()


def session_times(
    couple: CoupleInput, schedule: CheckinSchedule, zone: ZoneInfo, until: dt.datetime
) -> list[dt.datetime]:
    """Logged sessions on their dates at the appointment's local time (the schedule's time
    when no appointment is set), plus the planned ones up to `until`, in UTC."""
    if couple.next_session_at is not None:
        at = couple.next_session_at.astimezone(zone).time().replace(tzinfo=None)
    else:
        at = schedule.local_time
    found = {dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC) for day in couple.held_on}
    if couple.next_session_at is not None:
        rhythm = (
            couple.session_rhythm
            if couple.session_rhythm in ("once", "weekly", "every_2_weeks")
            else "once"
        )
        found.update(sessions_from(couple.next_session_at, rhythm, until, zone))
    return sorted(found)


def resolve(couple: CoupleInput, now: dt.datetime) -> CoupleSchedule:
    """The couple's schedule, zone and the windows that opened by `now`."""
    settings = _settings(couple)
    schedule = effective_schedule(couple, settings)
    try:
        zone = practice_zone(settings.time_zone)
    except ScheduleError:
        zone = ZoneInfo("UTC")
    found: list[Window] = []
    if schedule.active:
        starts_on = couple.schedule_since or couple.created_at.astimezone(zone).date()
        sessions = session_times(couple, schedule, zone, now + SESSION_LOOKAHEAD)
        found = windows(schedule, zone, starts_on, now, sessions)
    return CoupleSchedule(couple, settings, schedule, zone, found)


def due_states_of(resolved: CoupleSchedule, now: dt.datetime) -> list[DueState]:
    """Each partner's DueState for one resolved couple."""
    states = []
    couple = resolved.couple
    current = open_window(resolved.windows, now)
    for partner in couple.partners:
        times = couple.checkins.get(partner.id, [])
        done = current is not None and answered(current, times)
        reminders = couple.reminders.get(partner.id, [])
        states.append(
            DueState(
                couple_id=couple.id,
                partner_id=partner.id,
                partner_name=partner.display_name,
                schedule=resolved.schedule,
                schedule_text=resolved.schedule.describe(),
                paused=resolved.paused,
                open_window=current,
                due_by=current.closes_at if current is not None and not done else None,
                completion=completion(resolved.windows, times, now),
                missed_in_a_row=due_and_not_done(resolved.windows, times, now),
                last_reminder=reminders[-1] if reminders else None,
                stopped_at=partner.reminders_stopped_at,
                reachable_by_email=email_of(partner) is not None,
            )
        )
    return states


def partner_due_states(
    uow, couple_ids: Sequence[int], now: dt.datetime | None = None
) -> dict[int, DueState]:
    """Every partner's schedule state for these couples, by partner id: what is due (the open
    window and when it closes), completion over the last 8 due windows, the last reminder and
    its status, whether reminders are stopped and whether the partner can be emailed.

    For the couple record, the caseload and the client's page: pass any unit of work with a
    `reminders` repository (a counselor's reaches their couples only, a partner's their own
    couple). The statements are a fixed number, whatever the number of couples; a couple
    without an active schedule still gets states (its `schedule.active` is False).
    """
    now = now or utcnow()
    inputs = uow.reminders.schedule_inputs(
        list(couple_ids), now - DISPLAY_LOOKBACK, now - DISPLAY_LOOKBACK
    )
    states: dict[int, DueState] = {}
    for couple in inputs:
        for state in due_states_of(resolve(couple, now), now):
            states[state.partner_id] = state
    return states


@dataclass(frozen=True)
class DueReminder:
    """A reminder the runner should send now (or is already claimed for)."""

    couple: CoupleInput
    settings: PracticeSettings
    partner: PartnerInput
    address: str
    window: Window


def due_reminders(inputs: Sequence[CoupleInput], now: dt.datetime) -> list[DueReminder]:
    """The reminders due at `now`: inside the window past its reminder time, not answered,
    the couple active, the partner not stopped and reachable by email."""
    due = []
    for couple in inputs:
        if couple.status != "active":
            continue
        resolved = resolve(couple, now)
        current = open_window(resolved.windows, now)
        if current is None:
            continue
        for partner in couple.partners:
            address = email_of(partner)
            if address is None:
                continue
            if reminder_due(
                current,
                couple.checkins.get(partner.id, []),
                now,
                paused=False,
                stopped=partner.reminders_stopped_at is not None,
            ):
                due.append(DueReminder(couple, resolved.settings, partner, address, current))
    return due

"""Alert rules over one couple's plain data: what a counselor should look at, and why.

Pure functions over frozen dataclasses, so every rule can be checked at its threshold with
numbers worked by hand; the alerts service loads the data and stores acknowledgements.

Each alert carries a `key` naming the rule, whom it is about and the evidence that raised it.
An acknowledgement stores that key, so it hides the alert until new evidence gives a new key.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from trustcare.feedback import FeedbackPoint, FeedbackRules
from trustcare.practice_settings import AlertThresholds
from trustcare.scoring import reliable_change_index

Kind = Literal[
    "safety",
    "deterioration",
    "divergence",
    "one_sided_work",
    "no_checkin",
    "due_not_done",
    "overdue",
    "feedback_low",
    "feedback_drop",
    "feedback_split",
]
Severity = Literal["urgent", "attention"]

SEVERITY: dict[Kind, Severity] = {
    "safety": "urgent",
    "deterioration": "urgent",
    "divergence": "attention",
    "one_sided_work": "attention",
    "no_checkin": "attention",
    "due_not_done": "attention",
    "overdue": "attention",
    "feedback_low": "attention",
    "feedback_drop": "attention",
    "feedback_split": "attention",
}

# Order of kinds when urgency and time are equal, so the list never shuffles between reruns.
_KIND_ORDER: dict[str, int] = {kind: rank for rank, kind in enumerate(SEVERITY)}

OPEN_STATUSES = frozenset({"assigned", "in_progress"})
ASSIGNMENT_STATUSES = frozenset({"assigned", "in_progress", "completed", "skipped"})

# Work done by one partner alone is worth raising only once the other has had a week to start.
ONE_SIDED_AFTER = timedelta(days=7)

# Floating-point noise must not decide whether an RCI sitting exactly on the threshold counts:
# (14 - 24) / 5.000000000000001 is -1.9999999999999996, which is "at -2" to any counselor.
_TOLERANCE = 1e-9

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class CheckinPoint:
    """One partner's scored check-in; `total` is None when too many answers were missing."""

    checkin_id: int
    partner_id: int
    submitted_at: datetime
    total: float | None
    overall: int | None
    safety_flag: bool


@dataclass(frozen=True)
class AssignmentPoint:
    """One assignment; `partner_id` None means it was given to both partners."""

    assignment_id: int
    title: str
    partner_id: int | None
    due_on: date | None
    status: str
    exercises_done_by_partner: dict[int, int]
    exercise_count: int
    assigned_at: datetime

    def __post_init__(self) -> None:
        if self.status not in ASSIGNMENT_STATUSES:
            raise ValueError(f"assignment {self.assignment_id}: unknown status {self.status!r}")


@dataclass(frozen=True)
class CoupleData:
    """Everything the rules read about one couple; `status` is active, paused or closed."""

    couple_id: int
    label: str
    partner_ids: tuple[int, int]
    partner_names: dict[int, str]
    checkins: tuple[CheckinPoint, ...]
    assignments: tuple[AssignmentPoint, ...]
    created_at: datetime
    status: str
    # With a check-in schedule: per partner, the due windows missed in a row and the key and
    # closing time of the latest missed one. None: no schedule ("no check-in for N days").
    due_missed: dict[int, tuple[int, str, datetime]] | None = None
    # Each partner's session feedback, and the lines it is held against. Without rules (no
    # session-feedback measure in use) the feedback rules do not run.
    feedback: tuple[FeedbackPoint, ...] = ()
    feedback_rules: FeedbackRules | None = None

    def name(self, partner_id: int) -> str:
        """The partner's display name, or "Partner 1"/"Partner 2" if none was given."""
        name = self.partner_names.get(partner_id, "").strip()
        if name:
            return name
        if partner_id in self.partner_ids:
            return f"Partner {self.partner_ids.index(partner_id) + 1}"
        return f"Partner #{partner_id}"


@dataclass(frozen=True)
class Alert:
    """Something a counselor should look at, in words they can act on."""

    kind: Kind
    severity: Severity
    couple_id: int
    partner_id: int | None
    message: str
    key: str
    since: datetime


def evaluate(
    couple: CoupleData,
    sd: float,
    reliability: float,
    thresholds: AlertThresholds,
    now: datetime,
) -> list[Alert]:
    """All alerts for one couple at `now`, urgent first, then oldest evidence first.

    `sd` and `reliability` are the measure's reliable-change constants. Safety answers are
    raised whatever the couple's status; every other rule only runs for active couples, since a
    paused or closed couple is not expected to check in or practise. Session feedback is held
    against `couple.feedback_rules` when the couple has them.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    alerts = list(_safety(couple))
    if couple.status == "active":
        alerts += _deterioration(couple, sd, reliability, thresholds)
        alerts += _divergence(couple, thresholds)
        alerts += _one_sided_work(couple, now)
        if couple.due_missed is None:
            alerts += _no_checkin(couple, thresholds, now)
        else:
            alerts += _due_not_done(couple)
        alerts += _overdue(couple, now)
        if couple.feedback_rules is not None:
            alerts += feedback_alerts(couple, couple.feedback, couple.feedback_rules)
    return sorted(alerts, key=_sort_key)


def feedback_alerts(
    couple: CoupleData, feedback: Sequence[FeedbackPoint], rules: FeedbackRules
) -> list[Alert]:
    """What the partners' session feedback says needs attention, on its latest evidence only.

    - feedback_low: a partner's latest scored feedback is under the cut-off;
    - feedback_drop: it fell by at least `rules.drop` from their previous scored session;
    - feedback_split: for the latest session both partners scored, their totals are at least
      `rules.split` apart.

    Feedback too incomplete to score is passed over, as unscored check-ins are. A partner who
    sends feedback for one session twice is taken at their later word. The couple's status is
    not looked at here: `evaluate` runs this for active couples only.
    """
    sessions = {p: _feedback_by_session(feedback, p) for p in couple.partner_ids}
    alerts = []
    for partner_id in couple.partner_ids:
        scored = list(sessions[partner_id].values())
        alerts += _feedback_low(couple, scored[-1:], rules)
        alerts += _feedback_drop(couple, scored[-2:], rules)
    alerts += _feedback_split(couple, sessions, rules)
    return alerts


def urgency_rank(alerts: Iterable[Alert]) -> tuple[int, int]:
    """Sort key for a caseload: couples with more urgent alerts first, then more attention ones.

    Sort ascending: `sorted(couples, key=lambda c: urgency_rank(alerts_of[c]))`.
    """
    alerts = list(alerts)
    urgent = sum(1 for a in alerts if a.severity == "urgent")
    attention = sum(1 for a in alerts if a.severity == "attention")
    return (-urgent, -attention)


def filter_acknowledged(alerts: Iterable[Alert], acknowledged_keys: set[str]) -> list[Alert]:
    """Drop alerts the counselor has acknowledged; new evidence has a new key and shows again."""
    return [alert for alert in alerts if alert.key not in acknowledged_keys]


def _sort_key(alert: Alert) -> tuple[int, datetime, int, str]:
    return (
        0 if alert.severity == "urgent" else 1,
        alert.since,
        _KIND_ORDER[alert.kind],
        alert.key,
    )


def _alert(
    kind: Kind,
    couple: CoupleData,
    partner_id: int | None,
    message: str,
    key: str,
    since: datetime,
) -> Alert:
    return Alert(
        kind=kind,
        severity=SEVERITY[kind],
        couple_id=couple.couple_id,
        partner_id=partner_id,
        message=message,
        key=key,
        since=since,
    )


# --- the rules ----------------------------------------------------------------------------------


def _safety(couple: CoupleData) -> list[Alert]:
    return [
        _alert(
            "safety",
            couple,
            checkin.partner_id,
            f"{couple.name(checkin.partner_id)} answered yes to the safety question "
            f"(afraid, hurt, threatened or forced) in the check-in of "
            f"{_day(checkin.submitted_at)}",
            f"safety:{checkin.checkin_id}",
            checkin.submitted_at,
        )
        for checkin in couple.checkins
        if checkin.safety_flag
    ]


def _deterioration(
    couple: CoupleData, sd: float, reliability: float, thresholds: AlertThresholds
) -> list[Alert]:
    alerts = []
    for partner_id in couple.partner_ids:
        scored = [c for c in _checkins_of(couple, partner_id) if c.total is not None]
        if len(scored) < 2:
            continue
        first, latest = scored[0], scored[-1]
        rci = reliable_change_index(first.total, latest.total, sd, reliability)  # type: ignore[arg-type]
        if rci > thresholds.deterioration_rci + _TOLERANCE:
            continue
        alerts.append(
            _alert(
                "deterioration",
                couple,
                partner_id,
                f"{couple.name(partner_id)}: trust-pulse total fell from {_num(first.total)} "
                f"to {_num(latest.total)} since the first check-in "
                f"(reliable change index {rci:.1f})",
                f"deterioration:{partner_id}:{latest.checkin_id}",
                latest.submitted_at,
            )
        )
    return alerts


@dataclass(frozen=True)
class _Round:
    """Both partners' latest check-ins in one ISO week."""

    week: tuple[int, int]
    first: CheckinPoint
    second: CheckinPoint

    @property
    def total_gap(self) -> float | None:
        if self.first.total is None or self.second.total is None:
            return None
        return abs(self.first.total - self.second.total)

    @property
    def overall_gap(self) -> int | None:
        if self.first.overall is None or self.second.overall is None:
            return None
        return abs(self.first.overall - self.second.overall)

    def diverges(self, thresholds: AlertThresholds) -> bool:
        total_gap, overall_gap = self.total_gap, self.overall_gap
        return (total_gap is not None and total_gap > thresholds.divergence_gap) or (
            overall_gap is not None and overall_gap > thresholds.divergence_overall_gap
        )


def _rounds(couple: CoupleData) -> list[_Round]:
    """Weeks in which both partners checked in, oldest first, pairing each one's latest."""
    latest: list[dict[tuple[int, int], CheckinPoint]] = []
    for partner_id in couple.partner_ids:
        by_week: dict[tuple[int, int], CheckinPoint] = {}
        for checkin in _checkins_of(couple, partner_id):
            by_week[iso_week(checkin.submitted_at)] = checkin
        latest.append(by_week)
    weeks = sorted(latest[0].keys() & latest[1].keys())
    return [_Round(week, latest[0][week], latest[1][week]) for week in weeks]


def _divergence(couple: CoupleData, thresholds: AlertThresholds) -> list[Alert]:
    rounds = _rounds(couple)[-2:]
    if len(rounds) < 2 or not all(r.diverges(thresholds) for r in rounds):
        return []
    first_name, second_name = (couple.name(p) for p in couple.partner_ids)
    described = "; ".join(
        f"week of {_day(_monday(r.week))}: {_describe_round(r, first_name, second_name)}"
        for r in rounds
    )
    described = described[:1].upper() + described[1:]
    latest = rounds[-1]
    year, week = latest.week
    return [
        _alert(
            "divergence",
            couple,
            None,
            f"{first_name} and {second_name} see things differently in the last two weeks "
            f"they both checked in. {described}. Alert when the totals differ by more than "
            f"{_num(thresholds.divergence_gap)} or overall trust by more than "
            f"{thresholds.divergence_overall_gap}",
            f"divergence:{year}-W{week:02d}",
            max(latest.first.submitted_at, latest.second.submitted_at),
        )
    ]


def _describe_round(r: _Round, first_name: str, second_name: str) -> str:
    parts = []
    if r.total_gap is not None:
        parts.append(
            f"totals {first_name} {_num(r.first.total)}, {second_name} {_num(r.second.total)} "
            f"(gap {_num(r.total_gap)})"
        )
    if r.overall_gap is not None:
        parts.append(
            f"overall trust {first_name} {r.first.overall}, {second_name} {r.second.overall} "
            f"(gap {r.overall_gap})"
        )
    return ", ".join(parts)


def _one_sided_work(couple: CoupleData, now: datetime) -> list[Alert]:
    alerts = []
    for assignment in couple.assignments:
        if assignment.partner_id is not None or assignment.status not in OPEN_STATUSES:
            continue
        became_due = assignment.assigned_at + ONE_SIDED_AFTER
        if now < became_due:
            continue
        done = {p: assignment.exercises_done_by_partner.get(p, 0) for p in couple.partner_ids}
        doers = [p for p in couple.partner_ids if done[p] >= 1]
        idle = [p for p in couple.partner_ids if done[p] == 0]
        if len(doers) != 1 or len(idle) != 1:
            continue
        doer, waiting = doers[0], idle[0]
        days = (now - assignment.assigned_at).days
        alerts.append(
            _alert(
                "one_sided_work",
                couple,
                waiting,
                f'Only {couple.name(doer)} has started "{assignment.title}": '
                f"{couple.name(doer)} marked {done[doer]} of {assignment.exercise_count} "
                f"exercises done, {couple.name(waiting)} none, {days} days after it was "
                f"assigned",
                f"one_sided_work:{assignment.assignment_id}:{waiting}",
                became_due,
            )
        )
    return alerts


def _no_checkin(couple: CoupleData, thresholds: AlertThresholds, now: datetime) -> list[Alert]:
    alerts = []
    quiet_for = timedelta(days=thresholds.no_checkin_days)
    for partner_id in couple.partner_ids:
        checkins = _checkins_of(couple, partner_id)
        last = checkins[-1] if checkins else None
        last_at = last.submitted_at if last else couple.created_at
        if now - last_at < quiet_for:
            continue
        days = (now - last_at).days
        name = couple.name(partner_id)
        if last is None:
            message = (
                f"{name} has not checked in yet, {days} days after the couple was added on "
                f"{_day(last_at)}"
            )
        else:
            message = f"{name} has not checked in for {days} days (last check-in {_day(last_at)})"
        alerts.append(
            _alert(
                "no_checkin",
                couple,
                partner_id,
                message,
                f"no_checkin:{partner_id}:{last.checkin_id if last else 'never'}",
                last_at + quiet_for,
            )
        )
    return alerts


def _due_not_done(couple: CoupleData) -> list[Alert]:
    """Where a schedule exists: a partner whose last due check-in closed undone."""
    alerts = []
    for partner_id in couple.partner_ids:
        missed, window_key, closed_at = (couple.due_missed or {}).get(partner_id, (0, "", None))
        if missed < 1 or closed_at is None:
            continue
        name = couple.name(partner_id)
        in_a_row = f"the last {missed} due check-ins" if missed > 1 else "the last due check-in"
        alerts.append(
            _alert(
                "due_not_done",
                couple,
                partner_id,
                f"{name} has not done {in_a_row} (the last one closed {_day(closed_at)})",
                f"due_not_done:{partner_id}:{window_key}",
                closed_at,
            )
        )
    return alerts


def _overdue(couple: CoupleData, now: datetime) -> list[Alert]:
    alerts = []
    today = now.astimezone(UTC).date()
    for assignment in couple.assignments:
        due_on = assignment.due_on
        if due_on is None or assignment.status not in OPEN_STATUSES or due_on >= today:
            continue
        days = (today - due_on).days
        who = (
            "both partners" if assignment.partner_id is None else couple.name(assignment.partner_id)
        )
        status = assignment.status.replace("_", " ")
        alerts.append(
            _alert(
                "overdue",
                couple,
                assignment.partner_id,
                f'"{assignment.title}" for {who} was due on {_day(due_on)} and is {days} '
                f"{'day' if days == 1 else 'days'} overdue (status: {status})",
                f"overdue:{assignment.assignment_id}:{due_on.isoformat()}",
                datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=UTC),
            )
        )
    return alerts


def _feedback_low(
    couple: CoupleData, latest: list[FeedbackPoint], rules: FeedbackRules
) -> list[Alert]:
    if not latest or latest[0].total >= rules.cutoff - _TOLERANCE:  # type: ignore[operator]
        return []
    point = latest[0]
    return [
        _alert(
            "feedback_low",
            couple,
            point.partner_id,
            f"{couple.name(point.partner_id)}'s feedback on session {point.session_number} was "
            f"{_num(point.total)} of {_num(rules.out_of)}, under the cut-off of "
            f"{_num(rules.cutoff)}",
            f"feedback_low:{point.feedback_id}",
            point.submitted_at,
        )
    ]


def _feedback_drop(
    couple: CoupleData, last_two: list[FeedbackPoint], rules: FeedbackRules
) -> list[Alert]:
    if len(last_two) < 2:
        return []
    previous, latest = last_two
    fall = previous.total - latest.total  # type: ignore[operator]
    if fall < rules.drop - _TOLERANCE:
        return []
    return [
        _alert(
            "feedback_drop",
            couple,
            latest.partner_id,
            f"{couple.name(latest.partner_id)}'s feedback fell by {_num(fall)} points, from "
            f"{_num(previous.total)} of {_num(rules.out_of)} on session "
            f"{previous.session_number} to {_num(latest.total)} on session "
            f"{latest.session_number}",
            f"feedback_drop:{previous.feedback_id}:{latest.feedback_id}",
            latest.submitted_at,
        )
    ]


def _feedback_split(
    couple: CoupleData,
    sessions: dict[int, dict[int, FeedbackPoint]],
    rules: FeedbackRules,
) -> list[Alert]:
    first_id, second_id = couple.partner_ids
    shared = sessions[first_id].keys() & sessions[second_id].keys()
    if not shared:
        return []
    session_number = max(shared)
    first, second = sessions[first_id][session_number], sessions[second_id][session_number]
    gap = abs(first.total - second.total)  # type: ignore[operator]
    if gap < rules.split - _TOLERANCE:
        return []
    first_name, second_name = couple.name(first_id), couple.name(second_id)
    return [
        _alert(
            "feedback_split",
            couple,
            None,
            f"{first_name} and {second_name} saw session {session_number} differently: "
            f"{first_name}'s feedback was {_num(first.total)} of {_num(rules.out_of)}, "
            f"{second_name}'s {_num(second.total)} ({_num(gap)} points apart)",
            f"feedback_split:{session_number}:{first.feedback_id}:{second.feedback_id}",
            max(first.submitted_at, second.submitted_at),
        )
    ]


# --- helpers ------------------------------------------------------------------------------------


def iso_week(moment: datetime) -> tuple[int, int]:
    """(ISO year, ISO week) of a moment in UTC: the "round" two partners' check-ins share."""
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return (year, week)


def _monday(week: tuple[int, int]) -> date:
    return date.fromisocalendar(week[0], week[1], 1)


def _checkins_of(couple: CoupleData, partner_id: int) -> list[CheckinPoint]:
    """One partner's check-ins, oldest first (id breaks ties between equal times)."""
    return sorted(
        (c for c in couple.checkins if c.partner_id == partner_id),
        key=lambda c: (c.submitted_at, c.checkin_id),
    )


def _feedback_by_session(
    feedback: Iterable[FeedbackPoint], partner_id: int
) -> dict[int, FeedbackPoint]:
    """One partner's scored feedback by session number, in session order; for a session
    answered twice, the later answer (id breaks ties between equal times)."""
    own = sorted(
        (p for p in feedback if p.partner_id == partner_id and p.total is not None),
        key=lambda p: (p.session_number, p.submitted_at, p.feedback_id),
    )
    return {point.session_number: point for point in own}


def _day(moment: date | datetime) -> str:
    """Dates as "3 March 2025", spelled out so no locale or day/month order can confuse them."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).date()
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _num(value: float | None) -> str:
    """A score as people write it: 24, not 24.0; 22.5 stays 22.5."""
    if value is None or math.isnan(value):
        return "no score"
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"

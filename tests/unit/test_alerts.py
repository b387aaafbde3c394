"""Alert rules, each checked exactly at, just past and just short of its threshold.

The couple throughout is Mara (partner 11) and Noor (partner 12), case "Harbour Lights".
Reliable-change constants are the trust pulse's own unless a test says otherwise:
sd 5.0, reliability 0.80, so S_diff = sqrt(2) x 5 x sqrt(0.2) = sqrt(10) = 3.1623.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from trustcare.alerts import (
    Alert,
    AssignmentPoint,
    CheckinPoint,
    CoupleData,
    evaluate,
    filter_acknowledged,
    iso_week,
    urgency_rank,
)
from trustcare.practice_settings import AlertThresholds

MARA, NOOR = 11, 12
SD, RELIABILITY = 5.0, 0.80
DEFAULTS = AlertThresholds()  # divergence 8 / overall 3, 14 quiet days, RCI -1.96

_ids = itertools.count(100)


def at(text: str) -> datetime:
    """An aware UTC moment from "2025-03-03 09:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def checkin(
    partner: int,
    when: str,
    total: float | None,
    overall: int | None = 6,
    *,
    safety: bool = False,
    checkin_id: int | None = None,
) -> CheckinPoint:
    return CheckinPoint(
        checkin_id=checkin_id if checkin_id is not None else next(_ids),
        partner_id=partner,
        submitted_at=at(when),
        total=total,
        overall=overall,
        safety_flag=safety,
    )


def assignment(
    title: str = "Listening without defending",
    *,
    assigned: str = "2025-03-03 09:00",
    due: date | None = None,
    status: str = "assigned",
    partner: int | None = None,
    done: dict[int, int] | None = None,
    exercises: int = 3,
    assignment_id: int = 501,
) -> AssignmentPoint:
    return AssignmentPoint(
        assignment_id=assignment_id,
        title=title,
        partner_id=partner,
        due_on=due,
        status=status,
        exercises_done_by_partner=done if done is not None else {},
        exercise_count=exercises,
        assigned_at=at(assigned),
    )


def couple(
    checkins: tuple[CheckinPoint, ...] = (),
    assignments: tuple[AssignmentPoint, ...] = (),
    *,
    status: str = "active",
    created: str = "2025-03-01 08:00",
    couple_id: int = 7,
) -> CoupleData:
    return CoupleData(
        couple_id=couple_id,
        label="Harbour Lights",
        partner_ids=(MARA, NOOR),
        partner_names={MARA: "Mara", NOOR: "Noor"},
        checkins=checkins,
        assignments=assignments,
        created_at=at(created),
        status=status,
    )


def run(
    data: CoupleData,
    now: str = "2025-03-05 12:00",
    thresholds: AlertThresholds = DEFAULTS,
    sd: float = SD,
    reliability: float = RELIABILITY,
) -> list[Alert]:
    return evaluate(data, sd, reliability, thresholds, at(now))


def kinds(alerts: list[Alert], kind: str) -> list[Alert]:
    return [a for a in alerts if a.kind == kind]


# --- safety ------------------------------------------------------------------------------------


def test_each_safety_answer_raises_its_own_urgent_alert_keyed_by_the_check_in():
    data = couple(
        (
            checkin(NOOR, "2025-03-03 21:15", 20, safety=True, checkin_id=31),
            checkin(MARA, "2025-03-04 07:40", 22, checkin_id=32),
            checkin(NOOR, "2025-03-04 22:05", 19, safety=True, checkin_id=33),
        )
    )

    safety = kinds(run(data), "safety")

    assert [a.key for a in safety] == ["safety:31", "safety:33"]
    assert {a.severity for a in safety} == {"urgent"}
    assert {a.partner_id for a in safety} == {NOOR}
    assert safety[0].since == at("2025-03-03 21:15")
    assert safety[0].message == (
        "Noor answered yes to the safety question (afraid, hurt, threatened or forced) "
        "in the check-in of 3 March 2025"
    )


@pytest.mark.parametrize("status", ["paused", "closed"])
def test_a_paused_or_closed_couple_still_raises_safety_alerts_but_nothing_else(status):
    # Noor's total fell 24 -> 12 (RCI -3.8), nobody checked in for weeks and homework is
    # overdue: on an active couple all of that would raise alerts.
    data = couple(
        (
            checkin(NOOR, "2025-01-06 09:00", 24),
            checkin(NOOR, "2025-01-20 09:00", 12, safety=True, checkin_id=41),
        ),
        (assignment(due=date(2025, 1, 10), assigned="2025-01-03 09:00"),),
        status=status,
        created="2025-01-01 09:00",
    )

    alerts = run(data, now="2025-03-05 12:00")

    assert [a.key for a in alerts] == ["safety:41"]


def test_no_safety_alert_when_nobody_answered_yes():
    data = couple((checkin(MARA, "2025-03-03 09:00", 22), checkin(NOOR, "2025-03-03 10:00", 21)))

    assert kinds(run(data), "safety") == []


# --- deterioration -------------------------------------------------------------------------------


def test_a_reliable_fall_since_the_first_check_in_is_urgent_and_names_the_partner():
    # RCI = (12 - 24) / 3.1623 = -3.79, well past -1.96.
    data = couple(
        (
            checkin(NOOR, "2025-03-03 09:00", 24),
            checkin(NOOR, "2025-03-10 09:00", 18),
            checkin(NOOR, "2025-03-17 09:00", 12, checkin_id=77),
        )
    )

    [alert] = kinds(run(data, now="2025-03-18 09:00"), "deterioration")

    assert alert.severity == "urgent"
    assert alert.partner_id == NOOR
    assert alert.key == "deterioration:12:77"
    assert alert.since == at("2025-03-17 09:00")
    assert alert.message == (
        "Noor: trust-pulse total fell from 24 to 12 since the first check-in "
        "(reliable change index -3.8)"
    )


def test_a_fall_just_past_the_threshold_is_reliable_deterioration():
    # RCI = (17 - 24) / 3.1623 = -2.21 <= -1.96.
    data = couple((checkin(MARA, "2025-03-03 09:00", 24), checkin(MARA, "2025-03-10 09:00", 17)))

    [alert] = kinds(run(data, now="2025-03-11 09:00"), "deterioration")

    assert alert.partner_id == MARA
    assert "(reliable change index -2.2)" in alert.message


def test_a_fall_just_short_of_the_threshold_is_not_reliable_deterioration():
    # RCI = (18 - 24) / 3.1623 = -1.90 > -1.96: within measurement noise.
    data = couple((checkin(MARA, "2025-03-03 09:00", 24), checkin(MARA, "2025-03-10 09:00", 18)))

    assert kinds(run(data, now="2025-03-11 09:00"), "deterioration") == []


@pytest.mark.parametrize(
    ("latest", "raised"),
    [
        (14.0, True),  # RCI = (14 - 24) / 5 = -2.0: exactly at the threshold counts
        (13.5, True),  # RCI = -10.5 / 5 = -2.1: just past
        (14.5, False),  # RCI = -9.5 / 5 = -1.9: just short
    ],
)
def test_deterioration_counts_a_change_exactly_at_the_threshold(latest, raised):
    # sd 5, reliability 0.5: S_diff = sqrt(2) x 5 x sqrt(0.5) = 5, so RCI = change / 5.
    # In floating point 5 comes out as 5.000000000000001 and -10 / S_diff as -1.9999999999999996,
    # which must still count as "at -2".
    data = couple(
        (checkin(NOOR, "2025-03-03 09:00", 24), checkin(NOOR, "2025-03-10 09:00", latest))
    )
    thresholds = AlertThresholds(deterioration_rci=-2.0)

    alerts = run(data, "2025-03-11 09:00", thresholds, sd=5.0, reliability=0.5)

    assert bool(kinds(alerts, "deterioration")) is raised


def test_deterioration_compares_the_latest_score_with_the_first_not_the_lowest():
    # 24 -> 10 -> 20: the dip has recovered; RCI = (20 - 24) / 3.1623 = -1.26.
    data = couple(
        (
            checkin(MARA, "2025-03-03 09:00", 24),
            checkin(MARA, "2025-03-10 09:00", 10),
            checkin(MARA, "2025-03-17 09:00", 20),
        )
    )

    assert kinds(run(data, now="2025-03-18 09:00"), "deterioration") == []


def test_check_ins_without_a_total_are_skipped_when_judging_deterioration():
    # Noor's latest check-in had too many skipped answers to score; her latest total is 12.
    data = couple(
        (
            checkin(NOOR, "2025-03-03 09:00", 24),
            checkin(NOOR, "2025-03-10 09:00", 12, checkin_id=52),
            checkin(NOOR, "2025-03-17 09:00", None, checkin_id=53),
        )
    )

    [alert] = kinds(run(data, now="2025-03-18 09:00"), "deterioration")

    assert alert.key == "deterioration:12:52"


def test_one_scored_check_in_is_not_enough_to_judge_deterioration():
    data = couple((checkin(NOOR, "2025-03-03 09:00", 24), checkin(NOOR, "2025-03-10 09:00", None)))

    assert kinds(run(data, now="2025-03-11 09:00"), "deterioration") == []


def test_a_new_check_in_gives_deterioration_a_new_key_so_it_shows_again_after_acknowledging():
    first = (checkin(NOOR, "2025-03-03 09:00", 24), checkin(NOOR, "2025-03-10 09:00", 12))
    acknowledged = {a.key for a in run(couple(first), now="2025-03-11 09:00")}
    later = couple((*first, checkin(NOOR, "2025-03-17 09:00", 11, checkin_id=90)))

    shown = filter_acknowledged(run(later, now="2025-03-18 09:00"), acknowledged)

    assert [a.key for a in kinds(shown, "deterioration")] == ["deterioration:12:90"]


# --- divergence ----------------------------------------------------------------------------------
# Weeks: Mon 3 March 2025 is ISO 2025-W10, Mon 10 March W11, Mon 17 March W12.


def rounds(*pairs: tuple[float | None, float | None, int, int]) -> tuple[CheckinPoint, ...]:
    """Weekly check-ins from 3 March: (Mara's total, Noor's total, Mara's and Noor's overall)."""
    points = []
    for week, (mara, noor, mara_overall, noor_overall) in enumerate(pairs):
        day = date(2025, 3, 3) + timedelta(weeks=week)
        points.append(checkin(MARA, f"{day} 09:00", mara, mara_overall))
        points.append(checkin(NOOR, f"{day} 20:00", noor, noor_overall))
    return tuple(points)


def test_partners_diverging_on_two_rounds_in_a_row_raise_one_alert_keyed_by_the_latest_week():
    # Gaps |26 - 14| = 12 and |25 - 16| = 9, both over 8; overall gaps 1 and 1.
    data = couple(rounds((26, 14, 7, 6), (25, 16, 7, 6)))

    [alert] = kinds(run(data, now="2025-03-12 09:00"), "divergence")

    assert alert.severity == "attention"
    assert alert.partner_id is None
    assert alert.key == "divergence:2025-W11"
    assert alert.since == at("2025-03-10 20:00")
    assert alert.message == (
        "Mara and Noor see things differently in the last two weeks they both checked in. "
        "Week of 3 March 2025: totals Mara 26, Noor 14 (gap 12), "
        "overall trust Mara 7, Noor 6 (gap 1); "
        "week of 10 March 2025: totals Mara 25, Noor 16 (gap 9), "
        "overall trust Mara 7, Noor 6 (gap 1). "
        "Alert when the totals differ by more than 8 or overall trust by more than 3"
    )


@pytest.mark.parametrize(
    ("noor_total", "raised"),
    [
        (24.0, False),  # gap 8: exactly at, and 8 is not "more than 8"
        (23.0, True),  # gap 9: just over
        (25.0, False),  # gap 7: just under
    ],
)
def test_total_gap_must_be_more_than_the_threshold_in_both_rounds(noor_total, raised):
    # Round 1: Mara 32, Noor 20 -> gap 12. Round 2: Mara 32, Noor x -> gap 32 - x:
    # 32 - 24 = 8 (at), 32 - 23 = 9 (over), 32 - 25 = 7 (under). Overall gaps stay 0.
    data = couple(rounds((32, 20, 6, 6), (32, noor_total, 6, 6)))

    assert bool(kinds(run(data, now="2025-03-12 09:00"), "divergence")) is raised


def test_total_gap_exactly_at_the_threshold_in_the_earlier_round_does_not_count():
    # Round 1 gap |28 - 20| = 8 (not more than 8), round 2 gap 12.
    data = couple(rounds((28, 20, 6, 6), (30, 18, 6, 6)))

    assert kinds(run(data, now="2025-03-12 09:00"), "divergence") == []


@pytest.mark.parametrize(
    ("noor_overall", "raised"),
    [
        (5, False),  # |8 - 5| = 3: exactly at, not more than 3
        (4, True),  # |8 - 4| = 4: just over
        (6, False),  # |8 - 6| = 2: under
    ],
)
def test_overall_trust_gap_alone_can_raise_divergence(noor_overall, raised):
    # Totals 22 and 21 (gap 1) in both rounds; Mara rates overall trust 8 both times.
    data = couple(rounds((22, 21, 8, noor_overall), (22, 21, 8, noor_overall)))

    assert bool(kinds(run(data, now="2025-03-12 09:00"), "divergence")) is raised


def test_only_weeks_when_both_partners_checked_in_count_as_rounds():
    # Mara checks in in W10, W11 and W12; Noor skips W11. Rounds are W10 (gap 12) and
    # W12 (gap 10); Mara's lone W11 check-in cannot break the run.
    data = couple(
        (
            checkin(MARA, "2025-03-03 09:00", 26),
            checkin(NOOR, "2025-03-04 09:00", 14),
            checkin(MARA, "2025-03-11 09:00", 25),
            checkin(MARA, "2025-03-18 09:00", 24),
            checkin(NOOR, "2025-03-19 09:00", 14),
        )
    )

    [alert] = kinds(run(data, now="2025-03-20 09:00"), "divergence")

    assert alert.key == "divergence:2025-W12"
    assert "week of 17 March 2025: totals Mara 24, Noor 14 (gap 10)" in alert.message


def test_a_partners_latest_check_in_in_a_week_stands_for_that_round():
    # W11: Noor first scores 14 (gap 11 with Mara's 25) and then 20 on Saturday (gap 5).
    data = couple(
        (
            *rounds((26, 14, 6, 6)),
            checkin(MARA, "2025-03-10 09:00", 25),
            checkin(NOOR, "2025-03-11 09:00", 14),
            checkin(NOOR, "2025-03-15 09:00", 20),
        )
    )

    assert kinds(run(data, now="2025-03-16 09:00"), "divergence") == []


def test_one_diverging_round_is_not_yet_a_pattern():
    data = couple(rounds((30, 12, 9, 2)))

    assert kinds(run(data, now="2025-03-05 09:00"), "divergence") == []


def test_divergence_looks_only_at_the_last_two_rounds():
    # Gaps 12, 12, then 2: the partners have come back together.
    data = couple(rounds((26, 14, 6, 6), (26, 14, 6, 6), (22, 20, 6, 6)))

    assert kinds(run(data, now="2025-03-19 09:00"), "divergence") == []


def test_rounds_follow_iso_weeks_across_a_sunday_midnight_and_a_new_year():
    # Sun 29 Dec 2024 23:30 is 2024-W52; Mon 30 Dec 2024 00:30 is already 2025-W01.
    assert iso_week(at("2024-12-29 23:30")) == (2024, 52)
    assert iso_week(at("2024-12-30 00:30")) == (2025, 1)
    data = couple(
        (
            checkin(MARA, "2024-12-23 09:00", 30),
            checkin(NOOR, "2024-12-29 23:30", 18),  # W52, gap 12
            checkin(MARA, "2024-12-30 00:30", 29),
            checkin(NOOR, "2025-01-02 09:00", 19),  # 2025-W01, gap 10
        ),
        created="2024-12-20 09:00",
    )

    [alert] = kinds(run(data, now="2025-01-03 09:00"), "divergence")

    assert alert.key == "divergence:2025-W01"


def test_iso_week_is_taken_in_utc_whatever_zone_the_moment_carries():
    # 00:30 on Monday in Berlin (+01:00) is still 23:30 on Sunday in UTC.
    berlin = timezone(timedelta(hours=1))

    assert iso_week(datetime(2025, 3, 10, 0, 30, tzinfo=berlin)) == (2025, 10)


# --- one-sided work --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "raised"),
    [
        ("2025-03-10 09:00", True),  # assigned 3 March 09:00 + 7 days: exactly a week
        ("2025-03-10 09:01", True),  # just over a week
        ("2025-03-10 08:59", False),  # a minute short of a week
    ],
)
def test_work_done_by_one_partner_alone_is_raised_after_a_week(now, raised):
    data = couple(
        (checkin(MARA, "2025-03-09 09:00", 20), checkin(NOOR, "2025-03-09 10:00", 20)),
        (assignment(done={MARA: 2, NOOR: 0}),),
    )

    assert bool(kinds(run(data, now=now), "one_sided_work")) is raised


def test_one_sided_work_is_about_the_partner_who_has_not_started():
    data = couple(
        (checkin(MARA, "2025-03-11 09:00", 20), checkin(NOOR, "2025-03-11 10:00", 20)),
        (assignment(done={MARA: 2}, assignment_id=61),),  # Noor has no entry: none done
    )

    [alert] = kinds(run(data, now="2025-03-12 10:00"), "one_sided_work")

    assert alert.partner_id == NOOR
    assert alert.key == "one_sided_work:61:12"
    assert alert.since == at("2025-03-10 09:00")
    assert alert.message == (
        'Only Mara has started "Listening without defending": Mara marked 2 of 3 exercises '
        "done, Noor none, 9 days after it was assigned"
    )


@pytest.mark.parametrize(
    ("done", "status", "partner"),
    [
        ({MARA: 1, NOOR: 1}, "in_progress", None),  # both started
        ({MARA: 0, NOOR: 0}, "assigned", None),  # neither started: not one-sided
        ({MARA: 3, NOOR: 0}, "completed", None),  # finished
        ({MARA: 1, NOOR: 0}, "skipped", None),  # set aside by the counselor
        ({MARA: 2}, "in_progress", MARA),  # Mara's own assignment
    ],
)
def test_one_sided_work_needs_an_open_assignment_for_both_with_only_one_started(
    done, status, partner
):
    data = couple(
        (checkin(MARA, "2025-03-20 09:00", 20), checkin(NOOR, "2025-03-20 10:00", 20)),
        (assignment(done=done, status=status, partner=partner),),
    )

    assert kinds(run(data, now="2025-03-21 09:00"), "one_sided_work") == []


def test_one_sided_work_is_raised_for_an_assignment_in_progress():
    # Noor has done 1 exercise, Mara none; 14 days after assignment.
    data = couple(
        (checkin(MARA, "2025-03-16 09:00", 20), checkin(NOOR, "2025-03-16 10:00", 20)),
        (assignment(done={MARA: 0, NOOR: 1}, status="in_progress"),),
    )

    [alert] = kinds(run(data, now="2025-03-17 09:00"), "one_sided_work")

    assert alert.partner_id == MARA


# --- no check-in ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "raised"),
    [
        ("2025-03-17 10:00", True),  # last check-in 3 March 10:00 + 14 days: exactly at
        ("2025-03-18 10:00", True),  # 15 days: over
        ("2025-03-17 09:59", False),  # a minute short of 14 days
    ],
)
def test_a_partner_quiet_for_the_threshold_number_of_days_is_raised(now, raised):
    data = couple(
        (
            checkin(MARA, "2025-03-03 10:00", 20, checkin_id=71),
            checkin(NOOR, "2025-03-16 10:00", 20),
        )
    )

    quiet = kinds(run(data, now=now), "no_checkin")

    assert [a.key for a in quiet] == (["no_checkin:11:71"] if raised else [])


def test_no_checkin_message_counts_days_since_the_last_check_in():
    data = couple(
        (checkin(MARA, "2025-03-03 10:00", 20), checkin(NOOR, "2025-03-18 10:00", 20)),
    )

    [alert] = kinds(run(data, now="2025-03-19 12:00"), "no_checkin")

    assert alert.partner_id == MARA
    assert alert.since == at("2025-03-17 10:00")
    assert alert.message == "Mara has not checked in for 16 days (last check-in 3 March 2025)"


def test_a_partner_who_never_checked_in_is_counted_from_when_the_couple_was_added():
    # Added 1 March 08:00; 14 days later is 15 March 08:00.
    data = couple((checkin(MARA, "2025-03-14 09:00", 20),), created="2025-03-01 08:00")

    assert kinds(run(data, now="2025-03-15 07:59"), "no_checkin") == []
    [alert] = kinds(run(data, now="2025-03-15 08:00"), "no_checkin")
    assert alert.partner_id == NOOR
    assert alert.key == "no_checkin:12:never"
    assert alert.message == (
        "Noor has not checked in yet, 14 days after the couple was added on 1 March 2025"
    )


def test_an_unscored_check_in_still_counts_as_checking_in():
    data = couple(
        (checkin(MARA, "2025-03-10 09:00", None, None), checkin(NOOR, "2025-03-10 10:00", 20))
    )

    assert kinds(run(data, now="2025-03-20 09:00"), "no_checkin") == []


def test_the_practice_can_shorten_the_quiet_period():
    # Seven days: last check-ins 10 March 09:00/10:00; at 17 March 09:30 only Mara's is 7 days old.
    data = couple((checkin(MARA, "2025-03-10 09:00", 20), checkin(NOOR, "2025-03-10 10:00", 20)))

    alerts = run(data, "2025-03-17 09:30", AlertThresholds(no_checkin_days=7))

    assert [a.partner_id for a in kinds(alerts, "no_checkin")] == [MARA]


# --- overdue -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "days_overdue"),
    [
        ("2025-03-10 23:59", None),  # the due day itself: not overdue yet
        ("2025-03-11 00:00", 1),  # the first minute of the next day
        ("2025-03-09 12:00", None),  # the day before
        ("2025-03-14 12:00", 4),
    ],
)
def test_an_open_assignment_is_overdue_from_the_day_after_its_due_date(now, days_overdue):
    data = couple(
        (checkin(MARA, "2025-03-09 09:00", 20), checkin(NOOR, "2025-03-09 10:00", 20)),
        (assignment(due=date(2025, 3, 10), done={MARA: 1, NOOR: 1}, assignment_id=81),),
    )

    overdue = kinds(run(data, now=now), "overdue")

    if days_overdue is None:
        assert overdue == []
    else:
        [alert] = overdue
        assert alert.key == "overdue:81:2025-03-10"
        assert alert.since == at("2025-03-11 00:00")
        day_word = "day" if days_overdue == 1 else "days"
        assert alert.message == (
            '"Listening without defending" for both partners was due on 10 March 2025 and is '
            f"{days_overdue} {day_word} overdue (status: assigned)"
        )


def test_an_overdue_assignment_for_one_partner_names_that_partner():
    data = couple(
        (checkin(MARA, "2025-03-12 09:00", 20), checkin(NOOR, "2025-03-12 10:00", 20)),
        (
            assignment(
                "Letter to the hurt partner",
                due=date(2025, 3, 10),
                partner=NOOR,
                status="in_progress",
            ),
        ),
    )

    [alert] = kinds(run(data, now="2025-03-13 09:00"), "overdue")

    assert alert.partner_id == NOOR
    assert "for Noor was due on 10 March 2025 and is 3 days overdue (status: in progress)" in (
        alert.message
    )


@pytest.mark.parametrize("status", ["completed", "skipped"])
def test_finished_or_skipped_assignments_are_never_overdue(status):
    data = couple(
        (checkin(MARA, "2025-03-12 09:00", 20), checkin(NOOR, "2025-03-12 10:00", 20)),
        (assignment(due=date(2025, 3, 1), status=status, done={MARA: 3, NOOR: 3}),),
    )

    assert kinds(run(data, now="2025-03-13 09:00"), "overdue") == []


def test_an_assignment_without_a_due_date_is_never_overdue():
    data = couple(
        (checkin(MARA, "2025-03-12 09:00", 20), checkin(NOOR, "2025-03-12 10:00", 20)),
        (assignment(due=None, done={MARA: 1, NOOR: 1}),),
    )

    assert kinds(run(data, now="2025-06-01 09:00"), "overdue") == []


def test_overdue_is_judged_on_the_utc_date():
    # 01:00 on 11 March in Athens (+02:00) is 23:00 on 10 March UTC: still the due day.
    data = couple(
        (checkin(MARA, "2025-03-09 09:00", 20), checkin(NOOR, "2025-03-09 10:00", 20)),
        (assignment(due=date(2025, 3, 10), done={MARA: 1, NOOR: 1}),),
    )
    athens_now = datetime(2025, 3, 11, 1, 0, tzinfo=timezone(timedelta(hours=2)))

    assert kinds(evaluate(data, SD, RELIABILITY, DEFAULTS, athens_now), "overdue") == []


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(couple(), SD, RELIABILITY, DEFAULTS, datetime(2025, 3, 5, 12, 0))


def test_an_unknown_assignment_status_is_refused():
    with pytest.raises(ValueError, match="unknown status 'done'"):
        assignment(status="done")


# --- ordering, caseload rank and acknowledgement ------------------------------------------------


def test_alerts_come_urgent_first_then_oldest_evidence_first():
    data = couple(
        (
            checkin(MARA, "2025-03-03 09:00", 24),
            checkin(NOOR, "2025-03-03 10:00", 22),
            checkin(MARA, "2025-03-10 09:00", 12, checkin_id=92),  # RCI -3.8
            checkin(NOOR, "2025-03-12 10:00", 22, safety=True, checkin_id=93),
        ),
        (assignment(due=date(2025, 3, 5), done={MARA: 1, NOOR: 1}, assignment_id=94),),
    )

    alerts = run(data, now="2025-03-13 09:00")

    assert [(a.severity, a.key) for a in alerts] == [
        ("urgent", "deterioration:11:92"),  # 10 March
        ("urgent", "safety:93"),  # 12 March
        ("attention", "overdue:94:2025-03-05"),  # since 6 March
    ]


def alert(severity: str, key: str) -> Alert:
    kind = "safety" if severity == "urgent" else "overdue"
    return Alert(kind, severity, 1, None, "", key, at("2025-03-01 09:00"))  # type: ignore[arg-type]


def test_caseload_puts_couples_with_urgent_alerts_first_then_those_with_more_to_look_at():
    caseload = {
        "Quiet Harbour": [],
        "Two Overdue": [alert("attention", "a"), alert("attention", "b")],
        "One Safety": [alert("urgent", "c")],
        "One Overdue": [alert("attention", "d")],
        "Safety And Overdue": [alert("urgent", "e"), alert("attention", "f")],
    }

    ordered = sorted(caseload, key=lambda label: urgency_rank(caseload[label]))

    assert ordered == [
        "Safety And Overdue",
        "One Safety",
        "Two Overdue",
        "One Overdue",
        "Quiet Harbour",
    ]
    assert urgency_rank([]) == (0, 0)


def test_acknowledged_alerts_are_hidden_and_others_kept_in_order():
    alerts = [alert("urgent", "safety:5"), alert("attention", "overdue:6:2025-03-01")]

    assert filter_acknowledged(alerts, {"safety:5"}) == [alerts[1]]
    assert filter_acknowledged(alerts, set()) == alerts


def test_a_new_safety_answer_shows_even_after_the_earlier_one_was_acknowledged():
    earlier = checkin(NOOR, "2025-03-03 21:15", 20, safety=True, checkin_id=31)
    acknowledged = {"safety:31"}
    data = couple(
        (
            earlier,
            checkin(MARA, "2025-03-04 09:00", 20),
            checkin(NOOR, "2025-03-10 21:00", 19, safety=True, checkin_id=35),
        )
    )

    shown = filter_acknowledged(run(data, now="2025-03-11 09:00"), acknowledged)

    assert [a.key for a in shown] == ["safety:35"]


def test_a_calm_active_couple_raises_nothing():
    data = couple(
        rounds((22, 21, 7, 7), (23, 22, 7, 7)),
        (assignment(done={MARA: 1, NOOR: 2}, due=date(2025, 3, 20)),),
    )

    assert run(data, now="2025-03-12 09:00") == []


def test_alerts_and_charts_import_without_streamlit_or_a_database():
    # Run in a fresh interpreter: this test session has already imported SQLAlchemy.
    code = (
        "import sys, trustcare.alerts, trustcare.charts; "
        "print(sorted(m for m in ('streamlit', 'sqlalchemy', 'trustcare.db', 'trustcare.models') "
        "if m in sys.modules))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"

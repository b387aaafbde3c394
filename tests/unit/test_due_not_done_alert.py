"""Where a check-in schedule exists, "due and not done" replaces "no check-in for 14 days"."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from trustcare.alerts import CoupleData, evaluate
from trustcare.practice_settings import AlertThresholds

MARA, NOOR = 1, 2
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CLOSED = datetime(2025, 5, 30, 9, 0, tzinfo=UTC)


def quiet_couple(due_missed=None) -> CoupleData:
    """Added three months ago, never checked in: the 14-day rule would fire for both."""
    return CoupleData(
        couple_id=7,
        label="Harbour Lights",
        partner_ids=(MARA, NOOR),
        partner_names={MARA: "Mara", NOOR: "Noor"},
        checkins=(),
        assignments=(),
        created_at=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
        status="active",
        due_missed=due_missed,
    )


def kinds(data: CoupleData) -> list[tuple[str, int | None]]:
    return [(a.kind, a.partner_id) for a in evaluate(data, 4.0, 0.8, AlertThresholds(), NOW)]


def test_without_a_schedule_the_fourteen_day_rule_fires():
    assert kinds(quiet_couple()) == [("no_checkin", MARA), ("no_checkin", NOOR)]


def test_with_a_schedule_only_a_missed_due_check_in_is_raised():
    data = quiet_couple({MARA: (2, "2025-05-26", CLOSED), NOOR: (0, "", NOW)})
    alerts = evaluate(data, 4.0, 0.8, AlertThresholds(), NOW)
    assert [(a.kind, a.partner_id) for a in alerts] == [("due_not_done", MARA)]
    (alert,) = alerts
    assert alert.message.startswith("Mara has not done the last 2 due check-ins")
    assert alert.key == "due_not_done:1:2025-05-26" and alert.since == CLOSED
    assert alert.severity == "attention"


def test_a_schedule_with_nothing_missed_raises_nothing():
    assert kinds(quiet_couple({MARA: (0, "", NOW), NOOR: (0, "", NOW)})) == []


def test_a_paused_couple_gets_no_due_alert():
    paused = replace(quiet_couple({MARA: (3, "2025-05-26", CLOSED)}), status="paused")
    assert kinds(paused) == []

"""A couple's next session and own check-in schedule, set and read back on SQLite and
PostgreSQL: stored as UTC from the practice's local time, saved twice is one change (one audit
row), bad input refused, the caseload shows the next session (rolled forward) and completion."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from sqlalchemy import func, select

from trustcare.catalog import get_catalog
from trustcare.errors import CoupleNotFound, InvalidInput
from trustcare.models import AuditEvent, Counselor, Couple, Practice
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services import accounts, agendas, caseloads, couples, demo, standings
from trustcare.services.schedules import partner_due_states

OWN = {
    "kind": "every_weeks",
    "every_weeks": 2,
    "weekday": 4,
    "local_time": "18:00",
    "days_before": 2,
    "window_days": 4,
    "reminder_day": 2,
}


@pytest.fixture
def berlin(practice):
    with practice.factory() as session:
        session.get(Practice, practice.admin.practice_id).settings = {"time_zone": "Europe/Berlin"}
        session.commit()
    return practice


def _audited(practice, action: str) -> int:
    with practice.factory() as session:
        return session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


def test_appointment_is_stored_as_utc_from_local_time_and_read_back(berlin):
    day = dt.date.today() + dt.timedelta(days=10)
    with berlin.work(berlin.admin) as uow:
        assert couples.set_appointment(uow, berlin.admins_couple, day, dt.time(17, 30), "weekly")
    with berlin.work(berlin.admin) as uow:
        again = couples.set_appointment(uow, berlin.admins_couple, day, dt.time(17, 30), "weekly")
    assert again is False
    assert _audited(berlin, "couple.appointment") == 1
    with berlin.work(berlin.admin) as uow:
        record = couples.record_of(uow, uow.couples.get(berlin.admins_couple))
        schedules = couples.schedules_of(uow, record)
    local = record.next_session_at.astimezone(schedules.zone)
    assert (local.date(), local.time().replace(tzinfo=None)) == (day, dt.time(17, 30))
    assert record.next_session_at.utcoffset() == dt.timedelta(0)
    assert record.session_rhythm == "weekly"
    assert schedules.upcoming == record.next_session_at


def test_recurring_appointment_rolls_forward_on_the_caseload(berlin):
    first = dt.datetime(2026, 1, 5, 16, 0, tzinfo=dt.UTC)  # a Monday, 17:00 in Berlin
    with berlin.factory() as session:
        rivera = session.get(Couple, berlin.admins_couple)
        rivera.next_session_at, rivera.session_rhythm = first, "every_2_weeks"
        session.commit()
    now = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)
    with berlin.work(berlin.admin) as uow:
        view = caseloads.caseload_view(uow, get_catalog(), now=now)
    (row,) = view.rows
    assert row.next_session == dt.datetime(2026, 3, 16, 16, 0, tzinfo=dt.UTC)


def test_a_past_single_appointment_is_refused_and_nothing_changes(berlin):
    with berlin.work(berlin.admin) as uow, pytest.raises(InvalidInput):
        couples.set_appointment(
            uow, berlin.admins_couple, dt.date(2020, 1, 1), dt.time(9, 0), "once"
        )
    with berlin.work(berlin.admin) as uow, pytest.raises(InvalidInput):
        couples.set_appointment(uow, berlin.admins_couple, dt.date.today(), dt.time(9), "daily")
    assert _audited(berlin, "couple.appointment") == 0


def test_own_schedule_set_twice_is_one_change_and_starts_today(berlin):
    with berlin.work(berlin.admin) as uow:
        assert couples.set_schedule(uow, berlin.admins_couple, OWN, today=dt.date(2026, 3, 2))
    with berlin.work(berlin.admin) as uow:
        assert not couples.set_schedule(uow, berlin.admins_couple, dict(OWN))
    assert _audited(berlin, "couple.schedule") == 1
    with berlin.work(berlin.admin) as uow:
        record = couples.record_of(uow, uow.couples.get(berlin.admins_couple))
        schedules = couples.schedules_of(uow, record)
    assert record.schedule["kind"] == "every_weeks" and record.schedule["weekday"] == 4
    assert record.schedule_since == dt.date(2026, 3, 2)
    lena, marco = schedules.partners
    assert lena.schedule_text.startswith("Every 2 weeks on Friday at 18:00")
    assert lena.reachable_by_email and not marco.reachable_by_email
    with berlin.work(berlin.admin) as uow:
        assert couples.set_schedule(uow, berlin.admins_couple, None)
        record = couples.record_of(uow, uow.couples.get(berlin.admins_couple))
    assert record.schedule is None


def test_a_bad_schedule_is_refused_with_the_reason(berlin):
    with berlin.work(berlin.admin) as uow, pytest.raises(InvalidInput) as refused:
        couples.set_schedule(uow, berlin.admins_couple, {**OWN, "reminder_day": 6})
    assert "before the window closes" in str(refused.value.problems)
    with berlin.work(berlin.admin) as uow:
        assert uow.couples.get(berlin.admins_couple).schedule is None


def test_another_counselors_couple_cannot_be_scheduled(berlin):
    with berlin.work(berlin.counselor) as uow, pytest.raises(CoupleNotFound):
        couples.set_schedule(uow, berlin.admins_couple, OWN)


def test_caseload_shows_completion_of_a_scheduled_couple(berlin):
    with berlin.work(berlin.admin) as uow:
        couples.set_schedule(uow, berlin.admins_couple, OWN, today=dt.date(2026, 1, 1))
    now = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)
    with berlin.work(berlin.admin) as uow:
        view = caseloads.caseload_view(uow, get_catalog(), now=now)
    (row,) = view.rows
    assert row.completion.startswith("0 of ")


def test_the_demo_tells_the_schedule_story(factory):
    demo.seed_demo(partial(unscoped_work, factory))
    admin = demo.DEMO_LOGINS[0]
    actor = accounts.authenticate(partial(unscoped_work, factory), admin.email, admin.password)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Counselor)) == 2
    with CounselorWork(factory, actor) as uow:
        view = caseloads.caseload_view(uow, get_catalog(), status=None)
        by_label = {row.label: row for row in view.rows}
        states = partner_due_states(uow, [row.couple_id for row in view.rows])
    by_name = {state.partner_name: state for state in states.values()}
    assert by_name["Mara"].completion.rate == 1.0
    assert by_name["Priya"].completion.rate < 1.0
    assert by_name["Priya"].last_reminder.status == "failed"
    assert by_name["Dana"].stopped
    assert not by_name["Ben"].reachable_by_email and by_name["Ben"].paused
    assert by_label["Alder & Brook"].next_session is not None
    assert by_label["Alder & Brook"].completion.endswith("(100%)")
    assert by_label["Fernhill"].completion == ""


def test_a_scheduled_couple_gets_due_and_not_done_instead_of_no_check_in(berlin):
    with berlin.work(berlin.admin) as uow:
        couple = uow.couples.get(berlin.admins_couple)
        before = standings.standings_of(uow, get_catalog(), [couple], utcnow_in_weeks(6))
    assert {a.kind for a in before[couple.id].alerts} == {"no_checkin"}
    with berlin.work(berlin.admin) as uow:
        couples.set_schedule(
            uow, berlin.admins_couple, OWN, today=dt.date.today() - dt.timedelta(weeks=1)
        )
    with berlin.work(berlin.admin) as uow:
        couple = uow.couples.get(berlin.admins_couple)
        after = standings.standings_of(uow, get_catalog(), [couple], utcnow_in_weeks(6))
    alerts = after[couple.id].alerts
    assert {a.kind for a in alerts} == {"due_not_done"}
    assert any("Lena has not done the last" in a.message for a in alerts)


def utcnow_in_weeks(weeks: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(weeks=weeks)


def test_the_agenda_names_the_next_session(berlin):
    day = dt.date.today() + dt.timedelta(days=3)
    with berlin.work(berlin.admin) as uow:
        couples.set_appointment(uow, berlin.admins_couple, day, dt.time(17, 0), "weekly")
    with berlin.work(berlin.admin) as uow:
        couple = uow.couples.get(berlin.admins_couple)
        agenda = agendas.couple_agenda(uow, get_catalog(), couple, couples.record_of(uow, couple))
    (item,) = [i for i in agenda.items if i.kind == "next_session"]
    assert item.title == f"Next session: {day:%A} {day.day} {day:%B}, 17:00"
    assert item.detail == "Every week"

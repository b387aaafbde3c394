"""The reminder pass on SQLite and PostgreSQL: claimed once, nothing for paused, closed or
stopped partners or closed windows, retried with back-off, taken over after a runner died."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from sqlalchemy import select

from trustcare.delivery import DeliveryFailed
from trustcare.errors import InvalidInput
from trustcare.models import AuditEvent, CheckIn, Couple, Partner, Practice, Reminder
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.reminder_messages import make_stop_token
from trustcare.services import reminders
from trustcare.services.schedules import partner_due_states

SECRET = "test-secret-key-for-reminders"
# Weekly on Monday 9:00 in Berlin from Monday 2 March 2026; open 4 days, reminded on day 2.
SINCE = dt.date(2026, 3, 2)
REMIND_AT = dt.datetime(2026, 3, 4, 8, 0, tzinfo=dt.UTC)  # Wednesday 9:00 in Berlin
NOW = REMIND_AT + dt.timedelta(minutes=30)
SCHEDULE = {"kind": "every_weeks", "every_weeks": 1, "weekday": 0, "local_time": "09:00:00"}


class Outbox:
    """A fake delivery: keeps what it was given, or fails as told."""

    def __init__(self) -> None:
        self.sent = []
        self.failing = False

    def __call__(self, smtp):
        return self

    def send(self, message) -> None:
        if self.failing:
            raise DeliveryFailed("the mail server answered 451")
        self.sent.append(message)


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def scheduled(practice):
    """Harbor in Berlin with a mail server and a weekly schedule; Lena has an email."""
    with practice.factory() as session:
        harbor = session.get(Practice, practice.admin.practice_id)
        harbor.settings = {
            "time_zone": "Europe/Berlin",
            "smtp": {"host": "mail.harbor.example", "sender": "care@harbor.example"},
            "base_url": "https://care.harbor.example",
        }
        rivera = session.get(Couple, practice.admins_couple)
        rivera.schedule = SCHEDULE
        rivera.schedule_since = SINCE
        session.commit()
    return practice


def _pass(practice, outbox, now=NOW):
    return reminders.run_pass(
        partial(unscoped_work, practice.factory),
        partial(CounselorWork, practice.factory),
        outbox,
        SECRET,
        "http://localhost:8501",
        now,
    )


def _reminders(practice) -> list[Reminder]:
    with practice.factory() as session:
        return list(session.scalars(select(Reminder).order_by(Reminder.id)))


def _lena(practice) -> int:
    with practice.factory() as session:
        return session.scalar(
            select(Partner.id).where(
                Partner.couple_id == practice.admins_couple, Partner.position == 1
            )
        )


def test_a_due_reminder_is_sent_once(scheduled, outbox):
    first = _pass(scheduled, outbox)
    assert (first.due, first.claimed, first.sent) == (1, 1, 1)
    assert _pass(scheduled, outbox).sent == 0
    assert _pass(scheduled, outbox, NOW + dt.timedelta(hours=20)).sent == 0
    [message] = outbox.sent
    assert message["To"] == "lena@mail.example"
    body = message.get_body(("plain",)).get_content()
    assert "https://care.harbor.example/checkin?t=" in body
    assert "https://care.harbor.example/reminders/stop?t=" in body
    assert "Ada Fictional" in body and "Harbor Counseling" in body
    [row] = _reminders(scheduled)
    assert (row.status, row.attempts, row.window_key) == ("sent", 1, "2026-03-02")


def test_nothing_before_the_reminder_time_or_after_the_window(scheduled, outbox):
    assert _pass(scheduled, outbox, REMIND_AT - dt.timedelta(minutes=1)).due == 0
    # The window opened on Monday 9:00 and closes on Friday 9:00 (Berlin).
    assert _pass(scheduled, outbox, dt.datetime(2026, 3, 6, 8, 0, tzinfo=dt.UTC)).due == 0
    assert outbox.sent == []


@pytest.mark.parametrize("status", ["paused", "closed"])
def test_a_paused_or_closed_couple_gets_nothing(scheduled, outbox, status):
    with scheduled.factory() as session:
        session.get(Couple, scheduled.admins_couple).status = status
        session.commit()
    assert _pass(scheduled, outbox).due == 0
    assert outbox.sent == [] and _reminders(scheduled) == []


def test_a_stopped_partner_gets_nothing_and_the_counselor_can_restart_with_agreement(
    scheduled, outbox
):
    lena = _lena(scheduled)
    opener = partial(unscoped_work, scheduled.factory)
    assert reminders.stop_reminders(opener, SECRET, make_stop_token(SECRET, lena), NOW)
    assert not reminders.stop_reminders(opener, SECRET, make_stop_token("other", lena), NOW)
    assert _pass(scheduled, outbox).due == 0
    with scheduled.work(scheduled.admin) as uow:
        assert partner_due_states(uow, [scheduled.admins_couple], NOW)[lena].stopped
        with pytest.raises(InvalidInput):
            reminders.restart_reminders(uow, scheduled.admins_couple, lena, False)
    with scheduled.work(scheduled.admin) as uow:
        reminders.restart_reminders(uow, scheduled.admins_couple, lena, True)
    assert _pass(scheduled, outbox).sent == 1
    with scheduled.factory() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert {"reminders.stop", "reminders.restart"} <= set(actions)


def test_a_partner_who_checked_in_or_has_no_email_gets_nothing(scheduled, outbox):
    lena = _lena(scheduled)
    with scheduled.factory() as session:
        session.add(
            CheckIn(
                couple_id=scheduled.admins_couple,
                partner_id=lena,
                submitted_at=REMIND_AT - dt.timedelta(hours=3),
                measure_id="trust-pulse",
                measure_version=1,
                idempotency_key="reminder-test-1",
            )
        )
        session.commit()
    assert _pass(scheduled, outbox).due == 0
    with scheduled.factory() as session:
        session.get(Partner, lena).contact = "+49 30 1234567"
        session.commit()
    assert _pass(scheduled, outbox, NOW + dt.timedelta(days=7)).due == 0


def test_a_failed_send_is_retried_with_back_off_then_failed(scheduled, outbox):
    outbox.failing = True
    waits = [dt.timedelta(0), *reminders.BACKOFF]
    at = NOW
    for tries, wait in enumerate(waits, start=1):
        at += wait
        if tries > 1:
            assert _pass(scheduled, outbox, at - dt.timedelta(seconds=1)).claimed == 0
        result = _pass(scheduled, outbox, at)
        assert result.claimed == 1
        [row] = _reminders(scheduled)
        assert row.attempts == tries
        if tries < len(waits):
            assert row.status == "retry"
            assert row.next_attempt_at == at + waits[tries]
        else:
            assert row.status == "failed"
    assert "451" in row.last_error and "@" not in row.last_error
    assert _pass(scheduled, outbox, at + dt.timedelta(hours=5)).claimed == 0
    with scheduled.work(scheduled.admin) as uow:
        state = partner_due_states(uow, [scheduled.admins_couple], at)[_lena(scheduled)]
    assert state.last_reminder.status == "failed"


def test_a_retry_whose_window_closed_is_failed_not_sent(scheduled, outbox):
    outbox.failing = True
    _pass(scheduled, outbox)
    outbox.failing = False
    closed = dt.datetime(2026, 3, 6, 8, 0, tzinfo=dt.UTC)
    assert _pass(scheduled, outbox, closed).closed_unsent == 1
    assert outbox.sent == []
    assert _reminders(scheduled)[0].status == "failed"


class Killed(BaseException):
    """A runner dying in the middle of a send."""


def test_a_runner_killed_after_claiming_is_taken_over_after_its_claim(scheduled, outbox):
    def die(smtp):
        raise Killed()

    with pytest.raises(Killed):
        reminders.run_pass(
            partial(unscoped_work, scheduled.factory),
            partial(CounselorWork, scheduled.factory),
            die,
            SECRET,
            "",
            NOW,
        )
    assert _reminders(scheduled)[0].status == "sending"
    assert _pass(scheduled, outbox, NOW + dt.timedelta(minutes=5)).claimed == 0
    assert _pass(scheduled, outbox, NOW + reminders.CLAIM_FOR + dt.timedelta(seconds=1)).sent == 1
    assert len(outbox.sent) == 1


def test_due_states_for_the_screens(scheduled, outbox):
    _pass(scheduled, outbox)
    lena = _lena(scheduled)
    with scheduled.work(scheduled.admin) as uow:
        states = partner_due_states(uow, [scheduled.admins_couple], NOW)
    assert set(states) == {lena, lena + 1} or len(states) == 2
    state = states[lena]
    assert state.open_window.key == "2026-03-02"
    assert state.due_by == dt.datetime(2026, 3, 6, 8, 0, tzinfo=dt.UTC)
    assert state.last_reminder.status == "sent" and state.reachable_by_email
    marco = next(s for s in states.values() if s.partner_id != lena)
    assert not marco.reachable_by_email and marco.last_reminder is None
    later = NOW + dt.timedelta(days=21)
    with scheduled.work(scheduled.admin) as uow:
        assert partner_due_states(uow, [scheduled.admins_couple], later)[lena].completion.due == 3
    with scheduled.work(scheduled.counselor) as uow:
        assert partner_due_states(uow, [scheduled.admins_couple], NOW) == {}


def test_finding_due_reminders_takes_the_same_statements_for_more_couples(
    scheduled, count_statements
):
    from trustcare.services import couples

    def find():
        with unscoped_work(scheduled.factory, read_only=True) as uow:
            uow.reminders.schedule_inputs(None, NOW, NOW)

    few = count_statements(find)
    with scheduled.work(scheduled.admin) as uow:
        for number in range(5):
            couples.create_couple(
                uow, f"Extra {number}", [couples.PartnerInput("A"), couples.PartnerInput("B")]
            )
    assert count_statements(find) == few


def test_a_reminder_carries_the_partners_current_link_while_it_stays_valid(scheduled, outbox):
    from trustcare.services import links

    lena = _lena(scheduled)
    with scheduled.work(scheduled.admin) as uow:
        issued = links.issue_link(uow, scheduled.admins_couple, lena, "http://localhost:8501")
    _pass(scheduled, outbox)
    token = issued.url.split("t=")[1]
    assert f"t={token}" in outbox.sent[0].get_body(("plain",)).get_content()
    # A link that expires before the window closes is replaced by a new one.
    with scheduled.factory() as session:
        from trustcare.models import CheckinLink

        session.get(CheckinLink, session.scalar(select(CheckinLink.id))).expires_at = NOW
        session.commit()
    _pass(scheduled, outbox, NOW + dt.timedelta(days=7))
    assert f"t={token}" not in outbox.sent[1].get_body(("plain",)).get_content()
    assert "/checkin?t=" in outbox.sent[1].get_body(("plain",)).get_content()


def test_on_sqlite_one_runner_per_database_file(tmp_path, monkeypatch):
    from trustcare import reminder_runner

    url = f"sqlite:///{tmp_path / 'trustcare.db'}"
    busy = pytest.raises(reminder_runner.RunnerBusy, match="only one runner")
    with reminder_runner.one_runner(url), busy, reminder_runner.one_runner(url):
        pass
    with reminder_runner.one_runner(url):
        pass
    assert reminder_runner.lock_path("postgresql+psycopg://db/trustcare") is None
    monkeypatch.setenv("TRUSTCARE_REMINDERS", "off")
    assert reminder_runner.start_in_background(lambda: None) is None


def test_a_partner_stops_reminders_from_their_own_page(scheduled, outbox):
    from trustcare.identity import PartnerActor
    from trustcare.persistence.uow import PartnerWork

    lena = _lena(scheduled)
    actor = PartnerActor(lena, scheduled.admins_couple, scheduled.admin.practice_id, 0, "Lena")
    with PartnerWork(scheduled.factory, actor) as uow:
        reminders.stop_own_reminders(uow, NOW)
    with PartnerWork(scheduled.factory, actor) as uow:
        assert partner_due_states(uow, [scheduled.admins_couple], NOW)[lena].stopped
    assert _pass(scheduled, outbox).due == 0

"""The Details tab's next session and check-in schedule forms, as a counselor uses them: saving
the same values twice is one change (one audit row), a refused form keeps what was typed and
says why, and a partner's stopped reminders restart only with their agreement."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from sqlalchemy import func, select

from tests.app.conftest import signed_in_app
from trustcare.models import AuditEvent, Couple, Partner
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services import accounts, couples

TAB = "Details and status"


@pytest.fixture
def harbor(app_factory):
    """Admin Ada with couple Rivera (Lena has an email, Marco none)."""
    ada = accounts.create_practice(
        partial(unscoped_work, app_factory),
        "Harbor",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    with CounselorWork(app_factory, ada) as uow:
        rivera = couples.create_couple(
            uow,
            "Rivera",
            [couples.PartnerInput("Lena", "lena@mail.example"), couples.PartnerInput("Marco")],
        )
    return {"factory": app_factory, "ada": ada, "rivera": rivera}


def details(harbor):
    at = signed_in_app(harbor["ada"]).run()
    at.switch_page("pages/couple.py")
    at.query_params["couple"] = str(harbor["rivera"])
    at.run()
    at.session_state["tab"] = TAB
    at.run()
    assert not at.exception
    return at


def widget(widgets, label):
    return next(w for w in widgets if w.label == label)


def click(at, label):
    return widget(at.button, label).click().run()


def audited(harbor, action):
    with harbor["factory"]() as session:
        return session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


def stored_couple(harbor) -> Couple:
    with harbor["factory"]() as session:
        couple = session.get(Couple, harbor["rivera"])
        session.expunge(couple)
        return couple


def test_an_own_schedule_saved_twice_is_one_change(harbor):
    at = details(harbor)
    widget(at.radio, "Schedule").set_value("Its own schedule")
    widget(at.selectbox, "Check-ins are due").set_value("every_weeks")
    widget(at.selectbox, "Weekday").set_value(4)
    click(at, "Save schedule")
    assert not at.exception and not at.error
    assert "Schedule saved." in [s.value for s in at.success]
    click(at, "Save schedule")
    assert "Nothing changed." in [s.value for s in at.success]
    assert audited(harbor, "couple.schedule") == 1
    couple = stored_couple(harbor)
    assert couple.schedule["kind"] == "every_weeks" and couple.schedule["weekday"] == 4
    assert couple.schedule_since is not None
    shown = " ".join(t.value for t in at.text)
    assert "Every 2 weeks on Friday" in shown
    assert any("Not reachable by email" in w.value for w in at.warning), "Marco has no email"


def test_a_refused_schedule_keeps_what_was_typed_and_says_why(harbor):
    at = details(harbor)
    widget(at.radio, "Schedule").set_value("Its own schedule")
    widget(at.selectbox, "Check-ins are due").set_value("every_weeks")
    widget(at.number_input, "Days a due check-in stays open").set_value(2)
    widget(at.number_input, "Reminder on day (0: none)").set_value(3)
    click(at, "Save schedule")
    assert not at.exception
    assert any("before the window closes" in e.value for e in at.error)
    assert widget(at.number_input, "Days a due check-in stays open").value == 2
    assert widget(at.number_input, "Reminder on day (0: none)").value == 3
    assert widget(at.radio, "Schedule").value == "Its own schedule"
    assert stored_couple(harbor).schedule is None


def test_the_next_session_saved_twice_is_one_change_and_a_past_one_is_refused(harbor):
    at = details(harbor)
    day = dt.date.today() + dt.timedelta(days=9)
    widget(at.date_input, "Date (UTC)").set_value(day)
    widget(at.time_input, "Time").set_value(dt.time(18, 30))
    widget(at.selectbox, "Rhythm").set_value("weekly")
    click(at, "Save next session")
    assert "Next session saved." in [s.value for s in at.success]
    click(at, "Save next session")
    assert "Nothing changed." in [s.value for s in at.success]
    assert audited(harbor, "couple.appointment") == 1
    couple = stored_couple(harbor)
    assert couple.next_session_at == dt.datetime.combine(day, dt.time(18, 30), dt.UTC)
    assert couple.session_rhythm == "weekly"

    widget(at.date_input, "Date (UTC)").set_value(dt.date(2020, 1, 6))
    widget(at.selectbox, "Rhythm").set_value("once")
    click(at, "Save next session")
    assert any("in the past" in e.value for e in at.error)
    assert widget(at.date_input, "Date (UTC)").value == dt.date(2020, 1, 6)
    assert stored_couple(harbor).session_rhythm == "weekly"


def test_stopped_reminders_restart_only_when_the_partner_agreed(harbor):
    with harbor["factory"]() as session:
        lena = session.scalars(
            select(Partner).where(Partner.couple_id == harbor["rivera"], Partner.position == 1)
        ).one()
        lena.reminders_stopped_at = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
        session.get(Couple, harbor["rivera"]).schedule = {"kind": "every_weeks"}
        session.commit()
    at = details(harbor)
    assert any("Stopped reminders" in i.value for i in at.info)
    click(at, "Restart reminders")
    assert any("the partner has agreed" in e.value for e in at.error)
    widget(at.checkbox, "The partner agreed").check()
    click(at, "Restart reminders")
    assert not at.exception
    assert "Reminders restarted." in [s.value for s in at.success]
    assert audited(harbor, "reminders.restart") == 1

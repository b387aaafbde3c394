"""Service rules tested on a unit of work in memory (tests/fake_work.py): no database, so
these run in milliseconds and say what the service decided, not how SQL stored it."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.fake_work import FakeCounselorWork
from trustcare.errors import CoupleNotFound, InvalidInput, PermissionDenied
from trustcare.identity import Actor
from trustcare.services import couples

ADA = Actor(1, 1, "counselor", "Ada Fictional", "ada@harbor.example", 1)
BEN = Actor(2, 1, "counselor", "Ben Imaginary", "ben@harbor.example", 1)
PARTNERS = [couples.PartnerInput("Lena"), couples.PartnerInput("Marco")]


@pytest.fixture
def work() -> FakeCounselorWork:
    return FakeCounselorWork(ADA)


def test_a_couple_is_made_whole_audited_and_committed_once(work):
    couple_id = couples.create_couple(work, "  Rivera ", PARTNERS)
    couple = work.couples.get(couple_id)
    assert couple.label == "Rivera" and [p.display_name for p in couple.partners] == [
        "Lena",
        "Marco",
    ]
    assert [p.position for p in couple.partners] == [1, 2]
    assert work.committed == 1
    assert work.audited == [("couple.create", "couple", couple_id, {})]


def test_a_second_click_on_the_same_form_returns_the_same_couple(work):
    first = couples.create_couple(work, "Rivera", PARTNERS, submission="form-key-1")
    again = couples.create_couple(work, "Rivera", PARTNERS, submission="form-key-1")
    assert first == again and len(work.couples.rows) == 1 and work.committed == 1


def test_a_form_key_used_for_another_kind_of_record_is_refused(work):
    couples.create_couple(work, "Rivera", PARTNERS, submission="form-key-2")
    couple_id = next(iter(work.couples.rows))
    with pytest.raises(PermissionDenied):
        couples.log_session(work, couple_id, dt.date.today(), "", submission="form-key-2")


def test_a_label_already_in_the_caseload_is_refused_and_nothing_is_committed(work):
    couples.create_couple(work, "Rivera", PARTNERS)
    with pytest.raises(InvalidInput) as refused:
        couples.create_couple(work, "RIVERA", PARTNERS)
    assert "label" in refused.value.problems and work.committed == 1


def test_the_same_label_in_another_counselors_caseload_is_fine(work):
    couples.create_couple(work, "Rivera", PARTNERS)
    work.actor = BEN
    couples.create_couple(work, "Rivera", PARTNERS)
    assert work.committed == 2


def test_losing_the_label_race_rolls_back_and_says_so(work):
    work.couples.lose_label_race = True
    with pytest.raises(InvalidInput) as refused:
        couples.create_couple(work, "Rivera", PARTNERS, submission="form-key-3")
    assert "label" in refused.value.problems
    assert (work.committed, work.rolled_back) == (0, 1)
    assert "form-key-3" not in work.ledger  # the form can be sent again


def test_blank_names_are_refused_field_by_field(work):
    with pytest.raises(InvalidInput) as refused:
        couples.create_couple(work, "   ", [couples.PartnerInput(""), couples.PartnerInput("")])
    assert "label" in refused.value.problems and len(refused.value.problems) >= 2
    assert work.committed == 0 and not work.couples.rows


def test_a_status_outside_the_list_is_refused_before_anything_is_read(work):
    with pytest.raises(InvalidInput):
        couples.set_status(work, 12345, "deleted")


def test_a_status_change_is_audited_with_before_and_after(work):
    couple_id = couples.create_couple(work, "Rivera", PARTNERS)
    couples.set_status(work, couple_id, "paused")
    assert work.audited[-1] == (
        "couple.status",
        "couple",
        couple_id,
        {"before": "active", "after": "paused"},
    )


def test_another_counselors_couple_does_not_exist_for_a_status_change(work):
    couple_id = couples.create_couple(work, "Rivera", PARTNERS)
    work.actor = BEN
    with pytest.raises(CoupleNotFound):
        couples.set_status(work, couple_id, "closed")
    assert work.couples.rows[couple_id].status == "active"


def test_sessions_are_numbered_in_order_and_a_future_date_is_refused(work):
    couple_id = couples.create_couple(work, "Rivera", PARTNERS)
    today = dt.date.today()
    first = couples.log_session(work, couple_id, today - dt.timedelta(days=7), "Went well.")
    second = couples.log_session(work, couple_id, today, "")
    assert [s.number for s in work.sessions.rows] == [1, 2]
    assert [s.id for s in work.sessions.rows] == [first, second]
    with pytest.raises(InvalidInput) as refused:
        couples.log_session(work, couple_id, today + dt.timedelta(days=3), "")
    assert "date" in refused.value.problems and len(work.sessions.rows) == 2

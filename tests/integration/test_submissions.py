"""A form's one-use key: a second click or a rerun of the same submission makes no second
record; and a logged session can be corrected and, with a reason, deleted."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from sqlalchemy import func, select

from trustcare.catalog import get_catalog
from trustcare.errors import (
    CoupleNotFound,
    InvalidInput,
    PermissionDenied,
    SessionNotFound,
)
from trustcare.models import Assignment, AuditEvent, CounselingSession, Counselor, Couple
from trustcare.persistence.uow import unscoped_work
from trustcare.services import accounts, assignments, couples

TODAY = dt.date.today()


def _count(practice, model, *where) -> int:
    with practice.factory() as session:
        return session.scalar(select(func.count(model.id)).where(*where))


def _log(practice, notes: str = "Calm start.", key: str | None = "form-key-1") -> int:
    with practice.work(practice.admin) as uow:
        return couples.log_session(uow, practice.admins_couple, TODAY, notes, submission=key)


def test_the_same_session_form_sent_twice_logs_one_session(practice):
    first, second = _log(practice), _log(practice)
    assert first == second
    assert _count(practice, CounselingSession) == 1


def test_a_new_form_logs_a_new_session_even_with_the_same_notes(practice):
    assert _log(practice, key="form-key-1") != _log(practice, key="form-key-2")
    assert _count(practice, CounselingSession) == 2


def test_a_refused_form_can_be_fixed_and_sent_again_with_its_key(practice):
    with pytest.raises(InvalidInput):
        _log(practice, notes="x" * (couples.NOTES_MAX + 1))
    assert _count(practice, CounselingSession) == 0
    _log(practice, notes="Shorter now.")
    assert _count(practice, CounselingSession) == 1


def test_a_key_used_for_one_kind_of_record_is_refused_for_another(practice):
    _log(practice, key="shared-key")
    with practice.work(practice.admin) as uow, pytest.raises(PermissionDenied):
        couples.create_couple(
            uow,
            "Nakamura",
            [couples.PartnerInput("Aiko"), couples.PartnerInput("Ren")],
            submission="shared-key",
        )


def test_another_counselor_cannot_reuse_a_key_to_learn_a_record_id(practice):
    _log(practice, key="admins-key")
    with practice.work(practice.counselor) as uow:
        made = couples.log_session(
            uow, practice.counselors_couple, TODAY, "", submission="bens-own-key"
        )
    assert made != _log(practice, key="admins-key")


def test_couples_assignments_and_counselors_are_made_once_per_submission(practice):
    catalog = get_catalog()
    for _ in range(2):
        with practice.work(practice.admin) as uow:
            couples.create_couple(
                uow,
                "Nakamura",
                [couples.PartnerInput("Aiko"), couples.PartnerInput("Ren")],
                submission="couple-form",
            )
        with practice.work(practice.admin) as uow:
            assignments.assign_module(
                uow,
                catalog,
                practice.admins_couple,
                "open-communication",
                note="Ten minutes is plenty.",
                submission="assign-form",
            )
        with practice.work(practice.admin) as uow:
            accounts.add_counselor(
                uow, "Cleo Invented", "cleo@harbor.example", None, submission="counselor-form"
            )
    assert _count(practice, Couple, Couple.label == "Nakamura") == 1
    assert _count(practice, Assignment) == 1
    assert _count(practice, Counselor, Counselor.email == "cleo@harbor.example") == 1


def test_a_double_submitted_setup_form_makes_one_practice_and_signs_in_twice(factory):
    made = [
        accounts.create_practice(
            partial(unscoped_work, factory),
            "Harbor Counseling",
            "Ada Fictional",
            "ada@harbor.example",
            "long password 1",
            submission="setup-form",
        )
        for _ in range(2)
    ]
    assert made[0].counselor_id == made[1].counselor_id
    assert made[0].login_id != made[1].login_id
    with factory() as session:
        assert session.scalar(select(func.count(Counselor.id))) == 1


def test_parallel_runs_of_one_submission_log_one_session(practice):
    """Two script runs of one double click can overlap; the claim row makes the second wait."""
    barrier = threading.Barrier(6)

    def save(_number: int) -> int:
        barrier.wait()
        return _log(practice, key="parallel-key")

    with ThreadPoolExecutor(max_workers=6) as pool:
        made = set(pool.map(save, range(6)))
    assert len(made) == 1
    assert _count(practice, CounselingSession) == 1


def test_a_logged_session_can_be_corrected_and_the_trail_says_what_changed(practice):
    session_id = _log(practice)
    yesterday = TODAY - dt.timedelta(days=1)
    with practice.work(practice.admin) as uow:
        couples.correct_session(uow, practice.admins_couple, session_id, yesterday, "Revised.")
    with practice.factory() as db:
        stored = db.get(CounselingSession, session_id)
        assert (stored.held_on, stored.notes) == (yesterday, "Revised.")
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "session.correct")).one()
    assert event.detail["changed"] == ["date", "notes"]
    assert "Revised." not in str(event.detail)


def test_a_correction_to_a_future_date_is_refused(practice):
    session_id = _log(practice)
    with practice.work(practice.admin) as uow, pytest.raises(InvalidInput) as refused:
        couples.correct_session(
            uow, practice.admins_couple, session_id, TODAY + dt.timedelta(days=9), "x"
        )
    assert "date" in refused.value.problems


def test_deleting_a_session_needs_a_reason_and_later_sessions_move_up(practice):
    first, second, third = (_log(practice, n, key=n) for n in ("one", "two", "three"))
    with practice.work(practice.admin) as uow, pytest.raises(InvalidInput) as refused:
        couples.delete_session(uow, practice.admins_couple, second, "  ")
    assert "reason" in refused.value.problems
    with practice.work(practice.admin) as uow:
        couples.delete_session(uow, practice.admins_couple, second, "logged twice by mistake")
    with practice.factory() as db:
        left = db.execute(
            select(CounselingSession.id, CounselingSession.number).order_by(
                CounselingSession.number
            )
        ).all()
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "session.delete")).one()
    assert [tuple(row) for row in left] == [(first, 1), (third, 2)]
    assert event.detail == {"session_number": 2, "reason": "logged twice by mistake"}


def test_another_counselors_session_can_be_neither_corrected_nor_deleted(practice):
    session_id = _log(practice)
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        couples.delete_session(uow, practice.admins_couple, session_id, "not mine at all")
    with practice.work(practice.counselor) as uow, pytest.raises(SessionNotFound):
        couples.correct_session(uow, practice.counselors_couple, session_id, TODAY, "x")
    assert _count(practice, CounselingSession) == 1


def test_a_double_click_on_issue_a_link_leaves_the_link_shown_working(practice):
    """The second click of the same button must not stop the link the first one showed."""
    from trustcare.models import CheckinLink
    from trustcare.services import links

    with practice.factory() as session:
        lena = session.scalars(
            select(Couple).where(Couple.id == practice.admins_couple)
        ).one().partners[0].id
    issued = []
    for _ in range(2):
        with practice.work(practice.admin) as uow:
            issued.append(
                links.issue_link(
                    uow, practice.admins_couple, lena, "http://localhost", submission="link-1"
                )
            )
    assert issued[0] is not None and issued[1] is None
    with practice.factory() as session:
        live = session.scalars(
            select(CheckinLink).where(
                CheckinLink.partner_id == lena, CheckinLink.revoked_at.is_(None)
            )
        ).all()
    assert len(live) == 1

"""Couple revisions are kept by the session: every kind of row that belongs to a couple,
written through the public services, raises the couple's revision and its counselor's
caseload revision. The kinds come from the models, so a new table cannot be forgotten."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from sqlalchemy import select

from tests.answers import SAFETY_YES, SESSION_FEEDBACK
from tests.couple_parts import shown_alerts, shown_links
from trustcare.catalog import get_catalog
from trustcare.identity import PartnerActor
from trustcare.models import (
    AlertAcknowledgement,
    Assignment,
    CheckIn,
    CheckinLink,
    CounselingSession,
    Counselor,
    Couple,
    ExerciseProgress,
    Partner,
    Practice,
    Reminder,
    SessionFeedback,
)
from trustcare.persistence.uow import CounselorWork, PartnerWork, unscoped_work
from trustcare.revisions import couple_owned_classes
from trustcare.services import (
    admin,
    agendas,
    assignments,
    caseloads,
    checkins,
    couples,
    links,
    overview,
    reminders,
    session_feedback,
)

TODAY = dt.date.today()


def _lena(practice) -> PartnerActor:
    with practice.work(practice.admin) as uow:
        partner_id = shown_links(uow, practice.admins_couple)[0].partner_id
    return PartnerActor(partner_id, practice.admins_couple, practice.admin.practice_id, 0, "Lena")


def _assign(practice) -> int:
    with practice.work(practice.admin) as uow:
        return assignments.assign_module(
            uow, get_catalog(), practice.admins_couple, "open-communication"
        )


def _assign_module(practice):
    _assign(practice)


def _rename(practice):
    with practice.work(practice.admin) as uow:
        couples.update_couple(
            uow,
            practice.admins_couple,
            "Rivera-Lopez",
            [couples.PartnerInput("Lena"), couples.PartnerInput("Marco")],
        )


def _rename_partner(practice):
    with practice.work(practice.admin) as uow:
        couples.update_couple(
            uow,
            practice.admins_couple,
            "Rivera",
            [couples.PartnerInput("Lena M."), couples.PartnerInput("Marco")],
        )


def _log_session(practice):
    with practice.work(practice.admin) as uow:
        couples.log_session(uow, practice.admins_couple, TODAY, "Calm start.")


def _set_assignment_status(practice):
    assignment_id = _assign(practice)
    before = _revisions(practice)
    with practice.work(practice.admin) as uow:
        assignments.set_status(uow, practice.admins_couple, assignment_id, "skipped")
    return before


def _exercise_done(practice):
    _assign(practice)
    lena = _lena(practice)
    with PartnerWork(practice.factory, lena) as uow:
        page = checkins.client_page(uow, get_catalog())
    assignment = page.assignments[0]
    before = _revisions(practice)
    with PartnerWork(practice.factory, lena) as uow:
        checkins.mark_exercise_done(
            uow, get_catalog(), assignment.id, assignment.exercises[0].id, "", False
        )
    return before


def _check_in(practice):
    with PartnerWork(practice.factory, _lena(practice)) as uow:
        checkins.submit_checkin(uow, get_catalog(), SAFETY_YES, "", False, True, "key-1")


def _issue_link(practice):
    lena = _lena(practice)
    with practice.work(practice.admin) as uow:
        links.issue_link(uow, practice.admins_couple, lena.partner_id, "http://localhost:8501")


def _revoke_link(practice):
    _issue_link(practice)
    before = _revisions(practice)
    with practice.work(practice.admin) as uow:
        links.revoke_links(uow, practice.admins_couple, _lena(practice).partner_id)
    return before


def _acknowledge(practice):
    _check_in(practice)
    with practice.work(practice.admin) as uow:
        alert = shown_alerts(uow, practice.admins_couple)[0]
    before = _revisions(practice)
    with practice.work(practice.admin) as uow:
        agendas.acknowledge_alert(
            uow, practice.admins_couple, alert.key, "Called Lena; she is safe tonight."
        )
    return before


def _give_feedback(practice):
    _log_session(practice)
    lena = _lena(practice)
    with PartnerWork(practice.factory, lena) as uow:
        asked = checkins.client_page(uow, get_catalog()).feedback_ask
    before = _revisions(practice)
    with PartnerWork(practice.factory, lena) as uow:
        session_feedback.submit_feedback(
            uow, get_catalog(), asked.session_id, SESSION_FEEDBACK, "", "feedback-key-1"
        )
    return before


def _set_language(practice):
    with PartnerWork(practice.factory, _lena(practice)) as uow:
        checkins.set_language(uow, "es")


class _Outbox:
    def __call__(self, smtp):
        return self

    def send(self, message) -> None:
        """Accepts every message (nothing leaves the test)."""


def _remind(practice):
    with practice.factory() as session:
        session.get(Practice, practice.admin.practice_id).settings = {
            "smtp": {"host": "mail.harbor.example", "sender": "care@harbor.example"}
        }
        rivera = session.get(Couple, practice.admins_couple)
        rivera.schedule = {"kind": "every_weeks", "every_weeks": 1, "weekday": 0}
        rivera.schedule_since = dt.date(2026, 3, 2)
        session.commit()
    before = _revisions(practice)
    sent = reminders.run_pass(
        partial(unscoped_work, practice.factory),
        partial(CounselorWork, practice.factory),
        _Outbox(),
        "test-secret",
        "http://localhost:8501",
        dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC),
    )
    assert sent.sent == 1
    return before


# Each kind of couple-owned row, and a public service that writes it. A writer may return the
# revisions it saw just before its own write (after setting things up).
WRITERS = {
    Couple: [_rename],
    Partner: [_rename_partner, _set_language],
    CounselingSession: [_log_session],
    SessionFeedback: [_give_feedback],
    Assignment: [_assign_module, _set_assignment_status],
    ExerciseProgress: [_exercise_done],
    CheckIn: [_check_in],
    CheckinLink: [_issue_link, _revoke_link],
    AlertAcknowledgement: [_acknowledge],
    Reminder: [_remind],
}


def _revisions(practice) -> tuple[int, int]:
    with practice.factory() as session:
        couple = session.get(Couple, practice.admins_couple)
        counselor = session.get(Counselor, couple.counselor_id)
        return couple.revision, counselor.caseload_revision


def test_every_kind_of_couple_owned_row_has_a_writer_here():
    assert set(WRITERS) == couple_owned_classes()


@pytest.mark.parametrize(
    "writer",
    [writer for writers in WRITERS.values() for writer in writers],
    ids=lambda writer: writer.__name__,
)
def test_a_write_raises_the_couples_revision_and_its_caseloads(practice, writer):
    before = _revisions(practice)
    before = writer(practice) or before
    couple_revision, caseload_revision = _revisions(practice)
    assert couple_revision > before[0]
    assert caseload_revision > before[1]


def test_a_read_raises_nothing(practice):
    _check_in(practice)
    before = _revisions(practice)
    with practice.work(practice.admin) as uow:
        for part in (None, *overview.PARTS):
            overview.couple_overview(uow, get_catalog(), practice.admins_couple, part)
        shown_alerts(uow, practice.admins_couple)
    assert _revisions(practice) == before


def test_another_couples_revision_does_not_move(practice):
    with practice.factory() as session:
        other = session.get(Couple, practice.counselors_couple).revision
    _log_session(practice)
    with practice.factory() as session:
        assert session.get(Couple, practice.counselors_couple).revision == other


def test_a_hand_over_raises_both_counselors_caseload_revisions(practice):
    with practice.factory() as session:
        before = dict(session.execute(select(Counselor.id, Counselor.caseload_revision)).all())
    with practice.work(practice.admin) as uow:
        admin.hand_over_couple(uow, practice.admins_couple, practice.counselor.counselor_id)

    with practice.factory() as session:
        after = dict(session.execute(select(Counselor.id, Counselor.caseload_revision)).all())
    assert after[practice.admin.counselor_id] > before[practice.admin.counselor_id]
    assert after[practice.counselor.counselor_id] > before[practice.counselor.counselor_id]


def _caseload(practice, actor) -> list[str]:
    with practice.work(actor) as uow:
        view = caseloads.caseload_view(uow, get_catalog(), status=None)
    return sorted(row.label for row in view.rows)


def test_a_swap_of_couples_between_two_warm_caseloads_shows_at_once(practice):
    """Once, a caseload's freshness was a sum of versions and ids, which a swap left alone:
    Ada's caseload then said 2 couples and listed none."""
    ada, ben = practice.admin, practice.counselor
    made = {}
    for label, owner in (("One", ada), ("Two", ben), ("Three", ben), ("Four", ada)):
        with practice.work(owner) as uow:
            made[label] = couples.create_couple(
                uow, label, [couples.PartnerInput("Pat"), couples.PartnerInput("Sam")]
            )
    assert _caseload(practice, ada) == ["Four", "One", "Rivera"]
    assert _caseload(practice, ben) == ["Okafor", "Three", "Two"]
    for label, to in (("One", ben), ("Four", ben), ("Two", ada), ("Three", ada)):
        with practice.work(ada) as uow:
            admin.hand_over_couple(
                uow, made[label], to.counselor_id, "Ben leaves; Ada takes these couples on."
            )
    assert _caseload(practice, ada) == ["Rivera", "Three", "Two"]
    assert _caseload(practice, ben) == ["Four", "Okafor", "One"]

"""Caseload, couple record and sessions on a real database (SQLite, and PostgreSQL when set)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.couple_parts import shown_record
from trustcare.catalog import get_catalog
from trustcare.errors import CoupleNotFound, InvalidInput
from trustcare.models import AuditEvent, Couple, Partner
from trustcare.services import caseloads, couples

TODAY = dt.date.today()


def test_counselor_sees_only_their_own_couples_in_the_caseload(practice):
    with practice.work(practice.counselor) as uow:
        caseload = couples.list_caseload(uow)
    assert [row.label for row in caseload.rows] == ["Okafor"]
    assert caseload.rows[0].partners == "Chidi & Tess"


# Every service that takes a couple id, called by Ben with Ada's couple.
CROSS_COUNSELOR_CALLS = {
    "couple record": shown_record,
    "update_couple": lambda uow, cid: couples.update_couple(
        uow, cid, "Stolen", [couples.PartnerInput("A"), couples.PartnerInput("B")]
    ),
    "set_status": lambda uow, cid: couples.set_status(uow, cid, "closed"),
    "log_session": lambda uow, cid: couples.log_session(uow, cid, TODAY, "notes"),
    "update_session_notes": lambda uow, cid: couples.update_session_notes(uow, cid, 1, "x"),
}


@pytest.mark.parametrize("call", CROSS_COUNSELOR_CALLS.values(), ids=CROSS_COUNSELOR_CALLS.keys())
def test_counselor_cannot_reach_another_counselors_couple(practice, call):
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        call(uow, practice.admins_couple)
    with practice.factory() as session:
        rivera = session.get(Couple, practice.admins_couple)
        assert (rivera.label, rivera.status) == ("Rivera", "active")


@pytest.mark.parametrize("call", CROSS_COUNSELOR_CALLS.values(), ids=CROSS_COUNSELOR_CALLS.keys())
def test_a_couple_id_that_never_existed_is_the_same_not_found(practice, call):
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound) as missing:
        call(uow, 987654)
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound) as foreign:
        call(uow, practice.admins_couple)
    assert str(missing.value) == str(foreign.value)


@pytest.mark.parametrize("call", CROSS_COUNSELOR_CALLS.values(), ids=CROSS_COUNSELOR_CALLS.keys())
@pytest.mark.parametrize("couple_id", [2**31, 2**40, 10**30])
def test_a_couple_id_past_any_row_id_is_the_same_not_found(practice, call, couple_id):
    """Row ids are 32-bit on PostgreSQL; a bigger one from a URL must not reach the database."""
    with practice.work(practice.admin) as uow, pytest.raises(CoupleNotFound):
        call(uow, couple_id)


@pytest.mark.parametrize("search", ["100%", "a_b", "\\", "\x00", "Ri\x00vera", "%", "_"], ids=repr)
def test_search_takes_wildcards_and_control_characters_as_plain_text(practice, search):
    """A percent sign or underscore is not a wildcard, and a NUL (which PostgreSQL refuses in
    text) matches nothing rather than failing."""
    with practice.work(practice.admin) as uow:
        couples.create_couple(
            uow, "100% committed", [couples.PartnerInput("Ada"), couples.PartnerInput("Bo")]
        )
        found = [r.label for r in couples.list_caseload(uow, search=search).rows]
        view = caseloads.caseload_view(uow, get_catalog(), search=search)
    expected = ["100% committed"] if search in ("100%", "%") else []
    assert found == expected
    assert [r.label for r in view.rows] == expected


def test_search_finds_couples_by_label_or_partner_name(practice):
    with practice.work(practice.admin) as uow:
        couples.create_couple(
            uow, "Nakamura", [couples.PartnerInput("Yui"), couples.PartnerInput("Dev")]
        )
        assert [r.label for r in couples.list_caseload(uow, search="naka").rows] == ["Nakamura"]
        assert [r.label for r in couples.list_caseload(uow, search="lena").rows] == ["Rivera"]
        assert couples.list_caseload(uow, search="chidi").rows == []


def test_status_filter_and_counts(practice):
    with practice.work(practice.admin) as uow:
        couples.set_status(uow, practice.admins_couple, "paused")
        caseload = couples.list_caseload(uow, status="active")
        assert caseload.rows == []
        assert caseload.counts == {"active": 0, "paused": 1, "closed": 0}
        assert [r.label for r in couples.list_caseload(uow, status="paused").rows] == ["Rivera"]
        couples.set_status(uow, practice.admins_couple, "active")
        assert shown_record(uow, practice.admins_couple).status == "active"


def test_sessions_are_numbered_and_notes_can_be_edited(practice):
    with practice.work(practice.admin) as uow:
        couples.log_session(uow, practice.admins_couple, TODAY - dt.timedelta(days=7), "first")
        second = couples.log_session(uow, practice.admins_couple, TODAY, "second")
        couples.update_session_notes(uow, practice.admins_couple, second, "second, revised")
        record = shown_record(uow, practice.admins_couple)
    assert [(s.number, s.notes) for s in record.sessions] == [(2, "second, revised"), (1, "first")]
    assert record.next_session_number == 3


@pytest.mark.parametrize(
    ("label", "names", "field", "message"),
    [
        ("", ("A", "B"), "label", "must not be empty"),
        ("   ", ("A", "B"), "label", "must not be empty"),
        ("x" * 81, ("A", "B"), "label", "must be at most 80 characters (it has 81)"),
        ("Fine", ("  ", "B"), "partner 1 name", "must not be empty"),
        ("Fine", ("A", "y" * 200), "partner 2 name", "must be at most 80 characters (it has 200)"),
        ("Line\nbreak", ("A", "B"), "label", "must be one line without control characters"),
        ("rivera ", ("A", "B"), "label", "is already used by another couple in your caseload"),
    ],
)
def test_bad_couple_input_is_refused_and_nothing_is_written(practice, label, names, field, message):
    with practice.work(practice.admin) as uow, pytest.raises(InvalidInput) as error:
        couples.create_couple(uow, label, [couples.PartnerInput(n) for n in names])
    assert error.value.problems[field] == message
    with practice.factory() as session:
        assert session.scalar(select(func.count(Couple.id))) == 2
        assert session.scalar(select(func.count(Partner.id))) == 4


def test_the_same_label_is_fine_in_another_counselors_caseload(practice):
    with practice.work(practice.counselor) as uow:
        couples.create_couple(uow, "Rivera", [couples.PartnerInput("X"), couples.PartnerInput("Y")])


def test_a_couple_never_has_a_third_partner(practice):
    with practice.factory() as session:
        session.add(Partner(couple_id=practice.admins_couple, position=3, display_name="Extra"))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        session.add(Partner(couple_id=practice.admins_couple, position=2, display_name="Extra"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_a_couple_needs_exactly_two_partners(practice):
    with practice.work(practice.admin) as uow, pytest.raises(InvalidInput) as error:
        couples.create_couple(uow, "Solo", [couples.PartnerInput("Only")])
    assert error.value.problems == {"partners": "a couple has exactly two partners"}


def test_foreign_keys_are_enforced(practice):
    with practice.factory() as session:
        session.add(Partner(couple_id=424242, position=1, display_name="Nobody"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_reading_and_changing_a_record_is_audited_without_flooding(practice):
    with practice.work(practice.admin) as uow:
        shown_record(uow, practice.admins_couple)
        shown_record(uow, practice.admins_couple)
        couples.set_status(uow, practice.admins_couple, "paused")
    with practice.factory() as session:
        actions = session.scalars(
            select(AuditEvent.action)
            .where(
                AuditEvent.record_type == "couple", AuditEvent.record_id == practice.admins_couple
            )
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["couple.create", "couple.view", "couple.status"]


def _views_of(practice, couple_id: int) -> int:
    with practice.factory() as session:
        return session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "couple.view", AuditEvent.record_id == couple_id
            )
        )


def test_a_view_known_to_be_on_the_trail_is_not_read_again_until_the_window_ends(
    practice, count_statements
):
    """Inside the window the process knows the view is on the trail: nothing is read."""
    from trustcare.services.derived import derived

    couple_id = practice.admins_couple

    def audit_view():
        with practice.work(practice.admin) as uow:
            return couples.audit_view(uow, uow.couples.get(couple_id))

    # Each call reads the couple first (one statement), as its callers do.
    first = audit_view()
    assert _views_of(practice, couple_id) == 1
    assert count_statements(audit_view) == 1
    derived.clear()  # another process, or a restart: the trail is read, not written again
    found = audit_view()
    assert first <= found < first + dt.timedelta(seconds=5)
    assert _views_of(practice, couple_id) == 1


def test_no_view_is_audited_for_a_couple_id_the_counselor_cannot_see(practice):
    foreign = practice.admins_couple
    with practice.work(practice.counselor) as uow, pytest.raises(TypeError):
        couples.audit_view(uow, foreign)
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        shown_record(uow, foreign)
    assert _views_of(practice, foreign) == 0


def test_caseload_statements_do_not_grow_with_the_caseload(practice, count_statements):
    def list_caseload() -> None:
        with practice.work(practice.admin) as uow:
            couples.list_caseload(uow)

    def statements_for_caseload() -> int:
        return count_statements(list_caseload)

    small = statements_for_caseload()
    with practice.work(practice.admin) as uow:
        for number in range(30):
            couple_id = couples.create_couple(
                uow, f"Couple {number}", [couples.PartnerInput("P"), couples.PartnerInput("Q")]
            )
            couples.log_session(uow, couple_id, TODAY, "")
    assert statements_for_caseload() == small


def test_every_blns_string_is_a_label_or_a_clear_refusal(practice, blns):
    stored = 0
    with practice.work(practice.admin) as uow:
        for number, text in enumerate(blns):
            label = f"{number} {text}"
            try:
                couple_id = couples.create_couple(
                    uow, label, [couples.PartnerInput(text or "x"), couples.PartnerInput("B")]
                )
            except InvalidInput as error:
                assert set(error.value.problems if hasattr(error, "value") else error.problems)
                continue
            stored += 1
            record = shown_record(uow, couple_id)
            assert record.label == label.strip()
    assert stored > 400

"""Forms that create a record start empty after a save and say so; a refused one keeps what
was typed; a logged session can be corrected and deleted with a reason."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.app.test_counselor_pages import (
    caseload_with_the_add_form_open,
    harbor,  # noqa: F401 (a fixture)
    open_couple,
)
from tests.couple_parts import shown_links
from trustcare.catalog import get_catalog
from trustcare.identity import PartnerActor
from trustcare.models import AuditEvent, CounselingSession
from trustcare.persistence.uow import CounselorWork, PartnerWork
from trustcare.services import checkins

NOTES = "Private notes (never shown to the couple)"
NOTE_TO_CLIENT = "A note to the client (they will read it)"


def _area(at, label):
    return next(a for a in at.text_area if a.label == label)


def _click(at, label):
    return next(b for b in at.button if b.label == label).click().run()


def _sessions(harbor) -> list[tuple[int, str]]:  # noqa: F811
    with harbor["factory"]() as session:
        rows = session.execute(
            select(CounselingSession.number, CounselingSession.notes).order_by(
                CounselingSession.number
            )
        ).all()
    return [tuple(row) for row in rows]


def test_saving_a_session_empties_the_form_and_confirms(harbor):  # noqa: F811
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Sessions")
    _area(at, NOTES).input("Lena spoke first.")
    _click(at, "Save session")
    assert not at.exception
    assert "Session 1 saved." in [s.value for s in at.success]
    assert _area(at, NOTES).value == ""
    assert "Log session 2" in [s.value for s in at.subheader]
    at.run()
    assert "Session 1 saved." not in [s.value for s in at.success], "shown once"
    assert _sessions(harbor) == [(1, "Lena spoke first.")]


def test_a_refused_session_keeps_its_notes(harbor):  # noqa: F811
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Sessions")
    too_long = "n" * 20_001
    _area(at, NOTES).input(too_long)
    _click(at, "Save session")
    assert any("at most" in e.value for e in at.error)
    assert _area(at, NOTES).value == too_long
    assert _sessions(harbor) == []


def test_a_logged_session_is_corrected_in_place(harbor):  # noqa: F811
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Sessions")
    _area(at, NOTES).input("First version.")
    _click(at, "Save session")
    _area(at, "Private notes").input("Corrected version.")
    _click(at, "Save changes")
    assert not at.exception
    assert _sessions(harbor) == [(1, "Corrected version.")]


def test_deleting_a_session_asks_why_and_renumbers_the_rest(harbor):  # noqa: F811
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Sessions")
    for notes in ("Logged once.", "Logged twice by mistake.", "Third."):
        _area(at, NOTES).input(notes)
        _click(at, "Save session")
    # Newest first: session 3, then 2, then 1.
    [b for b in at.button if b.label == "Delete session"][1].click().run()
    assert any("must say why" in e.value for e in at.error)
    assert len(_sessions(harbor)) == 3
    reasons = [t for t in at.text_input if t.label.startswith("Why?")]
    reasons[1].input("logged twice by mistake")
    [b for b in at.button if b.label == "Delete session"][1].click().run()
    assert not at.exception
    assert _sessions(harbor) == [(1, "Logged once."), (2, "Third.")]
    with harbor["factory"]() as session:
        trail = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "session.delete")
        ).all()
    assert trail == [{"session_number": 2, "reason": "logged twice by mistake"}]


def test_the_next_assignment_starts_blank_and_a_module_without_a_note_shows_none(harbor):  # noqa: F811
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Assignments")
    _area(at, NOTE_TO_CLIENT).input("Try it before Thursday.")
    next(s for s in at.selectbox if s.label == "Module").set_value("open-communication")
    next(s for s in at.selectbox if s.label == "For").set_value("both")
    _click(at, "Assign")
    assert any(s.value.startswith("The module is assigned") for s in at.success)
    assert _area(at, NOTE_TO_CLIENT).value == ""
    assert next(d for d in at.date_input if d.label == "Due date").value is None
    assert next(s for s in at.selectbox if s.label == "For").value is None

    next(s for s in at.selectbox if s.label == "Module").set_value("healthy-boundaries")
    next(s for s in at.selectbox if s.label == "For").set_value("both")
    _click(at, "Assign")
    assert not at.exception
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        partner_id = shown_links(uow, harbor["rivera"])[0].partner_id
    with PartnerWork(
        harbor["factory"],
        PartnerActor(partner_id, harbor["rivera"], harbor["ada"].practice_id, 0, "Lena"),
    ) as uow:
        page = checkins.client_page(uow, get_catalog())
    notes = sorted(a.note_to_client for a in page.assignments)
    assert notes == ["", "Try it before Thursday."]


def test_a_pasted_label_that_is_too_long_says_so_and_stays(harbor):  # noqa: F811
    at = caseload_with_the_add_form_open(harbor["ben"])
    fields = {t.label: t for t in at.text_input}
    pasted = "Nakamura " * 20
    fields["Couple label (how you name them in your caseload)"].input(pasted)
    fields["Partner 1 name"].input("Yui")
    fields["Partner 2 name"].input("Dev")
    _click(at, "Add couple")
    assert any("at most 80 characters" in e.value for e in at.error)
    kept = {t.label: t.value for t in at.text_input}
    assert kept["Couple label (how you name them in your caseload)"] == pasted
    with harbor["factory"]() as session:
        from trustcare.models import Couple

        assert session.scalar(select(func.count(Couple.id))) == 2


def test_an_assignment_without_a_due_date_shows_an_empty_cell_not_none(harbor):  # noqa: F811
    from tests.app.test_caseload_cells import shown_in_cell

    at = open_couple(harbor["ada"], harbor["rivera"], tab="Assignments")
    next(s for s in at.selectbox if s.label == "For").set_value("both")
    _click(at, "Assign")
    table = at.dataframe[0]
    assert shown_in_cell(table, 0, "Due") == ""

"""A couple's caseload row (its standing) is written with its data, in the same transaction,
so a caseload read after a write writes nothing; `trustcare reindex` rebuilds every row."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, event, select

from tests.answers import SAFETY_YES
from tests.couple_parts import shown_links
from trustcare.catalog import get_catalog
from trustcare.cli import main
from trustcare.identity import PartnerActor
from trustcare.models import Couple, CoupleStanding
from trustcare.persistence.uow import CounselorWork, PartnerWork
from trustcare.services import caseloads, checkins, couples, standings


def _hook(session, couple_ids):
    standings.store_standings(session, get_catalog(), couple_ids)


def _standing(practice, couple_id):
    with practice.factory() as session:
        return session.get(CoupleStanding, couple_id), session.get(Couple, couple_id).revision


@pytest.fixture
def lena(practice) -> PartnerActor:
    with practice.work(practice.admin) as uow:
        partner_id = shown_links(uow, practice.admins_couple)[0].partner_id
    return PartnerActor(partner_id, practice.admins_couple, practice.admin.practice_id, 0, "Lena")


def test_a_check_in_stores_the_couples_fresh_standing_in_its_transaction(practice, lena):
    with PartnerWork(practice.factory, lena, on_commit=_hook) as uow:
        checkins.submit_checkin(uow, get_catalog(), SAFETY_YES, "", False, True, "k1")
    standing, revision = _standing(practice, practice.admins_couple)
    assert standing is not None and standing.revision == revision
    assert standing.urgent == 1


def test_after_a_write_the_caseload_reads_without_writing(practice, engine):
    with CounselorWork(practice.factory, practice.admin, on_commit=_hook) as uow:
        caseloads.caseload_view(uow, get_catalog())  # every row stored once
    with CounselorWork(practice.factory, practice.admin, on_commit=_hook) as uow:
        couples.log_session(uow, practice.admins_couple, dt.date.today(), "")
    writes = []

    def seen(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with CounselorWork(practice.factory, practice.admin) as uow:
            view = caseloads.caseload_view(uow, get_catalog())
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert writes == []
    [row] = [r for r in view.rows if r.couple_id == practice.admins_couple]
    assert row.sessions == 1


def test_reindex_rebuilds_every_standing_from_the_data(practice, migrated_url):
    with practice.factory() as session:
        session.execute(delete(CoupleStanding))
        session.commit()
    result = CliRunner().invoke(main, ["reindex", "--database-url", migrated_url])
    assert result.exit_code == 0, result.output
    assert "rebuilt the caseload rows of 2 couple(s)" in result.output
    with practice.factory() as session:
        stored = set(session.scalars(select(CoupleStanding.couple_id)))
    assert stored == {practice.admins_couple, practice.counselors_couple}

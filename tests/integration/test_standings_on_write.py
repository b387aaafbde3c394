"""A couple's caseload row (its standing) is written with its data, in the same transaction,
so a caseload read after a write writes nothing; rows that go stale with time are stored by
the background runner or `trustcare reindex --stale`; `trustcare reindex` rebuilds every row."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, event, select

from tests.answers import SAFETY_YES
from tests.couple_parts import shown_links
from trustcare import reminder_runner
from trustcare.catalog import get_catalog
from trustcare.cli import main
from trustcare.identity import PartnerActor
from trustcare.models import Couple, CoupleStanding
from trustcare.persistence.uow import CounselorWork, PartnerWork, unscoped_work
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


def test_a_new_couple_has_its_caseload_row_from_the_start(practice):
    with CounselorWork(practice.factory, practice.admin, on_commit=_hook) as uow:
        new = couples.create_couple(
            uow, "Aardvark", [couples.PartnerInput("Ana"), couples.PartnerInput("Bo")]
        )
    standing, revision = _standing(practice, new)
    assert standing is not None and standing.revision == revision
    assert standing.partners == "Ana & Bo"


def _age_every_row(practice, days: int) -> None:
    with practice.factory() as session:
        for row in session.scalars(select(CoupleStanding)):
            row.evaluated_on -= dt.timedelta(days=days)
        session.commit()


def test_reindex_stale_stores_only_the_rows_of_another_day(practice, migrated_url):
    standings.reindex(lambda: unscoped_work(practice.factory), get_catalog())
    _age_every_row(practice, 1)
    result = CliRunner().invoke(main, ["reindex", "--stale", "--database-url", migrated_url])
    assert result.exit_code == 0, result.output
    assert "stored the caseload rows of 2 couple(s) that were stale" in result.output
    again = CliRunner().invoke(main, ["reindex", "--stale", "--database-url", migrated_url])
    assert "stored the caseload rows of 0 couple(s) that were stale" in again.output


class _OneRound:
    """A stop event for `run_forever` that lets exactly one round run."""

    def __init__(self) -> None:
        self.asked = 0

    def is_set(self) -> bool:
        self.asked += 1
        return self.asked > 1

    def wait(self, _seconds) -> None:
        return None


def test_the_background_runner_stores_stale_rows_before_each_reminder_pass(
    practice, monkeypatch
):
    standings.reindex(lambda: unscoped_work(practice.factory), get_catalog())
    _age_every_row(practice, 1)
    passes = []
    monkeypatch.setattr(reminder_runner, "one_pass", lambda context: passes.append(context))
    context = SimpleNamespace(
        unscoped_work=lambda read_only=False: unscoped_work(practice.factory, read_only),
        catalog=get_catalog,
    )
    reminder_runner.run_forever(context, _OneRound())
    assert len(passes) == 1
    with practice.factory() as session:
        days = set(session.scalars(select(CoupleStanding.evaluated_on)))
    assert days == {dt.datetime.now(dt.UTC).date()}

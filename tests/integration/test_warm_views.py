"""Every change is seen at once by the pages that are already warm.

The app's pages are kept fast by the one derived cache (services/derived.py), keyed by the
couple's and the caseload's revisions. Each test warms the caseload, the progress page and
session mode of the counselors involved, makes one change through the public services (with
the app's own units of work, which store the standings on commit), and reads them again: the
right counselor sees the change at once and the other one no longer sees the couple at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.answers import SAFETY_YES
from tests.couple_parts import shown_links
from trustcare.catalog import get_catalog
from trustcare.context import AppContext
from trustcare.errors import CoupleNotFound
from trustcare.identity import Actor, PartnerActor
from trustcare.services import (
    admin,
    agendas,
    assignments,
    caseloads,
    checkins,
    couples,
    progress,
    session_screen,
)
from trustcare.settings import Settings


@dataclass(frozen=True)
class Views:
    """What a counselor sees of the caseload and of one couple, or None where not found."""

    caseload: dict[str, str]  # label -> status
    urgent: int  # urgent alerts of the couple, as the caseload counts them
    progress_names: tuple[str, ...] | None
    checkins: int | None
    screen_names: tuple[str, ...] | None
    exercises: int | None


@pytest.fixture
def app(practice, engine) -> AppContext:
    settings = Settings(database_url=str(engine.url), secret_key="fictional test secret key")
    return AppContext(settings, engine, practice.factory)


def _views(app: AppContext, actor: Actor, couple_id: int) -> Views:
    catalog = get_catalog()
    with app.work(actor) as uow:
        caseload = caseloads.caseload_view(uow, catalog, status=None)
        rows = {row.label: row.status for row in caseload.rows}
        urgent = caseload.alert_counts.get(couple_id, (0, 0))[0]
        try:
            page = progress.progress_page(uow, catalog, couple_id)
            screen = session_screen.shared_screen(uow, catalog, couple_id)
        except CoupleNotFound:
            return Views(rows, urgent, None, None, None, None)
    return Views(
        rows,
        urgent,
        tuple(sorted(page.progress.partner_names.values())),
        len(page.progress.checkins),
        tuple(sorted(screen.partner_names)),
        len(screen.exercises),
    )


def _warm(app, practice) -> None:
    for actor in (practice.admin, practice.counselor):
        _views(app, actor, practice.admins_couple)
        _views(app, actor, practice.admins_couple)


def _lena(app, practice) -> PartnerActor:
    with app.work(practice.admin) as uow:
        partner_id = shown_links(uow, practice.admins_couple)[0].partner_id
    return PartnerActor(partner_id, practice.admins_couple, practice.admin.practice_id, 0, "Lena")


def _check_in(app, practice) -> None:
    with app.partner_work(_lena(app, practice)) as uow:
        checkins.submit_checkin(uow, get_catalog(), SAFETY_YES, "", False, True, "warm-key")


def test_a_hand_over_moves_the_couple_between_warm_views(app, practice):
    _warm(app, practice)
    with app.work(practice.admin) as uow:
        admin.hand_over_couple(
            uow, practice.admins_couple, practice.counselor.counselor_id, "Ada goes on leave."
        )
    ada = _views(app, practice.admin, practice.admins_couple)
    ben = _views(app, practice.counselor, practice.admins_couple)
    assert "Rivera" not in ada.caseload and ada.progress_names is None
    assert ada.screen_names is None
    assert ben.caseload["Rivera"] == "active"
    assert ben.progress_names == ("Lena", "Marco") == ben.screen_names


def test_a_rename_is_seen_by_the_warm_caseload_progress_and_session_mode(app, practice):
    _warm(app, practice)
    with app.work(practice.admin) as uow:
        couples.update_couple(
            uow,
            practice.admins_couple,
            "Rivera-Stone",
            [couples.PartnerInput("Lena B", "lena@mail.example"), couples.PartnerInput("Marco")],
        )
    ada = _views(app, practice.admin, practice.admins_couple)
    assert "Rivera-Stone" in ada.caseload and "Rivera" not in ada.caseload
    assert ada.progress_names == ("Lena B", "Marco") == ada.screen_names


def test_a_status_change_is_seen_by_the_warm_caseload(app, practice):
    _warm(app, practice)
    with app.work(practice.admin) as uow:
        couples.set_status(uow, practice.admins_couple, "paused")
    assert _views(app, practice.admin, practice.admins_couple).caseload["Rivera"] == "paused"
    with app.work(practice.admin, read_only=True) as uow:
        active = caseloads.caseload_view(uow, get_catalog(), status="active")
    assert "Rivera" not in {row.label for row in active.rows}


def test_a_check_in_is_seen_by_the_warm_caseload_and_progress(app, practice):
    _warm(app, practice)
    before = _views(app, practice.admin, practice.admins_couple)
    _check_in(app, practice)
    after = _views(app, practice.admin, practice.admins_couple)
    assert after.checkins == before.checkins + 1
    assert after.urgent == before.urgent + 1


def test_an_assignment_is_seen_by_warm_session_mode(app, practice):
    _warm(app, practice)
    before = _views(app, practice.admin, practice.admins_couple)
    with app.work(practice.admin) as uow:
        assignments.assign_module(uow, get_catalog(), practice.admins_couple, "open-communication")
    after = _views(app, practice.admin, practice.admins_couple)
    assert before.exercises == 0 < after.exercises


def test_an_acknowledgement_is_seen_by_the_warm_caseload(app, practice):
    _check_in(app, practice)
    _warm(app, practice)
    assert _views(app, practice.admin, practice.admins_couple).urgent == 1
    with app.work(practice.admin, read_only=True) as uow:
        alert = progress.progress_page(uow, get_catalog(), practice.admins_couple).alerts[0]
    with app.work(practice.admin) as uow:
        agendas.acknowledge_alert(
            uow, practice.admins_couple, alert.key, "Called Lena; she is safe tonight."
        )
    assert _views(app, practice.admin, practice.admins_couple).urgent == 0

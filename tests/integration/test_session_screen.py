"""The shared-screen rule on its own: what session mode may show, on a real database."""

from __future__ import annotations

import pytest

from tests.couple_parts import shown_links
from trustcare.catalog import get_catalog
from trustcare.errors import CoupleNotFound
from trustcare.identity import PartnerActor
from trustcare.persistence.uow import PartnerWork
from trustcare.services import assignments, checkins, session_screen
from trustcare.services.derived import derived

ANSWERS = {
    "honest-talk": 4,
    "hiding-things": 0,
    "kept-word": 4,
    "there-for-me": 4,
    "safe-to-share": 4,
    "held-back": 0,
    "checking-up": 0,
    "feel-secure": 4,
    "overall-trust": 9,
    "practice-done": 3,
    "felt-unsafe": 0,
}


@pytest.fixture
def rivera_with_history(practice):
    """Rivera: Lena shares her scores, Marco does not; both wrote shared and private notes."""
    catalog = get_catalog()
    couple_id = practice.admins_couple
    with practice.work(practice.admin) as uow:
        lena, marco = (s.partner_id for s in shown_links(uow, couple_id))
        assignment = assignments.assign_module(uow, catalog, couple_id, "open-communication")
    actors = {
        pid: PartnerActor(pid, couple_id, practice.admin.practice_id, 0, name)
        for pid, name in ((lena, "Lena"), (marco, "Marco"))
    }
    with PartnerWork(practice.factory, actors[lena]) as uow:
        checkins.submit_checkin(uow, catalog, ANSWERS, "Lena shared this", True, True, "l1")
    with PartnerWork(practice.factory, actors[lena]) as uow:
        checkins.submit_checkin(
            uow, catalog, {**ANSWERS, "felt-unsafe": 1}, "Lena kept this private", False, None, "l2"
        )
    with PartnerWork(practice.factory, actors[marco]) as uow:
        checkins.submit_checkin(uow, catalog, ANSWERS, "Marco shared this", True, False, "m1")
    exercise = catalog.module("open-communication").exercises[0].id
    with PartnerWork(practice.factory, actors[marco]) as uow:
        checkins.mark_exercise_done(uow, catalog, assignment, exercise, "Marco private step", False)
    return couple_id, lena, marco


def test_only_consenting_partners_scores_are_on_the_shared_screen(practice, rivera_with_history):
    couple_id, lena, marco = rivera_with_history
    with practice.work(practice.admin) as uow:
        screen = session_screen.shared_screen(uow, get_catalog(), couple_id)
    assert screen.sharing_partner_ids == (lena,)
    assert set(screen.scores["partner_id"]) == {lena}
    assert list(screen.scores.columns) == session_screen.SCORE_COLUMNS


def test_only_shared_reflections_are_on_the_shared_screen(practice, rivera_with_history):
    couple_id, _, _ = rivera_with_history
    with practice.work(practice.admin) as uow:
        screen = session_screen.shared_screen(uow, get_catalog(), couple_id)
    assert sorted(r.text for r in screen.reflections) == ["Lena shared this", "Marco shared this"]


def test_the_shared_screen_carries_no_safety_notes_or_contacts(practice, rivera_with_history):
    couple_id, _, _ = rivera_with_history
    with practice.work(practice.admin) as uow:
        screen = session_screen.shared_screen(uow, get_catalog(), couple_id)
    everything = repr(screen)
    for secret in (
        "lena@mail.example",
        "safety",
        "Lena kept this private",
        "Marco private step",
        "Rivera",
        "Okafor",
    ):
        assert secret not in everything


@pytest.mark.parametrize("screen_open", [False, True], ids=["new screen", "screen open"])
def test_withdrawing_consent_removes_earlier_scores_too(practice, rivera_with_history, screen_open):
    """Also from a screen already open in session mode, which hands back what it showed."""
    couple_id, lena, _ = rivera_with_history
    with practice.work(practice.admin) as uow:
        shown = session_screen.shared_screen(uow, get_catalog(), couple_id)
    assert shown.sharing_partner_ids == (lena,)
    actor = PartnerActor(lena, couple_id, practice.admin.practice_id, 0, "Lena")
    with PartnerWork(practice.factory, actor) as uow:
        checkins.set_consent(uow, False)
    with practice.work(practice.admin) as uow:
        if not screen_open:
            derived.clear()
        screen = session_screen.shared_screen(uow, get_catalog(), couple_id)
    assert screen.sharing_partner_ids == () and screen.scores.empty


def test_an_open_screen_is_handed_back_while_nothing_shown_changed(
    practice, rivera_with_history, count_statements
):
    couple_id, lena, _ = rivera_with_history
    catalog = get_catalog()

    def screen():
        with practice.work(practice.admin) as uow:
            return session_screen.shared_screen(uow, catalog, couple_id)

    shown = screen()
    assert screen() is shown
    assert count_statements(screen) == 1  # the couple: access, revision
    actor = PartnerActor(lena, couple_id, practice.admin.practice_id, 0, "Lena")
    with PartnerWork(practice.factory, actor) as uow:
        checkins.submit_checkin(uow, catalog, ANSWERS, "Lena shared again", True, True, "l3")
    again = screen()
    assert again is not shown and "Lena shared again" in {r.text for r in again.reflections}


def test_the_walkthrough_is_the_current_module_for_both(practice, rivera_with_history):
    couple_id, _, _ = rivera_with_history
    with practice.work(practice.admin) as uow:
        screen = session_screen.shared_screen(uow, get_catalog(), couple_id)
    module = get_catalog().module("open-communication")
    assert {exercise.module_title for exercise in screen.exercises} == {module.title}
    assert [e.title for e in screen.exercises] == [e.title for e in module.exercises]
    assert screen.exercises[0].steps == tuple(module.exercises[0].steps)


def test_every_open_module_for_both_can_be_walked_through_newest_first(
    practice, rivera_with_history
):
    couple_id, _, _ = rivera_with_history
    catalog = get_catalog()
    with practice.work(practice.admin) as uow:
        assignments.assign_module(uow, catalog, couple_id, "healthy-boundaries", None)
    with practice.work(practice.admin) as uow:
        screen = session_screen.shared_screen(uow, catalog, couple_id)
    titles = [exercise.module_title for exercise in screen.exercises]
    newest, older = catalog.module("healthy-boundaries"), catalog.module("open-communication")
    assert titles == [newest.title] * len(newest.exercises) + [older.title] * len(older.exercises)


def test_another_counselors_couple_has_no_shared_screen(practice, rivera_with_history):
    with practice.work(practice.admin) as uow:
        session_screen.shared_screen(uow, get_catalog(), rivera_with_history[0])
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        session_screen.shared_screen(uow, get_catalog(), rivera_with_history[0])
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        session_screen.shared_screen(uow, get_catalog(), rivera_with_history[0])

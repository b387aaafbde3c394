"""The couple record page's one service call: scoping, the part asked for, constant statements."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.couple_parts import shown_links
from trustcare.catalog import clear_catalog_cache, get_catalog
from trustcare.errors import CoupleNotFound
from trustcare.identity import PartnerActor
from trustcare.persistence.uow import PartnerWork
from trustcare.services import agendas, assignments, checkins, couples, overview

EVERY_PART = [None, *overview.PARTS]
TODAY = dt.date.today()
CALM = {"honest-talk": 3, "kept-word": 3, "overall-trust": 7, "felt-unsafe": 0}


def look(practice, actor, couple_id, part):
    with practice.work(actor) as uow:
        return overview.couple_overview(uow, get_catalog(), couple_id, part)


@pytest.mark.parametrize("part", EVERY_PART)
def test_no_part_of_another_counselors_couple_opens(practice, part):
    with pytest.raises(CoupleNotFound) as foreign:
        look(practice, practice.counselor, practice.admins_couple, part)
    with pytest.raises(CoupleNotFound) as missing:
        look(practice, practice.counselor, 987654, part)
    assert str(foreign.value) == str(missing.value)


def test_only_the_part_asked_for_is_read(practice):
    seen = look(practice, practice.admin, practice.admins_couple, overview.LINKS)
    assert seen.record.label == "Rivera"
    assert [state.partner_name for state in seen.links] == ["Lena", "Marco"]
    assert (seen.agenda, seen.checkins, seen.assignments) == (None, None, None)
    assert look(practice, practice.admin, practice.admins_couple, None).links is None


def test_a_part_the_record_does_not_have_is_refused(practice):
    with pytest.raises(ValueError, match="no part"):
        look(practice, practice.admin, practice.admins_couple, "notes")


def test_each_part_holds_what_its_tab_shows(practice):
    catalog = get_catalog()
    with practice.work(practice.admin) as uow:
        assignments.assign_module(uow, catalog, practice.admins_couple, "open-communication")
    partner = lena(practice)
    with PartnerWork(practice.factory, partner) as uow:
        checkins.submit_checkin(uow, catalog, CALM, "a calm week", True, True, "lena-calm")
    checked_in = look(practice, practice.admin, practice.admins_couple, overview.CHECKINS)
    assert [(c.partner_name, c.reflection) for c in checked_in.checkins.checkins] == [
        ("Lena", "a calm week")
    ]
    assigned = look(practice, practice.admin, practice.admins_couple, overview.ASSIGNMENTS)
    assert [(a.module_id, a.status) for a in assigned.assignments] == [
        ("open-communication", "assigned")
    ]
    linked = look(practice, practice.admin, practice.admins_couple, overview.LINKS)
    assert [(s.partner_id, s.state) for s in linked.links] == [
        (partner.partner_id, "none"),
        (linked.record.partners[1].id, "none"),
    ]


def grow(practice, rounds: int) -> None:
    """More of everything: couples in the caseload, and sessions, check-ins and work for Rivera."""
    catalog = get_catalog()
    with practice.work(practice.admin) as uow:
        lena, marco = (state.partner_id for state in shown_links(uow, practice.admins_couple))
        for number in range(rounds):
            couples.create_couple(
                uow, f"Grown {number}", [couples.PartnerInput("P"), couples.PartnerInput("Q")]
            )
            couples.log_session(
                uow, practice.admins_couple, dt.date.today() - dt.timedelta(days=number), "notes"
            )
            assignments.assign_module(uow, catalog, practice.admins_couple, "open-communication")
    for partner_id, name in ((lena, "Lena"), (marco, "Marco")):
        partner = PartnerActor(
            partner_id, practice.admins_couple, practice.admin.practice_id, 0, name
        )
        for number in range(rounds):
            with PartnerWork(practice.factory, partner) as uow:
                checkins.submit_checkin(
                    uow, catalog, CALM, f"note {number}", True, True, f"{name}-{number}"
                )


@pytest.mark.parametrize("part", EVERY_PART)
def test_the_statements_do_not_grow_with_the_caseload_or_the_couples_history(
    practice, count_statements, part
):
    def rivera() -> None:
        look(practice, practice.admin, practice.admins_couple, part)

    def statements() -> int:
        rivera()  # the view is audited and the alerts evaluated once, as on a page's first run
        return count_statements(rivera)

    small = statements()
    grow(practice, 8)
    assert statements() == small


def agenda_of(practice, actor=None, now=None):
    with practice.work(actor or practice.admin) as uow:
        return overview.couple_overview(
            uow, get_catalog(), practice.admins_couple, overview.AGENDA, now
        ).agenda


def lena(practice) -> PartnerActor:
    with practice.work(practice.admin) as uow:
        partner_id = shown_links(uow, practice.admins_couple)[0].partner_id
    return PartnerActor(partner_id, practice.admins_couple, practice.admin.practice_id, 0, "Lena")


def test_the_agenda_built_last_is_handed_back_while_nothing_it_shows_changed(
    practice, count_statements
):
    from trustcare.services.derived import derived

    derived.clear()
    built = count_statements(lambda: agenda_of(practice))
    shown = agenda_of(practice)
    assert agenda_of(practice) is shown
    handed_back = count_statements(lambda: agenda_of(practice))
    assert handed_back < built


def test_a_kept_agenda_opens_no_other_counselors_couple(practice):
    agenda_of(practice)
    with pytest.raises(CoupleNotFound):
        agenda_of(practice, actor=practice.counselor)


def check_in(practice):
    with PartnerWork(practice.factory, lena(practice)) as uow:
        checkins.submit_checkin(uow, get_catalog(), CALM, "Calmer", True, True, "agenda-1")


def exercise_done(practice):
    catalog = get_catalog()
    first_exercise = catalog.module("open-communication").exercises[0].id
    with PartnerWork(practice.factory, lena(practice)) as uow:
        assignment_id = checkins.client_page(uow, catalog).assignments[0].id
        checkins.mark_exercise_done(uow, catalog, assignment_id, first_exercise, "", False)


def as_admin(change):
    def apply(practice):
        with practice.work(practice.admin) as uow:
            change(uow, practice.admins_couple)

    return apply


CHANGES = {
    "a check-in": check_in,
    "an exercise done": exercise_done,
    "a session logged": as_admin(lambda uow, cid: couples.log_session(uow, cid, TODAY, "")),
    "a partner renamed": as_admin(
        lambda uow, cid: couples.update_couple(
            uow, cid, "Rivera", [couples.PartnerInput("Lena"), couples.PartnerInput("Marc")]
        )
    ),
    "an assignment": as_admin(
        lambda uow, cid: assignments.assign_module(uow, get_catalog(), cid, "healthy-boundaries")
    ),
    "an alert acknowledged": as_admin(
        lambda uow, cid: agendas.acknowledge_alert(uow, cid, "no_checkin:1")
    ),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_the_agenda_is_built_again_once_anything_it_shows_changed(practice, change):
    with practice.work(practice.admin) as uow:
        assignments.assign_module(uow, get_catalog(), practice.admins_couple, "open-communication")
    shown = agenda_of(practice)
    change(practice)
    again = agenda_of(practice)
    assert again is not shown
    assert again == agenda_of(practice)


def test_the_agenda_is_built_again_on_a_new_day_and_for_new_content(practice):
    today = dt.datetime.now(dt.UTC)
    shown = agenda_of(practice, now=today)
    assert agenda_of(practice, now=today + dt.timedelta(days=1)) is not shown
    clear_catalog_cache()
    assert agenda_of(practice, now=today) is not shown

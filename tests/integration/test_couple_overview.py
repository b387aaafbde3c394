"""The couple record page's one service call: scoping, the part asked for, constant statements."""

from __future__ import annotations

import datetime as dt

import pytest

from trustcare.catalog import get_catalog
from trustcare.identity import PartnerActor
from trustcare.services import assignments, checkins, couples, links, overview
from trustcare.services.errors import CoupleNotFound
from trustcare.services.uow import PartnerWork

EVERY_PART = [None, *overview.PARTS]
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


def test_each_part_matches_its_own_service(practice):
    catalog = get_catalog()
    with practice.work(practice.admin) as uow:
        assignments.assign_module(uow, catalog, practice.admins_couple, "open-communication")
        expected = {
            overview.CHECKINS: checkins.couple_checkins(uow, catalog, practice.admins_couple),
            overview.ASSIGNMENTS: assignments.couple_assignments(
                uow, catalog, practice.admins_couple
            ),
            overview.LINKS: links.link_states(uow, practice.admins_couple),
        }
    for part, same in expected.items():
        assert getattr(look(practice, practice.admin, practice.admins_couple, part), part) == same


def grow(practice, rounds: int) -> None:
    """More of everything: couples in the caseload, and sessions, check-ins and work for Rivera."""
    catalog = get_catalog()
    with practice.work(practice.admin) as uow:
        lena, marco = (state.partner_id for state in links.link_states(uow, practice.admins_couple))
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

"""Alerts on a real database: acknowledgement, new evidence, caseload order, and the agenda."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from sqlalchemy import delete, select, update

from tests.answers import CALM
from tests.couple_parts import shown_alerts, shown_links
from trustcare.catalog import get_catalog
from trustcare.errors import CoupleNotFound, InvalidInput, NotFound, PermissionDenied
from trustcare.identity import PartnerActor
from trustcare.models import AlertAcknowledgement, AuditEvent, CheckIn, CoupleStanding
from trustcare.persistence.uow import PartnerWork, unscoped_work
from trustcare.services import (
    admin,
    agendas,
    caseloads,
    checkins,
    couples,
    overview,
    progress,
    standings,
)
from trustcare.services.standings import keep_standings


@pytest.fixture
def lena(practice):
    """Lena of couple Rivera, as a partner actor."""
    with practice.work(practice.admin) as uow:
        partner_id = shown_links(uow, practice.admins_couple)[0].partner_id
    return PartnerActor(partner_id, practice.admins_couple, practice.admin.practice_id, 0, "Lena")


def agenda(practice, couple_id):
    with practice.work(practice.admin) as uow:
        return overview.couple_overview(uow, get_catalog(), couple_id, overview.AGENDA).agenda


def check_in(practice, partner, key, **changes):
    with PartnerWork(practice.factory, partner, keep_standings(get_catalog)) as uow:
        checkins.submit_checkin(uow, get_catalog(), {**CALM, **changes}, "", False, True, key)


def kinds(practice, couple_id):
    with practice.work(practice.admin) as uow:
        return [a.kind for a in shown_alerts(uow, couple_id)]


def test_a_safety_answer_raises_an_urgent_alert(practice, lena):
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    with practice.work(practice.admin) as uow:
        found = shown_alerts(uow, practice.admins_couple)
    safety = [a for a in found if a.kind == "safety"]
    assert len(safety) == 1 and safety[0].severity == "urgent"


def test_acknowledging_hides_an_alert_until_something_new_happens(practice, lena):
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    with practice.work(practice.admin) as uow:
        alert = shown_alerts(uow, practice.admins_couple)[0]
        agendas.acknowledge_alert(uow, practice.admins_couple, alert.key, "Phoned Lena.")
    assert "safety" not in kinds(practice, practice.admins_couple)
    check_in(practice, lena, "s2", **{"felt-unsafe": 1})
    assert kinds(practice, practice.admins_couple).count("safety") == 1


def test_an_acknowledgement_stores_who_and_when_and_is_audited(practice, lena):
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    with practice.work(practice.admin) as uow:
        alert = shown_alerts(uow, practice.admins_couple)[0]
        agendas.acknowledge_alert(uow, practice.admins_couple, alert.key, "Phoned Lena.")
    with practice.factory() as session:
        stored = session.scalars(select(AlertAcknowledgement)).one()
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "alert.acknowledge")
        ).one()
    assert stored.acknowledged_by == practice.admin.counselor_id
    assert (dt.datetime.now(dt.UTC) - stored.acknowledged_at).total_seconds() < 60
    assert audited.actor_id == practice.admin.counselor_id and audited.detail == {
        "alert": "safety",
        "with_note": True,
    }
    assert stored.note == "Phoned Lena."


def test_a_counselor_cannot_read_or_acknowledge_another_counselors_alerts(practice, lena):
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        shown_alerts(uow, practice.admins_couple)
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        agendas.acknowledge_alert(uow, practice.admins_couple, "safety:1")
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        overview.couple_overview(uow, get_catalog(), practice.admins_couple, overview.AGENDA)
    with practice.work(practice.admin) as uow:
        progress.progress_page(uow, get_catalog(), practice.admins_couple)
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        progress.progress_page(uow, get_catalog(), practice.admins_couple)
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        progress.progress_page(uow, get_catalog(), practice.admins_couple)
    with practice.work(practice.counselor) as uow:
        assert (
            caseloads.caseload_alerts(uow, get_catalog(), [practice.admins_couple]).by_couple == {}
        )


def test_the_caseload_puts_urgent_couples_first(practice, lena):
    with practice.work(practice.admin) as uow:
        calm = couples.create_couple(
            uow, "Aardvark", [couples.PartnerInput("A"), couples.PartnerInput("B")]
        )
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    with practice.work(practice.admin) as uow:
        found = caseloads.caseload_alerts(uow, get_catalog(), [calm, practice.admins_couple])
    ordered = sorted([calm, practice.admins_couple], key=found.rank)
    assert ordered == [practice.admins_couple, calm]
    assert found.badge(practice.admins_couple).startswith("1 urgent")


def test_the_agenda_raises_safety_first_then_new_check_ins(practice, lena):
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    titles = [item.title for item in agenda(practice, practice.admins_couple).items]
    assert titles[0] == "Safety answer"
    assert "Lena: 1 new check-in(s)" in titles
    assert "Marco: no check-in since the last session" in titles
    assert titles.index("Lena: 1 new check-in(s)") > 0


@pytest.mark.parametrize("note", ["", "   ", "ok"])
def test_a_safety_alert_is_not_acknowledged_without_a_note_of_what_was_done(practice, lena, note):
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    with practice.work(practice.admin) as uow:
        alert = shown_alerts(uow, practice.admins_couple)[0]
        with pytest.raises(InvalidInput) as refused:
            agendas.acknowledge_alert(uow, practice.admins_couple, alert.key, note)
    assert "what was done" in refused.value.problems["note"]
    assert "safety" in kinds(practice, practice.admins_couple)


def test_the_counselor_who_acknowledged_an_alert_can_undo_it_and_it_is_audited(practice, lena):
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    with practice.work(practice.admin) as uow:
        alert = shown_alerts(uow, practice.admins_couple)[0]
        agendas.acknowledge_alert(uow, practice.admins_couple, alert.key, "Phoned Lena.")
    shown = agenda(practice, practice.admins_couple).acknowledged
    assert [(a.title, a.note, a.by, a.may_undo) for a in shown] == [
        ("Safety answer", "Phoned Lena.", "Ada Fictional", True)
    ]
    with practice.work(practice.admin) as uow:
        agendas.undo_acknowledgement(uow, practice.admins_couple, shown[0].id)
    assert "safety" in kinds(practice, practice.admins_couple)
    assert agenda(practice, practice.admins_couple).acknowledged == []
    with practice.factory() as session:
        undone = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "alert.unacknowledge")
        ).one()
    assert undone.actor_id == practice.admin.counselor_id and undone.detail == {"alert": "safety"}


def test_another_counselor_cannot_undo_an_acknowledgement_after_a_handover(practice, lena):
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    with practice.work(practice.admin) as uow:
        alert = shown_alerts(uow, practice.admins_couple)[0]
        agendas.acknowledge_alert(uow, practice.admins_couple, alert.key, "Phoned Lena.")
        admin.hand_over_couple(uow, practice.admins_couple, practice.counselor.counselor_id)
    with practice.work(practice.counselor) as uow:
        shown = overview.couple_overview(
            uow, get_catalog(), practice.admins_couple, overview.AGENDA
        ).agenda.acknowledged
    assert [a.may_undo for a in shown] == [False]
    with practice.work(practice.counselor) as uow, pytest.raises(PermissionDenied):
        agendas.undo_acknowledgement(uow, practice.admins_couple, shown[0].id)
    with practice.work(practice.counselor) as uow, pytest.raises(NotFound):
        agendas.undo_acknowledgement(uow, practice.admins_couple, 2**40)


def test_a_check_in_sent_after_todays_session_is_new_on_the_agenda(practice, lena):
    today = dt.datetime.now(dt.UTC).date()
    with practice.work(practice.admin) as uow:
        couples.log_session(uow, practice.admins_couple, today, "Fictional notes.")
    check_in(practice, lena, "after", **{"felt-unsafe": 1})
    titles = [item.title for item in agenda(practice, practice.admins_couple).items]
    assert "Lena: 1 new check-in(s)" in titles
    assert "Lena: no check-in since the last session" not in titles


def test_a_check_in_sent_before_todays_session_is_not_new_after_it(practice, lena):
    check_in(practice, lena, "before")
    today = dt.datetime.now(dt.UTC).date()
    with practice.work(practice.admin) as uow:
        couples.log_session(uow, practice.admins_couple, today, "Fictional notes.")
    titles = [item.title for item in agenda(practice, practice.admins_couple).items]
    assert "Lena: no check-in since the last session" in titles


def test_a_session_logged_days_later_counts_its_whole_day_as_after_it(practice, lena):
    check_in(practice, lena, "that day")
    now = dt.datetime.now(dt.UTC)
    yesterday = (now - dt.timedelta(days=1)).date()
    with practice.factory() as session:
        session.execute(update(CheckIn).values(submitted_at=now - dt.timedelta(hours=24)))
        session.commit()
    with practice.work(practice.admin) as uow:
        couples.log_session(uow, practice.admins_couple, yesterday, "Fictional notes.")
    titles = [item.title for item in agenda(practice, practice.admins_couple).items]
    assert "Lena: 1 new check-in(s)" in titles


def test_the_agenda_shows_shared_notes_but_not_private_ones(practice, lena):
    with PartnerWork(practice.factory, lena) as uow:
        checkins.submit_checkin(uow, get_catalog(), CALM, "We laughed again", True, True, "n1")
    with PartnerWork(practice.factory, lena) as uow:
        checkins.submit_checkin(
            uow, get_catalog(), CALM, "Only for my counselor", False, True, "n2"
        )
    details = [item.detail for item in agenda(practice, practice.admins_couple).items]
    assert "We laughed again" in details
    assert "Only for my counselor" not in details


def test_the_agenda_says_a_new_check_in_has_no_score_rather_than_nan(practice, lena):
    check_in(practice, lena, "s1")
    with PartnerWork(practice.factory, lena) as uow:
        checkins.submit_checkin(
            uow,
            get_catalog(),
            {"honest-talk": 2, "overall-trust": 5, "felt-unsafe": 0},
            "",
            False,
            True,
            "few",
        )
    with practice.work(practice.admin) as uow:
        couples.log_session(uow, practice.admins_couple, dt.date.today() - dt.timedelta(days=3), "")
    with practice.factory() as session:
        session.execute(
            update(CheckIn)
            .where(CheckIn.idempotency_key == "s1")
            .values(submitted_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
        )
        # A check-in stored before the overall rating was required has none.
        session.execute(
            update(CheckIn).where(CheckIn.idempotency_key == "few").values(overall=None)
        )
        session.commit()
    items = agenda(practice, practice.admins_couple).items
    lena_item = next(item for item in items if item.title == "Lena: 1 new check-in(s)")
    assert lena_item.detail == (
        "latest trust pulse not scored (too many answers missing), overall trust not answered"
    )


def test_the_caseload_view_pages_through_couples_most_urgent_first(practice, lena):
    with practice.work(practice.admin) as uow:
        for label in ("Aardvark", "Badger", "Coyote"):
            couples.create_couple(
                uow, label, [couples.PartnerInput("A"), couples.PartnerInput("B")]
            )
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    with practice.work(practice.admin) as uow:
        first = caseloads.caseload_view(uow, get_catalog(), page=1, page_size=2)
        last = caseloads.caseload_view(uow, get_catalog(), page=2, page_size=2)
    assert [r.label for r in first.rows] == ["Rivera", "Aardvark"]
    assert [r.label for r in last.rows] == ["Badger", "Coyote"]
    assert (first.matching, first.pages, first.total) == (4, 2, 4)
    assert first.badge(practice.admins_couple) == "1 urgent"


def test_the_caseload_view_only_lists_the_counselors_own_couples(practice):
    with practice.work(practice.counselor) as uow:
        view = caseloads.caseload_view(uow, get_catalog())
    assert [r.label for r in view.rows] == ["Okafor"]


def test_caseload_view_statements_do_not_grow_with_the_caseload(practice, count_statements):
    def view_caseload() -> None:
        with practice.work(practice.admin) as uow:
            caseloads.caseload_view(uow, get_catalog(), page_size=5)

    def statements() -> int:
        return count_statements(view_caseload)

    statements()
    small = statements()
    with practice.work(practice.admin) as uow:
        for number in range(12):
            couples.create_couple(
                uow, f"Couple {number}", [couples.PartnerInput("P"), couples.PartnerInput("Q")]
            )
    statements()
    assert statements() == small


def caseload_labels(practice, **view) -> list[str]:
    with practice.work(practice.admin) as uow:
        return [r.label for r in caseloads.caseload_view(uow, get_catalog(), **view).rows]


def stored_standings(practice) -> dict[int, tuple]:
    with practice.factory() as session:
        return {
            row.couple_id: (row.revision, row.evaluated_on, row.urgent, row.attention)
            for row in session.scalars(select(CoupleStanding))
        }


def test_new_evidence_moves_a_couple_up_a_caseload_sorted_from_stored_standings(practice, lena):
    with practice.work(practice.admin) as uow:
        for label in ("Aardvark", "Badger"):
            couples.create_couple(
                uow, label, [couples.PartnerInput("A"), couples.PartnerInput("B")]
            )
    assert caseload_labels(practice) == ["Aardvark", "Badger", "Rivera"]
    calm = stored_standings(practice)[practice.admins_couple]
    assert calm[2:] == (0, 0)

    check_in(practice, lena, "s1", **{"felt-unsafe": 1})  # raises the couple's revision
    assert caseload_labels(practice) == ["Rivera", "Aardvark", "Badger"]
    version, evaluated_on, urgent, attention = stored_standings(practice)[practice.admins_couple]
    assert version > calm[0] and urgent == 1


def caseload_badges(practice, now) -> dict[str, str]:
    with practice.work(practice.admin) as uow:
        view = caseloads.caseload_view(uow, get_catalog(), now=now)
    return {row.label: view.badge(row.couple_id) for row in view.rows}


def test_a_caseload_read_on_a_later_day_shows_alerts_that_came_with_time_and_writes_nothing(
    practice, lena, writes
):
    today = dt.datetime.now(dt.UTC)
    check_in(practice, lena, "s1")
    with practice.work(practice.admin) as uow:
        couples.create_couple(
            uow, "Aardvark", [couples.PartnerInput("A"), couples.PartnerInput("B")]
        )
    assert caseload_badges(practice, today)["Rivera"] == ""
    stored = stored_standings(practice)[practice.admins_couple]
    later = today + dt.timedelta(days=20)  # past "no check-in for 14 days"

    shown: dict[str, str] = {}
    assert writes(lambda: shown.update(caseload_badges(practice, later))) == []
    assert shown["Rivera"] == "2 to review"  # neither partner checked in for 14 days
    assert stored_standings(practice)[practice.admins_couple] == stored  # nothing stored

    assert (
        standings.refresh_stale_standings(
            partial(unscoped_work, practice.factory), get_catalog(), later
        )
        == 3
    )  # every couple of the practice was evaluated for another day
    revision, evaluated_on, urgent, attention = stored_standings(practice)[practice.admins_couple]
    assert (evaluated_on, urgent, attention) == (later.date(), 0, 2)
    assert caseload_badges(practice, later)["Rivera"] == "2 to review"
    assert (
        standings.refresh_stale_standings(
            partial(unscoped_work, practice.factory), get_catalog(), later
        )
        == 0
    )


def test_new_alert_rules_are_used_at_once_by_a_read_and_stored_by_the_refresher(
    practice, monkeypatch, writes
):
    def stored_rules() -> set[str]:
        with practice.factory() as session:
            return set(session.scalars(select(CoupleStanding.rules_key)))

    caseload_labels(practice)
    before = stored_rules()
    assert len(before) == 1
    monkeypatch.setattr(standings, "STANDING_RULES_VERSION", standings.STANDING_RULES_VERSION + 1)
    assert writes(lambda: caseload_labels(practice)) == []
    assert stored_rules() == before
    standings.refresh_stale_standings(partial(unscoped_work, practice.factory), get_catalog())
    after = stored_rules()
    assert len(after) == 1 and after != before


def test_a_couples_caseload_rows_lost_are_listed_from_memory_until_the_refresher_stores_them(
    practice, writes
):
    """As after restoring a backup without its derived rows: the couples are still listed."""
    with practice.factory() as session:
        session.execute(delete(CoupleStanding))
        session.commit()
    labels: list[str] = []
    assert writes(lambda: labels.extend(caseload_labels(practice))) == []
    assert labels == ["Rivera"]
    with practice.work(practice.counselor) as uow:
        assert [r.label for r in caseloads.caseload_view(uow, get_catalog()).rows] == ["Okafor"]
    standings.refresh_stale_standings(partial(unscoped_work, practice.factory), get_catalog())
    assert set(stored_standings(practice)) == {
        practice.admins_couple,
        practice.counselors_couple,
    }


def test_the_progress_page_gets_the_couples_progress_and_its_open_alerts_in_one_call(
    practice, lena
):
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    with practice.work(practice.admin) as uow:
        shown = progress.progress_page(uow, get_catalog(), practice.admins_couple)
        alone = progress.couple_progress(uow, get_catalog(), practice.admins_couple)
        open_alerts = shown_alerts(uow, practice.admins_couple)
    assert shown.alerts == open_alerts and [a.kind for a in shown.alerts] == ["safety"]
    assert shown.progress.partner_names == alone.partner_names
    assert shown.progress.checkins.equals(alone.checkins)
    assert shown.progress.divergence_gap == alone.divergence_gap


def test_the_progress_page_hands_back_what_it_showed_until_something_changes(
    practice, lena, count_statements
):
    def page(now=None):
        with practice.work(practice.admin) as uow:
            return progress.progress_page(uow, get_catalog(), practice.admins_couple, now=now)

    first = page()
    assert page() is first
    assert count_statements(page) == 2  # the couple (access), settings
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    after_check_in = page()
    assert after_check_in is not first
    assert len(after_check_in.progress.checkins) == len(first.progress.checkins) + 1
    assert [a.kind for a in after_check_in.alerts] == ["safety"]
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert page(now=tomorrow) is not after_check_in
    with practice.work(practice.admin) as uow:
        couples.log_session(uow, practice.admins_couple, dt.date.today(), "")
    assert page() is not after_check_in


def rivera_row(practice):
    with practice.work(practice.admin) as uow:
        rows = caseloads.caseload_view(uow, get_catalog()).rows
    [row] = [r for r in rows if r.couple_id == practice.admins_couple]
    return row.partners, row.sessions, row.last_session


def test_the_caseload_row_follows_a_new_session_and_renamed_partners(practice):
    assert rivera_row(practice) == ("Lena & Marco", 0, None)
    with practice.work(practice.admin) as uow:
        couples.log_session(uow, practice.admins_couple, dt.date(2026, 3, 2), "")
    assert rivera_row(practice) == ("Lena & Marco", 1, dt.date(2026, 3, 2))
    with practice.work(practice.admin) as uow:
        couples.update_couple(
            uow,
            practice.admins_couple,
            "Rivera",
            [couples.PartnerInput("Lena Maria"), couples.PartnerInput("Marco")],
        )
    assert rivera_row(practice) == ("Lena Maria & Marco", 1, dt.date(2026, 3, 2))


def test_the_caseload_overview_only_places_the_counselors_own_couples(practice, lena):
    check_in(practice, lena, "s1")
    with practice.work(practice.admin) as uow:
        own = caseloads.caseload_overview(uow, get_catalog(), [practice.admins_couple])
    with practice.work(practice.counselor) as uow:
        other = caseloads.caseload_overview(uow, get_catalog(), [practice.admins_couple])
    assert list(own["couple"]) == ["Rivera"]
    assert other.empty


def test_a_warm_caseload_skips_the_search_for_stale_rows_until_a_couple_changes(
    practice, lena, count_statements
):
    def view() -> None:
        with practice.work(practice.admin) as uow:
            caseloads.caseload_view(uow, get_catalog())

    view()  # stores every couple's row and remembers the caseload as fresh
    warm = count_statements(view)
    assert warm == 3  # settings, counts with the caseload's fingerprint, one page of rows
    check_in(practice, lena, "s1", **{"felt-unsafe": 1})
    assert count_statements(view) > warm  # the fingerprint changed: stale rows are looked for
    assert caseload_labels(practice)[0] == "Rivera"
    assert count_statements(view) == warm


def test_a_handed_over_couple_moves_between_caseloads_sorted_from_stored_rows(practice):
    def labels(actor) -> list[str]:
        with practice.work(actor) as uow:
            return [r.label for r in caseloads.caseload_view(uow, get_catalog()).rows]

    before_admin, before_counselor = labels(practice.admin), labels(practice.counselor)
    assert "Rivera" in before_admin and "Rivera" not in before_counselor
    with practice.work(practice.admin) as uow:
        admin.hand_over_couple(uow, practice.admins_couple, practice.counselor.counselor_id)
    assert "Rivera" not in labels(practice.admin)
    assert "Rivera" in labels(practice.counselor)


def test_a_paused_couple_leaves_the_active_list_and_shows_under_paused(practice):
    def labels(status) -> list[str]:
        with practice.work(practice.admin) as uow:
            view = caseloads.caseload_view(uow, get_catalog(), status=status)
        return [r.label for r in view.rows]

    assert "Rivera" in labels("active")
    with practice.work(practice.admin) as uow:
        couples.set_status(uow, practice.admins_couple, "paused")
    assert "Rivera" not in labels("active")
    assert labels("paused") == ["Rivera"]


def test_stored_rows_lost_behind_the_processs_back_list_the_same_couples(practice):
    """As after restoring a backup at the same address: the same couples, no stored rows."""
    before = caseload_labels(practice)
    caseload_labels(practice)  # remembered as fresh
    with practice.factory() as session:
        session.execute(CoupleStanding.__table__.delete())
        session.commit()
    assert caseload_labels(practice) == before


def test_progress_events_name_the_module_and_say_what_happened_once(practice):
    """The chart writes "Assigned: " or "Completed: " before the label; the label is the
    module's title alone (it used to read "Assigned: <title> assigned")."""
    from trustcare.services import assignments

    catalog = get_catalog()
    with practice.work(practice.admin) as uow:
        assignments.assign_module(uow, catalog, practice.admins_couple, "open-communication")
    with practice.work(practice.admin) as uow:
        events = progress.couple_progress(uow, catalog, practice.admins_couple).events
    title = catalog.module("open-communication").title
    assert list(zip(events["kind"], events["label"], strict=True)) == [("assigned", title)]

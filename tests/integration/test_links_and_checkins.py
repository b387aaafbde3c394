"""Check-in links and check-ins on a real database: lifecycle, idempotency, scoping."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import partial

import pytest
from sqlalchemy import func, select, update

from tests.couple_parts import shown_assignments, shown_checkins, shown_links
from trustcare.errors import (
    AssignmentNotFound,
    CoupleNotFound,
    InvalidInput,
    LinkNotUsable,
    PartnerNotFound,
    StorageUnavailable,
)
from trustcare.links import hash_token
from trustcare.models import AuditEvent, CheckIn, CheckinLink, ExerciseProgress
from trustcare.persistence.uow import PartnerWork, unscoped_work
from trustcare.services import assignments, checkins, links

BASE = "https://care.example"
FULL_ANSWERS = {
    "honest-talk": 3,
    "hiding-things": 1,
    "kept-word": 3,
    "there-for-me": 4,
    "safe-to-share": 2,
    "held-back": 2,
    "checking-up": 0,
    "feel-secure": 3,
    "overall-trust": 7,
    "practice-done": 2,
    "felt-unsafe": 0,
}


class NoWait:
    """A throttle that never sleeps, so lifecycle tests stay fast."""

    def delay_for(self, client, now=None):
        return 0.0

    def record_failure(self, client, now=None):
        pass


def unscoped(practice):
    """Opens an unscoped unit of work on the practice's database, as link entry points take."""
    return partial(unscoped_work, practice.factory)


@pytest.fixture
def rivera(practice):
    """Ada's couple Rivera: its id and both partners' ids (Lena first)."""
    with practice.work(practice.admin) as uow:
        states = shown_links(uow, practice.admins_couple)
    return practice.admins_couple, states[0].partner_id, states[1].partner_id


def open_as(practice, url: str):
    token = url.split("t=", 1)[1]
    return links.open_link(unscoped(practice), token, throttle=NoWait())


def issue(practice, couple_id, partner_id, actor=None):
    with practice.work(actor or practice.admin) as uow:
        return links.issue_link(uow, couple_id, partner_id, BASE)


def test_an_issued_link_opens_exactly_that_partners_page(practice, rivera):
    couple_id, lena, _marco = rivera
    issued = issue(practice, couple_id, lena)
    assert issued.url.startswith(f"{BASE}/checkin?t=")
    partner = open_as(practice, issued.url)
    assert (partner.partner_id, partner.couple_id, partner.display_name) == (
        lena,
        couple_id,
        "Lena",
    )


def test_only_the_sha256_of_the_token_is_stored(practice, rivera):
    couple_id, lena, _ = rivera
    token = issue(practice, couple_id, lena).url.split("t=", 1)[1]
    assert len(token) >= 43
    with practice.factory() as session:
        stored = session.scalars(select(CheckinLink.token_hash)).all()
    assert stored == [hash_token(token)] and token not in stored[0]


def test_reissuing_revokes_the_old_link(practice, rivera):
    couple_id, lena, _ = rivera
    first = issue(practice, couple_id, lena)
    second = issue(practice, couple_id, lena)
    with pytest.raises(LinkNotUsable):
        open_as(practice, first.url)
    assert open_as(practice, second.url).partner_id == lena


def test_a_revoked_link_no_longer_works(practice, rivera):
    couple_id, lena, _ = rivera
    issued = issue(practice, couple_id, lena)
    with practice.work(practice.admin) as uow:
        assert links.revoke_links(uow, couple_id, lena) == 1
        assert shown_links(uow, couple_id)[0].state == "revoked"
    with pytest.raises(LinkNotUsable):
        open_as(practice, issued.url)


def test_an_expired_link_no_longer_works_and_shows_as_expired(practice, rivera):
    couple_id, lena, _ = rivera
    issued = issue(practice, couple_id, lena)
    with practice.factory() as session:
        session.execute(
            update(CheckinLink).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        session.commit()
    with pytest.raises(LinkNotUsable):
        open_as(practice, issued.url)
    with practice.work(practice.admin) as uow:
        assert shown_links(uow, couple_id)[0].state == "expired"


def test_links_expire_after_the_practice_setting(practice, rivera):
    couple_id, lena, _ = rivera
    issued = issue(practice, couple_id, lena)
    days = (issued.expires_at - dt.datetime.now(dt.UTC)).total_seconds() / 86400
    assert 29.9 < days <= 30


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "x" * 43, "<script>alert(1)</script>" * 3, None, 42, "a" * 10_000],
)
def test_bad_tokens_all_get_the_same_refusal(practice, token):
    with pytest.raises(LinkNotUsable) as error:
        links.open_link(unscoped(practice), token, throttle=NoWait())
    assert str(error.value) == "This link no longer works. Please ask your counselor for a new one."


def test_a_tampered_token_is_refused(practice, rivera):
    couple_id, lena, _ = rivera
    token = issue(practice, couple_id, lena).url.split("t=", 1)[1]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(LinkNotUsable):
        links.open_link(unscoped(practice), tampered, throttle=NoWait())


def test_repeated_bad_tokens_are_slowed_down():
    throttle = links.BadTokenThrottle()
    waits = []
    for n in range(6):
        waits.append(throttle.delay_for("203.0.113.9", now=100.0 + n))
        throttle.record_failure("203.0.113.9", now=100.0 + n)
    assert waits == [0.0, 0.25, 0.5, 1.0, 2.0, 4.0]
    assert throttle.delay_for("198.51.100.7", now=106.0) == 0.0
    assert throttle.delay_for("203.0.113.9", now=100.0 + 10_000) == 0.0


def test_open_link_sleeps_after_bad_tokens(practice):
    slept = []
    throttle = links.BadTokenThrottle()
    for _ in range(3):
        with pytest.raises(LinkNotUsable):
            links.open_link(unscoped(practice), "nope", "203.0.113.5", throttle, sleep=slept.append)
    assert slept == [0.25, 0.5]


def test_a_valid_link_never_waits_after_bad_ones_from_the_same_address(practice, rivera):
    """Localhost or one balancer address is shared by everyone: bad links must not slow good."""
    slept = []
    throttle = links.BadTokenThrottle()
    for _ in range(8):
        with pytest.raises(LinkNotUsable):
            links.open_link(unscoped(practice), "nope", "127.0.0.1", throttle, sleep=slept.append)
    assert slept[-1] == throttle.max_delay
    slept.clear()
    token = issue(practice, rivera[0], rivera[1]).url.split("t=", 1)[1]
    actor = links.open_link(unscoped(practice), token, "127.0.0.1", throttle, sleep=slept.append)
    assert actor.partner_id == rivera[1]
    assert slept == []


def test_counselor_cannot_issue_or_see_links_of_another_counselors_couple(practice, rivera):
    couple_id, lena, _ = rivera
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        links.issue_link(uow, couple_id, lena, BASE)
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        shown_links(uow, couple_id)
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        links.revoke_links(uow, couple_id, lena)


def test_a_partner_of_another_couple_cannot_be_given_a_link_here(practice, rivera):
    with practice.work(practice.counselor) as uow:
        okafor_partner = shown_links(uow, practice.counselors_couple)[0].partner_id
    with practice.work(practice.admin) as uow, pytest.raises(PartnerNotFound):
        links.issue_link(uow, rivera[0], okafor_partner, BASE)


def submit(practice, partner, catalog, key, answers=FULL_ANSWERS, **kwargs):
    with PartnerWork(practice.factory, partner) as uow:
        return checkins.submit_checkin(
            uow,
            catalog,
            answers,
            kwargs.get("reflection", ""),
            kwargs.get("share_reflection", False),
            kwargs.get("share_scores", True),
            key,
        )


def checkin_count(practice) -> int:
    with practice.factory() as session:
        return session.scalar(select(func.count(CheckIn.id)))


def test_a_check_in_is_scored_and_stored_once_per_key(practice, rivera, catalog):
    partner = open_as(practice, issue(practice, rivera[0], rivera[1]).url)
    key = uuid.uuid4().hex
    first = submit(practice, partner, catalog, key)
    again = submit(practice, partner, catalog, key)
    assert (first.already_stored, again.already_stored) == (False, True)
    assert first.checkin_id == again.checkin_id
    assert checkin_count(practice) == 1
    with practice.factory() as session:
        stored = session.get(CheckIn, first.checkin_id)
    # Reverse-keyed hiding-things, held-back, checking-up: 1->3, 2->2, 0->4.
    # 3 + 3 + 3 + 4 + 2 + 2 + 4 + 3 = 24
    assert (stored.total, stored.overall, stored.practice, stored.safety_flag) == (24, 7, 2, False)
    assert stored.measure_id == "trust-pulse" and stored.measure_version == 1


def test_a_yes_to_the_safety_question_flags_the_check_in_and_gives_support_text(
    practice, rivera, catalog
):
    partner = open_as(practice, issue(practice, rivera[0], rivera[1]).url)
    receipt = submit(practice, partner, catalog, "k1", {**FULL_ANSWERS, "felt-unsafe": 1})
    assert receipt.safety_flag
    assert "emergency" in receipt.support_text


def test_a_check_in_during_a_database_outage_fails_cleanly_and_a_retry_stores_one(
    practice, rivera, catalog
):
    from trustcare.db import make_engine, make_session_factory

    partner = open_as(practice, issue(practice, rivera[0], rivera[1]).url)
    unreachable = make_session_factory(
        make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1")
    )
    with PartnerWork(unreachable, partner) as uow, pytest.raises(StorageUnavailable):
        checkins.submit_checkin(uow, catalog, FULL_ANSWERS, "still here", False, True, "retry-key")
    assert checkin_count(practice) == 0
    submit(practice, partner, catalog, "retry-key", reflection="still here")
    submit(practice, partner, catalog, "retry-key", reflection="still here")
    assert checkin_count(practice) == 1


def test_a_failed_check_in_writes_nothing_half_way(practice, rivera, catalog):
    partner = open_as(practice, issue(practice, rivera[0], rivera[1]).url)
    with pytest.raises(InvalidInput):
        submit(practice, partner, catalog, "bad", {**FULL_ANSWERS, "honest-talk": 9})
    with practice.factory() as session:
        assert session.scalar(select(func.count(CheckIn.id))) == 0
        assert (
            session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "checkin.submit")
            )
            == 0
        )


def test_the_same_key_from_another_partner_does_not_return_their_check_in(
    practice, rivera, catalog
):
    lena = open_as(practice, issue(practice, rivera[0], rivera[1]).url)
    marco = open_as(practice, issue(practice, rivera[0], rivera[2]).url)
    submit(practice, lena, catalog, "shared-key")
    with pytest.raises(Exception):  # noqa: B017 - the database refuses the duplicate key
        submit(practice, marco, catalog, "shared-key")
    assert checkin_count(practice) == 1


def test_a_partner_sees_only_their_own_and_both_partner_assignments(practice, rivera, catalog):
    couple_id, lena_id, marco_id = rivera
    with practice.work(practice.admin) as uow:
        assignments.assign_module(uow, catalog, couple_id, "open-communication")
        assignments.assign_module(uow, catalog, couple_id, "past-hurts", partner_id=marco_id)
    lena = open_as(practice, issue(practice, couple_id, lena_id).url)
    marco = open_as(practice, issue(practice, couple_id, marco_id).url)
    with PartnerWork(practice.factory, lena) as uow:
        lena_page = checkins.client_page(uow, catalog)
    with PartnerWork(practice.factory, marco) as uow:
        marco_page = checkins.client_page(uow, catalog)
    assert [a.title for a in lena_page.assignments] == ["Open and honest communication"]
    assert len(marco_page.assignments) == 2


def test_a_partner_cannot_mark_the_other_partners_assignment(practice, rivera, catalog):
    couple_id, lena_id, marco_id = rivera
    with practice.work(practice.admin) as uow:
        only_marco = assignments.assign_module(uow, catalog, couple_id, "past-hurts", marco_id)
    lena = open_as(practice, issue(practice, couple_id, lena_id).url)
    exercise = catalog.module("past-hurts").exercises[0].id
    with PartnerWork(practice.factory, lena) as uow, pytest.raises(AssignmentNotFound):
        checkins.mark_exercise_done(uow, catalog, only_marco, exercise, "", False)


def test_a_partner_never_sees_the_other_partners_reflections(practice, rivera, catalog):
    couple_id, lena_id, marco_id = rivera
    with practice.work(practice.admin) as uow:
        both = assignments.assign_module(uow, catalog, couple_id, "open-communication")
    module = catalog.module("open-communication")
    lena = open_as(practice, issue(practice, couple_id, lena_id).url)
    marco = open_as(practice, issue(practice, couple_id, marco_id).url)
    with PartnerWork(practice.factory, marco) as uow:
        checkins.mark_exercise_done(
            uow, catalog, both, module.exercises[0].id, "Marco's private thought", False
        )
    with PartnerWork(practice.factory, lena) as uow:
        page = checkins.client_page(uow, catalog)
    assert all(not e.done and e.reflection == "" for e in page.assignments[0].exercises)


def test_an_assignment_completes_when_both_partners_did_every_exercise(practice, rivera, catalog):
    couple_id, lena_id, marco_id = rivera
    with practice.work(practice.admin) as uow:
        assignment_id = assignments.assign_track(uow, catalog, couple_id, "betrayal-recovery")
    module = catalog.module("betrayal-acknowledge")
    for partner_id in (lena_id, marco_id):
        partner = open_as(practice, issue(practice, couple_id, partner_id).url)
        for exercise in module.exercises:
            with PartnerWork(practice.factory, partner) as uow:
                checkins.mark_exercise_done(uow, catalog, assignment_id, exercise.id, "", False)
    with practice.work(practice.admin) as uow:
        views = shown_assignments(uow, couple_id)
    assert views[0].status == "completed"
    suggestion = assignments.track_suggestions(catalog, views)
    assert [(s.module_id, s.stage) for s in suggestion] == [("betrayal-open-communication", 2)]


def test_assignments_keep_the_module_version_they_were_made_with(practice, rivera, catalog):
    with practice.work(practice.admin) as uow:
        assignments.assign_module(uow, catalog, rivera[0], "vulnerability")
        views = shown_assignments(uow, rivera[0])
    assert views[0].module_version == catalog.module("vulnerability").version


def test_counselor_cannot_assign_to_or_read_another_counselors_couple(practice, rivera, catalog):
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        assignments.assign_module(uow, catalog, rivera[0], "vulnerability")
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        shown_assignments(uow, rivera[0])
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        shown_checkins(uow, rivera[0])
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        assignments.set_status(uow, rivera[0], 1, "skipped")


def test_every_blns_string_survives_a_reflection_exactly(practice, rivera, catalog, blns):
    couple_id, lena_id, _ = rivera
    lena = open_as(practice, issue(practice, couple_id, lena_id).url)
    for number, text in enumerate(blns):
        submit(practice, lena, catalog, f"blns-{number}", reflection=text, share_reflection=True)
    with practice.work(practice.admin) as uow:
        # More than the tab's 200: the overview's own reader, with a limit that takes them all.
        couple = uow.couples.get(couple_id)
        shown = checkins.checkins_of(uow, catalog, couple, {}, limit=len(blns)).checkins
    assert sorted(c.reflection for c in shown) == sorted(blns)


def test_the_counselor_sees_check_ins_newest_first_with_sharing_marked(practice, rivera, catalog):
    couple_id, lena_id, _ = rivera
    lena = open_as(practice, issue(practice, couple_id, lena_id).url)
    submit(practice, lena, catalog, "a", reflection="first, private")
    submit(practice, lena, catalog, "b", reflection="second, shared", share_reflection=True)
    with practice.work(practice.admin) as uow:
        seen = shown_checkins(uow, couple_id).checkins
    assert [(c.reflection, c.reflection_shared) for c in seen] == [
        ("second, shared", True),
        ("first, private", False),
    ]


def test_exercise_progress_is_unique_per_partner_and_exercise(practice, rivera, catalog):
    couple_id, lena_id, _ = rivera
    with practice.work(practice.admin) as uow:
        both = assignments.assign_module(uow, catalog, couple_id, "open-communication")
    lena = open_as(practice, issue(practice, couple_id, lena_id).url)
    exercise = catalog.module("open-communication").exercises[0].id
    for reflection in ("first", "edited"):
        with PartnerWork(practice.factory, lena) as uow:
            checkins.mark_exercise_done(uow, catalog, both, exercise, reflection, True)
    with practice.factory() as session:
        rows = session.scalars(select(ExerciseProgress)).all()
    assert [(r.reflection, r.reflection_shared) for r in rows] == [("edited", True)]


@pytest.mark.parametrize("skipped", ["felt-unsafe", "overall-trust"])
def test_a_check_in_without_a_required_answer_is_refused_by_name_and_nothing_is_stored(
    practice, rivera, catalog, skipped
):
    partner = open_as(practice, issue(practice, rivera[0], rivera[1]).url)
    measure = catalog.measure(checkins.MEASURE_ID)
    with pytest.raises(InvalidInput) as refused:
        submit(practice, partner, catalog, "k-req", {**FULL_ANSWERS, skipped: None})
    assert measure.item(skipped).text.strip() in refused.value.problems["required"]
    assert checkin_count(practice) == 0


def test_optional_items_may_be_skipped_and_are_prorated(practice, rivera, catalog):
    partner = open_as(practice, issue(practice, rivera[0], rivera[1]).url)
    answers = {**FULL_ANSWERS, "honest-talk": None, "practice-done": None}
    receipt = submit(practice, partner, catalog, "k-skip", answers)
    with practice.factory() as session:
        stored = session.get(CheckIn, receipt.checkin_id)
    assert stored.total is not None and stored.practice is None and stored.safety_flag is False


REFLECTION_SECRET = "zebra-orchid-7731 my partner hit me"


def test_a_storage_fault_at_submit_is_named_and_no_clinical_text_reaches_any_log(
    practice, rivera, catalog, engine, caplog
):
    """A trigger refuses the INSERT: the error raised and every log line name no answer."""
    import logging

    from sqlalchemy import text

    if engine.dialect.name != "sqlite":
        pytest.skip("the refusing trigger is written in SQLite's dialect")
    partner = open_as(practice, issue(practice, rivera[0], rivera[1]).url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TRIGGER refuse_checkin BEFORE INSERT ON checkin "
                "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
            )
        )
    try:
        caplog.set_level(logging.DEBUG)
        with pytest.raises(StorageUnavailable) as raised:
            submit(
                practice,
                partner,
                catalog,
                "k-fault",
                {**FULL_ANSWERS, "felt-unsafe": 1},
                reflection=REFLECTION_SECRET,
            )
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TRIGGER refuse_checkin"))
    import traceback

    told = "".join(traceback.format_exception(raised.value))
    logged = "\n".join(
        record.getMessage()
        + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
        for record in caplog.records
    )
    assert any("check-in not stored or read" in r.getMessage() for r in caplog.records)
    for secret in ("zebra-orchid-7731", "hit me", '"felt-unsafe": 1'):
        assert secret not in told
        assert secret not in logged
    assert checkin_count(practice) == 0
    submit(practice, partner, catalog, "k-fault", reflection=REFLECTION_SECRET)
    assert checkin_count(practice) == 1


def test_the_engine_hides_bound_parameters():
    from trustcare.db import make_engine

    assert make_engine("sqlite://").hide_parameters


def test_a_storage_fault_marking_an_exercise_is_named_and_its_reflection_is_never_logged(
    practice, rivera, catalog, engine, caplog
):
    import logging
    import traceback

    from sqlalchemy import text

    if engine.dialect.name != "sqlite":
        pytest.skip("the refusing trigger is written in SQLite's dialect")
    couple_id, lena_id, _ = rivera
    with practice.work(practice.admin) as uow:
        both = assignments.assign_module(uow, catalog, couple_id, "open-communication")
    exercise = catalog.module("open-communication").exercises[0].id
    lena = open_as(practice, issue(practice, couple_id, lena_id).url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TRIGGER refuse_progress BEFORE INSERT ON exercise_progress "
                "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
            )
        )
    try:
        caplog.set_level(logging.DEBUG)
        with (
            PartnerWork(practice.factory, lena) as uow,
            pytest.raises(StorageUnavailable) as raised,
        ):
            checkins.mark_exercise_done(uow, catalog, both, exercise, REFLECTION_SECRET, False)
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TRIGGER refuse_progress"))
    told = "".join(traceback.format_exception(raised.value))
    logged = "\n".join(
        record.getMessage()
        + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
        for record in caplog.records
    )
    assert "zebra-orchid-7731" not in told and "zebra-orchid-7731" not in logged

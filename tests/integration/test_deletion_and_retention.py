"""Deleting a couple leaves none of its rows; retention lists and purges closed couples."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import partial

import pytest
from sqlalchemy import delete, func, select

from trustcare import clock
from trustcare.errors import CoupleNotFound, InvalidInput, PermissionDenied
from trustcare.models import (
    AlertAcknowledgement,
    Assignment,
    AuditEvent,
    CheckIn,
    CheckinLink,
    Couple,
    CoupleStanding,
    ExerciseProgress,
    Partner,
    Reminder,
    SessionFeedback,
    Submission,
)
from trustcare.persistence.uow import unscoped_work
from trustcare.revisions import COUPLE_OWNED, couple_owned_classes
from trustcare.services import admin, couples, retention

NOW = dt.datetime(2033, 6, 1, 9, 0, tzinfo=dt.UTC)


def _owned_classes() -> set[type]:
    return couple_owned_classes() | {CoupleStanding}


def _where_of(cls: type, couple_id: int):
    """The rows of `cls` that belong to the couple, from the models' foreign keys alone."""
    if cls is Couple:
        return Couple.id == couple_id
    if cls is CoupleStanding:
        return CoupleStanding.couple_id == couple_id
    path = COUPLE_OWNED[cls][0]
    if path[0] == "direct":
        return getattr(cls, path[1]) == couple_id
    _, name, parent = path
    return getattr(cls, name).in_(select(parent.id).where(_where_of(parent, couple_id)))


def _rows_per_class(factory, couple_id: int) -> dict[str, int]:
    with factory() as db:
        return {
            cls.__name__: db.scalar(
                select(func.count()).select_from(cls).where(_where_of(cls, couple_id))
            )
            for cls in _owned_classes()
        }


def _in_2033(practice, monkeypatch) -> None:
    """The clock at NOW, and the counselors acting as through single sign-on: a local login
    begun today would be long over in 2033 (a write refuses an ended login)."""
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    practice.admin = replace(practice.admin, login_id=None)
    practice.counselor = replace(practice.counselor, login_id=None)


def _fill(practice, actor, couple_id: int, tag: str) -> dict[str, list[int]]:
    """A row in every couple-owned table, and the submissions that name the couple's
    records; returns the record ids by submission kind."""
    with practice.work(actor) as uow:
        session_id = couples.log_session(
            uow, couple_id, dt.date(2026, 1, 5), "Fictional notes.", submission=f"s-{tag}"
        )
    with practice.factory() as db:
        partner = db.scalars(select(Partner).where(Partner.couple_id == couple_id)).first()
        assignment = Assignment(
            couple_id=couple_id,
            partner_id=partner.id,
            module_id="open-communication",
            module_version=1,
        )
        link = CheckinLink(
            partner_id=partner.id,
            token_hash=f"hash-{tag}",
            expires_at=clock.utcnow() + dt.timedelta(days=30),
        )
        db.add_all([assignment, link])
        # The couple's caseload row, stored on write, is put back as a row of this test's own.
        db.execute(delete(CoupleStanding).where(CoupleStanding.couple_id == couple_id))
        db.flush()
        db.add_all(
            [
                ExerciseProgress(
                    assignment_id=assignment.id,
                    partner_id=partner.id,
                    exercise_id="e1",
                    reflection="A fictional reflection.",
                ),
                CheckIn(
                    couple_id=couple_id,
                    partner_id=partner.id,
                    measure_id="trust-pulse",
                    measure_version=1,
                    idempotency_key=f"k-{tag}",
                    safety_flag=False,
                ),
                AlertAcknowledgement(
                    couple_id=couple_id, alert_key=f"a-{tag}", acknowledged_by=actor.counselor_id
                ),
                Reminder(
                    couple_id=couple_id,
                    partner_id=partner.id,
                    window_key="2026-01-05",
                    window_closes_at=clock.utcnow(),
                ),
                SessionFeedback(
                    couple_id=couple_id,
                    partner_id=partner.id,
                    session_id=session_id,
                    measure_id="session-feedback",
                    measure_version=1,
                    comment="A fictional comment on the session.",
                    idempotency_key=f"f-{tag}",
                ),
                CoupleStanding(
                    couple_id=couple_id,
                    counselor_id=actor.counselor_id,
                    practice_id=actor.practice_id,
                    status="active",
                    label_key=tag,
                    sort_key=0,
                    revision=0,
                    evaluated_on=dt.date(2026, 1, 5),
                    rules_key="r",
                    urgent=0,
                    attention=0,
                    sessions=1,
                    partners="x",
                ),
                Submission(key=f"c-{tag}", kind="couple", record_id=couple_id),
                Submission(key=f"a-{tag}", kind="assignment", record_id=assignment.id),
                Submission(key=f"l-{tag}", kind="link", record_id=link.id),
            ]
        )
        db.commit()
        return {
            "couple": [couple_id],
            "session": [session_id],
            "assignment": [assignment.id],
            "link": [link.id],
        }


def _submissions_naming(factory, records: dict[str, list[int]]) -> int:
    with factory() as db:
        return sum(
            db.scalar(
                select(func.count())
                .select_from(Submission)
                .where(Submission.kind == kind, Submission.record_id.in_(ids))
            )
            for kind, ids in records.items()
        )


def test_deleting_a_couple_leaves_no_row_of_theirs_in_any_table(practice):
    rivera = _fill(practice, practice.admin, practice.admins_couple, "rivera")
    _fill(practice, practice.counselor, practice.counselors_couple, "okafor")
    before = _rows_per_class(practice.factory, practice.admins_couple)
    # Every couple-owned table holds a row of the couple, so the check below means something.
    assert all(before.values()), before
    others_before = _rows_per_class(practice.factory, practice.counselors_couple)

    with practice.work(practice.admin) as uow:
        admin.delete_couple(uow, practice.admins_couple, "Rivera")

    assert set(_rows_per_class(practice.factory, practice.admins_couple).values()) == {0}
    assert _submissions_naming(practice.factory, rivera) == 0
    assert _rows_per_class(practice.factory, practice.counselors_couple) == others_before
    with practice.factory() as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "couple.delete")).one()
    assert event.record_id == practice.admins_couple
    assert event.detail == {"counselor": practice.admin.counselor_id, "status": "active"}
    for private in ("Rivera", "Lena", "Marco", "lena@mail.example", "Fictional"):
        assert private not in str(event.detail)


def test_an_admin_deletes_another_counselors_couple_and_it_leaves_their_caseload(practice):
    with practice.work(practice.admin) as uow:
        admin.delete_couple(uow, practice.counselors_couple, "Okafor")
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        uow.couples.get(practice.counselors_couple)
    with practice.work(practice.counselor) as uow:
        assert couples.list_caseload(uow).rows == []


def test_a_counselor_who_is_not_an_admin_cannot_delete_a_couple(practice):
    for couple_id, label in (
        (practice.counselors_couple, "Okafor"),
        (practice.admins_couple, "Rivera"),
    ):
        with practice.work(practice.counselor) as uow, pytest.raises(PermissionDenied):
            admin.delete_couple(uow, couple_id, label)
    with practice.factory() as db:
        assert db.scalar(select(func.count(Couple.id))) == 2


def test_a_wrong_label_typed_refuses_the_deletion(practice):
    for typed in ("", "rivera", "Rivera ", "Okafor", None):
        with practice.work(practice.admin) as uow, pytest.raises(InvalidInput) as refused:
            admin.delete_couple(uow, practice.admins_couple, typed)
        assert "label" in refused.value.problems
    with practice.factory() as db:
        assert db.get(Couple, practice.admins_couple) is not None
        assert not db.scalars(select(AuditEvent).where(AuditEvent.action == "couple.delete")).all()


def test_a_couple_of_another_practice_is_not_found(practice):
    other = _admin_of_another_practice(practice)
    with practice.work(other) as uow, pytest.raises(CoupleNotFound):
        admin.delete_couple(uow, practice.admins_couple, "Rivera")


def _admin_of_another_practice(practice):
    """An admin of a second practice in the same database."""
    from trustcare.identity import Actor
    from trustcare.models import Counselor, Practice

    with practice.factory() as db:
        other = Practice(name="Elsewhere")
        db.add(other)
        db.flush()
        boss = Counselor(
            practice_id=other.id,
            email="boss@elsewhere.example",
            display_name="Boss",
            role="admin",
        )
        db.add(boss)
        db.commit()
        return Actor(
            counselor_id=boss.id,
            practice_id=other.id,
            role="admin",
            display_name="Boss",
            email="boss@elsewhere.example",
        )


def _close(practice, actor, couple_id: int, closed_at: dt.datetime) -> None:
    with practice.work(actor) as uow:
        couples.set_status(uow, couple_id, "closed")
    with practice.factory() as db:
        db.get(Couple, couple_id).closed_at = closed_at
        db.commit()


def test_closing_sets_the_closing_time_and_reopening_clears_it(practice, monkeypatch):
    _in_2033(practice, monkeypatch)
    with practice.work(practice.admin) as uow:
        couples.set_status(uow, practice.admins_couple, "closed")
    with practice.factory() as db:
        assert db.get(Couple, practice.admins_couple).closed_at == NOW
    with practice.work(practice.admin) as uow:
        couples.set_status(uow, practice.admins_couple, "active")
    with practice.factory() as db:
        assert db.get(Couple, practice.admins_couple).closed_at is None


def test_the_retention_list_holds_closed_couples_past_the_period_only(practice, monkeypatch):
    _in_2033(practice, monkeypatch)
    _close(practice, practice.admin, practice.admins_couple, NOW - dt.timedelta(days=7 * 366))
    _close(practice, practice.counselor, practice.counselors_couple, NOW - dt.timedelta(days=365))
    with practice.work(practice.admin) as uow:
        view = retention.past_retention(uow)
    assert view.years == 7
    assert [(row.label, row.counselor) for row in view.rows] == [("Rivera", "Ada Fictional")]
    assert view.rows[0].closed_on == (NOW - dt.timedelta(days=7 * 366)).date()
    # Six years on (a clock passed in), Okafor is past the period too.
    with practice.work(practice.admin) as uow:
        later = retention.past_retention(uow, NOW + dt.timedelta(days=6 * 366))
    assert [row.label for row in later.rows] == ["Rivera", "Okafor"]
    with practice.work(practice.counselor) as uow, pytest.raises(PermissionDenied):
        retention.past_retention(uow)


def test_a_reopened_couple_leaves_the_retention_list(practice):
    _close(practice, practice.admin, practice.admins_couple, NOW - dt.timedelta(days=8 * 366))
    with practice.work(practice.admin) as uow:
        couples.set_status(uow, practice.admins_couple, "active")
    with practice.work(practice.admin) as uow:
        assert retention.past_retention(uow, NOW).rows == []


def test_purge_dry_run_changes_nothing_and_lists_what_the_purge_deletes(practice):
    _fill(practice, practice.admin, practice.admins_couple, "rivera")
    _close(practice, practice.admin, practice.admins_couple, NOW - dt.timedelta(days=8 * 366))
    _close(practice, practice.counselor, practice.counselors_couple, NOW - dt.timedelta(days=30))
    open_work = partial(unscoped_work, practice.factory)
    before = _rows_per_class(practice.factory, practice.admins_couple)

    listed = retention.purge_candidates(open_work, NOW)

    assert [(row.couple_id, row.label) for row in listed] == [(practice.admins_couple, "Rivera")]
    assert _rows_per_class(practice.factory, practice.admins_couple) == before
    purged = retention.purge(open_work, NOW)
    assert purged == listed
    assert set(_rows_per_class(practice.factory, practice.admins_couple).values()) == {0}
    with practice.factory() as db:
        assert db.get(Couple, practice.counselors_couple) is not None
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "couple.purge")).one()
    assert (event.actor_kind, event.record_id) == ("system", practice.admins_couple)
    assert "Rivera" not in str(event.detail)
    assert retention.purge_candidates(open_work, NOW) == []


def test_the_purge_command_lists_on_a_dry_run_and_deletes_with_yes(
    practice, migrated_url, monkeypatch
):
    from click.testing import CliRunner

    from trustcare.cli import main

    monkeypatch.delenv("TRUSTCARE_DATABASE_URL", raising=False)
    _close(practice, practice.admin, practice.admins_couple, NOW - dt.timedelta(days=8 * 366))

    def purge(*args: str):
        result = CliRunner().invoke(
            main,
            ["couples", "purge", "--database-url", migrated_url, "--now", NOW.isoformat(), *args],
        )
        assert "Traceback" not in result.output
        return result

    dry = purge("--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"couple {practice.admins_couple}: Rivera (closed" in dry.output
    assert "Okafor" not in dry.output
    assert "nothing was changed" in dry.output
    with practice.factory() as db:
        assert db.get(Couple, practice.admins_couple) is not None

    refused = purge()
    assert refused.exit_code != 0
    assert "--yes" in refused.output
    with practice.factory() as db:
        assert db.get(Couple, practice.admins_couple) is not None

    done = purge("--yes")
    assert done.exit_code == 0, done.output
    assert "deleted 1 couple(s)" in done.output
    with practice.factory() as db:
        assert db.get(Couple, practice.admins_couple) is None
        assert db.get(Couple, practice.counselors_couple) is not None
    assert "no closed couple is past" in purge("--dry-run").output

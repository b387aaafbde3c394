"""Automatic sign-out: a login ends in the database after the practice's idle time and at its
maximum age; page runs extend it, reruns nobody clicked for do not, other logins go on."""

from __future__ import annotations

import datetime as dt
from functools import partial

from sqlalchemy import select

from trustcare.models import AuditEvent, Login, Practice
from trustcare.persistence.uow import unscoped_work
from trustcare.services import accounts


def _claim(actor):
    return (actor.counselor_id, actor.session_version, actor.login_id)


def _login(factory, login_id) -> Login:
    with factory() as session:
        return session.get(Login, login_id)


def _started(factory, actor) -> dt.datetime:
    return _login(factory, actor.login_id).started_at


def _set_limits(factory, **limits) -> None:
    with factory() as session:
        practice = session.scalars(select(Practice)).one()
        practice.settings = {**(practice.settings or {}), **limits}
        session.commit()


def test_a_login_left_idle_ends_with_its_reason_and_an_audit_without_names(practice, factory):
    ben = practice.counselor
    open_work = partial(unscoped_work, factory)
    start = _started(factory, ben)

    held = accounts.check_login(open_work, _claim(ben), now=start + dt.timedelta(minutes=14))
    assert held.actor == ben and held.ended_because is None
    held = accounts.check_login(open_work, _claim(ben), now=start + dt.timedelta(minutes=29))
    assert held.actor is None and held.practice.name == "Harbor Counseling"
    assert held.ended_because.startswith("You were signed out after 15 minutes without activity")

    login = _login(factory, ben.login_id)
    assert login.end_reason == "idle" and login.ended_at == start + dt.timedelta(minutes=29)
    with factory() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "logout.automatic")
        ).one()
    assert (event.record_type, event.record_id, event.actor_id) == (
        "counselor",
        ben.counselor_id,
        ben.counselor_id,
    )
    assert event.detail == {"reason": "idle"}, "no name, email or page in the trail"
    # The ended login stays ended, whatever the clock says next.
    assert accounts.check_login(open_work, _claim(ben), now=start).actor is None


def test_page_runs_keep_a_login_open_until_its_maximum_age(practice, factory):
    ben = practice.counselor
    open_work = partial(unscoped_work, factory)
    _set_limits(factory, max_login_hours=1)
    start = _started(factory, ben)
    for minute in range(10, 60, 10):
        held = accounts.check_login(
            open_work, _claim(ben), now=start + dt.timedelta(minutes=minute)
        )
        assert held.actor == ben, f"signed out at minute {minute} despite activity"
    held = accounts.check_login(open_work, _claim(ben), now=start + dt.timedelta(minutes=60))
    assert held.actor is None
    assert "at most 1 hour" in held.ended_because
    assert _login(factory, ben.login_id).end_reason == "max_age"


def test_a_rerun_nobody_clicked_for_does_not_extend_the_login(practice, factory):
    ben = practice.counselor
    open_work = partial(unscoped_work, factory)
    start = _started(factory, ben)
    for minute in (5, 10, 14):
        held = accounts.check_login(
            open_work, _claim(ben), now=start + dt.timedelta(minutes=minute), activity=False
        )
        assert held.actor == ben
    held = accounts.check_login(
        open_work, _claim(ben), now=start + dt.timedelta(minutes=16), activity=False
    )
    assert held.actor is None and _login(factory, ben.login_id).end_reason == "idle"


def test_one_idle_login_ending_leaves_the_others_open(practice, factory):
    ben, ada = practice.counselor, practice.admin
    open_work = partial(unscoped_work, factory)
    second = accounts.authenticate(open_work, "ben@harbor.example", "long password 2")
    start = max(_started(factory, ben), _started(factory, second), _started(factory, ada))
    later = start + dt.timedelta(minutes=10)
    assert accounts.check_login(open_work, _claim(second), now=later).actor == second
    assert accounts.check_login(open_work, _claim(ada), now=later).actor == ada

    idle_for_ben = start + dt.timedelta(minutes=20)
    assert accounts.check_login(open_work, _claim(ben), now=idle_for_ben).actor is None
    assert accounts.check_login(open_work, _claim(second), now=idle_for_ben).actor == second
    assert accounts.check_login(open_work, _claim(ada), now=idle_for_ben).actor == ada
    assert [_login(factory, x.login_id).ended_at is None for x in (ben, second, ada)] == [
        False,
        True,
        True,
    ]


def test_a_login_of_another_counselor_is_neither_read_nor_extended(practice, factory):
    ben, ada = practice.counselor, practice.admin
    open_work = partial(unscoped_work, factory)
    before = _login(factory, ada.login_id)
    held = accounts.check_login(open_work, (ben.counselor_id, 1, ada.login_id))
    assert held.actor is None and held.practice.name == "Harbor Counseling"
    after = _login(factory, ada.login_id)
    assert (after.last_seen_at, after.ended_at) == (before.last_seen_at, None)


def test_signing_out_by_hand_is_stored_as_such(practice, factory):
    ben = practice.counselor
    accounts.end_login(partial(unscoped_work, factory), ben.counselor_id, ben.login_id)
    assert _login(factory, ben.login_id).end_reason == "signed_out"


def test_without_a_login_the_practice_comes_alone(practice, factory):
    held = accounts.check_login(partial(unscoped_work, factory), None)
    assert held.practice.name == "Harbor Counseling" and held.actor is None

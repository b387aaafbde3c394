"""Two-factor sign-in for local accounts: enrolment, the code step, recovery codes, the
throttle, remembered browsers and an admin's reset (on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from sqlalchemy import select, text

from trustcare import two_factor
from trustcare.errors import InvalidInput, LoginThrottled
from trustcare.models import AuditEvent, RecoveryCode, utcnow
from trustcare.persistence.uow import unscoped_work
from trustcare.services import accounts, admin
from trustcare.services import two_factor_enrolment as enrolment
from trustcare.two_factor import SecondFactorRequired, TrustedBrowser

BEN = ("ben@harbor.example", "long password 2")


def _enrol(practice, now: dt.datetime) -> tuple[str, list[str]]:
    """Ben sets up an authenticator; (its secret, his recovery codes)."""
    with practice.work(practice.counselor) as uow:
        secret = enrolment.begin(uow).secret
    with practice.work(practice.counselor) as uow:
        codes = enrolment.confirm(uow, two_factor.code_at(secret, now), now=now)
    return secret, codes


def _password_step(practice, now: dt.datetime, trusted=None):
    with pytest.raises(SecondFactorRequired) as needed:
        accounts.authenticate(
            partial(unscoped_work, practice.factory), *BEN, now=now, trusted=trusted
        )
    return needed.value.step


def _second_step(practice, step, code, now, source="10.0.0.7"):
    return accounts.complete_second_factor(
        partial(unscoped_work, practice.factory), step, code, source=source, now=now
    )


def _actions(practice) -> list[str]:
    with practice.factory() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_enrolment_keeps_one_secret_until_confirmed_and_stores_it_encrypted(practice):
    with practice.work(practice.counselor) as uow:
        first = enrolment.begin(uow)
    with practice.work(practice.counselor) as uow:
        assert enrolment.begin(uow).secret == first.secret
        assert not enrolment.status(uow).enrolled
    with practice.factory() as session:
        raw = session.execute(text("SELECT secret FROM two_factor")).scalar_one()
    assert first.secret not in str(raw)
    assert first.qr_code_png.startswith(b"\x89PNG")


def test_a_wrong_first_code_does_not_turn_it_on(practice):
    with practice.work(practice.counselor) as uow:
        enrolment.begin(uow)
    with practice.work(practice.counselor) as uow, pytest.raises(InvalidInput):
        enrolment.confirm(uow, "000000")
    accounts.authenticate(partial(unscoped_work, practice.factory), *BEN)


def test_confirming_makes_ten_hashed_recovery_codes_and_audits(practice):
    now = utcnow()
    _, codes = _enrol(practice, now)
    assert len(codes) == 10
    with practice.factory() as session:
        stored = list(session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert all(code_hash.startswith("$argon2id$") for code_hash in stored)
    with practice.work(practice.counselor) as uow:
        status = enrolment.status(uow)
    assert status.enrolled and status.recovery_codes_left == 10
    assert "counselor.two_factor_enrol" in _actions(practice)


def test_sign_in_asks_for_a_code_and_a_code_is_never_accepted_twice(practice):
    now = utcnow()
    secret, _ = _enrol(practice, now - dt.timedelta(minutes=2))
    step = _password_step(practice, now)
    code = two_factor.code_at(secret, now)
    actor = _second_step(practice, step, code, now)
    assert actor.counselor_id == practice.counselor.counselor_id and actor.login_id
    again = _password_step(practice, now + dt.timedelta(seconds=5))
    with pytest.raises(accounts.SecondFactorFailed):
        _second_step(practice, again, code, now + dt.timedelta(seconds=5))
    assert "login.second_factor_failed" in _actions(practice)


def test_a_recovery_code_works_once(practice):
    now = utcnow()
    _, codes = _enrol(practice, now - dt.timedelta(minutes=2))
    step = _password_step(practice, now)
    assert _second_step(practice, step, codes[3].lower(), now).login_id
    with pytest.raises(accounts.SecondFactorFailed):
        _second_step(practice, _password_step(practice, now), codes[3], now)
    with practice.work(practice.counselor) as uow:
        assert enrolment.status(uow).recovery_codes_left == 9


def test_codes_are_throttled_per_account_like_passwords(practice):
    now = utcnow()
    secret, _ = _enrol(practice, now - dt.timedelta(minutes=2))
    step = _password_step(practice, now)
    for _ in range(accounts.ATTEMPTS_PER_ACCOUNT):
        with pytest.raises(accounts.SecondFactorFailed):
            _second_step(practice, step, "000000", now)
    with pytest.raises(LoginThrottled):
        _second_step(practice, step, two_factor.code_at(secret, now), now, source="10.9.9.9")


def test_the_second_step_expires(practice):
    now = utcnow()
    secret, _ = _enrol(practice, now - dt.timedelta(minutes=2))
    step = _password_step(practice, now)
    later = now + dt.timedelta(minutes=6)
    with pytest.raises(accounts.SecondStepExpired):
        _second_step(practice, step, two_factor.code_at(secret, later), later)


def test_a_remembered_browser_skips_the_code_until_the_session_version_changes(practice):
    now = utcnow()
    _enrol(practice, now - dt.timedelta(minutes=2))
    step = _password_step(practice, now)
    trusted = TrustedBrowser(step.counselor_id, step.session_version)
    actor = accounts.authenticate(partial(unscoped_work, practice.factory), *BEN, trusted=trusted)
    assert actor.counselor_id == practice.counselor.counselor_id
    with practice.work(actor) as uow:
        accounts.sign_out_everywhere(uow)
    _password_step(practice, now, trusted=trusted)


def test_an_admin_reset_removes_the_factor_ends_logins_and_is_audited(practice):
    now = utcnow()
    _enrol(practice, now - dt.timedelta(minutes=2))
    with practice.work(practice.admin) as uow:
        assert admin.with_two_factor(uow) == {practice.counselor.counselor_id}
        admin.reset_two_factor(uow, practice.counselor.counselor_id)
    assert _actions(practice)[-1] == "counselor.reset_two_factor"
    assert (
        accounts.actor_for_login(
            partial(unscoped_work, practice.factory),
            practice.counselor.counselor_id,
            practice.counselor.session_version,
            practice.counselor.login_id,
        )
        is None
    )
    actor = accounts.authenticate(partial(unscoped_work, practice.factory), *BEN)
    with practice.work(actor) as uow:
        assert not enrolment.status(uow).enrolled
    with practice.factory() as session:
        assert not list(session.scalars(select(RecoveryCode)))
    with practice.work(practice.admin) as uow, pytest.raises(InvalidInput):
        admin.reset_two_factor(uow, practice.counselor.counselor_id)


def test_enrolment_is_due_only_when_the_practice_requires_it(practice):
    with practice.work(practice.counselor) as uow:
        assert not enrolment.enrolment_due(uow)
    with practice.work(practice.admin) as uow:
        admin.save_practice_settings(uow, {"require_two_factor": True}, None)
    with practice.work(practice.counselor) as uow:
        assert enrolment.enrolment_due(uow)
    _enrol(practice, utcnow())
    with practice.work(practice.counselor) as uow:
        assert not enrolment.enrolment_due(uow)

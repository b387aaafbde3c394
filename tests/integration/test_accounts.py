"""Local accounts: setup, password login with throttling, admin-only actions."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest

from trustcare.errors import InvalidInput, LoginFailed, LoginThrottled, PermissionDenied
from trustcare.identity import InstalledPractice
from trustcare.models import utcnow
from trustcare.persistence.uow import unscoped_work
from trustcare.services import accounts


def test_a_second_practice_cannot_be_created(practice):
    with pytest.raises(InvalidInput) as error:
        accounts.create_practice(
            partial(unscoped_work, practice.factory),
            "Other",
            "Eve",
            "eve@x.example",
            "long password",
        )
    assert error.value.problems["practice"] == "this installation already has a practice"


def test_passwords_are_stored_as_argon2_hashes(practice):
    from trustcare.models import Counselor

    with practice.factory() as session:
        stored = session.get(Counselor, practice.admin.counselor_id).password_hash
    assert stored.startswith("$argon2id$") and "long password 1" not in stored


def test_login_with_the_right_password_gives_the_counselor(practice):
    actor = accounts.authenticate(
        partial(unscoped_work, practice.factory), " ADA@harbor.example ", "long password 1"
    )
    assert actor.counselor_id == practice.admin.counselor_id and actor.is_admin


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@harbor.example", "wrong"), ("nobody@harbor.example", "long password 1"), ("", "")],
)
def test_wrong_credentials_get_the_same_refusal(practice, email, password):
    with pytest.raises(LoginFailed):
        accounts.authenticate(partial(unscoped_work, practice.factory), email, password)


def _fail(practice, email: str, times: int, now, source: str = "10.0.0.9") -> None:
    for _ in range(times):
        with pytest.raises(LoginFailed):
            accounts.authenticate(
                partial(unscoped_work, practice.factory), email, "wrong", source=source, now=now
            )


def test_after_the_allowed_failures_the_window_must_end_then_the_right_password_works(practice):
    start = utcnow()
    _fail(practice, "ada@harbor.example", accounts.ATTEMPTS_PER_ACCOUNT, start)
    with pytest.raises(LoginThrottled) as throttled:
        accounts.authenticate(
            partial(unscoped_work, practice.factory),
            "ada@harbor.example",
            "long password 1",
            now=start,
        )
    assert throttled.value.wait_seconds == accounts.ATTEMPT_WINDOW.total_seconds()
    later = start + accounts.ATTEMPT_WINDOW + dt.timedelta(seconds=1)
    assert accounts.authenticate(
        partial(unscoped_work, practice.factory), "ada@harbor.example", "long password 1", now=later
    )


def test_a_slow_trickle_of_wrong_guesses_never_keeps_the_owner_out(practice):
    """Once locked, always locked was the old rule: one guess every 15 minutes kept Ada out."""
    moment = utcnow()
    for _ in range(3 * accounts.ATTEMPTS_PER_ACCOUNT):
        _fail(practice, "ada@harbor.example", 1, moment)
        moment += accounts.ATTEMPT_WINDOW / 3
    assert accounts.authenticate(
        partial(unscoped_work, practice.factory),
        "ada@harbor.example",
        "long password 1",
        now=moment,
    )


def test_known_and_unknown_emails_get_the_same_answers_in_the_same_order(practice):
    """A locked account must not tell an attacker that the email has an account."""
    start = utcnow()

    def answers(email: str) -> list[str]:
        seen = []
        for _ in range(accounts.ATTEMPTS_PER_ACCOUNT + 2):
            with pytest.raises((LoginFailed, LoginThrottled)) as refused:
                accounts.authenticate(
                    partial(unscoped_work, practice.factory), email, "wrong", now=start
                )
            seen.append(str(refused.value))
        return seen

    known, unknown = answers("ada@harbor.example"), answers("nobody@harbor.example")
    assert known == unknown
    assert "Too many" in known[-1]


def test_a_source_that_tries_many_emails_is_refused_while_others_are_not(practice):
    start = utcnow()
    for number in range(accounts.ATTEMPTS_PER_SOURCE):
        _fail(practice, f"guess{number}@harbor.example", 1, start, source="203.0.113.5")
    with pytest.raises(LoginThrottled):
        accounts.authenticate(
            partial(unscoped_work, practice.factory),
            "ben@harbor.example",
            "long password 2",
            source="203.0.113.5",
            now=start,
        )
    assert accounts.authenticate(
        partial(unscoped_work, practice.factory),
        "ben@harbor.example",
        "long password 2",
        source="198.51.100.7",
        now=start,
    )


def test_attempt_keys_do_not_keep_the_typed_emails(practice):
    from sqlalchemy import select

    from trustcare.models import LoginAttempt

    _fail(practice, "my-secret-password@typo.example", 1, utcnow())
    with practice.factory() as session:
        keys = session.scalars(select(LoginAttempt.key)).all()
    assert keys and not any("typo" in key for key in keys)


def test_parallel_wrong_passwords_are_each_counted(practice, monkeypatch):
    """Twenty guesses at once: only the allowed number may reach the password check."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import select

    from trustcare.models import LoginAttempt

    checked = 0
    lock = threading.Lock()
    real_verify = accounts.verify_password

    def counting_verify(stored, password):
        nonlocal checked
        with lock:
            checked += 1
        return real_verify(stored, password)

    monkeypatch.setattr(accounts, "verify_password", counting_verify)
    barrier = threading.Barrier(20)

    def guess(number: int) -> str:
        barrier.wait()
        try:
            accounts.authenticate(
                partial(unscoped_work, practice.factory),
                "ada@harbor.example",
                f"guess {number}",
                source="192.0.2.20",
            )
        except (LoginFailed, LoginThrottled) as refusal:
            return type(refusal).__name__
        return "signed in"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(guess, range(20)))
    assert outcomes.count("LoginFailed") == accounts.ATTEMPTS_PER_ACCOUNT
    assert outcomes.count("LoginThrottled") == 20 - accounts.ATTEMPTS_PER_ACCOUNT
    assert checked == accounts.ATTEMPTS_PER_ACCOUNT
    with practice.factory() as session:
        counts = session.scalars(select(LoginAttempt.attempts)).all()
    assert counts.count(20) == 2, "the email and the source each counted all twenty"


def test_an_admins_password_reset_lifts_the_throttle(practice):
    from trustcare.services import admin

    _fail(practice, "ben@harbor.example", accounts.ATTEMPTS_PER_ACCOUNT, utcnow(), source="a")
    with practice.work(practice.admin) as uow:
        admin.reset_password(uow, practice.counselor.counselor_id, "fresh password 9")
    assert accounts.authenticate(
        partial(unscoped_work, practice.factory), "ben@harbor.example", "fresh password 9"
    )


def test_a_counselor_cannot_add_counselors_or_list_them(practice):
    with practice.work(practice.counselor) as uow, pytest.raises(PermissionDenied):
        accounts.add_counselor(uow, "Mallory", "mallory@x.example", "long password 3")
    with practice.work(practice.counselor) as uow, pytest.raises(PermissionDenied):
        accounts.list_counselors(uow)


def test_login_cookie_claims_end_when_the_session_version_changes(practice):
    from trustcare.models import Counselor

    assert accounts.actor_for_login(
        partial(unscoped_work, practice.factory), practice.counselor.counselor_id, 1
    )
    with practice.factory() as session:
        session.get(Counselor, practice.counselor.counselor_id).session_version = 2
        session.commit()
    assert (
        accounts.actor_for_login(
            partial(unscoped_work, practice.factory), practice.counselor.counselor_id, 1
        )
        is None
    )


def test_the_practice_and_a_held_login_come_from_one_lookup(practice, factory):
    from trustcare.models import Counselor

    ben = practice.counselor
    assert accounts.practice_and_login(partial(unscoped_work, factory), None) == (
        InstalledPractice(id=practice.admin.practice_id, name="Harbor Counseling", is_demo=False),
        None,
    )
    found, actor = accounts.practice_and_login(
        partial(unscoped_work, factory), (ben.counselor_id, 1, ben.login_id)
    )
    assert found.name == "Harbor Counseling" and actor == ben
    assert (
        accounts.practice_and_login(
            partial(unscoped_work, factory), (ben.counselor_id, 2, ben.login_id)
        )[1]
        is None
    )
    assert accounts.practice_and_login(
        partial(unscoped_work, factory), (999_999, 1, ben.login_id)
    ) == (found, None)
    other_login = practice.admin.login_id
    assert accounts.practice_and_login(
        partial(unscoped_work, factory), (ben.counselor_id, 1, other_login)
    ) == (
        found,
        None,
    ), "a login row of another counselor is not Ben's login"
    accounts.end_login(partial(unscoped_work, factory), ben.counselor_id, ben.login_id)
    assert accounts.practice_and_login(
        partial(unscoped_work, factory), (ben.counselor_id, 1, ben.login_id)
    ) == (
        found,
        None,
    ), "a signed-out login opens nothing"
    again = accounts.authenticate(
        partial(unscoped_work, factory), "ben@harbor.example", "long password 2"
    )
    with factory() as session:
        session.get(Counselor, ben.counselor_id).is_active = False
        session.commit()
    assert accounts.practice_and_login(
        partial(unscoped_work, factory), (ben.counselor_id, 1, again.login_id)
    ) == (
        found,
        None,
    )


def test_before_setup_there_is_neither_a_practice_nor_a_login(factory):
    assert accounts.practice_and_login(partial(unscoped_work, factory), (1, 1, 1)) == (None, None)
    assert accounts.current_practice(partial(unscoped_work, factory)) is None

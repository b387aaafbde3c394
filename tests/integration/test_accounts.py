"""Local accounts: setup, password login with throttling, admin-only actions."""

from __future__ import annotations

import datetime as dt

import pytest

from trustcare.models import utcnow
from trustcare.services import accounts
from trustcare.services.errors import InvalidInput, LoginFailed, LoginThrottled, PermissionDenied


def test_a_second_practice_cannot_be_created(practice):
    with pytest.raises(InvalidInput) as error:
        accounts.create_practice(practice.factory, "Other", "Eve", "eve@x.example", "long password")
    assert error.value.problems["practice"] == "this installation already has a practice"


def test_passwords_are_stored_as_argon2_hashes(practice):
    from trustcare.models import Counselor

    with practice.factory() as session:
        stored = session.get(Counselor, practice.admin.counselor_id).password_hash
    assert stored.startswith("$argon2id$") and "long password 1" not in stored


def test_login_with_the_right_password_gives_the_counselor(practice):
    actor = accounts.authenticate(practice.factory, " ADA@harbor.example ", "long password 1")
    assert actor.counselor_id == practice.admin.counselor_id and actor.is_admin


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@harbor.example", "wrong"), ("nobody@harbor.example", "long password 1"), ("", "")],
)
def test_wrong_credentials_get_the_same_refusal(practice, email, password):
    with pytest.raises(LoginFailed):
        accounts.authenticate(practice.factory, email, password)


def test_repeated_failed_logins_are_slowed_down(practice):
    start = utcnow()
    for _ in range(accounts.FREE_ATTEMPTS):
        with pytest.raises(LoginFailed):
            accounts.authenticate(practice.factory, "ada@harbor.example", "wrong", now=start)
    with pytest.raises(LoginThrottled) as throttled:
        accounts.authenticate(practice.factory, "ada@harbor.example", "long password 1", now=start)
    assert throttled.value.wait_seconds == 2
    later = start + dt.timedelta(seconds=3)
    assert accounts.authenticate(
        practice.factory, "ada@harbor.example", "long password 1", now=later
    )


def test_a_counselor_cannot_add_counselors_or_list_them(practice):
    with practice.work(practice.counselor) as uow, pytest.raises(PermissionDenied):
        accounts.add_counselor(uow, "Mallory", "mallory@x.example", "long password 3")
    with practice.work(practice.counselor) as uow, pytest.raises(PermissionDenied):
        accounts.list_counselors(uow)


def test_login_cookie_claims_end_when_the_session_version_changes(practice):
    from trustcare.models import Counselor

    assert accounts.actor_for_login(practice.factory, practice.counselor.counselor_id, 1)
    with practice.factory() as session:
        session.get(Counselor, practice.counselor.counselor_id).session_version = 2
        session.commit()
    assert accounts.actor_for_login(practice.factory, practice.counselor.counselor_id, 1) is None


def test_the_practice_and_a_held_login_come_from_one_lookup(practice, factory):
    from trustcare.models import Counselor

    ben = practice.counselor
    assert accounts.practice_and_login(factory, None) == (
        (practice.admin.practice_id, "Harbor Counseling", False),
        None,
    )
    found, actor = accounts.practice_and_login(factory, (ben.counselor_id, 1))
    assert found[1] == "Harbor Counseling" and actor == ben
    assert accounts.practice_and_login(factory, (ben.counselor_id, 2))[1] is None
    assert accounts.practice_and_login(factory, (999_999, 1)) == (found, None)
    with factory() as session:
        session.get(Counselor, ben.counselor_id).is_active = False
        session.commit()
    assert accounts.practice_and_login(factory, (ben.counselor_id, 1)) == (found, None)


def test_before_setup_there_is_neither_a_practice_nor_a_login(factory):
    assert accounts.practice_and_login(factory, (1, 1)) == (None, None)
    assert accounts.current_practice(factory) is None

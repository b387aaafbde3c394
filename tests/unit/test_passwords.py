"""Password hashing: argon2id with the library's recommended parameters."""

from __future__ import annotations

import importlib

from trustcare import passwords


def test_passwords_use_argon2_defaults():
    real = importlib.reload(passwords)
    try:
        stored = real._hasher.hash("correct horse battery")
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert real.verify_password(stored, "correct horse battery")
        assert not real.verify_password(stored, "wrong horse battery")
    finally:
        importlib.reload(passwords)


def test_a_missing_hash_never_verifies():
    assert not passwords.verify_password(None, "")
    assert not passwords.verify_password("not a hash", "anything")


def test_short_and_huge_passwords_are_refused():
    assert passwords.password_problem("short") == "must be at least 10 characters"
    assert passwords.password_problem("x" * 2000) == "must be at most 1024 characters"
    assert passwords.password_problem("long enough password") is None

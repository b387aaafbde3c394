"""The pure two-factor helpers: TOTP codes under a fake clock, recovery codes, signed cookies."""

from __future__ import annotations

import datetime as dt

from trustcare import two_factor
from trustcare.two_factor import TrustedBrowser

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOON = dt.datetime(2026, 12, 3, 12, 0, 10, tzinfo=dt.UTC)


def test_the_code_of_now_matches_its_own_time_step():
    code = two_factor.code_at(SECRET, NOON)
    assert two_factor.matching_step(SECRET, code, NOON, None) == two_factor.time_step(NOON)


def test_a_code_from_one_step_ago_still_works_but_not_from_two():
    earlier = NOON - dt.timedelta(seconds=30)
    much_earlier = NOON - dt.timedelta(seconds=60)
    assert two_factor.matching_step(SECRET, two_factor.code_at(SECRET, earlier), NOON, None)
    assert (
        two_factor.matching_step(SECRET, two_factor.code_at(SECRET, much_earlier), NOON, None)
        is None
    )


def test_a_code_whose_step_was_used_is_refused_in_its_window():
    code = two_factor.code_at(SECRET, NOON)
    step = two_factor.matching_step(SECRET, code, NOON, None)
    later = NOON + dt.timedelta(seconds=20)
    assert two_factor.matching_step(SECRET, code, later, after_step=step) is None


def test_spaces_in_a_typed_code_are_ignored_and_other_text_is_refused():
    code = two_factor.code_at(SECRET, NOON)
    assert two_factor.matching_step(SECRET, f" {code[:3]} {code[3:]} ", NOON, None)
    assert two_factor.matching_step(SECRET, "abcdef", NOON, None) is None
    assert two_factor.matching_step(SECRET, "", NOON, None) is None


def test_a_new_secret_is_random_base32_for_an_authenticator_app():
    first, second = two_factor.new_secret(), two_factor.new_secret()
    assert first != second and len(first) == 32
    address = two_factor.provisioning_uri(first, "ada@harbor.example")
    assert address.startswith("otpauth://totp/TrustCare:ada%40harbor.example?secret=")
    assert two_factor.qr_code_png(address).startswith(b"\x89PNG")


def test_ten_recovery_codes_in_a_readable_format_and_all_different():
    codes = two_factor.new_recovery_codes()
    assert len(set(codes)) == 10
    for code in codes:
        assert two_factor.normal_recovery_code(code) == code
        assert not set(code) & set("01ILO")
    assert two_factor.normal_recovery_code(codes[0].lower().replace("-", " ")) == codes[0]
    assert two_factor.normal_recovery_code("123456") is None
    assert not two_factor.looks_like_code(codes[0])


def test_recovery_codes_are_stored_as_argon2_hashes():
    code = two_factor.new_recovery_codes()[0]
    stored = two_factor.hash_recovery_code(code)
    assert stored.startswith("$argon2id$") and code not in stored
    assert two_factor.recovery_code_matches(stored, code)
    assert not two_factor.recovery_code_matches(stored, "AAAAA-AAAAA")


def test_the_remember_cookie_is_signed_and_its_ticket_is_not_the_cookie():
    trusted = TrustedBrowser(3, 2)
    cookie = two_factor.make_trusted_cookie("key", trusted)
    assert two_factor.read_trusted_cookie("key", cookie) == trusted
    assert two_factor.read_trusted_cookie("other key", cookie) is None
    assert two_factor.read_trusted_ticket("key", cookie) is None
    ticket = two_factor.make_trusted_ticket("key", trusted)
    assert two_factor.read_trusted_ticket("key", ticket) == trusted
    assert two_factor.read_trusted_cookie("key", cookie + "x") is None


def test_the_second_step_expires_after_five_minutes():
    step = two_factor.SecondFactorStep(1, 1, NOON)
    assert not step.expired(NOON + dt.timedelta(minutes=4))
    assert step.expired(NOON + dt.timedelta(minutes=6))

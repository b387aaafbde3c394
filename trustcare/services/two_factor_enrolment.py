"""A counselor sets up two-factor sign-in on their own account; whether they must first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trustcare import two_factor
from trustcare.errors import InvalidInput
from trustcare.models import utcnow
from trustcare.persistence.uow import CounselorWork


@dataclass(frozen=True)
class TwoFactorStatus:
    enrolled: bool
    required: bool
    recovery_codes_left: int


@dataclass(frozen=True)
class Enrolment:
    """What the account page shows to set up an authenticator app."""

    secret: str
    setup_address: str
    qr_code_png: bytes


def status(uow: CounselorWork) -> TwoFactorStatus:
    factor = uow.accounts.own_two_factor()
    enrolled = factor is not None and factor.confirmed_at is not None
    return TwoFactorStatus(
        enrolled=enrolled,
        required=uow.practice.settings().require_two_factor,
        recovery_codes_left=uow.accounts.own_recovery_codes_left() if enrolled else 0,
    )


def enrolment_due(uow: CounselorWork) -> bool:
    """The practice requires two-factor sign-in and this local account has not set it up.

    The router asks while it is due (then the account page is the only page); once set up,
    the answer holds for the rest of the login, since only an admin's reset undoes it and
    that reset ends every login.
    """
    if uow.accounts.own_account().password_hash is None:
        return False
    factor = uow.accounts.own_two_factor()
    if factor is not None and factor.confirmed_at is not None:
        return False
    return uow.practice.settings().require_two_factor


def begin(uow: CounselorWork) -> Enrolment:
    """The secret being set up: the same one on every rerun until it is confirmed."""
    factor = uow.accounts.own_two_factor()
    if factor is None or factor.confirmed_at is not None:
        factor = uow.accounts.start_own_two_factor(two_factor.new_secret())
        uow.commit()
    address = two_factor.provisioning_uri(factor.secret, uow.actor.email)
    return Enrolment(factor.secret, address, two_factor.qr_code_png(address))


def confirm(uow: CounselorWork, code: str, now: dt.datetime | None = None) -> list[str]:
    """A first right code turns two-factor sign-in on; the ten recovery codes, shown once."""
    now = now or utcnow()
    factor = uow.accounts.own_two_factor()
    if factor is None or factor.confirmed_at is not None:
        raise InvalidInput({"code": "start the set-up again"})
    step = two_factor.matching_step(factor.secret, code, now, None)
    if step is None:
        raise InvalidInput({"code": "does not match: enter the six digits your app shows now"})
    factor.confirmed_at = now
    factor.last_step = step
    codes = two_factor.new_recovery_codes()
    uow.accounts.replace_own_recovery_codes([two_factor.hash_recovery_code(c) for c in codes])
    uow.record("counselor.two_factor_enrol", "counselor", uow.actor.counselor_id)
    uow.commit()
    return codes

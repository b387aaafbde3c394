"""Practices and counselor accounts: first-run setup, password login, adding counselors."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from trustcare import two_factor
from trustcare.errors import InvalidInput, LoginFailed, LoginThrottled, ServiceError
from trustcare.identity import Actor, InstalledPractice
from trustcare.models import NAME_MAX, Counselor, Practice, TwoFactor, utcnow
from trustcare.passwords import hash_password, password_problem, verify_password
from trustcare.persistence.uow import CounselorWork, OpenUnscoped, UnscopedWork
from trustcare.practice_settings import PracticeSettings
from trustcare.services.validation import clean_email, clean_name
from trustcare.sign_out import IDLE, MAX_AGE, login_end_reason, sign_out_message
from trustcare.two_factor import SecondFactorRequired, SecondFactorStep, TrustedBrowser

log = logging.getLogger(__name__)


def actor_of(counselor: Counselor) -> Actor:
    return Actor(
        counselor_id=counselor.id,
        practice_id=counselor.practice_id,
        role=counselor.role,
        display_name=counselor.display_name,
        email=counselor.email,
        session_version=counselor.session_version,
    )


def current_practice(open_work: OpenUnscoped) -> InstalledPractice | None:
    """The practice this installation serves, or None before setup."""
    return practice_and_login(open_work, None)[0]


def practice_and_login(
    open_work: OpenUnscoped, claim: tuple[int, int, int | None] | None
) -> tuple[InstalledPractice | None, Actor | None]:
    """The installation's practice and the actor behind a held login (counselor id, session
    version, login id), if that counselor is still active, not signed out everywhere, and the
    login itself not ended. A login id of None is a single sign-on login, held by the
    provider's cookie instead.

    One statement for all of it: the router needs them on every click, and on a database
    server each statement is a round trip.
    """
    counselor_id, session_version, login_id = claim if claim is not None else (None, None, None)
    with open_work(read_only=True) as uow:
        row = uow.accounts.installation_and_login(counselor_id, login_id)
    if row is None:
        return None, None
    practice = InstalledPractice(id=row[0], name=row[1], is_demo=row[2])
    return practice, _login_actor(row[3:], session_version, login_id)


def _login_actor(
    columns: Sequence, session_version: int | None, login_id: int | None
) -> Actor | None:
    """The actor of a counselor row, unless it is missing, deactivated, signed out everywhere
    since, or (a local login) its login row has ended."""
    *fields, active, live_login = columns
    if fields[0] is None or not active or fields[-1] != session_version:
        return None
    if login_id is not None and live_login != login_id:
        return None
    return Actor(*fields, login_id=login_id)


@dataclass(frozen=True)
class HeldLogin:
    """What the router learns on each run: the practice, the actor of the held login, and
    why that login just ended on its own (the sign-in page says so), if it did."""

    practice: InstalledPractice | None
    actor: Actor | None
    ended_because: str | None = None


def check_login(
    open_work: OpenUnscoped,
    claim: tuple[int, int, int | None] | None,
    *,
    now: dt.datetime | None = None,
    activity: bool = True,
) -> HeldLogin:
    """`practice_and_login`, with automatic sign-out for a local login (trustcare/sign_out.py).

    A page run the counselor asked for (`activity`) is recorded by the same statement that
    reads the login, so activity costs no statement of its own. A rerun nobody clicked for
    (a timer, if a page ever has one) reads the login without extending it. A login past the
    practice's idle time or maximum age ends here, in the database, with its reason.
    """
    if claim is None or claim[2] is None:
        return HeldLogin(*practice_and_login(open_work, claim))
    counselor_id, session_version, login_id = claim
    now = now or utcnow()
    if activity:
        with open_work() as uow:
            row = uow.accounts.record_page_run(counselor_id, login_id, now)
            uow.commit()
    else:
        with open_work(read_only=True) as uow:
            row = uow.accounts.peek_login(counselor_id, login_id)
    if row is None:
        # Not a live login of this counselor: the practice alone, as for no login at all.
        return HeldLogin(practice_and_login(open_work, None)[0], None)
    practice = InstalledPractice(id=row[0], name=row[1], is_demo=row[2])
    actor = _login_actor(row[3:11], session_version, login_id)
    if actor is None:
        return HeldLogin(practice, None)
    settings = _settings_or_defaults(row[11])
    reason = login_end_reason(row[12], row[13], now, settings)
    if reason is None:
        return HeldLogin(practice, actor)
    end_login(open_work, counselor_id, login_id, reason=reason, now=now)
    log.info("login %s of counselor %s ended on its own (%s)", login_id, counselor_id, reason)
    return HeldLogin(practice, None, sign_out_message(reason, settings))


def _settings_or_defaults(stored: dict | None) -> PracticeSettings:
    """The practice's settings; the defaults if the stored ones no longer fit, so a bad
    value can never keep a login open forever or lock everyone out."""
    try:
        return PracticeSettings.from_stored(stored)
    except ValueError:
        log.warning("stored practice settings do not fit; automatic sign-out uses the defaults")
        return PracticeSettings()


def _new_counselor_fields(
    uow: CounselorWork | UnscopedWork,
    name: str,
    email: str,
    password: str | None,
    problems: dict[str, str],
) -> tuple[str, str]:
    name = clean_name(name, "name", NAME_MAX, problems)
    email = clean_email(email, "email", problems)
    if password is not None and (problem := password_problem(password)):
        problems["password"] = problem
    if "email" not in problems and uow.accounts.email_taken(email):
        problems["email"] = "already belongs to an account"
    return name, email


def create_practice(
    open_work: OpenUnscoped,
    practice_name: str,
    admin_name: str,
    email: str,
    password: str,
    is_demo: bool = False,
    *,
    submission: str | None = None,
) -> Actor:
    """First run: the practice and its admin account, together or not at all; the admin is
    signed in (a login is started) at once.

    A double click on "Create practice" sends the same form twice (`submission`, its
    one-use key): the second finds the admin the first made and signs them in too.
    """
    with open_work() as uow:
        if (admin_id := uow.once(submission, "practice", None)) is not None:
            admin = uow.accounts.counselor_made_by_setup(admin_id)
            return _start_login(uow, admin)
        problems: dict[str, str] = {}
        if uow.practice.any_installed():
            problems["practice"] = "this installation already has a practice"
        practice_name = clean_name(practice_name, "practice name", 120, problems)
        admin_name, email = _new_counselor_fields(uow, admin_name, email, password, problems)
        if problems:
            raise InvalidInput(problems)
        practice = uow.practice.add_practice(
            Practice(name=practice_name, is_demo=is_demo, settings={})
        )
        admin = Counselor(
            practice_id=practice.id,
            email=email,
            display_name=admin_name,
            role="admin",
            password_hash=hash_password(password),
        )
        uow.accounts.add_counselor(admin)
        uow.audit(
            "practice.create",
            "practice",
            practice.id,
            practice_id=practice.id,
            actor_kind="counselor",
            actor_id=admin.id,
        )
        uow.made(admin.id)
        return _start_login(uow, admin)


def _start_login(uow: UnscopedWork, counselor: Counselor) -> Actor:
    """A new login row for a counselor whose identity was just proven; commits."""
    login = uow.accounts.start_login(counselor)
    uow.commit()
    return replace(actor_of(counselor), login_id=login.id)


# Per window, not per lifetime: an attacker's slow trickle of guesses can never keep the
# right password out for longer than one window (ASVS 2.2.1: a soft limit, then the window ends).
ATTEMPT_WINDOW = dt.timedelta(minutes=15)
ATTEMPTS_PER_ACCOUNT = 10
# A practice behind one office address shares it; this only stops a guessing run from one place.
ATTEMPTS_PER_SOURCE = 100


def _attempt_key(kind: str, value: str) -> str:
    """The stored key of a throttle: a digest, so emails typed in error are not kept."""
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def _admit_attempt(open_work: OpenUnscoped, email: str, source: str, now: dt.datetime) -> None:
    """Count this attempt against the email and the source; refuse it when either is spent.

    Known and unknown emails are counted alike, so the answer never tells them apart.
    """
    limits = (
        (_attempt_key("email", email), ATTEMPTS_PER_ACCOUNT),
        (_attempt_key("source", source), ATTEMPTS_PER_SOURCE),
    )
    _admit(open_work, limits, now)


def _admit(open_work: OpenUnscoped, limits: Sequence[tuple[str, int]], now: dt.datetime) -> None:
    """Count one attempt against each (key, limit); refuse it when any is spent."""
    with open_work() as uow:
        counts = [
            (*uow.accounts.count_attempt(key, now, ATTEMPT_WINDOW), limit) for key, limit in limits
        ]
        uow.commit()
    waits = [
        (started + ATTEMPT_WINDOW - now).total_seconds()
        for attempts, started, limit in counts
        if attempts > limit
    ]
    if waits:
        wait = max(1, int(max(waits) + 0.999))
        log.warning("login throttled (%s s left in the window)", wait)
        raise LoginThrottled(wait)


def lift_throttle(uow: CounselorWork | UnscopedWork, email: str) -> None:
    """Forget an email's failed attempts (a right password, or an admin's password reset)."""
    uow.accounts.forget_attempts(_attempt_key("email", email.lower()))


def authenticate(
    open_work: OpenUnscoped,
    email: str,
    password: str,
    source: str = "unknown",
    now: dt.datetime | None = None,
    trusted: TrustedBrowser | None = None,
) -> Actor:
    """Check a password and start a login; each email and each source address has a
    number of attempts per window, counted before the password is checked.

    An account with two-factor sign-in raises SecondFactorRequired instead of starting a
    login, unless `trusted` (this browser's "remember" cookie) names that account as it is now.
    """
    now = now or utcnow()
    email = (email or "").strip().lower()
    _admit_attempt(open_work, email, source, now)
    with open_work() as uow:
        counselor = uow.accounts.counselor_by_email(email)
        if counselor is None or not counselor.is_active or counselor.password_hash is None:
            verify_password(None, password or "")
            log.info("login refused: no active local account for the given email")
            raise LoginFailed()
        if not verify_password(counselor.password_hash, password or ""):
            uow.audit(
                "login.failed",
                "counselor",
                counselor.id,
                practice_id=counselor.practice_id,
                actor_kind="counselor",
                actor_id=counselor.id,
            )
            uow.commit()
            log.info("login failed for counselor %s", counselor.id)
            raise LoginFailed()
        lift_throttle(uow, email)
        uow.accounts.forget_attempts_before(now - ATTEMPT_WINDOW)
        second_factor = uow.accounts.confirmed_second_factor(counselor.id) is not None
        remembered = trusted == TrustedBrowser(counselor.id, counselor.session_version)
        if second_factor and not remembered:
            uow.commit()
            raise SecondFactorRequired(
                SecondFactorStep(counselor.id, counselor.session_version, now)
            )
        uow.audit(
            "login",
            "counselor",
            counselor.id,
            practice_id=counselor.practice_id,
            actor_kind="counselor",
            actor_id=counselor.id,
            **({"second_factor": "remembered browser"} if second_factor else {}),
        )
        return _start_login(uow, counselor)


class SecondFactorFailed(ServiceError):
    def __init__(self) -> None:
        super().__init__("That code does not match. Enter the code your app shows now.")


class SecondStepExpired(ServiceError):
    def __init__(self) -> None:
        super().__init__("That took too long. Sign in with your password again.")


def complete_second_factor(
    open_work: OpenUnscoped,
    step: SecondFactorStep,
    code: str,
    source: str = "unknown",
    now: dt.datetime | None = None,
) -> Actor:
    """The second step: an authenticator code or a recovery code starts the login.

    Codes are counted like passwords, per account and per source address, under keys of
    their own; a code's time step is stored, so the same code never opens a second login.
    """
    now = now or utcnow()
    if step.expired(now):
        raise SecondStepExpired()
    account_key = _attempt_key("second-factor", str(step.counselor_id))
    _admit(
        open_work,
        (
            (account_key, ATTEMPTS_PER_ACCOUNT),
            (_attempt_key("source", source), ATTEMPTS_PER_SOURCE),
        ),
        now,
    )
    with open_work() as uow:
        counselor = uow.accounts.counselor_for_second_step(step.counselor_id)
        factor = uow.accounts.confirmed_second_factor(step.counselor_id)
        if (
            counselor is None
            or not counselor.is_active
            or counselor.session_version != step.session_version
            or factor is None
        ):
            raise SecondStepExpired()
        used = _use_code(uow, factor, code, now)
        if used is None:
            uow.audit(
                "login.second_factor_failed",
                "counselor",
                counselor.id,
                practice_id=counselor.practice_id,
                actor_kind="counselor",
                actor_id=counselor.id,
            )
            uow.commit()
            log.info("second factor refused for counselor %s", counselor.id)
            raise SecondFactorFailed()
        uow.accounts.forget_attempts(account_key)
        uow.audit(
            "login",
            "counselor",
            counselor.id,
            practice_id=counselor.practice_id,
            actor_kind="counselor",
            actor_id=counselor.id,
            second_factor=used,
        )
        return _start_login(uow, counselor)


def _use_code(uow: UnscopedWork, factor: TwoFactor, code: str, now: dt.datetime) -> str | None:
    """Use a six-digit code or a recovery code once; what was used, or None if neither fits."""
    if two_factor.looks_like_code(code):
        matched = two_factor.matching_step(factor.secret, code, now, factor.last_step)
        if matched is not None and uow.accounts.accept_code_step(factor.counselor_id, matched):
            return "authenticator"
        return None
    recovery = two_factor.normal_recovery_code(code)
    if recovery is None:
        return None
    for stored in uow.accounts.unused_recovery_codes(factor.counselor_id):
        if two_factor.recovery_code_matches(stored.code_hash, recovery):
            return "recovery code" if uow.accounts.use_recovery_code(stored.id, now) else None
    return None


def use_ticket(
    open_work: OpenUnscoped, counselor_id: int, login_id: int, now: dt.datetime | None = None
) -> bool:
    """Mark a login's cookie ticket as used; False if it was used already or the login ended.

    One atomic UPDATE, so two requests with the same ticket cannot both get a cookie.
    """
    with open_work() as uow:
        used = uow.accounts.use_ticket(counselor_id, login_id, now or utcnow())
        uow.commit()
    return used


def end_login(
    open_work: OpenUnscoped,
    counselor_id: int,
    login_id: int | None,
    *,
    reason: str = "signed_out",
    now: dt.datetime | None = None,
) -> None:
    """ "Sign out": this login ends on the server, so a copy of its cookie opens nothing.

    Ending a login twice (the page, then the cookie route) writes one trail entry. An
    automatic sign-out (`reason` "idle" or "max_age") is audited as such, with no more than
    the reason.
    """
    if login_id is None:
        return
    with open_work() as uow:
        if uow.accounts.end_login(counselor_id, login_id, now or utcnow(), reason):
            practice_id = uow.accounts.practice_of_counselor(counselor_id)
            who = {"practice_id": practice_id, "actor_kind": "counselor", "actor_id": counselor_id}
            if reason in (IDLE, MAX_AGE):
                uow.audit("logout.automatic", "counselor", counselor_id, reason=reason, **who)
            else:
                uow.audit("logout", "counselor", counselor_id, **who)
        uow.commit()


def sign_out_everywhere(uow: CounselorWork) -> None:
    """End every login of the acting counselor, on every browser (lost phone, shared computer)."""
    counselor = uow.accounts.own_account()
    counselor.session_version += 1
    uow.accounts.end_every_login(counselor, utcnow())
    uow.record("logout.everywhere", "counselor", counselor.id)
    uow.commit()


def actor_for_login(
    open_work: OpenUnscoped,
    counselor_id: int,
    session_version: int,
    login_id: int | None = None,
) -> Actor | None:
    """The actor behind a held login, if that counselor is still active and not signed out."""
    with open_work(read_only=True) as uow:
        row = uow.accounts.held_login(counselor_id, login_id)
    return None if row is None else _login_actor(row, session_version, login_id)


def add_counselor(
    uow: CounselorWork,
    name: str,
    email: str,
    password: str | None,
    role: str = "counselor",
    *,
    submission: str | None = None,
) -> int:
    """An admin adds a counselor: with a first password, or with none to sign on through the
    practice's identity provider (the email then links their identity at first sign-on)."""
    uow.require_admin()
    if (earlier := uow.once(submission, "counselor", uow.actor.practice_id)) is not None:
        return earlier
    problems: dict[str, str] = {}
    name, email = _new_counselor_fields(uow, name, email, password, problems)
    if role not in ("counselor", "admin"):
        problems["role"] = "must be counselor or admin"
    if problems:
        raise InvalidInput(problems)
    counselor = Counselor(
        practice_id=uow.actor.practice_id,
        email=email,
        display_name=name,
        role=role,
        password_hash=None if password is None else hash_password(password),
    )
    uow.accounts.add_counselor(counselor)
    uow.record(
        "counselor.create",
        "counselor",
        counselor.id,
        role=role,
        sign_in="local password" if password is not None else "single sign-on",
    )
    uow.made(counselor.id)
    uow.commit()
    return counselor.id


def list_counselors(uow: CounselorWork) -> list[dict]:
    uow.require_admin()
    rows = uow.accounts.in_practice()
    return [
        {"name": c.display_name, "email": c.email, "role": c.role, "active": c.is_active}
        for c in rows
    ]

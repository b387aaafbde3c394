"""Practices and counselor accounts: first-run setup, password login, adding counselors."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session, sessionmaker

from trustcare.identity import Actor
from trustcare.models import NAME_MAX, Counselor, Practice, utcnow
from trustcare.passwords import hash_password, password_problem, verify_password
from trustcare.services.errors import InvalidInput, LoginFailed, LoginThrottled
from trustcare.services.uow import CounselorWork, UnitOfWork
from trustcare.services.validation import clean_email, clean_name

log = logging.getLogger(__name__)
FREE_ATTEMPTS = 5
MAX_WAIT_SECONDS = 15 * 60


def actor_of(counselor: Counselor) -> Actor:
    return Actor(
        counselor_id=counselor.id,
        practice_id=counselor.practice_id,
        role=counselor.role,
        display_name=counselor.display_name,
        email=counselor.email,
        session_version=counselor.session_version,
    )


def current_practice(factory: sessionmaker[Session]) -> tuple[int, str, bool] | None:
    """(id, name, is_demo) of the practice this installation serves, or None before setup."""
    return practice_and_login(factory, None)[0]


def practice_and_login(
    factory: sessionmaker[Session], claim: tuple[int, int] | None
) -> tuple[tuple[int, str, bool] | None, Actor | None]:
    """The installation's practice and the actor behind a held login (counselor id, session
    version), if that counselor is still active and not signed out.

    One statement for both: the router needs them on every click, and on a database server
    each statement is a round trip.
    """
    counselor_id, session_version = claim if claim is not None else (None, None)
    statement = (
        select(Practice.id, Practice.name, Practice.is_demo, *_ACTOR_COLUMNS)
        .outerjoin(Counselor, Counselor.id == counselor_id if claim is not None else false())
        .order_by(Practice.id)
        .limit(1)
    )
    with UnitOfWork(factory, read_only=True) as uow:
        row = uow.session.execute(statement).first()
    if row is None:
        return None, None
    return (row[0], row[1], row[2]), _login_actor(row[3:], session_version)


# In the order of Actor's fields, then whether the account is active.
_ACTOR_COLUMNS = (
    Counselor.id,
    Counselor.practice_id,
    Counselor.role,
    Counselor.display_name,
    Counselor.email,
    Counselor.session_version,
    Counselor.is_active,
)


def _login_actor(columns: Sequence, session_version: int | None) -> Actor | None:
    """The actor of a counselor row, unless it is missing, deactivated or signed out since."""
    *fields, active = columns
    if fields[0] is None or not active or fields[-1] != session_version:
        return None
    return Actor(*fields)


def _new_counselor_fields(
    uow: UnitOfWork, name: str, email: str, password: str | None, problems: dict[str, str]
) -> tuple[str, str]:
    name = clean_name(name, "name", NAME_MAX, problems)
    email = clean_email(email, "email", problems)
    if password is not None and (problem := password_problem(password)):
        problems["password"] = problem
    if "email" not in problems and uow.session.scalar(
        select(func.count(Counselor.id)).where(Counselor.email == email)
    ):
        problems["email"] = "already belongs to an account"
    return name, email


def create_practice(
    factory: sessionmaker[Session],
    practice_name: str,
    admin_name: str,
    email: str,
    password: str,
    is_demo: bool = False,
) -> Actor:
    """First run: the practice and its admin account, together or not at all."""
    with UnitOfWork(factory) as uow:
        problems: dict[str, str] = {}
        if uow.session.scalar(select(func.count(Practice.id))):
            problems["practice"] = "this installation already has a practice"
        practice_name = clean_name(practice_name, "practice name", 120, problems)
        admin_name, email = _new_counselor_fields(uow, admin_name, email, password, problems)
        if problems:
            raise InvalidInput(problems)
        practice = Practice(name=practice_name, is_demo=is_demo, settings={})
        uow.session.add(practice)
        uow.session.flush()
        admin = Counselor(
            practice_id=practice.id,
            email=email,
            display_name=admin_name,
            role="admin",
            password_hash=hash_password(password),
        )
        uow.session.add(admin)
        uow.session.flush()
        uow.audit(
            "practice.create",
            "practice",
            practice.id,
            practice_id=practice.id,
            actor_kind="counselor",
            actor_id=admin.id,
        )
        uow.commit()
        return actor_of(admin)


def _wait_seconds(counselor: Counselor, now: dt.datetime) -> int:
    if counselor.failed_logins < FREE_ATTEMPTS or counselor.last_failed_login_at is None:
        return 0
    wait = min(2 ** (counselor.failed_logins - FREE_ATTEMPTS + 1), MAX_WAIT_SECONDS)
    elapsed = (now - counselor.last_failed_login_at).total_seconds()
    return max(0, int(wait - elapsed + 0.999))


def authenticate(
    factory: sessionmaker[Session], email: str, password: str, now: dt.datetime | None = None
) -> Actor:
    """Check a password; after five failures each try waits twice as long as the last."""
    now = now or utcnow()
    email = (email or "").strip().lower()
    with UnitOfWork(factory) as uow:
        counselor = uow.session.scalars(
            select(Counselor).where(Counselor.email == email)
        ).one_or_none()
        if counselor is None or not counselor.is_active or counselor.password_hash is None:
            verify_password(None, password or "")
            log.info("login refused: no active local account for the given email")
            raise LoginFailed()
        if wait := _wait_seconds(counselor, now):
            log.warning("login throttled for counselor %s (%s s)", counselor.id, wait)
            raise LoginThrottled(wait)
        if not verify_password(counselor.password_hash, password or ""):
            counselor.failed_logins += 1
            counselor.last_failed_login_at = now
            uow.audit(
                "login.failed",
                "counselor",
                counselor.id,
                practice_id=counselor.practice_id,
                actor_kind="counselor",
                actor_id=counselor.id,
            )
            uow.commit()
            log.info(
                "login failed for counselor %s (%s failures)", counselor.id, counselor.failed_logins
            )
            raise LoginFailed()
        counselor.failed_logins = 0
        counselor.last_failed_login_at = None
        uow.audit(
            "login",
            "counselor",
            counselor.id,
            practice_id=counselor.practice_id,
            actor_kind="counselor",
            actor_id=counselor.id,
        )
        uow.commit()
        return actor_of(counselor)


def actor_for_login(
    factory: sessionmaker[Session], counselor_id: int, session_version: int
) -> Actor | None:
    """The actor behind a login cookie, if that counselor is still active and not signed out."""
    with UnitOfWork(factory, read_only=True) as uow:
        row = uow.session.execute(
            select(*_ACTOR_COLUMNS).where(Counselor.id == counselor_id)
        ).first()
    return None if row is None else _login_actor(row, session_version)


def add_counselor(
    uow: CounselorWork, name: str, email: str, password: str | None, role: str = "counselor"
) -> int:
    """An admin adds a counselor: with a first password, or with none to sign on through the
    practice's identity provider (the email then links their identity at first sign-on)."""
    uow.require_admin()
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
    uow.session.add(counselor)
    uow.session.flush()
    uow.record(
        "counselor.create",
        "counselor",
        counselor.id,
        role=role,
        sign_in="local password" if password is not None else "single sign-on",
    )
    uow.commit()
    return counselor.id


def list_counselors(uow: CounselorWork) -> list[dict]:
    uow.require_admin()
    rows = uow.session.scalars(
        select(Counselor)
        .where(Counselor.practice_id == uow.actor.practice_id)
        .order_by(Counselor.display_name)
    ).all()
    return [
        {"name": c.display_name, "email": c.email, "role": c.role, "active": c.is_active}
        for c in rows
    ]

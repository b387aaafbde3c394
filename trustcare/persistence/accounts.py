"""Counselor accounts, their logins and sign-in attempts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Row, and_, case, delete, false, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from trustcare import clock
from trustcare.errors import PermissionDenied
from trustcare.models import (
    Counselor,
    Couple,
    Login,
    LoginAttempt,
    Practice,
    RecoveryCode,
    TwoFactor,
)
from trustcare.persistence.base import Repository
from trustcare.persistence.ids import row_id

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


def _live_login(login_id: int | None):
    """Joins the held login's row only while it belongs to the counselor and has not ended."""
    if login_id is None:
        return false()
    return and_(Login.id == login_id, Login.counselor_id == Counselor.id, Login.ended_at.is_(None))


class AccountRepository(Repository):
    """Counselor accounts, their logins and sign-in attempts.

    Most methods serve sign-in, single sign-on and setup, before there is an identity (an
    unscoped unit of work); a counselor's unit of work reaches their own account, and an
    admin's the accounts of their practice.
    """

    def _unscoped(self, purpose: str) -> None:
        if self._actor is not None:
            raise TypeError(f"{purpose} is for an unscoped unit of work only")

    def _admin(self):
        actor = self._counselor()
        if not actor.is_admin:
            raise PermissionDenied("Only a practice admin can do this.")
        return actor

    # Before an identity exists: sign-in, single sign-on, setup.

    def installation_and_login(self, counselor_id: int | None, login_id: int | None) -> Row | None:
        """The installation's practice (id, name, is_demo), then the held login's counselor
        as actor columns and the live login's id (None where nothing matches).

        Unscoped: the router asks on every click, before it knows who is signed in. One
        statement for all of it: on a database server each statement is a round trip.
        """
        self._unscoped("installation_and_login")
        statement = (
            select(Practice.id, Practice.name, Practice.is_demo, *_ACTOR_COLUMNS, Login.id)
            .select_from(Practice)
            .outerjoin(
                Counselor, Counselor.id == counselor_id if counselor_id is not None else false()
            )
            .outerjoin(Login, _live_login(login_id))
            .order_by(Practice.id)
            .limit(1)
        )
        return self._session.execute(statement).first()

    def record_page_run(self, counselor_id: int, login_id: int, now: dt.datetime) -> Row | None:
        """Record a page run of a live login and read what the router needs, in one statement:
        the columns of `installation_and_login`, then the practice's settings, the login's
        start and the page run before this one. None if the login ended or is not theirs.

        Unscoped, like the router. An UPDATE ... RETURNING, so recording activity costs no
        statement of its own; `previously_seen_at` keeps the run before, which idleness is
        measured from (trustcare/sign_out.py). The practice and the counselor are scalar
        subqueries: SQLite's RETURNING may not name the tables of an UPDATE ... FROM.
        """
        self._unscoped("record_page_run")

        def practice_column(column):
            return select(column).order_by(Practice.id).limit(1).scalar_subquery()

        def counselor_column(column):
            return select(column).where(Counselor.id == Login.counselor_id).scalar_subquery()

        statement = (
            update(Login)
            .where(
                Login.id == login_id,
                Login.counselor_id == counselor_id,
                Login.ended_at.is_(None),
            )
            .values(previously_seen_at=Login.last_seen_at, last_seen_at=now)
            .returning(
                practice_column(Practice.id),
                practice_column(Practice.name),
                practice_column(Practice.is_demo),
                *(counselor_column(column) for column in _ACTOR_COLUMNS),
                Login.id,
                practice_column(Practice.settings),
                Login.started_at,
                Login.previously_seen_at,
            )
        )
        return self._session.execute(statement).first()

    def peek_login(self, counselor_id: int, login_id: int) -> Row | None:
        """The columns of `record_page_run` without recording a page run (the last one seen
        instead of the one before): for reruns the counselor did not ask for."""
        self._unscoped("peek_login")
        return self._session.execute(
            select(
                Practice.id,
                Practice.name,
                Practice.is_demo,
                *_ACTOR_COLUMNS,
                Login.id,
                Practice.settings,
                Login.started_at,
                Login.last_seen_at,
            )
            .select_from(Practice)
            .outerjoin(Counselor, Counselor.id == counselor_id)
            .outerjoin(Login, _live_login(login_id))
            .order_by(Practice.id)
            .limit(1)
        ).first()

    def own_login_times(self) -> Row | None:
        """(started_at, last_seen_at, the practice's settings) of the acting counselor's login
        while it is live, else None: for a write to check the login was not over already."""
        actor = self._counselor()
        return self._session.execute(
            select(Login.started_at, Login.last_seen_at, Practice.settings)
            .join(Counselor, Counselor.id == Login.counselor_id)
            .join(Practice, Practice.id == Counselor.practice_id)
            .where(
                Login.id == actor.login_id,
                Login.counselor_id == actor.counselor_id,
                Login.ended_at.is_(None),
                Counselor.is_active.is_(True),
                Counselor.session_version == actor.session_version,
            )
        ).first()

    def held_login(self, counselor_id: int, login_id: int | None) -> Row | None:
        """The actor columns of a counselor and the live login's id (None if it ended).

        Unscoped: it finds who holds a login cookie, before there is an identity.
        """
        self._unscoped("held_login")
        return self._session.execute(
            select(*_ACTOR_COLUMNS, Login.id)
            .select_from(Counselor)
            .outerjoin(Login, _live_login(login_id))
            .where(Counselor.id == counselor_id)
        ).first()

    def counselor_by_email(self, email: str) -> Counselor | None:
        """Unscoped: sign-in and first sign-on find the account by the email typed or vouched."""
        self._unscoped("counselor_by_email")
        return self._session.scalars(
            select(Counselor).where(Counselor.email == email)
        ).one_or_none()

    def linked_counselor(self, issuer: str, subject: str) -> Counselor | None:
        """Unscoped: single sign-on finds the counselor its identity provider vouched for."""
        self._unscoped("linked_counselor")
        return self._session.scalars(
            select(Counselor).where(
                Counselor.oidc_issuer == issuer, Counselor.oidc_subject == subject
            )
        ).one_or_none()

    def counselor_made_by_setup(self, counselor_id: int) -> Counselor | None:
        """Unscoped: a repeated setup form signs in the admin the first one made."""
        self._unscoped("counselor_made_by_setup")
        return self._session.get(Counselor, counselor_id)

    def practice_of_counselor(self, counselor_id: int) -> int | None:
        """Unscoped: signing out (a cookie route, no identity loaded) audits in the practice."""
        self._unscoped("practice_of_counselor")
        return self._session.scalar(
            select(Counselor.practice_id).where(Counselor.id == counselor_id)
        )

    def start_login(self, counselor: Counselor) -> Login:
        """A new login row for a counselor whose identity was just proven (unscoped: signing
        in is how an identity comes to be). Started by the one clock, which automatic
        sign-out measures from (a test's fake clock included)."""
        self._unscoped("start_login")
        return self._add(Login(counselor_id=counselor.id, started_at=clock.utcnow()))

    def use_ticket(self, counselor_id: int, login_id: int, now: dt.datetime) -> bool:
        """Mark a login's cookie ticket used; False if it was used already or the login ended.

        Unscoped: the cookie route holds only the ticket. One atomic UPDATE, so two requests
        with the same ticket cannot both get a cookie.
        """
        self._unscoped("use_ticket")
        used = self._session.execute(
            update(Login)
            .where(
                Login.id == login_id,
                Login.counselor_id == counselor_id,
                Login.ticket_used_at.is_(None),
                Login.ended_at.is_(None),
            )
            .values(ticket_used_at=now)
        ).rowcount
        return used == 1

    def end_login(
        self, counselor_id: int, login_id: int, now: dt.datetime, reason: str = "signed_out"
    ) -> bool:
        """End one login, saying why; False if it had ended already. Unscoped: signing out
        runs from the cookie route as well as the page, automatic sign-out from the router."""
        self._unscoped("end_login")
        ended = self._session.execute(
            update(Login)
            .where(
                Login.id == login_id,
                Login.counselor_id == counselor_id,
                Login.ended_at.is_(None),
            )
            .values(ended_at=now, end_reason=reason)
        ).rowcount
        return bool(ended)

    def count_attempt(
        self, key: str, now: dt.datetime, window: dt.timedelta
    ) -> tuple[int, dt.datetime]:
        """Count one sign-in attempt in one atomic statement: (attempts, window start).

        Unscoped: attempts are counted before anyone is known. An upsert with RETURNING:
        parallel attempts each get their own count, on every replica, so twenty guesses at
        once are twenty attempts, not one.
        """
        self._unscoped("count_attempt")
        table = LoginAttempt.__table__
        dialect = self._session.get_bind().dialect.name
        insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
        expired = table.c.window_started_at <= now - window
        statement = (
            insert.values(key=key, attempts=1, window_started_at=now, last_attempt_at=now)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "attempts": case((expired, 1), else_=table.c.attempts + 1),
                    "window_started_at": case((expired, now), else_=table.c.window_started_at),
                    "last_attempt_at": now,
                },
            )
            .returning(table.c.attempts, table.c.window_started_at)
        )
        attempts, window_started_at = self._session.execute(statement).one()
        return attempts, window_started_at

    def forget_attempts_before(self, before: dt.datetime) -> None:
        """Drop throttles whose last attempt is older than a window (unscoped: sign-in)."""
        self._unscoped("forget_attempts_before")
        self._session.execute(delete(LoginAttempt).where(LoginAttempt.last_attempt_at < before))

    # Both: a right password (unscoped) or an admin's password reset.

    def forget_attempts(self, key: str) -> None:
        """Drop one throttle: after a right password (unscoped), or an admin's reset."""
        if self._actor is not None:
            self._admin()
        self._session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))

    def email_taken(self, email: str) -> bool:
        """Whether an account anywhere in the installation has this email (emails sign in,
        so they are unique across practices): at setup (unscoped) or an admin adding one."""
        if self._actor is not None:
            self._admin()
        return bool(
            self._session.scalar(select(func.count(Counselor.id)).where(Counselor.email == email))
        )

    def add_counselor(self, counselor: Counselor) -> Counselor:
        """Store a new account: the first admin at setup (unscoped), or an admin's new
        counselor in their own practice."""
        if self._actor is not None and counselor.practice_id != self._admin().practice_id:
            raise PermissionDenied("Only a practice admin can do this.")
        return self._add(counselor)

    # A counselor's own account.

    def own_account(self) -> Counselor:
        return self._session.get(Counselor, self._counselor().counselor_id)

    def end_every_login(self, counselor: Counselor, now: dt.datetime) -> None:
        """End every open login of the acting counselor (signing out everywhere)."""
        if counselor.id != self._counselor().counselor_id:
            raise PermissionDenied("Only your own logins can be ended here.")
        self._session.execute(
            update(Login)
            .where(Login.counselor_id == counselor.id, Login.ended_at.is_(None))
            .values(ended_at=now, end_reason="everywhere")
        )

    # The accounts of the admin's practice.

    def _in_practice(self):
        return select(Counselor).where(Counselor.practice_id == self._admin().practice_id)

    def in_practice(self) -> list[Counselor]:
        """Every counselor account of the admin's practice, by name."""
        return list(self._session.scalars(self._in_practice().order_by(Counselor.display_name)))

    def in_practice_by_id(self, counselor_id: object) -> Counselor | None:
        """One account of the admin's practice; None for any other id (or none at all)."""
        return self._session.scalars(
            self._in_practice().where(Counselor.id == row_id(counselor_id))
        ).one_or_none()

    def names(self) -> list[tuple[int, str]]:
        """(id, name) of every account of the admin's practice, by name."""
        return [
            (counselor_id, name)
            for counselor_id, name in self._session.execute(
                self._in_practice()
                .with_only_columns(Counselor.id, Counselor.display_name)
                .order_by(Counselor.display_name, Counselor.id)
            ).all()
        ]

    def choices(self) -> list[tuple[int, str, bool]]:
        """(id, name, active) of every account of the admin's practice, by name."""
        return [
            (counselor_id, name, active)
            for counselor_id, name, active in self._session.execute(
                self._in_practice()
                .with_only_columns(Counselor.id, Counselor.display_name, Counselor.is_active)
                .order_by(Counselor.display_name, Counselor.id)
            ).all()
        ]

    def roster(self) -> list[tuple[int, str, str, str, bool, bool, bool, int]]:
        """(id, name, email, role, active, has password, sign-on linked, couples) of every
        account of the admin's practice, by name.

        One statement; each caseload is counted inside the couple index that starts with the
        counselor (ix_couple_caseload), without reading the couples themselves.
        """
        caseload_size = (
            select(func.count())
            .select_from(Couple)
            .where(Couple.counselor_id == Counselor.id)
            .scalar_subquery()
        )
        rows = self._session.execute(
            self._in_practice()
            .with_only_columns(
                Counselor.id,
                Counselor.display_name,
                Counselor.email,
                Counselor.role,
                Counselor.is_active,
                Counselor.password_hash.is_not(None),
                Counselor.oidc_subject.is_not(None),
                caseload_size,
            )
            .order_by(Counselor.display_name, Counselor.id)
        ).all()
        return [tuple(row) for row in rows]

    # Two-factor sign-in: the second step (unscoped), a counselor's own enrolment, an admin's
    # reset.

    def counselor_for_second_step(self, counselor_id: int) -> Counselor | None:
        """Unscoped: the second step holds only the id of the account whose password was right."""
        self._unscoped("counselor_for_second_step")
        return self._session.get(Counselor, counselor_id)

    def confirmed_second_factor(self, counselor_id: int) -> TwoFactor | None:
        """Unscoped: the account's authenticator, once confirmed (sign-in asks for a code)."""
        self._unscoped("confirmed_second_factor")
        return self._session.scalars(
            select(TwoFactor).where(
                TwoFactor.counselor_id == counselor_id, TwoFactor.confirmed_at.is_not(None)
            )
        ).one_or_none()

    def accept_code_step(self, counselor_id: int, step: int) -> bool:
        """Record a code's time step as used; False if that step or a later one was used.

        Unscoped: the second step. One atomic UPDATE, so the same code sent twice at once
        starts one login, not two.
        """
        self._unscoped("accept_code_step")
        accepted = self._session.execute(
            update(TwoFactor)
            .where(
                TwoFactor.counselor_id == counselor_id,
                TwoFactor.confirmed_at.is_not(None),
                or_(TwoFactor.last_step.is_(None), TwoFactor.last_step < step),
            )
            .values(last_step=step)
        ).rowcount
        return accepted == 1

    def unused_recovery_codes(self, counselor_id: int) -> list[RecoveryCode]:
        """Unscoped: the second step checks a typed recovery code against these."""
        self._unscoped("unused_recovery_codes")
        return list(
            self._session.scalars(
                select(RecoveryCode).where(
                    RecoveryCode.counselor_id == counselor_id, RecoveryCode.used_at.is_(None)
                )
            )
        )

    def use_recovery_code(self, code_id: int, now: dt.datetime) -> bool:
        """Mark a recovery code used; False if it was used already (one atomic UPDATE)."""
        self._unscoped("use_recovery_code")
        used = self._session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == code_id, RecoveryCode.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        return used == 1

    def own_two_factor(self) -> TwoFactor | None:
        """The acting counselor's authenticator, confirmed or still being set up."""
        return self._session.get(TwoFactor, self._counselor().counselor_id)

    def start_own_two_factor(self, secret: str) -> TwoFactor:
        """A new, unconfirmed authenticator secret for the acting counselor (replaces one
        not yet confirmed; a confirmed one is reset by an admin only)."""
        counselor_id = self._counselor().counselor_id
        held = self._session.get(TwoFactor, counselor_id)
        if held is not None and held.confirmed_at is not None:
            raise PermissionDenied("Two-factor sign-in is already set up.")
        if held is not None:
            held.secret, held.last_step = secret, None
            return held
        return self._add(TwoFactor(counselor_id=counselor_id, secret=secret))

    def replace_own_recovery_codes(self, code_hashes: list[str]) -> None:
        counselor_id = self._counselor().counselor_id
        self._session.execute(delete(RecoveryCode).where(RecoveryCode.counselor_id == counselor_id))
        self._session.add_all(
            RecoveryCode(counselor_id=counselor_id, code_hash=code_hash)
            for code_hash in code_hashes
        )
        self._session.flush()

    def own_recovery_codes_left(self) -> int:
        return self._session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.counselor_id == self._counselor().counselor_id,
                RecoveryCode.used_at.is_(None),
            )
        )

    def with_two_factor(self) -> set[int]:
        """The ids of the admin's practice's accounts with a confirmed authenticator."""
        return set(
            self._session.scalars(
                select(TwoFactor.counselor_id)
                .join(Counselor, Counselor.id == TwoFactor.counselor_id)
                .where(
                    Counselor.practice_id == self._admin().practice_id,
                    TwoFactor.confirmed_at.is_not(None),
                )
            )
        )

    def clear_two_factor(self, counselor: Counselor) -> bool:
        """An admin's reset: the account's authenticator and recovery codes go; False if it
        had none."""
        if counselor.practice_id != self._admin().practice_id:
            raise PermissionDenied("Only a practice admin can do this.")
        removed = self._session.execute(
            delete(TwoFactor).where(TwoFactor.counselor_id == counselor.id)
        ).rowcount
        self._session.execute(delete(RecoveryCode).where(RecoveryCode.counselor_id == counselor.id))
        return bool(removed)

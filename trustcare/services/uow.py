"""The unit of work: one database session opened for one acting identity.

Counselor services reach couples only through `couples()` and `get_couple()`, which are scoped
by the actor, so a service cannot forget the check (STYLE.md, example 5).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from trustcare.identity import Actor, PartnerActor
from trustcare.models import AuditEvent, Counselor, Couple, Practice, Submission, utcnow
from trustcare.practice_settings import PracticeSettings, form_label
from trustcare.revisions import touched_couples
from trustcare.services.audit_actions import check_action
from trustcare.services.errors import CoupleNotFound, PermissionDenied

log = logging.getLogger(__name__)
# Called on commit with the session and the ids of the couples written in this transaction.
CoupleWrites = Callable[[Session, set[int]], None]
# Row ids are 32-bit integers on PostgreSQL: a bigger number from a URL names no couple (and
# would make PostgreSQL refuse the query, and SQLite overflow past 64 bits).
MAX_ROW_ID = 2**31 - 1


def row_id(value: object) -> int | None:
    """`value` if it can name a row, else None, which names none (`id == None` matches nothing).

    Ids reach services from URLs, query parameters and session state: a string, a float, a
    bool or a number past the column's range is "not found", never a query the database
    refuses or a driver error.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID:
        return value
    return None


def read_practice_settings(session: Session, practice_id: int) -> tuple[PracticeSettings, str]:
    """The one reader of a practice's settings: (settings, problem).

    A stored record that no longer validates (a hand edit, an old release) gives the defaults
    and a logged warning, never an error page: `problem` says what was wrong, for the admin's
    settings page. The record's values are not logged (the SMTP password is among them).
    """
    stored = session.scalar(select(Practice.settings).where(Practice.id == practice_id))
    try:
        return PracticeSettings.from_stored(stored), ""
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in e["loc"]) for e in error.errors()})
        log.warning(
            "practice %s: stored settings are not valid (%s); using the defaults",
            practice_id,
            ", ".join(fields),
        )
        named = ", ".join(form_label(name) for name in fields)
        return PracticeSettings(), f"the stored settings could not be read ({named})"


class ReadOnlyWork(RuntimeError):
    """A unit of work opened for reading was asked to commit: a programming error."""


class UnitOfWork:
    """Opens a session; commits only when asked; rolls back on any error.

    With `read_only`, nothing can be committed, and on PostgreSQL the reads run without a
    transaction: its default isolation (read committed) gives each statement a snapshot of its
    own either way, and BEGIN and ROLLBACK cost two round trips a page run. (SQLite's driver
    opens no transaction for reads in the first place.)
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        read_only: bool = False,
        on_commit: CoupleWrites | None = None,
    ) -> None:
        self._session_factory = session_factory
        self.read_only = read_only
        self._on_commit = on_commit
        self.session: Session
        self._submission: Submission | None = None

    def __enter__(self):
        self.session = self._session_factory()
        if self.read_only:
            self.session.autoflush = False
            if self.session.get_bind().dialect.name == "postgresql":
                self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        if self.read_only:
            raise ReadOnlyWork("this unit of work was opened for reading only")
        if self._on_commit is not None:
            self.session.flush()
            if touched := touched_couples(self.session):
                # What is derived from the written couples is stored in the same transaction.
                self._on_commit(self.session, touched)
        self.session.commit()

    def once(self, key: str | None, kind: str, practice_id: int | None) -> int | None:
        """Claim a form submission's one-use key; the record id it made, if it was used before.

        A second click, or a rerun of the same form, brings the same key: the service then
        returns that earlier record instead of making another. The claim row is written
        first, so a parallel run with the same key waits on it and then finds the record.
        With no key (a script, a test) every call makes a record.
        """
        if key is None:
            return None
        earlier = self.session.get(Submission, key)
        if earlier is None:
            claim = Submission(key=key, kind=kind, practice_id=practice_id)
            self.session.add(claim)
            try:
                self.session.flush()
            except IntegrityError:
                self.session.rollback()
                earlier = self.session.get(Submission, key)
                if earlier is None:
                    raise
            else:
                self._submission = claim
                return None
        if earlier.kind != kind or earlier.practice_id != practice_id:
            raise PermissionDenied("This form was already used for something else.")
        log.info("%s: a repeated submission was answered with the record it made", kind)
        return earlier.record_id

    def made(self, record_id: int) -> None:
        """The record that this unit of work's claimed submission made (see `once`)."""
        if self._submission is not None:
            self._submission.record_id = record_id

    def audit(
        self,
        action: str,
        record_type: str,
        record_id: int | None,
        *,
        practice_id: int | None,
        actor_kind: str,
        actor_id: int | None,
        **detail: Any,
    ) -> None:
        """Record who did what to which record; detail never holds clinical text or tokens."""
        check_action(action, record_type)
        self.session.add(
            AuditEvent(
                practice_id=practice_id,
                actor_kind=actor_kind,
                actor_id=actor_id,
                action=action,
                record_type=record_type,
                record_id=record_id,
                at=utcnow(),
                detail=detail,
            )
        )


class CounselorWork(UnitOfWork):
    """A unit of work for one counselor: couples outside their caseload do not exist here."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        actor: Actor,
        read_only: bool = False,
        on_commit: CoupleWrites | None = None,
    ) -> None:
        super().__init__(session_factory, read_only, on_commit)
        self.actor = actor

    def practice_settings(self) -> PracticeSettings:
        """The settings of the acting counselor's practice (see `read_practice_settings`)."""
        return read_practice_settings(self.session, self.actor.practice_id)[0]

    def couples(self) -> Select[tuple[Couple]]:
        return select(Couple).where(
            Couple.counselor_id == self.actor.counselor_id,
            Couple.practice_id == self.actor.practice_id,
        )

    def get_couple(self, couple_id: int) -> Couple:
        couple = None
        if row_id(couple_id) is not None:
            couple = self.session.scalars(
                self.couples().where(Couple.id == couple_id)
            ).one_or_none()
        if couple is None:
            log.info("couple %s not found for counselor %s", couple_id, self.actor.counselor_id)
            raise CoupleNotFound()
        return couple

    def require_admin(self) -> None:
        if not self.actor.is_admin:
            raise PermissionDenied("Only a practice admin can do this.")

    def practice_couples(self) -> Select[tuple[Couple]]:
        """Every couple of the practice, for admin services only (hand-over, break-glass)."""
        self.require_admin()
        return select(Couple).where(Couple.practice_id == self.actor.practice_id)

    def practice_counselors(self) -> Select[tuple[Counselor]]:
        """Every counselor account of the practice, for admin services only."""
        self.require_admin()
        return select(Counselor).where(Counselor.practice_id == self.actor.practice_id)

    def record(self, action: str, record_type: str, record_id: int | None, **detail: Any) -> None:
        self.audit(
            action,
            record_type,
            record_id,
            practice_id=self.actor.practice_id,
            actor_kind="counselor",
            actor_id=self.actor.counselor_id,
            **detail,
        )


class PartnerWork(UnitOfWork):
    """A unit of work for one partner behind a valid link: only their own rows are in reach."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        actor: PartnerActor,
        on_commit: CoupleWrites | None = None,
    ) -> None:
        super().__init__(session_factory, on_commit=on_commit)
        self.actor = actor

    def practice_settings(self) -> PracticeSettings:
        """The settings of the partner's practice (see `read_practice_settings`)."""
        return read_practice_settings(self.session, self.actor.practice_id)[0]

    def record(self, action: str, record_type: str, record_id: int | None, **detail: Any) -> None:
        self.audit(
            action,
            record_type,
            record_id,
            practice_id=self.actor.practice_id,
            actor_kind="partner",
            actor_id=self.actor.partner_id,
            **detail,
        )

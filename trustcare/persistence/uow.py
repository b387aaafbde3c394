"""The unit of work: one database session opened for one acting identity.

The session is private to the persistence layer. Services reach rows only through the scoped
repositories a unit of work hands out (`uow.couples.get(id)`, `uow.checkins`, ...), built for
its actor, so a service cannot forget the check (STYLE.md, example 5): a couple outside a
counselor's caseload, or another partner's rows, are simply not in reach. The few entry
points that run before there is an identity (sign-in, link lookup, setup, the CLI) open
`unscoped_work`, the one explicitly named way in without a scope.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from trustcare import clock
from trustcare.audit_actions import check_action
from trustcare.errors import LoginEnded, PermissionDenied
from trustcare.identity import Actor, PartnerActor
from trustcare.models import AuditEvent, Submission, utcnow
from trustcare.persistence.accounts import AccountRepository
from trustcare.persistence.agendas import AgendaRepository
from trustcare.persistence.assignments import AssignmentRepository
from trustcare.persistence.audit import AuditRepository
from trustcare.persistence.calibration import CalibrationRepository
from trustcare.persistence.caseloads import CaseloadRepository
from trustcare.persistence.checkins import CheckinRepository
from trustcare.persistence.couples import CoupleRepository
from trustcare.persistence.exports import ExportRepository
from trustcare.persistence.links import LinkRepository
from trustcare.persistence.practice import PracticeRepository
from trustcare.persistence.progress import ProgressRepository
from trustcare.persistence.reminders import ReminderRepository
from trustcare.persistence.screens import SharedScreenRepository
from trustcare.persistence.seeding import SeedRepository
from trustcare.persistence.sessions import SessionRepository
from trustcare.practice_settings import PracticeSettings
from trustcare.revisions import touched_couples
from trustcare.sign_out import login_end_reason

log = logging.getLogger(__name__)
# Called on commit with the session and the ids of the couples written in this transaction.
CoupleWrites = Callable[["UnitOfWork", set[int]], None]
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
        self._session: Session
        self._submission: Submission | None = None

    def __enter__(self):
        self._session = self._session_factory()
        if self.read_only:
            self._session.autoflush = False
            if self._session.get_bind().dialect.name == "postgresql":
                self._session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        self._open_repositories()
        return self

    def _open_repositories(self) -> None:
        """Each kind of unit of work builds the repositories its actor may use."""

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self._session.rollback()
        self._session.close()

    @property
    def database(self) -> str:
        """Names the database, for cache keys: two databases in one process never share."""
        return str(self._session.get_bind().url)

    @property
    def dialect(self) -> str:
        return self._session.get_bind().dialect.name

    def flush(self) -> None:
        """Send what was added so far (ids are assigned, constraints checked)."""
        self._session.flush()

    def rollback(self) -> None:
        """Undo everything of this unit of work (after a refused write)."""
        self._session.rollback()

    def commit(self) -> None:
        if self.read_only:
            raise ReadOnlyWork("this unit of work was opened for reading only")
        if self._on_commit is not None:
            self._session.flush()
            if touched := touched_couples(self._session):
                # What is derived from the written couples is stored in the same transaction.
                self._on_commit(self, touched)
        self._session.commit()

    def savepoint(self):
        """A nested transaction: what fails inside it is undone without losing the rest."""
        return self._session.begin_nested()

    def once(self, key: str | None, kind: str, practice_id: int | None) -> int | None:
        """Claim a form submission's one-use key; the record id it made, if it was used before.

        A second click, or a rerun of the same form, brings the same key: the service then
        returns that earlier record instead of making another. The claim row is written
        first, so a parallel run with the same key waits on it and then finds the record.
        With no key (a script, a test) every call makes a record.
        """
        if key is None:
            return None
        earlier = self._session.get(Submission, key)
        if earlier is None:
            claim = Submission(key=key, kind=kind, practice_id=practice_id)
            self._session.add(claim)
            try:
                self._session.flush()
            except IntegrityError:
                self._session.rollback()
                earlier = self._session.get(Submission, key)
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
        self._session.add(
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
        """The settings of the acting counselor's practice (see `PracticeRepository.settings`)."""
        return self.practice.settings()

    def __enter__(self):
        """Open the work; its first write refuses when the counselor's login is over: a
        button's callback runs before the page's router notices that the idle time passed,
        and must not save after a sign-out. Checked just before the first statement that
        writes (reads cost nothing), so signing out everywhere still ends its own login."""
        super().__enter__()
        self._login_checked = self.actor.login_id is None or self.read_only
        if not self._login_checked:
            event.listen(self._session, "before_flush", self._before_a_flush)
            event.listen(self._session, "do_orm_execute", self._before_a_statement)
        return self

    def _before_a_flush(self, session: Session, _context, _instances) -> None:
        if not self._login_checked and (session.new or session.dirty or session.deleted):
            self._refuse_an_ended_login()

    def _before_a_statement(self, state: ORMExecuteState) -> None:
        if not self._login_checked and not state.is_select:
            self._refuse_an_ended_login()

    def _refuse_an_ended_login(self) -> None:
        self._login_checked = True
        with self._session.no_autoflush:  # the login as it was before this work changed it
            times = self.accounts.own_login_times()
        ended = times is None
        if not ended:
            started_at, last_seen_at, stored = times
            try:
                settings = PracticeSettings.from_stored(stored)
            except ValueError:
                settings = PracticeSettings()
            ended = login_end_reason(started_at, last_seen_at, clock.utcnow(), settings) is not None
        if ended:
            raise LoginEnded(
                "You were signed out before this was saved: nothing was saved. Sign in again; "
                "what you typed is kept."
            )

    def _open_repositories(self) -> None:
        session, actor = self._session, self.actor
        self.couples = CoupleRepository(session, actor)
        self.sessions = SessionRepository(session, actor)
        self.checkins = CheckinRepository(session, actor)
        self.assignments = AssignmentRepository(session, actor)
        self.links = LinkRepository(session, actor)
        self.agenda = AgendaRepository(session, actor)
        self.caseload = CaseloadRepository(session, actor)
        self.progress = ProgressRepository(session, actor)
        self.screen = SharedScreenRepository(session, actor)
        self.exports = ExportRepository(session, actor)
        self.practice = PracticeRepository(session, actor)
        self.accounts = AccountRepository(session, actor)
        self.audit_log = AuditRepository(session, actor)
        self.reminders = ReminderRepository(session, actor)

    def require_admin(self) -> None:
        if not self.actor.is_admin:
            raise PermissionDenied("Only a practice admin can do this.")

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

    def _open_repositories(self) -> None:
        session, actor = self._session, self.actor
        self.checkins = CheckinRepository(session, actor)
        self.assignments = AssignmentRepository(session, actor)
        self.links = LinkRepository(session, actor)
        self.practice = PracticeRepository(session, actor)
        self.reminders = ReminderRepository(session, actor)

    def practice_settings(self) -> PracticeSettings:
        """The settings of the partner's practice (see `PracticeRepository.settings`)."""
        return self.practice.settings()

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


class UnscopedWork(UnitOfWork):
    """A unit of work with no acting identity yet: only for the entry points that must find
    one (sign-in and single sign-on, opening a link, first setup, the demo, the CLI).

    Opened through `unscoped_work` only, so every such place can be found by that name.
    """

    def _open_repositories(self) -> None:
        session = self._session
        self.accounts = AccountRepository(session, None)
        self.links = LinkRepository(session, None)
        self.practice = PracticeRepository(session, None)
        self.caseload = CaseloadRepository(session, None)
        self.seeding = SeedRepository(session, None)
        self.calibration = CalibrationRepository(session, None)
        self.reminders = ReminderRepository(session, None)


# Opens a fresh unscoped unit of work; `read_only` as for UnitOfWork.
OpenUnscoped = Callable[..., UnscopedWork]


def unscoped_work(session_factory: sessionmaker[Session], read_only: bool = False) -> UnscopedWork:
    """The one way in without a scope (see UnscopedWork); everything else is scoped."""
    return UnscopedWork(session_factory, read_only)

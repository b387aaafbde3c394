"""A counselor's caseload rows and the stored standings behind them.

`CaseloadRepository` reads one counselor's caseload (its counts, its stale rows, one page of
it). `StandingStore` reads what a standing is evaluated from and writes the stored rows, for
any unit of work: it is handed couple ids that are already in the caller's reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, Select, and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from trustcare.models import (
    AlertAcknowledgement,
    Assignment,
    CheckIn,
    CounselingSession,
    Counselor,
    Couple,
    CoupleStanding,
    ExerciseProgress,
    Partner,
    SessionFeedback,
)
from trustcare.persistence.base import Repository
from trustcare.persistence.couples import couples_in_reach, matching_couples
from trustcare.persistence.practice import read_practice_settings
from trustcare.persistence.schedules import CoupleInput, schedule_inputs
from trustcare.practice_settings import PracticeSettings

if TYPE_CHECKING:
    from trustcare.persistence.uow import UnitOfWork

# Rows per statement when standings are read and written in bulk.
STANDING_CHUNK = 500

STANDING_COLUMNS = (
    "revision",
    "evaluated_on",
    "rules_key",
    "urgent",
    "attention",
    "sessions",
    "last_session",
    "partners",
    "counselor_id",
    "practice_id",
    "status",
    "label_key",
    "sort_key",
)

# The couple columns a standing is built from (stored standings, and the caseload's stale rows).
COUPLE_COLUMNS = (
    Couple.id,
    Couple.label,
    Couple.created_at,
    Couple.revision,
    Couple.status,
    Couple.counselor_id,
    Couple.practice_id,
    Couple.label_key,
    Couple.schedule,
)


# What a caseload lists per couple: the couple's own columns and its stored row's.
LISTED_COLUMNS = (
    Couple.id,
    Couple.label,
    Couple.status,
    CoupleStanding.partners,
    CoupleStanding.sessions,
    CoupleStanding.last_session,
    CoupleStanding.urgent,
    CoupleStanding.attention,
    Couple.next_session_at,
    Couple.session_rhythm,
    Couple.schedule,
)


@dataclass(frozen=True)
class CaseloadFilter:
    """Which of the counselor's couples a caseload lists: a status, and a search (already
    stripped) of partner names and of labels (by `label_key`, the label's compared form)."""

    status: str | None = None
    search: str = ""
    search_label_key: str = ""


class CaseloadRepository(Repository):
    """A counselor's caseload rows and the stored standings behind them."""

    def every_couple_id(self) -> list[int]:
        """Every couple of the database, for `trustcare reindex` (an unscoped unit of work)."""
        if self._actor is not None:
            raise TypeError("every_couple_id is for the unscoped reindex only")
        return list(self._session.scalars(select(Couple.id).order_by(Couple.id)))

    def _in_reach(self) -> Select[tuple[Couple]]:
        return couples_in_reach(self._counselor())

    def _matching(self, listed: CaseloadFilter) -> Select[tuple[Couple]]:
        return matching_couples(
            self._counselor(), listed.status, listed.search, listed.search_label_key
        )

    def _stored_for_me(self):
        actor = self._counselor()
        return (
            CoupleStanding.counselor_id == actor.counselor_id,
            CoupleStanding.practice_id == actor.practice_id,
        )

    def couples_among(self, couple_ids: list[int]) -> list[Couple]:
        """Those of these couples that are the counselor's own (others are left out)."""
        return list(self._session.scalars(self._in_reach().where(Couple.id.in_(couple_ids))))

    def status_counts(self) -> list[tuple[str, int, int, Any, int]]:
        """Per status, in one statement: (status, couples, the counselor's caseload revision,
        the counselor's creation time, the counselor's stored rows), ordered by status.

        The stored rows are counted too: a database recreated at the same address (a restore)
        may hold the same couples without their rows. The caseload revision is a real counter
        (trustcare/revisions.py), with the creation time: a database restored at the same
        address may hold another counselor with the same id and revision.
        """
        stored_rows = (
            select(func.count())
            .select_from(CoupleStanding)
            .where(*self._stored_for_me())
            .scalar_subquery()
        )
        me = Counselor.id == self._counselor().counselor_id
        caseload_revision = select(Counselor.caseload_revision).where(me).scalar_subquery()
        counselor_since = select(Counselor.created_at).where(me).scalar_subquery()
        return [
            tuple(row)
            for row in self._session.execute(
                self._in_reach()
                .with_only_columns(
                    Couple.status,
                    func.count(Couple.id),
                    caseload_revision,
                    counselor_since,
                    stored_rows,
                )
                .group_by(Couple.status)
                .order_by(Couple.status)
            )
        ]

    def stale_rows(self, today: Any, rules_key: str) -> list[Row]:
        """The counselor's couples whose stored row is missing or stale (another day, other
        rules, another revision or copy of the couple's columns): COUPLE_COLUMNS and
        `stored_for`, the counselor the stored row was filed under (None if there is none)."""
        return list(
            self._session.execute(
                self._in_reach()
                .with_only_columns(
                    *COUPLE_COLUMNS, CoupleStanding.counselor_id.label("stored_for")
                )
                .outerjoin(CoupleStanding, CoupleStanding.couple_id == Couple.id)
                .where(_stale(today, rules_key))
            ).all()
        )

    # --- the standings refresher (unscoped) ---------------------------------------------------

    def practice_ids(self) -> list[int]:
        """Every practice with a couple, for the unscoped refresher."""
        if self._actor is not None:
            raise TypeError("practice_ids is for the unscoped refresher only")
        return list(self._session.scalars(select(Couple.practice_id).distinct()))

    def stale_in_practice(self, practice_id: int, today: Any, rules_key: str) -> list[int]:
        """The ids of one practice's couples whose stored row is missing or stale."""
        if self._actor is not None:
            raise TypeError("stale_in_practice is for the unscoped refresher only")
        return list(
            self._session.scalars(
                select(Couple.id)
                .outerjoin(CoupleStanding, CoupleStanding.couple_id == Couple.id)
                .where(Couple.practice_id == practice_id, _stale(today, rules_key))
                .order_by(Couple.id)
            )
        )

    def matching_count(self, listed: CaseloadFilter) -> int:
        """How many of the counselor's couples the filter lists."""
        matching = self._matching(listed).with_only_columns(Couple.id).subquery()
        return self._session.scalar(select(func.count()).select_from(matching)) or 0

    def page(self, listed: CaseloadFilter, limit: int, offset: int) -> list[Row]:
        """One page of the listed couples, most urgent first, from their stored rows: the
        LISTED_COLUMNS.

        The couple's own columns decide what is listed; the stored copies (fresh: the caller
        found none stale) let the database walk an index in urgency order and stop after one page.
        """
        statement = (
            self._matching(listed)
            .with_only_columns(*LISTED_COLUMNS)
            .join(CoupleStanding, CoupleStanding.couple_id == Couple.id)
            .where(*self._stored_for_me())
        )
        if listed.status:
            statement = statement.where(CoupleStanding.status == listed.status)
        return list(
            self._session.execute(
                statement.order_by(
                    CoupleStanding.sort_key, CoupleStanding.label_key, CoupleStanding.couple_id
                )
                .limit(limit)
                .offset(offset)
            ).all()
        )

    def every_listed(self, listed: CaseloadFilter) -> list[Row]:
        """Every listed couple, unsorted, with its stored row where there is one (else None
        in the stored columns): LISTED_COLUMNS, `label_key` and `sort_key`. For a caseload read
        that found stale rows: it evaluates those in memory and sorts the whole list itself."""
        stored = and_(
            CoupleStanding.couple_id == Couple.id,
            *self._stored_for_me(),
        )
        return list(
            self._session.execute(
                self._matching(listed)
                .with_only_columns(*LISTED_COLUMNS, Couple.label_key, CoupleStanding.sort_key)
                .outerjoin(CoupleStanding, stored)
            ).all()
        )


def _stale(today: Any, rules_key: str):
    """A couple's stored row is missing, or was evaluated for another day, other rules, another
    revision, or another copy of the couple's own columns (to be used with an outer join)."""
    return or_(
        CoupleStanding.couple_id.is_(None),
        CoupleStanding.revision != Couple.revision,
        CoupleStanding.evaluated_on != today,
        CoupleStanding.rules_key != rules_key,
        CoupleStanding.counselor_id != Couple.counselor_id,
        CoupleStanding.practice_id != Couple.practice_id,
        CoupleStanding.status != Couple.status,
        CoupleStanding.label_key != Couple.label_key,
    )


class StandingStore:
    """What standings are evaluated from, and the stored standings, for couples named by id.

    It takes couple ids as given, whatever unit of work it was built from: its callers hold
    them from a scoped repository (`uow.couples.get`, the counselor's stale rows) or they are
    the couples the same transaction just wrote (the commit hook, CounselorWork, PartnerWork
    or UnscopedWork alike), or every couple for the unscoped `trustcare reindex`.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def couples(self, couple_ids: Sequence[int]) -> list[Row]:
        """COUPLE_COLUMNS of these couples."""
        return list(
            self._session.execute(select(*COUPLE_COLUMNS).where(Couple.id.in_(couple_ids))).all()
        )

    def schedule_inputs(self, couple_ids: Sequence[int], since: Any) -> list[CoupleInput]:
        """The check-in schedule inputs of these couples (persistence/schedules.py)."""
        return schedule_inputs(
            self._session, select(Couple).where(Couple.id.in_(couple_ids)), since, since
        )

    def settings_of(self, practice_id: int) -> PracticeSettings:
        """The settings of the practice of couples in hand (defaults if the record is bad)."""
        return read_practice_settings(self._session, practice_id)[0]

    def partners(self, couple_ids: Sequence[int]) -> list[Row]:
        """(couple_id, partner id, display name), by couple and position."""
        return list(
            self._session.execute(
                select(Partner.couple_id, Partner.id, Partner.display_name)
                .where(Partner.couple_id.in_(couple_ids))
                .order_by(Partner.couple_id, Partner.position)
            )
        )

    def checkin_points(self, couple_ids: Sequence[int]) -> list[Row]:
        """(couple_id, check-in id, partner_id, submitted_at, total, overall, safety_flag),
        by couple and time: the scores only."""
        return list(
            self._session.execute(
                select(
                    CheckIn.couple_id,
                    CheckIn.id,
                    CheckIn.partner_id,
                    CheckIn.submitted_at,
                    CheckIn.total,
                    CheckIn.overall,
                    CheckIn.safety_flag,
                )
                .where(CheckIn.couple_id.in_(couple_ids))
                .order_by(CheckIn.couple_id, CheckIn.submitted_at, CheckIn.id)
            )
        )

    def feedback_points(self, couple_ids: Sequence[int]) -> list[Row]:
        """(couple_id, feedback id, partner_id, session number, held_on, submitted_at, total) of
        these couples' session feedback, by couple and session: the totals only."""
        return list(
            self._session.execute(
                select(
                    SessionFeedback.couple_id,
                    SessionFeedback.id,
                    SessionFeedback.partner_id,
                    CounselingSession.number,
                    CounselingSession.held_on,
                    SessionFeedback.submitted_at,
                    SessionFeedback.total,
                )
                .join(CounselingSession, CounselingSession.id == SessionFeedback.session_id)
                .where(SessionFeedback.couple_id.in_(couple_ids))
                .order_by(SessionFeedback.couple_id, CounselingSession.number, SessionFeedback.id)
            )
        )

    def exercises_done(self, couple_ids: Sequence[int]) -> list[Row]:
        """(assignment_id, partner_id, exercises done) of these couples' assignments."""
        return list(
            self._session.execute(
                select(ExerciseProgress.assignment_id, ExerciseProgress.partner_id, func.count())
                .join(Assignment, Assignment.id == ExerciseProgress.assignment_id)
                .where(Assignment.couple_id.in_(couple_ids))
                .group_by(ExerciseProgress.assignment_id, ExerciseProgress.partner_id)
            )
        )

    def assignments(self, couple_ids: Sequence[int]) -> list[Assignment]:
        return list(
            self._session.scalars(select(Assignment).where(Assignment.couple_id.in_(couple_ids)))
        )

    def acknowledged(self, couple_ids: Sequence[int]) -> list[Row]:
        """(couple_id, alert_key) of every acknowledged alert of these couples."""
        return list(
            self._session.execute(
                select(AlertAcknowledgement.couple_id, AlertAcknowledgement.alert_key).where(
                    AlertAcknowledgement.couple_id.in_(couple_ids)
                )
            )
        )

    def session_stats(self, couple_ids: Sequence[int]) -> list[Row]:
        """(couple_id, sessions held, last held_on) of the couples with any session."""
        return list(
            self._session.execute(
                select(
                    CounselingSession.couple_id,
                    func.count(CounselingSession.id),
                    func.max(CounselingSession.held_on),
                )
                .where(CounselingSession.couple_id.in_(couple_ids))
                .group_by(CounselingSession.couple_id)
            )
        )

    def partner_names(self, couple_ids: Sequence[int]) -> list[Row]:
        """(couple_id, display name), by couple and position."""
        return list(
            self._session.execute(
                select(Partner.couple_id, Partner.display_name)
                .where(Partner.couple_id.in_(couple_ids))
                .order_by(Partner.couple_id, Partner.position)
            )
        )

    def write(self, rows: list[dict]) -> None:
        """Store these caseload rows (one dict of STANDING_COLUMNS and couple_id each)."""
        dialect = self._session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        for start in range(0, len(rows), STANDING_CHUNK):
            statement = insert(CoupleStanding).values(rows[start : start + STANDING_CHUNK])
            # Another process may have stored the same row meanwhile: the later write wins.
            self._session.execute(
                statement.on_conflict_do_update(
                    index_elements=[CoupleStanding.couple_id],
                    set_={name: statement.excluded[name] for name in STANDING_COLUMNS},
                )
            )


def standings_store(uow: UnitOfWork) -> StandingStore:
    """The standing store of this unit of work's session (any kind of unit of work)."""
    return StandingStore(uow._session)

"""The practice itself: its record and its settings (the one reader of the settings)."""

from __future__ import annotations

import datetime as dt
import logging

from pydantic import ValidationError
from sqlalchemy import delete, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trustcare.errors import PermissionDenied
from trustcare.identity import Actor
from trustcare.models import (
    Assignment,
    Base,
    CheckinLink,
    CounselingSession,
    Counselor,
    Couple,
    CoupleStanding,
    Practice,
    Submission,
)
from trustcare.persistence.base import Repository
from trustcare.persistence.ids import row_id
from trustcare.practice_settings import PracticeSettings, form_label
from trustcare.revisions import COUPLE_OWNED

log = logging.getLogger(__name__)


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


# The records a form's one-use key (Submission.kind) names by id: a deleted couple's go too.
SUBMITTED_RECORDS: dict[str, type] = {
    "couple": Couple,
    "session": CounselingSession,
    "assignment": Assignment,
    "link": CheckinLink,
}


def _rows_of_couple(cls: type, couple_id: int):
    """The WHERE clause that picks the rows of `cls` that belong to one couple, found from
    the models' foreign keys (trustcare/revisions.py), so a new couple-owned table is
    deleted with the couple the day it is added."""
    if cls is Couple:
        return Couple.id == couple_id
    if cls is CoupleStanding:
        return CoupleStanding.couple_id == couple_id
    clauses = []
    for path in COUPLE_OWNED[cls]:
        if path[0] == "direct":
            clauses.append(getattr(cls, path[1]) == couple_id)
        else:
            _, name, parent = path
            parents = select(parent.id).where(_rows_of_couple(parent, couple_id))
            clauses.append(getattr(cls, name).in_(parents))
    return or_(*clauses)


def delete_couple_rows(session: Session, couple_id: int) -> dict[str, int]:
    """Delete a couple and every row that belongs to it, children first; how many rows of
    each table went (table name: count). Nothing is flagged: the rows are gone."""
    owned = {*COUPLE_OWNED, Couple, CoupleStanding}
    removed: dict[str, int] = {}
    for kind, cls in SUBMITTED_RECORDS.items():
        ids = select(cls.id).where(_rows_of_couple(cls, couple_id))
        result = session.execute(
            delete(Submission).where(Submission.kind == kind, Submission.record_id.in_(ids)),
            execution_options={"synchronize_session": False},
        )
        removed["submission"] = removed.get("submission", 0) + result.rowcount
    by_table = {mapper.local_table: mapper.class_ for mapper in Base.registry.mappers}
    for table in reversed(Base.metadata.sorted_tables):
        cls = by_table.get(table)
        if cls not in owned:
            continue
        result = session.execute(
            delete(cls).where(_rows_of_couple(cls, couple_id)),
            execution_options={"synchronize_session": False},
        )
        removed[table.name] = result.rowcount
    return removed


def closed_couples_before(
    session: Session, practice_id: int, cutoff: dt.datetime, limit: int | None
):
    """(id, label, closed_at, counselor name) of a practice's couples closed before `cutoff`,
    the longest closed first: labels and names only, nothing clinical."""
    return session.execute(
        select(Couple.id, Couple.label, Couple.closed_at, Counselor.display_name)
        .join(Counselor, Counselor.id == Couple.counselor_id)
        .where(
            Couple.practice_id == practice_id,
            Couple.status == "closed",
            Couple.closed_at < cutoff,
        )
        .order_by(Couple.closed_at, Couple.id)
        .limit(limit)
    ).all()


class PracticeRepository(Repository):
    """The acting identity's practice; an unscoped unit of work names the practice instead."""

    def _practice_id(self) -> int:
        if self._actor is None:
            raise TypeError("an unscoped unit of work names its practice: use settings_of")
        return self._actor.practice_id

    def settings(self) -> PracticeSettings:
        """The settings of the actor's practice (defaults if the stored record is bad)."""
        return read_practice_settings(self._session, self._practice_id())[0]

    def settings_and_problem(self) -> tuple[PracticeSettings, str]:
        """The settings and what was wrong with the stored record, for the admin's page."""
        return read_practice_settings(self._session, self._practice_id())

    def settings_of(self, practice_id: int) -> PracticeSettings:
        """The settings of a practice reached through a row already in scope (a link's
        couple, a couple just written); never from an id a person typed."""
        return read_practice_settings(self._session, practice_id)[0]

    # Setup, before there is an identity.

    def any_installed(self) -> bool:
        """Whether this installation has a practice yet (unscoped: first-run setup)."""
        if self._actor is not None:
            raise TypeError("any_installed is for the unscoped setup only")
        return bool(self._session.scalar(select(func.count(Practice.id))))

    def add_practice(self, practice: Practice) -> Practice:
        """Store the installation's practice (unscoped: first-run setup, the demo)."""
        if self._actor is not None:
            raise TypeError("add_practice is for the unscoped setup only")
        return self._add(practice)

    # The admin's practice: its record and every couple in it (labels, never clinical rows).

    def _admin(self) -> Actor:
        actor = self._counselor()
        if not actor.is_admin:
            raise PermissionDenied("Only a practice admin can do this.")
        return actor

    def _couples(self):
        return select(Couple).where(Couple.practice_id == self._admin().practice_id)

    def own_practice(self) -> Practice:
        """The admin's practice row, to store new settings on."""
        return self._session.get(Practice, self._admin().practice_id)

    def practice_couple(self, couple_id: object) -> Couple | None:
        """Any couple of the admin's practice (hand-over, break-glass); None for other ids."""
        return self._session.scalars(
            self._couples().where(Couple.id == row_id(couple_id))
        ).one_or_none()

    def open_couples_of(self, counselor_id: int) -> int:
        """How many couples of the practice a counselor has that are not closed."""
        return self._session.scalar(
            self._couples()
            .with_only_columns(func.count(Couple.id))
            .where(Couple.counselor_id == counselor_id, Couple.status != "closed")
        )

    def handover_couples(
        self, limit: int, *, searched: bool, label_contains: str | None, counselor_ids: list[int]
    ) -> list[tuple[int, str, str, int]]:
        """(id, label, status, counselor id) of the practice's couples by label, at most
        `limit`; when `searched`, only those whose label key contains `label_contains` or
        whose counselor is among `counselor_ids` (a limited read along the label index)."""
        statement = self._couples().with_only_columns(
            Couple.id, Couple.label, Couple.status, Couple.counselor_id
        )
        if searched:
            matches = [false()]
            if label_contains is not None:
                matches.append(Couple.label_key.contains(label_contains, autoescape=True))
            if counselor_ids:
                matches.append(Couple.counselor_id.in_(counselor_ids))
            statement = statement.where(or_(*matches))
        rows = self._session.execute(
            statement.order_by(Couple.label_key, Couple.id).limit(limit)
        ).all()
        return [tuple(row) for row in rows]

    def label_taken(self, counselor_id: int, label_key: str) -> bool:
        """Whether a counselor of the practice already has a couple under this label key."""
        clash = self._session.scalars(
            self._couples()
            .with_only_columns(Couple.id)
            .where(Couple.counselor_id == counselor_id, Couple.label_key == label_key)
        ).first()
        return clash is not None

    def move_couple(self, couple: Couple, counselor_id: int) -> bool:
        """Give a couple of the practice to another counselor; False if the database refused
        it (a parallel hand-over made the label clash)."""
        if couple.practice_id != self._admin().practice_id:
            raise PermissionDenied("Only a practice admin can do this.")
        couple.counselor_id = counselor_id
        try:
            self._session.flush()
        except IntegrityError:
            return False
        return True

    def couples_closed_before(self, cutoff: dt.datetime, limit: int):
        """The admin's practice's couples closed before `cutoff` (see closed_couples_before)."""
        return closed_couples_before(self._session, self._admin().practice_id, cutoff, limit)

    def delete_couple(self, couple: Couple) -> dict[str, int]:
        """Delete a couple of the admin's practice with everything of theirs (see
        delete_couple_rows); unscoped, for the CLI's purge, any couple it found."""
        if self._actor is not None and couple.practice_id != self._admin().practice_id:
            raise PermissionDenied("Only a practice admin can do this.")
        return delete_couple_rows(self._session, couple.id)

    # The CLI's retention purge, before there is an identity: every practice in turn.

    def every_practice_id(self) -> list[int]:
        """Every practice of the installation (unscoped: the CLI's purge)."""
        if self._actor is not None:
            raise TypeError("every_practice_id is for the unscoped CLI only")
        return list(self._session.scalars(select(Practice.id).order_by(Practice.id)))

    def closed_couples_of(self, practice_id: int, cutoff: dt.datetime, limit: int | None):
        """A practice's couples closed before `cutoff` (unscoped: the CLI's purge)."""
        if self._actor is not None:
            raise TypeError("closed_couples_of is for the unscoped CLI only")
        return closed_couples_before(self._session, practice_id, cutoff, limit)

    def couple_by_id(self, couple_id: int) -> Couple | None:
        """A couple the unscoped purge listed a moment ago (unscoped: the CLI only)."""
        if self._actor is not None:
            raise TypeError("couple_by_id is for the unscoped CLI only")
        return self._session.get(Couple, couple_id)

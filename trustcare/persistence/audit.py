"""The audit trail of the practice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, Select, Text, and_, cast, false, select, tuple_

from trustcare.errors import PermissionDenied
from trustcare.models import AuditEvent, Counselor
from trustcare.persistence.base import Repository
from trustcare.persistence.ids import MAX_ROW_ID


@dataclass(frozen=True)
class AuditFilter:
    """Which events to show; every field left empty matches everything. Dates are inclusive."""

    start: dt.date | None = None
    end: dt.date | None = None
    actor_id: int | None = None
    action: str = ""
    record_type: str = ""
    record_id: int | None = None


@dataclass(frozen=True)
class AuditCursor:
    """The last event of a page; the next, older page starts after it."""

    at: dt.datetime
    event_id: int


class AuditRepository(Repository):
    """The audit trail of the admin's practice.

    Rows are (id, at, actor kind, actor id, the acting counselor's name, action, record type,
    record id, detail as stored), newest first.
    """

    def _practice_id(self) -> int:
        actor = self._counselor()
        if not actor.is_admin:
            raise PermissionDenied("Only a practice admin can do this.")
        return actor.practice_id

    def page(self, filters: AuditFilter, before: AuditCursor | None, limit: int) -> Sequence[Row]:
        """At most `limit` matching events after `before` (or from the newest)."""
        statement = _events(self._practice_id(), filters, before).limit(limit)
        # Plain columns: the connection runs them without the ORM's per-statement work.
        return self._session.connection().execute(statement).all()

    def export(self, filters: AuditFilter, limit: int) -> Sequence[Row]:
        """At most `limit` matching events, from the newest, for a file."""
        return self._session.execute(_events(self._practice_id(), filters).limit(limit)).all()


def _events(practice_id: int, filters: AuditFilter, before: AuditCursor | None = None) -> Select:
    """The matching events newest first, as the columns shown, with the acting counselor's name.

    Each filter has an index on audit_event (models.py) that yields its events newest first,
    so a page reads only its own rows, however long the trail.
    """
    statement = (
        select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.actor_kind,
            AuditEvent.actor_id,
            Counselor.display_name,
            AuditEvent.action,
            AuditEvent.record_type,
            AuditEvent.record_id,
            # As stored: JSON columns are written in the form shown (db.json_text).
            cast(AuditEvent.detail, Text),
        )
        .outerjoin(
            Counselor,
            and_(
                AuditEvent.actor_kind == "counselor",
                Counselor.id == AuditEvent.actor_id,
                Counselor.practice_id == AuditEvent.practice_id,
            ),
        )
        .where(AuditEvent.practice_id == practice_id)
    )
    if filters.start is not None:
        start = dt.datetime.combine(filters.start, dt.time(), dt.UTC)
        statement = statement.where(AuditEvent.at >= start)
    if filters.end is not None:
        end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time(), dt.UTC)
        statement = statement.where(AuditEvent.at < end)
    if filters.actor_id is not None:
        statement = statement.where(
            AuditEvent.actor_kind == "counselor", AuditEvent.actor_id == filters.actor_id
        )
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.record_type:
        statement = statement.where(AuditEvent.record_type == filters.record_type)
    if filters.record_id is not None:
        statement = statement.where(
            AuditEvent.record_id == filters.record_id
            # A larger id names no row, and PostgreSQL would refuse it as a parameter.
            if abs(filters.record_id) <= MAX_ROW_ID
            else false()
        )
    if before is not None:
        statement = statement.where(
            tuple_(AuditEvent.at, AuditEvent.id) < tuple_(before.at, before.event_id)
        )
    return statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())

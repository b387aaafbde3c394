"""The practice's audit trail for its admins: who did what to which record, filtered and exported.

Events never hold clinical text or tokens (see `UnitOfWork.audit`), so an admin may read all of
them. Times are UTC. Exporting is itself an audited action: the file leaves the application.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
from sqlalchemy import Row, Select, Text, and_, cast, false, select, tuple_

from trustcare.audit_actions import ACTIONS, RECORD_TYPES
from trustcare.models import AuditEvent, Counselor
from trustcare.persistence.ids import MAX_ROW_ID
from trustcare.persistence.uow import CounselorWork

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
COLUMN_TYPES = {
    "When (UTC)": pa.timestamp("us"),
    "Actor": pa.string(),
    "Action": pa.string(),
    "Record": pa.string(),
    "Record id": pa.int64(),
    "Detail": pa.string(),
}
COLUMNS = list(COLUMN_TYPES)
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
class AuditChoices:
    """What the filters offer: the practice's counselors, and every action (with what it means)
    and record type the services can write, whether or not it has happened yet."""

    actors: dict[int, str]
    actions: dict[str, str]
    record_types: list[str]


@dataclass(frozen=True)
class AuditCursor:
    """The last event of a page; the next, older page starts after it."""

    at: dt.datetime
    event_id: int


@dataclass(frozen=True)
class AuditPage:
    events: pa.Table
    older: AuditCursor | None  # where the next page starts; None when this is the oldest


def _events(uow: CounselorWork, filters: AuditFilter, before: AuditCursor | None = None) -> Select:
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
        .where(AuditEvent.practice_id == uow.actor.practice_id)
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


def _actor(kind: str, actor_id: int | None, name: str | None) -> str:
    if kind == "counselor":
        return name or f"counselor {actor_id}"
    if kind == "partner":
        return f"client (partner {actor_id})"
    return kind


def _table(rows: Sequence[Row]) -> pa.Table:
    """Arrow, the form `st.dataframe` sends to the browser: building a pandas frame and having
    Streamlit convert it costs more, on every run, than the query itself. Arrow stores the
    aware times as UTC. Details are shown as stored; events written before JSON columns were
    stored with sorted keys show theirs in the order written."""
    _, at, kind, actor_id, counselor, action, record_type, record_id, detail = (
        zip(*rows, strict=True) if rows else [()] * 9
    )
    columns = (
        at,
        [_actor(*actor) for actor in zip(kind, actor_id, counselor, strict=True)],
        action,
        record_type,
        record_id,
        ["{}" if value in (None, "null") else value for value in detail],
    )
    return pa.table(
        {
            name: pa.array(values, type=type_)
            for (name, type_), values in zip(COLUMN_TYPES.items(), columns, strict=True)
        }
    )


def audit_choices(uow: CounselorWork) -> AuditChoices:
    """One small query (the counselors); actions and record types come from the code."""
    uow.require_admin()
    actors = dict(
        uow.session.execute(
            uow.practice_counselors()
            .with_only_columns(Counselor.id, Counselor.display_name)
            .order_by(Counselor.display_name, Counselor.id)
        ).all()
    )
    return AuditChoices(
        actors=actors,
        actions={action: known.meaning for action, known in ACTIONS.items()},
        record_types=list(RECORD_TYPES),
    )


def audit_events(
    uow: CounselorWork, filters: AuditFilter, before: AuditCursor | None = None
) -> AuditPage:
    """One page of matching events, newest first, starting after `before` (or at the newest)."""
    uow.require_admin()
    # Plain columns: the connection runs them without the ORM's per-statement work.
    rows = (
        uow.session.connection().execute(_events(uow, filters, before).limit(PAGE_SIZE + 1)).all()
    )
    shown = rows[:PAGE_SIZE]
    older = AuditCursor(shown[-1].at, shown[-1].id) if len(rows) > PAGE_SIZE else None
    return AuditPage(_table(shown), older=older)


def _spreadsheet_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def export_audit_csv(uow: CounselorWork, filters: AuditFilter) -> str:
    """Every matching event as CSV (UTF-8, with a header); the export itself is audited."""
    uow.require_admin()
    rows = uow.session.execute(_events(uow, filters).limit(EXPORT_LIMIT)).all()
    frame = (
        _table(rows)
        .to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        .map(_spreadsheet_safe)
    )
    uow.record(
        "audit.export",
        "practice",
        uow.actor.practice_id,
        rows=len(frame),
        filters={
            key: str(value) for key, value in vars(filters).items() if value not in (None, "")
        },
    )
    uow.commit()
    return frame.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S")

"""The practice's audit trail for its admins: who did what to which record, filtered and exported.

Events never hold clinical text or tokens (see `UnitOfWork.audit`), so an admin may read all of
them. Times are UTC. Exporting is itself an audited action: the file leaves the application.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from trustcare.audit_actions import ACTIONS, RECORD_TYPES
from trustcare.persistence.audit import AuditCursor, AuditFilter
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
class AuditChoices:
    """What the filters offer: the practice's counselors, and every action (with what it means)
    and record type the services can write, whether or not it has happened yet."""

    actors: dict[int, str]
    actions: dict[str, str]
    record_types: list[str]


@dataclass(frozen=True)
class AuditPage:
    events: pa.Table
    older: AuditCursor | None  # where the next page starts; None when this is the oldest


def _actor(kind: str, actor_id: int | None, name: str | None) -> str:
    if kind == "counselor":
        return name or f"counselor {actor_id}"
    if kind == "partner":
        return f"client (partner {actor_id})"
    return kind


def _table(rows: Sequence[Sequence]) -> pa.Table:
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
    actors = dict(uow.accounts.names())
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
    rows = uow.audit_log.page(filters, before, PAGE_SIZE + 1)
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
    rows = uow.audit_log.export(filters, EXPORT_LIMIT)
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

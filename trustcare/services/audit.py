"""The practice's audit trail for its admins: who did what to which record, filtered and exported.

Events never hold clinical text or tokens (see `UnitOfWork.audit`), so an admin may read all of
them. Times are UTC. Exporting is itself an audited action: the file leaves the application.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, select

from trustcare.models import AuditEvent, Counselor
from trustcare.services.uow import CounselorWork

PAGE_LIMIT = 1000
EXPORT_LIMIT = 100_000
COLUMNS = ["When (UTC)", "Actor", "Action", "Record", "Record id", "Detail"]
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
    """What the filters can choose from: the practice's counselors, actions and record types."""

    actors: dict[int, str]
    actions: list[str]
    record_types: list[str]


@dataclass(frozen=True)
class AuditPage:
    events: pd.DataFrame
    truncated: bool


def _events(uow: CounselorWork, filters: AuditFilter) -> Select[tuple[AuditEvent]]:
    statement = select(AuditEvent).where(AuditEvent.practice_id == uow.actor.practice_id)
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
        statement = statement.where(AuditEvent.record_id == filters.record_id)
    return statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _counselor_names(uow: CounselorWork) -> dict[int, str]:
    return dict(
        uow.session.execute(
            uow.practice_counselors().with_only_columns(Counselor.id, Counselor.display_name)
        ).all()
    )


def _actor(event: AuditEvent, names: dict[int, str]) -> str:
    if event.actor_kind == "counselor":
        return names.get(event.actor_id, f"counselor {event.actor_id}")
    if event.actor_kind == "partner":
        return f"client (partner {event.actor_id})"
    return event.actor_kind


def _frame(uow: CounselorWork, events: list[AuditEvent]) -> pd.DataFrame:
    names = _counselor_names(uow)
    return pd.DataFrame(
        [
            (
                event.at.replace(tzinfo=None),
                _actor(event, names),
                event.action,
                event.record_type,
                event.record_id,
                json.dumps(event.detail or {}, ensure_ascii=False, sort_keys=True),
            )
            for event in events
        ],
        columns=COLUMNS,
    ).astype({"Record id": "Int64"})


def audit_choices(uow: CounselorWork) -> AuditChoices:
    uow.require_admin()
    in_practice = AuditEvent.practice_id == uow.actor.practice_id
    actions = uow.session.scalars(
        select(AuditEvent.action).where(in_practice).distinct().order_by(AuditEvent.action)
    ).all()
    record_types = uow.session.scalars(
        select(AuditEvent.record_type)
        .where(in_practice)
        .distinct()
        .order_by(AuditEvent.record_type)
    ).all()
    names = dict(sorted(_counselor_names(uow).items(), key=lambda item: item[1]))
    return AuditChoices(actors=names, actions=list(actions), record_types=list(record_types))


def audit_events(uow: CounselorWork, filters: AuditFilter) -> AuditPage:
    """The newest matching events, at most `PAGE_LIMIT` of them."""
    uow.require_admin()
    events = uow.session.scalars(_events(uow, filters).limit(PAGE_LIMIT + 1)).all()
    return AuditPage(_frame(uow, events[:PAGE_LIMIT]), truncated=len(events) > PAGE_LIMIT)


def _spreadsheet_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def export_audit_csv(uow: CounselorWork, filters: AuditFilter) -> str:
    """Every matching event as CSV (UTF-8, with a header); the export itself is audited."""
    uow.require_admin()
    events = uow.session.scalars(_events(uow, filters).limit(EXPORT_LIMIT)).all()
    frame = _frame(uow, events).map(_spreadsheet_safe)
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

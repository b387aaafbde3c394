"""Couple revisions kept by the session itself: any write to a row that belongs to a couple
raises that couple's revision and its counselor's caseload revision, in the same transaction.

Whatever is derived from a couple's data (its caseload standing, its progress page, its
agenda) is fresh while the couple's revision is unchanged, and a counselor's caseload is
unchanged while their caseload revision is. No service has to remember to raise them: the
rows that belong to a couple are found from the models' foreign keys (a row with a
`couple_id`, or one that points at such a row, e.g. a partner's link), so a new table is
covered the day it is added. Bulk UPDATE and DELETE statements are covered as well: the
couples they touch are read first with the statement's own WHERE clause.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import event, select, update
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, attributes

from trustcare.models import Base, Counselor, Couple, CoupleStanding

log = logging.getLogger(__name__)
# Derived from couples' data, never their data: writing them raises nothing.
DERIVED = {CoupleStanding}
# The couple's own columns that are bookkeeping, not data shown anywhere.
BOOKKEEPING = {"revision", "updated_at"}
TOUCHED_KEY = "trustcare_touched_couples"
# New couples of this session: their ids exist only after the flush.
NEW_COUPLES_KEY = "trustcare_new_couples"
_SKIP = "trustcare_revision_bump"


def _paths_to_couple() -> dict[type, list[tuple]]:
    """For each mapped class that belongs to a couple, how to find its couple id: ("direct",
    column name) or ("via", column name, parent class) for a row that points at one that has
    a couple_id."""
    direct: dict[type, str] = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if cls in DERIVED or cls is Couple:
            continue
        for column in mapper.columns:
            if any(fk.column.table is Couple.__table__ for fk in column.foreign_keys):
                direct[cls] = column.key
    by_table = {cls.__table__: cls for cls in direct}
    paths: dict[type, list[tuple]] = {cls: [("direct", name)] for cls, name in direct.items()}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if cls in DERIVED or cls is Couple or cls in direct:
            continue
        via = [
            ("via", column.key, by_table[fk.column.table])
            for column in mapper.columns
            for fk in column.foreign_keys
            if fk.column.table in by_table
        ]
        if via:
            paths[cls] = via
    return paths


COUPLE_OWNED = _paths_to_couple()


def couple_owned_classes() -> set[type]:
    """Every model whose rows belong to a couple (the couple itself included)."""
    return {Couple, *COUPLE_OWNED}


def _couple_ids_of(session: Session, row: object) -> set[int]:
    if isinstance(row, Couple):
        return {row.id} if row.id is not None else set()
    found: set[int] = set()
    for path in COUPLE_OWNED.get(type(row), []):
        if path[0] == "direct":
            values = [getattr(row, path[1])]
            history = attributes.get_history(row, path[1])
            values += list(history.deleted or ())
            found |= {value for value in values if value is not None}
        else:
            _, name, parent = path
            parent_id = getattr(row, name)
            if parent_id is None:
                continue
            with session.no_autoflush:
                parent_row = session.get(parent, parent_id)
            if parent_row is not None:
                found |= _couple_ids_of(session, parent_row)
    return found


def _couple_changed(row: Couple) -> bool:
    state = attributes.instance_state(row)
    return any(
        attributes.get_history(row, attr.key).has_changes()
        for attr in state.mapper.column_attrs
        if attr.key not in BOOKKEEPING
    )


def _counselors_of(row: Couple) -> set[int]:
    history = attributes.get_history(row, "counselor_id")
    return {c for c in [row.counselor_id, *(history.deleted or ())] if c is not None}


@event.listens_for(Session, "before_flush")
def _raise_revisions_of_flushed_rows(session: Session, _context, _instances) -> None:
    couples: set[int] = set()
    counselors: set[int] = set()
    for row in session.new | session.dirty | session.deleted:
        if isinstance(row, Couple):
            if row in session.new:
                counselors.add(row.counselor_id)
                session.info.setdefault(NEW_COUPLES_KEY, []).append(row)
                continue
            if row in session.dirty and not _couple_changed(row):
                continue
            couples.add(row.id)
            counselors |= _counselors_of(row)
        elif type(row) in COUPLE_OWNED:
            if row in session.dirty and not session.is_modified(row):
                continue
            couples |= _couple_ids_of(session, row)
    _raise(session, couples, counselors)


@event.listens_for(Session, "do_orm_execute")
def _raise_revisions_of_bulk_statements(state: ORMExecuteState) -> None:
    """A bulk UPDATE or DELETE of couple-owned rows raises the revisions of the couples that
    its WHERE clause selects (read before the statement runs)."""
    if not (state.is_update or state.is_delete) or state.execution_options.get(_SKIP):
        return
    mapper: Mapper | None = state.bind_mapper
    if mapper is None:
        return
    cls = mapper.class_
    statement = state.statement
    if cls is Couple:
        picked = select(Couple.id, Couple.counselor_id).where(statement.whereclause)
    elif cls in COUPLE_OWNED:
        picked = _owner_select(cls).where(statement.whereclause)
    else:
        return
    rows = state.session.execute(picked, execution_options={_SKIP: True}).all()
    _raise(state.session, {row[0] for row in rows}, {row[1] for row in rows})


def _owner_select(cls: type):
    """(couple id, counselor id) of the couples that rows of `cls` belong to."""
    path = COUPLE_OWNED[cls][0]
    if path[0] == "direct":
        column = getattr(cls, path[1])
        return select(Couple.id, Couple.counselor_id).join(cls, column == Couple.id)
    _, name, parent = path
    parent_couple = getattr(parent, COUPLE_OWNED[parent][0][1])
    return (
        select(Couple.id, Couple.counselor_id)
        .join(parent, parent_couple == Couple.id)
        .join(cls, getattr(cls, name) == parent.id)
    )


def _raise(session: Session, couple_ids: Iterable[int], counselor_ids: Iterable[int]) -> None:
    couple_ids = {c for c in couple_ids if c is not None}
    counselor_ids = {c for c in counselor_ids if c is not None}
    if not couple_ids and not counselor_ids:
        return
    session.info.setdefault(TOUCHED_KEY, set()).update(couple_ids)
    skip = {_SKIP: True}
    if couple_ids:
        # RETURNING hands back each couple's counselor: no second statement on every write.
        counselor_ids |= set(
            session.scalars(
                update(Couple)
                .where(Couple.id.in_(couple_ids))
                .values(revision=Couple.revision + 1)
                .returning(Couple.counselor_id)
                .execution_options(synchronize_session=False),
                execution_options=skip,
            )
        )
    session.execute(
        update(Counselor)
        .where(Counselor.id.in_(counselor_ids))
        .values(caseload_revision=Counselor.caseload_revision + 1)
        .execution_options(synchronize_session=False),
        execution_options=skip,
    )
    for row in session.identity_map.values():
        if isinstance(row, Couple) and row.id in couple_ids:
            session.expire(row, ["revision"])


def touched_couples(session: Session) -> set[int]:
    """The couples whose revision this session raised, and those it created, since the last
    call (and forgets them); call it after a flush, when new couples have their ids."""
    created = {row.id for row in session.info.pop(NEW_COUPLES_KEY, []) if row.id is not None}
    return session.info.pop(TOUCHED_KEY, set()) | created

"""Units of work opened for reading: they cannot commit, and on PostgreSQL open no transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.couple_parts import shown_record
from trustcare.models import AuditEvent
from trustcare.persistence.uow import CounselorWork, ReadOnlyWork
from trustcare.services import couples


def autocommit(uow) -> bool | None:
    """Whether the driver's connection runs each statement on its own (PostgreSQL only; this
    test of the persistence layer looks inside the unit of work on purpose)."""
    if uow.dialect != "postgresql":
        return None
    return uow._session.connection().connection.driver_connection.autocommit


def test_a_read_only_unit_of_work_reads_but_refuses_to_commit(practice):
    with CounselorWork(practice.factory, practice.admin, read_only=True) as uow:
        caseload = couples.list_caseload(uow)
        with pytest.raises(ReadOnlyWork):
            shown_record(uow, practice.admins_couple)  # audits the first view
    assert [row.label for row in caseload.rows] == ["Rivera"]
    with practice.factory() as session:
        views = session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "couple.view")
        )
    assert views == 0


def test_reads_open_no_transaction_and_the_next_unit_of_work_has_one_again(practice):
    """On PostgreSQL a read-only unit of work runs in autocommit; the pooled connection goes
    back to transactions for the next, writing unit of work, which still rolls back whole."""
    with CounselorWork(practice.factory, practice.admin, read_only=True) as uow:
        in_read = autocommit(uow)
    with (
        pytest.raises(RuntimeError, match="before the commit"),
        CounselorWork(practice.factory, practice.admin) as uow,
    ):
        in_write = autocommit(uow)
        uow.record("couple.view", "couple", 424242)
        uow.flush()
        raise RuntimeError("an error before the commit")
    with practice.factory() as session:
        written = session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.record_id == 424242)
        )
    assert written == 0
    if in_read is not None:
        assert (in_read, in_write) == (True, False)

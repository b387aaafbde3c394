"""The audit trail as an admin reads it: filters, the practice's own events only, CSV export."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa
from sqlalchemy import event, select

from trustcare.audit_actions import UnknownAuditAction
from trustcare.models import AuditEvent, Practice
from trustcare.services import audit


def _event(session, practice_id, action, at, actor_id=None, record_id=None, **detail):
    session.add(
        AuditEvent(
            practice_id=practice_id,
            actor_kind="counselor" if actor_id else "system",
            actor_id=actor_id,
            action=action,
            record_type="couple",
            record_id=record_id,
            at=at,
            detail=detail,
        )
    )


@pytest.fixture
def history(practice):
    """Harbor's events on three fictional days in March 2011, and one of another practice."""
    ada, ben = practice.admin.counselor_id, practice.counselor.counselor_id
    day = dt.datetime(2011, 3, 1, 9, 30, tzinfo=dt.UTC)
    with practice.factory() as session:
        other = Practice(name="Elsewhere Counseling", settings={})
        session.add(other)
        session.flush()
        _event(session, practice.admin.practice_id, "couple.view", day, ada, 11)
        _event(
            session, practice.admin.practice_id, "couple.view", day + dt.timedelta(days=1), ben, 12
        )
        _event(
            session,
            practice.admin.practice_id,
            "couple.status",
            day + dt.timedelta(days=2),
            ben,
            12,
        )
        _event(session, other.id, "couple.view", day, None, 99, secret="other practice")
        session.commit()
    return practice


def _shown(history, **filters) -> pd.DataFrame:
    with history.work(history.admin) as uow:
        return audit.audit_events(uow, audit.AuditFilter(**filters)).events.to_pandas()


def test_the_trail_shows_newest_first_with_names_for_counselors(history):
    events = _shown(history, start=dt.date(2011, 3, 1), end=dt.date(2011, 3, 31))
    assert list(events["Action"]) == ["couple.status", "couple.view", "couple.view"]
    assert list(events["Actor"]) == ["Ben Imaginary", "Ben Imaginary", "Ada Fictional"]


def test_the_date_range_includes_both_end_days(history):
    events = _shown(history, start=dt.date(2011, 3, 2), end=dt.date(2011, 3, 2))
    assert list(events["Record id"]) == [12]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"action": "couple.status"}, 1),
        ({"record_type": "couple", "record_id": 12}, 2),
        ({"record_type": "counselor"}, 0),
    ],
)
def test_filters_narrow_the_trail(history, filters, expected):
    events = _shown(history, start=dt.date(2011, 3, 1), end=dt.date(2011, 3, 31), **filters)
    assert len(events) == expected


def test_filtering_by_actor_shows_only_that_counselors_events(history):
    events = _shown(history, actor_id=history.counselor.counselor_id)
    assert set(events["Actor"]) == {"Ben Imaginary"}
    assert len(events) >= 2


def test_another_practices_events_never_appear(history):
    events = _shown(history)
    assert 99 not in set(events["Record id"].dropna())
    assert "other practice" not in " ".join(events["Detail"])


def test_the_choices_list_this_practices_counselors_actions_and_record_types(history):
    with history.work(history.admin) as uow:
        choices = audit.audit_choices(uow)
    assert list(choices.actors.values()) == ["Ada Fictional", "Ben Imaginary"]
    assert {"couple.view", "couple.status", "practice.create"} <= set(choices.actions)
    assert "couple" in choices.record_types


def test_the_csv_export_has_every_matching_event_and_is_itself_audited(history):
    with history.work(history.admin) as uow:
        text = audit.export_audit_csv(uow, audit.AuditFilter(action="couple.view"))
    exported = pd.read_csv(io.StringIO(text))
    assert list(exported.columns) == audit.COLUMNS
    assert list(exported["Record id"]) == [12, 11]
    assert list(exported["When (UTC)"]) == ["2011-03-02 09:30:00", "2011-03-01 09:30:00"]
    assert list(_shown(history, action="audit.export")["Detail"]) == [
        '{"filters": {"action": "couple.view"}, "rows": 2}'
    ]


def test_a_detail_that_starts_like_a_formula_is_quoted_in_the_export(history):
    with history.factory() as session:
        _event(
            session,
            history.admin.practice_id,
            "=SUM(A1:A9)",
            dt.datetime(2011, 3, 5, tzinfo=dt.UTC),
            history.admin.counselor_id,
        )
        session.commit()
    with history.work(history.admin) as uow:
        text = audit.export_audit_csv(
            uow, audit.AuditFilter(start=dt.date(2011, 3, 5), end=dt.date(2011, 3, 5))
        )
    exported = pd.read_csv(io.StringIO(text))
    assert list(exported["Action"]) == ["'=SUM(A1:A9)"]


def test_writing_an_action_outside_the_vocabulary_is_refused_and_stores_nothing(practice):
    with practice.work(practice.admin) as uow, pytest.raises(UnknownAuditAction):
        uow.record("couple.teleport", "couple", practice.admins_couple)
        uow.commit()
    with practice.factory() as session:
        written = set(session.scalars(select(AuditEvent.action)))
    assert "couple.teleport" not in written


def test_the_filters_offer_actions_that_have_not_happened_yet(practice):
    with practice.work(practice.admin) as uow:
        choices = audit.audit_choices(uow)
        page = audit.audit_events(uow, audit.AuditFilter(action="couple.break_glass"))
    assert choices.actions["couple.break_glass"] == "an admin read a record (break-glass)"
    assert "assignment" in choices.record_types
    assert page.events.num_rows == 0 and page.older is None


def _many_events(practice, count: int, same_time_every: int = 7) -> None:
    """`count` events a minute apart, except that runs of them share one time to the second."""
    first = dt.datetime(2011, 4, 1, 8, 0, tzinfo=dt.UTC)
    with practice.factory() as session:
        for number in range(count):
            at = first + dt.timedelta(minutes=number // same_time_every)
            _event(
                session, practice.admin.practice_id, "couple.view", at, practice.admin.counselor_id
            )
        session.commit()


def _pages(history, filters: audit.AuditFilter) -> list[pa.Table]:
    pages, before = [], None
    while True:
        with history.work(history.admin) as uow:
            page = audit.audit_events(uow, filters, before)
        pages.append(page.events)
        if page.older is None:
            return pages
        before = page.older


def test_paging_older_walks_the_whole_trail_newest_first_without_gaps_or_repeats(practice):
    _many_events(practice, 2 * audit.PAGE_SIZE + 5)
    april = audit.AuditFilter(start=dt.date(2011, 4, 1), end=dt.date(2011, 4, 30))
    pages = _pages(practice, april)
    assert [page.num_rows for page in pages] == [audit.PAGE_SIZE, audit.PAGE_SIZE, 5]
    with practice.work(practice.admin) as uow:
        everything = pd.read_csv(io.StringIO(audit.export_audit_csv(uow, april)))
    walked = pa.concat_tables(pages).to_pandas()
    assert len(everything) == len(walked) == 2 * audit.PAGE_SIZE + 5
    assert walked["When (UTC)"].is_monotonic_decreasing
    assert list(walked["When (UTC)"].dt.strftime("%Y-%m-%d %H:%M:%S")) == list(
        everything["When (UTC)"]
    )


def test_a_page_of_the_trail_takes_the_same_statements_however_long_the_trail(
    practice, count_statements
):
    def first_and_second_page():
        with practice.work(practice.admin) as uow:
            audit.audit_choices(uow)
            page = audit.audit_events(uow, audit.AuditFilter())
            audit.audit_events(uow, audit.AuditFilter(), page.older)

    _many_events(practice, audit.PAGE_SIZE + 1)
    short = count_statements(first_and_second_page)
    _many_events(practice, 5 * audit.PAGE_SIZE)
    assert count_statements(first_and_second_page) == short


FILTERS_AND_INDEXES = {
    "dates": ({}, "ix_audit_event_practice_at"),
    "action": ({"action": "couple.status"}, "ix_audit_event_practice_action_at"),
    "record type": ({"record_type": "practice"}, "ix_audit_event_practice_record_type_at"),
    "record": ({"record_type": "couple", "record_id": 12}, "ix_audit_event_record"),
    "actor": ({"actor_id": 1}, "ix_audit_event_practice_actor_at"),
}


@pytest.mark.parametrize("name", sorted(FILTERS_AND_INDEXES))
def test_every_filter_reads_its_page_along_an_index_in_time_order(practice, engine, name):
    """SQLite's plan; a rare action or actor is then found without reading the whole trail."""
    if engine.dialect.name != "sqlite":
        pytest.skip("query plans are compared on SQLite")
    filters, index = FILTERS_AND_INDEXES[name]
    sent = []

    def listener(_connection, _cursor, statement, parameters, *_rest):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        with practice.work(practice.admin) as uow:
            audit.audit_events(
                uow,
                audit.AuditFilter(start=dt.date(2011, 3, 1), end=dt.date(2011, 3, 31), **filters),
            )
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    statement, parameters = sent[-1]
    with engine.connect() as connection:
        plan = " | ".join(
            row[-1]
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        )
    assert f"audit_event USING INDEX {index} " in plan
    assert "TEMP B-TREE" not in plan


@pytest.mark.parametrize("record_id", [2**31, 2**53 - 1, -(2**40)])
def test_a_record_id_beyond_any_row_id_matches_nothing_instead_of_failing(history, record_id):
    """PostgreSQL refused an id past its Integer range, and the page showed the error."""
    assert _shown(history, record_type="couple", record_id=record_id).empty
    assert _shown(history, record_id=12).shape[0] == 2


def test_details_show_as_stored_with_sorted_keys_and_letters_unescaped(history):
    """New details are stored in the form shown; one written the old way still shows whole."""
    at = dt.datetime(2011, 4, 1, 9, 30, tzinfo=dt.UTC)
    old_form = sa.literal('{"z": 1, "a": "Zo\\u00eb"}', sa.Text)
    with history.factory() as session:
        _event(session, history.admin.practice_id, "couple.view", at, record_id=31, z=1, a="Zoë")
        session.commit()
        if session.get_bind().dialect.name != "sqlite":
            old_form = sa.cast(old_form, sa.JSON)  # SQLite keeps JSON as the text given
        session.execute(
            AuditEvent.__table__.insert().values(
                practice_id=history.admin.practice_id,
                actor_kind="system",
                action="couple.view",
                record_type="couple",
                record_id=32,
                at=at + dt.timedelta(hours=1),
                detail=old_form,
            )
        )
        session.commit()
    shown = _shown(history, start=dt.date(2011, 4, 1), end=dt.date(2011, 4, 1))
    assert list(shown["Detail"]) == ['{"z": 1, "a": "Zo\\u00eb"}', '{"a": "Zoë", "z": 1}']

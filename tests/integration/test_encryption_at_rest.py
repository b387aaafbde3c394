"""Clinical text at rest: the database file and a dump hold none of the demo's notes,
a wrong or missing key refuses to start, rotation round-trips, the migration encrypts rows."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner

from tests.conftest import POSTGRES_URL, TEST_ENCRYPTION_KEY
from trustcare.cli import main
from trustcare.context import build_context
from trustcare.db import DatabaseError, alembic_config, make_engine, make_session_factory
from trustcare.encryption import clear_keys, configure_keys, generate_key
from trustcare.models import (
    AlertAcknowledgement,
    CheckIn,
    CounselingSession,
    Counselor,
    Partner,
)
from trustcare.persistence.uow import unscoped_work
from trustcare.services import demo
from trustcare.settings import Settings, SettingsError

CONTACT = "fictional.partner@encrypted.example"


def _seed(factory) -> list[str]:
    """The demo practice, one partner's contact; returns clinical strings read through the app."""
    demo.seed_demo(partial(unscoped_work, factory))
    with factory() as session:
        partner = session.scalars(sa.select(Partner).order_by(Partner.id).limit(1)).one()
        partner.contact = CONTACT
        session.commit()
        notes = session.scalars(
            sa.select(CounselingSession.notes).where(CounselingSession.notes != "").limit(3)
        ).all()
        reflections = session.scalars(
            sa.select(CheckIn.reflection).where(CheckIn.reflection != "").limit(3)
        ).all()
        contacts = session.scalars(sa.select(Partner.contact).where(Partner.contact.is_not(None)))
        found = [*notes, *reflections, *contacts]
    assert set(notes) <= set(demo.SESSION_NOTES) and notes
    assert set(reflections) <= set(demo.REFLECTIONS) and reflections
    assert CONTACT in found
    return found


def _stored_bytes(engine: sa.Engine) -> bytes:
    """What a copy of the database holds: the SQLite file (and its WAL) or a pg_dump."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        path = Path(url.database)
        return b"".join(
            candidate.read_bytes()
            for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
            if candidate.is_file()
        )
    pg_dump = shutil.which("pg_dump") or "/usr/bin/pg_dump"
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(
        [pg_dump, "--data-only", libpq_url], check=True, capture_output=True
    ).stdout


def test_the_database_file_and_a_dump_hold_no_clinical_text(engine, factory):
    clinical = _seed(factory)
    stored = _stored_bytes(engine)
    assert b"Riverside Couples Practice" in stored, "the copy is readable where it is plain"
    for text in clinical:
        assert text.encode("utf-8") not in stored
    for text in (*demo.SESSION_NOTES, *demo.REFLECTIONS):
        if text:
            assert text.encode("utf-8") not in stored


def _settings(url: str, *keys: str, environment: str = "development") -> Settings:
    return Settings(
        database_url=url,
        secret_key="fictional test secret key",
        environment=environment,
        encryption_keys=keys,
    )


def test_build_context_refuses_a_key_that_does_not_match_the_data(engine):
    url = engine.url.render_as_string(hide_password=False)
    build_context(_settings(url, TEST_ENCRYPTION_KEY)).engine.dispose()
    with pytest.raises(DatabaseError, match="does not match the data"):
        build_context(_settings(url, generate_key()))
    # The old key listed after a new one still opens it.
    build_context(_settings(url, generate_key(), TEST_ENCRYPTION_KEY)).engine.dispose()


def test_build_context_refuses_to_start_without_a_key_naming_the_setting(engine):
    clear_keys()
    url = engine.url.render_as_string(hide_password=False)
    with pytest.raises(SettingsError, match="TRUSTCARE_ENCRYPTION_KEY"):
        build_context(_settings(url, environment="production"))


def test_keys_rotate_re_encrypts_everything_under_the_new_key(
    engine, factory, tmp_path, monkeypatch
):
    clinical = _seed(factory)
    with factory() as session:
        session.add(
            AlertAcknowledgement(
                couple_id=session.scalars(sa.select(CheckIn.couple_id).limit(1)).one(),
                alert_key="fictional-alert",
                acknowledged_by=session.scalars(sa.select(Counselor.id).limit(1)).one(),
                note="Fictional: called them back the same day.",
            )
        )
        session.commit()
    new = generate_key()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("", encoding="utf-8")
    monkeypatch.setenv("TRUSTCARE_SECRETS_FILE", str(secrets))
    monkeypatch.setenv("TRUSTCARE_ENCRYPTION_KEY", f"{new},{TEST_ENCRYPTION_KEY}")
    url = engine.url.render_as_string(hide_password=False)
    arguments = ["keys", "rotate", "--database-url", url, "--batch-rows", "7"]

    first = CliRunner().invoke(main, arguments)
    assert first.exit_code == 0, first.output
    assert "counseling_session.notes: " in first.output
    assert "done: 0 value(s)" not in first.output
    again = CliRunner().invoke(main, arguments)
    assert again.exit_code == 0, again.output
    assert "done: 0 value(s) re-encrypted" in again.output, "a rerun finds nothing left"

    configure_keys([new])
    with factory() as session:
        notes = session.scalars(sa.select(CounselingSession.notes)).all()
        contacts = session.scalars(sa.select(Partner.contact)).all()
        acknowledgement = session.scalars(sa.select(AlertAcknowledgement.note)).one()
        answers = session.scalars(sa.select(CheckIn.answers).limit(1)).one()
    assert {text for text in clinical if text in notes} <= set(notes)
    assert CONTACT in contacts
    assert acknowledgement.startswith("Fictional: called")
    assert isinstance(answers, dict) and answers
    build_context(_settings(url, new)).engine.dispose()


def _fresh_url(tmp_path, request) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'at-0010.db'}"
    from tests.conftest import _drop_postgres_database, _fresh_postgres_database

    url, admin = _fresh_postgres_database(POSTGRES_URL)
    request.addfinalizer(lambda: _drop_postgres_database(admin, url))
    return url


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def database_at_0010(request, tmp_path):
    url = _fresh_url(tmp_path, request)
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0010")
    yield engine
    engine.dispose()


def _filler(column: sa.Column):
    """A value for a required column the test does not care about."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)
    if isinstance(kind, sa.Date):
        return dt.date(2026, 1, 5)
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.Integer | sa.Float | sa.Numeric):
        return 1
    return "x"


def _insert(connection, tables, table_name: str, **values) -> None:
    table = tables[table_name]
    row = {
        column.name: _filler(column)
        for column in table.columns
        if not column.nullable and column.server_default is None and not column.primary_key
    }
    connection.execute(table.insert().values({**row, **values}))


def test_the_migration_encrypts_existing_rows_in_place_and_downgrade_decrypts(database_at_0010):
    engine = database_at_0010
    tables = sa.MetaData()
    tables.reflect(engine)
    tables = tables.tables
    note = "Fictional: a plain note written before encryption."
    reflection = "Fictional: a plain reflection written before encryption."
    with engine.begin() as connection:
        _insert(connection, tables, "practice", id=1, name="Plain Practice")
        _insert(
            connection,
            tables,
            "counselor",
            id=1,
            practice_id=1,
            email="a@plain.example",
            role="counselor",
        )
        _insert(connection, tables, "couple", id=1, practice_id=1, counselor_id=1, status="active")
        _insert(connection, tables, "partner", id=1, couple_id=1, position=1, contact=CONTACT)
        _insert(connection, tables, "counseling_session", id=1, couple_id=1, number=1, notes=note)
        _insert(
            connection,
            tables,
            "checkin",
            id=1,
            couple_id=1,
            partner_id=1,
            answers={"q1": 4, "safety": 1},
            reflection=reflection,
            safety_flag=True,
            idempotency_key="k1",
        )
        _insert(
            connection, tables, "checkin", id=2, couple_id=1, partner_id=1, idempotency_key="k2"
        )

    # To 0011 only: this test is about this migration's round trip, not the later ones'.
    command.upgrade(alembic_config(engine), "0011")
    raw = {
        "notes": "SELECT notes FROM counseling_session",
        "contact": "SELECT contact FROM partner",
        "reflection": "SELECT reflection FROM checkin WHERE id = 1",
        "answers": "SELECT answers FROM checkin WHERE id = 1",
        "safety": "SELECT safety_flag FROM checkin WHERE id = 1",
    }
    with engine.connect() as connection:
        stored = {name: connection.exec_driver_sql(sql).scalar() for name, sql in raw.items()}
    assert all(str(value).startswith("gAAAA") for value in stored.values()), stored
    with make_session_factory(engine)() as session:
        # Only the columns this revision has: later migrations add more to the model.
        first, second = session.execute(
            sa.select(CheckIn.reflection, CheckIn.answers, CheckIn.safety_flag).order_by(
                CheckIn.id
            )
        ).all()
        assert session.scalars(sa.select(CounselingSession.notes)).one() == note
        assert session.scalars(sa.select(Partner.contact)).one() == CONTACT
    assert (first.reflection, first.answers, first.safety_flag) == (
        reflection,
        {"q1": 4, "safety": 1},
        True,
    )
    assert second.safety_flag is None, "an unanswered safety question stays unanswered"

    command.downgrade(alembic_config(engine), "0010")
    with engine.connect() as connection:
        assert connection.exec_driver_sql(raw["notes"]).scalar() == note
        assert connection.exec_driver_sql(raw["contact"]).scalar() == CONTACT
        assert connection.exec_driver_sql(raw["reflection"]).scalar() == reflection
        assert bool(connection.exec_driver_sql(raw["safety"]).scalar()) is True
    plain = sa.MetaData()
    plain.reflect(engine)
    with engine.connect() as connection:
        answers = connection.execute(
            sa.select(plain.tables["checkin"].c.answers).where(plain.tables["checkin"].c.id == 1)
        ).scalar()
    if isinstance(answers, str):
        answers = json.loads(answers)
    assert answers == {"q1": 4, "safety": 1}

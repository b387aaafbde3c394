"""The migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from trustcare.db import DatabaseError, head_revision, make_engine, upgrade
from trustcare.models import Base


def test_models_and_migrations_agree(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_is_idempotent_and_reaches_head(engine):
    upgrade(engine)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == head_revision(engine)


def test_a_database_from_a_newer_trustcare_is_refused(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'newer.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(DatabaseError, match="newer than this TrustCare knows"):
        upgrade(engine)


def test_a_database_path_that_cannot_be_opened_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(DatabaseError, match="cannot create the database folder"):
        make_engine(f"sqlite:///{blocker / 'sub' / 'trustcare.db'}")


def test_a_database_file_that_is_not_sqlite_gives_a_clear_error(tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not an SQLite database" * 100)
    with pytest.raises(DatabaseError, match="cannot open the database"):
        upgrade(make_engine(f"sqlite:///{garbage}"))


def test_a_malformed_database_url_gives_a_clear_error():
    with pytest.raises(DatabaseError, match="database URL is not valid"):
        make_engine("no such scheme")

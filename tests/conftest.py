"""Shared fixtures: a migrated database on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from trustcare.db import make_engine, make_session_factory, upgrade
from trustcare.models import Base

POSTGRES_URL = os.environ.get("TRUSTCARE_TEST_DATABASE_URL", "")


def _fresh_postgres_database(base_url: str) -> tuple[str, Engine]:
    """A new, empty database on the test server, so tests never share tables with anything."""
    url = make_url(base_url)
    name = f"trustcare_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), admin


def _drop_postgres_database(admin: Engine, url: str) -> None:
    name = make_url(url).database
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Cheap argon2 parameters inside tests only; production keeps argon2-cffi's defaults.

    Every fixture creates accounts, and the default cost (64 MiB, 3 passes) per hash would
    spend most of the suite's time hashing. test_passwords_use_argon2_defaults guards the
    real parameters.
    """
    from argon2 import PasswordHasher

    from trustcare import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


# A fixed, fictional Fernet key for every test: the databases a session shares are written
# under it, and the app reads it from the environment like a real install would.
TEST_ENCRYPTION_KEY = "dGVzdC1vbmx5LWtleS1mb3ItdHJ1c3RjYXJlLXRlc3Q="


@pytest.fixture(scope="session", autouse=True)
def encryption_key_for_the_session() -> Iterator[None]:
    """Configured before the session's databases are migrated (their canary is under it)."""
    from trustcare.encryption import configure_keys

    saved = os.environ.get("TRUSTCARE_ENCRYPTION_KEY")
    os.environ["TRUSTCARE_ENCRYPTION_KEY"] = TEST_ENCRYPTION_KEY
    configure_keys([TEST_ENCRYPTION_KEY])
    yield
    if saved is None:
        os.environ.pop("TRUSTCARE_ENCRYPTION_KEY", None)
    else:
        os.environ["TRUSTCARE_ENCRYPTION_KEY"] = saved


@pytest.fixture(autouse=True)
def encryption_key(monkeypatch, encryption_key_for_the_session) -> Iterator[None]:
    """Every test starts and ends with the test key, whatever it configured meanwhile (a
    session database migrated after it is then written under the test key too)."""
    from trustcare.encryption import configure_keys

    monkeypatch.setenv("TRUSTCARE_ENCRYPTION_KEY", TEST_ENCRYPTION_KEY)
    configure_keys([TEST_ENCRYPTION_KEY])
    yield
    configure_keys([TEST_ENCRYPTION_KEY])


BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_url(request, tmp_path_factory) -> Iterator[str]:
    """A database URL with the schema built by the migrations, once per backend and run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'trustcare.db'}"
        upgrade(make_engine(url))
        yield url
        return
    url, admin = _fresh_postgres_database(POSTGRES_URL)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    _drop_postgres_database(admin, url)


@pytest.fixture(autouse=True)
def nothing_derived_is_kept_between_tests():
    """Tests reuse one database file and its row ids; what one test derived must not serve
    the next (in production a couple's creation time and revision keep keys apart)."""
    from trustcare.services.derived import derived

    derived.clear()
    yield
    derived.clear()


@pytest.fixture
def engine(migrated_url) -> Iterator[Engine]:
    """An engine on the migrated database; every table is emptied after the test."""
    engine = make_engine(migrated_url)
    yield engine
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def factory(engine):
    """A session factory on the test database."""
    return make_session_factory(engine)


@pytest.fixture
def blns() -> list[str]:
    """The Big List of Naughty Strings (MIT; copied from shared/data/blns with its licence)."""
    path = Path(__file__).resolve().parent / "data" / "blns.json"
    return json.loads(path.read_text(encoding="utf-8"))

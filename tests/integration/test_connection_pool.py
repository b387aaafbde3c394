"""PostgreSQL connections in the pool: tested on checkout only after sitting idle."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests.conftest import POSTGRES_URL
from trustcare import db

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs TRUSTCARE_TEST_DATABASE_URL (CI sets it)"
)


@pytest.fixture
def engine_and_admin():
    admin = db.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    engine = db.make_engine(POSTGRES_URL)
    yield engine, admin
    engine.dispose()
    admin.dispose()


def backend_of(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def kill(admin, backend: int) -> None:
    """End a server process, as a restart would, and wait until it is gone."""
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": backend})
        alive = connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend}
        ).scalar_one()
    assert alive == 0


def test_a_connection_that_broke_while_idle_is_replaced_without_an_error(
    engine_and_admin, monkeypatch
):
    engine, admin = engine_and_admin
    broken = backend_of(engine)
    kill(admin, broken)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    assert backend_of(engine) != broken


def test_a_connection_used_moments_ago_is_not_pinged_and_a_break_costs_one_request(
    engine_and_admin, monkeypatch
):
    """No round trip on a busy pool's checkouts; the request that meets a broken connection
    fails, and SQLAlchemy replaces the pool for the next one."""
    engine, admin = engine_and_admin
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 3600.0)
    broken = backend_of(engine)
    kill(admin, broken)
    with pytest.raises(OperationalError):
        backend_of(engine)
    assert backend_of(engine) != broken

"""Several processes starting on one empty database at once each upgrade it, and all succeed.

A server's first page run and its reminder thread, two replicas starting together, or a browser
test and the server it started all call `upgrade` at the same moment; without one upgrade at a
time they both find the schema old and both add the same column ("duplicate column name",
"table ... already exists").
"""

from __future__ import annotations

import multiprocessing
import os

import pytest

from tests.conftest import POSTGRES_URL, _drop_postgres_database, _fresh_postgres_database
from trustcare.db import current_revision, head_revision, make_engine, upgrade

UPGRADERS = 4


def _upgrade_when_released(url: str, start, results) -> None:
    """One starting process: wait for the others, then upgrade."""
    engine = make_engine(url)
    start.wait()
    try:
        upgrade(engine)
    except Exception as error:  # reported to the test, which names it
        results.put(f"{type(error).__name__}: {error}")
    else:
        results.put("ok")
    finally:
        engine.dispose()


def _upgrade_all_at_once(url: str) -> list[str]:
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(UPGRADERS)
    results = spawn.Queue()
    processes = [
        spawn.Process(target=_upgrade_when_released, args=(url, start, results))
        for _ in range(UPGRADERS)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    return outcomes


def test_processes_upgrading_one_new_sqlite_file_together_all_succeed(tmp_path):
    url = f"sqlite:///{tmp_path / 'starting.db'}"

    outcomes = _upgrade_all_at_once(url)

    assert outcomes == ["ok"] * UPGRADERS
    engine = make_engine(url)
    assert current_revision(engine) == head_revision(engine)
    engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="TRUSTCARE_TEST_DATABASE_URL is not set")
def test_processes_upgrading_one_new_postgres_database_together_all_succeed():
    url, admin = _fresh_postgres_database(POSTGRES_URL)
    try:
        outcomes = _upgrade_all_at_once(url)

        assert outcomes == ["ok"] * UPGRADERS
        engine = make_engine(url)
        assert current_revision(engine) == head_revision(engine)
        engine.dispose()
    finally:
        _drop_postgres_database(admin, url)


def test_an_upgrade_leaves_its_lock_file_beside_the_database_only(tmp_path):
    """The SQLite lock is a file next to the database, so nothing else in the folder changes."""
    engine = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    upgrade(engine)
    engine.dispose()

    assert sorted(os.listdir(tmp_path)) == ["one.db", "one.db.upgrade-lock"]

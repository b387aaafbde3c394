"""The embedded SQLite file holds clinical notes: only its owner may read it."""

from __future__ import annotations

import stat

from trustcare import db


def test_a_new_sqlite_database_and_its_folder_are_readable_by_their_owner_only(tmp_path):
    path = tmp_path / "var" / "nested" / "trustcare.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for sidecar in path.parent.glob("trustcare.db-*"):
        assert stat.S_IMODE(sidecar.stat().st_mode) == 0o600

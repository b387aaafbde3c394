"""`trustcare backup` and `trustcare restore` round-trip the demo practice table by table, on
SQLite and (with TRUSTCARE_TEST_DATABASE_URL) PostgreSQL; the backup holds no clinical text,
and a non-empty database, a wrong key, an altered file and a missing pg_dump are refused."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.conftest import (
    POSTGRES_URL,
    TEST_ENCRYPTION_KEY,
    _drop_postgres_database,
    _fresh_postgres_database,
)
from trustcare import backup
from trustcare.cli import main
from trustcare.db import head_revision, make_engine
from trustcare.encryption import generate_key
from trustcare.models import Base, Couple
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services import accounts, demo


@pytest.fixture
def empty_url(engine, tmp_path) -> Iterator[str]:
    """A new, empty database of the test database's kind to restore into."""
    if engine.url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    url, admin = _fresh_postgres_database(POSTGRES_URL)
    yield url
    _drop_postgres_database(admin, url)


@pytest.fixture
def run(tmp_path, monkeypatch):
    """The trustcare command with the test key and no secrets file of the checkout."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("", encoding="utf-8")
    monkeypatch.setenv("TRUSTCARE_SECRETS_FILE", str(secrets))
    monkeypatch.setenv("TRUSTCARE_VAR_DIR", str(tmp_path / "var"))

    def invoke(*arguments: str):
        return CliRunner().invoke(main, list(arguments))

    return invoke


def _url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _demo_notes(factory) -> list[str]:
    """The demo practice, and the session notes its counselor reads through the app."""
    demo.seed_demo(partial(unscoped_work, factory))
    login = demo.DEMO_LOGINS[1]
    counselor = accounts.authenticate(partial(unscoped_work, factory), login.email, login.password)
    with factory() as session:
        couple_ids = session.scalars(
            sa.select(Couple.id).where(Couple.counselor_id == counselor.counselor_id)
        ).all()
    notes: list[str] = []
    with CounselorWork(factory, counselor) as uow:
        for couple_id in couple_ids:
            notes += [row.notes for row in uow.sessions.sessions_of(uow.couples.get(couple_id))]
    notes = [note for note in notes if note]
    assert notes and set(notes) <= set(demo.SESSION_NOTES)
    return notes


def _every_row(url: str) -> dict[str, list[tuple]]:
    """Every table of the models (plus the schema revision), rows in primary-key order."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        sa.select(table).order_by(*(table.primary_key.columns or table.columns))
                    )
                ]
                for table in Base.metadata.sorted_tables
            }
            rows["alembic_version"] = [
                tuple(row) for row in connection.exec_driver_sql("SELECT * FROM alembic_version")
            ]
        return rows
    finally:
        engine.dispose()


def test_a_backup_restores_the_demo_practice_table_by_table(
    engine, factory, empty_url, run, tmp_path
):
    notes = _demo_notes(factory)
    path = tmp_path / "practice.tcbackup"

    made = run("backup", "--database-url", _url(engine), str(path))
    assert made.exit_code == 0, made.output
    assert path.stat().st_mode & 0o077 == 0, "the backup is readable by its owner only"
    stored = path.read_bytes()
    assert stored.startswith(b"TRUSTCARE-BACKUP 1 ")
    for note in notes:
        assert note.encode("utf-8") not in stored
    for text in (*demo.SESSION_NOTES, *demo.REFLECTIONS, "Riverside Couples Practice"):
        if text:
            assert text.encode("utf-8") not in stored, "nothing in a backup is readable"

    restored = run("restore", "--database-url", empty_url, str(path))
    assert restored.exit_code == 0, restored.output
    assert "schema upgraded" in restored.output

    source, copy = _every_row(_url(engine)), _every_row(empty_url)
    assert set(copy) == set(source)
    for table, rows in source.items():
        assert copy[table] == rows, f"table {table} differs after the restore"
    assert sum(len(rows) for rows in source.values()) > 100, "the demo filled the tables"
    assert copy["alembic_version"] == [(head_revision(engine),)]

    restored_engine = make_engine(empty_url)
    try:
        assert set(backup.table_names(restored_engine)) == set(backup.table_names(engine))
    finally:
        restored_engine.dispose()


def test_restore_refuses_a_database_that_has_tables(engine, factory, run, tmp_path):
    demo.seed_demo(partial(unscoped_work, factory))
    path = tmp_path / "practice.tcbackup"
    assert run("backup", "--database-url", _url(engine), str(path)).exit_code == 0
    before = _every_row(_url(engine))

    refused = run("restore", "--database-url", _url(engine), str(path))
    assert refused.exit_code == 1
    assert "refusing to restore" in refused.output
    assert "already has" in refused.output and "empty database" in refused.output
    assert _every_row(_url(engine)) == before, "the database is left as it was"


def test_a_wrong_key_cannot_restore_and_leaves_the_database_empty(
    engine, factory, empty_url, run, tmp_path, monkeypatch
):
    demo.seed_demo(partial(unscoped_work, factory))
    path = tmp_path / "practice.tcbackup"
    assert run("backup", "--database-url", _url(engine), str(path)).exit_code == 0

    monkeypatch.setenv("TRUSTCARE_ENCRYPTION_KEY", generate_key())
    refused = run("restore", "--database-url", empty_url, str(path))
    assert refused.exit_code == 1
    assert "does not decrypt with the configured encryption keys" in refused.output
    target = make_engine(empty_url)
    try:
        assert backup.table_names(target) == []
    finally:
        target.dispose()

    # The old key listed after a new one (a rotation under way) still restores it.
    monkeypatch.setenv("TRUSTCARE_ENCRYPTION_KEY", f"{generate_key()},{TEST_ENCRYPTION_KEY}")
    assert run("restore", "--database-url", empty_url, str(path)).exit_code == 0


def test_a_cut_short_or_altered_backup_is_refused(engine, factory, empty_url, run, tmp_path):
    demo.seed_demo(partial(unscoped_work, factory))
    path = tmp_path / "practice.tcbackup"
    assert run("backup", "--database-url", _url(engine), str(path)).exit_code == 0
    whole = path.read_bytes()

    cut = tmp_path / "cut.tcbackup"
    cut.write_bytes(whole[: len(whole) // 2])
    refused = run("restore", "--database-url", empty_url, str(cut))
    assert refused.exit_code == 1 and "Error:" in refused.output

    other = tmp_path / "not-a-backup"
    other.write_bytes(b"SQLite format 3\x00")
    refused = run("restore", "--database-url", empty_url, str(other))
    assert refused.exit_code == 1 and "not a TrustCare backup" in refused.output


def test_backup_and_restore_of_a_chunked_dump_keep_order(tmp_path, monkeypatch):
    """Several chunks come back whole and in order; swapped chunks are refused."""
    monkeypatch.setattr(backup, "CHUNK_BYTES", 10)
    ring = backup.key_ring([TEST_ENCRYPTION_KEY])
    plain = bytes(range(256)) * 3
    source, sealed, opened = tmp_path / "plain", tmp_path / "sealed", tmp_path / "opened"
    source.write_bytes(plain)
    with source.open("rb") as reading, sealed.open("wb") as writing:
        backup._encrypt(reading, writing, "sqlite", ring)
    with sealed.open("rb") as reading, opened.open("wb") as writing:
        assert backup._decrypt(reading, writing, ring) == "sqlite"
    assert opened.read_bytes() == plain

    data = sealed.read_bytes()
    header_end = data.index(b"\n") + 1
    records, at = [], header_end
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        records.append(data[at : at + 4 + length])
        at += 4 + length
    records[0], records[1] = records[1], records[0]
    sealed.write_bytes(data[:header_end] + b"".join(records))
    with (
        sealed.open("rb") as reading,
        opened.open("wb") as writing,
        pytest.raises(backup.BackupError, match="out of order"),
    ):
        backup._decrypt(reading, writing, ring)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TRUSTCARE_TEST_DATABASE_URL")
def test_a_missing_pg_dump_is_said_with_its_own_exit_status(run, tmp_path, monkeypatch):
    url, admin = _fresh_postgres_database(POSTGRES_URL)
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    try:
        made = run("backup", "--database-url", url, str(tmp_path / "x.tcbackup"))
    finally:
        _drop_postgres_database(admin, url)
    assert made.exit_code == backup.TOOL_MISSING_EXIT
    assert "pg_dump is not on the PATH" in made.output
    assert not (tmp_path / "x.tcbackup").exists()


def test_backup_without_a_key_is_refused(tmp_path, monkeypatch, run):
    monkeypatch.delenv("TRUSTCARE_ENCRYPTION_KEY")
    monkeypatch.setenv("TRUSTCARE_ENV", "production")
    monkeypatch.setenv("TRUSTCARE_SECRET_KEY", "Zq8vN3xR7pL2wK9mT4yB6cH1jF5gD0sA")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    made = run("backup", "--database-url", url, str(tmp_path / "x.tcbackup"))
    assert made.exit_code == 1 and "TRUSTCARE_ENCRYPTION_KEY" in made.output

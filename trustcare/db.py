"""Engine, session factory and schema upgrades.

Nothing is built at import time: callers make an engine for a URL and a session factory for the
engine, so each test builds its own world (STYLE.md, example 7).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

# Its session events keep couple revisions on every write (imported for that effect).
import trustcare.revisions  # noqa: F401

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def json_text(value: object) -> str:
    """How JSON columns are written: readable as stored (keys sorted, no escaped letters), so
    the audit trail can show an event's detail without decoding and encoding it again."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class DatabaseError(Exception):
    """The database cannot be used as configured; the message says what to do."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers and the one writer overlap; SQLite leaves foreign keys off unless asked."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; an SQLite file's folder is created so the first run just works.

    hide_parameters keeps bound values (reflections, safety answers) out of error text and logs.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise DatabaseError(f"the database URL is not valid: {error}") from error
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            path = Path(database).expanduser().resolve()
            folder = path.parent
            try:
                # Owner-only: the file holds clinical notes; a new one is made before SQLite
                # opens it (its -wal and -shm files copy the file's mode).
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                if not path.exists():
                    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            except OSError as error:
                raise DatabaseError(
                    f"cannot create the database folder {folder}: {error.strerror}"
                ) from error
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            json_serializer=json_text,
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(
        url, pool_size=10, max_overflow=10, json_serializer=json_text, hide_parameters=True
    )
    _ping_after_idle(engine)
    return engine


# A pooled connection unused for this long is tested before it is handed out.
IDLE_PING_SECONDS = 10.0


def _ping_after_idle(engine: Engine) -> None:
    """Test a connection on checkout only when it sat idle in the pool, not on every click.

    SQLAlchemy's pool_pre_ping costs a round trip on every checkout, and a page run checks out
    a connection two or three times. A server restart (or an idle-connection timeout) breaks
    connections that then sit unused; those are tested and replaced here, which is the
    documented checkout-event recipe. A connection that breaks within the idle window fails
    one request, and SQLAlchemy then replaces the whole pool.
    """
    dbapi_error = engine.dialect.loaded_dbapi.Error

    @event.listens_for(engine, "checkin")
    def _remember_when(_dbapi_connection, record) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        checked_in = record.info.get("checked_in")
        if checked_in is None or time.monotonic() - checked_in < IDLE_PING_SECONDS:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except dbapi_error as error:
            log.warning("replacing a pooled database connection that stopped working")
            raise DisconnectionError() from error


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to this engine, so env.py never guesses a URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_schema_not_newer(engine: Engine) -> None:
    """Refuse a database written by a newer TrustCare instead of corrupting it."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    current = current_revision(engine)
    if current is not None and script.get_revision(current) is None:
        raise DatabaseError(
            f"the database schema ({current}) is newer than this TrustCare knows; "
            "upgrade TrustCare before opening it"
        )


_upgrading_here = threading.Lock()
# Any fixed number: the PostgreSQL advisory lock that one upgrade at a time holds.
UPGRADE_LOCK_KEY = 0x7C_0DB_0001


@contextmanager
def one_upgrade_at_a_time(engine: Engine) -> Iterator[None]:
    """Hold off every other upgrade of this database until ours is done: a server's first page
    run and its reminder thread, two replicas starting together or a test and its server would
    otherwise both find the schema old and both add the same column. In this process a lock; across
    processes a PostgreSQL advisory lock, or for a SQLite file a lock file beside it."""
    with _upgrading_here:
        if engine.dialect.name == "postgresql":
            with engine.connect() as holder:
                holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK_KEY})
                try:
                    yield
                finally:
                    holder.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK_KEY}
                    )
                    holder.commit()
            return
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:" or database.startswith("file:"):
            yield
            return
        with open(f"{database}.upgrade-lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (what `trustcare db upgrade` and start-up do)."""
    try:
        with one_upgrade_at_a_time(engine):
            check_schema_not_newer(engine)
            command.upgrade(alembic_config(engine), "head")
    except DBAPIError as error:
        raise DatabaseError(f"cannot open the database at {engine.url!r}: {error.orig}") from error
    except Exception as error:
        if isinstance(error, DatabaseError):
            raise
        if "Can't locate revision" in str(error):
            raise DatabaseError(
                "the database schema is newer than this TrustCare knows; "
                "upgrade TrustCare before opening it"
            ) from error
        raise

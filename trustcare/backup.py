"""`trustcare backup` and `trustcare restore`: the whole database in one file, encrypted with
the practice key.

A CLI-level tool, not a service: it copies the database below the models with the database's
own means (SQLite's online backup API; PostgreSQL's `pg_dump --format=custom` and
`pg_restore`), so every table, sequence and the schema revision come back as they were.

The file: one plain header line, `TRUSTCARE-BACKUP 1 <sqlite|postgresql>`, then records of a
4-byte big-endian length and a Fernet token (the key ring's newest key). Each token holds up to
1 MiB of the dump after its chunk number and a last-chunk flag, so a backup that was cut short,
had chunks reordered or was altered does not restore. Nothing in it is readable without a key
of the ring; the plain dump exists only in a private temporary folder while it is encrypted or
restored.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import Engine

from trustcare.encryption import EncryptionError, parse_keys

MAGIC = b"TRUSTCARE-BACKUP 1 "
KINDS = ("sqlite", "postgresql")
CHUNK_BYTES = 1 << 20
_LENGTH = struct.Struct(">I")
_CHUNK_HEAD = struct.Struct(">QB")
# Exit status of the commands when pg_dump or pg_restore is not installed (EX_UNAVAILABLE).
TOOL_MISSING_EXIT = 69


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why and what to do."""


class ToolMissing(BackupError):
    """pg_dump or pg_restore is not on the PATH."""


@dataclass(frozen=True)
class BackupSummary:
    kind: str
    dump_bytes: int
    file_bytes: int


def key_ring(keys: Sequence[str], setting: str = "TRUSTCARE_ENCRYPTION_KEY") -> MultiFernet:
    """The practice's key ring (newest first): the newest encrypts a backup, any decrypts one."""
    if not keys:
        raise BackupError(
            f"{setting} (or encryption_key_file) is unset: a backup is encrypted with the "
            "practice key, so it needs the key the app runs with"
        )
    try:
        return MultiFernet(list(parse_keys(keys, setting)))
    except EncryptionError as error:
        raise BackupError(str(error)) from error


def backend_kind(engine: Engine) -> str:
    kind = engine.url.get_backend_name()
    if kind not in KINDS:
        raise BackupError(
            f"cannot back up a {kind} database: TrustCare runs on SQLite or PostgreSQL"
        )
    return kind


def table_names(engine: Engine) -> list[str]:
    return sa.inspect(engine).get_table_names()


def backup(engine: Engine, path: Path, ring: MultiFernet) -> BackupSummary:
    """Dump the database into a private temporary file and write it to `path` encrypted; the
    file appears whole (written beside it, then renamed) and readable by its owner only."""
    kind = backend_kind(engine)
    with tempfile.TemporaryDirectory(prefix="trustcare-backup-") as folder:
        dump = Path(folder) / "dump"
        if kind == "sqlite":
            _dump_sqlite(engine, dump)
        else:
            _dump_postgres(engine, dump)
        partial = path.with_name(f".{path.name}.partial")
        try:
            with dump.open("rb") as source, _private_file(partial) as target:
                _encrypt(source, target, kind, ring)
            os.replace(partial, path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise BackupError(f"cannot write the backup {path}: {error.strerror}") from error
        return BackupSummary(kind, dump.stat().st_size, path.stat().st_size)


def restore(engine: Engine, path: Path, ring: MultiFernet) -> str:
    """Restore a backup into an empty database of the same kind; returns the kind. The whole
    file is decrypted (and so checked) before the database is touched."""
    kind = backend_kind(engine)
    existing = table_names(engine)
    if existing:
        where = engine.url.render_as_string(hide_password=True)
        raise BackupError(
            f"refusing to restore into {where}: it already has {len(existing)} table(s) "
            f"({', '.join(sorted(existing)[:5])}{', ...' if len(existing) > 5 else ''}); "
            "restore only into an empty database (a new SQLite file, or a PostgreSQL "
            "database made with createdb)"
        )
    with tempfile.TemporaryDirectory(prefix="trustcare-restore-") as folder:
        dump = Path(folder) / "dump"
        try:
            with path.open("rb") as source, _private_file(dump) as target:
                backed_up = _decrypt(source, target, ring)
        except OSError as error:
            raise BackupError(f"cannot read the backup {path}: {error.strerror}") from error
        if backed_up != kind:
            raise BackupError(
                f"{path} is a backup of a {backed_up} database and cannot be restored into "
                f"{kind}: give a {backed_up} database URL with --database-url"
            )
        if kind == "sqlite":
            _restore_sqlite(engine, dump)
        else:
            _restore_postgres(engine, dump)
    engine.dispose()
    return kind


def _private_file(path: Path) -> BinaryIO:
    return os.fdopen(os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600), "wb")


def _encrypt(source: BinaryIO, target: BinaryIO, kind: str, ring: MultiFernet) -> None:
    target.write(MAGIC + kind.encode("ascii") + b"\n")
    for index, (chunk, last) in enumerate(_chunks(source)):
        token = ring.encrypt(_CHUNK_HEAD.pack(index, last) + chunk)
        target.write(_LENGTH.pack(len(token)) + token)


def _chunks(source: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """The file in CHUNK_BYTES pieces, each told whether it is the last (an empty file is one
    empty last chunk)."""
    chunk = source.read(CHUNK_BYTES)
    while True:
        following = source.read(CHUNK_BYTES)
        yield chunk, not following
        if not following:
            return
        chunk = following


def _decrypt(source: BinaryIO, target: BinaryIO, ring: MultiFernet) -> str:
    header = source.readline(64)
    kind = header.removeprefix(MAGIC).rstrip(b"\n").decode("ascii", "replace")
    if not header.startswith(MAGIC) or not header.endswith(b"\n") or kind not in KINDS:
        raise BackupError("this is not a TrustCare backup (made by `trustcare backup`)")
    index = 0
    while True:
        length = source.read(_LENGTH.size)
        if len(length) < _LENGTH.size:
            raise BackupError("the backup is cut short: its last part is missing")
        token = source.read(_LENGTH.unpack(length)[0])
        try:
            plain = ring.decrypt(token)
        except InvalidToken as error:
            raise BackupError(
                "the backup does not decrypt with the configured encryption keys: it was made "
                "under another practice key (list that key in TRUSTCARE_ENCRYPTION_KEY), or "
                "the file was altered or cut short"
            ) from error
        number, last = _CHUNK_HEAD.unpack_from(plain)
        if number != index:
            raise BackupError("the backup's parts are out of order: the file was altered")
        target.write(plain[_CHUNK_HEAD.size :])
        if last:
            break
        index += 1
    if source.read(1):
        raise BackupError("the backup has data after its last part: the file was altered")
    return kind


def _dump_sqlite(engine: Engine, dump: Path) -> None:
    """SQLite's online backup API: a consistent copy while the app keeps writing."""
    raw = engine.raw_connection()
    try:
        copy = sqlite3.connect(dump)
        try:
            raw.driver_connection.backup(copy)
        finally:
            copy.close()
    except sqlite3.Error as error:
        raise BackupError(f"cannot copy the SQLite database: {error}") from error
    finally:
        raw.close()


def _restore_sqlite(engine: Engine, dump: Path) -> None:
    copy = sqlite3.connect(dump)
    try:
        check = copy.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise BackupError("the backup's SQLite database is damaged (quick_check failed)")
        raw = engine.raw_connection()
        try:
            copy.backup(raw.driver_connection)
        finally:
            raw.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"cannot restore the SQLite database: {error}") from error
    finally:
        copy.close()


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(
            f"{name} is not on the PATH: a PostgreSQL backup needs the PostgreSQL client tools "
            "of the server's major version or newer (Debian/Ubuntu: apt install "
            "postgresql-client; or run the command where they are installed)"
        )
    return found


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """The database as a libpq URL without its password, which goes in PGPASSWORD instead of
    on a command line that other users can list."""
    url = engine.url
    environ = dict(os.environ)
    if url.password is not None:
        environ["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environ


def _run(arguments: list[str], environ: dict[str, str], what: str) -> None:
    finished = subprocess.run(arguments, env=environ, capture_output=True, text=True)
    if finished.returncode != 0:
        raise BackupError(f"{what} failed (exit {finished.returncode}): {finished.stderr.strip()}")


def _dump_postgres(engine: Engine, dump: Path) -> None:
    pg_dump = _pg_tool("pg_dump")
    url, environ = _libpq(engine)
    _run([pg_dump, "--format=custom", f"--file={dump}", f"--dbname={url}"], environ, "pg_dump")


def _restore_postgres(engine: Engine, dump: Path) -> None:
    """All or nothing (one transaction); owners and grants are the target's own."""
    pg_restore = _pg_tool("pg_restore")
    url, environ = _libpq(engine)
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={url}",
            str(dump),
        ],
        environ,
        "pg_restore",
    )

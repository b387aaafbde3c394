"""The bench as a function: a fresh practice per size and database, every page timed on it.

Everything runs in this one process: the practice is built, the app is pointed at it through
the environment it reads (TRUSTCARE_DATABASE_URL and friends), and each page runs in AppTest
against it. The environment and Streamlit's resource cache are put back afterwards.
"""

from __future__ import annotations

import gc
import logging
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import streamlit as st
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import ArgumentError

from bench import DEFAULT_RUNS
from bench.pages import (
    EMPTY_SCRIPT,
    REFERENCE_SCRIPT,
    ScriptProfiler,
    navigation_mode,
    page_specs,
    script_app,
    shared_script_cache,
    time_page,
    time_script,
)
from bench.practice import build_practice
from bench.reminders import time_reminder_passes
from bench.submit import time_submits
from trustcare.catalog import get_catalog, shipped_content_dir
from trustcare.db import make_engine, make_session_factory, upgrade
from trustcare.encryption import configure_keys, generate_key
from trustcare.persistence.uow import unscoped_work
from trustcare.services.standings import refresh_stale_standings

SUBMITS = 50
REFERENCE_PAGES = ("empty", "reference")
REMINDER_PASS = "reminder pass"
APP_ENV = {
    "TRUSTCARE_ENV": "development",
    # Log lines to a terminal are not what is measured; warnings and errors still show.
    "TRUSTCARE_LOG_LEVEL": "WARNING",
    # One throwaway key for the bench's databases: the practice is built and read under it.
    "TRUSTCARE_ENCRYPTION_KEY": generate_key(),
}
CLEARED_ENV = ("TRUSTCARE_CONTENT_DIRS", "TRUSTCARE_BASE_URL", "TRUSTCARE_SECRET_KEY")


@dataclass(frozen=True)
class Result:
    """One line of the bench: a page (or a reference script) at one size on one database."""

    page: str
    couples: int
    database: str
    median_ms: float
    reference_ms: float | None = None
    ratio: float | None = None
    statements: int | None = None
    p95_ms: float | None = None
    statements_steady: bool = True
    first_ms: float | None = None
    runs_ms: tuple[float, ...] = field(default=(), repr=False)

    def as_json(self) -> dict:
        """The published shape: pages carry ratio and statements, the submit line p95."""
        if self.page == "submit":
            keys = ("page", "couples", "database", "median_ms", "p95_ms")
        elif self.page == REMINDER_PASS:
            keys = ("page", "couples", "database", "median_ms", "statements")
        else:
            keys = (
                *("page", "couples", "database", "median_ms"),
                *("reference_ms", "ratio", "statements"),
            )
        values = asdict(self)
        return {
            key: round(values[key], 2) if isinstance(values[key], float) else values[key]
            for key in keys
        }


@dataclass(frozen=True)
class Database:
    """Where a size is built: a temporary SQLite file, or a fresh database on a server."""

    kind: str  # sqlite or postgresql
    server_url: str | None = None

    @classmethod
    def parse(cls, value: str) -> Database:
        if value == "sqlite":
            return cls("sqlite")
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            backend = None
        if backend != "postgresql":
            raise ValueError(
                f"{value}: give 'sqlite' or a postgresql+psycopg:// server URL; the bench "
                "builds its own fresh database there and drops it afterwards"
            )
        return cls("postgresql", value)

    @contextmanager
    def fresh(self, workdir: Path, couples: int) -> Iterator[str]:
        """A new, empty database for one size, removed afterwards."""
        if self.kind == "sqlite":
            path = workdir / f"bench-{couples}-{secrets.token_hex(4)}.db"
            try:
                yield f"sqlite:///{path.as_posix()}"
            finally:
                for leftover in workdir.glob(f"{path.name}*"):
                    leftover.unlink()
            return
        server = make_url(self.server_url)
        name = f"trustcare_bench_{secrets.token_hex(5)}"
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            gc.collect()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@contextmanager
def app_environment(database_url: str, workdir: Path) -> Iterator[None]:
    """Point the app (which reads its settings from the environment) at the bench database."""
    secrets_file = workdir / "secrets.toml"
    secrets_file.write_text("", encoding="utf-8")
    wanted = {
        **APP_ENV,
        "TRUSTCARE_DATABASE_URL": database_url,
        "TRUSTCARE_VAR_DIR": str(workdir / "var"),
        # An empty secrets file: a developer's [auth] table must not turn on single sign-on.
        "TRUSTCARE_SECRETS_FILE": str(secrets_file),
    }
    saved = {key: os.environ.get(key) for key in (*wanted, *CLEARED_ENV)}
    for key in CLEARED_ENV:
        os.environ.pop(key, None)
    os.environ.update(wanted)
    st.cache_resource.clear()
    try:
        yield
    finally:
        st.cache_resource.clear()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class _BareModeFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "missing ScriptRunContext" not in record.getMessage()


@contextmanager
def _quiet_bare_mode_warnings() -> Iterator[None]:
    """Setting AppTest's session state from this thread makes Streamlit warn that no script
    is running, once per page; the warning says itself that it can be ignored. (A filter, as
    Streamlit resets its loggers' levels whenever it reads its configuration.)"""
    logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    quiet = _BareModeFilter()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    if progress is not None:
        progress(message)


def bench_size(
    database: Database,
    couples: int,
    runs: int,
    workdir: Path,
    emit: Callable[[Result], None],
    progress: Callable[[str], None] | None = None,
    profile: Sequence[str] = (),
    profile_dir: Path | None = None,
    submits: int = SUBMITS,
) -> None:
    """Build one practice and time every page, the references and the submit on it."""
    catalog = get_catalog([shipped_content_dir()])
    with database.fresh(workdir, couples) as url:
        engine = make_engine(url)
        try:
            configure_keys([APP_ENV["TRUSTCARE_ENCRYPTION_KEY"]])
            upgrade(engine)
            factory = make_session_factory(engine)
            started = time.perf_counter()
            practice = build_practice(engine, factory, catalog, couples)
            # The caseload rows as the server's background runner keeps them (a read never
            # stores them): the bench times the steady state, not a day's first minute.
            refresh_stale_standings(partial(unscoped_work, factory), catalog)
            _say(
                progress,
                f"{database.kind}, {couples} couples: practice built in "
                f"{time.perf_counter() - started:.1f} s ({practice.checkins} check-ins)",
            )
            with app_environment(url, workdir):
                references = {
                    name: time_script(workdir / f"{name}.py", name, runs)
                    for name in REFERENCE_PAGES
                }
                reference_ms = references["reference"].median_ms
                reference_app, _ = script_app(workdir / "reference.py")
                for name, timing in references.items():
                    emit(
                        Result(
                            name,
                            couples,
                            database.kind,
                            timing.median_ms,
                            reference_ms,
                            timing.median_ms / reference_ms,
                            0,
                            first_ms=timing.first_ms,
                            runs_ms=timing.runs_ms,
                        )
                    )
                for spec in page_specs():
                    profiler = ScriptProfiler() if spec.name in profile else None
                    timing = time_page(spec, practice, runs, profiler, reference_app)
                    emit(
                        Result(
                            spec.name,
                            couples,
                            database.kind,
                            timing.median_ms,
                            timing.reference_ms,
                            timing.median_ms / timing.reference_ms,
                            timing.statements,
                            statements_steady=timing.statements_steady,
                            first_ms=timing.first_ms,
                            runs_ms=timing.runs_ms,
                        )
                    )
                    if profiler is not None and profile_dir is not None:
                        written = profiler.write(
                            profile_dir / f"{spec.name}-{couples}-{database.kind}"
                        )
                        _say(progress, f"profile of {spec.name}: {written[0]} and {written[1]}")
            submit = time_submits(factory, catalog, practice.token, submits)
            emit(Result("submit", couples, database.kind, submit.median_ms, p95_ms=submit.p95_ms))
            # Last: it gives the practice a schedule and changes who has an email.
            passes = time_reminder_passes(
                engine, factory, practice.admin.practice_id, max(5, runs // 3)
            )
            emit(
                Result(
                    REMINDER_PASS,
                    couples,
                    database.kind,
                    passes.median_ms,
                    statements=passes.statements,
                    statements_steady=passes.statements_steady,
                    first_ms=passes.first_ms,
                    runs_ms=passes.runs_ms,
                )
            )
        finally:
            engine.dispose()


def run_bench(
    sizes: Sequence[int],
    databases: Sequence[Database],
    runs: int = DEFAULT_RUNS,
    emit: Callable[[Result], None] | None = None,
    progress: Callable[[str], None] | None = None,
    profile: Sequence[str] = (),
    profile_dir: Path | None = None,
    submits: int = SUBMITS,
) -> list[Result]:
    """Every size on every database, smallest first; returns the results as well as emitting."""
    results: list[Result] = []

    def keep(result: Result) -> None:
        results.append(result)
        if emit is not None:
            emit(result)

    with (
        tempfile.TemporaryDirectory(prefix="trustcare-bench-") as tmp,
        navigation_mode(),
        shared_script_cache(),
        _quiet_bare_mode_warnings(),
    ):
        workdir = Path(tmp)
        (workdir / "empty.py").write_text(EMPTY_SCRIPT, encoding="utf-8")
        (workdir / "reference.py").write_text(REFERENCE_SCRIPT, encoding="utf-8")
        for database in databases:
            for couples in sorted(sizes):
                bench_size(
                    database,
                    couples,
                    runs,
                    workdir,
                    keep,
                    progress,
                    profile,
                    profile_dir,
                    submits,
                )
    return results

"""Running reminder passes: once (cron, a systemd timer), in a loop, or in a background thread
of the server process, so `make run` sends due reminders by itself. The loop also stores the
caseload rows that went stale without a write (a new day) before each pass, so caseload reads
find them fresh (services/standings.py, `refresh_stale_standings`).

On SQLite only one runner may work on a database file at a time: each pass holds an exclusive
lock on a file beside the database (`<database>.reminders.lock`), and a second runner skips
its pass with a clear message. On PostgreSQL several runners are safe: the unique claim row
decides who sends (trustcare/services/reminders.py).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from trustcare.context import AppContext
from trustcare.delivery import SmtpDelivery
from trustcare.services.reminders import PassResult, run_pass
from trustcare.services.standings import refresh_stale_standings

log = logging.getLogger(__name__)

PASS_INTERVAL_SECONDS = 60
# TRUSTCARE_REMINDERS=off keeps the server from sending (tests, a replica left to cron).
SWITCH = "TRUSTCARE_REMINDERS"


class RunnerBusy(Exception):
    """Another runner holds this SQLite database's reminder lock."""


def lock_path(database_url: str) -> Path | None:
    """The lock file beside an SQLite database file; None for a server database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    database = Path(url.database).expanduser().resolve()
    return database.with_name(database.name + ".reminders.lock")


@contextmanager
def one_runner(database_url: str) -> Iterator[None]:
    """Hold the SQLite database's reminder lock for a pass, or raise RunnerBusy."""
    path = lock_path(database_url)
    if path is None:
        yield
        return
    handle = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunnerBusy(
                f"another reminder runner is working on this SQLite database (lock {path}); "
                "on SQLite only one runner may send reminders at a time"
            ) from None
        yield
    finally:
        os.close(handle)


def one_pass(
    context: AppContext,
    now: dt.datetime | None = None,
    after_send: Callable[[int], None] | None = None,
) -> PassResult:
    """One pass for this app's database; RunnerBusy when another runner holds SQLite's lock."""
    settings = context.settings
    with one_runner(settings.database_url):
        return run_pass(
            context.unscoped_work,
            context.work,
            SmtpDelivery,
            settings.secret_key,
            settings.base_url,
            now,
            after_send,
        )


def run_forever(
    context: AppContext, stop: threading.Event, interval: float = PASS_INTERVAL_SECONDS
) -> None:
    """Passes every `interval` seconds until `stop` is set; a failed pass is logged and the
    next one runs as usual."""
    while not stop.is_set():
        try:
            refresh_stale_standings(context.unscoped_work, context.catalog())
        except Exception:
            log.exception("stale caseload rows not stored; caseload reads evaluate them")
        try:
            one_pass(context)
        except RunnerBusy as busy:
            log.info("reminder pass skipped: %s", busy)
        except Exception:
            log.exception("reminder pass failed; the next pass tries again")
        stop.wait(interval)


_started = threading.Lock()
_thread: threading.Thread | None = None


def reminders_enabled() -> bool:
    return os.environ.get(SWITCH, "on").strip().lower() not in ("off", "0", "false", "no")


def start_in_background(context_for: Callable[[], AppContext]) -> threading.Thread | None:
    """Start the server's reminder thread, once per process (a daemon: it ends with the
    server); None when TRUSTCARE_REMINDERS=off or it is already running."""
    global _thread
    if not reminders_enabled():
        log.info("reminders are off in this process (%s=off)", SWITCH)
        return None
    with _started:
        if _thread is not None:
            return None

        def run() -> None:
            try:
                context = context_for()
            except Exception:
                log.exception("reminder runner not started: the app could not open its database")
                return
            log.info("reminder runner started: a pass every %s s", PASS_INTERVAL_SECONDS)
            run_forever(context, threading.Event())

        _thread = threading.Thread(target=run, name="trustcare-reminders", daemon=True)
        _thread.start()
        return _thread

"""The `trustcare` command: database, accounts, demo data and content checks."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import NoReturn

import click

from trustcare.content_cli import validate
from trustcare.db import DatabaseError, make_engine, make_session_factory, upgrade
from trustcare.encryption import EncryptionError
from trustcare.errors import InvalidInput
from trustcare.settings import PROJECT_ROOT, SettingsError, load_settings


def _engine(database_url: str | None):
    try:
        settings = load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error
    _configure_encryption(settings.encryption_keys)
    try:
        return make_engine(database_url or settings.database_url)
    except DatabaseError as error:
        raise click.ClickException(str(error)) from error


@click.group()
@click.version_option(package_name="trustcare")
def main() -> None:
    """TrustCare: a counselor's practice tool for trust-rebuilding work with couples.

    Configuration comes from TRUSTCARE_* environment variables and .streamlit/secrets.toml
    (see README). Example: trustcare db upgrade
    """


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--database-url", help="Database to upgrade (default: TRUSTCARE_DATABASE_URL).")
def db_upgrade(database_url: str | None) -> None:
    """Bring the database schema to the newest revision.

    Example: TRUSTCARE_DATABASE_URL=postgresql+psycopg://app@db/trustcare trustcare db upgrade
    """
    engine = _engine(database_url)
    try:
        upgrade(engine)
    except (DatabaseError, EncryptionError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"database is up to date: {engine.url.render_as_string(hide_password=True)}")


def _ready_factory(database_url: str | None):
    engine = _engine(database_url)
    try:
        upgrade(engine)
    except (DatabaseError, EncryptionError) as error:
        raise click.ClickException(str(error)) from error
    return make_session_factory(engine)


@main.command("create-admin")
@click.option("--practice", "practice_name", required=True, help="Name of the practice.")
@click.option("--name", required=True, help="The admin's display name.")
@click.option("--email", required=True, help="The admin's email, used to sign in.")
@click.password_option(help="The admin's password (asked for when not given).")
@click.option("--database-url", help="Database to use (default: TRUSTCARE_DATABASE_URL).")
def create_admin(
    practice_name: str, name: str, email: str, password: str, database_url: str | None
) -> None:
    """Create the practice and its first admin account on an empty database.

    Example: trustcare create-admin --practice "Harbor" --name "Ada" --email ada@example.org
    """
    from functools import partial

    from trustcare.persistence.uow import unscoped_work
    from trustcare.services import accounts

    factory = _ready_factory(database_url)
    try:
        accounts.create_practice(
            partial(unscoped_work, factory), practice_name, name, email, password
        )
    except InvalidInput as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created practice {practice_name!r} with admin {email}")


@main.command("seed-demo")
@click.option("--database-url", help="Database to use (default: TRUSTCARE_DATABASE_URL).")
def seed_demo(database_url: str | None) -> None:
    """Fill an empty database with the fictional demo practice.

    Example: TRUSTCARE_DATABASE_URL=sqlite:///var/demo.db trustcare seed-demo
    """
    from functools import partial

    from trustcare.errors import ServiceError
    from trustcare.persistence.uow import unscoped_work
    from trustcare.services import demo

    factory = _ready_factory(database_url)
    try:
        demo.seed_demo(partial(unscoped_work, factory))
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    click.echo("demo practice created; sign in with:")
    for login in demo.DEMO_LOGINS:
        click.echo(f"  {login.email} / {login.password} ({login.role})")


@main.command("reindex")
@click.option("--database-url", help="Database to use (default: TRUSTCARE_DATABASE_URL).")
@click.option(
    "--stale",
    is_flag=True,
    help="Only the rows that went stale without a write (a new day, new alert rules).",
)
def reindex(database_url: str | None, stale: bool) -> None:
    """Rebuild every couple's caseload row (its standing) from the data.

    Every write keeps the rows of the couples it touched, and the server's background runner
    stores the rows that went stale with time (alerts such as "no check-in for 14 days") once
    a minute; a caseload read never writes, it evaluates a stale row for itself. Run this after
    restoring a backup or changing the alert rules; with the server's runner off
    (TRUSTCARE_REMINDERS=off), run `trustcare reindex --stale` from cron shortly after midnight.

    Example: trustcare reindex
    """
    from trustcare.catalog import get_catalog
    from trustcare.persistence.uow import unscoped_work
    from trustcare.services.standings import refresh_stale_standings
    from trustcare.services.standings import reindex as rebuild_standings

    factory = _ready_factory(database_url)
    if stale:
        stored = refresh_stale_standings(
            lambda read_only=False: unscoped_work(factory, read_only), get_catalog()
        )
        click.echo(f"stored the caseload rows of {stored} couple(s) that were stale")
        return
    stored = rebuild_standings(lambda: unscoped_work(factory), get_catalog())
    click.echo(f"rebuilt the caseload rows of {stored} couple(s)")


@main.command("calibrate")
@click.option("--database-url", help="Database to read (default: TRUSTCARE_DATABASE_URL).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def calibrate(database_url: str | None, as_json: bool) -> None:
    """Estimate the trust pulse's reliable-change constants from this practice's check-ins.

    Reads every partner's first check-in total (its SD) and the keyed item scores of all
    check-ins (Cronbach's alpha), and prints the reliable-change threshold they give,
    1.96 x sqrt(2) x SD x sqrt(1 - alpha), beside the provisional one from the measure file.
    Reads only; changes nothing.

    Example: trustcare calibrate --database-url sqlite:///var/trustcare.db
    """
    import json
    from functools import partial

    from sqlalchemy.exc import SQLAlchemyError

    from trustcare.persistence.uow import unscoped_work
    from trustcare.services.calibration import calibration_report

    engine = _engine(database_url)
    try:
        report = calibration_report(partial(unscoped_work, make_session_factory(engine)))
    except SQLAlchemyError as error:
        where = engine.url.render_as_string(hide_password=True)
        raise click.ClickException(
            f"could not read check-ins from {where} ({type(error).__name__}); "
            "is it an upgraded TrustCare database? (trustcare db upgrade)"
        ) from error
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    measure, provisional = report["measure"], report["provisional"]
    click.echo(f"{measure['title']} (version {measure['version']}): calibration from check-ins")
    if report["checkins"]:
        click.echo(f"Partners with a first check-in: {report['partners']}")
        click.echo(
            f"Check-ins: {report['checkins']} "
            f"({report['complete_checkins']} with all {report['items']} items answered)"
        )
        click.echo(f"SD of first totals: {_figure(report['sd_first_totals'], 2)}")
        click.echo(f"Cronbach's alpha: {_figure(report['cronbach_alpha'], 3)}")
        click.echo(
            "Reliable-change threshold from these data: "
            f"{_figure(report['threshold'], 1, ' points')}"
        )
    click.echo(
        f"Provisional threshold from the measure file: {provisional['threshold']:.1f} points "
        f"(sd {provisional['sd']:.1f}, reliability {provisional['reliability']:.2f})"
    )
    click.echo(report["verdict"])


def _figure(value: float | None, decimals: int, unit: str = "") -> str:
    return "cannot be estimated" if value is None else f"{value:.{decimals}f}{unit}"


@main.group()
def reminders() -> None:
    """Check-in reminders by email (see README, Reminders)."""


@reminders.command("run")
@click.option("--once", is_flag=True, help="One pass, then exit (for cron or a systemd timer).")
@click.option("--database-url", help="Database to use (default: TRUSTCARE_DATABASE_URL).")
@click.option(
    "--interval",
    default=60,
    show_default=True,
    type=click.IntRange(5, 3600),
    help="Seconds between passes when looping.",
)
@click.option(
    "--now",
    "now_texts",
    multiple=True,
    hidden=True,
    help="Fake clock for tests (ISO, aware); repeated: one pass at each time, in order.",
)
@click.option("--crash-after", type=int, hidden=True, help="Tests: die hard after N sent.")
@click.option(
    "--paced", is_flag=True, hidden=True, help="Tests: wait for a line on stdin before each pass."
)
def reminders_run(
    once: bool,
    database_url: str | None,
    interval: int,
    now_texts: tuple[str, ...],
    crash_after: int | None,
    paced: bool,
) -> None:
    """Send the check-in reminders that are due: one pass with --once, else every minute.

    Safe to run on several machines against one PostgreSQL database; on SQLite only one
    runner works at a time (a second one says so and exits).

    Example: trustcare reminders run --once
    """
    import dataclasses
    import datetime as dt
    import os
    import threading

    from trustcare.context import build_context
    from trustcare.reminder_runner import RunnerBusy, one_pass, run_forever

    try:
        settings = load_settings()
        if database_url:
            settings = dataclasses.replace(settings, database_url=database_url)
        context = build_context(settings)
    except (SettingsError, DatabaseError) as error:
        raise click.ClickException(str(error)) from error
    if not once:
        click.echo(f"sending due reminders every {interval} s (Ctrl-C stops)")
        run_forever(context, threading.Event(), interval)
        return
    times: list[dt.datetime | None] = []
    for text in now_texts:
        now = dt.datetime.fromisoformat(text)
        if now.tzinfo is None:
            raise click.ClickException("--now needs a time zone, for example 2026-03-01T09:00Z")
        times.append(now)
    sent = 0

    def crash(sent_in_pass: int) -> None:
        if crash_after is not None and sent + sent_in_pass >= crash_after:
            os._exit(137)

    try:
        for now in times or [None]:
            if paced and not sys.stdin.readline():
                break
            result = one_pass(context, now, crash if crash_after is not None else None)
            sent += result.sent
            click.echo(f"reminders: {result.describe()}")
    except RunnerBusy as busy:
        click.echo(str(busy), err=True)
        sys.exit(3)
    finally:
        context.engine.dispose()


@main.group()
def content() -> None:
    """Content library commands."""


content.add_command(validate)

BENCH_ABSENT = (
    "The bench runs from a source checkout of TrustCare: its bench/ folder is a development "
    "tool and is not installed with the package. In a checkout, run `trustcare bench --quick` "
    "or `python -m bench --quick`."
)


def _bench_command() -> click.Command | None:
    """The bench's own command from the checkout this trustcare runs from; None when trustcare
    was installed from a wheel, which holds no bench."""
    if not (PROJECT_ROOT / "pyproject.toml").is_file():
        return None
    if not (PROJECT_ROOT / "bench" / "__main__.py").is_file():
        return None
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    return importlib.import_module("bench.command").bench


@main.command(
    "bench",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.pass_context
def bench(ctx: click.Context) -> None:
    """Time the pages and the check-in submit (source checkout only; see --help).

    Example: trustcare bench --quick --check
    """
    command = _bench_command()
    if command is None:
        click.echo(BENCH_ABSENT, err=True)
        sys.exit(2)
    command.main(args=list(ctx.args), prog_name=ctx.command_path)


def _configure_encryption(keys: tuple[str, ...]) -> None:
    """Every command that opens the database reads and writes clinical text through the key
    ring (`db upgrade` encrypts existing rows); production without a key is refused later."""
    from trustcare.encryption import configure_keys

    if keys:
        configure_keys(keys, "TRUSTCARE_ENCRYPTION_KEY")


@click.group("keys")
def keys() -> None:
    """Encryption keys for clinical text at rest (see README, Encryption at rest)."""


@keys.command("rotate")
@click.option("--database-url", help="Database to re-encrypt (default: TRUSTCARE_DATABASE_URL).")
@click.option(
    "--batch-rows",
    default=500,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Rows re-encrypted and committed per batch.",
)
def keys_rotate(database_url: str | None, batch_rows: int) -> None:
    """Re-encrypt every encrypted column under the newest key.

    Put the new key first in TRUSTCARE_ENCRYPTION_KEY (or the first line of
    encryption_key_file) and keep the old ones after it, then run this. Rows are re-encrypted
    in committed batches while the app keeps running; a rerun after an interruption skips the
    rows already under the newest key. Once it reports nothing left to do, the old keys can be
    removed from the list. Prints how many values were re-encrypted per column.

    Example: TRUSTCARE_ENCRYPTION_KEY=NEWKEY,OLDKEY trustcare keys rotate
    """
    from trustcare.encryption import (
        check_keys_match,
        encrypted_columns,
        rotate_column,
        row_key,
    )
    from trustcare.models import Base

    engine = _engine(database_url)
    try:
        upgrade(engine)
        check_keys_match(engine)
        total = 0
        for table, column in encrypted_columns(Base.metadata):
            key = row_key(Base.metadata, table)
            rotated, current = rotate_column(engine, table, column, batch_rows, key)
            total += rotated
            click.echo(f"{table}.{column}: {rotated} re-encrypted, {current} already current")
    except (DatabaseError, EncryptionError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        engine.dispose()
    click.echo(f"done: {total} value(s) re-encrypted under the newest key")


main.add_command(keys)


def _backup_engine_and_ring(database_url: str | None):
    """The engine and the practice key ring, both from settings (see README, Backup and
    restore); the key ring is also configured for the upgrade that follows a restore."""
    from trustcare.backup import BackupError, key_ring

    try:
        settings = load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error
    try:
        ring = key_ring(settings.encryption_keys)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    _configure_encryption(settings.encryption_keys)
    try:
        return make_engine(database_url or settings.database_url), ring
    except DatabaseError as error:
        raise click.ClickException(str(error)) from error


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--database-url", help="Database to back up (default: TRUSTCARE_DATABASE_URL).")
def backup_command(path: Path, database_url: str | None) -> None:
    """Write the whole database to PATH, encrypted with the practice key.

    SQLite is copied with its online backup API while the app runs; PostgreSQL with
    `pg_dump --format=custom` (exit status 69 when pg_dump is not on the PATH). The file is
    readable only with a key of TRUSTCARE_ENCRYPTION_KEY: keep the key apart from the backups.

    Example: trustcare backup /srv/backups/trustcare-$(date +%F).tcbackup
    """
    from trustcare.backup import BackupError, ToolMissing, backup, table_names
    from trustcare.encryption import EncryptionError, check_keys_match

    engine, ring = _backup_engine_and_ring(database_url)
    try:
        if "encryption_check" in table_names(engine):
            check_keys_match(engine)
        summary = backup(engine, path, ring)
    except ToolMissing as missing:
        _exit_tool_missing(missing)
    except (BackupError, EncryptionError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        engine.dispose()
    click.echo(
        f"backed up the {summary.kind} database ({summary.dump_bytes} bytes) to {path}, "
        f"encrypted ({summary.file_bytes} bytes)"
    )


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--database-url", help="Empty database to restore into (default: TRUSTCARE_DATABASE_URL)."
)
def restore_command(path: Path, database_url: str | None) -> None:
    """Restore a backup made by `trustcare backup` into an EMPTY database, then upgrade it.

    Refuses a database that has any table. Needs the key the backup was made with among the
    keys of TRUSTCARE_ENCRYPTION_KEY, and for PostgreSQL pg_restore on the PATH (exit status
    69 when it is not). Run `trustcare reindex` afterwards if the alert rules changed since.

    Example: createdb trustcare_restored &&
    trustcare restore --database-url postgresql+psycopg://app@db/trustcare_restored backup.tcbackup
    """
    from trustcare.backup import BackupError, ToolMissing, restore
    from trustcare.encryption import EncryptionError, check_keys_match

    engine, ring = _backup_engine_and_ring(database_url)
    try:
        kind = restore(engine, path, ring)
        upgrade(engine)
        check_keys_match(engine)
    except ToolMissing as missing:
        _exit_tool_missing(missing)
    except (BackupError, DatabaseError, EncryptionError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    click.echo(f"restored the {kind} backup {path} into {where}; schema upgraded to the newest")


def _exit_tool_missing(missing: Exception) -> NoReturn:
    from trustcare.backup import TOOL_MISSING_EXIT

    click.echo(f"Error: {missing}", err=True)
    sys.exit(TOOL_MISSING_EXIT)


@main.group()
def couples() -> None:
    """Couples' records: deletion past the retention period (see README, Deletion and retention)."""


@couples.command("purge")
@click.option(
    "--dry-run", is_flag=True, help="List the couples that would be deleted; change nothing."
)
@click.option("--yes", is_flag=True, help="Delete without asking (needed when not at a terminal).")
@click.option("--database-url", help="Database to use (default: TRUSTCARE_DATABASE_URL).")
@click.option("--now", "now_text", hidden=True, help="Fake clock for tests (ISO, aware).")
def couples_purge(dry_run: bool, yes: bool, database_url: str | None, now_text: str | None) -> None:
    """Delete every closed couple past its practice's retention period, with all their records.

    A couple is past it when it was closed more than `retention_years` (a practice setting,
    default 7) ago. Each couple goes in its own transaction, audited as a system action with its
    id and closing day only. Without --dry-run it asks first, unless --yes is given.

    Example: trustcare couples purge --dry-run
    """
    import datetime as dt
    from functools import partial

    from trustcare.persistence.uow import unscoped_work
    from trustcare.services import retention

    now = None
    if now_text:
        now = dt.datetime.fromisoformat(now_text)
        if now.tzinfo is None:
            raise click.ClickException("--now needs a time zone, for example 2026-03-01T09:00Z")
    factory = _ready_factory(database_url)
    open_work = partial(unscoped_work, factory)
    listed = retention.purge_candidates(open_work, now)
    if not listed:
        click.echo("no closed couple is past the retention period")
        return
    for row in listed:
        click.echo(
            f"couple {row.couple_id}: {row.label} (closed {row.closed_on:%Y-%m-%d}, "
            f"counselor {row.counselor})"
        )
    if dry_run:
        click.echo(f"dry run: {len(listed)} couple(s) would be deleted; nothing was changed")
        return
    if not yes:
        if not sys.stdin.isatty():
            raise click.ClickException("deleting needs --yes when not run at a terminal")
        click.confirm(f"Delete these {len(listed)} couple(s) and all their records?", abort=True)
    purged = retention.purge(open_work, now)
    click.echo(f"deleted {len(purged)} couple(s) and all their records")


if __name__ == "__main__":
    sys.exit(main())

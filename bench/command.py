"""The bench's command line (`python -m bench`, or `trustcare bench` from a source checkout).

The work is imported only when it runs: importing the runner pulls in Streamlit's AppTest, which
`--help` and a bad option should not pay for.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import click

from bench import DEFAULT_RUNS, QUICK_RUNS

DEFAULT_SIZES = (40, 400, 4000)
QUICK_SIZES = (40, 400)


@click.command("bench")
@click.option(
    "--couples",
    "sizes",
    type=click.IntRange(min=1),
    multiple=True,
    help="Practice size to build, in couples (repeatable). Default: 40, 400 and 4000.",
)
@click.option(
    "--database-url",
    "databases",
    multiple=True,
    help="'sqlite' (a temporary file; the default) or a PostgreSQL server URL, where a fresh "
    "database is created per size and dropped afterwards (repeatable).",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    default=None,
    help=f"Warm reruns per page after the dropped first run; the median is reported. "
    f"Default: {DEFAULT_RUNS}, or {QUICK_RUNS} with --quick (which must finish within 3 minutes).",
)
@click.option("--quick", is_flag=True, help="40 and 400 couples on SQLite only.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, no table.")
@click.option("--check", is_flag=True, help="Exit 1 when a target is missed, listing which.")
@click.option(
    "--profile",
    "profile",
    multiple=True,
    metavar="PAGE",
    help="Profile PAGE's warm reruns with pyinstrument at every size (repeatable; 'all' for "
    "every page); writes HTML and text files to --profile-dir.",
)
@click.option(
    "--profile-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("bench-profiles"),
    show_default=True,
    help="Folder for --profile output.",
)
def bench(
    sizes: tuple[int, ...],
    databases: tuple[str, ...],
    runs: int | None,
    quick: bool,
    as_json: bool,
    check: bool,
    profile: tuple[str, ...],
    profile_dir: Path,
) -> None:
    """Time every page and the check-in submit on synthetic practices of each size.

    Each size is built fresh (fixed seed; one counselor owns every couple), then each page runs
    in Streamlit's AppTest in this process: the first run is dropped and the median of the warm
    reruns is reported, with its ratio to a reference script (a 300-row table and an 8-line
    chart, no TrustCare code) run in turns with the page, and the SQL statements one run issues.
    Every script is compiled once and kept, as the server does.

    Targets: ratio at most 1.5 at 40 couples and 2.0 at larger sizes; a page at the largest size
    at most 1.3 x its time at the smallest; the same statements per run at every size; a submit
    under 25 ms on SQLite.

    Example: python -m bench --quick (or: trustcare bench --quick)
    """
    from bench.pages import page_specs
    from bench.report import missed_targets, table
    from bench.runner import Database, run_bench

    if quick and (sizes or databases):
        raise click.UsageError("--quick chooses its own sizes (40, 400) and database (SQLite)")
    try:
        chosen = [Database.parse(value) for value in databases or ("sqlite",)]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--database-url") from error
    known = [spec.name for spec in page_specs()]
    profiled = known if "all" in profile else list(profile)
    unknown = sorted(set(profiled) - set(known))
    if unknown:
        raise click.BadParameter(
            f"no page named {', '.join(unknown)}; pages: {', '.join(known)}",
            param_hint="--profile",
        )
    if profiled and importlib.util.find_spec("pyinstrument") is None:
        raise click.ClickException("--profile needs pyinstrument (pip install -e '.[test]')")

    def emit(result) -> None:
        if as_json:
            click.echo(json.dumps(result.as_json()))
        else:
            click.echo(
                f"  {result.database} {result.couples:>6} {result.page:<18} "
                f"{result.median_ms:8.1f} ms",
                err=True,
            )

    results = run_bench(
        sizes=sizes or (QUICK_SIZES if quick else DEFAULT_SIZES),
        databases=chosen,
        runs=runs or (QUICK_RUNS if quick else DEFAULT_RUNS),
        emit=emit,
        progress=lambda message: click.echo(message, err=True),
        profile=profiled,
        profile_dir=profile_dir,
    )
    missed = missed_targets(results)
    if not as_json:
        click.echo(table(results))
        click.echo("Targets missed:" if missed else "All targets met.")
    for line in missed:
        click.echo(f"  {line}", err=as_json)
    if check and missed:
        sys.exit(1)

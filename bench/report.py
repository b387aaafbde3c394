"""The bench's targets, and its table for people."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from bench.runner import REFERENCE_PAGES, REMINDER_PASS, Result

SMALL_PRACTICE = 40
RATIO_SMALL = 1.5  # a page at most 1.5 x the reference script at 40 couples
RATIO_LARGE = 2.0  # and at most 2 x at larger sizes
# A page's median at the largest size at most 1.3 x its median at the smallest, each median
# taken relative to the reference run in turns with it (see `growth`).
GROWTH = 1.3
SUBMIT_SQLITE_MS = 25.0
# One reminder runner pass (bench/reminders.py) at every size: the same statements, and at
# most this long on SQLite at the largest size the bench builds.
REMINDER_PASS_SQLITE_MS = 2000.0


def _pages(results: Sequence[Result]) -> list[Result]:
    return [r for r in results if r.page not in (*REFERENCE_PAGES, "submit", REMINDER_PASS)]


def growth(small: Result, large: Result) -> float:
    """How much a page's median grew from the smallest size to the largest, on a steady machine.

    Sizes are timed a minute or more apart, and a shared machine's speed drifts by more than
    the targets allow in that time; each median is therefore taken relative to the reference
    run in turns with it, which is the same as the ratio at the largest size over the ratio
    at the smallest. On a steady machine this equals the growth of the plain medians.
    """
    if small.ratio and large.ratio:
        return large.ratio / small.ratio
    return large.median_ms / small.median_ms


def missed_targets(results: Sequence[Result]) -> list[str]:
    """One line per missed target, in the order the issue states them."""
    missed = []
    for r in _pages(results):
        limit = RATIO_SMALL if r.couples <= SMALL_PRACTICE else RATIO_LARGE
        if r.ratio is not None and r.ratio > limit:
            missed.append(
                f"{r.page} at {r.couples} couples on {r.database}: ratio {r.ratio:.2f} > {limit}"
            )
    by_page: dict[tuple[str, str], list[Result]] = defaultdict(list)
    for r in _pages(results):
        by_page[(r.database, r.page)].append(r)
    for (database, page), rows in by_page.items():
        rows = sorted(rows, key=lambda r: r.couples)
        small, large = rows[0], rows[-1]
        if len(rows) > 1 and growth(small, large) > GROWTH:
            missed.append(
                f"{page} on {database}: {growth(small, large):.2f} x from {small.couples} to "
                f"{large.couples} couples, relative to the reference ({small.median_ms:.0f} ms "
                f"then {large.median_ms:.0f} ms; at most {GROWTH})"
            )
        counts = {r.couples: r.statements for r in rows}
        if len(set(counts.values())) > 1:
            shown = ", ".join(f"{n} at {c}" for c, n in counts.items())
            missed.append(f"{page} on {database}: statements per run change with size ({shown})")
        unsteady = [r.couples for r in rows if not r.statements_steady]
        if unsteady:
            missed.append(
                f"{page} on {database}: statements differ between warm reruns at {unsteady} couples"
            )
    for r in results:
        if r.page == "submit" and r.database == "sqlite" and r.median_ms >= SUBMIT_SQLITE_MS:
            missed.append(
                f"submit at {r.couples} couples on sqlite: median {r.median_ms:.1f} ms "
                f">= {SUBMIT_SQLITE_MS:.0f}"
            )
    missed += _missed_by_reminder_passes([r for r in results if r.page == REMINDER_PASS])
    return missed


def _missed_by_reminder_passes(passes: Sequence[Result]) -> list[str]:
    missed = []
    for database in dict.fromkeys(r.database for r in passes):
        rows = sorted((r for r in passes if r.database == database), key=lambda r: r.couples)
        counts = {r.couples: r.statements for r in rows}
        if len(set(counts.values())) > 1:
            shown = ", ".join(f"{n} at {c}" for c, n in counts.items())
            missed.append(f"{REMINDER_PASS} on {database}: statements change with size ({shown})")
        for r in rows:
            if not r.statements_steady:
                missed.append(
                    f"{REMINDER_PASS} on {database}: statements differ between passes at "
                    f"{r.couples} couples"
                )
        largest = rows[-1]
        if database == "sqlite" and largest.median_ms > REMINDER_PASS_SQLITE_MS:
            missed.append(
                f"{REMINDER_PASS} at {largest.couples} couples on sqlite: median "
                f"{largest.median_ms:.0f} ms > {REMINDER_PASS_SQLITE_MS:.0f}"
            )
    return missed


def table(results: Sequence[Result]) -> str:
    """A fixed-width table per database: pages down, sizes across (median ms, ratio, SQL)."""
    lines = []
    for database in dict.fromkeys(r.database for r in results):
        rows = [r for r in results if r.database == database]
        sizes = sorted({r.couples for r in rows})
        pages = list(dict.fromkeys(r.page for r in rows))
        cell = {(r.page, r.couples): r for r in rows}
        header = f"{'page':<18}" + "".join(f"{f'{n} couples':>26}" for n in sizes)
        if len(sizes) > 1:
            header += f"{'growth':>9}"
        lines += [
            f"{database}: median ms (ratio to reference, SQL statements per run); growth "
            "relative to the reference",
            header,
        ]
        for page in pages:
            line = f"{page:<18}"
            for size in sizes:
                r = cell.get((page, size))
                if r is None:
                    text = "-"
                elif r.page == "submit":
                    text = f"{r.median_ms:.1f} (p95 {r.p95_ms:.1f})"
                elif r.page == REMINDER_PASS:
                    text = f"{r.median_ms:.0f} ({r.statements} SQL)"
                else:
                    text = f"{r.median_ms:.0f} ({r.ratio:.2f} x, {r.statements} SQL)"
                line += f"{text:>26}"
            first, last = cell.get((page, sizes[0])), cell.get((page, sizes[-1]))
            if len(sizes) > 1 and first and last and first.median_ms:
                line += f"{growth(first, last):>8.2f}x"
            lines.append(line)
        firsts = [r for r in rows if r.first_ms is not None and r.page != "submit"]
        if firsts:
            lines += ["", f"{database}: first run, dropped from the median (cold caches), ms"]
            for page in dict.fromkeys(r.page for r in firsts):
                line = f"{page:<18}"
                for size in sizes:
                    r = cell.get((page, size))
                    line += f"{'-' if r is None or r.first_ms is None else f'{r.first_ms:.0f}':>26}"
                lines.append(line)
        lines.append("")
    return "\n".join(lines)

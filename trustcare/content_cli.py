"""`trustcare content validate`: check content before a counselor assigns it."""

from __future__ import annotations

import os
from pathlib import Path

import click

from trustcare.catalog import content_dirs_from_env, shipped_content_dir
from trustcare.content_catalog import Catalog
from trustcare.content_loading import check_content, check_file
from trustcare.content_schema import Measure, Module, Problem, Track


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check content files and print every problem, one line each.

    With no PATHS, checks the shipped library and the folders named in
    TRUSTCARE_CONTENT_DIRS. A PATH may be a content folder (holding modules/,
    tracks/ and measures/) or a single file. Folders are layered in the order
    given; a track's module ids may also come from the shipped library.
    A translation (`translations: es:`, and a module's "## For you (es)"
    section) must word every exercise, step, prompt, item and anchor; a
    missing one is a problem. Exits 1 if anything is wrong.

    \b
    Examples:
      trustcare content validate
      trustcare content validate /srv/practice-content
      trustcare content validate content/modules/open-communication.md
    """
    try:
        problems, counts = _validate(paths)
    except Exception as exc:  # the promise is one line per problem, never a traceback
        problems, counts = [f"error: {type(exc).__name__}: {exc}"], {}
    if problems:
        for line in problems:
            click.echo(line)
        raise SystemExit(1)
    click.echo(f"content OK: {_describe(counts)}")


def _validate(paths: tuple[str, ...]) -> tuple[list[str], dict[str, int]]:
    if not paths:
        catalog, problems = check_content(content_dirs_from_env(shipped_content_dir(), os.environ))
        return [str(p) for p in problems], catalog.counts()

    reference, _ = check_content([shipped_content_dir()])
    folders = [Path(p) for p in paths if Path(p).is_dir()]
    problems: list[Problem] = []
    counts = {"modules": 0, "tracks": 0, "measures": 0}
    if folders:
        catalog, problems = check_content(folders, reference=reference)
        counts = catalog.counts()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            continue
        problems.extend(_check_one_file(path, reference, counts))
    return [str(p) for p in problems], counts


def _check_one_file(path: Path, reference: Catalog, counts: dict[str, int]) -> list[Problem]:
    if not path.exists():
        return [Problem(str(path), 1, "file", "does not exist")]
    try:
        content, problems = check_file(path, reference=reference)
    except Exception as exc:  # one bad file must not hide the report on the others
        return [Problem(str(path), 1, "file", f"could not be checked: {exc}")]
    kind = {Module: "modules", Track: "tracks", Measure: "measures"}.get(type(content))
    if kind is not None:
        counts[kind] += 1
    return problems


def _describe(counts: dict[str, int]) -> str:
    parts = []
    for plural in ("modules", "tracks", "measures"):
        n = counts.get(plural, 0)
        parts.append(f"{n} {plural if n != 1 else plural[:-1]}")
    return ", ".join(parts)

"""The shared content catalog: where content lives, loaded once per process, reloaded on edit.

Every page run asks for the catalog, so it is cached per set of content roots and reloaded when a
file under them changes. The catalog itself is `content_catalog.Catalog`, the schema is in
`content_schema` and reading files is `content_loading`. Nothing here touches Streamlit or the
database.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from trustcare.content_catalog import Catalog
from trustcare.content_loading import load_catalog
from trustcare.content_schema import ContentError

CONTENT_DIRS_ENV = "TRUSTCARE_CONTENT_DIRS"


@functools.cache
def shipped_content_dir() -> Path:
    """The library that ships with the code: the repository's content/ folder."""
    return Path(__file__).resolve().parent.parent / "content"


def content_dirs_from_env(shipped: Path, environ: Mapping[str, str]) -> list[Path]:
    """The shipped library first, then each folder named in TRUSTCARE_CONTENT_DIRS, in order."""
    extra = environ.get(CONTENT_DIRS_ENV, "")
    return [shipped, *(Path(part).expanduser() for part in extra.split(os.pathsep) if part.strip())]


_cache_lock = threading.Lock()
# roots -> (fingerprint of their files, the catalog or its error, when the files were checked)
_cache: dict[tuple[str, ...], tuple[tuple[Any, ...], Catalog | ContentError, float]] = {}


def content_fingerprint(dirs: Sequence[Path]) -> tuple[Any, ...]:
    """(path, mtime_ns, size) of every file under the roots: cheap enough to check per request."""
    entries: list[Any] = []
    for root in dirs:
        if not Path(root).is_dir():
            entries.append((str(root), None))
            continue
        for folder, subfolders, files in os.walk(root):
            subfolders.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                entries.append((path, stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


# How long a loaded catalog is served before the files are looked at again: every page run
# asks for the catalog, and walking the content folders on each run costs more than the page.
RECHECK_SECONDS = 2.0
_clock = time.monotonic


def get_catalog(dirs: Sequence[Path] | None = None) -> Catalog:
    """The catalog for these roots (default: shipped + TRUSTCARE_CONTENT_DIRS), loaded once and
    reloaded when a file under them changes, so an edit shows up within RECHECK_SECONDS without
    a restart."""
    if dirs is None:
        dirs = content_dirs_from_env(shipped_content_dir(), os.environ)
    key = tuple(str(d) for d in dirs)
    with _cache_lock:
        now = _clock()
        cached = _cache.get(key)
        if cached is None or now - cached[2] >= RECHECK_SECONDS:
            fingerprint = content_fingerprint(dirs)
            if cached is None or cached[0] != fingerprint:
                try:
                    result: Catalog | ContentError = load_catalog(dirs)
                except ContentError as error:
                    result = error
                cached = (fingerprint, result, now)
            else:
                cached = (fingerprint, cached[1], now)
            _cache[key] = cached
    result = cached[1]
    if isinstance(result, ContentError):
        # A new instance each time, so tracebacks do not pile up on a shared one.
        raise ContentError(result.problems)
    return result


def clear_catalog_cache() -> None:
    """Forget cached catalogs (tests that build content on the fly)."""
    with _cache_lock:
        _cache.clear()

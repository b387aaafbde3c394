"""Timing pages with AppTest: warm reruns of the real app, and the SQL each run issues.

A page is timed the way DESIGN.md says: one AppTest per page, the first run dropped (imports,
caches, the login audit), then the median of the warm reruns. Two scripts with no TrustCare code
say what Streamlit itself costs on this machine in this run, so page times can be read as
ratios that travel between machines.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, event
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner
from streamlit.testing.v1.local_script_runner import LocalScriptRunner

from bench.practice import BenchPractice
from trustcare.settings import PROJECT_ROOT

APP = PROJECT_ROOT / "app.py"
ACTOR_KEY = "trustcare_actor"
RUN_TIMEOUT = 300.0

EMPTY_SCRIPT = """\
import streamlit as st

st.title("Empty")
"""

REFERENCE_SCRIPT = """\
import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

ROWS = 300
frame = pd.DataFrame(
    {
        "id": range(ROWS),
        "name": [f"row {n}" for n in range(ROWS)],
        "score": [round(16 + 10 * math.sin(n), 1) for n in range(ROWS)],
        "count": [n % 17 for n in range(ROWS)],
        "flag": [n % 3 == 0 for n in range(ROWS)],
        "when": pd.date_range("2026-01-01", periods=ROWS, freq="D"),
    }
)
figure = go.Figure()
for line in range(8):
    figure.add_trace(
        go.Scatter(
            x=list(range(30)),
            y=[16 + 10 * math.sin(x / 5 + line) for x in range(30)],
            mode="lines+markers",
            name=f"line {line}",
        )
    )
st.title("Reference")
st.dataframe(frame)
st.plotly_chart(figure)
"""


class BenchError(Exception):
    """A page did not render what the bench meant to time; the message says which and why."""


@dataclass(frozen=True)
class PageSpec:
    """One page as someone opens it: who, which file, which query parameters."""

    name: str
    path: str
    who: str  # counselor, admin or partner
    couple: bool = False  # opened for the measured couple (?couple=<id>)

    def expected_title(self, practice: BenchPractice) -> Callable[[str], bool]:
        titles = {
            "caseload": "Caseload",
            "couple": practice.couple_label,
            "session": " & ".join(practice.partner_names),
            "library": "Library",
            "counselors": "Counselors",
            "handover": "Couples and hand-over",
            "practice_settings": "Practice settings",
            "audit_trail": "Audit trail",
        }
        if self.name == "progress":
            return lambda title: title.startswith("Progress: ")
        if self.name == "checkin":
            return lambda title: title == f"Hello, {practice.partner_names[0]}"
        return lambda title: title == titles[self.name]


COUNSELOR_PAGES = (
    PageSpec("caseload", "pages/caseload.py", "counselor"),
    PageSpec("couple", "pages/couple.py", "counselor", couple=True),
    PageSpec("progress", "pages/progress.py", "counselor", couple=True),
    PageSpec("session", "pages/session.py", "counselor", couple=True),
    PageSpec("library", "pages/library.py", "counselor"),
)
ADMIN_PAGES = (
    PageSpec("counselors", "pages/counselors.py", "admin"),
    PageSpec("handover", "pages/handover.py", "admin"),
    PageSpec("practice_settings", "pages/practice_settings.py", "admin"),
    PageSpec("audit_trail", "pages/audit_trail.py", "admin"),
)
CLIENT_PAGES = (PageSpec("checkin", "pages/checkin.py", "partner"),)


def page_specs() -> list[PageSpec]:
    """Every page the bench knows that exists in this checkout (admin pages come and go)."""
    return [
        spec
        for spec in (*COUNSELOR_PAGES, *ADMIN_PAGES, *CLIENT_PAGES)
        if (PROJECT_ROOT / spec.path).is_file()
    ]


@dataclass(frozen=True)
class Timing:
    name: str
    median_ms: float
    runs_ms: tuple[float, ...]
    statements: int  # per warm run; the largest seen if runs differed
    statements_steady: bool
    first_ms: float = 0.0  # the dropped first run: cold caches (and imports, once per process)
    reference_ms: float | None = None  # the reference script, run between this page's runs


@contextmanager
def navigation_mode() -> Iterator[None]:
    """AppTest resets `uses_pages_directory` on every run; with a pages/ folder beside app.py
    every rerun after the first would run the page file alone instead of app.py
    (see tests/app/conftest.py). The real server never does this, so the bench must not."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    try:
        yield
    finally:
        PagesManager.__init__ = original


@contextmanager
def shared_script_cache() -> Iterator[None]:
    """The server compiles each script once and keeps the bytecode for every session and rerun
    (one ScriptCache in its Runtime); AppTest builds a new cache on every run, which would time
    Streamlit's compiler (magic included) on each rerun instead of the page. One cache for the
    whole bench, for the reference scripts and the pages alike, measures what a server pays."""
    cache = ScriptCache()
    saved = app_test.ScriptCache, local_script_runner.ScriptCache
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: cache
    try:
        yield
    finally:
        app_test.ScriptCache, local_script_runner.ScriptCache = saved


class StatementCounter:
    """Counts statements on every engine (the app builds its own inside st.cache_resource)."""

    def __init__(self) -> None:
        self.count = 0

    def _seen(self, *_args) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(Engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(Engine, "before_cursor_execute", self._seen)


class ScriptProfiler:
    """Profiles the script thread of each AppTest run (pyinstrument samples one thread only)."""

    def __init__(self) -> None:
        self.sessions: list = []

    @contextmanager
    def active(self) -> Iterator[None]:
        from pyinstrument import Profiler

        original = LocalScriptRunner._run_script_thread
        sessions = self.sessions

        def profiled(runner) -> None:
            profiler = Profiler(interval=0.0005)
            profiler.start()
            try:
                original(runner)
            finally:
                profiler.stop()
                sessions.append(profiler.last_session)

        LocalScriptRunner._run_script_thread = profiled
        try:
            yield
        finally:
            LocalScriptRunner._run_script_thread = original

    def write(self, path: Path) -> list[Path]:
        """An HTML profile to open in a browser, and a text one to read in a terminal."""
        from pyinstrument.renderers import ConsoleRenderer, HTMLRenderer
        from pyinstrument.session import Session

        session = self.sessions[0]
        for more in self.sessions[1:]:
            session = Session.combine(session, more)
        # Each run has its own script thread; one name for all of them gives one tree.
        session.frame_records = [
            ([_same_thread(frame) for frame in stack], seconds)
            for stack, seconds in session.frame_records
        ]
        path.parent.mkdir(parents=True, exist_ok=True)
        html, txt = path.with_suffix(".html"), path.with_suffix(".txt")
        html.write_text(HTMLRenderer().render(session), encoding="utf-8")
        txt.write_text(
            ConsoleRenderer(unicode=True, color=False, short_mode=False).render(session),
            encoding="utf-8",
        )
        return [html, txt]


def _same_thread(frame: str) -> str:
    return frame.rsplit("\x00", 1)[0] + "\x000" if "\x00<thread>\x00" in frame else frame


def _check(at: AppTest, name: str, title_ok: Callable[[str], bool] | None) -> None:
    if at.exception:
        raise BenchError(f"{name}: the page raised: {at.exception[0].value}")
    if title_ok is None:
        return
    titles = [element.value for element in at.title]
    if not titles or not title_ok(titles[0]):
        warnings = [element.value for element in at.warning]
        raise BenchError(f"{name}: expected page not shown (titles {titles}, warnings {warnings})")


def _timed_run(at: AppTest) -> float:
    started = time.perf_counter()
    at.run(timeout=RUN_TIMEOUT)
    return (time.perf_counter() - started) * 1000


def _timed_runs(
    at: AppTest,
    name: str,
    runs: int,
    title_ok: Callable[[str], bool] | None,
    first_ms: float,
    reference: AppTest | None = None,
) -> Timing:
    """Median of `runs` warm runs; with a reference app, it runs before each of them.

    Taking turns puts the page and the reference under the same load: on a shared machine a
    reference timed once, minutes earlier, would make the ratio swing with whatever else runs.
    """
    times, counts, reference_times = [], [], []
    with StatementCounter() as counter:
        for _ in range(runs):
            if reference is not None:
                gc.collect()
                reference_times.append(_timed_run(reference))
            # Garbage left by the previous run would otherwise be collected inside this one.
            gc.collect()
            counter.count = 0
            times.append(_timed_run(at))
            counts.append(counter.count)
            _check(at, name, title_ok)
    return Timing(
        name=name,
        median_ms=statistics.median(times),
        runs_ms=tuple(times),
        statements=max(counts),
        statements_steady=len(set(counts)) == 1,
        first_ms=first_ms,
        reference_ms=statistics.median(reference_times) if reference_times else None,
    )


def script_app(path: Path) -> tuple[AppTest, float]:
    """A script with no TrustCare code, run once (its first run, which is dropped)."""
    at = AppTest.from_file(str(path), default_timeout=RUN_TIMEOUT)
    first_ms = _timed_run(at)
    _check(at, path.stem, None)
    return at, first_ms


def time_script(path: Path, name: str, runs: int) -> Timing:
    """A script with no TrustCare code: what Streamlit and AppTest cost by themselves."""
    at, first_ms = script_app(path)
    return _timed_runs(at, name, runs, None, first_ms)


def open_page(spec: PageSpec, practice: BenchPractice) -> tuple[AppTest, float]:
    """The page as its user opens it: signed in (or through the link), then navigated to;
    with the time of the page's first run."""
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
    if spec.who == "partner":
        at.query_params["t"] = practice.token
        return at, _timed_run(at)
    at.session_state[ACTOR_KEY] = practice.admin if spec.who == "admin" else practice.counselor
    first_ms = _timed_run(at)
    if spec.path != "pages/caseload.py":
        at.switch_page(spec.path)
        if spec.couple:
            at.query_params["couple"] = str(practice.couple_id)
        first_ms = _timed_run(at)
    return at, first_ms


def time_page(
    spec: PageSpec,
    practice: BenchPractice,
    runs: int,
    profiler: ScriptProfiler | None = None,
    reference: AppTest | None = None,
) -> Timing:
    """Median of `runs` warm reruns, taking turns with the reference app if one is given;
    with a profiler, as many more runs are profiled after."""
    at, first_ms = open_page(spec, practice)
    title_ok = spec.expected_title(practice)
    _check(at, spec.name, title_ok)
    timing = _timed_runs(at, spec.name, runs, title_ok, first_ms, reference)
    if profiler is not None:
        with profiler.active():
            for _ in range(runs):
                at.run(timeout=RUN_TIMEOUT)
    return timing

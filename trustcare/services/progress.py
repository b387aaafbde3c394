"""A couple's progress over sessions: each partner's scores, the events on the timeline
(sessions, assignments), and the progress page built from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from math import nan as NAN

import numpy as np
import pandas as pd

from trustcare import alerts as alert_rules
from trustcare.content_catalog import Catalog
from trustcare.content_schema import ContentNotFound, Measure
from trustcare.languages import known_language
from trustcare.models import Couple, utcnow
from trustcare.persistence.uow import CounselorWork
from trustcare.practice_settings import PracticeSettings
from trustcare.scoring import reliable_change_threshold
from trustcare.services.derived import derived
from trustcare.services.session_feedback import CoupleFeedback, couple_feedback
from trustcare.services.standings import page_key, standings_of, trust_pulse
from trustcare.timeline import session_numbers, utc_day

CHECKIN_COLUMNS = [
    "checkin_id",
    "couple_id",
    "partner_id",
    "partner",
    "submitted_at",
    "total",
    "overall",
    "practice",
    "safety_flag",
    "reflection",
    "reflection_shared",
    "language",
    "entered_in_room",
]


@dataclass(frozen=True)
class CoupleProgress:
    couple_id: int
    partner_ids: tuple[int, ...]
    partner_names: dict[int, str]
    checkins: pd.DataFrame
    events: pd.DataFrame
    subscales: list[tuple[str, str]]
    rc_threshold: float
    provisional: bool
    divergence_gap: float


def _floats(values: Sequence[object]) -> np.ndarray:
    """Scores as float64, None (a skipped question) as NaN."""
    return np.array([NAN if v is None else v for v in values], dtype=np.float64)


def _checkin_frame(
    uow: CounselorWork,
    couple: Couple,
    measure: Measure,
    sessions: list[tuple[int, dt.date]],
) -> pd.DataFrame:
    """One row per check-in with its session number, built column by column in one go: a few
    dozen rows cost more in pandas operations than in the query."""
    rows = uow.progress.checkins_of(couple)
    subscale_columns = [f"sub_{s.id}" for s in measure.subscales]
    if not rows:
        frame = pd.DataFrame(columns=[*CHECKIN_COLUMNS, *subscale_columns])
        frame["session_number"] = pd.Series(dtype="int64")
        return frame
    columns = list(zip(*rows, strict=True))
    scores = [(row.subscales or {}) for row in rows]
    # Typed arrays: pandas would otherwise infer every column's type from Python objects.
    data: dict[str, object] = {
        "checkin_id": np.array(columns[0], dtype=np.int64),
        "couple_id": np.array(columns[1], dtype=np.int64),
        "partner_id": np.array(columns[2], dtype=np.int64),
        "partner": np.array(columns[3], dtype=object),
        "submitted_at": pd.to_datetime(list(columns[4]), utc=True),
        "total": _floats(columns[5]),
        "overall": _floats(columns[6]),
        "practice": _floats(columns[7]),
        "safety_flag": np.array([None if v is None else bool(v) for v in columns[8]], dtype=object),
        "reflection": np.array(columns[9], dtype=object),
        "reflection_shared": np.array([bool(v) for v in columns[10]], dtype=bool),
        "language": np.array([known_language(v) for v in columns[12]], dtype=object),
        "entered_in_room": np.array([v is not None for v in columns[13]], dtype=bool),
        **{
            column: _floats([score.get(subscale.id) for score in scores])
            for column, subscale in zip(subscale_columns, measure.subscales, strict=True)
        },
        "session_number": np.array(
            session_numbers([utc_day(t) for t in columns[4]], sessions), dtype=np.int64
        ),
    }
    return pd.DataFrame(data)


def couple_progress(uow: CounselorWork, catalog: Catalog, couple_id: int) -> CoupleProgress:
    """Everything the progress charts and tables of one couple need, in six statements."""
    couple = uow.couples.get(couple_id)
    return _couple_progress(uow, catalog, couple, uow.practice_settings())


@dataclass(frozen=True)
class ProgressPage:
    """What the progress page shows."""

    progress: CoupleProgress
    alerts: list[alert_rules.Alert]
    # Both partners' session feedback, for the counselor only (never session mode).
    feedback: CoupleFeedback


def progress_page(
    uow: CounselorWork, catalog: Catalog, couple_id: int, now: dt.datetime | None = None
) -> ProgressPage:
    """The progress page: the couple's progress and its open alerts.

    The page reruns on every click (a tab, the axis), mostly with nothing new: after the
    access check, which runs every time, what was built is kept while the couple's revision,
    the day, the practice's alert settings and the content library are unchanged.
    """
    now = now or utcnow()
    couple = uow.couples.get(couple_id)
    settings = uow.practice_settings()

    def build() -> ProgressPage:
        standing = standings_of(uow, catalog, [couple], now, settings)[couple.id]
        return ProgressPage(
            _couple_progress(uow, catalog, couple, settings),
            list(standing.alerts),
            couple_feedback(uow, catalog, couple),
        )

    key = page_key(uow, "progress", catalog, couple, now, settings)
    return derived.get_or_build(key, build, keep=catalog)


def _couple_progress(
    uow: CounselorWork, catalog: Catalog, couple: Couple, settings: PracticeSettings
) -> CoupleProgress:
    measure = trust_pulse(catalog)
    partners = uow.progress.partners_of(couple)
    sessions = uow.progress.session_dates_of(couple)
    checkins = _checkin_frame(uow, couple, measure, sessions)
    events = _events(uow, catalog, couple, sessions)
    rc = measure.reliable_change
    return CoupleProgress(
        couple_id=couple.id,
        partner_ids=tuple(p.id for p in partners),
        partner_names={p.id: p.display_name for p in partners},
        checkins=checkins,
        events=events,
        subscales=[(s.id, s.title) for s in measure.subscales],
        rc_threshold=reliable_change_threshold(rc.sd, rc.reliability),
        provisional=measure.provisional or rc.provisional,
        divergence_gap=settings.alerts.divergence_gap,
    )


def module_title(catalog: Catalog, module_id: str, version: int) -> str:
    try:
        return catalog.module(module_id, version).title
    except ContentNotFound:
        return module_id


def _events(
    uow: CounselorWork, catalog: Catalog, couple: Couple, sessions: list[tuple[int, dt.date]]
) -> pd.DataFrame:
    rows = uow.progress.assignment_events_of(couple)
    events = []
    for module_id, version, assigned_at, completed_at, status in rows:
        title = module_title(catalog, module_id, version)
        # The chart says what happened ("Assigned: ", "Completed: "); the label is the module.
        events.append((assigned_at, title, "assigned"))
        if status == "completed" and completed_at is not None:
            events.append((completed_at, title, "completed"))
    if not events:
        frame = pd.DataFrame(columns=["at", "label", "kind"])
        frame["session_number"] = pd.Series(dtype="int64")
        return frame
    moments, labels, kinds = zip(*events, strict=True)
    return pd.DataFrame(
        {
            "at": pd.to_datetime(list(moments), utc=True),
            "label": labels,
            "kind": kinds,
            "session_number": session_numbers([utc_day(t) for t in moments], sessions),
        }
    )

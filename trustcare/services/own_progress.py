"""A partner's own progress, on their own link: their scores over time, the exercises they did,
and what changed since they started, in words a client understands.

Only the partner's own rows are read (their PartnerWork reaches nothing else): never the
other partner's scores, reflections or safety answers, never the counselor's notes or alerts,
whatever either partner agreed to show on the shared screen. The counselor can switch it off
per couple; then nothing is read at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from trustcare.content_catalog import Catalog
from trustcare.content_schema import ContentNotFound
from trustcare.errors import PermissionDenied
from trustcare.languages import known_language
from trustcare.persistence.uow import PartnerWork
from trustcare.scoring import classify_change
from trustcare.services.checkins import MEASURE_ID, storage_guard

# How the partner's latest total compares with their first, by the reliable change index:
# "better" and "worse" are changes larger than the measure's own noise; "about-the-same" is
# within it; "too-early" until two scored check-ins exist.
ChangeWords = Literal["better", "about-the-same", "worse", "too-early"]


class OwnProgressOff(PermissionDenied):
    def __init__(self) -> None:
        super().__init__("Your counselor has not turned on your own progress.")


@dataclass(frozen=True)
class DoneModule:
    title: str
    exercises_done: int
    exercises: int
    last_done: dt.datetime


@dataclass(frozen=True)
class OwnProgress:
    # The partner's own check-ins: submitted_at, total (0-32), overall (0-10).
    checkins: pd.DataFrame
    first_total: float | None
    latest_total: float | None
    change: ChangeWords
    total_max: float
    modules: tuple[DoneModule, ...]


def own_progress(uow: PartnerWork, catalog: Catalog) -> OwnProgress:
    """The partner's own progress; OwnProgressOff when the counselor has it switched off."""
    with storage_guard(uow, "own progress"):
        own = uow.checkins.own_partner_and_couple()
        if not own.shows_own_progress:
            raise OwnProgressOff()
        return progress_of(uow, catalog, known_language(own.partner.language))


def progress_of(uow: PartnerWork, catalog: Catalog, language: str) -> OwnProgress:
    """The partner's own progress, for a caller that has checked the couple's switch (the
    client page reads it with the partner: `services/partner_page.py`)."""
    with storage_guard(uow, "own progress"):
        rows = uow.checkins.own_checkins()
        done = uow.checkins.own_done_exercises()
    measure = catalog.measure(MEASURE_ID)
    frame = pd.DataFrame(
        {
            "submitted_at": pd.to_datetime([row.submitted_at for row in rows], utc=True),
            "total": np.array(
                [np.nan if row.total is None else row.total for row in rows], dtype=float
            ),
            "overall": np.array(
                [np.nan if row.overall is None else row.overall for row in rows], dtype=float
            ),
        }
    )
    scored = frame["total"].dropna()
    first = float(scored.iloc[0]) if len(scored) else None
    latest = float(scored.iloc[-1]) if len(scored) else None
    change: ChangeWords = "too-early"
    if len(scored) >= 2 and first is not None and latest is not None:
        verdict = classify_change(first, latest, measure)
        change = {"improved": "better", "recovered": "better", "deteriorated": "worse"}.get(
            verdict, "about-the-same"
        )
    modules: dict[tuple[str, int, int], DoneModule] = {}
    for progress, assignment in done:
        try:
            module = catalog.module(assignment.module_id, assignment.module_version)
        except ContentNotFound:
            continue
        module = module.in_language(language)
        key = (assignment.module_id, assignment.module_version, assignment.id)
        before = modules.get(key)
        modules[key] = DoneModule(
            module.title,
            (before.exercises_done if before else 0) + 1,
            len(module.exercises),
            max(progress.done_at, before.last_done) if before else progress.done_at,
        )
    return OwnProgress(
        frame,
        first,
        latest,
        change,
        float(measure.total.range[1]),
        tuple(sorted(modules.values(), key=lambda m: m.last_done, reverse=True)),
    )

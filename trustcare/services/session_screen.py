"""What the shared screen may show, decided in one place.

Couples work has three audiences. On the screen the counselor shares with the couple, a
partner's scores appear only if that partner currently agrees to show them in joint sessions,
and a reflection only if its author chose to share it. Safety answers, private notes, contact
details, practice answers and anything of another couple are never selected here at all.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from math import nan as NAN

import pandas as pd

from trustcare.content_catalog import Catalog
from trustcare.content_schema import ContentNotFound
from trustcare.models import Couple
from trustcare.persistence.uow import CounselorWork
from trustcare.services.checkins import MEASURE_ID
from trustcare.services.derived import catalog_key, couple_key, derived

SCORE_COLUMNS = ["partner_id", "partner", "submitted_at", "session_number", "total", "overall"]


@dataclass(frozen=True)
class SharedReflection:
    partner: str
    when: dt.datetime
    text: str


@dataclass(frozen=True)
class WalkthroughExercise:
    """One exercise of a module assigned to both partners, to walk through step by step."""

    key: str
    module_title: str
    title: str
    kind: str
    minutes: int
    steps: tuple[str, ...]


@dataclass(frozen=True)
class SharedScreen:
    couple_id: int
    partner_names: tuple[str, ...]
    partner_ids: tuple[int, ...]
    sharing_partner_ids: tuple[int, ...]
    scores: pd.DataFrame
    reflections: tuple[SharedReflection, ...]
    # Newest assignment first; the counselor chooses which one to walk through.
    exercises: tuple[WalkthroughExercise, ...]
    y_range: tuple[float, float]


def shared_screen(uow: CounselorWork, catalog: Catalog, couple_id: int) -> SharedScreen:
    """The only data session mode renders; every privacy rule of the shared screen lives here.

    In session mode the screen reruns on every step of an exercise: after the access check,
    which runs every time, what was built is kept while the couple's revision (raised by every
    write to the couple's rows: a partner's consent, check-ins, exercises, sessions,
    assignments, names) and the content library are unchanged (services/derived.py).
    """
    couple = uow.couples.get(couple_id)
    key = couple_key(uow, couple, "shared screen", catalog_key(catalog))
    return derived.get_or_build(key, lambda: _build_screen(uow, catalog, couple), keep=catalog)


def _build_screen(uow: CounselorWork, catalog: Catalog, couple: Couple) -> SharedScreen:
    partners = uow.couples.partner_rows(couple)
    sharing = [p.id for p in partners if p.share_scores_in_joint_sessions is True]
    names = {p.id: p.display_name for p in partners}
    score_rows = uow.screen.shared_scores(couple, sharing)
    held_on = uow.screen.session_days(couple)
    scores = _score_frame(score_rows, names, held_on)
    reflections = [
        SharedReflection(names[pid], when, text)
        for pid, when, text in uow.screen.shared_checkin_reflections(couple)
    ]
    reflections += [
        SharedReflection(names[pid], when, text)
        for pid, when, text in uow.screen.shared_exercise_reflections(couple)
    ]
    reflections.sort(key=lambda reflection: reflection.when, reverse=True)
    exercises = _walkthrough(uow, catalog, couple)
    total_range = catalog.measure(MEASURE_ID).total.range
    return SharedScreen(
        couple_id=couple.id,
        partner_names=tuple(p.display_name for p in partners),
        partner_ids=tuple(p.id for p in partners),
        sharing_partner_ids=tuple(sharing),
        scores=scores,
        reflections=tuple(reflections[:10]),
        exercises=exercises,
        y_range=(float(total_range[0]), float(total_range[1])),
    )


def _score_frame(rows: list, names: dict[int, str], held_on: list[dt.date]) -> pd.DataFrame:
    """The shared scores, column by column in one go: cheaper than converting afterwards."""
    if not rows:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    partner_ids, moments, totals, overalls = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "partner_id": partner_ids,
            "partner": [names[pid] for pid in partner_ids],
            "submitted_at": pd.to_datetime(list(moments), utc=True),
            # Sessions held on or before the day of the check-in (held_on is sorted).
            "session_number": [bisect.bisect_right(held_on, when.date()) for when in moments],
            "total": [NAN if value is None else float(value) for value in totals],
            "overall": [NAN if value is None else float(value) for value in overalls],
        }
    )


def _walkthrough(
    uow: CounselorWork, catalog: Catalog, couple: Couple
) -> tuple[WalkthroughExercise, ...]:
    """Every exercise of the open modules assigned to both partners, newest module first."""
    exercises = []
    for assignment_id, module_id, version in uow.screen.open_joint_assignments(couple):
        try:
            module = catalog.module(module_id, version)
        except ContentNotFound:
            continue
        exercises += [
            WalkthroughExercise(
                f"{assignment_id}:{exercise.id}",
                module.title,
                exercise.title,
                exercise.kind,
                exercise.minutes,
                tuple(exercise.steps),
            )
            for exercise in module.exercises
            if exercise.steps
        ]
    return tuple(exercises)

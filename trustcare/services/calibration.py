"""Reliable-change constants from the practice's own check-ins, for `trustcare calibrate`.

The shipped constants of the trust pulse are provisional guesses. A practice can estimate its
own: the SD of each partner's first check-in total (the spread before any change) and Cronbach's
alpha of the keyed item scores of every check-in. This reads the whole database, which holds one
practice, and only scores: never reflections, safety answers or names.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from typing import Any

from trustcare.catalog import get_catalog
from trustcare.content_catalog import Catalog
from trustcare.content_schema import ContentNotFound, Measure
from trustcare.persistence.uow import OpenUnscoped
from trustcare.scoring import (
    calibrate,
    cronbach_alpha,
    reliable_change_threshold,
    reverse_score,
)
from trustcare.services.checkins import MEASURE_ID

# Below this many partners an SD and an alpha move a lot from one sample to the next.
MIN_PARTNERS = 30


def _keyed_row(measure: Measure, item_ids: tuple[str, ...], answers: Mapping[str, Any]) -> list:
    """Keyed scores (reverse items flipped) of the total's items; None where not answered."""
    row: list[int | None] = []
    for item_id in item_ids:
        value = answers.get(item_id)
        try:
            item, scale = measure.item(item_id), measure.scale_of(item_id)
        except ContentNotFound:
            item, scale = None, None
        if item is None or scale is None or isinstance(value, bool) or not isinstance(value, int):
            row.append(None)
            continue
        row.append(reverse_score(value, scale) if item.reverse else value)
    return row


def _verdict(partners: int, checkins: int, problem: str | None, provisional: str) -> str:
    keep = f"Keep the provisional constants ({provisional}) for now."
    if checkins == 0:
        return f"There are no check-ins in this database yet: nothing to calibrate from. {keep}"
    if problem is not None:
        return f"These check-ins cannot give new constants: {problem}. {keep}"
    if partners < MIN_PARTNERS:
        return (
            f"Not enough data to trust these figures: {partners} partners have a first "
            f"check-in, and fewer than {MIN_PARTNERS} is too few. {keep}"
        )
    return (
        f"Enough data to use these figures: {partners} partners have a first check-in "
        f"(at least {MIN_PARTNERS}). To adopt them, add a new version of the measure to the "
        "practice's content folder with these reliable_change values."
    )


def calibration_report(open_work: OpenUnscoped, catalog: Catalog | None = None) -> dict[str, Any]:
    """SD of first totals, Cronbach's alpha and the threshold they give, beside the provisional.

    Each partner's first check-in is their first one with a total (a check-in with too many
    skipped questions has none). Alpha uses check-ins with every item of the total answered.
    Figures that cannot be estimated are None, and `problem` says why.
    """
    catalog = catalog or get_catalog()
    measure = catalog.measure(MEASURE_ID)
    item_ids = measure.total.items
    # Unscoped: a console command on a database of one practice (see CalibrationRepository).
    with open_work(read_only=True) as uow:
        rows = uow.calibration.scores_of(measure.id)

    versions: dict[int, Measure] = {}
    first_totals: dict[int, float] = {}
    item_rows = []
    for partner_id, version, total, answers in rows:
        if version not in versions:
            try:
                versions[version] = catalog.measure(measure.id, version)
            except ContentNotFound:
                versions[version] = measure
        item_rows.append(_keyed_row(versions[version], item_ids, answers or {}))
        if total is not None and partner_id not in first_totals:
            first_totals[partner_id] = float(total)

    complete = [row for row in item_rows if None not in row]
    totals = list(first_totals.values())
    sd = statistics.stdev(totals) if len(totals) >= 2 else None
    try:
        alpha: float | None = cronbach_alpha(complete)
    except ValueError:
        alpha = None
    threshold = problem = None
    if rows:
        try:
            threshold = calibrate(totals, complete).threshold
        except ValueError as error:
            problem = str(error)

    rc = measure.reliable_change
    provisional_threshold = reliable_change_threshold(rc.sd, rc.reliability)
    provisional_words = (
        f"sd {rc.sd:.1f}, reliability {rc.reliability:.2f}, "
        f"threshold {provisional_threshold:.1f} points"
    )
    return {
        "measure": {"id": measure.id, "version": measure.version, "title": measure.title},
        "partners": len(totals),
        "checkins": len(rows),
        "complete_checkins": len(complete),
        "items": len(item_ids),
        "sd_first_totals": sd,
        "cronbach_alpha": alpha if alpha is None or math.isfinite(alpha) else None,
        "threshold": threshold,
        "provisional": {
            "sd": rc.sd,
            "reliability": rc.reliability,
            "threshold": provisional_threshold,
            "provisional": rc.provisional,
        },
        "min_partners": MIN_PARTNERS,
        "enough_data": problem is None and bool(rows) and len(totals) >= MIN_PARTNERS,
        "problem": problem,
        "verdict": _verdict(len(totals), len(rows), problem, provisional_words),
    }

"""Scoring check-ins and judging change: pure functions over a `Measure` and plain numbers.

Kept apart from the database and the pages so every number a counselor sees can be checked by
hand in a unit test.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from trustcare.content_schema import Measure, ReliableChange, Scale

Change = Literal["improved", "unchanged", "deteriorated", "recovered"]

# Jacobson & Truax (1991): a change is reliable when it is unlikely (p < .05) to be measurement
# error alone.
RELIABLE_Z = 1.96


@dataclass(frozen=True)
class Scores:
    """One check-in's scores. Subscales and total are None when too many answers are missing.

    `items` holds keyed scores (reverse-keyed items flipped) of the answered items that feed the
    subscales and total, the rows `calibrate` wants; the overall, practice and safety answers are
    kept apart, so the private safety answer never travels with the scores.
    """

    measure_id: str
    measure_version: int
    items: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    subscales: Mapping[str, float | None] = field(default_factory=lambda: MappingProxyType({}))
    total: float | None = None
    overall: int | None = None
    practice: int | None = None
    safety_flag: bool | None = None
    missing: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, for storing with the check-in."""
        return {
            "measure_id": self.measure_id,
            "measure_version": self.measure_version,
            "items": dict(self.items),
            "subscales": dict(self.subscales),
            "total": self.total,
            "overall": self.overall,
            "practice": self.practice,
            "safety_flag": self.safety_flag,
            "missing": list(self.missing),
        }


def reverse_score(value: int, scale: Scale) -> int:
    """Flip an answer on its scale, so that agreeing with a negatively worded item scores low."""
    return scale.min + scale.max - value


def score_answers(measure: Measure, answers: Mapping[str, int | None]) -> Scores:
    """Score one check-in.

    Rules, chosen so one skipped question does not throw away a whole check-in:
    - reverse-keyed items are flipped first: min + max - answer;
    - a subscale is the mean of its answered items, if at most one of them is missing, else None;
    - a missing total item is filled in with its subscale's score (proration); the total is None
      when a missing item belongs to no subscale or its subscale is None. The total is then the
      sum or mean of the items, as the measure's rule says. For the trust pulse, where every
      subscale has two items, this equals the sum over subscales of 2 × the subscale mean;
    - safety_flag is True when any safety item is answered above its scale's minimum ("yes"),
      False when every safety item is answered at its minimum, and None (unanswered, never
      "no") when a safety item is left blank and none says yes; a measure without safety
      items gives False.

    Raises ValueError naming the item for an unknown item, a free-text item, a value that is
    not a whole number, or a value outside the item's scale.
    """
    items = {item.id: item for item in measure.items}
    keyed: dict[str, int] = {}
    raw: dict[str, int] = {}
    for item_id, value in answers.items():
        if item_id not in items:
            raise ValueError(f'unknown item "{item_id}" for measure "{measure.id}"')
        if value is None:
            continue
        item = items[item_id]
        if item.scale is None:
            raise ValueError(f'item "{item_id}" is free text and takes no score')
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f'item "{item_id}": answer must be a whole number, got {value!r}')
        scale = measure.scales[item.scale]
        if not scale.min <= value <= scale.max:
            raise ValueError(
                f'item "{item_id}": answer {value} is outside {scale.min} to {scale.max}'
            )
        raw[item_id] = value
        keyed[item_id] = reverse_score(value, scale) if item.reverse else value

    subscales: dict[str, float | None] = {}
    for subscale in measure.subscales:
        present = [keyed[i] for i in subscale.items if i in keyed]
        missing_count = len(subscale.items) - len(present)
        prorate = present and missing_count <= 1
        subscales[subscale.id] = statistics.fmean(present) if prorate else None

    total = _total(measure, keyed, subscales)
    scored = [*measure.total.items, *(i for s in measure.subscales for i in s.items)]
    missing = tuple(dict.fromkeys(i for i in scored if i not in keyed))
    safety = [item for item in measure.items if item.safety]
    safety_flag: bool | None = any(
        item.id in raw and raw[item.id] > measure.scales[item.scale].min  # type: ignore[index]
        for item in safety
    )
    if not safety_flag and any(item.id not in raw for item in safety):
        safety_flag = None
    return Scores(
        measure_id=measure.id,
        measure_version=measure.version,
        items=MappingProxyType({i: keyed[i] for i in dict.fromkeys(scored) if i in keyed}),
        subscales=MappingProxyType(subscales),
        total=total,
        overall=raw.get(measure.overall_item),
        practice=raw.get(measure.practice_item),
        safety_flag=safety_flag,
        missing=missing,
    )


def _total(
    measure: Measure, keyed: Mapping[str, int], subscales: Mapping[str, float | None]
) -> float | None:
    values: list[float] = []
    for item_id in measure.total.items:
        if item_id in keyed:
            values.append(keyed[item_id])
            continue
        subscale = measure.subscale_of(item_id)
        prorated = subscales.get(subscale.id) if subscale is not None else None
        if prorated is None:
            return None
        values.append(prorated)
    return math.fsum(values) if measure.total.rule == "sum" else statistics.fmean(values)


# --------------------------------------------------------------------------------------------
# Reliable change (Jacobson & Truax, 1991)


def _check_constants(sd: float, reliability: float) -> None:
    if not sd > 0:
        raise ValueError(f"sd must be greater than 0, got {sd}")
    if not 0 <= reliability < 1:
        raise ValueError(f"reliability must be at least 0 and below 1, got {reliability}")


def standard_error_of_difference(sd: float, reliability: float) -> float:
    """S_diff = sqrt(2) × SD × sqrt(1 − r): the spread of differences from error alone."""
    _check_constants(sd, reliability)
    return math.sqrt(2) * sd * math.sqrt(1 - reliability)


def reliable_change_index(x1: float, x2: float, sd: float, reliability: float) -> float:
    """RCI = (x2 − x1) / S_diff; beyond ±1.96 the change is more than measurement noise."""
    return (x2 - x1) / standard_error_of_difference(sd, reliability)


def reliable_change_threshold(sd: float, reliability: float) -> float:
    """The smallest change in raw points that counts as reliable: 1.96 × S_diff."""
    return RELIABLE_Z * standard_error_of_difference(sd, reliability)


def classify_change(
    x1: float,
    x2: float,
    measure_or_constants: Measure | ReliableChange,
    cutoff: float | None = None,
    *,
    higher_is_better: bool | None = None,
) -> Change:
    """Improved, unchanged or deteriorated by the reliable change index; "recovered" when the
    improvement is reliable and crosses the cut-off from the troubled to the healthy side.

    With a Measure, its cut-off and direction apply unless given here; with bare constants,
    higher is better unless told otherwise. Without a cut-off nothing is ever "recovered".
    """
    if isinstance(measure_or_constants, Measure):
        constants = measure_or_constants.reliable_change
        if cutoff is None:
            cutoff = measure_or_constants.cutoff
        if higher_is_better is None:
            higher_is_better = measure_or_constants.higher_is_better
    else:
        constants = measure_or_constants
    if higher_is_better is None:
        higher_is_better = True

    rci = reliable_change_index(x1, x2, constants.sd, constants.reliability)
    better = rci if higher_is_better else -rci
    if better < -RELIABLE_Z:
        return "deteriorated"
    if better <= RELIABLE_Z:
        return "unchanged"
    if cutoff is not None:

        def healthy(x: float) -> bool:
            return x >= cutoff if higher_is_better else x <= cutoff

        if not healthy(x1) and healthy(x2):
            return "recovered"
    return "improved"


# --------------------------------------------------------------------------------------------
# Calibration from a practice's own data


@dataclass(frozen=True)
class Calibration:
    """Reliable-change constants estimated from data, and the threshold they imply."""

    sd: float
    reliability: float
    threshold: float
    people: int
    rows: int


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _complete_rows(frame_or_rows: Any) -> list[list[float]]:
    """Rows of item scores with no gaps; accepts a DataFrame, sequences, or mappings by item."""
    if hasattr(frame_or_rows, "itertuples"):
        rows: list[Sequence[Any]] = list(frame_or_rows.itertuples(index=False, name=None))
    else:
        given = list(frame_or_rows)
        if given and all(isinstance(row, Mapping) for row in given):
            columns = sorted({key for row in given for key in row})
            rows = [[row.get(c) for c in columns] for row in given]
        else:
            rows = [list(row) for row in given]
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise ValueError("every row must have the same number of items")
    return [[float(v) for v in row] for row in rows if not any(_is_missing(v) for v in row)]


def cronbach_alpha(frame_or_rows: Any) -> float:
    """Internal consistency: k/(k−1) × (1 − Σ item variances / variance of row totals).

    Rows with a missing answer are left out (complete cases); sample variances throughout.
    """
    rows = _complete_rows(frame_or_rows)
    if len(rows) < 2:
        raise ValueError("need at least 2 complete rows to estimate alpha")
    k = len(rows[0])
    if k < 2:
        raise ValueError("need at least 2 items to estimate alpha")
    item_variances = [statistics.variance(column) for column in zip(*rows, strict=True)]
    total_variance = statistics.variance([math.fsum(row) for row in rows])
    if total_variance == 0:
        raise ValueError("every row has the same total, so alpha is undefined")
    return k / (k - 1) * (1 - math.fsum(item_variances) / total_variance)


def calibrate(first_totals: Iterable[float | None], item_rows: Any) -> Calibration:
    """New reliable-change constants from a practice's own check-ins.

    `first_totals`: each person's first check-in total (the spread before any change);
    `item_rows`: keyed item scores of check-ins (e.g. `Scores.items`), for Cronbach's alpha.
    """
    totals = [float(t) for t in first_totals if not _is_missing(t)]
    if len(totals) < 2:
        raise ValueError("need first check-ins from at least 2 people to estimate the SD")
    sd = statistics.stdev(totals)
    if sd == 0:
        raise ValueError("every first check-in has the same total, so the SD is 0")
    rows = _complete_rows(item_rows)
    alpha = cronbach_alpha(rows)
    if not 0 < alpha < 1:
        raise ValueError(
            f"Cronbach's alpha is {alpha:.2f}; the items do not hang together well enough "
            "to calibrate from these data"
        )
    return Calibration(
        sd=sd,
        reliability=alpha,
        threshold=reliable_change_threshold(sd, alpha),
        people=len(totals),
        rows=len(rows),
    )

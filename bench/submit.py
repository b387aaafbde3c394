"""Timing the check-in submit: the one write a client makes, through the real service call."""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from trustcare.content_catalog import Catalog
from trustcare.persistence.uow import PartnerWork, unscoped_work
from trustcare.services import checkins, links

WARM_UP = 3


@dataclass(frozen=True)
class SubmitTiming:
    median_ms: float
    p95_ms: float
    submits: int


def _answers(catalog: Catalog) -> dict[str, int]:
    """A complete, ordinary check-in: every scored item in the middle of its scale, safe."""
    measure = catalog.measure(checkins.MEASURE_ID)
    answers = {}
    for item in measure.items:
        scale = measure.scale_of(item.id)
        if scale is not None:
            answers[item.id] = scale.min if item.safety else (scale.min + scale.max) // 2
    return answers


def time_submits(
    factory: sessionmaker[Session], catalog: Catalog, token: str, count: int = 50
) -> SubmitTiming:
    """`count` submits by the partner behind `token`, each with its own idempotency key."""
    actor = links.open_link(partial(unscoped_work, factory), token, client="bench")
    answers = _answers(catalog)
    times = []
    for number in range(WARM_UP + count):
        started = time.perf_counter()
        with PartnerWork(factory, actor) as uow:
            receipt = checkins.submit_checkin(
                uow, catalog, answers, "A steady week.", False, None, uuid.uuid4().hex
            )
        elapsed = (time.perf_counter() - started) * 1000
        if receipt.already_stored:
            raise RuntimeError("a fresh idempotency key was taken for a repeat")
        if number >= WARM_UP:
            times.append(elapsed)
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return SubmitTiming(statistics.median(times), cuts[18], count)

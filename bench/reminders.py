"""One reminder runner pass on the bench's practice, the way the background runner pays for it.

Every couple of the practice gets the practice's weekly schedule, and a fixed number of
couples (`DUE_COUPLES`, active, both partners with an email) are due for a reminder at the
pass's moment; the other partners have no email. A pass therefore reads every active couple's
schedule inputs and sends the same number of messages at every size: its statements must not
change with the number of couples, and its time shows what the reading costs as the practice
grows. Messages go to an outbox in memory (no mail server is timed); between runs the
reminder rows are removed, so each run finds, claims and sends the same reminders again.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bench.pages import StatementCounter
from trustcare.clock import utcnow
from trustcare.models import Couple, Partner, Practice, Reminder
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services.reminders import run_pass

DUE_COUPLES = 3
BENCH_SECRET = "bench reminder secret, never a real one"


class _Outbox:
    """A delivery that keeps the messages (the runner's `delivery_for` and `Delivery` at once)."""

    def __init__(self) -> None:
        self.sent: list = []

    def __call__(self, _smtp) -> _Outbox:
        return self

    def send(self, message) -> None:
        self.sent.append(message)


@dataclass(frozen=True)
class PassTiming:
    median_ms: float
    statements: int
    statements_steady: bool
    sent: int
    first_ms: float
    runs_ms: tuple[float, ...]


def _moment() -> dt.datetime:
    """Noon three weeks after the practice's last check-in (its data ends today), a day after
    the reminder of a window that opened three days before at 09:00 (UTC): nobody answered."""
    day = utcnow().date() + dt.timedelta(weeks=3)
    return dt.datetime.combine(day, dt.time(12, 0), dt.UTC)


def _prepare(factory: sessionmaker[Session], practice_id: int, now: dt.datetime) -> int:
    """The practice's schedule and mail server, and email for the partners of its first
    DUE_COUPLES couples only (made active); returns how many reminders a pass should send."""
    opened = now - dt.timedelta(days=3)
    with factory() as session:
        practice = session.get(Practice, practice_id)
        practice.settings = {
            **(practice.settings or {}),
            "smtp": {"host": "mail.bench.example", "sender": "care@bench.example"},
            "checkin_schedule": {
                "kind": "every_weeks",
                "every_weeks": 1,
                "weekday": opened.weekday(),
                "local_time": "09:00:00",
                "window_days": 4,
                "reminder_day": 2,
            },
        }
        chosen = session.scalars(
            select(Couple.id)
            .where(Couple.practice_id == practice_id)
            .order_by(Couple.id)
            .limit(DUE_COUPLES)
        ).all()
        session.execute(update(Couple).where(Couple.id.in_(chosen)).values(status="active"))
        session.execute(update(Partner).values(contact=None, reminders_stopped_at=None))
        partners = session.scalars(select(Partner).where(Partner.couple_id.in_(chosen))).all()
        for partner in partners:
            partner.contact = f"bench.partner.{partner.id}@mail.example"
        session.commit()
        return len(partners)


def time_reminder_passes(
    engine: Engine, factory: sessionmaker[Session], practice_id: int, runs: int
) -> PassTiming:
    """Median of `runs` passes after a dropped first one, each sending the same reminders."""
    now = _moment()
    expected = _prepare(factory, practice_id, now)
    timings: list[float] = []
    counts: list[int] = []
    first_ms = 0.0
    for run in range(runs + 1):
        with engine.begin() as connection:
            connection.execute(delete(Reminder))
        outbox = _Outbox()
        with StatementCounter() as counter:
            started = time.perf_counter()
            result = run_pass(
                partial(unscoped_work, factory),
                partial(CounselorWork, factory),
                outbox,
                BENCH_SECRET,
                "http://localhost:8501",
                now,
            )
            elapsed = (time.perf_counter() - started) * 1000
        if result.sent != expected or len(outbox.sent) != expected:
            raise RuntimeError(
                f"reminder pass sent {result.sent} ({result.describe()}); {expected} were due"
            )
        if run == 0:
            first_ms = elapsed
            continue
        timings.append(elapsed)
        counts.append(counter.count)
    return PassTiming(
        median_ms=statistics.median(timings),
        statements=counts[-1],
        statements_steady=len(set(counts)) == 1,
        sent=expected,
        first_ms=first_ms,
        runs_ms=tuple(timings),
    )

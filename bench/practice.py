"""A synthetic practice at a chosen size, written with bulk inserts from a fixed seed.

One counselor owns every couple, so their caseload is the practice at that size (a supervisor's
view). Couples follow the demo's stories (improving, deteriorating, diverging, a safety answer,
overdue work), so alerts come out as they would in a real caseload. Rows are plain dicts written
in bulk (bulk.py), never ORM objects: 4,000 couples are about 180,000 check-ins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.bulk import write_rows
from trustcare.content_catalog import Catalog
from trustcare.content_schema import Measure
from trustcare.identity import Actor
from trustcare.models import (
    AlertAcknowledgement,
    Assignment,
    AuditEvent,
    CheckIn,
    CheckinLink,
    CounselingSession,
    Couple,
    ExerciseProgress,
    Login,
    Partner,
)
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.scoring import score_answers
from trustcare.services import accounts, links
from trustcare.services.checkins import MEASURE_ID
from trustcare.services.demo import (
    DEMO_COUPLES,
    REFLECTIONS,
    SESSION_NOTES,
    TRAJECTORIES,
    _keyed_items,
)
from trustcare.services.validation import label_key

SEED = 20260107
MIN_WEEKS, MAX_WEEKS = 6, 40
# How often each demo story occurs in a caseload; "new" is left out (fewer than 6 weeks).
STORY_WEIGHTS = {
    "improving": 40,
    "flat, one partner gone quiet": 12,
    "deteriorating": 8,
    "diverging": 8,
    "safety answer": 3,
    "betrayal recovery": 12,
    "one-sided work": 9,
    "flat, overdue work": 8,
}
STATUS_WEIGHTS = {"active": 85, "paused": 10, "closed": 5}
# The demo's invented names, recombined.
FIRST_NAMES = tuple(name for couple in DEMO_COUPLES for name in couple.partners)
SURNAMES = tuple(couple.label.split()[0] for couple in DEMO_COUPLES)
CHUNK_COUPLES = 250


@dataclass(frozen=True)
class BenchPractice:
    """What the bench measures: who acts, which couple and which link it opens."""

    couples: int
    checkins: int
    admin: Actor
    counselor: Actor
    couple_id: int  # the couple with the most check-ins
    couple_label: str
    partner_names: tuple[str, str]
    partner_id: int  # that couple's first partner, who opens the client page
    token: str  # a live personal link for that partner


class _Answers:
    """Believable answer sets for a target total, drawn from a pool made once per practice.

    Generating and scoring 180,000 answer sets one by one takes longer than inserting them, so
    each target total (0-32) gets a few keyed-item variants (demo._keyed_items), and each
    distinct answer set is scored once with the real scoring rules and serialised once.
    """

    VARIANTS = 6

    def __init__(self, measure: Measure, rng: random.Random) -> None:
        self.measure = measure
        self.safety_items = measure.safety_items
        self.pool = [
            [_keyed_items(target, rng, measure) for _ in range(self.VARIANTS)]
            for target in range(33)
        ]
        self._made: dict[tuple, tuple[str, str, object]] = {}

    def make(self, total: float, overall: int, practice: int, safety: bool, rng: random.Random):
        """(answers as JSON text, subscales as JSON text, scores)."""
        target = max(0, min(32, round(total)))
        key = (target, rng.randrange(self.VARIANTS), overall, practice, safety)
        made = self._made.get(key)
        if made is None:
            answers = dict(self.pool[target][key[1]])
            answers[self.measure.overall_item] = overall
            answers[self.measure.practice_item] = practice
            for item_id in self.safety_items:
                answers[item_id] = int(safety)
            scores = score_answers(self.measure, answers)
            made = (json.dumps(answers), json.dumps(dict(scores.subscales)), scores)
            self._made[key] = made
        return made


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), dt.UTC)


class _Rows:
    """Rows for one chunk of couples, per table, in insert order (parents first)."""

    TABLES = (
        Couple,
        Partner,
        CounselingSession,
        Assignment,
        ExerciseProgress,
        CheckIn,
        CheckinLink,
        AuditEvent,
        AlertAcknowledgement,
    )

    def __init__(self) -> None:
        self.by_table: dict[type, list[dict]] = {model: [] for model in self.TABLES}

    def add(self, model: type, row: dict) -> None:
        self.by_table[model].append(row)


class _Generator:
    """One couple after another from one random stream, so a seed gives the same practice."""

    def __init__(self, catalog: Catalog, counselor: Actor, today: dt.date, seed: int) -> None:
        self.catalog = catalog
        self.measure = catalog.measure(MEASURE_ID)
        self.counselor = counselor
        self.today = today
        self.rng = random.Random(seed)
        self.answers = _Answers(self.measure, self.rng)
        self.next_assignment_id = 1
        self.checkins = 0

    def couple(self, rows: _Rows, couple_id: int) -> None:
        rng = self.rng
        # The first couple runs longest, so the per-couple pages show the same history at
        # every practice size and only the size of the practice changes.
        weeks = MAX_WEEKS if couple_id == 1 else rng.randint(MIN_WEEKS, MAX_WEEKS)
        story = _weighted(rng, STORY_WEIGHTS)
        status = "active" if couple_id == 1 else _weighted(rng, STATUS_WEIGHTS)
        start = self.today - dt.timedelta(weeks=weeks)
        label = f"{rng.choice(SURNAMES)} {couple_id:05d}"
        names = rng.sample(FIRST_NAMES, 2)
        rows.add(
            Couple,
            {
                "id": couple_id,
                "practice_id": self.counselor.practice_id,
                "counselor_id": self.counselor.counselor_id,
                "label": label,
                "label_key": label_key(label),
                "status": status,
                "created_at": _at(start, 9),
                "updated_at": _at(start, 9),
            },
        )
        partner_ids = (2 * couple_id - 1, 2 * couple_id)
        sharing = (True, rng.random() < 0.7)
        for position, (partner_id, name) in enumerate(zip(partner_ids, names, strict=True), 1):
            contact = f"{name.lower()}.{partner_id}@mail.example"
            rows.add(
                Partner,
                {
                    "id": partner_id,
                    "couple_id": couple_id,
                    "position": position,
                    "display_name": name,
                    "contact": contact if rng.random() < 0.6 else None,
                    "share_scores_in_joint_sessions": sharing[position - 1],
                    "consent_updated_at": None,
                },
            )
            rows.add(
                CheckinLink,
                {
                    "partner_id": partner_id,
                    "token_hash": hashlib.sha256(f"bench-{partner_id}".encode()).hexdigest(),
                    "created_at": _at(start, 10),
                    "expires_at": _at(self.today + dt.timedelta(days=30), 10),
                    "created_by": self.counselor.counselor_id,
                },
            )
        self._audit(rows, "couple.create", couple_id, _at(start, 9))
        self._sessions(rows, couple_id, start, weeks)
        latest = self._checkins(rows, couple_id, partner_ids, sharing, start, weeks, story)
        self._assignments(rows, couple_id, partner_ids, start, weeks, story)
        if story == "deteriorating" and rng.random() < 0.3:
            # The counselor has seen this fall already (alerts.py keys it by the evidence).
            falling = partner_ids[0]
            rows.add(
                AlertAcknowledgement,
                {
                    "couple_id": couple_id,
                    "alert_key": f"deterioration:{falling}:{latest[falling]}",
                    "acknowledged_by": self.counselor.counselor_id,
                    "acknowledged_at": _at(self.today - dt.timedelta(days=3), 12),
                },
            )

    def _audit(
        self,
        rows: _Rows,
        action: str,
        couple_id: int,
        at: dt.datetime,
        partner_id: int | None = None,
        **detail,
    ) -> None:
        rows.add(
            AuditEvent,
            {
                "practice_id": self.counselor.practice_id,
                "actor_kind": "partner" if partner_id else "counselor",
                "actor_id": partner_id or self.counselor.counselor_id,
                "action": action,
                "record_type": "couple",
                "record_id": couple_id,
                "at": at,
                "detail": json.dumps(detail),
            },
        )

    def _sessions(self, rows: _Rows, couple_id: int, start: dt.date, weeks: int) -> None:
        held = [start + dt.timedelta(days=14 * n) for n in range(weeks // 2 + 1)]
        held = [day for day in held if day <= self.today - dt.timedelta(days=2)]
        for number, day in enumerate(held, start=1):
            rows.add(
                CounselingSession,
                {
                    "couple_id": couple_id,
                    "number": number,
                    "held_on": day,
                    "notes": self.rng.choice(SESSION_NOTES),
                    "created_at": _at(day, 17),
                    "updated_at": _at(day, 17),
                },
            )
            self._audit(rows, "session.create", couple_id, _at(day, 17), session_number=number)

    def _checkins(
        self,
        rows: _Rows,
        couple_id: int,
        partner_ids: tuple[int, int],
        sharing: tuple[bool, bool],
        start: dt.date,
        weeks: int,
        story: str,
    ) -> dict[int, int]:
        """The demo's weekly check-ins (demo._checkins), with answers from the pool; returns
        each partner's latest check-in id."""
        rng, measure = self.rng, self.measure
        latest = {}
        trajectory = TRAJECTORIES[story]
        for position, partner_id in enumerate(partner_ids):
            first, last = trajectory[position]
            quiet = story.endswith("gone quiet") and position == 1
            for week in range(weeks - 3 if quiet else weeks):
                progress = week / max(1, weeks - 1)
                total = first + (last - first) * progress + rng.uniform(-1.2, 1.2)
                overall = max(0, min(10, round(total / 3.2 + rng.uniform(-1, 1))))
                practice = rng.choice((1, 2, 2, 3)) if total > 15 else rng.choice((0, 1, 2))
                safety = story == "safety answer" and position == 0 and week == weeks - 1
                answers, subscales, scores = self.answers.make(
                    total, overall, practice, safety, rng
                )
                when = _at(start + dt.timedelta(days=7 * week + 2 + position), 19, 30)
                if when.date() > self.today:
                    continue
                reflection = rng.choice(REFLECTIONS)
                self.checkins += 1
                rows.add(
                    CheckIn,
                    {
                        "id": self.checkins,
                        "couple_id": couple_id,
                        "partner_id": partner_id,
                        "submitted_at": when,
                        "measure_id": measure.id,
                        "measure_version": measure.version,
                        "answers": answers,
                        "subscales": subscales,
                        "total": scores.total,
                        "overall": scores.overall,
                        "practice": scores.practice,
                        "reflection": reflection,
                        "reflection_shared": bool(reflection) and rng.random() < 0.5,
                        "scores_shared": sharing[position],
                        "safety_flag": scores.safety_flag,
                        "idempotency_key": f"bench-{partner_id}-{week}",
                    },
                )
                self._audit(
                    rows, "checkin.submit", couple_id, when, partner_id, checkin_id=self.checkins
                )
                latest[partner_id] = self.checkins
        return latest

    def _assignments(
        self,
        rows: _Rows,
        couple_id: int,
        partner_ids: tuple[int, int],
        start: dt.date,
        weeks: int,
        story: str,
    ) -> None:
        """The demo's assignment history (demo._assignments) as plain rows, without ORM objects."""
        rng, today, catalog = self.rng, self.today, self.catalog
        if story == "betrayal recovery":
            track = catalog.track("betrayal-recovery")
            plan = [(module_id, track.id) for module_id in track.modules[:2]]
        else:
            count = 1 if weeks < 6 else 2 if weeks < 12 else 3
            plan = [(module_id, None) for module_id in catalog.track("foundations").modules[:count]]
        for index, (module_id, track_id) in enumerate(plan):
            module = catalog.module(module_id)
            latest = index == len(plan) - 1
            assigned_on = start + dt.timedelta(weeks=index * max(1, weeks // len(plan)))
            due_on = assigned_on + dt.timedelta(days=14)
            if latest:
                assigned_on = max(start, today - dt.timedelta(days=10))
                due_on = today + dt.timedelta(days=4)
            if latest and story == "flat, overdue work":
                assigned_on, due_on = today - dt.timedelta(days=19), today - dt.timedelta(days=5)
            assignment_id = self.next_assignment_id
            self.next_assignment_id += 1
            assigned_at = _at(assigned_on, 10)
            rows.add(
                Assignment,
                {
                    "id": assignment_id,
                    "couple_id": couple_id,
                    "partner_id": None,
                    "module_id": module.id,
                    "module_version": module.version,
                    "track_id": track_id,
                    "due_on": due_on,
                    "note_to_client": "",
                    "status": "in_progress" if latest else "completed",
                    "assigned_by": self.counselor.counselor_id,
                    "assigned_at": assigned_at,
                    "completed_at": None if latest else _at(due_on, 18),
                },
            )
            for position, partner_id in enumerate(partner_ids):
                if latest and story == "one-sided work" and position == 1:
                    continue
                done = module.exercises if not latest else module.exercises[: 1 + position % 2]
                for exercise in done:
                    rows.add(
                        ExerciseProgress,
                        {
                            "assignment_id": assignment_id,
                            "partner_id": partner_id,
                            "exercise_id": exercise.id,
                            "done_at": assigned_at + dt.timedelta(days=3 + position),
                            "reflection": rng.choice(REFLECTIONS),
                            "reflection_shared": rng.random() < 0.5,
                        },
                    )


def _reset_sequences(engine: Engine) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; later inserts must not collide."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for model in (Couple, Partner, Assignment, CheckIn):
            table = model.__tablename__
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )


def build_practice(
    engine: Engine,
    factory: sessionmaker[Session],
    catalog: Catalog,
    couples: int,
    seed: int = SEED,
    today: dt.date | None = None,
) -> BenchPractice:
    """Fill a freshly upgraded, empty database with a practice of `couples` couples."""
    today = today or dt.date.today()
    admin = accounts.create_practice(
        partial(unscoped_work, factory),
        "Bench Practice",
        "Ada Admin",
        "ada@bench.example",
        "bench admin password",
    )
    with CounselorWork(factory, admin) as uow:
        counselor_id = accounts.add_counselor(uow, "Casey Caseload", "casey@bench.example", None)
        for number in range(1, 4):
            accounts.add_counselor(uow, f"Colleague {number}", f"c{number}@bench.example", None)
    with factory() as session:
        # Casey signs on through the practice's provider; the bench holds a login row for her.
        login = Login(counselor_id=counselor_id)
        session.add(login)
        session.commit()
        login_id = login.id
    counselor = accounts.actor_for_login(partial(unscoped_work, factory), counselor_id, 1, login_id)
    generator = _Generator(catalog, counselor, today, seed)
    with engine.begin() as connection:
        for first in range(1, couples + 1, CHUNK_COUPLES):
            rows = _Rows()
            for couple_id in range(first, min(first + CHUNK_COUPLES, couples + 1)):
                generator.couple(rows, couple_id)
            for model, batch in rows.by_table.items():
                write_rows(connection, model, batch)
    _reset_sequences(engine)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    with factory() as session:
        couple_id = session.execute(
            select(CheckIn.couple_id)
            .group_by(CheckIn.couple_id)
            .order_by(func.count(CheckIn.id).desc(), CheckIn.couple_id)
            .limit(1)
        ).scalar_one()
        couple_label = session.scalars(select(Couple.label).where(Couple.id == couple_id)).one()
        partners = session.execute(
            select(Partner.id, Partner.display_name)
            .where(Partner.couple_id == couple_id)
            .order_by(Partner.position)
        ).all()
    partner_id = partners[0].id
    with CounselorWork(factory, counselor) as uow:
        issued = links.issue_link(uow, couple_id, partner_id, "http://bench.invalid")
    return BenchPractice(
        couples=couples,
        checkins=generator.checkins,
        admin=admin,
        counselor=counselor,
        couple_id=couple_id,
        couple_label=couple_label,
        partner_names=(partners[0].display_name, partners[1].display_name),
        partner_id=partner_id,
        token=issued.url.split("t=", 1)[1],
    )

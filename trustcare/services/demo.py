"""The demo practice: fictional counselors and couples with believable histories.

Every name here is invented. Histories are generated from a fixed seed so that the demo, its
screenshots and its alerts come out the same on every machine.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from trustcare.catalog import get_catalog
from trustcare.content_catalog import Catalog
from trustcare.content_schema import Measure
from trustcare.models import (
    Assignment,
    CheckIn,
    CounselingSession,
    Counselor,
    Couple,
    ExerciseProgress,
    Partner,
    Reminder,
    SessionFeedback,
)
from trustcare.passwords import hash_password
from trustcare.persistence.uow import OpenUnscoped
from trustcare.schedules import CheckinSchedule, windows
from trustcare.scoring import score_answers
from trustcare.services import accounts
from trustcare.services.validation import label_key


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str
    name: str


DEMO_LOGINS = (
    DemoLogin("ada.admin@demo.trustcare.example", "demo-admin-pass", "admin", "Ada Okafor"),
    DemoLogin(
        "sam.counselor@demo.trustcare.example", "demo-counselor-pass", "counselor", "Sam Lindqvist"
    ),
)


@dataclass(frozen=True)
class DemoCouple:
    label: str
    partners: tuple[str, str]
    weeks: int
    story: str
    counselor: int = 0
    status: str = "active"


DEMO_COUPLES = (
    DemoCouple("Alder & Brook", ("Mara", "Tomas"), 14, "improving"),
    DemoCouple("Birchwood", ("Jun", "Priya"), 10, "flat, one partner gone quiet"),
    DemoCouple("Cedar Lane", ("Noor", "Elliot"), 12, "deteriorating"),
    DemoCouple("Dune & Harbor", ("Ines", "Kofi"), 9, "diverging"),
    DemoCouple("Elmstead", ("Rosa", "Dmitri"), 6, "safety answer"),
    DemoCouple("Fernhill", ("Leah", "Marcus"), 16, "betrayal recovery"),
    DemoCouple("Glenrock", ("Ayla", "Ben"), 20, "improving", status="paused"),
    DemoCouple("Hollis", ("Chen", "Dana"), 2, "new"),
    DemoCouple("Ivy Court", ("Femi", "Grace"), 8, "one-sided work"),
    DemoCouple("Juniper", ("Hana", "Oscar"), 11, "improving", counselor=1),
    DemoCouple("Kestrel", ("Lucia", "Nate"), 7, "flat, overdue work", counselor=1),
    DemoCouple("Linden", ("Yusuf", "Clara"), 18, "improving", counselor=1, status="closed"),
)

# The demo's schedules tell the measurement loop's story: weekly check-ins on the day the
# couple usually answers, open 4 days with a reminder on day 2. Alder & Brook answer every
# time; Birchwood's Priya has gone quiet (reminders sent, the last one failed); Hollis is new
# and Dana stopped reminder emails; Glenrock is paused, so its schedule is too. Couples not
# named here follow the practice default (no schedule).
SCHEDULED = ("Alder & Brook", "Birchwood", "Cedar Lane", "Hollis", "Glenrock", "Juniper")
STOPPED_REMINDERS = {"Dana"}
UNREACHABLE = {"Ben", "Elliot"}
FAILED_LAST_REMINDER = {"Priya"}
# Partners who read their page, emails and content in Spanish.
SPANISH = {"Rosa", "Lucia"}


def _weekly_schedule(start: dt.date) -> dict:
    """Weekly on the weekday of the couple's first check-ins, at 9:00 (UTC, the demo's zone)."""
    weekday = (start + dt.timedelta(days=2)).weekday()
    return CheckinSchedule(kind="every_weeks", every_weeks=1, weekday=weekday).model_dump(
        mode="json"
    )


def _reminders(couple: Couple, checkins: list[CheckIn], now: dt.datetime) -> list[Reminder]:
    """The reminders the runner would have sent: one in each window not answered by its
    reminder time, for a partner who can be emailed and did not stop them."""
    schedule = CheckinSchedule.model_validate(couple.schedule)
    found = windows(schedule, dt.UTC, couple.schedule_since, now)
    made = []
    for partner in couple.partners:
        if partner.reminders_stopped_at is not None or not partner.contact:
            continue
        times = [c.submitted_at for c in checkins if c.partner_id == partner.id]
        due = [
            w
            for w in found
            if w.remind_at is not None
            and w.remind_at <= now
            and not any(w.opens_at <= t < w.remind_at for t in times)
        ]
        for index, window in enumerate(due):
            failed = partner.display_name in FAILED_LAST_REMINDER and index == len(due) - 1
            made.append(
                Reminder(
                    couple_id=couple.id,
                    partner_id=partner.id,
                    window_key=window.key,
                    window_closes_at=window.closes_at,
                    status="failed" if failed else "sent",
                    attempts=4 if failed else 1,
                    sent_at=None if failed else window.remind_at + dt.timedelta(minutes=1),
                    last_error="the mail server refused the message" if failed else "",
                )
            )
    return made


def _demo_partner(position: int, name: str, share: bool, start: dt.date) -> Partner:
    """A demo partner with a fictional email (the unreachable ones have none)."""
    return Partner(
        position=position,
        display_name=name,
        language="es" if name in SPANISH else "en",
        share_scores_in_joint_sessions=share,
        contact=None if name in UNREACHABLE else f"{name.lower()}@mail.example",
        reminders_stopped_at=(
            dt.datetime.combine(start + dt.timedelta(days=4), dt.time(20), dt.UTC)
            if name in STOPPED_REMINDERS
            else None
        ),
    )


# Each partner's trust-pulse total at the start and at the latest check-in (0-32), by story.
TRAJECTORIES = {
    "improving": ((13, 25), (15, 26)),
    "flat, one partner gone quiet": ((18, 19), (17, 18)),
    "deteriorating": ((22, 10), (20, 15)),
    "diverging": ((21, 25), (20, 11)),
    "safety answer": ((16, 14), (19, 20)),
    "betrayal recovery": ((8, 17), (14, 20)),
    "new": ((16, 16), (20, 20)),
    "one-sided work": ((17, 21), (18, 17)),
    "flat, overdue work": ((19, 19), (18, 19)),
}
REFLECTIONS = (
    "We managed one calm talk this week.",
    "Hard week. I kept checking my phone for messages.",
    "I noticed I assume the worst when plans change.",
    "It helped to hear what a normal evening looks like for them.",
    "",
    "",
)

SESSION_NOTES = (
    "Reviewed the week. Both described one calm conversation about chores.",
    "Practised the listening loop in session; some defensiveness early on, settled later.",
    "Discussed pacing. Agreed to keep homework small this week.",
    "Talked about what 'checking in' means to each of them.",
    "Explored an old hurt that came up during the week. Plan to return to it next time.",
)


# Each partner's session feedback (0-40) at the first and the latest session, by story: Dune &
# Harbor's split alliance (Ines at ease, Kofi not), Cedar Lane's drop, Kestrel under the cut-off.
FEEDBACK = {
    "improving": ((31, 37), (33, 36)),
    "flat, one partner gone quiet": ((33, 33), (32, 31)),
    "deteriorating": ((35, 34), (34, 26)),
    "diverging": ((34, 37), (30, 24)),
    "safety answer": ((32, 33), (33, 34)),
    "betrayal recovery": ((29, 35), (33, 36)),
    "one-sided work": ((34, 35), (31, 32)),
    "flat, overdue work": ((30, 28), (29, 27)),
}


def _session_feedback(
    couple: Couple, spec: DemoCouple, measure: Measure, rng: random.Random
) -> list[SessionFeedback]:
    """Both partners' feedback on every logged session, along the couple's story; a partner who
    has gone quiet gave none on the last two."""
    if spec.story not in FEEDBACK or not couple.sessions:
        return []
    made = []
    last = len(couple.sessions)
    for partner, (first, latest) in zip(couple.partners, FEEDBACK[spec.story], strict=True):
        for session in couple.sessions:
            if partner.display_name in FAILED_LAST_REMINDER and session.number > last - 2:
                continue
            share = (session.number - 1) / max(last - 1, 1)
            total = round(first + (latest - first) * share + rng.uniform(-1, 1))
            base, extra = divmod(max(0, min(40, total)), 4)
            answers = {
                item.id: min(10, base + (1 if index < extra else 0))
                for index, item in enumerate(measure.items)
            }
            scores = score_answers(measure, answers)
            made.append(
                SessionFeedback(
                    couple_id=couple.id,
                    partner_id=partner.id,
                    session_id=session.id,
                    submitted_at=dt.datetime.combine(session.held_on, dt.time(20), dt.UTC),
                    measure_id=measure.id,
                    measure_version=measure.version,
                    answers=answers,
                    total=scores.total,
                    overall=scores.overall,
                    language=partner.language,
                    idempotency_key=uuid.uuid4().hex,
                )
            )
    return made


def _keyed_items(total: float, rng: random.Random, measure: Measure) -> dict[str, int]:
    """Raw answers whose keyed sum is close to `total`, spread over the eight items."""
    items = list(measure.total.items)
    target = max(0, min(32, round(total)))
    keyed = {item: target // len(items) for item in items}
    for item in rng.sample(items, target % len(items)):
        keyed[item] += 1
    for _ in range(3):
        up, down = rng.sample(items, 2)
        if keyed[up] < 4 and keyed[down] > 0:
            keyed[up] += 1
            keyed[down] -= 1
    raw = {}
    for item, value in keyed.items():
        scale = measure.scale_of(item)
        raw[item] = scale.min + scale.max - value if measure.item(item).reverse else value
    return raw


def _checkins(
    couple: Couple,
    spec: DemoCouple,
    start: dt.date,
    today: dt.date,
    measure: Measure,
    rng: random.Random,
) -> list[CheckIn]:
    """Weekly check-ins from both partners that follow the couple's story."""
    story = TRAJECTORIES.get(spec.story, TRAJECTORIES["improving"])
    made = []
    weeks = max(1, spec.weeks)
    for position, partner in enumerate(couple.partners):
        first, last = story[position]
        stop_week = weeks - 3 if spec.story.endswith("gone quiet") and position == 1 else weeks
        for week in range(0, stop_week):
            progress = week / max(1, weeks - 1)
            total = first + (last - first) * progress + rng.uniform(-1.2, 1.2)
            answers = _keyed_items(total, rng, measure)
            answers[measure.overall_item] = max(0, min(10, round(total / 3.2 + rng.uniform(-1, 1))))
            answers[measure.practice_item] = (
                rng.choice((1, 2, 2, 3)) if total > 15 else rng.choice((0, 1, 2))
            )
            safety = spec.story == "safety answer" and position == 0 and week == weeks - 1
            for item_id in measure.safety_items:
                answers[item_id] = int(safety)
            scores = score_answers(measure, answers)
            when = dt.datetime.combine(
                start + dt.timedelta(days=7 * week + 2 + position), dt.time(19, 30), dt.UTC
            )
            if when.date() > today:
                continue
            reflection = rng.choice(REFLECTIONS)
            made.append(
                CheckIn(
                    couple_id=couple.id,
                    partner_id=partner.id,
                    submitted_at=when,
                    measure_id=measure.id,
                    measure_version=measure.version,
                    answers=answers,
                    subscales=dict(scores.subscales),
                    total=scores.total,
                    overall=scores.overall,
                    practice=scores.practice,
                    reflection=reflection,
                    reflection_shared=bool(reflection) and rng.random() < 0.5,
                    scores_shared=bool(partner.share_scores_in_joint_sessions),
                    safety_flag=scores.safety_flag,
                    idempotency_key=f"demo-{couple.id}-{partner.id}-{week}",
                )
            )
    return made


def _assignments(
    couple: Couple,
    spec: DemoCouple,
    start: dt.date,
    today: dt.date,
    catalog: Catalog,
    rng: random.Random,
) -> tuple[list[Assignment], list[ExerciseProgress]]:
    """A believable history of assigned modules and exercises done."""
    if spec.story == "betrayal recovery":
        track = catalog.track("betrayal-recovery")
        plan = [(module_id, track.id) for module_id in track.modules[:2]]
    else:
        foundations = catalog.track("foundations").modules
        count = 1 if spec.weeks < 6 else 2 if spec.weeks < 12 else 3
        plan = [(module_id, None) for module_id in foundations[:count]]
    assignments_made, progress = [], []
    for index, (module_id, track_id) in enumerate(plan):
        module = catalog.module(module_id)
        latest = index == len(plan) - 1
        assigned_on = start + dt.timedelta(weeks=index * max(1, spec.weeks // len(plan)))
        due_on = assigned_on + dt.timedelta(days=14)
        if latest:
            assigned_on = max(start, today - dt.timedelta(days=10))
            due_on = today + dt.timedelta(days=4)
        if latest and spec.story == "flat, overdue work":
            assigned_on, due_on = today - dt.timedelta(days=19), today - dt.timedelta(days=5)
        assignment = Assignment(
            couple_id=couple.id,
            module_id=module.id,
            module_version=module.version,
            track_id=track_id,
            due_on=due_on,
            status="in_progress" if latest else "completed",
            assigned_at=dt.datetime.combine(assigned_on, dt.time(10), dt.UTC),
            completed_at=None if latest else dt.datetime.combine(due_on, dt.time(18), dt.UTC),
        )
        assignments_made.append(assignment)
        for position, partner in enumerate(couple.partners):
            if latest and spec.story == "one-sided work" and position == 1:
                continue
            done = module.exercises if not latest else module.exercises[: 1 + position % 2]
            for exercise in done:
                progress.append(
                    ExerciseProgress(
                        assignment=assignment,
                        partner_id=partner.id,
                        exercise_id=exercise.id,
                        done_at=assignment.assigned_at + dt.timedelta(days=3 + position),
                        reflection=rng.choice(REFLECTIONS),
                        reflection_shared=rng.random() < 0.5,
                    )
                )
    return assignments_made, progress


def seed_demo(open_work: OpenUnscoped, today: dt.date | None = None) -> None:
    """Create the demo practice, its two counselors and twelve couples (fresh database only).

    Unscoped: it runs on a fresh database, before anyone can sign in (see SeedRepository).
    """
    today = today or dt.date.today()
    catalog = get_catalog()
    measure = catalog.measure("trust-pulse")
    feedback_measure = catalog.measure("session-feedback")
    admin_login, counselor_login = DEMO_LOGINS
    admin = accounts.create_practice(
        open_work,
        "Riverside Couples Practice (demo)",
        admin_login.name,
        admin_login.email,
        admin_login.password,
        is_demo=True,
    )
    rng = random.Random(20261127)
    # Its own generator, so the rest of the demo's story stays as it was before feedback.
    feedback_rng = random.Random(20261207)
    with open_work() as uow:
        second = Counselor(
            practice_id=admin.practice_id,
            email=counselor_login.email,
            display_name=counselor_login.name,
            role=counselor_login.role,
            password_hash=hash_password(counselor_login.password),
        )
        uow.seeding.add_counselor(second)
        counselor_ids = (admin.counselor_id, second.id)
        for spec in DEMO_COUPLES:
            start = today - dt.timedelta(weeks=spec.weeks)
            couple = Couple(
                practice_id=admin.practice_id,
                counselor_id=counselor_ids[spec.counselor],
                label=spec.label,
                label_key=label_key(spec.label),
                status=spec.status,
                created_at=dt.datetime.combine(start, dt.time(9), dt.UTC),
                partners=[
                    _demo_partner(1, spec.partners[0], True, start),
                    _demo_partner(2, spec.partners[1], spec.label != "Alder & Brook", start),
                ],
            )
            if spec.label in SCHEDULED:
                couple.schedule = _weekly_schedule(start)
                couple.schedule_since = start
            session_dates = [start + dt.timedelta(days=14 * n) for n in range(spec.weeks // 2 + 1)]
            couple.sessions = [
                CounselingSession(number=n, held_on=held_on, notes=rng.choice(SESSION_NOTES))
                for n, held_on in enumerate(
                    (d for d in session_dates if d <= today - dt.timedelta(days=2)), start=1
                )
            ]
            if spec.status == "active":
                # The next session, two weeks after the last planned one, at 17:00.
                next_day = session_dates[-1] + dt.timedelta(days=14)
                while next_day < today:
                    next_day += dt.timedelta(days=14)
                couple.next_session_at = dt.datetime.combine(next_day, dt.time(17), dt.UTC)
                couple.session_rhythm = "every_2_weeks"
            uow.seeding.add_couple(couple)
            checkins = _checkins(couple, spec, start, today, measure, rng)
            uow.seeding.add_history(checkins)
            if couple.schedule is not None:
                now = dt.datetime.combine(today, dt.time(12), dt.UTC)
                uow.seeding.add_history(_reminders(couple, checkins, now))
            made, progress = _assignments(couple, spec, start, today, catalog, rng)
            uow.seeding.add_history(made)
            uow.seeding.add_history(progress)
            uow.seeding.add_history(
                _session_feedback(couple, spec, feedback_measure, feedback_rng)
            )
        uow.audit(
            "practice.seed_demo",
            "practice",
            admin.practice_id,
            practice_id=admin.practice_id,
            actor_kind="system",
            actor_id=None,
        )
        uow.commit()

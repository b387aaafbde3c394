"""The demo practice: fictional counselors and couples with believable histories.

Every name here is invented. Histories are generated from a fixed seed so that the demo, its
screenshots and its alerts come out the same on every machine.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from trustcare.models import CounselingSession, Counselor, Couple, Partner
from trustcare.passwords import hash_password
from trustcare.services import accounts
from trustcare.services.uow import UnitOfWork
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
    DemoCouple("Birchwood", ("Jun", "Priya"), 10, "flat"),
    DemoCouple("Cedar Lane", ("Noor", "Elliot"), 12, "deteriorating"),
    DemoCouple("Dune & Harbor", ("Ines", "Kofi"), 9, "diverging"),
    DemoCouple("Elmstead", ("Rosa", "Dmitri"), 6, "safety"),
    DemoCouple("Fernhill", ("Leah", "Marcus"), 16, "betrayal"),
    DemoCouple("Glenrock", ("Ayla", "Ben"), 20, "improving", status="paused"),
    DemoCouple("Hollis", ("Chen", "Dana"), 2, "new"),
    DemoCouple("Ivy Court", ("Femi", "Grace"), 8, "one-sided"),
    DemoCouple("Juniper", ("Hana", "Oscar"), 11, "improving", counselor=1),
    DemoCouple("Kestrel", ("Lucia", "Nate"), 7, "flat", counselor=1),
    DemoCouple("Linden", ("Yusuf", "Clara"), 18, "closed", counselor=1, status="closed"),
)

SESSION_NOTES = (
    "Reviewed the week. Both described one calm conversation about chores.",
    "Practised the listening loop in session; some defensiveness early on, settled later.",
    "Discussed pacing. Agreed to keep homework small this week.",
    "Talked about what 'checking in' means to each of them.",
    "Explored an old hurt that came up during the week. Plan to return to it next time.",
)


def seed_demo(factory: sessionmaker[Session], today: dt.date | None = None) -> None:
    """Create the demo practice, its two counselors and twelve couples (fresh database only)."""
    today = today or dt.date.today()
    admin_login, counselor_login = DEMO_LOGINS
    admin = accounts.create_practice(
        factory,
        "Riverside Couples Practice (demo)",
        admin_login.name,
        admin_login.email,
        admin_login.password,
        is_demo=True,
    )
    rng = random.Random(20261127)
    with UnitOfWork(factory) as uow:
        second = Counselor(
            practice_id=admin.practice_id,
            email=counselor_login.email,
            display_name=counselor_login.name,
            role=counselor_login.role,
            password_hash=hash_password(counselor_login.password),
        )
        uow.session.add(second)
        uow.session.flush()
        counselor_ids = (admin.counselor_id, second.id)
        for spec in DEMO_COUPLES:
            couple = Couple(
                practice_id=admin.practice_id,
                counselor_id=counselor_ids[spec.counselor],
                label=spec.label,
                label_key=label_key(spec.label),
                status=spec.status,
                partners=[
                    Partner(position=1, display_name=spec.partners[0]),
                    Partner(position=2, display_name=spec.partners[1]),
                ],
            )
            start = today - dt.timedelta(weeks=spec.weeks)
            number_of_sessions = max(1, spec.weeks // 2 + 1)
            couple.sessions = [
                CounselingSession(
                    number=number,
                    held_on=start + dt.timedelta(days=14 * (number - 1)),
                    notes=rng.choice(SESSION_NOTES),
                )
                for number in range(1, number_of_sessions + 1)
                if start + dt.timedelta(days=14 * (number - 1)) <= today
            ]
            uow.session.add(couple)
        uow.audit(
            "practice.seed_demo",
            "practice",
            admin.practice_id,
            practice_id=admin.practice_id,
            actor_kind="system",
            actor_id=None,
        )
        uow.commit()

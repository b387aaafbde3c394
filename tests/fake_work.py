"""A unit of work held in memory, for service tests that need no database.

The model is cosmicpython's FakeUnitOfWork: the same repository methods the services call, on
dicts, with the same scoping (a couple of another counselor is not found), and a record of what
was committed, rolled back and audited, so a test reads what the service decided.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from trustcare.errors import CoupleNotFound, PermissionDenied, SessionNotFound
from trustcare.identity import Actor
from trustcare.models import CounselingSession, Couple
from trustcare.practice_settings import PracticeSettings

_ids = itertools.count(1)


class FakeCouples:
    """The couples repository on a dict: only the acting counselor's couples are in reach."""

    def __init__(self, work: FakeCounselorWork) -> None:
        self._work = work
        self.rows: dict[int, Couple] = {}
        self.lose_label_race = False

    def _in_reach(self) -> list[Couple]:
        actor = self._work.actor
        return [
            c
            for c in self.rows.values()
            if c.counselor_id == actor.counselor_id and c.practice_id == actor.practice_id
        ]

    def get(self, couple_id: object) -> Couple:
        found = next((c for c in self._in_reach() if c.id == couple_id), None)
        if found is None:
            raise CoupleNotFound()
        return found

    def label_taken(self, key: str, except_couple: Couple | None = None) -> bool:
        return any(c.label_key == key and c is not except_couple for c in self._in_reach())

    def add_couple(self, couple: Couple) -> bool:
        if self.lose_label_race:
            return False
        couple.id = next(_ids)
        for partner in couple.partners:
            partner.id = next(_ids)
        self.rows[couple.id] = couple
        self._work.pending.append(("add", couple))
        return True

    def set_status(self, couple: Couple, status: str) -> str:
        previous, couple.status = couple.status, status
        return previous


class FakeSessions:
    """Therapy sessions on a list, numbered per couple."""

    def __init__(self, work: FakeCounselorWork) -> None:
        self._work = work
        self.rows: list[CounselingSession] = []

    def next_number(self, couple: Couple) -> int:
        return 1 + max((s.number for s in self.rows if s.couple_id == couple.id), default=0)

    def add_session(self, session: CounselingSession) -> CounselingSession:
        session.id = next(_ids)
        self.rows.append(session)
        self._work.pending.append(("add", session))
        return session

    def logged(self, couple: Couple, session_id: object) -> CounselingSession:
        found = next(
            (s for s in self.rows if s.id == session_id and s.couple_id == couple.id), None
        )
        if found is None:
            raise SessionNotFound()
        return found


@dataclass
class FakeCounselorWork:
    """Stands in for CounselorWork: repositories, the submission ledger, audit and commit."""

    actor: Actor
    committed: int = 0
    rolled_back: int = 0
    audited: list[tuple[str, str, int | None, dict]] = field(default_factory=list)
    pending: list[tuple[str, object]] = field(default_factory=list)
    ledger: dict[str, tuple[str, int | None, int | None]] = field(default_factory=dict)
    _claim: str | None = None

    def __post_init__(self) -> None:
        self.couples = FakeCouples(self)
        self.sessions = FakeSessions(self)

    def once(self, key: str | None, kind: str, practice_id: int | None) -> int | None:
        if key is None:
            return None
        if key not in self.ledger:
            self.ledger[key] = (kind, practice_id, None)
            self._claim = key
            return None
        earlier_kind, earlier_practice, record_id = self.ledger[key]
        if (earlier_kind, earlier_practice) != (kind, practice_id):
            raise PermissionDenied("This form was already used for something else.")
        return record_id

    settings: PracticeSettings = field(default_factory=PracticeSettings)

    def practice_settings(self) -> PracticeSettings:
        return self.settings

    def made(self, record_id: int) -> None:
        if self._claim is not None:
            kind, practice_id, _ = self.ledger[self._claim]
            self.ledger[self._claim] = (kind, practice_id, record_id)

    def record(self, action: str, record_type: str, record_id: int | None, **detail) -> None:
        self.audited.append((action, record_type, record_id, detail))

    def commit(self) -> None:
        self.committed += 1
        self.pending.clear()

    def rollback(self) -> None:
        self.rolled_back += 1
        self.pending.clear()
        self.audited.clear()
        if self._claim is not None:
            self.ledger.pop(self._claim, None)
            self._claim = None

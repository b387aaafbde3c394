"""The caseload and the couple record: create, edit, change status, log sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trustcare.errors import InvalidInput, SessionNotFound
from trustcare.models import (
    COUPLE_STATUSES,
    LABEL_MAX,
    NAME_MAX,
    AuditEvent,
    CounselingSession,
    Couple,
    Partner,
    utcnow,
)
from trustcare.persistence.uow import CounselorWork, row_id
from trustcare.services.derived import derived
from trustcare.services.validation import (
    clean_long_text,
    clean_name,
    clean_optional,
    label_key,
)

NOTES_MAX = 20_000
VIEW_AUDIT_WINDOW = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class PartnerView:
    id: int
    position: int
    display_name: str
    contact: str


@dataclass(frozen=True)
class CaseloadRow:
    couple_id: int
    label: str
    partners: str
    status: str
    sessions: int
    last_session: dt.date | None


@dataclass(frozen=True)
class Caseload:
    rows: list[CaseloadRow]
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class SessionView:
    id: int
    number: int
    held_on: dt.date
    notes: str
    logged_at: dt.datetime


@dataclass(frozen=True)
class CoupleRecord:
    id: int
    label: str
    status: str
    partners: tuple[PartnerView, ...]
    sessions: tuple[SessionView, ...]
    created_at: dt.datetime

    @property
    def next_session_number(self) -> int:
        return max((session.number for session in self.sessions), default=0) + 1


@dataclass(frozen=True)
class PartnerInput:
    display_name: str
    contact: str = ""


def caseload_filter(uow: CounselorWork, status: str | None = None, search: str = "") -> Select:
    """The counselor's couples matching a status and a search of labels and partner names."""
    statement = uow.couples.in_reach()
    if status:
        statement = statement.where(Couple.status == status)
    needle = search.strip()
    if "\x00" in needle:
        # No label or name holds a NUL (PostgreSQL refuses one in text): nothing matches.
        return statement.where(false())
    if needle:
        partner_match = select(Partner.couple_id).where(
            func.lower(Partner.display_name).contains(needle.lower(), autoescape=True)
        )
        # autoescape: a % or _ typed in the search is that character, not a wildcard.
        statement = statement.where(
            or_(
                Couple.label_key.contains(label_key(needle), autoescape=True),
                Couple.id.in_(partner_match),
            )
        )
    return statement


def list_caseload(
    uow: CounselorWork,
    status: str | None = None,
    search: str = "",
    limit: int = 500,
    offset: int = 0,
    couple_ids: list[int] | None = None,
    counts: dict[str, int] | None = None,
) -> Caseload:
    """The counselor's couples in three statements, whatever the caseload's size.

    With `couple_ids`, only those couples (still only the counselor's own) are listed; with
    `counts` (from `status_counts`, already read), they are not read again.
    """
    session_stats = select(
        CounselingSession.couple_id,
        func.count(CounselingSession.id).label("sessions"),
        func.max(CounselingSession.held_on).label("last_session"),
    ).group_by(CounselingSession.couple_id)
    statement = caseload_filter(uow, status, search)
    if couple_ids is not None:
        statement = statement.where(Couple.id.in_(couple_ids))
        session_stats = session_stats.where(CounselingSession.couple_id.in_(couple_ids))
    stats = session_stats.subquery()
    # Plain columns, not Couple objects: building ORM objects costs more than the query.
    statement = statement.with_only_columns(
        Couple.id, Couple.label, Couple.status, stats.c.sessions, stats.c.last_session
    ).outerjoin(stats, stats.c.couple_id == Couple.id)
    rows = uow.session.execute(
        statement.order_by(Couple.label_key).limit(limit).offset(offset)
    ).all()
    couple_ids = [row.id for row in rows]
    names: dict[int, list[str]] = {couple_id: [] for couple_id in couple_ids}
    if couple_ids:
        for couple_id, name in uow.session.execute(
            select(Partner.couple_id, Partner.display_name)
            .where(Partner.couple_id.in_(couple_ids))
            .order_by(Partner.couple_id, Partner.position)
        ):
            names[couple_id].append(name)
    return Caseload(
        rows=[
            CaseloadRow(
                couple_id=row.id,
                label=row.label,
                partners=" & ".join(names[row.id]),
                status=row.status,
                sessions=row.sessions or 0,
                last_session=row.last_session,
            )
            for row in rows
        ],
        counts=counts if counts is not None else status_counts(uow),
    )


def status_counts(uow: CounselorWork) -> dict[str, int]:
    """How many of the counselor's couples are active, paused and closed."""
    counts = {status_name: 0 for status_name in COUPLE_STATUSES}
    counts.update(
        uow.session.execute(
            uow.couples.in_reach()
            .with_only_columns(Couple.status, func.count(Couple.id))
            .group_by(Couple.status)
        ).all()
    )
    return counts


def _check_partners(partners: list[PartnerInput], problems: dict[str, str]) -> list[PartnerInput]:
    if len(partners) != 2:
        problems["partners"] = "a couple has exactly two partners"
        return []
    cleaned = []
    for number, partner in enumerate(partners, start=1):
        name = clean_name(partner.display_name, f"partner {number} name", NAME_MAX, problems)
        contact = clean_optional(partner.contact, f"partner {number} contact", 254, problems)
        cleaned.append(PartnerInput(name, contact))
    return cleaned


def _label_taken(uow: CounselorWork, key: str, except_id: int | None = None) -> bool:
    statement = uow.couples.in_reach().where(Couple.label_key == key)
    if except_id is not None:
        statement = statement.where(Couple.id != except_id)
    return uow.session.scalars(statement.limit(1)).first() is not None


def create_couple(
    uow: CounselorWork,
    label: str,
    partners: list[PartnerInput],
    *,
    submission: str | None = None,
) -> int:
    """Create a couple with both partners at once, or nothing at all; a repeated submission
    of the same form (`submission`, its one-use key) returns the couple it made."""
    if (earlier := uow.once(submission, "couple", uow.actor.practice_id)) is not None:
        return earlier
    problems: dict[str, str] = {}
    label = clean_name(label, "label", LABEL_MAX, problems)
    cleaned = _check_partners(partners, problems)
    if "label" not in problems and _label_taken(uow, label_key(label)):
        problems["label"] = "is already used by another couple in your caseload"
    if problems:
        raise InvalidInput(problems)
    couple = Couple(
        practice_id=uow.actor.practice_id,
        counselor_id=uow.actor.counselor_id,
        label=label,
        label_key=label_key(label),
        status="active",
        partners=[
            Partner(
                position=position,
                display_name=partner.display_name,
                contact=partner.contact or None,
            )
            for position, partner in enumerate(cleaned, start=1)
        ],
    )
    uow.session.add(couple)
    try:
        uow.session.flush()
    except IntegrityError as error:
        uow.session.rollback()
        raise InvalidInput(
            {"label": "is already used by another couple in your caseload"}
        ) from error
    uow.record("couple.create", "couple", couple.id)
    uow.made(couple.id)
    uow.commit()
    return couple.id


def partner_views(session: Session, couple: Couple) -> tuple[PartnerView, ...]:
    """Both partners in position order, as plain values; the caller has checked the couple."""
    rows = session.execute(
        select(Partner.id, Partner.position, Partner.display_name, Partner.contact)
        .where(Partner.couple_id == couple.id)
        .order_by(Partner.position)
    )
    return tuple(
        PartnerView(pid, position, name, contact or "") for pid, position, name, contact in rows
    )


def record_of(session: Session, couple: Couple) -> CoupleRecord:
    """The couple's record as plain values; the caller has already checked who may read it."""
    partners = partner_views(session, couple)
    sessions = session.execute(
        select(
            CounselingSession.id,
            CounselingSession.number,
            CounselingSession.held_on,
            CounselingSession.notes,
            CounselingSession.created_at,
        )
        .where(CounselingSession.couple_id == couple.id)
        .order_by(CounselingSession.number.desc())
    ).all()
    return CoupleRecord(
        id=couple.id,
        label=couple.label,
        status=couple.status,
        partners=partners,
        sessions=tuple(SessionView(*row) for row in sessions),
        created_at=couple.created_at,
    )


def audit_view(uow: CounselorWork, couple: Couple) -> dt.datetime:
    """Write the counselor's view of a couple to the audit trail, unless one is already there
    from the last VIEW_AUDIT_WINDOW; returns when the latest such view was written.

    It takes the couple row that `uow.couples.get` checked, never a bare id: a view of a couple
    the counselor cannot see is never written to the trail. While the last view this process
    wrote or saw is inside the window, nothing needs to be read (services/derived.py).
    """
    if not isinstance(couple, Couple):
        raise TypeError("audit_view takes the couple row from uow.couples.get, not an id")
    now = utcnow()
    key = ("viewed", uow.database, uow.actor.counselor_id, couple.id, couple.created_at)
    known = derived.get(key)
    if isinstance(known, dt.datetime) and now - VIEW_AUDIT_WINDOW <= known <= now:
        return known
    latest = uow.session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.action == "couple.view",
            AuditEvent.record_type == "couple",
            AuditEvent.record_id == couple.id,
            AuditEvent.actor_kind == "counselor",
            AuditEvent.actor_id == uow.actor.counselor_id,
            AuditEvent.at >= now - VIEW_AUDIT_WINDOW,
        )
    )
    if latest is None:
        uow.record("couple.view", "couple", couple.id)
        uow.commit()
        latest = now
    derived.put(key, latest)
    return latest


def update_couple(
    uow: CounselorWork, couple_id: int, label: str, partners: list[PartnerInput]
) -> None:
    """Rename the couple or its partners; both partners are always given."""
    couple = uow.couples.get(couple_id)
    problems: dict[str, str] = {}
    label = clean_name(label, "label", LABEL_MAX, problems)
    cleaned = _check_partners(partners, problems)
    if "label" not in problems and _label_taken(uow, label_key(label), except_id=couple.id):
        problems["label"] = "is already used by another couple in your caseload"
    if problems:
        raise InvalidInput(problems)
    couple.label = label
    couple.label_key = label_key(label)
    stored = uow.session.scalars(
        select(Partner).where(Partner.couple_id == couple.id).order_by(Partner.position)
    ).all()
    for partner, new in zip(stored, cleaned, strict=True):
        partner.display_name = new.display_name
        partner.contact = new.contact or None
    uow.record("couple.update", "couple", couple.id)
    uow.commit()


def set_status(uow: CounselorWork, couple_id: int, status: str) -> None:
    """Pause, close or reopen a couple; their history stays."""
    if status not in COUPLE_STATUSES:
        raise InvalidInput({"status": f"must be one of: {', '.join(COUPLE_STATUSES)}"})
    couple = uow.couples.get(couple_id)
    previous = couple.status
    couple.status = status
    uow.record("couple.status", "couple", couple.id, before=previous, after=status)
    uow.commit()


def log_session(
    uow: CounselorWork,
    couple_id: int,
    held_on: dt.date,
    notes: str,
    *,
    submission: str | None = None,
) -> int:
    """Add the next numbered session; its notes are private to the counselor. A second click
    on the same form (`submission`, its one-use key) returns the session it logged."""
    couple = uow.couples.get(couple_id)
    if (earlier := uow.once(submission, "session", uow.actor.practice_id)) is not None:
        return earlier
    problems: dict[str, str] = {}
    notes = clean_long_text(notes, "notes", NOTES_MAX, problems)
    _check_held_on(held_on, problems)
    if problems:
        raise InvalidInput(problems)
    number = (
        uow.session.scalar(
            select(func.max(CounselingSession.number)).where(
                CounselingSession.couple_id == couple.id
            )
        )
        or 0
    ) + 1
    session = CounselingSession(couple_id=couple.id, number=number, held_on=held_on, notes=notes)
    uow.session.add(session)
    uow.session.flush()
    uow.record("session.create", "couple", couple.id, session_number=number)
    uow.made(session.id)
    uow.commit()
    return session.id


def _logged_session(uow: CounselorWork, couple: Couple, session_id: int) -> CounselingSession:
    session = uow.session.scalars(
        select(CounselingSession).where(
            CounselingSession.id == row_id(session_id), CounselingSession.couple_id == couple.id
        )
    ).one_or_none()
    if session is None:
        raise SessionNotFound()
    return session


def _check_held_on(held_on: object, problems: dict[str, str]) -> None:
    if not isinstance(held_on, dt.date):
        problems["date"] = "must be a date"
    elif held_on > dt.date.today() + dt.timedelta(days=1):
        problems["date"] = "cannot be in the future"


def update_session_notes(uow: CounselorWork, couple_id: int, session_id: int, notes: str) -> None:
    """Edit a logged session's private notes only (its date stays)."""
    couple = uow.couples.get(couple_id)
    session = _logged_session(uow, couple, session_id)
    correct_session(uow, couple.id, session.id, session.held_on, notes)


def correct_session(
    uow: CounselorWork,
    couple_id: int,
    session_id: int,
    held_on: dt.date,
    notes: str,
) -> None:
    """Correct a logged session's date or private notes; the trail says which changed."""
    couple = uow.couples.get(couple_id)
    problems: dict[str, str] = {}
    notes = clean_long_text(notes, "notes", NOTES_MAX, problems)
    _check_held_on(held_on, problems)
    if problems:
        raise InvalidInput(problems)
    session = _logged_session(uow, couple, session_id)
    changed = [
        name
        for name, before, after in (
            ("date", session.held_on, held_on),
            ("notes", session.notes, notes),
        )
        if before != after
    ]
    if not changed:
        return
    session.held_on, session.notes = held_on, notes
    if changed == ["notes"]:
        uow.record("session.update_notes", "couple", couple.id, session_number=session.number)
    else:
        uow.record(
            "session.correct", "couple", couple.id, session_number=session.number, changed=changed
        )
    uow.commit()


SESSION_DELETE_REASON_MIN = 5


def delete_session(uow: CounselorWork, couple_id: int, session_id: int, reason: str) -> None:
    """Delete a session logged by mistake, with a reason for the trail; later ones move up
    one number, so the couple's sessions stay numbered 1, 2, 3 …"""
    couple = uow.couples.get(couple_id)
    problems: dict[str, str] = {}
    reason = clean_long_text(reason, "reason", 500, problems).strip()
    if "reason" not in problems and len(reason) < SESSION_DELETE_REASON_MIN:
        problems["reason"] = "must say why the session is deleted (a few words)"
    if problems:
        raise InvalidInput(problems)
    session = _logged_session(uow, couple, session_id)
    number = session.number
    uow.session.delete(session)
    uow.session.flush()
    later = uow.session.scalars(
        select(CounselingSession)
        .where(CounselingSession.couple_id == couple.id, CounselingSession.number > number)
        .order_by(CounselingSession.number)
    ).all()
    for moved in later:
        moved.number -= 1
        uow.session.flush()
    uow.record("session.delete", "couple", couple.id, session_number=number, reason=reason)
    uow.commit()

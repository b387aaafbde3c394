"""The caseload and the couple record: create, edit, change status, log sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from trustcare.errors import InvalidInput
from trustcare.languages import DEFAULT_LANGUAGE, LANGUAGES, known_language
from trustcare.models import (
    COUPLE_STATUSES,
    LABEL_MAX,
    NAME_MAX,
    CounselingSession,
    Couple,
    Partner,
    utcnow,
)
from trustcare.persistence.uow import CounselorWork
from trustcare.practice_settings import PracticeSettings
from trustcare.schedules import RHYTHMS, CheckinSchedule, ScheduleError, next_session, practice_zone
from trustcare.services.derived import derived
from trustcare.services.schedules import DueState, partner_due_states
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
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class CaseloadRow:
    couple_id: int
    label: str
    partners: str
    status: str
    sessions: int
    last_session: dt.date | None
    # The next session (UTC; a recurring appointment rolled forward) and the completion of
    # both partners' due check-ins over the last windows ("" without a schedule).
    next_session: dt.datetime | None = None
    completion: str = ""


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
    # The appointment as stored (UTC) and its rhythm (schedules.RHYTHMS); the couple's own
    # check-in schedule (None: the practice default) and the local day it began.
    next_session_at: dt.datetime | None = None
    session_rhythm: str = "once"
    schedule: dict | None = None
    schedule_since: dt.date | None = None
    # Whether each partner's link shows them their own progress ("My progress").
    shows_own_progress: bool = True

    @property
    def next_session_number(self) -> int:
        return max((session.number for session in self.sessions), default=0) + 1


@dataclass(frozen=True)
class PartnerInput:
    display_name: str
    contact: str = ""
    # The language of the partner's page, emails and content (trustcare/languages.py).
    language: str = DEFAULT_LANGUAGE


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
    rows = uow.couples.caseload_rows(
        status, search, label_key(search.strip()), limit, offset, couple_ids
    )
    names: dict[int, list[str]] = {row.id: [] for row in rows}
    for couple_id, name in uow.couples.partner_names(list(names)):
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
    counts.update(uow.couples.status_counts())
    return counts


def _check_partners(partners: list[PartnerInput], problems: dict[str, str]) -> list[PartnerInput]:
    if len(partners) != 2:
        problems["partners"] = "a couple has exactly two partners"
        return []
    cleaned = []
    for number, partner in enumerate(partners, start=1):
        name = clean_name(partner.display_name, f"partner {number} name", NAME_MAX, problems)
        contact = clean_optional(partner.contact, f"partner {number} contact", 254, problems)
        if partner.language not in LANGUAGES:
            problems[f"partner {number} language"] = "must be one of: " + ", ".join(LANGUAGES)
        cleaned.append(PartnerInput(name, contact, partner.language))
    return cleaned


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
    if "label" not in problems and uow.couples.label_taken(label_key(label)):
        problems["label"] = "is already used by another couple in your caseload"
    if problems:
        raise InvalidInput(problems)
    couple = Couple(
        practice_id=uow.actor.practice_id,
        counselor_id=uow.actor.counselor_id,
        label=label,
        label_key=label_key(label),
        status="active",
        shows_own_progress=uow.practice_settings().own_progress_for_new_couples,
        partners=[
            Partner(
                position=position,
                display_name=partner.display_name,
                contact=partner.contact or None,
                language=partner.language,
            )
            for position, partner in enumerate(cleaned, start=1)
        ],
    )
    if not uow.couples.add_couple(couple):
        # A parallel write took the label between the check and the insert.
        uow.rollback()
        raise InvalidInput({"label": "is already used by another couple in your caseload"})
    uow.record("couple.create", "couple", couple.id)
    uow.made(couple.id)
    uow.commit()
    return couple.id


def partner_views(uow: CounselorWork, couple: Couple) -> tuple[PartnerView, ...]:
    """Both partners in position order, as plain values; the caller has checked the couple."""
    return tuple(
        PartnerView(pid, position, name, contact or "", known_language(language))
        for pid, position, name, contact, language in uow.couples.partners(couple)
    )


def record_of(uow: CounselorWork, couple: Couple) -> CoupleRecord:
    """The couple's record as plain values; the caller has already checked who may read it."""
    partners = partner_views(uow, couple)
    sessions = uow.sessions.sessions_of(couple)
    return CoupleRecord(
        id=couple.id,
        label=couple.label,
        status=couple.status,
        partners=partners,
        sessions=tuple(SessionView(*row) for row in sessions),
        created_at=couple.created_at,
        next_session_at=couple.next_session_at,
        session_rhythm=couple.session_rhythm or "once",
        schedule=couple.schedule,
        schedule_since=couple.schedule_since,
        shows_own_progress=bool(couple.shows_own_progress),
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
    latest = uow.couples.last_viewed_at(couple, now - VIEW_AUDIT_WINDOW)
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
    if "label" not in problems and uow.couples.label_taken(label_key(label), except_couple=couple):
        problems["label"] = "is already used by another couple in your caseload"
    if problems:
        raise InvalidInput(problems)
    uow.couples.rename(
        couple,
        label,
        label_key(label),
        [(new.display_name, new.contact or None, new.language) for new in cleaned],
    )
    uow.record("couple.update", "couple", couple.id)
    uow.commit()


def set_own_progress(uow: CounselorWork, couple_id: int, shown: bool) -> None:
    """Let (or stop) each partner see their own progress on their link; audited."""
    couple = uow.couples.get(couple_id)
    if bool(couple.shows_own_progress) == bool(shown):
        return
    couple.shows_own_progress = bool(shown)
    uow.record("couple.own_progress", "couple", couple.id, shown=bool(shown))
    uow.commit()


def set_status(uow: CounselorWork, couple_id: int, status: str) -> None:
    """Pause, close or reopen a couple; their history stays."""
    if status not in COUPLE_STATUSES:
        raise InvalidInput({"status": f"must be one of: {', '.join(COUPLE_STATUSES)}"})
    couple = uow.couples.get(couple_id)
    previous = uow.couples.set_status(couple, status)
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
    number = uow.sessions.next_number(couple)
    session = uow.sessions.add_session(
        CounselingSession(couple_id=couple.id, number=number, held_on=held_on, notes=notes)
    )
    uow.record("session.create", "couple", couple.id, session_number=number)
    uow.made(session.id)
    uow.commit()
    return session.id


def _check_held_on(held_on: object, problems: dict[str, str]) -> None:
    if not isinstance(held_on, dt.date):
        problems["date"] = "must be a date"
    elif held_on > dt.date.today() + dt.timedelta(days=1):
        problems["date"] = "cannot be in the future"


def update_session_notes(uow: CounselorWork, couple_id: int, session_id: int, notes: str) -> None:
    """Edit a logged session's private notes only (its date stays)."""
    couple = uow.couples.get(couple_id)
    session = uow.sessions.logged(couple, session_id)
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
    session = uow.sessions.logged(couple, session_id)
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
    uow.sessions.correct(session, held_on, notes)
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
    session = uow.sessions.logged(couple, session_id)
    number = session.number
    uow.sessions.delete_and_renumber(couple, session)
    uow.record("session.delete", "couple", couple.id, session_number=number, reason=reason)
    uow.commit()


def zone_of(settings: PracticeSettings) -> ZoneInfo:
    """The practice's time zone (UTC when the stored name is not a known zone)."""
    try:
        return practice_zone(settings.time_zone)
    except ScheduleError:
        return ZoneInfo("UTC")


def practice_zone_of(uow: CounselorWork) -> ZoneInfo:
    return zone_of(uow.practice_settings())


def set_appointment(
    uow: CounselorWork,
    couple_id: int,
    day: dt.date | None,
    at: dt.time | None,
    rhythm: str = "once",
) -> bool:
    """Set the next session at local `day` and `at` in the practice's time zone (stored as
    UTC), with its rhythm; no day clears it. Saving the same appointment again writes nothing;
    returns whether it changed."""
    couple = uow.couples.get(couple_id)
    problems: dict[str, str] = {}
    if rhythm not in RHYTHMS:
        problems["rhythm"] = f"must be one of: {', '.join(RHYTHMS.values())}"
    starts_at = None
    if day is not None:
        if not isinstance(day, dt.date) or not isinstance(at, dt.time):
            problems["next session"] = "needs a date and a time"
        else:
            local = dt.datetime.combine(day, at.replace(tzinfo=None), tzinfo=practice_zone_of(uow))
            starts_at = local.astimezone(dt.UTC)
            if rhythm == "once" and starts_at < utcnow() - dt.timedelta(days=1):
                problems["next session"] = "is in the past (log a held session instead)"
    if problems:
        raise InvalidInput(problems)
    if day is None:
        rhythm = "once"
    if couple.next_session_at == starts_at and (couple.session_rhythm or "once") == rhythm:
        return False
    uow.couples.set_appointment(couple, starts_at, rhythm)
    uow.record(
        "couple.appointment",
        "couple",
        couple.id,
        next_session=starts_at.isoformat() if starts_at else None,
        rhythm=rhythm,
    )
    uow.commit()
    return True


def set_schedule(
    uow: CounselorWork,
    couple_id: int,
    values: dict | None,
    today: dt.date | None = None,
) -> bool:
    """Give the couple its own check-in schedule (None: follow the practice default again).

    A changed schedule starts today (the practice's local day): nothing counts as due or missed
    before it. Saving the same schedule again writes nothing; returns whether it changed.
    """
    couple = uow.couples.get(couple_id)
    stored = None
    if values is not None:
        try:
            stored = CheckinSchedule.model_validate(values).model_dump(mode="json")
        except ValidationError as error:
            raise InvalidInput(
                {
                    ".".join(str(part) for part in problem["loc"]) or "schedule": problem["msg"]
                    for problem in error.errors()
                }
            ) from None
    if couple.schedule == stored:
        return False
    today = today or utcnow().astimezone(practice_zone_of(uow)).date()
    uow.couples.set_schedule(couple, stored, today)
    uow.record(
        "couple.schedule",
        "couple",
        couple.id,
        schedule="practice default" if stored is None else CheckinSchedule(**stored).describe(),
    )
    uow.commit()
    return True


def upcoming_session(
    next_session_at: dt.datetime | None, rhythm: str, zone: ZoneInfo, now: dt.datetime
) -> dt.datetime | None:
    """The next session from now: a recurring appointment rolls forward, a past one is gone."""
    return next_session(next_session_at, rhythm if rhythm in RHYTHMS else "once", now, zone)


@dataclass(frozen=True)
class CoupleSchedules:
    """The couple record's view of its appointment and check-in schedule: each partner's
    due state (services/schedules.py DueState, by position), in the practice's time zone."""

    zone: ZoneInfo
    practice_default: CheckinSchedule
    upcoming: dt.datetime | None
    partners: list[DueState]


def schedules_of(
    uow: CounselorWork, record: CoupleRecord, now: dt.datetime | None = None
) -> CoupleSchedules:
    """What the counselor sees of a couple's schedule: per partner what is due and by when,
    the last reminder and its status, completion, a stop, and whether email can reach them.

    `record` is the one the page already read; the schedule inputs are read in reach of the
    counselor (services/schedules.py partner_due_states), so another counselor's couple yields
    no partner states and reveals nothing.
    """
    now = now or utcnow()
    settings = uow.practice_settings()
    zone = zone_of(settings)
    states = partner_due_states(uow, [record.id], now)
    return CoupleSchedules(
        zone=zone,
        practice_default=settings.checkin_schedule,
        upcoming=upcoming_session(record.next_session_at, record.session_rhythm, zone, now),
        partners=[states[p.id] for p in record.partners if p.id in states],
    )

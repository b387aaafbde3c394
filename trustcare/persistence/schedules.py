"""The inputs of check-in schedules for a set of couples, read in a fixed number of statements.

Whatever the number of couples, one statement each reads the couples with their practice's
settings and counselor, their partners, their logged sessions, their partners' check-in
times and their reminders. The rules themselves are pure (trustcare/schedules.py); the
service that combines them is trustcare/services/schedules.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from trustcare.models import (
    CheckIn,
    CheckinLink,
    CounselingSession,
    Counselor,
    Couple,
    Partner,
    Practice,
    Reminder,
)


@dataclass(frozen=True)
class PartnerInput:
    id: int
    position: int
    display_name: str
    contact: str | None
    reminders_stopped_at: dt.datetime | None
    language: str = "en"


@dataclass(frozen=True)
class ReminderRow:
    id: int
    partner_id: int
    window_key: str
    window_closes_at: dt.datetime
    status: str
    attempts: int
    claimed_until: dt.datetime | None
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    last_error: str


@dataclass
class CoupleInput:
    """One couple's schedule inputs, as stored (the service turns them into windows)."""

    id: int
    practice_id: int
    practice_name: str
    practice_settings: dict[str, Any] | None
    counselor_id: int
    counselor_name: str
    status: str
    created_at: dt.datetime
    schedule: dict[str, Any] | None
    schedule_since: dt.date | None
    next_session_at: dt.datetime | None
    session_rhythm: str
    partners: list[PartnerInput] = field(default_factory=list)
    held_on: list[dt.date] = field(default_factory=list)
    checkins: dict[int, list[dt.datetime]] = field(default_factory=dict)
    reminders: dict[int, list[ReminderRow]] = field(default_factory=dict)


def schedule_inputs(
    session: Session,
    couples: Select[tuple[Couple]],
    checkins_since: dt.datetime,
    reminders_since: dt.datetime,
) -> list[CoupleInput]:
    """The inputs of the couples `couples` selects, in five statements in all."""
    chosen = couples.with_only_columns(Couple.id).scalar_subquery()
    chosen_ids = select(Couple.id).where(Couple.id.in_(chosen))
    rows = session.execute(
        select(Couple, Practice.name, Practice.settings, Counselor.display_name)
        .join(Practice, Practice.id == Couple.practice_id)
        .join(Counselor, Counselor.id == Couple.counselor_id)
        .where(Couple.id.in_(chosen_ids))
        .order_by(Couple.id)
    ).all()
    found: dict[int, CoupleInput] = {}
    for couple, practice_name, settings, counselor_name in rows:
        found[couple.id] = CoupleInput(
            couple.id,
            couple.practice_id,
            practice_name,
            settings,
            couple.counselor_id,
            counselor_name,
            couple.status,
            couple.created_at,
            couple.schedule,
            couple.schedule_since,
            couple.next_session_at,
            couple.session_rhythm,
        )
    if not found:
        return []
    for partner in session.scalars(
        select(Partner).where(Partner.couple_id.in_(chosen_ids)).order_by(Partner.position)
    ):
        found[partner.couple_id].partners.append(
            PartnerInput(
                partner.id,
                partner.position,
                partner.display_name,
                partner.contact,
                partner.reminders_stopped_at,
                partner.language,
            )
        )
    for couple_id, held_on in session.execute(
        select(CounselingSession.couple_id, CounselingSession.held_on).where(
            CounselingSession.couple_id.in_(chosen_ids)
        )
    ):
        found[couple_id].held_on.append(held_on)
    for couple_id, partner_id, submitted_at in session.execute(
        select(CheckIn.couple_id, CheckIn.partner_id, CheckIn.submitted_at)
        .where(CheckIn.couple_id.in_(chosen_ids), CheckIn.submitted_at >= checkins_since)
        .order_by(CheckIn.submitted_at)
    ):
        found[couple_id].checkins.setdefault(partner_id, []).append(submitted_at)
    for reminder in session.scalars(
        select(Reminder)
        .where(Reminder.couple_id.in_(chosen_ids), Reminder.window_closes_at >= reminders_since)
        .order_by(Reminder.window_closes_at, Reminder.id)
    ):
        found[reminder.couple_id].reminders.setdefault(reminder.partner_id, []).append(
            reminder_row(reminder)
        )
    return list(found.values())


def reminder_row(reminder: Reminder) -> ReminderRow:
    return ReminderRow(
        reminder.id,
        reminder.partner_id,
        reminder.window_key,
        reminder.window_closes_at,
        reminder.status,
        reminder.attempts,
        reminder.claimed_until,
        reminder.next_attempt_at,
        reminder.sent_at,
        reminder.last_error,
    )


def live_personal_link(session: Session, partner_id: int, valid_until: dt.datetime):
    """The partner's newest live personal link with its sealed token that stays valid past
    `valid_until`, else None."""
    return session.scalars(
        select(CheckinLink)
        .where(
            CheckinLink.partner_id == partner_id,
            CheckinLink.purpose == "personal",
            CheckinLink.revoked_at.is_(None),
            CheckinLink.token_sealed.is_not(None),
            CheckinLink.expires_at > valid_until,
        )
        .order_by(CheckinLink.created_at.desc(), CheckinLink.id.desc())
        .limit(1)
    ).one_or_none()

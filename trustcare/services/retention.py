"""Retention: closed couples past the practice's retention period, listed for an admin to
delete one by one (services/admin.delete_couple), or purged by `trustcare couples purge`.

A couple's period counts from its closing time (Couple.closed_at). Only labels, closing days
and counselors' names are listed, never anything clinical.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trustcare import clock
from trustcare.persistence.uow import CounselorWork, OpenUnscoped

RETENTION_LIST_LIMIT = 200


@dataclass(frozen=True)
class RetentionRow:
    couple_id: int
    label: str
    closed_on: dt.date
    counselor: str


@dataclass(frozen=True)
class RetentionView:
    """The couples closed before `cutoff` (at most RETENTION_LIST_LIMIT, longest closed first)."""

    years: int
    cutoff: dt.datetime
    rows: list[RetentionRow]
    more: bool


@dataclass(frozen=True)
class PurgeRow:
    practice_id: int
    couple_id: int
    label: str
    closed_on: dt.date
    counselor: str


def retention_cutoff(now: dt.datetime, years: int) -> dt.datetime:
    """The moment `years` years before `now`: couples closed before it are past retention
    (a 29 February becomes the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def _rows(found) -> list[RetentionRow]:
    return [
        RetentionRow(couple_id, label, closed_at.date(), counselor)
        for couple_id, label, closed_at, counselor in found
    ]


def past_retention(uow: CounselorWork, now: dt.datetime | None = None) -> RetentionView:
    """The admin's list: the practice's closed couples past its retention period."""
    uow.require_admin()
    years = uow.practice.settings().retention_years
    cutoff = retention_cutoff(now or clock.utcnow(), years)
    found = uow.practice.couples_closed_before(cutoff, RETENTION_LIST_LIMIT + 1)
    rows = _rows(found)
    more = len(rows) > RETENTION_LIST_LIMIT
    return RetentionView(years, cutoff, rows[:RETENTION_LIST_LIMIT], more)


def purge_candidates(open_work: OpenUnscoped, now: dt.datetime | None = None) -> list[PurgeRow]:
    """Every practice's closed couples past that practice's retention period (reads only)."""
    now = now or clock.utcnow()
    with open_work(read_only=True) as uow:
        return _candidates(uow, now)


def _candidates(uow, now: dt.datetime) -> list[PurgeRow]:
    found: list[PurgeRow] = []
    for practice_id in uow.practice.every_practice_id():
        years = uow.practice.settings_of(practice_id).retention_years
        cutoff = retention_cutoff(now, years)
        # No limit that could hide a couple: the purge deletes what it lists.
        for couple_id, label, closed_at, counselor in uow.practice.closed_couples_of(
            practice_id, cutoff, None
        ):
            found.append(PurgeRow(practice_id, couple_id, label, closed_at.date(), counselor))
    return found


def purge(open_work: OpenUnscoped, now: dt.datetime | None = None) -> list[PurgeRow]:
    """Delete every couple past retention, one transaction each, each audited as a system
    action with the couple's id and closing day only; returns the couples deleted."""
    now = now or clock.utcnow()
    purged: list[PurgeRow] = []
    for row in purge_candidates(open_work, now):
        with open_work() as uow:
            couple = uow.practice.couple_by_id(row.couple_id)
            # Reopened (or closed again) since it was listed: no longer what was listed.
            closed_at = couple.closed_at if couple is not None else None
            if closed_at is None or closed_at.date() != row.closed_on:
                continue
            uow.practice.delete_couple(couple)
            uow.audit(
                "couple.purge",
                "couple",
                row.couple_id,
                practice_id=row.practice_id,
                actor_kind="system",
                actor_id=None,
                closed_on=row.closed_on.isoformat(),
            )
            uow.commit()
        purged.append(row)
    return purged

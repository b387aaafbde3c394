"""Due reminders: claimed once per partner and window, sent, retried, shown to the counselor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from trustcare.models import CheckinLink, Couple, Partner, Reminder
from trustcare.persistence.base import Repository
from trustcare.persistence.couples import couples_in_reach
from trustcare.persistence.ids import row_id
from trustcare.persistence.schedules import (
    CoupleInput,
    ReminderRow,
    live_personal_link,
    reminder_row,
    schedule_inputs,
)


class ReminderRepository(Repository):
    """Due reminders: claimed once per partner and window, sent, retried, shown to the counselor.

    The schedule inputs are read in reach of the actor: a counselor's couples, the partner's
    own couple, or (unscoped, the runner) every active couple of every practice. Claiming and
    sending are for the unscoped runner only.
    """

    def _unscoped(self, what: str) -> None:
        if self._actor is not None:
            raise TypeError(f"{what} is for the reminder runner, in an unscoped unit of work")

    # --- schedule inputs -------------------------------------------------------------------

    def schedule_inputs(
        self,
        couple_ids: Sequence[int] | None,
        checkins_since: dt.datetime,
        reminders_since: dt.datetime,
    ) -> list[CoupleInput]:
        """The schedule inputs of these couples in reach (None: every couple in reach; for the
        unscoped runner, every active couple), in a fixed number of statements."""
        if self._actor is None:
            couples = select(Couple)
            if couple_ids is None:
                couples = couples.where(Couple.status == "active")
        elif hasattr(self._actor, "counselor_id"):
            couples = couples_in_reach(self._counselor())
        else:
            couples = select(Couple).where(Couple.id == self._partner().couple_id)
        if couple_ids is not None:
            couples = couples.where(Couple.id.in_([row_id(c) for c in couple_ids] or [-1]))
        return schedule_inputs(self._session, couples, checkins_since, reminders_since)

    # --- the runner (unscoped) ---------------------------------------------------------------

    def claim_new(self, claims: Sequence[dict[str, Any]]) -> list[ReminderRow]:
        """Insert one 'sending' row per (partner, window) that nobody claimed yet, in one
        statement; the rows this insert made are this runner's (a row another runner made
        first is left alone, the unique key decides)."""
        self._unscoped("claim_new")
        if not claims:
            return []
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(Reminder)
            .values(list(claims))
            .on_conflict_do_nothing(index_elements=["partner_id", "window_key"])
            .returning(Reminder)
        )
        rows = [reminder_row(row) for row in self._session.scalars(statement)]
        if rows:
            # A bulk INSERT is not seen by the revision hooks (trustcare/revisions.py), a bulk
            # UPDATE is: this one changes nothing but raises the claimed couples' revisions,
            # so a counselor's cached views show the claim.
            self._session.execute(
                update(Reminder)
                .where(Reminder.id.in_([row.id for row in rows]))
                .values(claimed_until=Reminder.claimed_until)
                .execution_options(synchronize_session=False)
            )
        return rows

    def take_over(
        self, reminder_ids: Sequence[int], now: dt.datetime, claimed_until: dt.datetime
    ) -> list[ReminderRow]:
        """Claim rows whose runner died mid-send (claim expired) or whose retry is due, in one
        conditional UPDATE: of two runners, only one sees each row still match."""
        self._unscoped("take_over")
        if not reminder_ids:
            return []
        statement = (
            update(Reminder)
            .where(
                Reminder.id.in_(list(reminder_ids)),
                Reminder.window_closes_at > now,
                or_(
                    and_(Reminder.status == "sending", Reminder.claimed_until < now),
                    and_(Reminder.status == "retry", Reminder.next_attempt_at <= now),
                ),
            )
            .values(status="sending", claimed_until=claimed_until)
            .returning(Reminder)
            .execution_options(synchronize_session=False)
        )
        return [reminder_row(row) for row in self._session.scalars(statement)]

    def give_up_closed(self, now: dt.datetime) -> int:
        """Rows still waiting (a retry, or a dead runner's claim) whose window closed: failed,
        as nothing may be sent after a window closes."""
        self._unscoped("give_up_closed")
        result = self._session.execute(
            update(Reminder)
            .where(
                Reminder.window_closes_at <= now,
                or_(
                    Reminder.status == "retry",
                    and_(Reminder.status == "sending", Reminder.claimed_until < now),
                ),
            )
            .values(status="failed", claimed_until=None, last_error="the window closed first")
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0

    def mark_sent(self, reminder_id: int, now: dt.datetime) -> None:
        self._unscoped("mark_sent")
        self._session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id)
            .values(
                status="sent",
                sent_at=now,
                claimed_until=None,
                next_attempt_at=None,
                attempts=Reminder.attempts + 1,
                last_error="",
            )
            .execution_options(synchronize_session=False)
        )

    def mark_not_sent(
        self,
        reminder_id: int,
        attempts: int,
        next_attempt_at: dt.datetime | None,
        error: str,
    ) -> None:
        """A failed try: 'retry' at `next_attempt_at`, or 'failed' when it is None."""
        self._unscoped("mark_not_sent")
        self._session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id)
            .values(
                status="retry" if next_attempt_at else "failed",
                attempts=attempts,
                claimed_until=None,
                next_attempt_at=next_attempt_at,
                last_error=error[:120],
            )
            .execution_options(synchronize_session=False)
        )

    def reusable_link(self, partner_id: int, valid_until: dt.datetime) -> CheckinLink | None:
        """The partner's live personal link (token sealed) valid past `valid_until`."""
        self._unscoped("reusable_link")
        return live_personal_link(self._session, partner_id, valid_until)

    # --- stopping and restarting ---------------------------------------------------------------

    def stop_for(self, partner_id: int, now: dt.datetime) -> tuple[Partner, Couple] | None:
        """Stop reminders for the partner a signed stop link names (unscoped: the link is the
        proof); their partner and couple, or None for a partner that is gone."""
        self._unscoped("stop_for")
        partner = self._session.get(Partner, partner_id)
        if partner is None:
            return None
        if partner.reminders_stopped_at is None:
            partner.reminders_stopped_at = now
        return partner, self._session.get(Couple, partner.couple_id)

    def stop_own(self, now: dt.datetime) -> Partner:
        """Stop reminders for the partner behind the link (from their own page)."""
        partner = self._session.get(Partner, self._partner().partner_id)
        if partner.reminders_stopped_at is None:
            partner.reminders_stopped_at = now
        return partner

    def restart_for(self, couple: Couple, partner_id: object) -> Partner | None:
        """Clear the stop of a partner of a couple from `uow.couples.get`."""
        self._counselor()
        partner = self._session.scalars(
            select(Partner).where(Partner.id == row_id(partner_id), Partner.couple_id == couple.id)
        ).one_or_none()
        if partner is not None:
            partner.reminders_stopped_at = None
        return partner

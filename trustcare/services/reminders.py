"""One pass of the reminder runner, and stopping or restarting a partner's reminders.

A pass finds the reminders due across all practices (a fixed number of statements, whatever
the number of couples), claims each in the database, commits the claims, then sends and marks
each one. The claim is the unique (partner, window) row: of several runners sharing one
PostgreSQL, one insert wins and the others leave the row alone. A runner that died mid-send
left a 'sending' row whose claim expires (`CLAIM_FOR`); the next pass takes it over. A failed
send is retried after `BACKOFF`, then marked 'failed', which the counselor sees. Nothing is
sent once a window closed, to a paused or closed couple, or to a partner who stopped them.
Log lines name reminder ids and counts only: never an address, a link or a name.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from trustcare.clock import utcnow
from trustcare.delivery import Delivery, DeliveryFailed
from trustcare.errors import InvalidInput, PartnerNotFound, StorageUnavailable
from trustcare.identity import Actor
from trustcare.links import checkin_url
from trustcare.persistence.schedules import ReminderRow
from trustcare.persistence.storage import storage_failures
from trustcare.persistence.uow import CounselorWork, OpenUnscoped, PartnerWork
from trustcare.practice_settings import SmtpSettings
from trustcare.reminder_messages import (
    ReminderText,
    make_stop_token,
    read_stop_token,
    reminder_message,
    stop_url,
)
from trustcare.schedules import practice_zone
from trustcare.services import links
from trustcare.services.schedules import DueReminder, due_reminders

log = logging.getLogger(__name__)

# How long a claim holds: a runner that has not marked its row by then is taken to be dead.
CLAIM_FOR = dt.timedelta(minutes=10)
# Waits before the second, third and fourth try; after the fourth failure the row is 'failed'.
BACKOFF = (dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2))
# Check-ins and reminders older than the longest window cannot decide anything due now.
RUNNER_LOOKBACK = dt.timedelta(days=15)
FALLBACK_BASE_URL = "http://localhost:8501"

DeliveryFor = Callable[[SmtpSettings], Delivery]
CounselorWorkFor = Callable[[Actor], CounselorWork]


@dataclass
class PassResult:
    """What one pass did, in counts (for the log and the CLI; no names)."""

    due: int = 0
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    no_mail_server: int = 0
    closed_unsent: int = 0
    sent_ids: list[int] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"{self.due} due, {self.claimed} claimed, {self.sent} sent, "
            f"{self.retrying} to retry, {self.failed} failed, "
            f"{self.no_mail_server} without a mail server, "
            f"{self.closed_unsent} given up (window closed)"
        )


def run_pass(
    open_work: OpenUnscoped,
    counselor_work: CounselorWorkFor,
    delivery_for: DeliveryFor,
    secret_key: str,
    base_url: str,
    now: dt.datetime | None = None,
    after_send: Callable[[int], None] | None = None,
) -> PassResult:
    """Claim, send and mark every reminder due at `now` (the real clock unless given).

    `after_send` is called with the count sent so far after each one is marked (the CLI's
    hidden crash switch for the runner tests uses it).
    """
    now = now or utcnow()
    result = PassResult()
    claimed = _claim(open_work, now, result)
    for due, row in claimed:
        _send_one(
            open_work, counselor_work, delivery_for, secret_key, base_url, now, due, row, result
        )
        if after_send is not None:
            after_send(result.sent)
    log.info("reminder pass: %s", result.describe())
    return result


def _claim(
    open_work: OpenUnscoped, now: dt.datetime, result: PassResult
) -> list[tuple[DueReminder, ReminderRow]]:
    """Find what is due and claim it in one committed transaction."""
    try:
        with storage_failures("reminder claims not made this pass"), open_work() as uow:
            result.closed_unsent = uow.reminders.give_up_closed(now)
            inputs = uow.reminders.schedule_inputs(
                None, now - RUNNER_LOOKBACK, now - RUNNER_LOOKBACK
            )
            due = due_reminders(inputs, now)
            result.due = len(due)
            mailable = []
            for item in due:
                if item.settings.smtp.configured:
                    mailable.append(item)
                else:
                    result.no_mail_server += 1
            by_key = {(item.partner.id, item.window.key): item for item in mailable}
            existing = {
                (row.partner_id, row.window_key): row
                for item in mailable
                for row in item.couple.reminders.get(item.partner.id, [])
            }
            fresh = sorted(key for key in by_key if key not in existing)
            claimed_until = now + CLAIM_FOR
            rows = uow.reminders.claim_new(
                [
                    {
                        "couple_id": by_key[key].couple.id,
                        "partner_id": key[0],
                        "window_key": key[1],
                        "window_closes_at": by_key[key].window.closes_at,
                        "status": "sending",
                        "attempts": 0,
                        "claimed_until": claimed_until,
                        "created_at": now,
                        "last_error": "",
                    }
                    for key in fresh
                ]
            )
            waiting = sorted(row.id for key, row in existing.items() if key in by_key)
            rows += uow.reminders.take_over(waiting, now, claimed_until)
            uow.commit()
    except StorageUnavailable:
        # For example a deadlock with another runner over the same rows: the next pass
        # finds the same reminders still due.
        return []
    result.claimed = len(rows)
    return [(by_key[(row.partner_id, row.window_key)], row) for row in rows]


def _link_for(
    open_work: OpenUnscoped,
    counselor_work: CounselorWorkFor,
    base_url: str,
    due: DueReminder,
) -> str:
    """The partner's current personal link when it stays valid past the window's close, else
    a new personal link (which stops the old one, as issuing a link always does)."""
    base = due.settings.base_url or base_url or FALLBACK_BASE_URL
    with open_work(read_only=True) as uow:
        link = uow.reminders.reusable_link(due.partner.id, due.window.closes_at)
        if link is not None and link.token_sealed:
            return checkin_url(base, link.token_sealed)
    couple = due.couple
    actor = Actor(couple.counselor_id, couple.practice_id, "counselor", couple.counselor_name, "")
    with counselor_work(actor) as uow:
        issued = links.issue_link(uow, couple.id, due.partner.id, base)
    return issued.url


def _send_one(
    open_work: OpenUnscoped,
    counselor_work: CounselorWorkFor,
    delivery_for: DeliveryFor,
    secret_key: str,
    base_url: str,
    now: dt.datetime,
    due: DueReminder,
    row: ReminderRow,
    result: PassResult,
) -> None:
    base = due.settings.base_url or base_url or FALLBACK_BASE_URL
    try:
        message = reminder_message(
            ReminderText(
                sender=due.settings.smtp.sender,
                to=due.address,
                partner_name=due.partner.display_name,
                practice_name=due.couple.practice_name,
                counselor_name=due.couple.counselor_name,
                checkin_url=_link_for(open_work, counselor_work, base_url, due),
                stop_url=stop_url(
                    base, make_stop_token(secret_key, due.partner.id), due.partner.language
                ),
                due_by=due.window.closes_at.astimezone(practice_zone(due.settings.time_zone)),
                language=due.partner.language,
            )
        )
        delivery_for(due.settings.smtp).send(message)
    except DeliveryFailed as error:
        _not_sent(open_work, now, row, str(error), result)
        return
    with open_work() as uow:
        uow.reminders.mark_sent(row.id, now)
        uow.commit()
    result.sent += 1
    result.sent_ids.append(row.id)


def _not_sent(
    open_work: OpenUnscoped, now: dt.datetime, row: ReminderRow, error: str, result: PassResult
) -> None:
    attempts = row.attempts + 1
    retry_at = now + BACKOFF[attempts - 1] if attempts <= len(BACKOFF) else None
    with open_work() as uow:
        uow.reminders.mark_not_sent(row.id, attempts, retry_at, error)
        uow.commit()
    if retry_at is None:
        result.failed += 1
        log.warning("reminder %s failed after %s tries: %s", row.id, attempts, error)
    else:
        result.retrying += 1
        log.info("reminder %s not sent (%s); retried later", row.id, error)


def stop_reminders(
    open_work: OpenUnscoped, secret_key: str, token: str | None, now: dt.datetime | None = None
) -> bool:
    """Stop reminders for the partner a signed stop link names; False for a bad link.

    Stopping twice is the same as once. The counselor sees the stop on the couple record,
    and the audit trail records it.
    """
    partner_id = read_stop_token(secret_key, token)
    if partner_id is None:
        return False
    now = now or utcnow()
    with open_work() as uow:
        found = uow.reminders.stop_for(partner_id, now)
        if found is None:
            return False
        partner, couple = found
        uow.audit(
            "reminders.stop",
            "couple",
            couple.id,
            practice_id=couple.practice_id,
            actor_kind="partner",
            actor_id=partner.id,
            partner_id=partner.id,
        )
        uow.commit()
    log.info("reminders stopped by a partner's stop link")
    return True


def stop_own_reminders(uow: PartnerWork, now: dt.datetime | None = None) -> None:
    """The partner stops their reminders from their own page (audited, as the stop link is)."""
    partner = uow.reminders.stop_own(now or utcnow())
    uow.record("reminders.stop", "couple", partner.couple_id, partner_id=partner.id)
    uow.commit()


def restart_reminders(
    uow: CounselorWork, couple_id: int, partner_id: int, partner_agreed: bool
) -> None:
    """Restart a partner's stopped reminders; only with the partner's agreement (audited)."""
    if not partner_agreed:
        raise InvalidInput(
            {"partner_agreed": "Restart reminders only when the partner has agreed."}
        )
    couple = uow.couples.get(couple_id)
    partner = uow.reminders.restart_for(couple, partner_id)
    if partner is None:
        raise PartnerNotFound()
    uow.record("reminders.restart", "couple", couple.id, partner_id=partner.id)
    uow.commit()

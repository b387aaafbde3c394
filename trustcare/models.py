"""The whole domain as SQLAlchemy 2 typed models.

Constraints live in the schema where the database can hold them (two partner positions per
couple, one label per caseload, one check-in per idempotency key), so that no code path can
store nonsense. Every real database is built by the Alembic migrations, never `create_all`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from trustcare import clock
from trustcare.clock import utcnow
from trustcare.encryption import EncryptedBool, EncryptedJSON, EncryptedText

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

COUPLE_STATUSES = ("active", "paused", "closed")
ROLES = ("counselor", "admin")
ASSIGNMENT_STATUSES = ("assigned", "in_progress", "completed", "skipped")
LABEL_MAX = 80
NAME_MAX = 80


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend; SQLite would otherwise hand back naive ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Practice(Base):
    __tablename__ = "practice"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Counselor(Base):
    __tablename__ = "counselor"
    __table_args__ = (
        CheckConstraint("role IN ('counselor', 'admin')", name="role"),
        UniqueConstraint("email"),
        UniqueConstraint("oidc_issuer", "oidc_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(NAME_MAX))
    role: Mapped[str] = mapped_column(String(16), default="counselor")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Raised with the revision of any couple in this counselor's caseload, and when a couple
    # joins or leaves it (see trustcare/revisions.py): a real counter, never a checksum.
    caseload_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Couple(Base):
    __tablename__ = "couple"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'paused', 'closed')", name="status"),
        UniqueConstraint("counselor_id", "label_key"),
        # Covers the caseload's counts per status and its freshness check without the table.
        Index("ix_couple_caseload", "counselor_id", "practice_id", "status", "revision"),
        # The admin's hand-over list: the practice's couples by label, a page at a time.
        Index("ix_couple_practice_label", "practice_id", "label_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"))
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselor.id"))
    label: Mapped[str] = mapped_column(String(LABEL_MAX))
    # NFKC and case folding can make a key many times longer than the label it came from.
    label_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Raised in the same transaction by every write to a row that belongs to the couple (see
    # trustcare/revisions.py): what is derived from its data is fresh while it is unchanged.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The next appointment (UTC) and how it recurs ("once", "weekly", "every_2_weeks"); a
    # recurring one rolls forward at the same local time (trustcare/schedules.py).
    next_session_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    session_rhythm: Mapped[str] = mapped_column(String(16), default="once", server_default="once")
    # The couple's check-in schedule (schedules.CheckinSchedule as JSON); None follows the
    # practice default. `schedule_since` is the local day it began: nothing is due before it.
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    schedule_since: Mapped[dt.date | None] = mapped_column(Date)
    # Whether each partner's link shows them their own progress ("My progress"); new couples
    # take the practice's setting, the counselor can switch it off per couple.
    shows_own_progress: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # When the couple was closed (None while open): the retention period counts from it.
    # Kept by `_closing_time` whenever the status is set, so no writer has to remember it.
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    partners: Mapped[list[Partner]] = relationship(
        back_populates="couple", order_by="Partner.position", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[CounselingSession]] = relationship(
        back_populates="couple", order_by="CounselingSession.number", cascade="all, delete-orphan"
    )

    @validates("status")
    def _closing_time(self, _key: str, status: str) -> str:
        """Closing starts the retention clock; reopening (or pausing) stops it."""
        if status != "closed":
            self.closed_at = None
        elif self.status != "closed" or self.closed_at is None:
            self.closed_at = clock.utcnow()
        return status


class Partner(Base):
    __tablename__ = "partner"
    __table_args__ = (
        CheckConstraint("position IN (1, 2)", name="position"),
        UniqueConstraint("couple_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couple.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    display_name: Mapped[str] = mapped_column(String(NAME_MAX))
    contact: Mapped[str | None] = mapped_column(EncryptedText)
    share_scores_in_joint_sessions: Mapped[bool | None] = mapped_column(Boolean)
    consent_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set when the partner stopped reminders (from the email's link or their page); cleared
    # when the counselor restarts them with the partner's agreement.
    reminders_stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The language of the partner's page, emails and content ("en", "es"; trustcare/languages).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

    couple: Mapped[Couple] = relationship(back_populates="partners")


class CounselingSession(Base):
    __tablename__ = "counseling_session"
    __table_args__ = (UniqueConstraint("couple_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couple.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(EncryptedText, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    couple: Mapped[Couple] = relationship(back_populates="sessions")


class Assignment(Base):
    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint(
            "status IN ('assigned', 'in_progress', 'completed', 'skipped')", name="status"
        ),
        Index("ix_assignment_couple", "couple_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couple.id", ondelete="CASCADE"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(80))
    module_version: Mapped[int] = mapped_column(Integer)
    track_id: Mapped[str | None] = mapped_column(String(80))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    note_to_client: Mapped[str] = mapped_column(EncryptedText, default="")
    status: Mapped[str] = mapped_column(String(16), default="assigned")
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("counselor.id"))
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ExerciseProgress(Base):
    __tablename__ = "exercise_progress"
    __table_args__ = (UniqueConstraint("assignment_id", "partner_id", "exercise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"))
    exercise_id: Mapped[str] = mapped_column(String(80))
    done_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reflection: Mapped[str] = mapped_column(EncryptedText, default="")
    reflection_shared: Mapped[bool] = mapped_column(Boolean, default=False)

    assignment: Mapped[Assignment] = relationship()


class CheckIn(Base):
    __tablename__ = "checkin"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_checkin_couple_time", "couple_id", "submitted_at"),
        Index("ix_checkin_partner_time", "partner_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couple.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    measure_id: Mapped[str] = mapped_column(String(80))
    measure_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    subscales: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[float | None] = mapped_column(Float)
    overall: Mapped[int | None] = mapped_column(Integer)
    practice: Mapped[int | None] = mapped_column(Integer)
    reflection: Mapped[str] = mapped_column(EncryptedText, default="")
    reflection_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    scores_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    # None: the safety question was left unanswered, which is never the same as "no".
    safety_flag: Mapped[bool | None] = mapped_column(EncryptedBool)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    # The language the partner answered in: the items are the same in every language.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # Set when the counselor entered it in the room for a partner without their phone.
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("counselor.id"))


class SessionFeedback(Base):
    """One partner's private view of one counseling session, asked on their link afterwards.

    The counselor sees both partners' side by side; the other partner and the shared screen
    never do. One per partner and session; `entered_by` as for a check-in.
    """

    __tablename__ = "session_feedback"
    __table_args__ = (
        UniqueConstraint("session_id", "partner_id"),
        UniqueConstraint("idempotency_key"),
        Index("ix_session_feedback_couple", "couple_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couple.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("counseling_session.id", ondelete="CASCADE"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    measure_id: Mapped[str] = mapped_column(String(80))
    measure_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    total: Mapped[float | None] = mapped_column(Float)
    overall: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(EncryptedText, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("counselor.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64))


class CheckinLink(Base):
    __tablename__ = "checkin_link"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        Index("ix_checkin_link_partner", "partner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    # The personal link's token, encrypted (never logged), so that a reminder can carry the
    # link the partner already has instead of a new one that would stop it.
    token_sealed: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("counselor.id"))
    # "personal": the partner's own link; "room": a short-lived, one-use QR code shown on the
    # shared screen, which only lets the partner claim a personal link on their own phone.
    purpose: Mapped[str] = mapped_column(String(16), default="personal", server_default="personal")
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        # Each index ends in (at, id), the trail's order: a page is read straight from it even
        # where many events share a time (a bulk import, a hand-over of a whole caseload).
        Index("ix_audit_event_practice_at", "practice_id", "at", "id"),
        # The audit trail's filters, newest first: a rare action, record type or actor is
        # found without reading through all of the practice's events.
        Index("ix_audit_event_practice_action_at", "practice_id", "action", "at", "id"),
        Index("ix_audit_event_practice_record_type_at", "practice_id", "record_type", "at", "id"),
        Index(
            "ix_audit_event_practice_actor_at", "practice_id", "actor_kind", "actor_id", "at", "id"
        ),
        # One record's history, newest first (the trail filtered by a record, the couple page).
        Index("ix_audit_event_record", "record_type", "record_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CoupleStanding(Base):
    """A couple's caseload row as last evaluated: how urgent its alerts were, its sessions and
    its partners' names, and for which data and day.

    The caseload sorts by it in SQL and reads one page of it, so a caseload of thousands is not
    evaluated couple by couple on every run. It is written with the couple's data, in the
    same transaction (see UnitOfWork.commit); a row is stale once the couple's revision, the
    day or the alert rules (`rules_key`) differ from what it was evaluated for.
    """

    __tablename__ = "couple_standing"
    __table_args__ = (
        # A caseload page in urgency order straight from an index, whatever the caseload's size.
        Index(
            "ix_couple_standing_status_order",
            "counselor_id",
            "practice_id",
            "status",
            "sort_key",
            "label_key",
            "couple_id",
        ),
        Index(
            "ix_couple_standing_order",
            "counselor_id",
            "practice_id",
            "sort_key",
            "label_key",
            "couple_id",
        ),
    )

    couple_id: Mapped[int] = mapped_column(
        ForeignKey("couple.id", ondelete="CASCADE"), primary_key=True
    )
    # Copies of the couple's own columns, so the order comes from this table's indexes; a row
    # whose copies differ from the couple is stale (a hand-over, a new status or label).
    counselor_id: Mapped[int] = mapped_column(Integer)
    practice_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    label_key: Mapped[str] = mapped_column(Text)
    # Most urgent first in ascending order: minus (urgent alerts x 1000 + alerts to review).
    sort_key: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    evaluated_on: Mapped[dt.date] = mapped_column(Date)
    rules_key: Mapped[str] = mapped_column(String(64))
    urgent: Mapped[int] = mapped_column(Integer)
    attention: Mapped[int] = mapped_column(Integer)
    sessions: Mapped[int] = mapped_column(Integer)
    last_session: Mapped[dt.date | None] = mapped_column(Date)
    partners: Mapped[str] = mapped_column(Text)


class AlertAcknowledgement(Base):
    """A counselor saw an alert; its key names the evidence, so new evidence alerts again."""

    __tablename__ = "alert_acknowledgement"
    __table_args__ = (UniqueConstraint("couple_id", "alert_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couple.id", ondelete="CASCADE"))
    alert_key: Mapped[str] = mapped_column(String(200))
    acknowledged_by: Mapped[int] = mapped_column(ForeignKey("counselor.id"))
    acknowledged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the counselor did about it (asked for safety alerts); clinical, never audited.
    note: Mapped[str] = mapped_column(EncryptedText, default="", server_default="")


class Login(Base):
    """One sign-in of a local account: the login cookie names it, so sign-out ends it here.

    The ticket that trades for the cookie is good once (`ticket_used_at`); `ended_at` is set by
    "Sign out"; "sign out everywhere", a password reset and deactivation raise the counselor's
    session version instead, which ends every login at once.
    """

    __tablename__ = "login"
    __table_args__ = (Index("ix_login_counselor", "counselor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselor.id", ondelete="CASCADE"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ticket_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Automatic sign-out (trustcare/sign_out.py). The statement that checks the login on each
    # page run also records it: `last_seen_at` becomes now and `previously_seen_at` keeps the
    # run before, which is what idleness is measured from (None: no run since sign-in).
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    previously_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Why it ended: "signed_out", "everywhere", "idle" or "max_age" (None while open).
    end_reason: Mapped[str | None] = mapped_column(String(16))


class LoginAttempt(Base):
    """Password attempts counted per key (an email, a source address), shared by replicas.

    Counted with one atomic upsert before the password is checked, so parallel guesses cannot
    all slip in under the limit.
    """

    __tablename__ = "login_attempt"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class TwoFactor(Base):
    """A local account's authenticator (TOTP) secret, encrypted; in force once confirmed.

    `last_step` is the time step of the last accepted code: a code is never accepted twice.
    """

    __tablename__ = "two_factor"

    counselor_id: Mapped[int] = mapped_column(
        ForeignKey("counselor.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(EncryptedText)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecoveryCode(Base):
    """One of a counselor's one-use recovery codes, as an argon2 hash; `used_at` once used."""

    __tablename__ = "recovery_code"
    __table_args__ = (Index("ix_recovery_code_counselor", "counselor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselor.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Submission(Base):
    """A form's one-use key and the record it created: a second click or a rerun of the same
    form finds the first record instead of making another."""

    __tablename__ = "submission"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class EncryptionCheck(Base):
    """One known value encrypted under the key ring: start-up decrypts it, so a wrong key is
    refused before any page shows an error (see trustcare/encryption.py)."""

    __tablename__ = "encryption_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(Text)


class Reminder(Base):
    """One reminder for one partner and one due window, claimed before it is sent.

    The unique (partner, window) row is the claim: runners on several replicas insert it,
    and only one insert wins, so no partner gets the same reminder twice. A failed send is
    retried with back-off (`next_attempt_at`) until `attempts` runs out, then shown to the
    counselor as failed. `last_error` names the kind of failure, never an address or a link.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("partner_id", "window_key"),
        CheckConstraint("status IN ('sending', 'sent', 'retry', 'failed')", name="status"),
        Index("ix_reminder_status_next", "status", "next_attempt_at"),
        Index("ix_reminder_couple", "couple_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couple.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"))
    window_key: Mapped[str] = mapped_column(String(10))
    window_closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="sending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(120), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

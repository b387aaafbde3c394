"""The couples in a counselor's reach: their caseload, or for an admin the whole practice."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from sqlalchemy import Row, Select, false, func, or_, select
from sqlalchemy.exc import IntegrityError

from trustcare.errors import CoupleNotFound, PermissionDenied
from trustcare.identity import Actor
from trustcare.models import AuditEvent, CounselingSession, Couple, Partner
from trustcare.persistence.base import Repository
from trustcare.persistence.ids import row_id

log = logging.getLogger(__name__)


def couples_in_reach(actor: Actor) -> Select[tuple[Couple]]:
    """The counselor's caseload as a query, for the persistence layer's own narrowing only
    (services reach couples through `CoupleRepository`, never through a query)."""
    return select(Couple).where(
        Couple.counselor_id == actor.counselor_id,
        Couple.practice_id == actor.practice_id,
    )


def matching_couples(
    actor: Actor, status: str | None, search: str, search_key: str
) -> Select[tuple[Couple]]:
    """The counselor's couples with a status whose label (`search_key`, the search as a label
    key) or a partner's name (`search`) holds the search; for the persistence layer only."""
    statement = couples_in_reach(actor)
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
                Couple.label_key.contains(search_key, autoescape=True),
                Couple.id.in_(partner_match),
            )
        )
    return statement


class CoupleRepository(Repository):
    """A counselor's couples. Couples outside the caseload do not exist here: `get` says
    "not found" for them exactly as for a couple that was never made."""

    def get(self, couple_id: object) -> Couple:
        couple = None
        if row_id(couple_id) is not None:
            couple = self._session.scalars(
                couples_in_reach(self._counselor()).where(Couple.id == couple_id)
            ).one_or_none()
        if couple is None:
            counselor_id = self._counselor().counselor_id
            log.info("couple %s not found for counselor %s", couple_id, counselor_id)
            raise CoupleNotFound()
        return couple

    def caseload_rows(
        self,
        status: str | None,
        search: str,
        search_key: str,
        limit: int,
        offset: int,
        couple_ids: list[int] | None = None,
    ) -> Sequence[Row]:
        """One page of matching couples in label order: id, label, status, sessions and
        last_session, in one statement (plain columns: ORM objects cost more than the query)."""
        session_stats = select(
            CounselingSession.couple_id,
            func.count(CounselingSession.id).label("sessions"),
            func.max(CounselingSession.held_on).label("last_session"),
        ).group_by(CounselingSession.couple_id)
        statement = matching_couples(self._counselor(), status, search, search_key)
        if couple_ids is not None:
            statement = statement.where(Couple.id.in_(couple_ids))
            session_stats = session_stats.where(CounselingSession.couple_id.in_(couple_ids))
        stats = session_stats.subquery()
        statement = statement.with_only_columns(
            Couple.id, Couple.label, Couple.status, stats.c.sessions, stats.c.last_session
        ).outerjoin(stats, stats.c.couple_id == Couple.id)
        return self._session.execute(
            statement.order_by(Couple.label_key).limit(limit).offset(offset)
        ).all()

    def partner_names(self, couples: Sequence[int]) -> list[tuple[int, str]]:
        """(couple id, partner name) in position order, for couples of `caseload_rows`."""
        if not couples:
            return []
        return [
            (couple_id, name)
            for couple_id, name in self._session.execute(
                select(Partner.couple_id, Partner.display_name)
                .where(Partner.couple_id.in_(couples))
                .order_by(Partner.couple_id, Partner.position)
            )
        ]

    def status_counts(self) -> list[tuple[str, int]]:
        """(status, how many couples) of the acting counselor's caseload."""
        return [
            (status, count)
            for status, count in self._session.execute(
                couples_in_reach(self._counselor())
                .with_only_columns(Couple.status, func.count(Couple.id))
                .group_by(Couple.status)
            )
        ]

    def label_taken(self, key: str, except_couple: Couple | None = None) -> bool:
        """Whether another couple of the caseload has this label key."""
        statement = couples_in_reach(self._counselor()).where(Couple.label_key == key)
        if except_couple is not None:
            statement = statement.where(Couple.id != except_couple.id)
        return self._session.scalars(statement.limit(1)).first() is not None

    def add_couple(self, couple: Couple) -> bool:
        """Store a new couple of the acting counselor with its partners; False if a parallel
        write took its label first (the caller rolls back and says so)."""
        actor = self._counselor()
        if (couple.counselor_id, couple.practice_id) != (actor.counselor_id, actor.practice_id):
            raise PermissionDenied("A counselor adds couples to their own caseload only.")
        try:
            self._add(couple)
        except IntegrityError:
            return False
        return True

    def partners(self, couple: Couple) -> list[tuple[int, int, str, str | None, str]]:
        """(id, position, name, contact, language) of both partners of a couple from `get`,
        in order."""
        return [
            (partner_id, position, name, contact, language)
            for partner_id, position, name, contact, language in self._session.execute(
                select(
                    Partner.id,
                    Partner.position,
                    Partner.display_name,
                    Partner.contact,
                    Partner.language,
                )
                .where(Partner.couple_id == couple.id)
                .order_by(Partner.position)
            )
        ]

    def partner_rows(self, couple: Couple) -> Sequence[Partner]:
        """Both partner rows of a couple from `get`, in position order."""
        return self._session.scalars(
            select(Partner).where(Partner.couple_id == couple.id).order_by(Partner.position)
        ).all()

    def has_partner(self, couple: Couple, partner_id: object) -> bool:
        """Whether `partner_id` is one of the partners of a couple from `get`."""
        return bool(
            self._session.scalar(
                select(func.count(Partner.id)).where(
                    Partner.id == partner_id, Partner.couple_id == couple.id
                )
            )
        )

    def rename(
        self, couple: Couple, label: str, key: str, partners: Sequence[tuple[str, str | None, str]]
    ) -> None:
        """New label (and its key) and partner (name, contact, language), in position order."""
        couple.label = label
        couple.label_key = key
        rows = self.partner_rows(couple)
        for partner, (name, contact, language) in zip(rows, partners, strict=True):
            partner.display_name = name
            partner.contact = contact
            partner.language = language

    def set_appointment(self, couple: Couple, starts_at: dt.datetime | None, rhythm: str) -> None:
        """The next session (UTC, or None) and its rhythm, on a couple from `get`."""
        couple.next_session_at = starts_at
        couple.session_rhythm = rhythm

    def set_schedule(self, couple: Couple, schedule: dict | None, since: dt.date) -> None:
        """The couple's own check-in schedule (None: the practice default), from `since`."""
        couple.schedule = schedule
        couple.schedule_since = since

    def set_status(self, couple: Couple, status: str) -> str:
        """Give a couple from `get` a new status; returns the one it had."""
        previous = couple.status
        couple.status = status
        return previous

    def last_viewed_at(self, couple: Couple, since: dt.datetime) -> dt.datetime | None:
        """When the acting counselor's latest audited view of the couple since `since` was."""
        return self._session.scalar(
            select(func.max(AuditEvent.at)).where(
                AuditEvent.action == "couple.view",
                AuditEvent.record_type == "couple",
                AuditEvent.record_id == couple.id,
                AuditEvent.actor_kind == "counselor",
                AuditEvent.actor_id == self._counselor().counselor_id,
                AuditEvent.at >= since,
            )
        )

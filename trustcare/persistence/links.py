"""Personal and room check-in links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select, update

from trustcare.errors import PartnerNotFound
from trustcare.models import CheckinLink, Couple, Partner, Practice
from trustcare.persistence.base import Repository
from trustcare.persistence.ids import row_id


class LinkRepository(Repository):
    """Personal and room check-in links.

    A counselor issues and revokes links of partners of their own couples. Opening a link
    and claiming a room link happen before anyone is known: those methods are for an unscoped
    unit of work only, and find a link by its token's hash, which only the link's holder has.
    """

    def _unscoped(self, what: str) -> None:
        if self._actor is not None:
            raise TypeError(f"{what} is for opening a link, in an unscoped unit of work")

    # --- a counselor's couple ---------------------------------------------------------------

    def partner_of(self, couple: Couple, partner_id: object) -> Partner:
        """A partner of a couple from `uow.couples.get`, or PartnerNotFound."""
        self._counselor()
        partner = self._session.scalars(
            select(Partner).where(Partner.id == row_id(partner_id), Partner.couple_id == couple.id)
        ).one_or_none()
        if partner is None:
            raise PartnerNotFound()
        return partner

    def revoke_live(self, partner: Partner, now: dt.datetime) -> int:
        """Stop every live link of a partner of `partner_of`; how many were live."""
        self._counselor()
        result = self._session.execute(
            update(CheckinLink)
            .where(CheckinLink.partner_id == partner.id, CheckinLink.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount or 0

    def add_link(self, link: CheckinLink) -> CheckinLink:
        """Store a new link of a partner reached through `partner_of` or, unscoped, through a
        claimed room link; never from a partner's own unit of work."""
        if self._actor is not None:
            self._counselor()
        return self._add(link)

    def personal_links_of(self, couple: Couple) -> Sequence[CheckinLink]:
        """The personal links of a couple from `uow.couples.get`'s partners, newest first."""
        self._counselor()
        return self._session.scalars(
            select(CheckinLink)
            .join(Partner, Partner.id == CheckinLink.partner_id)
            .where(Partner.couple_id == couple.id, CheckinLink.purpose == "personal")
            .order_by(CheckinLink.created_at.desc(), CheckinLink.id.desc())
        ).all()

    def practice_name(self) -> str | None:
        """The acting counselor's practice's name, to sign a link's email with."""
        return self._session.scalar(
            select(Practice.name).where(Practice.id == self._counselor().practice_id)
        )

    # --- before anyone is known (unscoped) ----------------------------------------------------

    def link_by_hash(self, token_hash: str) -> tuple[CheckinLink, Partner, Couple] | None:
        """The link with this token hash, its partner and couple. Unscoped: opening a link is
        how a partner gets an identity; the hash is only known to the token's holder."""
        self._unscoped("link_by_hash")
        row = self._session.execute(
            select(CheckinLink, Partner, Couple)
            .join(Partner, Partner.id == CheckinLink.partner_id)
            .join(Couple, Couple.id == Partner.couple_id)
            .where(CheckinLink.token_hash == token_hash)
        ).one_or_none()
        return None if row is None else (row[0], row[1], row[2])

    def room_link_by_hash(self, token_hash: str) -> tuple[CheckinLink, Couple] | None:
        """The room link with this token hash and its couple. Unscoped: whoever scanned the
        shared screen's code has no identity yet."""
        self._unscoped("room_link_by_hash")
        row = self._session.execute(
            select(CheckinLink, Couple)
            .join(Partner, Partner.id == CheckinLink.partner_id)
            .join(Couple, Couple.id == Partner.couple_id)
            .where(CheckinLink.token_hash == token_hash, CheckinLink.purpose == "room")
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    def claim_room_link(self, link: CheckinLink, now: dt.datetime) -> bool:
        """Mark a room link of `room_link_by_hash` used, if nobody did first (one conditional
        UPDATE, so two phones scanning the same code get one link). Unscoped, as it is."""
        self._unscoped("claim_room_link")
        claimed = self._session.execute(
            update(CheckinLink)
            .where(CheckinLink.id == link.id, CheckinLink.used_at.is_(None))
            .values(used_at=now)
        )
        return claimed.rowcount == 1

    def partner_behind(self, link: CheckinLink) -> tuple[Partner, Couple]:
        """The partner and couple of a claimed room link. Unscoped, as the claim is."""
        self._unscoped("partner_behind")
        partner = self._session.get(Partner, link.partner_id)
        couple = self._session.get(Couple, partner.couple_id)
        return partner, couple

    def revoke_live_personal(self, partner: Partner, now: dt.datetime) -> None:
        """Stop the live personal links of the partner behind a claimed room link (the room
        link itself stays as claimed). Unscoped, as the claim is."""
        self._unscoped("revoke_live_personal")
        self._session.execute(
            update(CheckinLink)
            .where(
                CheckinLink.partner_id == partner.id,
                CheckinLink.revoked_at.is_(None),
                CheckinLink.purpose == "personal",
            )
            .values(revoked_at=now)
        )

"""The couple record page in one unit of work: the record, and the data of the part in view.

The couple and its partners are read once and handed to the part, so a page run sends the
same few statements whatever the caseload's size, instead of reading the couple again for
every tab.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from trustcare.content_catalog import Catalog
from trustcare.persistence.uow import CounselorWork
from trustcare.services.agendas import CoupleAgenda, couple_agenda
from trustcare.services.assignments import AssignmentView, assignments_of
from trustcare.services.checkins import CoupleCheckins, checkins_of
from trustcare.services.couples import CoupleRecord, audit_view, record_of
from trustcare.services.links import LinkState, link_states_of

AGENDA = "agenda"
CHECKINS = "checkins"
ASSIGNMENTS = "assignments"
LINKS = "links"
PARTS = (AGENDA, CHECKINS, ASSIGNMENTS, LINKS)


@dataclass(frozen=True)
class CoupleOverview:
    """The record, and only the part that was asked for (the others stay None)."""

    record: CoupleRecord
    # When this counselor's view of the couple was last written to the audit trail.
    viewed_at: dt.datetime | None = None
    agenda: CoupleAgenda | None = None
    checkins: CoupleCheckins | None = None
    assignments: list[AssignmentView] | None = None
    links: list[LinkState] | None = None


def couple_overview(
    uow: CounselorWork,
    catalog: Catalog,
    couple_id: int,
    part: str | None = None,
    now: dt.datetime | None = None,
) -> CoupleOverview:
    """The couple's record (its first view in a while audited) and one of PARTS, if named.

    The access check and the record's read happen every time; the agenda is kept while the
    couple's data is unchanged (see `couple_agenda`).
    """
    if part is not None and part not in PARTS:
        raise ValueError(f"the couple record has no part {part!r}")
    couple = uow.couples.get(couple_id)
    record = record_of(uow, couple)
    viewed = CoupleOverview(record, viewed_at=audit_view(uow, couple))
    names = {partner.id: partner.display_name for partner in record.partners}
    if part == AGENDA:
        agenda = couple_agenda(uow, catalog, couple, record, now)
        return replace(viewed, agenda=agenda)
    if part == CHECKINS:
        return replace(viewed, checkins=checkins_of(uow, catalog, couple, names))
    if part == ASSIGNMENTS:
        return replace(viewed, assignments=assignments_of(uow, catalog, couple, names))
    if part == LINKS:
        return replace(viewed, links=link_states_of(uow, couple, record.partners))
    return viewed

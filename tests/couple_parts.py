"""A couple's record and its parts read the way the pages read them, so tests exercise the
services the pages call (overview.couple_overview, progress.progress_page) and no other path.

Like the couple page, each read audits the counselor's first view of the couple in a while.
"""

from __future__ import annotations

from trustcare.alerts import Alert
from trustcare.catalog import get_catalog
from trustcare.persistence.uow import CounselorWork
from trustcare.services import overview, progress
from trustcare.services.assignments import AssignmentView
from trustcare.services.checkins import CoupleCheckins
from trustcare.services.couples import CoupleRecord
from trustcare.services.links import LinkState


def shown_record(uow: CounselorWork, couple_id: int) -> CoupleRecord:
    """The couple record page's header and sessions."""
    return overview.couple_overview(uow, get_catalog(), couple_id).record


def shown_links(uow: CounselorWork, couple_id: int) -> list[LinkState]:
    """The links tab: each partner's newest link, in partner order."""
    return overview.couple_overview(uow, get_catalog(), couple_id, overview.LINKS).links


def shown_checkins(uow: CounselorWork, couple_id: int) -> CoupleCheckins:
    """The check-ins tab: check-ins and exercise reflections, newest first."""
    return overview.couple_overview(uow, get_catalog(), couple_id, overview.CHECKINS).checkins


def shown_assignments(uow: CounselorWork, couple_id: int) -> list[AssignmentView]:
    """The assignments tab, newest first."""
    return overview.couple_overview(uow, get_catalog(), couple_id, overview.ASSIGNMENTS).assignments


def shown_alerts(uow: CounselorWork, couple_id: int) -> list[Alert]:
    """The progress page's open (unacknowledged) alerts."""
    return progress.progress_page(uow, get_catalog(), couple_id).alerts

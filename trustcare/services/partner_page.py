"""Everything a partner's own page shows on one run, read in one unit of work: the page
(`checkins.client_page`) and, when the counselor lets the couple see it, their own progress
(`own_progress.progress_of`). Only the partner's own rows are in reach of either."""

from __future__ import annotations

from dataclasses import dataclass

from trustcare.content_catalog import Catalog
from trustcare.persistence.uow import PartnerWork
from trustcare.services.checkins import ClientPage, client_page
from trustcare.services.own_progress import OwnProgress, progress_of


@dataclass(frozen=True)
class PartnerPage:
    page: ClientPage
    # None while the counselor has the couple's own progress switched off.
    progress: OwnProgress | None


def partner_page(uow: PartnerWork, catalog: Catalog, with_progress: bool = True) -> PartnerPage:
    """The partner's page; their own progress only `with_progress` (once they said the page is
    theirs: the "is this you?" screen reads nothing it does not show)."""
    page = client_page(uow, catalog)
    shown = with_progress and page.shows_own_progress
    return PartnerPage(page, progress_of(uow, catalog, page.language) if shown else None)

"""The caseload: every couple of the counselor in urgency order, one page at a time, from the
stored caseload rows; and where the listed couples stand, for the caseload's chart."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

import pandas as pd

from trustcare import alerts as alert_rules
from trustcare.content_catalog import Catalog
from trustcare.models import Couple, utcnow
from trustcare.persistence.caseloads import CaseloadFilter, standings_store
from trustcare.persistence.uow import CounselorWork
from trustcare.practice_settings import PracticeSettings
from trustcare.schedules import Completion
from trustcare.services import couples as couple_service
from trustcare.services.derived import derived
from trustcare.services.schedules import partner_due_states
from trustcare.services.standings import alert_counts, rules_key, standing_rows, standings_of
from trustcare.services.validation import label_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseloadAlerts:
    by_couple: dict[int, list[alert_rules.Alert]]
    overview_rows: list[dict] = field(repr=False)

    @cached_property
    def overview(self) -> pd.DataFrame:
        """couple_id, couple, current, change, alert: built only when the chart is drawn."""
        return pd.DataFrame(
            self.overview_rows, columns=["couple_id", "couple", "current", "change", "alert"]
        )

    def badge(self, couple_id: int) -> str:
        return _badge(*alert_counts(self.by_couple.get(couple_id, [])))

    def rank(self, couple_id: int) -> tuple[int, int]:
        return alert_rules.urgency_rank(self.by_couple.get(couple_id, []))


def _badge(urgent: int, attention: int) -> str:
    """The caseload's alerts column: "1 urgent, 2 to review", or nothing."""
    parts = [f"{urgent} urgent"] if urgent else []
    parts += [f"{attention} to review"] if attention else []
    return ", ".join(parts)


def caseload_alerts(
    uow: CounselorWork, catalog: Catalog, couple_ids: list[int], now: dt.datetime | None = None
) -> CaseloadAlerts:
    """Alerts and the current-versus-change overview for the counselor's listed couples."""
    couples = uow.caseload.couples_among(couple_ids)
    return _caseload_alerts(uow, catalog, couples, now or utcnow())


def _caseload_alerts(
    uow: CounselorWork, catalog: Catalog, couples: list[Couple], now: dt.datetime
) -> CaseloadAlerts:
    standings = standings_of(uow, catalog, couples, now)
    rows = []
    for couple in couples:
        standing = standings[couple.id]
        if standing.current is None:
            continue
        level = "none"
        if any(a.severity == "urgent" for a in standing.alerts):
            level = "urgent"
        elif standing.alerts:
            level = "attention"
        rows.append(
            {
                "couple_id": couple.id,
                "couple": couple.label,
                "current": standing.current,
                "change": standing.change,
                "alert": level,
            }
        )
    return CaseloadAlerts({cid: list(s.alerts) for cid, s in standings.items()}, rows)


@dataclass(frozen=True)
class CaseloadView:
    """One page of the caseload, most urgent first, with the counts behind the filters."""

    rows: list[couple_service.CaseloadRow]
    alert_counts: dict[int, tuple[int, int]]  # couple id -> (urgent, to review)
    counts: dict[str, int]
    matching: int
    page: int
    pages: int
    zone: ZoneInfo = ZoneInfo("UTC")

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def badge(self, couple_id: int) -> str:
        return _badge(*self.alert_counts.get(couple_id, (0, 0)))


def caseload_view(
    uow: CounselorWork,
    catalog: Catalog,
    status: str | None = None,
    search: str = "",
    page: int = 1,
    page_size: int = 50,
    now: dt.datetime | None = None,
) -> CaseloadView:
    """The caseload page: urgency across every matching couple, details for one page of them.

    Couples are sorted by their stored caseload rows in SQL and only one page is read, so the
    statements and the work per run do not grow with the caseload. A read never writes: the
    rows that went stale without a write (a new day, new alert rules, a restored database) are
    evaluated for this read only and the whole list sorted in memory, until the background
    refresher (`refresh_stale_standings`) has stored them.
    """
    now = now or utcnow()
    settings = uow.practice_settings()
    counts = {status_name: 0 for status_name in couple_service.COUPLE_STATUSES}
    # The counselor's caseload revision is a real counter (trustcare/revisions.py): any write
    # to one of their couples, and any couple joining or leaving the caseload, raises it.
    fingerprint = []
    for status_name, couples_, revision, since, stored in uow.caseload.status_counts():
        counts[status_name] = couples_
        fingerprint.append((status_name, couples_, revision, since, stored))
    evaluated = _stale_rows_evaluated(uow, catalog, now, settings, tuple(fingerprint))
    needle = search.strip()
    listed = CaseloadFilter(status, needle, label_key(needle))
    if needle:
        count = uow.caseload.matching_count(listed)
    else:
        count = counts.get(status, 0) if status is not None else sum(counts.values())
    pages = max(1, -(-count // page_size))
    page = min(max(1, page), pages)
    if evaluated:
        shown = _page_in_memory(uow, listed, evaluated, page_size, page)
    else:
        shown = uow.caseload.page(listed, limit=page_size, offset=(page - 1) * page_size)
    zone = couple_service.zone_of(settings)
    scheduled = [
        row.id
        for row in shown
        if (row.schedule or {}).get("kind", "off") != "off"
        or (row.schedule is None and settings.checkin_schedule.active)
    ]
    completions = _completions(uow, scheduled, now)
    return CaseloadView(
        rows=[
            couple_service.CaseloadRow(
                couple_id=row.id,
                label=row.label,
                partners=row.partners,
                status=row.status,
                sessions=row.sessions,
                last_session=row.last_session,
                next_session=couple_service.upcoming_session(
                    row.next_session_at, row.session_rhythm, zone, now
                ),
                completion=completions.get(row.id, ""),
            )
            for row in shown
        ],
        alert_counts={row.id: (row.urgent, row.attention) for row in shown},
        counts=counts,
        matching=count,
        page=page,
        pages=pages,
        zone=zone,
    )


@dataclass(frozen=True)
class _ListedCouple:
    """A caseload row put together in memory (the same fields as a stored page row)."""

    id: int
    label: str
    status: str
    partners: str
    sessions: int
    last_session: dt.date | None
    urgent: int
    attention: int
    next_session_at: dt.datetime | None
    session_rhythm: str | None
    schedule: dict | None


def _page_in_memory(
    uow: CounselorWork,
    listed: CaseloadFilter,
    evaluated: dict[int, dict],
    page_size: int,
    page: int,
) -> list[_ListedCouple]:
    """One page sorted as the stored rows sort (sort key, label key, id), with the stale
    rows' values evaluated for this read in place of what is stored."""
    rows = []
    for row in uow.caseload.every_listed(listed):
        # The stale row's values evaluated now, else the stored ones (None where none is stored).
        values = evaluated.get(row.id) or row._mapping
        rows.append(
            (
                (values["sort_key"] or 0, row.label_key, row.id),
                _ListedCouple(
                    row.id,
                    row.label,
                    row.status,
                    values["partners"] or "",
                    values["sessions"] or 0,
                    values["last_session"],
                    values["urgent"] or 0,
                    values["attention"] or 0,
                    row.next_session_at,
                    row.session_rhythm,
                    row.schedule,
                ),
            )
        )
    rows.sort(key=lambda pair: pair[0])
    start = (page - 1) * page_size
    return [couple for _, couple in rows[start : start + page_size]]


def _completions(uow: CounselorWork, couple_ids: list[int], now: dt.datetime) -> dict[int, str]:
    """Per listed couple with an active schedule, both partners' check-ins received over due in the
    last windows ("5 of 8 (62%)"); a fixed number of statements for the whole page, none
    when no listed couple has a schedule."""
    if not couple_ids:
        return {}
    totals: dict[int, Completion] = {}
    for state in partner_due_states(uow, couple_ids, now).values():
        if not state.schedule.active:
            continue
        before = totals.get(state.couple_id, Completion(0, 0))
        totals[state.couple_id] = Completion(
            before.received + state.completion.received, before.due + state.completion.due
        )
    return {couple_id: total.describe() for couple_id, total in totals.items()}


def caseload_overview(
    uow: CounselorWork, catalog: Catalog, couple_ids: list[int], now: dt.datetime | None = None
) -> pd.DataFrame:
    """Where the listed couples (the counselor's own only) stand: couple_id, couple, current,
    change, alert; for the caseload's chart, drawn only when asked for."""
    return caseload_alerts(uow, catalog, couple_ids, now).overview


def _stale_rows_evaluated(
    uow: CounselorWork,
    catalog: Catalog,
    now: dt.datetime,
    settings: PracticeSettings,
    fingerprint: tuple,
) -> dict[int, dict]:
    """The caseload rows of the counselor's couples whose stored one is missing or stale,
    evaluated now and not stored (by couple id); none, without a statement, while the
    caseload's fingerprint shows no change since every stored row was found fresh."""
    today = now.date()
    rules = rules_key(catalog, settings)
    # The counselor's caseload revision is a real counter, raised by every change to one of
    # their couples and by a couple joining or leaving (a sum of versions and ids once stood in
    # for it, and a swap of couples between two counselors left the sum unchanged).
    caseload = (
        "fresh caseload",
        uow.database,
        uow.actor.practice_id,
        uow.actor.counselor_id,
        fingerprint,
        today,
        rules,
    )
    if derived.get(caseload):
        return {}
    stale = uow.caseload.stale_rows(today, rules)
    if not stale:
        derived.put(caseload, True)
        return {}
    log.info(
        "caseload read: %s stale row(s) evaluated in memory; the refresher stores them",
        len(stale),
    )
    rows = standing_rows(standings_store(uow), catalog, stale, now, settings)
    return {row["couple_id"]: row for row in rows}

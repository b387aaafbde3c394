"""Progress over sessions, alerts, the session agenda and what the shared screen may show.

Queries here are per couple or per caseload, with a fixed number of statements whatever the
number of check-ins; the rules themselves live in the pure modules alerts.py and charts.py.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from math import nan as NAN

import numpy as np
import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from trustcare import alerts as alert_rules
from trustcare.content_catalog import Catalog
from trustcare.content_schema import ContentNotFound, Measure
from trustcare.models import (
    AlertAcknowledgement,
    Assignment,
    CheckIn,
    CounselingSession,
    Counselor,
    Couple,
    CoupleStanding,
    ExerciseProgress,
    Partner,
    utcnow,
)
from trustcare.practice_settings import PracticeSettings
from trustcare.scoring import reliable_change_threshold
from trustcare.services import assignments as assignment_service
from trustcare.services import couples as couple_service
from trustcare.services.checkins import MEASURE_ID
from trustcare.services.derived import catalog_key, couple_key, database_of, derived
from trustcare.services.errors import InvalidInput, NotFound, PermissionDenied
from trustcare.services.links import practice_settings
from trustcare.services.uow import CounselorWork, row_id
from trustcare.services.validation import clean_long_text

CHECKIN_COLUMNS = [
    "checkin_id",
    "couple_id",
    "partner_id",
    "partner",
    "submitted_at",
    "total",
    "overall",
    "practice",
    "safety_flag",
    "reflection",
    "reflection_shared",
]


@dataclass(frozen=True)
class CoupleProgress:
    couple_id: int
    partner_ids: tuple[int, ...]
    partner_names: dict[int, str]
    checkins: pd.DataFrame
    events: pd.DataFrame
    subscales: list[tuple[str, str]]
    rc_threshold: float
    provisional: bool
    divergence_gap: float


@dataclass(frozen=True)
class AgendaItem:
    kind: str
    title: str
    detail: str


def _measure(catalog: Catalog) -> Measure:
    return catalog.measure(MEASURE_ID)


def _session_numbers(days: list[dt.date], sessions: list[tuple[int, dt.date]]) -> list[int]:
    """For each day, the number of the latest session held on or before it (0 = none)."""
    held = sorted((held_on, number) for number, held_on in sessions)
    held_days = [held_on for held_on, _ in held]
    numbers = []
    for day in days:
        before = bisect.bisect_right(held_days, day)
        numbers.append(held[before - 1][1] if before else 0)
    return numbers


def _utc_day(moment: dt.datetime) -> dt.date:
    """The UTC calendar day of a stored time (SQLite hands back naive UTC times)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date()


def _floats(values: Sequence[object]) -> np.ndarray:
    """Scores as float64, None (a skipped question) as NaN."""
    return np.array([NAN if v is None else v for v in values], dtype=np.float64)


def _checkin_frame(
    uow: CounselorWork,
    couple_ids: list[int],
    measure: Measure,
    sessions: list[tuple[int, dt.date]],
) -> pd.DataFrame:
    """One row per check-in with its session number, built column by column in one go: a few
    dozen rows cost more in pandas operations than in the query."""
    rows = uow.session.execute(
        select(
            CheckIn.id,
            CheckIn.couple_id,
            CheckIn.partner_id,
            Partner.display_name,
            CheckIn.submitted_at,
            CheckIn.total,
            CheckIn.overall,
            CheckIn.practice,
            CheckIn.safety_flag,
            CheckIn.reflection,
            CheckIn.reflection_shared,
            CheckIn.subscales,
        )
        .join(Partner, Partner.id == CheckIn.partner_id)
        .where(CheckIn.couple_id.in_(couple_ids))
        .order_by(CheckIn.couple_id, CheckIn.submitted_at, CheckIn.id)
    ).all()
    subscale_columns = [f"sub_{s.id}" for s in measure.subscales]
    if not rows:
        frame = pd.DataFrame(columns=[*CHECKIN_COLUMNS, *subscale_columns])
        frame["session_number"] = pd.Series(dtype="int64")
        return frame
    columns = list(zip(*rows, strict=True))
    scores = [(row.subscales or {}) for row in rows]
    # Typed arrays: pandas would otherwise infer every column's type from Python objects.
    data: dict[str, object] = {
        "checkin_id": np.array(columns[0], dtype=np.int64),
        "couple_id": np.array(columns[1], dtype=np.int64),
        "partner_id": np.array(columns[2], dtype=np.int64),
        "partner": np.array(columns[3], dtype=object),
        "submitted_at": pd.to_datetime(list(columns[4]), utc=True),
        "total": _floats(columns[5]),
        "overall": _floats(columns[6]),
        "practice": _floats(columns[7]),
        "safety_flag": np.array([None if v is None else bool(v) for v in columns[8]], dtype=object),
        "reflection": np.array(columns[9], dtype=object),
        "reflection_shared": np.array([bool(v) for v in columns[10]], dtype=bool),
        **{
            column: _floats([score.get(subscale.id) for score in scores])
            for column, subscale in zip(subscale_columns, measure.subscales, strict=True)
        },
        "session_number": np.array(
            _session_numbers([_utc_day(t) for t in columns[4]], sessions), dtype=np.int64
        ),
    }
    return pd.DataFrame(data)


def couple_progress(uow: CounselorWork, catalog: Catalog, couple_id: int) -> CoupleProgress:
    """Everything the progress charts and tables of one couple need, in six statements."""
    couple = uow.get_couple(couple_id)
    return _couple_progress(
        uow, catalog, couple, practice_settings(uow.session, uow.actor.practice_id)
    )


@dataclass(frozen=True)
class ProgressPage:
    """What the progress page shows."""

    progress: CoupleProgress
    alerts: list[alert_rules.Alert]


def _derived_from(
    uow: CounselorWork,
    kind: str,
    catalog: Catalog,
    couple: Couple,
    now: dt.datetime,
    settings: PracticeSettings,
) -> tuple:
    """The key of a couple's page data: its data (revision), the day, the rules, the library."""
    return couple_key(
        uow.session,
        couple,
        kind,
        now.date(),
        _rules_key(catalog, settings),
        catalog_key(catalog),
    )


def progress_page(
    uow: CounselorWork, catalog: Catalog, couple_id: int, now: dt.datetime | None = None
) -> ProgressPage:
    """The progress page: the couple's progress and its open alerts.

    The page reruns on every click (a tab, the axis), mostly with nothing new: after the
    access check, which runs every time, what was built is kept while the couple's revision,
    the day, the practice's alert settings and the content library are unchanged.
    """
    now = now or utcnow()
    couple = uow.get_couple(couple_id)
    settings = practice_settings(uow.session, uow.actor.practice_id)

    def build() -> ProgressPage:
        standing = _standings(uow, catalog, [couple], now, settings)[couple.id]
        return ProgressPage(_couple_progress(uow, catalog, couple, settings), list(standing.alerts))

    key = _derived_from(uow, "progress", catalog, couple, now, settings)
    return derived.get_or_build(key, build, keep=catalog)


def _couple_progress(
    uow: CounselorWork, catalog: Catalog, couple: Couple, settings: PracticeSettings
) -> CoupleProgress:
    measure = _measure(catalog)
    partners = uow.session.execute(
        select(Partner.id, Partner.display_name)
        .where(Partner.couple_id == couple.id)
        .order_by(Partner.position)
    ).all()
    sessions = [
        (number, held_on)
        for number, held_on in uow.session.execute(
            select(CounselingSession.number, CounselingSession.held_on).where(
                CounselingSession.couple_id == couple.id
            )
        )
    ]
    checkins = _checkin_frame(uow, [couple.id], measure, sessions)
    events = _events(uow, catalog, couple.id, sessions)
    rc = measure.reliable_change
    return CoupleProgress(
        couple_id=couple.id,
        partner_ids=tuple(p.id for p in partners),
        partner_names={p.id: p.display_name for p in partners},
        checkins=checkins,
        events=events,
        subscales=[(s.id, s.title) for s in measure.subscales],
        rc_threshold=reliable_change_threshold(rc.sd, rc.reliability),
        provisional=measure.provisional or rc.provisional,
        divergence_gap=settings.alerts.divergence_gap,
    )


def _module_title(catalog: Catalog, module_id: str, version: int) -> str:
    try:
        return catalog.module(module_id, version).title
    except ContentNotFound:
        return module_id


def _events(
    uow: CounselorWork, catalog: Catalog, couple_id: int, sessions: list[tuple[int, dt.date]]
) -> pd.DataFrame:
    rows = uow.session.execute(
        select(
            Assignment.module_id,
            Assignment.module_version,
            Assignment.assigned_at,
            Assignment.completed_at,
            Assignment.status,
        ).where(Assignment.couple_id == couple_id)
    ).all()
    events = []
    for module_id, version, assigned_at, completed_at, status in rows:
        title = _module_title(catalog, module_id, version)
        # The chart says what happened ("Assigned: ", "Completed: "); the label is the module.
        events.append((assigned_at, title, "assigned"))
        if status == "completed" and completed_at is not None:
            events.append((completed_at, title, "completed"))
    if not events:
        frame = pd.DataFrame(columns=["at", "label", "kind"])
        frame["session_number"] = pd.Series(dtype="int64")
        return frame
    moments, labels, kinds = zip(*events, strict=True)
    return pd.DataFrame(
        {
            "at": pd.to_datetime(list(moments), utc=True),
            "label": labels,
            "kind": kinds,
            "session_number": _session_numbers([_utc_day(t) for t in moments], sessions),
        }
    )


def _assignment_points(
    session: Session, catalog: Catalog, couple_ids: list[int]
) -> dict[int, list[alert_rules.AssignmentPoint]]:
    done: dict[int, dict[int, int]] = {}
    for assignment_id, partner_id, count in session.execute(
        select(ExerciseProgress.assignment_id, ExerciseProgress.partner_id, func.count())
        .join(Assignment, Assignment.id == ExerciseProgress.assignment_id)
        .where(Assignment.couple_id.in_(couple_ids))
        .group_by(ExerciseProgress.assignment_id, ExerciseProgress.partner_id)
    ):
        done.setdefault(assignment_id, {})[partner_id] = count
    points: dict[int, list[alert_rules.AssignmentPoint]] = {}
    for a in session.scalars(select(Assignment).where(Assignment.couple_id.in_(couple_ids))):
        try:
            module = catalog.module(a.module_id, a.module_version)
            title, count = module.title, len(module.exercises)
        except ContentNotFound:
            title, count = a.module_id, 0
        points.setdefault(a.couple_id, []).append(
            alert_rules.AssignmentPoint(
                a.id,
                title,
                a.partner_id,
                a.due_on,
                a.status,
                done.get(a.id, {}),
                count,
                a.assigned_at,
            )
        )
    return points


@dataclass(frozen=True)
class Standing:
    """Where one couple stands: unacknowledged alerts, mean latest total, mean change."""

    alerts: tuple[alert_rules.Alert, ...]
    current: float | None
    change: float | None


def _standings(
    uow: CounselorWork,
    catalog: Catalog,
    couples: list[Couple],
    now: dt.datetime,
    settings: PracticeSettings | None = None,
) -> dict[int, Standing]:
    """Standings per couple; only couples whose data changed are evaluated again."""
    if not couples:
        return {}
    measure = _measure(catalog)
    if settings is None:
        settings = practice_settings(uow.session, uow.actor.practice_id)
    rc = measure.reliable_change
    context = ("standing", now.date(), settings.alerts.model_dump_json(), rc.sd, rc.reliability)
    keys = {c.id: couple_key(uow.session, c, c.status, *context) for c in couples}
    result: dict[int, Standing] = {}
    stale = []
    for couple in couples:
        cached = derived.get(keys[couple.id])
        if cached is None:
            stale.append(couple)
        else:
            result[couple.id] = cached
    if stale:
        for couple_id, standing in _evaluate(uow.session, catalog, stale, now, settings).items():
            derived.put(keys[couple_id], standing)
            result[couple_id] = standing
    return result


def _evaluate(
    session: Session,
    catalog: Catalog,
    couples: list[Couple],
    now: dt.datetime,
    settings: PracticeSettings,
) -> dict[int, Standing]:
    """Unacknowledged alerts and scores per couple, with a fixed number of statements."""
    measure = _measure(catalog)
    couple_ids = [c.id for c in couples]
    partners: dict[int, list[tuple[int, str]]] = {}
    for couple_id, partner_id, name in session.execute(
        select(Partner.couple_id, Partner.id, Partner.display_name)
        .where(Partner.couple_id.in_(couple_ids))
        .order_by(Partner.couple_id, Partner.position)
    ):
        partners.setdefault(couple_id, []).append((partner_id, name))
    points: dict[int, list[alert_rules.CheckinPoint]] = {}
    for couple_id, checkin_id, partner_id, when, total, overall, flagged in session.execute(
        select(
            CheckIn.couple_id,
            CheckIn.id,
            CheckIn.partner_id,
            CheckIn.submitted_at,
            CheckIn.total,
            CheckIn.overall,
            CheckIn.safety_flag,
        )
        .where(CheckIn.couple_id.in_(couple_ids))
        .order_by(CheckIn.couple_id, CheckIn.submitted_at, CheckIn.id)
    ):
        points.setdefault(couple_id, []).append(
            alert_rules.CheckinPoint(checkin_id, partner_id, when, total, overall, bool(flagged))
        )
    assignments = _assignment_points(session, catalog, couple_ids)
    acknowledged: dict[int, set[str]] = {}
    for couple_id, key in session.execute(
        select(AlertAcknowledgement.couple_id, AlertAcknowledgement.alert_key).where(
            AlertAcknowledgement.couple_id.in_(couple_ids)
        )
    ):
        acknowledged.setdefault(couple_id, set()).add(key)
    rc = measure.reliable_change
    result = {}
    for couple in couples:
        people = partners.get(couple.id, [])
        data = alert_rules.CoupleData(
            couple_id=couple.id,
            label=couple.label,
            partner_ids=tuple(pid for pid, _ in people),
            partner_names=dict(people),
            checkins=tuple(points.get(couple.id, ())),
            assignments=tuple(assignments.get(couple.id, [])),
            created_at=couple.created_at,
            status=couple.status,
        )
        found = alert_rules.evaluate(data, rc.sd, rc.reliability, settings.alerts, now)
        current, change = _current_and_change(data)
        result[data.couple_id] = Standing(
            tuple(alert_rules.filter_acknowledged(found, acknowledged.get(data.couple_id, set()))),
            current,
            change,
        )
    return result


def _current_and_change(data: alert_rules.CoupleData) -> tuple[float | None, float | None]:
    """Mean of the partners' latest totals, and mean change since each partner's first."""
    firsts: dict[int, float] = {}
    lasts: dict[int, float] = {}
    for point in sorted(data.checkins, key=lambda p: p.submitted_at):
        if point.total is None:
            continue
        firsts.setdefault(point.partner_id, point.total)
        lasts[point.partner_id] = point.total
    if not lasts:
        return None, None
    current = sum(lasts.values()) / len(lasts)
    change = sum(lasts[p] - firsts[p] for p in lasts) / len(lasts)
    return current, change


def couple_alerts(
    uow: CounselorWork, catalog: Catalog, couple_id: int, now: dt.datetime | None = None
) -> list[alert_rules.Alert]:
    couple = uow.get_couple(couple_id)
    return list(_standings(uow, catalog, [couple], now or utcnow())[couple.id].alerts)


ACKNOWLEDGEMENT_NOTE_MIN = 3
ACKNOWLEDGEMENT_NOTE_MAX = 500


def acknowledge_alert(uow: CounselorWork, couple_id: int, alert_key: str, note: str = "") -> None:
    """Hide this alert until new evidence raises it again; who and when are kept and audited.

    A safety answer is acknowledged with a short note of what was done (a call, a safety plan),
    so the record shows the response and not only that someone clicked.
    """
    couple = uow.get_couple(couple_id)
    problems: dict[str, str] = {}
    note = clean_long_text(note or "", "note", ACKNOWLEDGEMENT_NOTE_MAX, problems).strip()
    needs_note = alert_key.startswith("safety:") and "note" not in problems
    if needs_note and len(note) < ACKNOWLEDGEMENT_NOTE_MIN:
        problems["note"] = "must say briefly what was done about the safety answer"
    if problems:
        raise InvalidInput(problems)
    exists = uow.session.scalar(
        select(func.count(AlertAcknowledgement.id)).where(
            AlertAcknowledgement.couple_id == couple.id,
            AlertAcknowledgement.alert_key == alert_key,
        )
    )
    if not exists:
        uow.session.add(
            AlertAcknowledgement(
                couple_id=couple.id,
                alert_key=alert_key[:200],
                acknowledged_by=uow.actor.counselor_id,
                acknowledged_at=utcnow(),
                note=note,
            )
        )
        uow.record(
            "alert.acknowledge",
            "couple",
            couple.id,
            alert=alert_key.split(":")[0],
            with_note=bool(note),
        )
    uow.commit()


def undo_acknowledgement(uow: CounselorWork, couple_id: int, acknowledgement_id: int) -> None:
    """Show an acknowledged alert again; only the counselor who acknowledged it may."""
    couple = uow.get_couple(couple_id)
    row = uow.session.scalars(
        select(AlertAcknowledgement).where(
            AlertAcknowledgement.id == row_id(acknowledgement_id),
            AlertAcknowledgement.couple_id == couple.id,
        )
    ).one_or_none()
    if row is None:
        raise NotFound("That acknowledgement was not found.")
    if row.acknowledged_by != uow.actor.counselor_id:
        raise PermissionDenied("Only the counselor who acknowledged an alert can undo it.")
    uow.session.delete(row)
    uow.record("alert.unacknowledge", "couple", couple.id, alert=row.alert_key.split(":")[0])
    uow.commit()


@dataclass(frozen=True)
class AcknowledgedAlert:
    """An alert a counselor acknowledged: what kind, when, by whom, and what was done."""

    id: int
    title: str
    acknowledged_at: dt.datetime
    by: str
    note: str
    may_undo: bool


ACKNOWLEDGED_SHOWN = 10


def _acknowledged_alerts(uow: CounselorWork, couple_id: int) -> list[AcknowledgedAlert]:
    """The latest acknowledgements of this couple's alerts, newest first."""
    rows = uow.session.execute(
        select(
            AlertAcknowledgement.id,
            AlertAcknowledgement.alert_key,
            AlertAcknowledgement.acknowledged_at,
            AlertAcknowledgement.acknowledged_by,
            AlertAcknowledgement.note,
            Counselor.display_name,
        )
        .join(Counselor, Counselor.id == AlertAcknowledgement.acknowledged_by)
        .where(AlertAcknowledgement.couple_id == couple_id)
        .order_by(AlertAcknowledgement.acknowledged_at.desc(), AlertAcknowledgement.id.desc())
        .limit(ACKNOWLEDGED_SHOWN)
    ).all()
    return [
        AcknowledgedAlert(
            id=row.id,
            title=_ALERT_TITLES.get(row.alert_key.split(":")[0], "Alert"),
            acknowledged_at=row.acknowledged_at,
            by=row.display_name,
            note=row.note or "",
            may_undo=row.acknowledged_by == uow.actor.counselor_id,
        )
        for row in rows
    ]


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
        return _badge(*_alert_counts(self.by_couple.get(couple_id, [])))

    def rank(self, couple_id: int) -> tuple[int, int]:
        return alert_rules.urgency_rank(self.by_couple.get(couple_id, []))


def _alert_counts(
    alerts: list[alert_rules.Alert] | tuple[alert_rules.Alert, ...],
) -> tuple[int, int]:
    """(urgent, to review): the counts urgency_rank sorts by, as positive numbers."""
    urgent, attention = alert_rules.urgency_rank(alerts)
    return -urgent, -attention


def _badge(urgent: int, attention: int) -> str:
    """The caseload's alerts column: "1 urgent, 2 to review", or nothing."""
    parts = [f"{urgent} urgent"] if urgent else []
    parts += [f"{attention} to review"] if attention else []
    return ", ".join(parts)


def caseload_alerts(
    uow: CounselorWork, catalog: Catalog, couple_ids: list[int], now: dt.datetime | None = None
) -> CaseloadAlerts:
    """Alerts and the current-versus-change overview for the counselor's listed couples."""
    couples = list(uow.session.scalars(uow.couples().where(Couple.id.in_(couple_ids))))
    return _caseload_alerts(uow, catalog, couples, now or utcnow())


def _caseload_alerts(
    uow: CounselorWork, catalog: Catalog, couples: list[Couple], now: dt.datetime
) -> CaseloadAlerts:
    standings = _standings(uow, catalog, couples, now)
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
    statements and the work per run do not grow with the caseload; a row is evaluated again
    only when the couple's data, the day or the alert rules changed (see CoupleStanding).
    """
    now = now or utcnow()
    settings = practice_settings(uow.session, uow.actor.practice_id)
    counts = {status_name: 0 for status_name in couple_service.COUPLE_STATUSES}
    # The stored rows are counted too: a database recreated at the same address (a restore)
    # may hold the same couples without their rows.
    stored_rows = (
        select(func.count())
        .select_from(CoupleStanding)
        .where(
            CoupleStanding.counselor_id == uow.actor.counselor_id,
            CoupleStanding.practice_id == uow.actor.practice_id,
        )
        .scalar_subquery()
    )
    # The counselor's caseload revision is a real counter (trustcare/revisions.py): any write
    # to one of their couples, and any couple joining or leaving the caseload, raises it.
    # With the counselor's creation time: a database restored at the same address may hold
    # another counselor with the same id and revision.
    me = Counselor.id == uow.actor.counselor_id
    caseload_revision = select(Counselor.caseload_revision).where(me).scalar_subquery()
    counselor_since = select(Counselor.created_at).where(me).scalar_subquery()
    fingerprint = []
    for status_name, couples_, revision, since, stored in uow.session.execute(
        uow.couples()
        .with_only_columns(
            Couple.status, func.count(Couple.id), caseload_revision, counselor_since, stored_rows
        )
        .group_by(Couple.status)
        .order_by(Couple.status)
    ):
        counts[status_name] = couples_
        fingerprint.append((status_name, couples_, revision, since, stored))
    _refresh_standings(uow, catalog, now, settings, tuple(fingerprint))
    matching = couple_service.caseload_filter(uow, status, search)
    if search.strip():
        count = uow.session.scalar(
            select(func.count()).select_from(matching.with_only_columns(Couple.id).subquery())
        )
    else:
        count = counts.get(status, 0) if status is not None else sum(counts.values())
    pages = max(1, -(-count // page_size))
    page = min(max(1, page), pages)
    statement = matching.with_only_columns(
        Couple.id,
        Couple.label,
        Couple.status,
        CoupleStanding.partners,
        CoupleStanding.sessions,
        CoupleStanding.last_session,
        CoupleStanding.urgent,
        CoupleStanding.attention,
    ).join(CoupleStanding, CoupleStanding.couple_id == Couple.id)
    # The couple's own columns decide what is listed; the stored copies (fresh, see above)
    # let the database walk an index in urgency order and stop after one page.
    statement = statement.where(
        CoupleStanding.counselor_id == uow.actor.counselor_id,
        CoupleStanding.practice_id == uow.actor.practice_id,
    )
    if status:
        statement = statement.where(CoupleStanding.status == status)
    shown = uow.session.execute(
        statement.order_by(
            CoupleStanding.sort_key, CoupleStanding.label_key, CoupleStanding.couple_id
        )
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return CaseloadView(
        rows=[
            couple_service.CaseloadRow(
                couple_id=row.id,
                label=row.label,
                partners=row.partners,
                status=row.status,
                sessions=row.sessions,
                last_session=row.last_session,
            )
            for row in shown
        ],
        alert_counts={row.id: (row.urgent, row.attention) for row in shown},
        counts=counts,
        matching=count,
        page=page,
        pages=pages,
    )


def caseload_overview(
    uow: CounselorWork, catalog: Catalog, couple_ids: list[int], now: dt.datetime | None = None
) -> pd.DataFrame:
    """Where the listed couples (the counselor's own only) stand: couple_id, couple, current,
    change, alert; for the caseload's chart, drawn only when asked for."""
    return caseload_alerts(uow, catalog, couple_ids, now).overview


# Part of every standing's rules key: raise it when alerts.py changes what it finds, so stored
# standings from before are evaluated again.
STANDING_RULES_VERSION = 1
STANDING_CHUNK = 500
STANDING_COLUMNS = (
    "revision",
    "evaluated_on",
    "rules_key",
    "urgent",
    "attention",
    "sessions",
    "last_session",
    "partners",
    "counselor_id",
    "practice_id",
    "status",
    "label_key",
    "sort_key",
)


def _rules_key(catalog: Catalog, settings: PracticeSettings) -> str:
    rc = _measure(catalog).reliable_change
    rules = f"{STANDING_RULES_VERSION}|{settings.alerts.model_dump_json()}|{rc.sd}|{rc.reliability}"
    return hashlib.sha256(rules.encode()).hexdigest()


def _standing_rows(
    session: Session,
    catalog: Catalog,
    couples: Sequence,
    now: dt.datetime,
    settings: PracticeSettings,
) -> list[dict]:
    """The caseload rows of these couples (rows with the couple's columns), evaluated now."""
    today = now.date()
    rules = _rules_key(catalog, settings)
    standings = _evaluate(session, catalog, list(couples), now, settings)
    ids = [c.id for c in couples]
    stats = dict.fromkeys(ids, (0, None))
    for couple_id, count, last in session.execute(
        select(
            CounselingSession.couple_id,
            func.count(CounselingSession.id),
            func.max(CounselingSession.held_on),
        )
        .where(CounselingSession.couple_id.in_(ids))
        .group_by(CounselingSession.couple_id)
    ):
        stats[couple_id] = (count, last)
    names: dict[int, list[str]] = {couple_id: [] for couple_id in ids}
    for couple_id, name in session.execute(
        select(Partner.couple_id, Partner.display_name)
        .where(Partner.couple_id.in_(ids))
        .order_by(Partner.couple_id, Partner.position)
    ):
        names[couple_id].append(name)
    rows = []
    for couple in couples:
        urgent, attention = _alert_counts(standings[couple.id].alerts)
        rows.append(
            {
                "couple_id": couple.id,
                "revision": couple.revision,
                "evaluated_on": today,
                "rules_key": rules,
                "urgent": urgent,
                "attention": attention,
                "sessions": stats[couple.id][0],
                "last_session": stats[couple.id][1],
                "partners": " & ".join(names[couple.id]),
                "counselor_id": couple.counselor_id,
                "practice_id": couple.practice_id,
                "status": couple.status,
                "label_key": couple.label_key,
                "sort_key": -(urgent * 1000 + attention),
            }
        )
    return rows


def _write_standings(session: Session, rows: list[dict]) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    for start in range(0, len(rows), STANDING_CHUNK):
        statement = insert(CoupleStanding).values(rows[start : start + STANDING_CHUNK])
        # Another process may have stored the same row meanwhile: the later write wins.
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[CoupleStanding.couple_id],
                set_={name: statement.excluded[name] for name in STANDING_COLUMNS},
            )
        )


_COUPLE_COLUMNS = (
    Couple.id,
    Couple.label,
    Couple.created_at,
    Couple.revision,
    Couple.status,
    Couple.counselor_id,
    Couple.practice_id,
    Couple.label_key,
)


def store_standings(
    session: Session, catalog: Catalog, couple_ids: Iterable[int], now: dt.datetime | None = None
) -> int:
    """Evaluate and store the caseload rows of these couples, in the caller's transaction.

    The unit of work calls it on commit for the couples it wrote (see AppContext.work), so the
    caseload reads fresh rows without writing; `trustcare reindex` calls it for every couple
    (a restored backup, new alert rules). Returns how many rows were stored.
    """
    now = now or utcnow()
    ids = sorted(set(couple_ids))
    stored = 0
    for start in range(0, len(ids), STANDING_CHUNK):
        couples = session.execute(
            select(*_COUPLE_COLUMNS).where(Couple.id.in_(ids[start : start + STANDING_CHUNK]))
        ).all()
        by_practice: dict[int, list] = {}
        for couple in couples:
            by_practice.setdefault(couple.practice_id, []).append(couple)
        for practice_id, group in by_practice.items():
            settings = practice_settings(session, practice_id)
            _write_standings(session, _standing_rows(session, catalog, group, now, settings))
            stored += len(group)
    return stored


def _refresh_standings(
    uow: CounselorWork,
    catalog: Catalog,
    now: dt.datetime,
    settings: PracticeSettings,
    fingerprint: tuple,
) -> None:
    """Evaluate and store the caseload row of every couple of the counselor's whose stored one
    is missing or stale; skipped while the caseload's fingerprint shows no change."""
    today = now.date()
    rules = _rules_key(catalog, settings)
    # Every stored row of this caseload was fresh for this state (services/derived.py): the
    # counselor's caseload revision is a real counter, raised by every change to one of their
    # couples and by a couple joining or leaving (a sum of versions and ids once stood in for
    # it, and a swap of couples between two counselors left the sum unchanged).
    caseload = (
        "fresh caseload",
        database_of(uow.session),
        uow.actor.practice_id,
        uow.actor.counselor_id,
    )
    if derived.get((*caseload, fingerprint, today, rules)):
        return
    stale = uow.session.execute(
        uow.couples()
        .with_only_columns(
            Couple.id,
            Couple.label,
            Couple.created_at,
            Couple.revision,
            Couple.status,
            Couple.counselor_id,
            Couple.practice_id,
            Couple.label_key,
            CoupleStanding.counselor_id.label("stored_for"),
        )
        .outerjoin(CoupleStanding, CoupleStanding.couple_id == Couple.id)
        .where(
            or_(
                CoupleStanding.couple_id.is_(None),
                CoupleStanding.revision != Couple.revision,
                CoupleStanding.evaluated_on != today,
                CoupleStanding.rules_key != rules,
                CoupleStanding.counselor_id != Couple.counselor_id,
                CoupleStanding.practice_id != Couple.practice_id,
                CoupleStanding.status != Couple.status,
                CoupleStanding.label_key != Couple.label_key,
            )
        )
    ).all()
    if not stale:
        derived.put((*caseload, fingerprint, today, rules), True)
        return
    _write_standings(uow.session, _standing_rows(uow.session, catalog, stale, now, settings))
    uow.commit()
    # Every row is fresh now; the stored rows counted in the fingerprint grew by those that
    # were missing or filed under another counselor (a hand-over).
    added = sum(1 for couple in stale if couple.stored_for != uow.actor.counselor_id)
    now_stored = tuple((*entry[:-1], entry[-1] + added) for entry in fingerprint)
    derived.put((*caseload, now_stored, today, rules), True)


@dataclass(frozen=True)
class CoupleAgenda:
    """The alerts to acknowledge, then what to raise since the last session."""

    alerts: list[alert_rules.Alert]
    items: list[AgendaItem]
    acknowledged: list[AcknowledgedAlert] = field(default_factory=list)


def _since_the_last_session(
    sessions: tuple[couple_service.SessionView, ...], created_at: dt.datetime
) -> dt.datetime:
    """When the last session ended, as far as the record knows.

    A session logged on the day it was held ended before it was logged; one logged on a later
    day has no known time, so its whole day counts as after it: a check-in sent that evening
    is new, never "no check-in since the last session" beside its own answers.
    """
    if not sessions:
        return created_at
    last = max(sessions, key=lambda session: (session.held_on, session.logged_at))
    if last.logged_at.date() == last.held_on:
        return last.logged_at
    return dt.datetime.combine(last.held_on, dt.time(), dt.UTC)


# Raised before the check-ins; the other alerts come after the unfinished work.
_FIRST_ALERTS = ("safety", "deterioration", "divergence")


def couple_agenda(
    uow: CounselorWork,
    catalog: Catalog,
    couple: Couple,
    record: couple_service.CoupleRecord,
    now: dt.datetime | None = None,
) -> CoupleAgenda:
    """ "Since the last session", in the order a counselor would raise things.

    For a couple from `uow.get_couple` and its record, already read by the caller. Check-ins
    are plain rows: a data frame of them cost more than the rest of the page. What was built
    is kept while the couple's revision, the day, the alert rules and the content library
    are unchanged (services/derived.py).
    """
    now = now or utcnow()
    settings = practice_settings(uow.session, uow.actor.practice_id)
    key = _derived_from(uow, "agenda", catalog, couple, now, settings)
    return derived.get_or_build(
        key, lambda: _build_agenda(uow, catalog, couple, record, now, settings), keep=catalog
    )


def _build_agenda(
    uow: CounselorWork,
    catalog: Catalog,
    couple: Couple,
    record: couple_service.CoupleRecord,
    now: dt.datetime,
    settings: PracticeSettings,
) -> CoupleAgenda:
    since = _since_the_last_session(record.sessions, couple.created_at)
    alerts = list(_standings(uow, catalog, [couple], now, settings)[couple.id].alerts)
    names = {partner.id: partner.display_name for partner in record.partners}
    rows = uow.session.execute(
        select(
            CheckIn.partner_id,
            CheckIn.submitted_at,
            CheckIn.total,
            CheckIn.overall,
            CheckIn.reflection,
            CheckIn.reflection_shared,
        )
        .where(CheckIn.couple_id == couple.id)
        .order_by(CheckIn.submitted_at, CheckIn.id)
    ).all()
    recent = [row for row in rows if row.submitted_at >= since]
    items = [_alert_item(alert) for alert in alerts if alert.kind in _FIRST_ALERTS]
    for partner_id, name in names.items():
        own = [row for row in recent if row.partner_id == partner_id]
        if not own:
            items.append(AgendaItem("checkins", f"{name}: no check-in since the last session", ""))
            continue
        latest = own[-1]
        detail = _latest_scores(latest.total, latest.overall)
        earlier = [
            row.total
            for row in rows
            if row.partner_id == partner_id and row.submitted_at < since and row.total is not None
        ]
        if earlier and latest.total is not None:
            change = latest.total - earlier[-1]
            detail += f" ({'+' if change >= 0 else ''}{change:.0f} since before the last session)"
        items.append(AgendaItem("checkins", f"{name}: {len(own)} new check-in(s)", detail))
    for row in recent:
        if row.reflection_shared and row.reflection:
            name = names.get(row.partner_id, "?")
            items.append(AgendaItem("reflection", f"{name} shared a note", row.reflection))
    items += _shared_exercise_reflections(uow, catalog, couple.id, names, since)
    current = assignment_service.assignments_of(uow, catalog, couple, names)
    for assignment in current:
        if assignment.status in ("assigned", "in_progress"):
            doing = [
                f"{name} {assignment.done_by_partner.get(pid, 0)} of {assignment.exercise_count}"
                for pid, name in names.items()
                if assignment.partner_id in (None, pid)
            ]
            items.append(
                AgendaItem(
                    "unfinished",
                    f"Unfinished: {assignment.title}",
                    "exercises done: " + ", ".join(doing),
                )
            )
    items += [_alert_item(alert) for alert in alerts if alert.kind not in _FIRST_ALERTS]
    for suggestion in assignment_service.track_suggestions(catalog, current):
        items.append(
            AgendaItem(
                "next_stage",
                f"Next stage: {suggestion.module_title}",
                f"{suggestion.track_title}, stage {suggestion.stage} of {suggestion.stages}",
            )
        )
    return CoupleAgenda(alerts, items, _acknowledged_alerts(uow, couple.id))


def _alert_item(alert: alert_rules.Alert) -> AgendaItem:
    return AgendaItem(alert.kind, _ALERT_TITLES[alert.kind], alert.message)


def _latest_scores(total: float | None, overall: int | None) -> str:
    """A check-in's scores in words; too few answers leave a score out, never "nan"."""
    pulse = "not scored (too many answers missing)" if total is None else f"{total:.0f} of 32"
    trust = "not answered" if overall is None else f"{overall} of 10"
    return f"latest trust pulse {pulse}, overall trust {trust}"


_ALERT_TITLES = {
    "safety": "Safety answer",
    "deterioration": "Reliable deterioration",
    "divergence": "Partners far apart",
    "one_sided_work": "Only one partner is doing the work",
    "no_checkin": "No recent check-in",
    "overdue": "Overdue assignment",
}


def _shared_exercise_reflections(
    uow: CounselorWork,
    catalog: Catalog,
    couple_id: int,
    names: dict[int, str],
    since: dt.datetime,
) -> list[AgendaItem]:
    rows = uow.session.execute(
        select(
            ExerciseProgress.partner_id,
            ExerciseProgress.reflection,
            Assignment.module_id,
            Assignment.module_version,
        )
        .join(Assignment, Assignment.id == ExerciseProgress.assignment_id)
        .where(
            Assignment.couple_id == couple_id,
            ExerciseProgress.reflection_shared.is_(True),
            ExerciseProgress.reflection != "",
            ExerciseProgress.done_at >= since,
        )
        .order_by(ExerciseProgress.done_at)
    )
    items = []
    for partner_id, reflection, module_id, version in rows:
        title = _module_title(catalog, module_id, version)
        name = names.get(partner_id, "?")
        items.append(AgendaItem("reflection", f"{name} shared a reflection on {title}", reflection))
    return items

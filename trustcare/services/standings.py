"""Where each couple stands: its unacknowledged alerts and scores, evaluated from its data,
and its caseload row (CoupleStanding), stored with every write and by `trustcare reindex`."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from trustcare import alerts as alert_rules
from trustcare.content_catalog import Catalog
from trustcare.content_schema import ContentError, ContentNotFound, Measure
from trustcare.feedback import FeedbackPoint, FeedbackRules
from trustcare.models import Couple, utcnow
from trustcare.persistence.caseloads import STANDING_CHUNK, StandingStore, standings_store
from trustcare.persistence.uow import CounselorWork, OpenUnscoped, UnitOfWork
from trustcare.practice_settings import PracticeSettings
from trustcare.services.checkins import FEEDBACK_MEASURE_ID, MEASURE_ID
from trustcare.services.derived import catalog_key, couple_key, derived
from trustcare.services.schedules import DISPLAY_LOOKBACK, due_states_of, resolve

log = logging.getLogger(__name__)


def trust_pulse(catalog: Catalog) -> Measure:
    return catalog.measure(MEASURE_ID)


def page_key(
    uow: CounselorWork,
    kind: str,
    catalog: Catalog,
    couple: Couple,
    now: dt.datetime,
    settings: PracticeSettings,
) -> tuple:
    """The key of a couple's page data: its data (revision), the day, the rules, the library."""
    return couple_key(
        uow,
        couple,
        kind,
        now.date(),
        rules_key(catalog, settings),
        catalog_key(catalog),
    )


def assignment_points(
    store: StandingStore, catalog: Catalog, couple_ids: list[int]
) -> dict[int, list[alert_rules.AssignmentPoint]]:
    """Each couple's assignments as the alert rules see them, with the exercises done."""
    done: dict[int, dict[int, int]] = {}
    for assignment_id, partner_id, count in store.exercises_done(couple_ids):
        done.setdefault(assignment_id, {})[partner_id] = count
    points: dict[int, list[alert_rules.AssignmentPoint]] = {}
    for a in store.assignments(couple_ids):
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


def standings_of(
    uow: CounselorWork,
    catalog: Catalog,
    couples: list[Couple],
    now: dt.datetime,
    settings: PracticeSettings | None = None,
) -> dict[int, Standing]:
    """Standings per couple; only couples whose data changed are evaluated again."""
    if not couples:
        return {}
    measure = trust_pulse(catalog)
    if settings is None:
        settings = uow.practice_settings()
    rc = measure.reliable_change
    context = ("standing", now.date(), settings.alerts.model_dump_json(), rc.sd, rc.reliability)
    keys = {c.id: couple_key(uow, c, c.status, *context) for c in couples}
    result: dict[int, Standing] = {}
    stale = []
    for couple in couples:
        cached = derived.get(keys[couple.id])
        if cached is None:
            stale.append(couple)
        else:
            result[couple.id] = cached
    if stale:
        for couple_id, standing in _evaluate(
            standings_store(uow), catalog, stale, now, settings
        ).items():
            derived.put(keys[couple_id], standing)
            result[couple_id] = standing
    return result


def _evaluate(
    store: StandingStore,
    catalog: Catalog,
    couples: list[Couple],
    now: dt.datetime,
    settings: PracticeSettings,
) -> dict[int, Standing]:
    """Unacknowledged alerts and scores per couple, with a fixed number of statements."""
    measure = trust_pulse(catalog)
    couple_ids = [c.id for c in couples]
    partners: dict[int, list[tuple[int, str]]] = {}
    for couple_id, partner_id, name in store.partners(couple_ids):
        partners.setdefault(couple_id, []).append((partner_id, name))
    points: dict[int, list[alert_rules.CheckinPoint]] = {}
    for couple_id, checkin_id, partner_id, when, total, overall, flagged in store.checkin_points(
        couple_ids
    ):
        points.setdefault(couple_id, []).append(
            alert_rules.CheckinPoint(checkin_id, partner_id, when, total, overall, bool(flagged))
        )
    assignments = assignment_points(store, catalog, couple_ids)
    acknowledged: dict[int, set[str]] = {}
    for couple_id, key in store.acknowledged(couple_ids):
        acknowledged.setdefault(couple_id, set()).add(key)
    missed = _due_missed(store, couples, now, settings)
    feedback: dict[int, list[FeedbackPoint]] = {}
    for couple_id, *point in store.feedback_points(couple_ids):
        feedback.setdefault(couple_id, []).append(FeedbackPoint(*point))
    feedback_rules = _feedback_rules(catalog)
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
            due_missed=missed.get(couple.id),
            feedback=tuple(feedback.get(couple.id, ())),
            feedback_rules=feedback_rules,
        )
        found = alert_rules.evaluate(data, rc.sd, rc.reliability, settings.alerts, now)
        current, change = _current_and_change(data)
        result[data.couple_id] = Standing(
            tuple(alert_rules.filter_acknowledged(found, acknowledged.get(data.couple_id, set()))),
            current,
            change,
        )
    return result


def _feedback_rules(catalog: Catalog) -> FeedbackRules | None:
    """The session-feedback alert rules of the library's feedback measure (None: it has none)."""
    try:
        return FeedbackRules.of(catalog.measure(FEEDBACK_MEASURE_ID))
    except (ContentNotFound, ValueError):
        return None


def _due_missed(
    store: StandingStore, couples: list[Couple], now: dt.datetime, settings: PracticeSettings
) -> dict[int, dict[int, tuple[int, str, dt.datetime]]]:
    """Per couple with an active check-in schedule, per partner: due windows missed in a row,
    and the latest missed window's key and closing time. Read only when a schedule applies, so
    a practice without schedules sends no more statements than before."""
    scheduled = [
        c.id
        for c in couples
        if (c.schedule or {}).get("kind", "off") != "off"
        or (c.schedule is None and settings.checkin_schedule.active)
    ]
    if not scheduled:
        return {}
    found: dict[int, dict[int, tuple[int, str, dt.datetime]]] = {}
    for couple in store.schedule_inputs(scheduled, now - DISPLAY_LOOKBACK):
        resolved = resolve(couple, now)
        if not resolved.schedule.active:
            continue
        closed = [w for w in resolved.windows if w.closes_at <= now]
        per_partner = {}
        for state in due_states_of(resolved, now):
            latest = closed[-1] if closed and state.missed_in_a_row else None
            per_partner[state.partner_id] = (
                (state.missed_in_a_row, latest.key, latest.closes_at) if latest else (0, "", now)
            )
        found[couple.id] = per_partner
    return found


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


def alert_counts(
    alerts: list[alert_rules.Alert] | tuple[alert_rules.Alert, ...],
) -> tuple[int, int]:
    """(urgent, to review): the counts urgency_rank sorts by, as positive numbers."""
    urgent, attention = alert_rules.urgency_rank(alerts)
    return -urgent, -attention


# Part of every standing's rules key: raise it when alerts.py changes what it finds, so stored
# standings from before are evaluated again.
STANDING_RULES_VERSION = 2


def rules_key(catalog: Catalog, settings: PracticeSettings) -> str:
    rc = trust_pulse(catalog).reliable_change
    rules = f"{STANDING_RULES_VERSION}|{settings.alerts.model_dump_json()}|{rc.sd}|{rc.reliability}"
    rules += f"|{_feedback_rules(catalog)}"
    return hashlib.sha256(rules.encode()).hexdigest()


def standing_rows(
    store: StandingStore,
    catalog: Catalog,
    couples: Sequence,
    now: dt.datetime,
    settings: PracticeSettings,
) -> list[dict]:
    """The caseload rows of these couples (rows with the couple's columns), evaluated now."""
    today = now.date()
    rules = rules_key(catalog, settings)
    standings = _evaluate(store, catalog, list(couples), now, settings)
    ids = [c.id for c in couples]
    stats = dict.fromkeys(ids, (0, None))
    for couple_id, count, last in store.session_stats(ids):
        stats[couple_id] = (count, last)
    names: dict[int, list[str]] = {couple_id: [] for couple_id in ids}
    for couple_id, name in store.partner_names(ids):
        names[couple_id].append(name)
    rows = []
    for couple in couples:
        urgent, attention = alert_counts(standings[couple.id].alerts)
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


def store_standings(
    uow: UnitOfWork, catalog: Catalog, couple_ids: Iterable[int], now: dt.datetime | None = None
) -> int:
    """Evaluate and store the caseload rows of these couples, in the caller's transaction.

    The unit of work calls it on commit for the couples it wrote (see AppContext.work), so the
    caseload reads fresh rows without writing; `trustcare reindex` calls it for every couple
    (a restored backup, new alert rules). Returns how many rows were stored.
    """
    store = standings_store(uow)
    now = now or utcnow()
    ids = sorted(set(couple_ids))
    stored = 0
    for start in range(0, len(ids), STANDING_CHUNK):
        couples = store.couples(ids[start : start + STANDING_CHUNK])
        by_practice: dict[int, list] = {}
        for couple in couples:
            by_practice.setdefault(couple.practice_id, []).append(couple)
        for practice_id, group in by_practice.items():
            settings = store.settings_of(practice_id)
            store.write(standing_rows(store, catalog, group, now, settings))
            stored += len(group)
    return stored


def keep_standings(catalog_for: Callable[[], Catalog]) -> Callable[[UnitOfWork, set[int]], None]:
    """The commit hook of a unit of work (AppContext.work): the caseload rows of the couples
    written, stored in the same transaction, so the caseload reads them fresh."""

    def store(uow: UnitOfWork, couple_ids: set[int]) -> None:
        try:
            catalog = catalog_for()
        except ContentError:
            log.warning("content library has errors: caseload rows are evaluated when read")
            return
        try:
            # A savepoint: a failure here never costs the write its data.
            with uow.savepoint():
                store_standings(uow, catalog, couple_ids)
        except Exception:
            log.exception("caseload rows not stored on write; the caseload evaluates them")

    return store


def refresh_stale_standings(
    open_work: OpenUnscoped, catalog: Catalog, now: dt.datetime | None = None
) -> int:
    """Store the caseload rows that went stale without a write: a new day (alerts that come
    with time, such as "no check-in for 14 days"), new alert rules, a restored database.

    The server's background runner calls it before every reminder pass, `trustcare reindex
    --stale` from a cron job; until then a caseload read evaluates such rows for itself (reads
    never write). One transaction per STANDING_CHUNK couples, so a SQLite database is locked
    for one chunk's write at a time. Returns how many rows were stored.
    """
    now = now or utcnow()
    today = now.date()
    with open_work(read_only=True) as uow:
        store = standings_store(uow)
        stale = [
            couple_id
            for practice_id in uow.caseload.practice_ids()
            for couple_id in uow.caseload.stale_in_practice(
                practice_id, today, rules_key(catalog, store.settings_of(practice_id))
            )
        ]
    stored = 0
    for start in range(0, len(stale), STANDING_CHUNK):
        with open_work() as uow:
            stored += store_standings(uow, catalog, stale[start : start + STANDING_CHUNK], now)
            uow.commit()
    return stored


def reindex(open_work: OpenUnscoped, catalog: Catalog) -> int:
    """Rebuild every couple's stored standing from the data; how many were stored."""
    with open_work() as uow:
        stored = store_standings(uow, catalog, uow.caseload.every_couple_id())
        uow.commit()
    return stored

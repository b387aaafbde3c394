"""The couple record's agenda ("since the last session") and the alerts to acknowledge:
acknowledging (with a note) and undoing it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from trustcare import alerts as alert_rules
from trustcare.content_catalog import Catalog
from trustcare.errors import InvalidInput, NotFound, PermissionDenied
from trustcare.models import AlertAcknowledgement, Couple, utcnow
from trustcare.persistence.uow import CounselorWork
from trustcare.practice_settings import PracticeSettings
from trustcare.schedules import RHYTHMS
from trustcare.services import assignments as assignment_service
from trustcare.services import couples as couple_service
from trustcare.services.derived import derived
from trustcare.services.progress import module_title
from trustcare.services.standings import page_key, standings_of
from trustcare.services.validation import clean_long_text


@dataclass(frozen=True)
class AgendaItem:
    kind: str
    title: str
    detail: str


ACKNOWLEDGEMENT_NOTE_MIN = 3


ACKNOWLEDGEMENT_NOTE_MAX = 500


def acknowledge_alert(uow: CounselorWork, couple_id: int, alert_key: str, note: str = "") -> None:
    """Hide this alert until new evidence raises it again; who and when are kept and audited.

    A safety answer is acknowledged with a short note of what was done (a call, a safety plan),
    so the record shows the response and not only that someone clicked.
    """
    couple = uow.couples.get(couple_id)
    problems: dict[str, str] = {}
    note = clean_long_text(note or "", "note", ACKNOWLEDGEMENT_NOTE_MAX, problems).strip()
    needs_note = alert_key.startswith("safety:") and "note" not in problems
    if needs_note and len(note) < ACKNOWLEDGEMENT_NOTE_MIN:
        problems["note"] = "must say briefly what was done about the safety answer"
    if problems:
        raise InvalidInput(problems)
    if not uow.agenda.is_acknowledged(couple, alert_key):
        uow.agenda.add_acknowledgement(
            couple,
            AlertAcknowledgement(
                couple_id=couple.id,
                alert_key=alert_key[:200],
                acknowledged_by=uow.actor.counselor_id,
                acknowledged_at=utcnow(),
                note=note,
            ),
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
    couple = uow.couples.get(couple_id)
    row = uow.agenda.acknowledgement_of(couple, acknowledgement_id)
    if row is None:
        raise NotFound("That acknowledgement was not found.")
    if row.acknowledged_by != uow.actor.counselor_id:
        raise PermissionDenied("Only the counselor who acknowledged an alert can undo it.")
    uow.agenda.remove_acknowledgement(row)
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


def _acknowledged_alerts(uow: CounselorWork, couple: Couple) -> list[AcknowledgedAlert]:
    """The latest acknowledgements of this couple's alerts, newest first."""
    rows = uow.agenda.latest_acknowledgements(couple, ACKNOWLEDGED_SHOWN)
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

    For a couple from `uow.couples.get` and its record, already read by the caller. Check-ins
    are plain rows: a data frame of them cost more than the rest of the page. What was built
    is kept while the couple's revision, the day, the alert rules and the content library
    are unchanged (services/derived.py).
    """
    now = now or utcnow()
    settings = uow.practice_settings()
    key = page_key(uow, "agenda", catalog, couple, now, settings)
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
    alerts = list(standings_of(uow, catalog, [couple], now, settings)[couple.id].alerts)
    names = {partner.id: partner.display_name for partner in record.partners}
    rows = uow.agenda.checkins_of(couple)
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
    items += _shared_exercise_reflections(uow, catalog, couple, names, since)
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
    upcoming = couple_service.upcoming_session(
        record.next_session_at, record.session_rhythm, couple_service.zone_of(settings), now
    )
    if upcoming is not None:
        local = upcoming.astimezone(couple_service.zone_of(settings))
        items.append(
            AgendaItem(
                "next_session",
                f"Next session: {local:%A} {local.day} {local:%B}, {local:%H:%M}",
                RHYTHMS.get(record.session_rhythm, ""),
            )
        )
    return CoupleAgenda(alerts, items, _acknowledged_alerts(uow, couple))


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
    "due_not_done": "Due check-in not done",
    "overdue": "Overdue assignment",
    "feedback_low": "Session feedback under the cut-off",
    "feedback_drop": "Session feedback dropped",
    "feedback_split": "Partners saw the session differently",
}


def _shared_exercise_reflections(
    uow: CounselorWork,
    catalog: Catalog,
    couple: Couple,
    names: dict[int, str],
    since: dt.datetime,
) -> list[AgendaItem]:
    items = []
    for partner_id, reflection, module_id, version in uow.agenda.shared_exercise_reflections(
        couple, since
    ):
        title = module_title(catalog, module_id, version)
        name = names.get(partner_id, "?")
        items.append(AgendaItem("reflection", f"{name} shared a reflection on {title}", reflection))
    return items

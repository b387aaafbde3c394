"""Assigning modules and tracks to a couple or one partner, and following their progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from trustcare.content_catalog import Catalog
from trustcare.content_schema import ContentNotFound
from trustcare.errors import InvalidInput, PartnerNotFound
from trustcare.models import ASSIGNMENT_STATUSES, Assignment, Couple, utcnow
from trustcare.persistence.uow import CounselorWork
from trustcare.services.validation import clean_long_text

NOTE_MAX = 2000


@dataclass(frozen=True)
class AssignmentView:
    id: int
    module_id: str
    module_version: int
    title: str
    track_id: str | None
    partner_id: int | None
    audience: str  # "Both partners" or the partner's name
    due_on: dt.date | None
    status: str
    note_to_client: str
    assigned_at: dt.datetime
    exercise_count: int
    done_by_partner: dict[int, int]

    def is_overdue(self, today: dt.date) -> bool:
        return (
            self.due_on is not None
            and self.due_on < today
            and self.status not in ("completed", "skipped")
        )


@dataclass(frozen=True)
class TrackSuggestion:
    track_id: str
    track_title: str
    module_id: str
    module_title: str
    stage: int
    stages: int


def _check_partner(uow: CounselorWork, couple: Couple, partner_id: int | None) -> None:
    if partner_id is not None and not uow.couples.has_partner(couple, partner_id):
        raise PartnerNotFound()


def _clean_assignment_input(due_on: dt.date | None, note: str) -> str:
    problems: dict[str, str] = {}
    note = clean_long_text(note, "note to the client", NOTE_MAX, problems)
    if due_on is not None and not isinstance(due_on, dt.date):
        problems["due date"] = "must be a date"
    if problems:
        raise InvalidInput(problems)
    return note


def assign_module(
    uow: CounselorWork,
    catalog: Catalog,
    couple_id: int,
    module_id: str,
    partner_id: int | None = None,
    due_on: dt.date | None = None,
    note: str = "",
    track_id: str | None = None,
    *,
    submission: str | None = None,
) -> int:
    """Assign the newest version of a module; the version is kept with the assignment.

    `submission` is the form's one-use key: a repeated click returns the first assignment.
    """
    couple = uow.couples.get(couple_id)
    if (earlier := uow.once(submission, "assignment", uow.actor.practice_id)) is not None:
        return earlier
    _check_partner(uow, couple, partner_id)
    note = _clean_assignment_input(due_on, note)
    try:
        module = catalog.module(module_id)
    except ContentNotFound as error:
        raise InvalidInput({"module": "is not in the content library"}) from error
    assignment = Assignment(
        couple_id=couple.id,
        partner_id=partner_id,
        module_id=module.id,
        module_version=module.version,
        track_id=track_id,
        due_on=due_on,
        note_to_client=note,
        status="assigned",
        assigned_by=uow.actor.counselor_id,
        assigned_at=utcnow(),
    )
    uow.assignments.add_assignment(assignment)
    uow.record(
        "assignment.create",
        "couple",
        couple.id,
        assignment_id=assignment.id,
        module=f"{module.id}@{module.version}",
        track=track_id,
    )
    uow.made(assignment.id)
    uow.commit()
    return assignment.id


def assign_track(
    uow: CounselorWork,
    catalog: Catalog,
    couple_id: int,
    track_id: str,
    due_on: dt.date | None = None,
    note: str = "",
    *,
    submission: str | None = None,
) -> int:
    """Start a track: its first stage is assigned to both partners; later stages are suggested."""
    try:
        track = catalog.track(track_id)
    except ContentNotFound as error:
        raise InvalidInput({"track": "is not in the content library"}) from error
    return assign_module(
        uow,
        catalog,
        couple_id,
        track.modules[0],
        None,
        due_on,
        note,
        track_id=track.id,
        submission=submission,
    )


def set_status(uow: CounselorWork, couple_id: int, assignment_id: int, status: str) -> None:
    if status not in ASSIGNMENT_STATUSES:
        raise InvalidInput({"status": f"must be one of: {', '.join(ASSIGNMENT_STATUSES)}"})
    couple = uow.couples.get(couple_id)
    assignment = uow.assignments.assignment_of(couple, assignment_id)
    previous = assignment.status
    assignment.status = status
    assignment.completed_at = utcnow() if status == "completed" else None
    uow.record(
        "assignment.status",
        "couple",
        couple.id,
        assignment_id=assignment.id,
        before=previous,
        after=status,
    )
    uow.commit()


def _title(catalog: Catalog, module_id: str, version: int) -> tuple[str, int]:
    try:
        module = catalog.module(module_id, version)
    except ContentNotFound:
        return f"{module_id} (version {version}, no longer in the library)", 0
    return module.title, len(module.exercises)


def assignments_of(
    uow: CounselorWork, catalog: Catalog, couple: Couple, names: Mapping[int, str]
) -> list[AssignmentView]:
    """All assignments of a couple from `uow.couples.get`, its partners' names known: newest
    first, with exercises done per partner."""
    assignments = uow.assignments.assignments_of(couple)
    done: dict[int, dict[int, int]] = {}
    for assignment_id, partner_id, count in uow.assignments.exercises_done(couple):
        done.setdefault(assignment_id, {})[partner_id] = count
    views = []
    for a in assignments:
        title, exercise_count = _title(catalog, a.module_id, a.module_version)
        views.append(
            AssignmentView(
                id=a.id,
                module_id=a.module_id,
                module_version=a.module_version,
                title=title,
                track_id=a.track_id,
                partner_id=a.partner_id,
                audience="Both partners" if a.partner_id is None else names.get(a.partner_id, "?"),
                due_on=a.due_on,
                status=a.status,
                note_to_client=a.note_to_client,
                assigned_at=a.assigned_at,
                exercise_count=exercise_count,
                done_by_partner=done.get(a.id, {}),
            )
        )
    return views


def track_suggestions(catalog: Catalog, assignments: list[AssignmentView]) -> list[TrackSuggestion]:
    """For each track in use whose newest stage is completed, the next stage to assign."""
    suggestions = []
    seen: set[str] = set()
    for assignment in assignments:
        if assignment.track_id is None or assignment.track_id in seen:
            continue
        seen.add(assignment.track_id)
        if assignment.status != "completed":
            continue
        try:
            track = catalog.track(assignment.track_id)
        except ContentNotFound:
            continue
        if assignment.module_id not in track.modules:
            continue
        position = track.modules.index(assignment.module_id)
        if position + 1 < len(track.modules):
            next_id = track.modules[position + 1]
            suggestions.append(
                TrackSuggestion(
                    track.id,
                    track.title,
                    next_id,
                    _title(catalog, next_id, catalog.module(next_id).version)[0],
                    position + 2,
                    len(track.modules),
                )
            )
    return suggestions


def assign_suggested_stage(
    uow: CounselorWork,
    catalog: Catalog,
    couple_id: int,
    suggestion: TrackSuggestion,
    due_on: dt.date | None = None,
    note: str = "",
) -> int:
    return assign_module(
        uow,
        catalog,
        couple_id,
        suggestion.module_id,
        None,
        due_on,
        note,
        track_id=suggestion.track_id,
    )

"""What a partner does through their link, and what the counselor reads of it.

The client side works through a PartnerWork, so a partner can reach only their own rows.
Submitting a check-in is idempotent: the form carries a key made once per form, and a
second submit with the same key returns the first check-in instead of storing another.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from trustcare import i18n
from trustcare.content_catalog import Catalog
from trustcare.content_schema import ContentNotFound, Measure, Module
from trustcare.errors import AssignmentNotFound, InvalidInput, PartnerNotFound
from trustcare.languages import DEFAULT_LANGUAGE, LANGUAGES, known_language
from trustcare.models import Assignment, CheckIn, Couple, ExerciseProgress, Partner, utcnow
from trustcare.persistence.storage import storage_failures
from trustcare.persistence.uow import CounselorWork, PartnerWork
from trustcare.practice_settings import PracticeSettings
from trustcare.schedules import ScheduleError, practice_zone
from trustcare.scoring import Scores, score_answers
from trustcare.services.schedules import partner_due_states, schedule_in_force
from trustcare.services.validation import clean_long_text

log = logging.getLogger(__name__)
MEASURE_ID = "trust-pulse"
FEEDBACK_MEASURE_ID = "session-feedback"
# A session is asked about for this many days after it was held; later it is past asking.
FEEDBACK_DAYS = 14
REFLECTION_MAX = 5000
IDEMPOTENCY_KEY_MAX = 64


@dataclass(frozen=True)
class ExerciseState:
    id: str
    title: str
    kind: str
    minutes: int
    steps: tuple[str, ...]
    reflection_prompts: tuple[str, ...]
    done: bool
    reflection: str
    reflection_shared: bool


@dataclass(frozen=True)
class ClientAssignment:
    id: int
    title: str
    summary: str
    client_markdown: str
    due_on: dt.date | None
    note_to_client: str
    status: str
    exercises: tuple[ExerciseState, ...]


@dataclass(frozen=True)
class FeedbackAsk:
    """A logged session the partner has not yet given feedback on."""

    session_id: int
    number: int
    held_on: dt.date


@dataclass(frozen=True)
class ClientPage:
    partner_name: str
    share_scores: bool | None  # None until asked at the first check-in
    checkins_so_far: int
    assignments: tuple[ClientAssignment, ...]
    measure: Measure
    support_text: str
    # The partner's check-in schedule: what is due and by when, in the practice's words
    # ("" when nothing is due), and whether they stopped reminder emails.
    due_text: str = ""
    has_schedule: bool = False
    reminders_stopped: bool = False
    # The partner's language: the measure, modules and texts above are already in it.
    language: str = DEFAULT_LANGUAGE
    shows_own_progress: bool = False
    # The newest recent session to give feedback on, and the measure that asks it.
    feedback_ask: FeedbackAsk | None = None
    feedback_measure: Measure | None = None


@dataclass(frozen=True)
class CheckinReceipt:
    checkin_id: int
    safety_flag: bool | None
    already_stored: bool
    support_text: str


@dataclass(frozen=True)
class CheckinView:
    id: int
    partner_id: int
    partner_name: str
    submitted_at: dt.datetime
    total: float | None
    overall: int | None
    practice: int | None
    subscales: dict[str, float | None]
    reflection: str
    reflection_shared: bool
    scores_shared: bool
    safety_flag: bool | None  # None: the safety question was left unanswered
    language: str = DEFAULT_LANGUAGE
    # Entered by the counselor in the room for a partner without their phone.
    entered_in_room: bool = False


@dataclass(frozen=True)
class ReflectionView:
    partner_name: str
    assignment_title: str
    exercise_title: str
    done_at: dt.datetime
    reflection: str
    shared: bool


@dataclass(frozen=True)
class CoupleCheckins:
    checkins: list[CheckinView]
    reflections: list[ReflectionView] = field(default_factory=list)


def _module(catalog: Catalog, module_id: str, version: int) -> Module | None:
    try:
        return catalog.module(module_id, version)
    except ContentNotFound:
        return None


def client_page(uow: PartnerWork, catalog: Catalog) -> ClientPage:
    """Everything the partner's own page shows, and nothing of the other partner."""
    with storage_guard(uow, "client page"):
        return _client_page(uow, catalog)


def _client_page(uow: PartnerWork, catalog: Catalog) -> ClientPage:
    own = uow.checkins.own_partner_and_couple()
    partner = own.partner
    language = known_language(partner.language)
    assignments = uow.checkins.open_assignments()
    progress = {
        (p.assignment_id, p.exercise_id): p
        for p in uow.checkins.own_progress([a.id for a in assignments])
    }
    shown = []
    for assignment in assignments:
        module = _module(catalog, assignment.module_id, assignment.module_version)
        if module is None:
            continue
        module = module.in_language(language)
        exercises = []
        for exercise in module.exercises:
            done = progress.get((assignment.id, exercise.id))
            exercises.append(
                ExerciseState(
                    exercise.id,
                    exercise.title,
                    exercise.kind,
                    exercise.minutes,
                    tuple(exercise.steps),
                    tuple(exercise.reflection_prompts),
                    done is not None,
                    done.reflection if done else "",
                    done.reflection_shared if done else False,
                )
            )
        shown.append(
            ClientAssignment(
                assignment.id,
                module.title,
                module.summary,
                module.client_markdown,
                assignment.due_on,
                assignment.note_to_client,
                assignment.status,
                tuple(exercises),
            )
        )
    checkins_so_far = uow.checkins.own_checkin_count()
    settings = uow.practice_settings()
    # Without a schedule in force nothing is due: the due state's five statements are skipped.
    due = (
        partner_due_states(uow, [uow.actor.couple_id]).get(uow.actor.partner_id)
        if schedule_in_force(uow.actor.couple_id, own.couple_schedule, settings).active
        else None
    )
    scheduled = due is not None and due.schedule.active and not due.paused
    feedback_ask, feedback_measure = _feedback_ask(uow, catalog, settings, language)
    return ClientPage(
        partner.display_name,
        partner.share_scores_in_joint_sessions,
        checkins_so_far,
        tuple(shown),
        catalog.measure(MEASURE_ID).in_language(language),
        settings.support_text_in(language),
        due_text=_due_text(due.due_by, settings, language) if scheduled and due.due_by else "",
        has_schedule=scheduled,
        reminders_stopped=partner.reminders_stopped_at is not None,
        language=language,
        shows_own_progress=own.shows_own_progress,
        feedback_ask=feedback_ask,
        feedback_measure=feedback_measure,
    )


def _feedback_ask(
    uow: PartnerWork, catalog: Catalog, settings: PracticeSettings, language: str
) -> tuple[FeedbackAsk | None, Measure | None]:
    """The newest session of the last FEEDBACK_DAYS (in the practice's days) still to review."""
    try:
        measure = catalog.measure(FEEDBACK_MEASURE_ID).in_language(language)
    except ContentNotFound:
        return None, None
    today = utcnow().astimezone(_zone(settings)).date()
    waiting = uow.checkins.own_sessions_to_review(today - dt.timedelta(days=FEEDBACK_DAYS))
    if not waiting:
        return None, measure
    newest = waiting[0]
    return FeedbackAsk(newest.id, newest.number, newest.held_on), measure


def _zone(settings: PracticeSettings) -> ZoneInfo:
    try:
        return practice_zone(settings.time_zone)
    except ScheduleError:
        return ZoneInfo("UTC")


def _due_text(due_by: dt.datetime, settings: PracticeSettings, language: str) -> str:
    """The due line, as in "Your next check-in is due by Friday 9 May, 18:00", in local time."""
    local = due_by.astimezone(_zone(settings))
    _ = i18n.gettext_for(language)
    return _("Your next check-in is due by {when}.").format(when=i18n.day_and_time(local, language))


def storage_guard(uow: PartnerWork, what: str) -> AbstractContextManager[None]:
    """Any database failure of a partner's write becomes StorageUnavailable, logged bare.

    SQLAlchemy's error text carries the statement's parameters (a reflection, a safety
    answer); only the error's class name is logged, and the page keeps the typed answers.
    """
    return storage_failures(f"{what} not stored or read", uow.rollback)


def mark_exercise_done(
    uow: PartnerWork,
    catalog: Catalog,
    assignment_id: int,
    exercise_id: str,
    reflection: str,
    share_reflection: bool,
) -> None:
    """Mark one exercise done (or update its reflection); the assignment moves on with it."""
    with storage_guard(uow, "exercise"):
        _mark_exercise_done(uow, catalog, assignment_id, exercise_id, reflection, share_reflection)


def _mark_exercise_done(
    uow: PartnerWork,
    catalog: Catalog,
    assignment_id: int,
    exercise_id: str,
    reflection: str,
    share_reflection: bool,
) -> None:
    assignment = uow.checkins.own_assignment(assignment_id)
    if assignment is None:
        raise AssignmentNotFound()
    module = _module(catalog, assignment.module_id, assignment.module_version)
    if module is None or exercise_id not in {e.id for e in module.exercises}:
        raise AssignmentNotFound()
    problems: dict[str, str] = {}
    reflection = clean_long_text(reflection, "reflection", REFLECTION_MAX, problems)
    if problems:
        raise InvalidInput(problems)
    progress = uow.checkins.own_exercise(assignment, exercise_id)
    if progress is None:
        progress = ExerciseProgress(
            assignment_id=assignment.id,
            partner_id=uow.actor.partner_id,
            exercise_id=exercise_id,
            done_at=utcnow(),
        )
    progress.reflection = reflection
    progress.reflection_shared = bool(share_reflection and reflection.strip())
    uow.checkins.store_progress(progress)
    _advance_status(uow, assignment, len(module.exercises))
    uow.record("exercise.done", "assignment", assignment.id, exercise=exercise_id)
    uow.commit()


def _advance_status(uow: PartnerWork, assignment: Assignment, exercise_count: int) -> None:
    """In progress once anything is done; completed when every addressed partner did it all."""
    if assignment.status == "assigned":
        assignment.status = "in_progress"
    addressed, done = uow.checkins.exercises_done(assignment)
    per_partner = {partner_id: 0 for partner_id in addressed}
    for partner_id, _exercise in done:
        if partner_id in per_partner:
            per_partner[partner_id] += 1
    if all(count >= exercise_count for count in per_partner.values()):
        assignment.status = "completed"
        assignment.completed_at = utcnow()


def set_consent(uow: PartnerWork, share_scores: bool) -> None:
    """The partner's choice to show their scores in joint sessions; changeable at any time."""
    with storage_guard(uow, "consent"):
        _set_consent(uow, share_scores)


def _set_consent(uow: PartnerWork, share_scores: bool) -> None:
    partner = uow.checkins.own_partner()
    partner.share_scores_in_joint_sessions = bool(share_scores)
    partner.consent_updated_at = utcnow()
    # What the shared screen may show changed: a screen built before must not be reused.
    uow.record("consent.update", "partner", partner.id, share_scores=bool(share_scores))
    uow.commit()


def submit_checkin(
    uow: PartnerWork,
    catalog: Catalog,
    answers: Mapping[str, int | None],
    reflection: str,
    share_reflection: bool,
    share_scores: bool | None,
    idempotency_key: str,
) -> CheckinReceipt:
    """Store one check-in; any database failure becomes StorageUnavailable, so the form survives."""
    with storage_guard(uow, "check-in"):
        return _submit_checkin(
            uow, catalog, answers, reflection, share_reflection, share_scores, idempotency_key
        )


def _submit_checkin(
    uow: PartnerWork,
    catalog: Catalog,
    answers: Mapping[str, int | None],
    reflection: str,
    share_reflection: bool,
    share_scores: bool | None,
    idempotency_key: str,
) -> CheckinReceipt:
    """Store one check-in, exactly once per idempotency key, atomically with its audit event."""
    settings: PracticeSettings = uow.practice_settings()
    partner = uow.checkins.own_partner()
    support_text = settings.support_text_in(known_language(partner.language))
    existing = uow.checkins.own_checkin_with_key(idempotency_key)
    if existing is not None:
        return CheckinReceipt(existing.id, existing.safety_flag, True, support_text)
    checkin = _checkin_row(
        catalog.measure(MEASURE_ID),
        partner,
        answers,
        reflection,
        share_reflection,
        share_scores,
        idempotency_key,
    )
    stored = uow.checkins.add_checkin(checkin)
    if stored is not checkin:
        return CheckinReceipt(stored.id, stored.safety_flag, True, support_text)
    uow.record("checkin.submit", "couple", uow.actor.couple_id, checkin_id=checkin.id)
    uow.commit()
    log.info("check-in %s stored for partner %s", checkin.id, uow.actor.partner_id)
    return CheckinReceipt(checkin.id, checkin.safety_flag, False, support_text)


def _checkin_row(
    measure: Measure,
    partner: Partner,
    answers: Mapping[str, int | None],
    reflection: str,
    share_reflection: bool,
    share_scores: bool | None,
    idempotency_key: str,
    entered_by: int | None = None,
) -> CheckIn:
    """A scored check-in of `partner`, or InvalidInput naming every problem; a consent given
    with it is recorded on the partner."""
    scores, reflection = scored_answers(measure, answers, reflection, "reflection", idempotency_key)
    if share_scores is not None:
        partner.share_scores_in_joint_sessions = bool(share_scores)
        partner.consent_updated_at = utcnow()
    return CheckIn(
        couple_id=partner.couple_id,
        partner_id=partner.id,
        submitted_at=utcnow(),
        measure_id=measure.id,
        measure_version=measure.version,
        answers={key: value for key, value in answers.items() if value is not None},
        subscales=dict(scores.subscales),
        total=scores.total,
        overall=scores.overall,
        practice=scores.practice,
        reflection=reflection,
        reflection_shared=bool(share_reflection and reflection.strip()),
        scores_shared=bool(partner.share_scores_in_joint_sessions),
        safety_flag=scores.safety_flag,
        idempotency_key=idempotency_key,
        language=known_language(partner.language),
        entered_by=entered_by,
    )


@dataclass(frozen=True)
class RoomPartner:
    """The partner a counselor turns the screen to: only what their own forms need (their
    name and language, the measures in it), nothing of the other partner or the notes."""

    partner_id: int
    couple_id: int
    name: str
    language: str
    share_scores: bool | None
    measure: Measure
    support_text: str
    feedback_measure: Measure | None
    # The couple's sessions this partner has not given feedback on, newest first.
    sessions_to_review: tuple[FeedbackAsk, ...]


def room_partner(
    uow: CounselorWork, catalog: Catalog, couple_id: int, partner_id: int
) -> RoomPartner:
    """One partner of the counselor's own couple, for entering their check-in or session
    feedback in the room; another counselor's couple (or another couple's partner) is not
    found."""
    couple = uow.couples.get(couple_id)
    partner = uow.checkins.couple_partner(couple, partner_id)
    if partner is None:
        raise PartnerNotFound()
    language = known_language(partner.language)
    try:
        feedback_measure: Measure | None = catalog.measure(FEEDBACK_MEASURE_ID).in_language(
            language
        )
    except ContentNotFound:
        feedback_measure = None
    sessions = uow.checkins.sessions_without_feedback(couple, partner.id)
    return RoomPartner(
        partner.id,
        couple.id,
        partner.display_name,
        language,
        partner.share_scores_in_joint_sessions,
        catalog.measure(MEASURE_ID).in_language(language),
        uow.practice_settings().support_text_in(language),
        feedback_measure,
        tuple(FeedbackAsk(s.id, s.number, s.held_on) for s in sessions),
    )


def enter_checkin(
    uow: CounselorWork,
    catalog: Catalog,
    couple_id: int,
    partner_id: int,
    answers: Mapping[str, int | None],
    reflection: str,
    share_reflection: bool,
    share_scores: bool | None,
    idempotency_key: str,
) -> CheckinReceipt:
    """Store a check-in the counselor entered for a partner in the room without a phone.

    The row says who entered it (`entered_by`); the same form sent twice stores it once. Only
    the counselor's own couples are in reach.
    """
    couple = uow.couples.get(couple_id)
    partner = uow.checkins.couple_partner(couple, partner_id)
    if partner is None:
        raise PartnerNotFound()
    support_text = uow.practice_settings().support_text_in(known_language(partner.language))
    existing = uow.checkins.checkin_with_key(couple, partner.id, idempotency_key)
    if existing is not None:
        return CheckinReceipt(existing.id, existing.safety_flag, True, support_text)
    checkin = _checkin_row(
        catalog.measure(MEASURE_ID),
        partner,
        answers,
        reflection,
        share_reflection,
        share_scores,
        idempotency_key,
        entered_by=uow.actor.counselor_id,
    )
    stored = uow.checkins.add_entered_checkin(couple, checkin)
    if stored is not checkin:
        return CheckinReceipt(stored.id, stored.safety_flag, True, support_text)
    uow.record("checkin.entered", "couple", couple.id, checkin_id=checkin.id)
    uow.commit()
    log.info("check-in %s entered in the room for partner %s", checkin.id, partner.id)
    return CheckinReceipt(checkin.id, checkin.safety_flag, False, support_text)


def set_language(uow: PartnerWork, language: str) -> None:
    """The partner's own choice of language for their page, emails and reminders."""
    with storage_guard(uow, "language"):
        if language not in LANGUAGES:
            raise InvalidInput({"language": "must be one of: " + ", ".join(LANGUAGES)})
        partner = uow.checkins.own_partner()
        if partner.language == language:
            return
        partner.language = language
        uow.record("partner.language", "partner", partner.id, language=language)
        uow.commit()


def scored_answers(
    measure: Measure,
    answers: Mapping[str, int | None],
    text: str,
    text_field: str,
    idempotency_key: str,
) -> tuple[Scores, str]:
    """A form's answers scored and its free text checked, or InvalidInput naming every
    problem: a bad answer, a required item left unanswered (never read as "no"), a note too
    long, a form key out of date."""
    problems: dict[str, str] = {}
    text = clean_long_text(text, text_field, REFLECTION_MAX, problems)
    if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
        problems["form"] = "is out of date; please reload the page"
    scores = None
    try:
        scores = score_answers(measure, answers)
    except ValueError as error:
        problems["answers"] = str(error)
    unanswered = missing_required(measure, answers)
    if unanswered:
        problems["required"] = "please answer: " + "; ".join(unanswered)
    if problems or scores is None:
        raise InvalidInput(problems)
    return scores, text


def missing_required(measure: Measure, answers: Mapping[str, int | None]) -> list[str]:
    """The texts of required items left unanswered, in the measure's order."""
    return [
        measure.item(item_id).text.strip()
        for item_id in measure.required_items
        if answers.get(item_id) is None
    ]


def checkins_of(
    uow: CounselorWork,
    catalog: Catalog,
    couple: Couple,
    names: Mapping[int, str],
    limit: int = 200,
) -> CoupleCheckins:
    """The counselor's view of a couple from `uow.couples.get` whose partners' names are known:
    both partners' check-ins and exercise reflections, newest first."""
    rows = uow.checkins.checkins_of(couple, limit)
    checkins = [
        CheckinView(
            c.id,
            c.partner_id,
            names.get(c.partner_id, "?"),
            c.submitted_at,
            c.total,
            c.overall,
            c.practice,
            dict(c.subscales or {}),
            c.reflection,
            c.reflection_shared,
            c.scores_shared,
            c.safety_flag,
            known_language(c.language),
            c.entered_by is not None,
        )
        for c in rows
    ]
    progress_rows = uow.checkins.reflections_of(couple, limit)
    reflections = []
    for progress, assignment in progress_rows:
        module = _module(catalog, assignment.module_id, assignment.module_version)
        exercise_title = progress.exercise_id
        if module is not None:
            exercise_title = next(
                (e.title for e in module.exercises if e.id == progress.exercise_id),
                progress.exercise_id,
            )
        reflections.append(
            ReflectionView(
                names.get(progress.partner_id, "?"),
                module.title if module else assignment.module_id,
                exercise_title,
                progress.done_at,
                progress.reflection,
                progress.reflection_shared,
            )
        )
    return CoupleCheckins(checkins, reflections)

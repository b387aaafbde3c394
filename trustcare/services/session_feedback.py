"""Each partner's private feedback on a counseling session, and the counselor's view of it.

A partner answers on their own link, for the newest recent session (see
`checkins.client_page`); the counselor can enter it for a partner in the room. Either way one
row per partner and session: a second send of the same form, or of another form for the same
session, finds the first. The counselor sees both partners side by side; the other partner
never does, and the shared screen (services/session_screen.py) never reads this table.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustcare.content_catalog import Catalog
from trustcare.content_schema import ContentNotFound, Measure
from trustcare.errors import PartnerNotFound, SessionNotFound
from trustcare.languages import known_language
from trustcare.models import Couple, Partner, SessionFeedback, utcnow
from trustcare.persistence.uow import CounselorWork, PartnerWork
from trustcare.services.checkins import FEEDBACK_MEASURE_ID, scored_answers, storage_guard

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedbackReceipt:
    feedback_id: int
    already_stored: bool


@dataclass(frozen=True)
class PartnerFeedback:
    """One partner's answers on one session, as the counselor reads them."""

    partner_id: int
    total: float | None
    answers: dict[str, int]
    comment: str
    language: str
    entered_in_room: bool
    submitted_at: dt.datetime


@dataclass(frozen=True)
class SessionFeedbackRow:
    """One logged session with each partner's feedback (None: not given)."""

    session_id: int
    number: int
    held_on: dt.date
    by_partner: dict[int, PartnerFeedback | None]


@dataclass(frozen=True)
class CoupleFeedback:
    measure: Measure | None
    partner_ids: tuple[int, ...]
    partner_names: dict[int, str]
    sessions: list[SessionFeedbackRow]
    # One row per answer: partner_id, session_number, total (for the chart).
    frame: pd.DataFrame


def feedback_measure(catalog: Catalog) -> Measure:
    return catalog.measure(FEEDBACK_MEASURE_ID)


def _feedback_row(
    measure: Measure,
    partner: Partner,
    session_id: int,
    answers: Mapping[str, int | None],
    comment: str,
    idempotency_key: str,
    entered_by: int | None = None,
) -> SessionFeedback:
    """A scored feedback row, or InvalidInput naming every problem."""
    scores, comment = scored_answers(measure, answers, comment, "comment", idempotency_key)
    return SessionFeedback(
        couple_id=partner.couple_id,
        partner_id=partner.id,
        session_id=session_id,
        submitted_at=utcnow(),
        measure_id=measure.id,
        measure_version=measure.version,
        answers={key: value for key, value in answers.items() if value is not None},
        total=scores.total,
        overall=scores.overall,
        comment=comment,
        language=known_language(partner.language),
        entered_by=entered_by,
        idempotency_key=idempotency_key,
    )


def submit_feedback(
    uow: PartnerWork,
    catalog: Catalog,
    session_id: int,
    answers: Mapping[str, int | None],
    comment: str,
    idempotency_key: str,
) -> FeedbackReceipt:
    """The partner's own feedback on one of their couple's sessions, stored once."""
    with storage_guard(uow, "session feedback"):
        existing = uow.checkins.own_feedback_with_key(idempotency_key)
        if existing is not None:
            return FeedbackReceipt(existing.id, True)
        session = uow.checkins.own_session(session_id)
        if session is None:
            raise SessionNotFound()
        earlier = uow.checkins.own_feedback_for(session.id)
        if earlier is not None:
            return FeedbackReceipt(earlier.id, True)
        partner = uow.checkins.own_partner()
        row = _feedback_row(
            feedback_measure(catalog), partner, session.id, answers, comment, idempotency_key
        )
        stored = uow.checkins.add_own_feedback(row)
        if stored is not row:
            return FeedbackReceipt(stored.id, True)
        uow.record("feedback.submit", "couple", partner.couple_id, feedback_id=row.id)
        uow.commit()
        log.info("session feedback %s stored for partner %s", row.id, partner.id)
        return FeedbackReceipt(row.id, False)


def enter_feedback(
    uow: CounselorWork,
    catalog: Catalog,
    couple_id: int,
    partner_id: int,
    session_id: int,
    answers: Mapping[str, int | None],
    comment: str,
    idempotency_key: str,
) -> FeedbackReceipt:
    """Feedback the counselor entered for a partner in the room; the row says so."""
    couple = uow.couples.get(couple_id)
    partner = uow.checkins.couple_partner(couple, partner_id)
    if partner is None:
        raise PartnerNotFound()
    session = uow.checkins.session_of(couple, session_id)
    if session is None:
        raise SessionNotFound()
    earlier = uow.checkins.feedback_for(couple, session.id, partner.id)
    if earlier is not None:
        return FeedbackReceipt(earlier.id, True)
    row = _feedback_row(
        feedback_measure(catalog),
        partner,
        session.id,
        answers,
        comment,
        idempotency_key,
        entered_by=uow.actor.counselor_id,
    )
    stored = uow.checkins.add_entered_feedback(couple, row)
    if stored is not row:
        return FeedbackReceipt(stored.id, True)
    uow.record("feedback.entered", "couple", couple.id, feedback_id=row.id)
    uow.commit()
    return FeedbackReceipt(row.id, False)


def feedback_of(uow: CounselorWork, catalog: Catalog, couple_id: int) -> CoupleFeedback:
    """Both partners' feedback on every logged session of the counselor's own couple, side by
    side, newest session first."""
    return couple_feedback(uow, catalog, uow.couples.get(couple_id))


def couple_feedback(uow: CounselorWork, catalog: Catalog, couple: Couple) -> CoupleFeedback:
    """`feedback_of` for a couple row from `uow.couples.get` (the progress page has one)."""
    try:
        measure: Measure | None = feedback_measure(catalog)
    except ContentNotFound:
        measure = None
    # Names only: the partners' contact details are not needed here.
    partners = uow.progress.partners_of(couple)
    partner_ids = tuple(partner.id for partner in partners)
    names = {partner.id: partner.display_name for partner in partners}
    answered: dict[tuple[int, int], PartnerFeedback] = {}
    points = []
    for feedback, number in uow.checkins.feedback_of(couple):
        answered[(number, feedback.partner_id)] = PartnerFeedback(
            feedback.partner_id,
            feedback.total,
            dict(feedback.answers or {}),
            feedback.comment,
            known_language(feedback.language),
            feedback.entered_by is not None,
            feedback.submitted_at,
        )
        points.append((feedback.partner_id, number, feedback.total))
    sessions = [
        SessionFeedbackRow(
            session_id,
            number,
            held_on,
            {pid: answered.get((number, pid)) for pid in partner_ids},
        )
        for session_id, number, held_on in uow.checkins.sessions_listed(couple)
    ]
    frame = pd.DataFrame(
        {
            "partner_id": np.array([p[0] for p in points], dtype=np.int64),
            "session_number": np.array([p[1] for p in points], dtype=np.int64),
            "total": np.array([np.nan if p[2] is None else p[2] for p in points], dtype=float),
        }
    )
    return CoupleFeedback(measure, partner_ids, names, sessions, frame)

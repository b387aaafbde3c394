"""Session feedback on a real database: asked on the partner's own link about a recent session,
stored once per partner and session, read side by side by the counselor only, raising its own
alerts, and never on the shared screen."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from sqlalchemy import func, select

from tests.answers import CALM
from tests.couple_parts import shown_alerts, shown_links
from tests.linked_couple import LinkedCouple, link_actor, linked_rivera
from trustcare.catalog import get_catalog
from trustcare.errors import CoupleNotFound, InvalidInput, SessionNotFound, StorageUnavailable
from trustcare.identity import PartnerActor
from trustcare.models import AuditEvent, SessionFeedback
from trustcare.services import agendas, caseloads, checkins, couples, session_screen
from trustcare.services import session_feedback as feedback
from trustcare.services.derived import derived
from trustcare.services.own_progress import own_progress

# Private words about a session: the counselor reads them; Lena, Marco's partner, never does,
# and neither does the shared screen.
MARCO_COMMENT = "Felt ganged up on when we got to the money; almost walked out at minute forty."
LENA_COMMENT = "First session where I could say the word 'affair' out loud without shaking."


def rated(heard: int, mattered: int, approach: int, overall: int) -> dict[str, int | None]:
    """Session-feedback answers, each 0-10; the total is their sum (0-40)."""
    return {"heard": heard, "mattered": mattered, "approach": approach, "overall": overall}


@pytest.fixture
def rivera(practice) -> LinkedCouple:
    """Ada's couple Rivera, each partner behind their own opened link: Lena and Marco."""
    return linked_rivera(practice)


@pytest.fixture
def chidi(practice) -> PartnerActor:
    """Chidi of Ben's couple Okafor, behind his own opened link."""
    with practice.work(practice.counselor) as uow:
        partner_id = shown_links(uow, practice.counselors_couple)[0].partner_id
    return link_actor(practice, practice.counselors_couple, partner_id, practice.counselor)


def utc_today() -> dt.date:
    """The practice's today (its time zone is UTC unless set)."""
    return dt.datetime.now(dt.UTC).date()


def log_session(practice, couple_id: int, days_ago: int, notes: str = "", counselor=None) -> int:
    with practice.work(counselor or practice.admin) as uow:
        return couples.log_session(uow, couple_id, utc_today() - dt.timedelta(days=days_ago), notes)


def send(practice, actor, catalog, session_id, answers, key, comment=""):
    with practice.partner_work(actor) as uow:
        return feedback.submit_feedback(uow, catalog, session_id, answers, comment, key)


def ask_of(practice, actor, catalog):
    with practice.partner_work(actor) as uow:
        return checkins.client_page(uow, catalog).feedback_ask


def feedback_rows(practice) -> list[SessionFeedback]:
    with practice.factory() as session:
        return list(session.scalars(select(SessionFeedback).order_by(SessionFeedback.id)))


def feedback_count(practice) -> int:
    with practice.factory() as session:
        return session.scalar(select(func.count(SessionFeedback.id)))


def feedback_alerts(practice, couple_id: int):
    with practice.work(practice.admin) as uow:
        return [a for a in shown_alerts(uow, couple_id) if a.kind.startswith("feedback_")]


def leaves(value):
    """Every plain value held inside a result: dataclass fields, containers, a frame's column
    names and cells, walked all the way down."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield field.name
            yield from leaves(getattr(value, field.name))
    elif isinstance(value, pd.DataFrame):
        yield from (str(column) for column in value.columns)
        for column in value.columns:
            yield from leaves(value[column].tolist())
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(key)
            yield from leaves(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from leaves(item)
    else:
        yield value


# --- what the link asks about ------------------------------------------------------------------


def test_the_link_asks_about_the_newest_session_of_the_last_fourteen_days(
    practice, rivera, catalog
):
    log_session(practice, rivera.couple_id, 10)
    newest = log_session(practice, rivera.couple_id, 3)
    asked = ask_of(practice, rivera.lena, catalog)
    assert (asked.session_id, asked.number, asked.held_on) == (
        newest,
        2,
        utc_today() - dt.timedelta(days=3),
    )
    with practice.partner_work(rivera.lena) as uow:
        page = checkins.client_page(uow, catalog)
    assert page.feedback_measure.id == checkins.FEEDBACK_MEASURE_ID


@pytest.mark.parametrize(("days_ago", "asked"), [(14, True), (15, False)])
def test_a_session_is_asked_about_for_fourteen_days_and_no_longer(
    practice, rivera, catalog, days_ago, asked
):
    session_id = log_session(practice, rivera.couple_id, days_ago)
    ask = ask_of(practice, rivera.lena, catalog)
    assert (ask.session_id if ask else None) == (session_id if asked else None)


def test_a_session_is_no_longer_asked_about_once_answered_and_the_other_partners_answer_counts_not(
    practice, rivera, catalog
):
    session_id = log_session(practice, rivera.couple_id, 2)
    send(practice, rivera.marco, catalog, session_id, rated(9, 9, 9, 9), "marco-1")
    assert ask_of(practice, rivera.marco, catalog) is None
    assert ask_of(practice, rivera.lena, catalog).session_id == session_id
    send(practice, rivera.lena, catalog, session_id, rated(7, 8, 7, 8), "lena-1")
    assert ask_of(practice, rivera.lena, catalog) is None


def test_a_session_held_before_the_window_is_not_asked_after_the_newest_is_answered(
    practice, rivera, catalog
):
    log_session(practice, rivera.couple_id, 20)
    newest = log_session(practice, rivera.couple_id, 1)
    assert ask_of(practice, rivera.lena, catalog).session_id == newest
    send(practice, rivera.lena, catalog, newest, rated(8, 8, 8, 8), "lena-1")
    assert ask_of(practice, rivera.lena, catalog) is None


# --- stored once -------------------------------------------------------------------------------


def test_feedback_is_stored_scored_and_audited_once_per_form_key(practice, rivera, catalog):
    session_id = log_session(practice, rivera.couple_id, 1)
    first = send(practice, rivera.lena, catalog, session_id, rated(8, 7, 9, 6), "form-1", "ok")
    again = send(practice, rivera.lena, catalog, session_id, rated(8, 7, 9, 6), "form-1", "ok")
    assert (first.already_stored, again.already_stored) == (False, True)
    assert first.feedback_id == again.feedback_id
    [row] = feedback_rows(practice)
    assert (row.id, row.partner_id, row.couple_id, row.session_id) == (
        first.feedback_id,
        rivera.lena.partner_id,
        rivera.couple_id,
        session_id,
    )
    assert (row.total, row.overall, row.answers, row.entered_by, row.language) == (
        30.0,
        6,
        rated(8, 7, 9, 6),
        None,
        "en",
    )
    with practice.factory() as session:
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "feedback.submit")
        ).all()
    assert [(a.actor_kind, a.actor_id, a.detail) for a in audited] == [
        ("partner", rivera.lena.partner_id, {"feedback_id": first.feedback_id})
    ]


def test_a_second_form_for_the_same_session_finds_the_first_answer(practice, rivera, catalog):
    session_id = log_session(practice, rivera.couple_id, 1)
    first = send(practice, rivera.lena, catalog, session_id, rated(8, 8, 8, 8), "form-1", "ok")
    second = send(practice, rivera.lena, catalog, session_id, rated(1, 1, 1, 1), "form-2", "no")
    assert (second.feedback_id, second.already_stored) == (first.feedback_id, True)
    [row] = feedback_rows(practice)
    assert (row.total, row.comment, row.idempotency_key) == (32.0, "ok", "form-1")


@pytest.mark.parametrize("keys", ["one key", "a key each"])
def test_feedback_sent_at_once_from_several_tabs_is_stored_once(practice, rivera, catalog, keys):
    """Six parallel sends of Lena's feedback on one session: one row, and every send is told
    its id."""
    session_id = log_session(practice, rivera.couple_id, 1)
    barrier = threading.Barrier(6)

    def save(number: int):
        key = "tab" if keys == "one key" else f"tab-{number}"
        barrier.wait()
        return send(practice, rivera.lena, catalog, session_id, rated(9, 9, 8, 9), key)

    with ThreadPoolExecutor(max_workers=6) as pool:
        receipts = list(pool.map(save, range(6)))
    [row] = feedback_rows(practice)
    assert {r.feedback_id for r in receipts} == {row.id}
    assert sorted(r.already_stored for r in receipts) == [False] + [True] * 5


@pytest.mark.parametrize(
    ("answers", "key", "problem"),
    [
        (rated(8, 8, 8, None), "no-overall", "required"),
        ({}, "nothing", "required"),
        (rated(8, 8, 11, 8), "eleven", "answers"),
        (rated(8, 8, 8, 8), "k" * 65, "form"),
    ],
    ids=["overall left blank", "nothing answered", "out of range", "key too long"],
)
def test_feedback_the_measure_cannot_take_is_refused_by_name_and_nothing_is_stored(
    practice, rivera, catalog, answers, key, problem
):
    session_id = log_session(practice, rivera.couple_id, 1)
    with pytest.raises(InvalidInput) as refused:
        send(practice, rivera.lena, catalog, session_id, answers, key)
    assert problem in refused.value.problems
    assert feedback_count(practice) == 0
    assert ask_of(practice, rivera.lena, catalog).session_id == session_id


# --- in reach of one partner only --------------------------------------------------------------


@pytest.mark.parametrize("session", ["okafor's", "unknown", "not a number"])
def test_a_partner_cannot_give_feedback_on_a_session_of_another_couple(
    practice, rivera, chidi, catalog, session
):
    okafors = log_session(practice, practice.counselors_couple, 1, counselor=practice.counselor)
    session_id = {"okafor's": okafors, "unknown": okafors + 1000, "not a number": str(okafors)}
    with pytest.raises(SessionNotFound):
        send(practice, rivera.lena, catalog, session_id[session], rated(9, 9, 9, 9), "lena")
    assert feedback_count(practice) == 0
    # Chidi, of Okafor, can answer it.
    assert not send(practice, chidi, catalog, okafors, rated(9, 9, 9, 9), "chidi").already_stored


def test_a_partner_never_reads_the_other_partners_feedback(practice, rivera, catalog):
    session_id = log_session(practice, rivera.couple_id, 1, "Money came up; Marco went quiet.")
    marcos = send(
        practice, rivera.marco, catalog, session_id, rated(2, 3, 2, 3), "marco-key", MARCO_COMMENT
    )
    with practice.partner_work(rivera.lena) as uow:
        page = checkins.client_page(uow, catalog)
        progress = own_progress(uow, catalog)
        by_key = uow.checkins.own_feedback_with_key("marco-key")
        for_session = uow.checkins.own_feedback_for(session_id)
        to_review = uow.checkins.own_sessions_to_review(utc_today() - dt.timedelta(days=14))
    assert (by_key, for_session) == (None, None)
    assert [s.id for s in to_review] == [session_id]
    assert page.feedback_ask.session_id == session_id
    for shown in (page, progress):
        assert MARCO_COMMENT not in repr(shown) and "ganged up" not in repr(shown)
    # Marco's form key sent from Lena's link never hands her Marco's answer.
    try:
        receipt = send(practice, rivera.lena, catalog, session_id, rated(9, 9, 9, 9), "marco-key")
    except StorageUnavailable:
        receipt = None
    assert receipt is None or receipt.feedback_id != marcos.feedback_id
    [marcos_row] = [r for r in feedback_rows(practice) if r.partner_id == rivera.marco.partner_id]
    assert (marcos_row.total, marcos_row.comment) == (10.0, MARCO_COMMENT)


# --- the counselor's side by side view ---------------------------------------------------------


def feedback_of(practice, couple_id: int) -> feedback.CoupleFeedback:
    with practice.work(practice.admin) as uow:
        return feedback.feedback_of(uow, get_catalog(), couple_id)


def test_the_counselor_sees_both_partners_feedback_side_by_side_with_not_given_as_none(
    practice, rivera, catalog
):
    first = log_session(practice, rivera.couple_id, 9)
    second = log_session(practice, rivera.couple_id, 2)
    send(practice, rivera.lena, catalog, first, rated(10, 10, 9, 9), "lena-1", LENA_COMMENT)
    send(practice, rivera.lena, catalog, second, {"overall": 4}, "lena-2")
    send(practice, rivera.marco, catalog, second, rated(6, 5, 7, 6), "marco-2", MARCO_COMMENT)
    seen = feedback_of(practice, rivera.couple_id)
    lena, marco = rivera.lena.partner_id, rivera.marco.partner_id
    assert seen.partner_ids == (lena, marco)
    assert seen.partner_names == {lena: "Lena", marco: "Marco"}
    assert seen.measure.id == "session-feedback"
    assert [(s.session_id, s.number) for s in seen.sessions] == [(second, 2), (first, 1)]
    newest, oldest = seen.sessions
    assert oldest.by_partner[marco] is None
    assert (oldest.by_partner[lena].total, oldest.by_partner[lena].comment) == (38.0, LENA_COMMENT)
    # Only the overall rating given: sent, but too little to score.
    assert (newest.by_partner[lena].total, newest.by_partner[lena].answers) == (
        None,
        {"overall": 4},
    )
    assert (newest.by_partner[marco].total, newest.by_partner[marco].comment) == (
        24.0,
        MARCO_COMMENT,
    )
    assert not any(p.entered_in_room for s in seen.sessions for p in s.by_partner.values() if p)
    points = seen.frame.sort_values(["session_number", "partner_id"])
    assert points[["partner_id", "session_number"]].values.tolist() == [
        [lena, 1],
        [lena, 2],
        [marco, 2],
    ]
    assert points["total"].fillna(-1).tolist() == [38.0, -1, 24.0]


def test_a_couple_without_feedback_lists_each_session_as_not_given(practice, rivera):
    session_id = log_session(practice, rivera.couple_id, 1)
    [row] = feedback_of(practice, rivera.couple_id).sessions
    assert row.session_id == session_id
    assert row.by_partner == {rivera.lena.partner_id: None, rivera.marco.partner_id: None}


def test_feedback_entered_in_the_room_says_so_and_is_not_asked_again_on_the_link(
    practice, rivera, catalog
):
    session_id = log_session(practice, rivera.couple_id, 1)
    with practice.partner_work(rivera.marco) as uow:
        checkins.set_language(uow, "es")
    with practice.work(practice.admin) as uow:
        room = checkins.room_partner(uow, catalog, rivera.couple_id, rivera.marco.partner_id)
        assert [s.session_id for s in room.sessions_to_review] == [session_id]
        receipt = feedback.enter_feedback(
            uow,
            catalog,
            rivera.couple_id,
            rivera.marco.partner_id,
            session_id,
            rated(5, 6, 7, 8),
            MARCO_COMMENT,
            "room-1",
        )
    with practice.work(practice.admin) as uow:
        again = feedback.enter_feedback(
            uow,
            catalog,
            rivera.couple_id,
            rivera.marco.partner_id,
            session_id,
            rated(5, 6, 7, 8),
            MARCO_COMMENT,
            "room-2",
        )
        room = checkins.room_partner(uow, catalog, rivera.couple_id, rivera.marco.partner_id)
    assert (again.feedback_id, again.already_stored) == (receipt.feedback_id, True)
    assert room.sessions_to_review == ()
    [row] = feedback_rows(practice)
    assert (row.entered_by, row.language, row.total) == (practice.admin.counselor_id, "es", 26.0)
    marco = feedback_of(practice, rivera.couple_id).sessions[0].by_partner[rivera.marco.partner_id]
    assert (marco.entered_in_room, marco.language, marco.comment) == (True, "es", MARCO_COMMENT)
    assert ask_of(practice, rivera.marco, catalog) is None


def naughty_comments(blns: list[str]) -> list[str]:
    """A handful of the naughtiest lines: markup, SQL, right-to-left and zero-width marks,
    emoji joined by zero-width joiners, template syntax, and the longest line."""
    wanted = [
        lambda s: "<script>" in s,
        lambda s: "DROP TABLE" in s,
        lambda s: "\u202e" in s,
        lambda s: "\u200b" in s,
        lambda s: "\u200d" in s,
        lambda s: "{{" in s,
        lambda s: s.strip() == "" and s != "",
    ]
    chosen = [next(s for s in blns if test(s)) for test in wanted]
    return [*chosen, max(blns, key=len)]


def test_naughty_comments_come_back_to_the_counselor_exactly(practice, rivera, catalog, blns):
    comments = naughty_comments(blns)
    for number, comment in enumerate(comments):
        session_id = log_session(practice, rivera.couple_id, 1)
        send(
            practice, rivera.lena, catalog, session_id, rated(8, 8, 8, 8), f"blns-{number}", comment
        )
    seen = feedback_of(practice, rivera.couple_id)
    back = [s.by_partner[rivera.lena.partner_id].comment for s in reversed(seen.sessions)]
    assert back == comments


def test_another_counselor_cannot_read_a_couples_feedback(practice, rivera, catalog):
    session_id = log_session(practice, rivera.couple_id, 1)
    send(practice, rivera.lena, catalog, session_id, rated(8, 8, 8, 8), "lena", LENA_COMMENT)
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        feedback.feedback_of(uow, catalog, rivera.couple_id)


# --- alerts ------------------------------------------------------------------------------------


def test_feedback_under_the_cut_off_raises_an_alert_on_the_progress_page_and_caseload(
    practice, rivera, catalog
):
    session_id = log_session(practice, rivera.couple_id, 1)
    with practice.work(practice.admin) as uow:
        assert caseloads.caseload_view(uow, catalog).badge(rivera.couple_id) == ""
    send(practice, rivera.lena, catalog, session_id, rated(5, 5, 5, 5), "lena")
    [alert] = feedback_alerts(practice, rivera.couple_id)
    assert (alert.kind, alert.partner_id, alert.severity) == (
        "feedback_low",
        rivera.lena.partner_id,
        "attention",
    )
    assert "Lena" in alert.message and "20 of 40" in alert.message
    with practice.work(practice.admin) as uow:
        assert caseloads.caseload_view(uow, catalog).badge(rivera.couple_id) == "1 to review"


def test_feedback_at_the_cut_off_raises_no_alert(practice, rivera, catalog):
    session_id = log_session(practice, rivera.couple_id, 1)
    send(practice, rivera.lena, catalog, session_id, rated(8, 7, 8, 7), "lena")
    assert feedback_alerts(practice, rivera.couple_id) == []


@pytest.mark.parametrize(
    ("latest", "dropped"), [(rated(9, 8, 8, 8), True), (rated(9, 9, 8, 8), False)]
)
def test_a_fall_of_five_points_from_the_partners_previous_session_raises_a_drop_alert(
    practice, rivera, catalog, latest, dropped
):
    first = log_session(practice, rivera.couple_id, 9)
    second = log_session(practice, rivera.couple_id, 2)
    send(practice, rivera.lena, catalog, first, rated(10, 10, 9, 9), "lena-1")  # 38
    # Marco's low word on the first session is not Lena's previous session.
    send(practice, rivera.marco, catalog, first, rated(10, 10, 10, 10), "marco-1")
    send(practice, rivera.lena, catalog, second, latest, "lena-2")  # 33 or 34
    found = [(a.kind, a.partner_id) for a in feedback_alerts(practice, rivera.couple_id)]
    assert found == ([("feedback_drop", rivera.lena.partner_id)] if dropped else [])


@pytest.mark.parametrize(
    ("marcos", "split"), [(rated(8, 8, 7, 7), True), (rated(8, 8, 8, 7), False)]
)
def test_partners_ten_points_apart_on_one_session_raise_a_split_alert(
    practice, rivera, catalog, marcos, split
):
    session_id = log_session(practice, rivera.couple_id, 1)
    send(practice, rivera.lena, catalog, session_id, rated(10, 10, 10, 10), "lena")  # 40
    send(practice, rivera.marco, catalog, session_id, marcos, "marco")  # 30 or 31
    found = [(a.kind, a.partner_id) for a in feedback_alerts(practice, rivera.couple_id)]
    assert found == ([("feedback_split", None)] if split else [])


def test_an_acknowledged_feedback_alert_stays_hidden_until_new_feedback_calls_for_it(
    practice, rivera, catalog
):
    first = log_session(practice, rivera.couple_id, 9)
    send(practice, rivera.lena, catalog, first, rated(5, 5, 5, 5), "lena-1")
    [alert] = feedback_alerts(practice, rivera.couple_id)
    with practice.work(practice.admin) as uow:
        agendas.acknowledge_alert(uow, rivera.couple_id, alert.key)
    assert feedback_alerts(practice, rivera.couple_id) == []
    with practice.work(practice.admin) as uow:
        assert caseloads.caseload_view(uow, catalog).badge(rivera.couple_id) == ""
    # Read afresh (nothing kept from before), it stays hidden.
    derived.clear()
    assert feedback_alerts(practice, rivera.couple_id) == []
    second = log_session(practice, rivera.couple_id, 2)
    send(practice, rivera.lena, catalog, second, rated(6, 5, 5, 5), "lena-2")
    [again] = feedback_alerts(practice, rivera.couple_id)
    assert again.kind == "feedback_low" and again.key != alert.key


# --- never on the shared screen ----------------------------------------------------------------


def screen_of(practice, couple_id: int) -> session_screen.SharedScreen:
    with practice.work(practice.admin) as uow:
        return session_screen.shared_screen(uow, get_catalog(), couple_id)


def test_the_shared_screen_shows_nothing_of_session_feedback(practice, rivera, catalog):
    session_id = log_session(practice, rivera.couple_id, 1)
    for actor, key in ((rivera.lena, "lena-c"), (rivera.marco, "marco-c")):
        with practice.partner_work(actor) as uow:
            checkins.submit_checkin(uow, catalog, CALM, f"{key} shared", True, True, key)
    before = screen_of(practice, rivera.couple_id)
    send(practice, rivera.lena, catalog, session_id, rated(3, 2, 1, 3), "lena", LENA_COMMENT)
    send(practice, rivera.marco, catalog, session_id, rated(10, 9, 10, 8), "marco", MARCO_COMMENT)
    derived.clear()
    after = screen_of(practice, rivera.couple_id)
    assert repr(after) == repr(before)
    assert after.scores.equals(before.scores) and after.reflections == before.reflections
    shown = [str(value) for value in leaves(after)]
    for secret in (LENA_COMMENT, MARCO_COMMENT, "affair", "ganged up", "feedback"):
        assert not any(secret in value for value in shown)
        assert secret not in repr(after)


# --- deleting a session ------------------------------------------------------------------------


def test_deleting_a_session_removes_its_feedback_and_keeps_the_others(practice, rivera, catalog):
    first = log_session(practice, rivera.couple_id, 12)
    mistaken = log_session(practice, rivera.couple_id, 8)
    third = log_session(practice, rivera.couple_id, 2)
    send(practice, rivera.lena, catalog, first, rated(9, 9, 9, 9), "lena-1")
    send(practice, rivera.lena, catalog, mistaken, rated(4, 4, 4, 4), "lena-2")
    send(practice, rivera.marco, catalog, mistaken, rated(8, 8, 8, 8), "marco-2")
    send(practice, rivera.lena, catalog, third, rated(8, 8, 8, 9), "lena-3")
    with practice.work(practice.admin) as uow:
        couples.delete_session(uow, rivera.couple_id, mistaken, "Logged twice by mistake")
    assert [(r.session_id, r.idempotency_key) for r in feedback_rows(practice)] == [
        (first, "lena-1"),
        (third, "lena-3"),
    ]
    seen = feedback_of(practice, rivera.couple_id)
    lena = rivera.lena.partner_id
    assert [(s.session_id, s.number, s.by_partner[lena].total) for s in seen.sessions] == [
        (third, 2, 33.0),
        (first, 1, 36.0),
    ]
    # The low and split feedback of the deleted session raise nothing any more.
    assert feedback_alerts(practice, rivera.couple_id) == []

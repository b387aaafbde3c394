"""The partners' own side on a real database: their own progress (theirs alone, whatever either
partner agreed to share), check-ins the counselor enters for a partner in the room, and each
partner's language."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import pandas as pd
import pytest
from sqlalchemy import func, select

from tests.couple_parts import shown_checkins, shown_links
from tests.linked_couple import LinkedCouple, link_actor, linked_rivera
from trustcare.errors import CoupleNotFound, InvalidInput, PartnerNotFound
from trustcare.models import AuditEvent, CheckIn, Partner, SessionFeedback
from trustcare.practice_settings import PracticeSettings
from trustcare.scoring import reliable_change_threshold
from trustcare.services import admin, assignments, checkins, couples, export
from trustcare.services import session_feedback as feedback
from trustcare.services.own_progress import DoneModule, OwnProgressOff, own_progress

# The trust pulse's eight scored items in order; these three are reverse-keyed (4 - answer).
PULSE_ITEMS = (
    "honest-talk",
    "hiding-things",
    "kept-word",
    "there-for-me",
    "safe-to-share",
    "held-back",
    "checking-up",
    "feel-secure",
)
REVERSED = {"hiding-things", "held-back", "checking-up"}

# What only the counselor, or only Marco, may ever read: none of it is Lena's own progress.
SESSION_NOTE = "Marco admitted the second phone; Lena has not been told about Ines yet."
MARCO_REFLECTION = "I still text Ines late at night and delete the thread before breakfast."
MARCO_EXERCISE_NOTE = "Writing the apology letter I never sent to Lena."
# Lena's own words are not part of her progress either: it shows scores and exercises only.
LENA_REFLECTION = "I checked his phone again on Tuesday and hated myself for it."


def pulse(total: int, overall: int = 5, felt_unsafe: int | None = 0) -> dict[str, int | None]:
    """Trust-pulse answers whose keyed total is `total` (0-32), every item answered."""
    assert 0 <= total <= 32
    answers: dict[str, int | None] = {}
    left = total
    for item in PULSE_ITEMS:
        keyed = min(4, left)
        left -= keyed
        answers[item] = 4 - keyed if item in REVERSED else keyed
    return {**answers, "overall-trust": overall, "practice-done": 2, "felt-unsafe": felt_unsafe}


@pytest.fixture
def rivera(practice) -> LinkedCouple:
    """Ada's couple Rivera, each partner behind their own opened link: Lena and Marco."""
    return linked_rivera(practice)


@pytest.fixture
def okafor_partner(practice) -> int:
    """Chidi, a partner of Ben's couple Okafor (not Ada's)."""
    with practice.work(practice.counselor) as uow:
        return shown_links(uow, practice.counselors_couple)[0].partner_id


def check_in(practice, actor, catalog, key, answers, reflection="", share_reflection=False, **kw):
    with practice.partner_work(actor) as uow:
        return checkins.submit_checkin(
            uow, catalog, answers, reflection, share_reflection, kw.get("share_scores", True), key
        )


def progress_of(practice, actor, catalog):
    with practice.partner_work(actor) as uow:
        return own_progress(uow, catalog)


def page_of(practice, actor, catalog) -> checkins.ClientPage:
    with practice.partner_work(actor) as uow:
        return checkins.client_page(uow, catalog)


def leaves(value):
    """Every plain value held inside a result: dataclass fields, containers, a frame's column
    names and cells, walked all the way down."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
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


def stored_checkins(practice, *where) -> list[CheckIn]:
    with practice.factory() as session:
        return list(session.scalars(select(CheckIn).where(*where).order_by(CheckIn.id)))


def checkin_count(practice) -> int:
    with practice.factory() as session:
        return session.scalar(select(func.count(CheckIn.id)))


# --- own progress: Lena's alone ----------------------------------------------------------------

CONSENTS = [True, False, None]


@pytest.mark.parametrize("reflections_shared", [True, False], ids=["shared", "private"])
@pytest.mark.parametrize("marco_shares", CONSENTS, ids=lambda c: f"marco-{c}")
@pytest.mark.parametrize("lena_shares", CONSENTS, ids=lambda c: f"lena-{c}")
def test_own_progress_holds_only_the_partners_own_scores_whatever_either_agreed_to_share(
    practice, rivera, catalog, lena_shares, marco_shares, reflections_shared
):
    with practice.work(practice.admin) as uow:
        couples.log_session(uow, rivera.couple_id, dt.date.today(), SESSION_NOTE)
        both = assignments.assign_module(uow, catalog, rivera.couple_id, "open-communication")
        marcos = assignments.assign_module(
            uow, catalog, rivera.couple_id, "past-hurts", partner_id=rivera.marco.partner_id
        )
    lena_receipts = [
        check_in(
            practice,
            rivera.lena,
            catalog,
            f"lena-{number}",
            pulse(total, overall, felt_unsafe),
            LENA_REFLECTION,
            reflections_shared,
            share_scores=lena_shares,
        )
        for number, (total, overall, felt_unsafe) in enumerate([(11, 3, 0), (19, 6, 1)])
    ]
    for number, total in enumerate((29, 30, 31)):
        check_in(
            practice,
            rivera.marco,
            catalog,
            f"marco-{number}",
            pulse(total, 9, felt_unsafe=1 if number == 1 else 0),
            MARCO_REFLECTION,
            reflections_shared,
            share_scores=marco_shares,
        )
    with practice.partner_work(rivera.marco) as uow:
        exercise = catalog.module("past-hurts").exercises[0].id
        checkins.mark_exercise_done(
            uow, catalog, marcos, exercise, MARCO_EXERCISE_NOTE, reflections_shared
        )
    with practice.partner_work(rivera.lena) as uow:
        exercise = catalog.module("open-communication").exercises[0].id
        checkins.mark_exercise_done(uow, catalog, both, exercise, LENA_REFLECTION, False)

    mine = progress_of(practice, rivera.lena, catalog)

    lenas = stored_checkins(practice, CheckIn.partner_id == rivera.lena.partner_id)
    assert [c.id for c in lenas] == [r.checkin_id for r in lena_receipts]
    assert list(mine.checkins.columns) == ["submitted_at", "total", "overall"]
    assert mine.checkins["total"].tolist() == [c.total for c in lenas] == [11.0, 19.0]
    assert mine.checkins["overall"].tolist() == [3.0, 6.0]
    assert [t.to_pydatetime() for t in mine.checkins["submitted_at"]] == [
        c.submitted_at for c in lenas
    ]
    assert (mine.first_total, mine.latest_total) == (11.0, 19.0)
    marcos_totals = {
        c.total for c in stored_checkins(practice) if c.id not in {x.id for x in lenas}
    }
    assert marcos_totals == {29.0, 30.0, 31.0}
    assert not marcos_totals & set(mine.checkins["total"])
    assert [(m.title, m.exercises_done, m.exercises) for m in mine.modules] == [
        ("Open and honest communication", 1, len(catalog.module("open-communication").exercises))
    ]
    # The only words it holds: its own column names, the module title and the word of change.
    words = {value for value in leaves(mine) if isinstance(value, str)}
    assert words == {"submitted_at", "total", "overall", "Open and honest communication", "better"}
    everything = repr(mine)
    for secret in (
        SESSION_NOTE,
        "second phone",
        MARCO_REFLECTION,
        "Ines",
        MARCO_EXERCISE_NOTE,
        LENA_REFLECTION,
        "safety",
        "afraid",
        "Marco",
    ):
        assert secret not in everything


def test_own_progress_is_refused_once_the_counselor_switches_it_off_and_the_page_follows(
    practice, rivera, catalog
):
    check_in(practice, rivera.lena, catalog, "before", pulse(14))
    assert page_of(practice, rivera.lena, catalog).shows_own_progress is True
    with practice.work(practice.admin) as uow:
        couples.set_own_progress(uow, rivera.couple_id, False)
    with pytest.raises(OwnProgressOff):
        progress_of(practice, rivera.lena, catalog)
    with pytest.raises(OwnProgressOff):
        progress_of(practice, rivera.marco, catalog)
    assert page_of(practice, rivera.lena, catalog).shows_own_progress is False

    with practice.work(practice.admin) as uow:
        couples.set_own_progress(uow, rivera.couple_id, True)
    assert page_of(practice, rivera.lena, catalog).shows_own_progress is True
    assert progress_of(practice, rivera.lena, catalog).checkins["total"].tolist() == [14.0]
    with practice.factory() as session:
        switched = session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "couple.own_progress")
            .order_by(AuditEvent.id)
        ).all()
    assert switched == [{"shown": False}, {"shown": True}]


def test_another_counselor_cannot_switch_a_couples_own_progress(practice, rivera, catalog):
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        couples.set_own_progress(uow, rivera.couple_id, False)
    assert page_of(practice, rivera.lena, catalog).shows_own_progress is True


def test_a_new_couple_takes_the_practice_setting_for_own_progress(practice, rivera, catalog):
    with practice.work(practice.admin) as uow:
        admin.save_practice_settings(uow, {"own_progress_for_new_couples": False}, None)
        delacroix = couples.create_couple(
            uow, "Delacroix", [couples.PartnerInput("Odile"), couples.PartnerInput("Bastien")]
        )
        odile_id = shown_links(uow, delacroix)[0].partner_id
    odile = link_actor(practice, delacroix, odile_id)
    assert page_of(practice, odile, catalog).shows_own_progress is False
    with pytest.raises(OwnProgressOff):
        progress_of(practice, odile, catalog)
    # Couples made before the change keep what they had.
    assert page_of(practice, rivera.lena, catalog).shows_own_progress is True


# --- own progress: the words of change ---------------------------------------------------------


def test_the_reliable_change_threshold_these_tests_rely_on_is_about_six_points(catalog):
    rc = catalog.measure(checkins.MEASURE_ID).reliable_change
    assert 6 < reliable_change_threshold(rc.sd, rc.reliability) < 7


def test_own_progress_says_too_early_before_there_are_two_check_ins(practice, rivera, catalog):
    assert progress_of(practice, rivera.lena, catalog).change == "too-early"
    check_in(practice, rivera.lena, catalog, "only", pulse(12))
    mine = progress_of(practice, rivera.lena, catalog)
    assert (mine.change, mine.first_total, mine.latest_total) == ("too-early", 12.0, 12.0)
    check_in(practice, rivera.marco, catalog, "marco", pulse(30))
    assert progress_of(practice, rivera.lena, catalog).change == "too-early"


@pytest.mark.parametrize(
    ("first", "latest", "words"),
    [
        (12, 19, "better"),
        (12, 18, "about-the-same"),
        (20, 14, "about-the-same"),
        (20, 13, "worse"),
    ],
    ids=["up 7", "up 6", "down 6", "down 7"],
)
def test_own_progress_names_only_a_reliable_change_better_or_worse(
    practice, rivera, catalog, first, latest, words
):
    check_in(practice, rivera.lena, catalog, "first", pulse(first))
    # Marco's totals between Lena's must not bend her first-to-latest comparison.
    check_in(practice, rivera.marco, catalog, "marco", pulse(32 if words == "worse" else 0))
    check_in(practice, rivera.lena, catalog, "latest", pulse(latest))
    mine = progress_of(practice, rivera.lena, catalog)
    assert (mine.first_total, mine.latest_total, mine.change) == (first, latest, words)
    assert mine.total_max == 32.0


# --- own progress: modules done ----------------------------------------------------------------


def test_modules_done_show_with_their_title_in_each_partners_language(practice, rivera, catalog):
    with practice.partner_work(rivera.lena) as uow:
        checkins.set_language(uow, "es")
    with practice.work(practice.admin) as uow:
        both = assignments.assign_module(uow, catalog, rivera.couple_id, "open-communication")
    module = catalog.module("open-communication")
    for actor, done in ((rivera.lena, module.exercises[:2]), (rivera.marco, module.exercises[:1])):
        for exercise in done:
            with practice.partner_work(actor) as uow:
                checkins.mark_exercise_done(uow, catalog, both, exercise.id, "", False)
    spanish = module.in_language("es").title
    assert spanish == "Comunicación abierta y sincera" and spanish != module.title
    lenas = progress_of(practice, rivera.lena, catalog).modules
    marcos = progress_of(practice, rivera.marco, catalog).modules
    assert [(m.title, m.exercises_done, m.exercises) for m in lenas] == [
        (spanish, 2, len(module.exercises))
    ]
    assert [(m.title, m.exercises_done) for m in marcos] == [(module.title, 1)]
    assert all(isinstance(m, DoneModule) for m in lenas + marcos)


# --- in-room entry -----------------------------------------------------------------------------


def enter(practice, couple_id, partner_id, catalog, key, answers, counselor=None, **kw):
    with practice.work(counselor or practice.admin) as uow:
        return checkins.enter_checkin(
            uow,
            catalog,
            couple_id,
            partner_id,
            answers,
            kw.get("reflection", ""),
            False,
            kw.get("share_scores", True),
            key,
        )


def test_a_check_in_entered_in_the_room_names_the_counselor_and_the_partners_language(
    practice, rivera, catalog
):
    with practice.partner_work(rivera.lena) as uow:
        checkins.set_language(uow, "es")
    receipt = enter(
        practice, rivera.couple_id, rivera.lena.partner_id, catalog, "room-1", pulse(17)
    )
    [stored] = stored_checkins(practice)
    assert stored.id == receipt.checkin_id and not receipt.already_stored
    assert (stored.partner_id, stored.couple_id) == (rivera.lena.partner_id, rivera.couple_id)
    assert (stored.entered_by, stored.language, stored.total) == (
        practice.admin.counselor_id,
        "es",
        17.0,
    )
    with practice.work(practice.admin) as uow:
        [shown] = shown_checkins(uow, rivera.couple_id).checkins
    assert (shown.entered_in_room, shown.language) == (True, "es")
    with practice.factory() as session:
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "checkin.entered")
        ).one()
    assert (audited.actor_kind, audited.actor_id) == ("counselor", practice.admin.counselor_id)


def test_a_check_in_the_partner_sends_from_their_own_link_is_not_marked_as_entered(
    practice, rivera, catalog
):
    check_in(practice, rivera.lena, catalog, "own", pulse(17))
    [stored] = stored_checkins(practice)
    assert (stored.entered_by, stored.language) == (None, "en")


def test_a_room_entry_sent_twice_with_one_key_is_stored_once(practice, rivera, catalog):
    first = enter(practice, rivera.couple_id, rivera.marco.partner_id, catalog, "twice", pulse(9))
    again = enter(practice, rivera.couple_id, rivera.marco.partner_id, catalog, "twice", pulse(9))
    assert (first.already_stored, again.already_stored) == (False, True)
    assert first.checkin_id == again.checkin_id
    assert checkin_count(practice) == 1


def test_a_room_entry_with_the_other_partners_form_key_never_returns_their_check_in(
    practice, rivera, catalog
):
    """Lena's in-room form key, sent again for Marco, must not answer with Lena's receipt (and
    her safety answer): before the fix it did, and Marco's check-in was silently dropped."""
    enter(practice, rivera.couple_id, rivera.lena.partner_id, catalog, "K", pulse(9, felt_unsafe=1))
    with pytest.raises(InvalidInput) as refused:
        enter(practice, rivera.couple_id, rivera.marco.partner_id, catalog, "K", pulse(20))
    assert "form" in refused.value.problems
    assert [c.partner_id for c in stored_checkins(practice)] == [rivera.lena.partner_id]


def test_another_counselor_can_neither_enter_nor_open_a_room_form_for_this_couple(
    practice, rivera, catalog
):
    with practice.work(practice.admin) as uow:
        session_id = couples.log_session(uow, rivera.couple_id, dt.date.today(), "")
    lena = rivera.lena.partner_id
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        checkins.room_partner(uow, catalog, rivera.couple_id, lena)
    with pytest.raises(CoupleNotFound):
        enter(
            practice, rivera.couple_id, lena, catalog, "ben", pulse(9), counselor=practice.counselor
        )
    with practice.work(practice.counselor) as uow, pytest.raises(CoupleNotFound):
        feedback.enter_feedback(
            uow, catalog, rivera.couple_id, lena, session_id, {"overall": 8}, "", "ben-fb"
        )
    assert checkin_count(practice) == 0
    with practice.factory() as session:
        assert session.scalar(select(func.count(SessionFeedback.id))) == 0


@pytest.mark.parametrize("partner", ["okafor", "not a number", True])
def test_a_partner_who_is_not_of_this_couple_is_not_found_in_the_room(
    practice, rivera, catalog, okafor_partner, partner
):
    partner_id = okafor_partner if partner == "okafor" else partner
    with practice.work(practice.admin) as uow:
        session_id = couples.log_session(uow, rivera.couple_id, dt.date.today(), "")
    with practice.work(practice.admin) as uow, pytest.raises(PartnerNotFound):
        checkins.room_partner(uow, catalog, rivera.couple_id, partner_id)
    with pytest.raises(PartnerNotFound):
        enter(practice, rivera.couple_id, partner_id, catalog, "wrong", pulse(9))
    with practice.work(practice.admin) as uow, pytest.raises(PartnerNotFound):
        feedback.enter_feedback(
            uow, catalog, rivera.couple_id, partner_id, session_id, {"overall": 8}, "", "wrong"
        )
    assert checkin_count(practice) == 0


def test_a_safety_yes_entered_in_the_room_gives_support_text_in_the_partners_language(
    practice, rivera, catalog
):
    with practice.partner_work(rivera.lena) as uow:
        checkins.set_language(uow, "es")
    defaults = PracticeSettings()
    lena = enter(
        practice, rivera.couple_id, rivera.lena.partner_id, catalog, "l", pulse(9, felt_unsafe=1)
    )
    marco = enter(
        practice, rivera.couple_id, rivera.marco.partner_id, catalog, "m", pulse(9, felt_unsafe=1)
    )
    assert (lena.safety_flag, lena.support_text) == (True, defaults.support_text_es)
    assert (marco.safety_flag, marco.support_text) == (True, defaults.support_text)
    assert defaults.support_text_es != defaults.support_text
    assert [c.safety_flag for c in stored_checkins(practice)] == [True, True]


@pytest.mark.parametrize("unanswered", ["left blank", "missing"])
def test_an_unanswered_safety_question_in_the_room_is_refused_never_read_as_no(
    practice, rivera, catalog, unanswered
):
    answers = pulse(20, felt_unsafe=None)
    if unanswered == "missing":
        del answers["felt-unsafe"]
    with pytest.raises(InvalidInput) as refused:
        enter(practice, rivera.couple_id, rivera.lena.partner_id, catalog, "blank", answers)
    safety_item = catalog.measure(checkins.MEASURE_ID).item("felt-unsafe").text.strip()
    assert safety_item in refused.value.problems["required"]
    assert checkin_count(practice) == 0


# --- language ----------------------------------------------------------------------------------


def language_of(practice, partner_id: int) -> str:
    with practice.factory() as session:
        return session.get(Partner, partner_id).language


def test_a_partner_chooses_spanish_on_their_own_link_and_it_is_audited(practice, rivera):
    with practice.partner_work(rivera.lena) as uow:
        checkins.set_language(uow, "es")
    assert language_of(practice, rivera.lena.partner_id) == "es"
    assert language_of(practice, rivera.marco.partner_id) == "en"
    with practice.factory() as session:
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "partner.language")
        ).one()
    assert (audited.actor_kind, audited.actor_id) == ("partner", rivera.lena.partner_id)
    assert (audited.record_type, audited.record_id) == ("partner", rivera.lena.partner_id)
    assert audited.detail == {"language": "es"}


@pytest.mark.parametrize("language", ["fr", "ES", "", "es-MX", None])
def test_a_language_the_app_does_not_have_is_refused_and_nothing_changes(
    practice, rivera, language
):
    with practice.partner_work(rivera.lena) as uow, pytest.raises(InvalidInput):
        checkins.set_language(uow, language)
    assert language_of(practice, rivera.lena.partner_id) == "en"
    with practice.factory() as session:
        assert (
            session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "partner.language")
            )
            == 0
        )


def test_a_check_in_after_choosing_spanish_is_stored_as_answered_in_spanish(
    practice, rivera, catalog
):
    check_in(practice, rivera.lena, catalog, "before", pulse(10))
    with practice.partner_work(rivera.lena) as uow:
        checkins.set_language(uow, "es")
    check_in(practice, rivera.lena, catalog, "after", pulse(10))
    check_in(practice, rivera.marco, catalog, "marco", pulse(10))
    assert [(c.idempotency_key, c.language) for c in stored_checkins(practice)] == [
        ("before", "en"),
        ("after", "es"),
        ("marco", "en"),
    ]


def test_the_client_page_of_a_spanish_partner_is_in_spanish(practice, rivera, catalog):
    with practice.work(practice.admin) as uow:
        assignments.assign_module(uow, catalog, rivera.couple_id, "open-communication")
    with practice.partner_work(rivera.lena) as uow:
        checkins.set_language(uow, "es")
    spanish = catalog.measure(checkins.MEASURE_ID).in_language("es")
    english = catalog.measure(checkins.MEASURE_ID)
    lena, marco = page_of(practice, rivera.lena, catalog), page_of(practice, rivera.marco, catalog)
    assert lena.language == "es" and marco.language == "en"
    assert [i.text for i in lena.measure.items] == [i.text for i in spanish.items]
    assert [i.text for i in marco.measure.items] == [i.text for i in english.items]
    assert spanish.item("honest-talk").text != english.item("honest-talk").text
    assert [a.title for a in lena.assignments] == ["Comunicación abierta y sincera"]
    assert [a.title for a in marco.assignments] == ["Open and honest communication"]
    assert lena.support_text == PracticeSettings().support_text_es
    assert lena.feedback_measure.title == "Opinión sobre la sesión"


def test_the_csv_export_says_which_language_a_check_in_was_answered_in_and_who_entered_it(
    practice, rivera, catalog
):
    with practice.partner_work(rivera.lena) as uow:
        checkins.set_language(uow, "es")
    check_in(practice, rivera.lena, catalog, "lena-own", pulse(15))
    enter(practice, rivera.couple_id, rivera.marco.partner_id, catalog, "marco-room", pulse(21))
    with practice.work(practice.admin) as uow:
        exported = export.checkins_csv(uow, catalog, rivera.couple_id)
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    assert [(r["partner"], r["answered in"], r["entered by"]) for r in rows] == [
        ("Lena", "Spanish", "partner"),
        ("Marco", "English", "counselor, in session"),
    ]
    with practice.work(practice.admin) as uow:
        report = export.progress_report_html(uow, catalog, rivera.couple_id)
    assert "<td>partner (Spanish)</td>" in report
    assert "<td>counselor, in session</td>" in report

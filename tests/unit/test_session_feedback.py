"""Session feedback: the shipped measure, and the alerts each partner's feedback raises, each rule
checked exactly at and just short of its line.

The couple is Sam (partner 21) and Ines (partner 22), case "Juniper Street". The measure's own
rules throughout: cut-off 30 of 40, a drop of 5 points, a split of 10 points.
"""

from __future__ import annotations

import importlib
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
import textstat

from trustcare.alerts import (
    SEVERITY,
    Alert,
    CoupleData,
    evaluate,
    feedback_alerts,
    filter_acknowledged,
)
from trustcare.catalog import shipped_content_dir
from trustcare.content_loading import load_catalog
from trustcare.feedback import FeedbackPoint, FeedbackRules
from trustcare.practice_settings import AlertThresholds
from trustcare.scoring import score_answers

SAM, INES = 21, 22
CATALOG = load_catalog([shipped_content_dir()])
MEASURE = CATALOG.measure("session-feedback")
RULES = FeedbackRules(cutoff=30, drop=5, split=10, out_of=40)
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
FEEDBACK_KINDS = ("feedback_low", "feedback_drop", "feedback_split")

_ids = itertools.count(900)


def feedback(
    partner: int,
    session: int,
    total: float | None,
    *,
    minutes_after: int = 60,
    feedback_id: int | None = None,
) -> FeedbackPoint:
    """Feedback on session `session`, held on a Monday in May 2025, one session a week."""
    held_on = date(2025, 5, 5) + timedelta(weeks=session - 1)
    return FeedbackPoint(
        feedback_id=feedback_id if feedback_id is not None else next(_ids),
        partner_id=partner,
        session_number=session,
        held_on=held_on,
        submitted_at=datetime(held_on.year, held_on.month, held_on.day, 18, tzinfo=UTC)
        + timedelta(minutes=minutes_after),
        total=total,
    )


def couple(
    points: tuple[FeedbackPoint, ...] = (),
    *,
    rules: FeedbackRules | None = RULES,
    status: str = "active",
) -> CoupleData:
    return CoupleData(
        couple_id=3,
        label="Juniper Street",
        partner_ids=(SAM, INES),
        partner_names={SAM: "Sam", INES: "Ines"},
        checkins=(),
        assignments=(),
        # Added the day before, so no rule about missing check-ins has anything to say yet.
        created_at=NOW - timedelta(days=1),
        status=status,
        feedback=points,
        feedback_rules=rules,
    )


def alerts_of(*points: FeedbackPoint, rules: FeedbackRules = RULES) -> list[Alert]:
    return feedback_alerts(couple(points), points, rules)


def kinds(alerts: list[Alert], kind: str) -> list[Alert]:
    return [a for a in alerts if a.kind == kind]


def run(data: CoupleData) -> list[Alert]:
    return evaluate(data, 5.0, 0.80, AlertThresholds(), NOW)


# --- the measure ---------------------------------------------------------------------------------


def test_session_feedback_asks_four_questions_on_one_0_to_10_scale_summed_to_40():
    assert [item.id for item in MEASURE.items] == ["heard", "mattered", "approach", "overall"]
    assert {item.scale for item in MEASURE.items} == {"session-0-10"}
    scale = MEASURE.scales["session-0-10"]
    assert (scale.min, scale.max, sorted(scale.anchors)) == (0, 10, [0, 5, 10])
    assert MEASURE.total.items == ("heard", "mattered", "approach", "overall")
    assert (MEASURE.total.rule, tuple(MEASURE.total.range)) == ("sum", (0, 40))
    assert MEASURE.higher_is_better


def test_session_feedback_says_it_is_trustcares_own_and_not_validated():
    assert MEASURE.provisional and MEASURE.reliable_change.provisional
    assert "written for TrustCare" in MEASURE.about
    assert "not a validated instrument" in MEASURE.about


def test_session_feedback_has_no_safety_or_practice_question_and_needs_only_the_overall():
    assert MEASURE.safety_items == ()
    assert MEASURE.practice_item is None
    assert MEASURE.overall_item == "overall"
    assert MEASURE.required_items == ("overall",)


def test_the_measure_file_sets_a_cut_off_of_30_a_drop_of_5_and_a_split_of_10():
    assert FeedbackRules.of(MEASURE) == FeedbackRules(cutoff=30, drop=5, split=10, out_of=40)


def test_feedback_rules_refuse_the_trust_pulse_which_has_no_cut_off():
    with pytest.raises(ValueError, match='"trust-pulse" is not session feedback'):
        FeedbackRules.of(CATALOG.measure("trust-pulse"))


def test_feedback_rules_refuse_a_cut_off_outside_the_total():
    with pytest.raises(ValueError, match="cutoff 45"):
        FeedbackRules(cutoff=45, drop=5, split=10, out_of=40)


def test_sams_four_answers_score_as_their_sum_with_the_overall_kept_apart():
    scores = score_answers(MEASURE, {"heard": 8, "mattered": 7, "approach": 9, "overall": 6})

    assert scores.total == 30
    assert scores.overall == 6
    assert scores.practice is None
    assert scores.safety_flag is False  # no safety question to answer


def test_a_skipped_question_leaves_the_feedback_unscored_but_keeps_the_overall():
    scores = score_answers(MEASURE, {"heard": 8, "mattered": None, "approach": 9, "overall": 6})

    assert scores.total is None
    assert scores.overall == 6
    assert scores.missing == ("mattered",)


def test_the_spanish_feedback_asks_the_same_items_on_the_same_scales():
    spanish = MEASURE.in_language("es")

    assert "es" in MEASURE.languages
    assert spanish.title == "Opinión sobre la sesión"
    assert [(i.id, i.scale) for i in spanish.items] == [(i.id, i.scale) for i in MEASURE.items]
    assert all(s.text != e.text for s, e in zip(spanish.items, MEASURE.items, strict=True))
    assert dict(spanish.scales["session-0-10"].anchors) == {
        0: "Nada cierto",
        5: "En parte cierto",
        10: "Totalmente cierto",
    }
    assert spanish.total == MEASURE.total and spanish.cutoff == MEASURE.cutoff


def test_answers_given_in_spanish_score_the_same_as_in_english():
    answers = {"heard": 10, "mattered": 4, "approach": 7, "overall": 5}

    assert score_answers(MEASURE.in_language("es"), answers) == score_answers(MEASURE, answers)


@pytest.fixture
def offline_syllables(monkeypatch):
    """Count syllables with pyphen only, as test_readability does, so no download is tried."""
    try:
        counter = importlib.import_module("textstat.backend.counts._count_syllables")
    except ImportError:
        return
    monkeypatch.setattr(counter, "get_cmudict", lambda lang: None)


def test_what_a_partner_reads_of_session_feedback_is_at_most_grade_eight(offline_syllables):
    questions = [item.text for item in MEASURE.items]
    about = MEASURE.about

    assert textstat.flesch_kincaid_grade(" ".join(questions)) <= 8.0
    assert textstat.flesch_kincaid_grade(about) <= 8.0


# --- feedback-low ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("total", "raised"), [(29, True), (30, False), (29.5, True)])
def test_feedback_under_the_cut_off_of_30_raises_an_alert_and_30_itself_does_not(total, raised):
    alerts = kinds(alerts_of(feedback(SAM, 4, total)), "feedback_low")

    assert bool(alerts) is raised


def test_low_feedback_names_the_partner_the_session_and_both_numbers():
    point = feedback(SAM, 4, 24, feedback_id=41)

    [alert] = kinds(alerts_of(point), "feedback_low")

    assert alert.message == "Sam's feedback on session 4 was 24 of 40, under the cut-off of 30"
    assert alert.key == "feedback_low:41"
    assert alert.partner_id == SAM
    assert alert.severity == "attention"
    assert alert.since == point.submitted_at


def test_only_the_latest_session_counts_so_a_low_session_3_is_forgotten_after_a_good_session_4():
    alerts = alerts_of(feedback(INES, 3, 22), feedback(INES, 4, 33))

    assert kinds(alerts, "feedback_low") == []


def test_low_feedback_is_raised_once_for_the_latest_session_not_for_every_low_one():
    alerts = alerts_of(
        feedback(INES, 2, 25, feedback_id=61),
        feedback(INES, 3, 26, feedback_id=62),
        feedback(INES, 4, 27, feedback_id=63),
    )

    assert [a.key for a in kinds(alerts, "feedback_low")] == ["feedback_low:63"]


def test_unscored_feedback_is_passed_over_and_the_last_scored_session_stands():
    alerts = alerts_of(feedback(SAM, 3, 26, feedback_id=71), feedback(SAM, 4, None))

    assert [a.key for a in kinds(alerts, "feedback_low")] == ["feedback_low:71"]


def test_a_session_answered_twice_is_taken_at_the_later_answer():
    alerts = alerts_of(
        feedback(SAM, 4, 22, minutes_after=10),
        feedback(SAM, 4, 34, minutes_after=50),
    )

    assert kinds(alerts, "feedback_low") == []


# --- feedback-drop --------------------------------------------------------------------------------


@pytest.mark.parametrize(("latest", "raised"), [(31, True), (32, False)])
def test_a_fall_of_5_points_from_the_last_session_raises_an_alert_and_4_does_not(latest, raised):
    alerts = alerts_of(feedback(SAM, 3, 36), feedback(SAM, 4, latest))

    assert bool(kinds(alerts, "feedback_drop")) is raised


def test_a_drop_names_both_sessions_both_totals_and_the_fall():
    latest = feedback(SAM, 4, 31, feedback_id=82)

    [alert] = kinds(alerts_of(feedback(SAM, 3, 37, feedback_id=81), latest), "feedback_drop")

    assert alert.message == (
        "Sam's feedback fell by 6 points, from 37 of 40 on session 3 to 31 on session 4"
    )
    assert alert.key == "feedback_drop:81:82"
    assert alert.partner_id == SAM
    assert alert.since == latest.submitted_at


def test_a_drop_is_measured_from_the_last_session_the_partner_answered_even_weeks_before():
    alerts = alerts_of(feedback(INES, 1, 38), feedback(INES, 4, 32))

    [alert] = kinds(alerts, "feedback_drop")
    assert "from 38 of 40 on session 1 to 32 on session 4" in alert.message


def test_a_rise_or_an_older_drop_raises_nothing():
    alerts = alerts_of(feedback(INES, 2, 38), feedback(INES, 3, 30), feedback(INES, 4, 35))

    assert kinds(alerts, "feedback_drop") == []


def test_a_single_session_of_feedback_cannot_drop():
    assert kinds(alerts_of(feedback(SAM, 1, 12)), "feedback_drop") == []


# --- feedback-split -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sam", "ines", "raised"), [(38, 28, True), (38, 29, False), (30, 40, True), (31, 40, False)]
)
def test_partners_10_points_apart_on_one_session_raise_a_split_and_9_do_not(sam, ines, raised):
    alerts = alerts_of(feedback(SAM, 4, sam), feedback(INES, 4, ines))

    assert bool(kinds(alerts, "feedback_split")) is raised


def test_a_split_names_both_partners_with_their_totals_and_the_gap():
    sam = feedback(SAM, 4, 38, feedback_id=91, minutes_after=20)
    ines = feedback(INES, 4, 27, feedback_id=92, minutes_after=95)

    [alert] = kinds(alerts_of(sam, ines), "feedback_split")

    assert alert.message == (
        "Sam and Ines saw session 4 differently: Sam's feedback was 38 of 40, "
        "Ines's 27 (11 points apart)"
    )
    assert alert.key == "feedback_split:4:91:92"
    assert alert.partner_id is None
    assert alert.since == ines.submitted_at  # the later of the two


def test_a_split_looks_at_the_latest_session_both_partners_answered():
    alerts = alerts_of(
        feedback(SAM, 3, 36),
        feedback(INES, 3, 24),
        feedback(SAM, 4, 35),  # Ines has not answered session 4 yet
    )

    [alert] = kinds(alerts, "feedback_split")
    assert alert.key.startswith("feedback_split:3:")


def test_an_old_split_is_forgotten_once_the_partners_agree_on_a_later_session():
    alerts = alerts_of(
        feedback(SAM, 3, 38),
        feedback(INES, 3, 22),
        feedback(SAM, 4, 34),
        feedback(INES, 4, 31),
    )

    assert kinds(alerts, "feedback_split") == []


def test_no_split_when_only_one_partner_has_scored_feedback():
    alerts = alerts_of(feedback(SAM, 4, 38), feedback(INES, 4, None))

    assert kinds(alerts, "feedback_split") == []


# --- keys and acknowledgement ---------------------------------------------------------------------


def test_an_acknowledged_feedback_alert_comes_back_only_on_new_evidence():
    session_4 = (
        feedback(SAM, 3, 38, feedback_id=101),
        feedback(INES, 3, 36, feedback_id=102),
        feedback(SAM, 4, 24, feedback_id=103),
        feedback(INES, 4, 37, feedback_id=104),
    )
    acknowledged = {a.key for a in alerts_of(*session_4)}
    assert acknowledged == {
        "feedback_low:103",
        "feedback_drop:101:103",
        "feedback_split:4:103:104",
    }

    # Nothing new: the acknowledgements hold.
    assert filter_acknowledged(alerts_of(*session_4), acknowledged) == []

    # Session 5 is as bad for Sam, and a new session is new evidence.
    session_5 = (*session_4, feedback(SAM, 5, 23, feedback_id=105))
    shown = filter_acknowledged(alerts_of(*session_5), acknowledged)
    assert [a.key for a in shown] == ["feedback_low:105"]


def test_every_feedback_alert_asks_for_attention_rather_than_urgency():
    assert {SEVERITY[kind] for kind in FEEDBACK_KINDS} == {"attention"}  # type: ignore[index]


# --- through evaluate -----------------------------------------------------------------------------


SPLIT_AND_LOW = (
    feedback(SAM, 4, 39, feedback_id=111),
    feedback(INES, 4, 21, feedback_id=112),
)


def test_evaluate_raises_the_feedback_alerts_of_an_active_couple():
    alerts = run(couple(SPLIT_AND_LOW))

    assert sorted(a.key for a in alerts) == ["feedback_low:112", "feedback_split:4:111:112"]


def test_evaluate_raises_no_feedback_alert_for_a_paused_couple():
    assert run(couple(SPLIT_AND_LOW, status="paused")) == []


def test_evaluate_raises_no_feedback_alert_without_feedback_rules():
    assert run(couple(SPLIT_AND_LOW, rules=None)) == []


def test_evaluate_holds_feedback_against_the_rules_the_couple_carries():
    gentle = FeedbackRules(cutoff=20, drop=5, split=20, out_of=40)

    assert run(couple(SPLIT_AND_LOW, rules=gentle)) == []


def test_a_couple_without_feedback_fields_is_evaluated_as_before():
    plain = CoupleData(
        couple_id=3,
        label="Juniper Street",
        partner_ids=(SAM, INES),
        partner_names={SAM: "Sam", INES: "Ines"},
        checkins=(),
        assignments=(),
        created_at=NOW - timedelta(days=1),
        status="active",
    )

    assert (plain.feedback, plain.feedback_rules) == ((), None)
    assert run(plain) == []

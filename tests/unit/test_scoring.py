"""Scoring the trust pulse and judging change, checked against numbers worked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustcare.catalog import shipped_content_dir
from trustcare.content_loading import load_file
from trustcare.content_schema import Measure, ReliableChange, Scale
from trustcare.scoring import (
    calibrate,
    classify_change,
    cronbach_alpha,
    reliable_change_index,
    reliable_change_threshold,
    reverse_score,
    score_answers,
    standard_error_of_difference,
)

TRUST_PULSE = load_file(shipped_content_dir() / "measures" / "trust-pulse.yaml")
assert isinstance(TRUST_PULSE, Measure)

# One partner's check-in, with the keyed score of each item worked out by hand (scale 0-4;
# reverse-keyed items score 4 - answer):
#   honest-talk    3          -> 3
#   hiding-things  1 reversed -> 3     honesty          (3 + 3) / 2 = 3.0
#   kept-word      4          -> 4
#   there-for-me   2          -> 2     reliability      (4 + 2) / 2 = 3.0
#   safe-to-share  2          -> 2
#   held-back      3 reversed -> 1     emotional-safety (2 + 1) / 2 = 1.5
#   checking-up    0 reversed -> 4
#   feel-secure    3          -> 3     security         (4 + 3) / 2 = 3.5
#   total = 3 + 3 + 4 + 2 + 2 + 1 + 4 + 3 = 22 (of 0-32)
MAYAS_CHECK_IN = {
    "honest-talk": 3,
    "hiding-things": 1,
    "kept-word": 4,
    "there-for-me": 2,
    "safe-to-share": 2,
    "held-back": 3,
    "checking-up": 0,
    "feel-secure": 3,
    "overall-trust": 7,
    "practice-done": 2,
    "felt-unsafe": 0,
}


def without(answers: dict[str, int], *item_ids: str) -> dict[str, int | None]:
    return {k: (None if k in item_ids else v) for k, v in answers.items()}


# --- scoring one check-in --------------------------------------------------------------------


def test_a_complete_check_in_scores_as_worked_by_hand():
    scores = score_answers(TRUST_PULSE, MAYAS_CHECK_IN)

    assert dict(scores.subscales) == {
        "honesty": 3.0,
        "reliability": 3.0,
        "emotional-safety": 1.5,
        "security": 3.5,
    }
    assert scores.total == 22
    assert scores.items["hiding-things"] == 3
    assert scores.items["checking-up"] == 4
    assert list(scores.items) == list(TRUST_PULSE.total.items), "no overall, practice or safety"
    assert (scores.overall, scores.practice, scores.safety_flag) == (7, 2, False)
    assert scores.missing == ()
    assert scores.as_dict()["total"] == 22


def test_one_skipped_item_is_prorated_from_the_rest_of_its_subscale():
    # kept-word missing: reliability = there-for-me alone = 2.0, and kept-word is filled in
    # with 2.0, so total = 3 + 3 + 2 + 2 + 2 + 1 + 4 + 3 = 20.
    scores = score_answers(TRUST_PULSE, without(MAYAS_CHECK_IN, "kept-word"))

    assert scores.subscales["reliability"] == 2.0
    assert scores.total == 20
    assert scores.missing == ("kept-word",)


def test_one_skipped_item_in_every_subscale_still_gives_a_prorated_total():
    # Left: honest-talk 3, kept-word 4, safe-to-share 2, checking-up 0 reversed -> 4.
    # Each subscale is its one answered item; total = 2 * (3 + 4 + 2 + 4) = 26.
    skipped = ("hiding-things", "there-for-me", "held-back", "feel-secure")
    scores = score_answers(TRUST_PULSE, without(MAYAS_CHECK_IN, *skipped))

    assert dict(scores.subscales) == {
        "honesty": 3.0,
        "reliability": 4.0,
        "emotional-safety": 2.0,
        "security": 4.0,
    }
    assert scores.total == 26


def test_two_skipped_items_in_one_subscale_leave_it_and_the_total_unscored():
    scores = score_answers(TRUST_PULSE, without(MAYAS_CHECK_IN, "checking-up", "feel-secure"))

    assert scores.subscales["security"] is None
    assert scores.subscales["honesty"] == 3.0
    assert scores.total is None


def test_an_empty_check_in_scores_nothing_and_raises_no_alarm():
    scores = score_answers(TRUST_PULSE, {})

    assert scores.total is None
    assert set(scores.subscales.values()) == {None}
    assert (scores.overall, scores.practice, scores.safety_flag) == (None, None, None)
    assert len(scores.missing) == 8


@pytest.mark.parametrize(("answer", "flagged"), [(1, True), (0, False), (None, None)])
def test_a_yes_to_the_safety_question_sets_the_safety_flag(answer, flagged):
    scores = score_answers(TRUST_PULSE, {**MAYAS_CHECK_IN, "felt-unsafe": answer})

    assert scores.safety_flag is flagged
    assert scores.total == 22, "the safety answer is never part of the score"


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        ({"honest-talk": 5}, "honest-talk"),
        ({"overall-trust": -1}, "overall-trust"),
        ({"practice-done": 4}, "practice-done"),
        ({"felt-unsafe": 2}, "felt-unsafe"),
        ({"kept-word": True}, "kept-word"),
        ({"kept-word": 2.5}, "kept-word"),
        ({"how-was-your-week": 3}, "how-was-your-week"),
    ],
)
def test_an_impossible_answer_is_refused_naming_the_item(answers, named):
    with pytest.raises(ValueError, match=named):
        score_answers(TRUST_PULSE, answers)


def test_a_free_text_item_takes_no_score():
    measure = TRUST_PULSE.model_copy(
        update={
            "items": (
                *TRUST_PULSE.items,
                TRUST_PULSE.items[0].model_copy(update={"id": "reflection", "scale": None}),
            )
        }
    )
    with pytest.raises(ValueError, match="reflection"):
        score_answers(measure, {"reflection": 3})


# --- properties --------------------------------------------------------------------------------


@st.composite
def scales_and_values(draw):
    low = draw(st.integers(-10, 10))
    high = draw(st.integers(low + 1, low + 20))
    value = draw(st.integers(low, high))
    return Scale(min=low, max=high, anchors={low: "least", high: "most"}), value


@settings(max_examples=200, deadline=None)
@given(scales_and_values())
def test_reverse_keying_twice_gives_back_the_answer_and_pairs_sum_to_min_plus_max(pair):
    scale, value = pair

    assert reverse_score(reverse_score(value, scale), scale) == value
    assert reverse_score(value, scale) + value == scale.min + scale.max
    assert scale.min <= reverse_score(value, scale) <= scale.max


answer_sets = st.fixed_dictionaries(
    {
        item.id: st.one_of(
            st.none(),
            st.integers(TRUST_PULSE.scales[item.scale].min, TRUST_PULSE.scales[item.scale].max),
        )
        for item in TRUST_PULSE.items
        if item.scale is not None
    }
)


@settings(max_examples=300, deadline=None)
@given(answer_sets)
def test_scores_always_stay_within_their_ranges(answers):
    scores = score_answers(TRUST_PULSE, answers)

    low, high = TRUST_PULSE.total.range
    assert scores.total is None or low <= scores.total <= high
    for value in scores.subscales.values():
        assert value is None or 0 <= value <= 4
    complete = all(answers[i] is not None for i in TRUST_PULSE.total.items)
    assert (scores.total is not None) or not complete


# --- reliable change -------------------------------------------------------------------------


def test_reliable_change_numbers_match_the_hand_calculation():
    # S_diff = sqrt(2) * 5 * sqrt(1 - 0.8) = 5 * sqrt(0.4) = 3.16228
    # threshold = 1.96 * 3.16228 = 6.19806; a rise from 10 to 17 gives RCI = 7 / 3.16228 = 2.2136
    assert standard_error_of_difference(5, 0.8) == pytest.approx(3.16228, abs=1e-5)
    assert reliable_change_threshold(5, 0.8) == pytest.approx(6.19806, abs=1e-5)
    assert reliable_change_index(10, 17, 5, 0.8) == pytest.approx(2.21359, abs=1e-5)
    assert reliable_change_index(17, 10, 5, 0.8) == pytest.approx(-2.21359, abs=1e-5)


def test_the_trust_pulse_threshold_is_about_six_points():
    rc = TRUST_PULSE.reliable_change

    assert reliable_change_threshold(rc.sd, rc.reliability) == pytest.approx(6.198, abs=1e-3)


@pytest.mark.parametrize(
    ("first", "latest", "expected"),
    [
        (10, 17, "improved"),  # +7 > 6.198
        (10, 16, "unchanged"),  # +6 is within measurement noise
        (17, 10, "deteriorated"),
        (22, 22, "unchanged"),
    ],
)
def test_change_on_the_trust_pulse_is_classified_by_the_reliable_change_index(
    first, latest, expected
):
    assert classify_change(first, latest, TRUST_PULSE) == expected


def test_without_a_cut_off_a_big_improvement_is_never_called_recovered():
    assert TRUST_PULSE.cutoff is None
    assert classify_change(2, 30, TRUST_PULSE) == "improved"


@pytest.mark.parametrize(
    ("first", "latest", "expected"),
    [
        (10, 17, "recovered"),  # reliable, and crosses 15 from below
        (16, 23, "improved"),  # reliable, but already on the healthy side
        (3, 10, "improved"),  # reliable, but still below the cut-off
        (10, 16, "unchanged"),  # crosses 15, but not a reliable change
        (20, 12, "deteriorated"),
    ],
)
def test_recovered_needs_a_reliable_improvement_that_crosses_the_cut_off(first, latest, expected):
    assert classify_change(first, latest, TRUST_PULSE, cutoff=15) == expected


def test_bare_constants_work_and_lower_can_be_better():
    constants = ReliableChange(sd=5.0, reliability=0.8, provisional=True)

    assert classify_change(10, 17, constants) == "improved"
    assert classify_change(20, 13, constants, higher_is_better=False) == "improved"
    assert classify_change(20, 13, constants, cutoff=15, higher_is_better=False) == "recovered"
    assert classify_change(13, 20, constants, higher_is_better=False) == "deteriorated"


@pytest.mark.parametrize(("sd", "reliability"), [(0, 0.8), (-1, 0.8), (5, 1.0), (5, -0.1)])
def test_impossible_constants_are_refused(sd, reliability):
    with pytest.raises(ValueError):
        reliable_change_index(10, 12, sd, reliability)


# --- calibration -------------------------------------------------------------------------------

# Two items over four people: item variances 5/3 each; row totals 3, 3, 7, 7 have variance 16/3;
# alpha = 2/1 * (1 - (10/3) / (16/3)) = 2 * (1 - 0.625) = 0.75.
TWO_ITEM_ROWS = [[1, 2], [2, 1], [3, 4], [4, 3]]


def test_cronbach_alpha_matches_the_hand_calculation():
    assert cronbach_alpha(TWO_ITEM_ROWS) == pytest.approx(0.75)


def test_cronbach_alpha_reads_data_frames_and_answer_dicts_and_skips_incomplete_rows():
    frame = pd.DataFrame(TWO_ITEM_ROWS + [[None, 2]], columns=["a", "b"])
    dicts = [{"a": a, "b": b} for a, b in TWO_ITEM_ROWS] + [{"a": 1}]

    assert cronbach_alpha(frame) == pytest.approx(0.75)
    assert cronbach_alpha(dicts) == pytest.approx(0.75)


def test_identical_items_have_perfect_consistency():
    assert cronbach_alpha([[1, 1], [2, 2], [3, 3]]) == pytest.approx(1.0)


def test_alpha_needs_two_rows_two_items_and_some_spread():
    for rows in ([[1, 2]], [[1], [2]], [[1, 2], [2, 1]]):
        with pytest.raises(ValueError):
            cronbach_alpha(rows)


def test_calibration_gives_sd_alpha_and_the_threshold_they_imply():
    # First totals 10, 14, 18, 22: mean 16, squared deviations 36 + 4 + 4 + 36 = 80,
    # SD = sqrt(80 / 3) = 5.1640; with alpha 0.75, threshold = 1.96 * sqrt(2) * 5.1640 * 0.5
    # = 7.157.
    result = calibrate([10, 14, None, 18, 22], TWO_ITEM_ROWS)

    assert result.sd == pytest.approx(math.sqrt(80 / 3))
    assert result.reliability == pytest.approx(0.75)
    assert result.threshold == pytest.approx(7.157, abs=1e-3)
    assert (result.people, result.rows) == (4, 4)


def test_calibration_refuses_data_that_cannot_support_it():
    with pytest.raises(ValueError):
        calibrate([12], TWO_ITEM_ROWS)
    with pytest.raises(ValueError, match="alpha"):
        calibrate([10, 20], [[1, 3], [3, 1], [2, 2], [1, 2]])

"""Figures checked trace by trace: what is drawn, where, in which colour, and what an empty
chart says.

The couple is Mara (partner 11, blue) and Noor (partner 12, orange) of "Harbour Lights".
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from trustcare.charts import (
    OKABE_ITO,
    caseload_figure,
    gap_figure,
    practice_figure,
    progress_figure,
    subscale_figure,
)

MARA, NOOR = 11, 12
BLUE, ORANGE = "#0072B2", "#D55E00"
NAN = math.nan

SUBSCALES = [
    ("honesty", "Honesty and openness"),
    ("reliability", "Reliability and consistency"),
    ("emotional-safety", "Emotional safety and vulnerability"),
    ("security", "Security (freedom from jealousy and insecurity)"),
]


def frame(rows: list[tuple]) -> pd.DataFrame:
    """Check-ins from (partner_id, name, "2025-03-03 09:00", session, total, overall, practice)."""
    data = pd.DataFrame(
        rows,
        columns=[
            "partner_id",
            "partner",
            "submitted_at",
            "session_number",
            "total",
            "overall",
            "practice",
        ],
    )
    data["submitted_at"] = pd.to_datetime(data["submitted_at"], utc=True)
    return data


# Four weekly sessions. Noor's third check-in skipped too many questions to score a total.
HARBOUR_LIGHTS = frame(
    [
        (MARA, "Mara", "2025-03-03 09:00", 1, 24.0, 7.0, NAN),
        (NOOR, "Noor", "2025-03-03 20:00", 1, 18.0, 5.0, NAN),
        (MARA, "Mara", "2025-03-10 09:00", 2, 22.0, 6.0, 1.0),
        (NOOR, "Noor", "2025-03-10 20:00", 2, 14.0, 4.0, 0.0),
        (MARA, "Mara", "2025-03-17 09:00", 3, 25.0, 7.0, 2.0),
        (NOOR, "Noor", "2025-03-17 20:00", 3, NAN, 4.0, 3.0),
        (MARA, "Mara", "2025-03-24 09:00", 4, 26.0, 8.0, 3.0),
        (NOOR, "Noor", "2025-03-24 20:00", 4, 11.0, 3.0, NAN),
    ]
)

NO_CHECKINS = frame([])


def traces(fig: go.Figure, name_part: str = "") -> list:
    return [t for t in fig.data if name_part in (t.name or "")]


def annotation_texts(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def assert_empty(fig: go.Figure, text: str) -> None:
    assert len(fig.data) == 0
    assert annotation_texts(fig) == [text]
    assert fig.layout.xaxis.visible is False


def as_timestamps(values) -> list[pd.Timestamp]:
    return [pd.Timestamp(v) for v in values]


# --- progress -----------------------------------------------------------------------------------


def test_progress_draws_one_line_per_partner_named_by_display_name_over_sessions():
    fig = progress_figure(HARBOUR_LIGHTS)

    mara, noor = fig.data
    assert (mara.name, noor.name) == ("Mara", "Noor")
    assert mara.mode == noor.mode == "lines+markers"
    assert list(mara.x) == [1, 2, 3, 4]
    assert list(mara.y) == [24, 22, 25, 26]
    # Noor's unscored third check-in leaves no point rather than a zero.
    assert list(noor.x) == [1, 2, 4]
    assert list(noor.y) == [18, 14, 11]


def test_progress_by_session_keeps_each_partners_latest_check_in_before_the_next_session():
    weekly = frame(
        [
            (MARA, "Mara", "2025-03-03 09:00", 1, 20.0, 6.0, 1.0),
            (MARA, "Mara", "2025-03-10 09:00", 1, 23.0, 7.0, 1.0),
            (MARA, "Mara", "2025-03-17 09:00", 2, 25.0, 8.0, 2.0),
        ]
    )
    by_session = progress_figure(weekly, x="session").data[0]
    by_date = progress_figure(weekly, x="date").data[0]
    assert list(by_session.x) == [1, 2] and list(by_session.y) == [23, 25]
    assert list(by_date.y) == [20, 23, 25]


def test_progress_gives_partner_one_blue_and_partner_two_orange_with_different_markers():
    mara, noor = progress_figure(HARBOUR_LIGHTS).data

    assert (mara.line.color, noor.line.color) == (BLUE, ORANGE)
    assert mara.marker.symbol != noor.marker.symbol


def test_progress_axes_say_what_is_shown_and_fix_the_total_range_at_0_to_32():
    fig = progress_figure(HARBOUR_LIGHTS)

    assert fig.layout.xaxis.title.text == "Session number"
    assert fig.layout.yaxis.title.text == "Trust-pulse total (0–32, higher = more trust)"
    assert tuple(fig.layout.yaxis.range) == (0, 32)
    assert fig.layout.xaxis.dtick == 1


def test_progress_of_overall_trust_plots_the_0_to_10_rating():
    fig = progress_figure(HARBOUR_LIGHTS, measure="overall")

    mara, noor = fig.data
    assert list(noor.y) == [5, 4, 4, 3]  # overall was answered even when the total was not
    assert tuple(fig.layout.yaxis.range) == (0, 10)
    assert fig.layout.yaxis.title.text == "Overall trust (0–10, higher = more trust)"


def test_progress_by_date_puts_each_check_in_at_its_utc_time():
    fig = progress_figure(HARBOUR_LIGHTS, x="date")

    mara = fig.data[0]
    assert as_timestamps(mara.x) == as_timestamps(
        ["2025-03-03 09:00", "2025-03-10 09:00", "2025-03-17 09:00", "2025-03-24 09:00"]
    )
    assert fig.layout.xaxis.title.text == "Date of check-in"


def test_progress_accepts_a_custom_y_range():
    fig = progress_figure(HARBOUR_LIGHTS, y_range=(0, 40))

    assert tuple(fig.layout.yaxis.range) == (0, 40)


def test_reliable_change_band_spans_each_partners_first_score_plus_or_minus_the_threshold():
    # Threshold 6.2 (sd 5, reliability .8). Mara starts at 24: band 17.8 to 30.2.
    # Noor starts at 18: band 11.8 to 24.2. Both run from session 1 to the last session, 4.
    fig = progress_figure(HARBOUR_LIGHTS, rc_threshold=6.2)

    mara_band, noor_band = traces(fig, "band")
    assert mara_band.name == "Mara: reliable-change band"
    assert noor_band.name == "Noor: reliable-change band"
    assert list(mara_band.x) == [1, 4, 4, 1, 1]
    assert list(mara_band.y) == pytest.approx([17.8, 17.8, 30.2, 30.2, 17.8])
    assert list(noor_band.y) == pytest.approx([11.8, 11.8, 24.2, 24.2, 11.8])
    assert mara_band.fill == "toself"
    assert mara_band.fillcolor == "rgba(0, 114, 178, 0.15)"
    assert noor_band.fillcolor == "rgba(213, 94, 0, 0.15)"
    assert mara_band.legendgroup == fig.data[2].legendgroup  # toggles with Mara's line
    assert [t.name for t in fig.data] == [
        "Mara: reliable-change band",
        "Noor: reliable-change band",
        "Mara",
        "Noor",
    ]


def test_reliable_change_band_is_clipped_to_the_scale():
    # Jonah starts at 30: 30 + 6.2 = 36.2 would leave the 0-32 scale, so the band stops at 32.
    jonah = frame(
        [
            (21, "Jonah", "2025-03-03 09:00", 1, 30.0, 9.0, 2.0),
            (21, "Jonah", "2025-03-10 09:00", 2, 29.0, 9.0, 2.0),
        ]
    )

    [band] = traces(progress_figure(jonah, rc_threshold=6.2), "band")

    assert list(band.y) == pytest.approx([23.8, 23.8, 32, 32, 23.8])


def test_reliable_change_band_after_a_single_check_in_still_has_width():
    # One point at session 1: the band is padded half a session each side.
    first = HARBOUR_LIGHTS[HARBOUR_LIGHTS["session_number"] == 1]

    mara_band, _ = traces(progress_figure(first, rc_threshold=6.2), "band")

    assert list(mara_band.x) == [0.5, 1.5, 1.5, 0.5, 0.5]


def test_reliable_change_band_by_date_runs_from_the_first_check_in_to_the_last():
    fig = progress_figure(HARBOUR_LIGHTS, x="date", rc_threshold=6.2)

    _, noor_band = traces(fig, "band")
    first, last = pd.Timestamp("2025-03-03 20:00"), pd.Timestamp("2025-03-24 20:00")
    assert as_timestamps(noor_band.x) == [first, last, last, first, first]


def test_no_band_without_a_threshold():
    assert traces(progress_figure(HARBOUR_LIGHTS), "band") == []


EVENTS = pd.DataFrame(
    {
        "at": pd.to_datetime(["2025-03-03 10:00", "2025-03-24 10:00"], utc=True),
        "session_number": [1, 4],
        "label": ["Listening without defending", "Naming the hurt"],
        "kind": ["assigned", "completed"],
    }
)


def test_events_are_dashed_vertical_lines_labelled_with_what_happened():
    fig = progress_figure(HARBOUR_LIGHTS, events=EVENTS)

    lines = fig.layout.shapes
    assert [(s.x0, s.x1, s.yref, s.y0, s.y1) for s in lines] == [
        (1, 1, "paper", 0, 1),
        (4, 4, "paper", 0, 1),
    ]
    assert {s.line.dash for s in lines} == {"dash"}
    assert annotation_texts(fig) == [
        "Assigned: Listening without defending",
        "Completed: Naming the hurt",
    ]
    assert [a.hovertext for a in fig.layout.annotations] == [
        "Assigned: Listening without defending",
        "Completed: Naming the hurt",
    ]
    assert [a.x for a in fig.layout.annotations] == [1, 4]


def test_event_labels_take_turns_over_three_rows_so_neighbours_do_not_overlap():
    """Five modules assigned a session apart: each row's labels are three sessions apart."""
    many = pd.DataFrame(
        {
            "at": pd.to_datetime([f"2025-03-0{day} 10:00" for day in range(1, 6)], utc=True),
            "session_number": [1, 2, 3, 4, 5],
            "label": ["Open and honest communication between the two of you"] * 5,
            "kind": ["assigned"] * 5,
        }
    )
    fig = progress_figure(HARBOUR_LIGHTS, events=many)

    rows = [round(a.y, 2) for a in fig.layout.annotations]
    assert rows == [1.02, 1.09, 1.16, 1.02, 1.09]
    # Labels open towards the middle, so none stretches the axis past the data.
    assert [a.xanchor for a in fig.layout.annotations] == ["left"] * 3 + ["right"] * 2
    assert annotation_texts(fig)[0] == "Assigned: Open and honest…"  # cut at a word
    assert all(len(text) <= 40 for text in annotation_texts(fig))
    assert {a.hovertext for a in fig.layout.annotations} == {
        "Assigned: Open and honest communication between the two of you"
    }
    assert fig.layout.margin.t == 120


def test_events_by_date_sit_at_their_utc_time():
    fig = progress_figure(HARBOUR_LIGHTS, x="date", events=EVENTS)

    assert [pd.Timestamp(s.x0) for s in fig.layout.shapes] == as_timestamps(
        ["2025-03-03 10:00", "2025-03-24 10:00"]
    )


def test_progress_shows_why_it_is_empty_before_any_check_in():
    assert_empty(
        progress_figure(NO_CHECKINS, rc_threshold=6.2, events=EVENTS),
        "No check-ins yet:<br>each partner's scores appear here after their first check-in",
    )


def test_progress_shows_why_it_is_empty_when_no_check_in_could_be_scored():
    unscored = HARBOUR_LIGHTS.assign(total=NAN)

    assert_empty(
        progress_figure(unscored),
        "No scores yet:<br>the check-ins so far had too many skipped questions to be scored",
    )


def test_partner_two_stays_orange_when_partner_one_has_not_checked_in():
    only_noor = HARBOUR_LIGHTS[HARBOUR_LIGHTS["partner_id"] == NOOR]

    [noor] = progress_figure(only_noor, partner_order=(MARA, NOOR)).data

    assert noor.line.color == ORANGE


def test_names_are_shown_as_text_never_as_markup():
    tricky = HARBOUR_LIGHTS.assign(
        partner=HARBOUR_LIGHTS["partner"].replace("Noor", '<a href="https://x.test">Noor</a>')
    )
    events = EVENTS.assign(label=["<b>Loud</b> & clear", "ok"])

    fig = progress_figure(tricky, events=events)

    assert fig.data[1].name == '&lt;a href="https://x.test"&gt;Noor&lt;/a&gt;'
    assert annotation_texts(fig)[0] == "Assigned: &lt;b&gt;Loud&lt;/b&gt; &amp; clear"


def test_progress_refuses_an_unknown_axis_or_measure():
    with pytest.raises(ValueError, match="x must be"):
        progress_figure(HARBOUR_LIGHTS, x="week")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="measure must be"):
        progress_figure(HARBOUR_LIGHTS, measure="practice")  # type: ignore[arg-type]


def test_fonts_are_large_enough_for_a_shared_screen():
    for fig in (
        progress_figure(HARBOUR_LIGHTS),
        progress_figure(NO_CHECKINS),
        gap_figure(HARBOUR_LIGHTS),
        practice_figure(HARBOUR_LIGHTS),
    ):
        assert fig.layout.font.size >= 16
        assert fig.layout.legend.font.size is None or fig.layout.legend.font.size >= 16


# --- subscales -----------------------------------------------------------------------------------


def with_subscales(checkins: pd.DataFrame) -> pd.DataFrame:
    """Subscale scores: Mara 3.0/2.5/3.5/2.0 each time, Noor 1.5/2.0/NaN/1.0."""
    mara = checkins["partner_id"] == MARA
    return checkins.assign(
        **{
            "sub_honesty": mara.map({True: 3.0, False: 1.5}),
            "sub_reliability": mara.map({True: 2.5, False: 2.0}),
            "sub_emotional-safety": mara.map({True: 3.5, False: NAN}),
            "sub_security": mara.map({True: 2.0, False: 1.0}),
        }
    )


def test_subscales_are_small_multiples_with_both_partners_in_each_panel():
    fig = subscale_figure(with_subscales(HARBOUR_LIGHTS), SUBSCALES)

    # Titles longer than 32 characters wrap so they never run over the neighbouring panel.
    assert annotation_texts(fig) == [
        "Honesty and openness",
        "Reliability and consistency",
        "Emotional safety and<br>vulnerability",
        "Security (freedom from jealousy<br>and insecurity)",
    ]
    # Four panels x two partners, less Noor in emotional safety, where she has no scores.
    assert [(t.name, t.xaxis, t.yaxis) for t in fig.data] == [
        ("Mara", "x", "y"),
        ("Noor", "x", "y"),
        ("Mara", "x2", "y2"),
        ("Noor", "x2", "y2"),
        ("Mara", "x3", "y3"),
        ("Mara", "x4", "y4"),
        ("Noor", "x4", "y4"),
    ]
    honesty_mara, honesty_noor = fig.data[:2]
    assert list(honesty_mara.x) == [1, 2, 3, 4]
    assert list(honesty_mara.y) == [3.0, 3.0, 3.0, 3.0]
    assert list(honesty_noor.y) == [1.5, 1.5, 1.5, 1.5]
    assert [t.line.color for t in fig.data[:2]] == [BLUE, ORANGE]


def test_subscale_legend_lists_each_partner_once():
    fig = subscale_figure(with_subscales(HARBOUR_LIGHTS), SUBSCALES)

    assert [t.name for t in fig.data if t.showlegend] == ["Mara", "Noor"]
    assert {t.legendgroup for t in fig.data if t.name == "Mara"} == {str(MARA)}


def test_every_subscale_panel_shares_the_0_to_4_scale_and_says_so():
    fig = subscale_figure(with_subscales(HARBOUR_LIGHTS), SUBSCALES)

    for axis in ("yaxis", "yaxis2", "yaxis3", "yaxis4"):
        assert tuple(fig.layout[axis].range) == (0, 4)
    assert fig.layout.yaxis.title.text == "Score (0–4)"  # left column only
    assert fig.layout.yaxis3.title.text == "Score (0–4)"
    assert fig.layout.yaxis2.title.text is None
    assert fig.layout.xaxis3.title.text == "Session number"  # bottom row only
    assert fig.layout.xaxis4.title.text == "Session number"
    assert fig.layout.xaxis.title.text is None


def test_subscales_show_why_they_are_empty():
    text = "No subscale scores yet:<br>each partner's scores appear here after their first check-in"

    assert_empty(subscale_figure(NO_CHECKINS, SUBSCALES), text)
    all_missing = with_subscales(HARBOUR_LIGHTS).assign(
        **{f"sub_{sid}": NAN for sid, _ in SUBSCALES}
    )
    assert_empty(subscale_figure(all_missing, SUBSCALES), text)


def test_subscales_name_a_missing_column():
    with pytest.raises(ValueError, match="sub_security"):
        subscale_figure(with_subscales(HARBOUR_LIGHTS).drop(columns="sub_security"), SUBSCALES)


# --- gap between partners ------------------------------------------------------------------------


def test_gap_pairs_the_partners_totals_by_session_and_skips_unscored_rounds():
    # Session 1: |24 - 18| = 6; session 2: |22 - 14| = 8; session 3: Noor unscored;
    # session 4: |26 - 11| = 15.
    fig = gap_figure(HARBOUR_LIGHTS)

    [gap] = fig.data
    assert list(gap.x) == [1, 2, 4]
    assert list(gap.y) == [6, 8, 15]
    assert [list(pair) for pair in gap.customdata] == [[24, 18], [22, 14], [26, 11]]
    assert fig.layout.xaxis.title.text == "Session number"
    assert fig.layout.yaxis.title.text == "Gap between partners' totals (points)"
    assert tuple(fig.layout.yaxis.range) == (0, 32)


def test_gap_marks_the_divergence_threshold_with_a_dashed_line():
    fig = gap_figure(HARBOUR_LIGHTS, threshold=8)

    [line] = fig.layout.shapes
    assert (line.y0, line.y1, line.xref, line.x0, line.x1) == (8, 8, "paper", 0, 1)
    assert line.line.dash == "dash"
    assert annotation_texts(fig) == ["Divergence threshold: 8 points"]


def test_gap_by_date_pairs_each_partners_latest_check_in_in_the_same_iso_week():
    # W10: Mara Mon 3 Mar (24), Noor Sun 9 Mar late (18): gap 6.
    # W11: Mara 20 on Mon 10 Mar then 23 on Fri 14 Mar (her latest), Noor 14: gap 9.
    # W12: only Mara: no round.
    checkins = frame(
        [
            (MARA, "Mara", "2025-03-03 09:00", 1, 24.0, 7.0, 1.0),
            (NOOR, "Noor", "2025-03-09 23:30", 1, 18.0, 5.0, 1.0),
            (MARA, "Mara", "2025-03-10 09:00", 2, 20.0, 6.0, 1.0),
            (NOOR, "Noor", "2025-03-12 20:00", 2, 14.0, 4.0, 1.0),
            (MARA, "Mara", "2025-03-14 18:00", 2, 23.0, 7.0, 1.0),
            (MARA, "Mara", "2025-03-17 09:00", 3, 25.0, 7.0, 1.0),
        ]
    )

    fig = gap_figure(checkins, x="date")

    [gap] = fig.data
    assert as_timestamps(gap.x) == as_timestamps(["2025-03-03", "2025-03-10"])
    assert list(gap.y) == [6, 9]
    assert fig.layout.xaxis.title.text == "Week of check-in (starting Monday)"


def test_gap_shows_why_it_is_empty_until_both_partners_share_a_round():
    only_mara = HARBOUR_LIGHTS[HARBOUR_LIGHTS["partner_id"] == MARA]

    assert_empty(
        gap_figure(only_mara),
        "No shared sessions yet:<br>the gap appears once both partners have checked in "
        "for the same session",
    )
    assert_empty(
        gap_figure(NO_CHECKINS, x="date"),
        "No shared weeks yet:<br>the gap appears once both partners have checked in "
        "in the same week",
    )


def test_gap_refuses_check_ins_from_more_than_one_couple():
    stranger = frame([(99, "Ines", "2025-03-03 09:00", 1, 20.0, 5.0, 1.0)])

    with pytest.raises(ValueError, match="one couple"):
        gap_figure(pd.concat([HARBOUR_LIGHTS, stranger]))


# --- practice -------------------------------------------------------------------------------------


def test_practice_plots_homework_done_against_the_total_for_each_partner():
    fig = practice_figure(HARBOUR_LIGHTS)

    mara, noor = fig.data
    assert (mara.name, noor.name) == ("Mara", "Noor")
    assert mara.mode == "markers"
    # Mara: practice 1, 2, 3 with totals 22, 25, 26 (her first check-in reported no practice).
    assert list(mara.x) == [1, 2, 3]
    assert list(mara.y) == [22, 25, 26]
    # Noor: only session 2 has both practice (0) and a total (14).
    assert list(noor.x) == [0]
    assert list(noor.y) == [14]
    assert (mara.marker.color, noor.marker.color) == (BLUE, ORANGE)
    assert fig.layout.xaxis.title.text == (
        "Practice since last check-in (0 = not at all, 3 = every day)"
    )
    assert fig.layout.yaxis.title.text == "Trust-pulse total (0–32, higher = more trust)"
    assert list(fig.layout.xaxis.tickvals) == [0, 1, 2, 3]


def test_practice_shows_why_it_is_empty():
    assert_empty(
        practice_figure(HARBOUR_LIGHTS.assign(practice=NAN)),
        "No practice reported yet:<br>each check-in's answer about practice appears here "
        "with its total",
    )


# --- caseload -------------------------------------------------------------------------------------

CASELOAD = pd.DataFrame(
    {
        "couple_id": [1, 2, 3, 4, 5],
        "couple": ["Harbour Lights", "Cedar & Pine", "Juniper Row", "Willow Creek", "New Leaf"],
        "current": [14.5, 20.0, 25.0, 22.0, NAN],
        "change": [-6.0, 2.0, 5.5, 0.0, NAN],
        "alert": ["urgent", "attention", "none", "none", "none"],
    }
)


def test_caseload_places_each_couple_by_current_total_and_change_coloured_by_alert():
    fig = caseload_figure(CASELOAD)

    urgent, attention, calm = fig.data
    assert [t.name for t in fig.data] == ["Urgent alert", "Needs attention", "No alerts"]
    assert [t.marker.color for t in fig.data] == ["#D55E00", "#E69F00", "#0072B2"]
    assert {t.mode for t in fig.data} == {"markers+text"}
    assert (list(urgent.x), list(urgent.y)) == ([14.5], [-6.0])
    # New Leaf has no check-ins yet and cannot be placed.
    assert list(calm.text) == ["Juniper Row", "Willow Creek"]
    assert (list(calm.x), list(calm.y)) == ([25.0, 22.0], [5.5, 0.0])
    assert list(attention.text) == ["Cedar &amp; Pine"]
    assert attention.customdata.tolist() == [[2]]
    assert "%{text}" in urgent.hovertemplate and "%{y:+.1f}" in urgent.hovertemplate


def test_caseload_draws_a_zero_line_and_says_what_each_axis_shows():
    fig = caseload_figure(CASELOAD)

    [zero] = fig.layout.shapes
    assert (zero.y0, zero.y1, zero.xref, zero.x0, zero.x1) == (0, 0, "paper", 0, 1)
    assert fig.layout.xaxis.title.text == "Current trust-pulse total (mean of both partners, 0–32)"
    assert fig.layout.yaxis.title.text == "Change since the first check-in (points)"
    assert tuple(fig.layout.xaxis.range) == (0, 32)
    # Largest change is 6 points: ceil(6) + 2 = 8, which is also the minimum reach.
    assert tuple(fig.layout.yaxis.range) == (-8, 8)


def test_caseload_widens_the_change_axis_for_a_large_fall():
    # A fall of 12.5: ceil(12.5) + 2 = 15 either side.
    fig = caseload_figure(CASELOAD.assign(change=[-12.5, 2.0, 5.5, 0.0, NAN]))

    assert tuple(fig.layout.yaxis.range) == (-15, 15)


def test_caseload_only_draws_alert_levels_that_occur():
    calm = CASELOAD.assign(alert="none")

    assert [t.name for t in caseload_figure(calm).data] == ["No alerts"]


def test_caseload_shows_why_it_is_empty():
    text = (
        "No check-ins in the caseload yet:<br>each couple appears here after their first check-ins"
    )

    assert_empty(caseload_figure(CASELOAD.iloc[0:0]), text)
    assert_empty(caseload_figure(CASELOAD.iloc[4:5]), text)


def test_caseload_refuses_an_unknown_alert_level():
    with pytest.raises(ValueError, match="panic"):
        caseload_figure(CASELOAD.assign(alert="panic"))


# --- palette --------------------------------------------------------------------------------------


def test_every_colour_drawn_comes_from_the_okabe_ito_palette():
    figures = [
        progress_figure(HARBOUR_LIGHTS, rc_threshold=6.2, events=EVENTS),
        subscale_figure(with_subscales(HARBOUR_LIGHTS), SUBSCALES),
        gap_figure(HARBOUR_LIGHTS, threshold=8),
        practice_figure(HARBOUR_LIGHTS),
        caseload_figure(CASELOAD),
    ]
    used = set()
    for fig in figures:
        for trace in fig.data:
            used.add(trace.marker.color if trace.mode != "lines" else trace.line.color)
        used |= {s.line.color for s in fig.layout.shapes if s.x0 == s.x1}  # event lines

    assert used <= set(OKABE_ITO)


def test_figures_are_drawn_on_the_plain_white_template():
    import json

    drawn = json.loads(progress_figure(HARBOUR_LIGHTS).to_json())
    empty = json.loads(progress_figure(NO_CHECKINS).to_json())
    for figure in (drawn, empty):
        assert figure["layout"]["template"]["layout"]["plot_bgcolor"] == "white"


def test_every_figure_passes_plotly_validation():
    """The figures skip plotly's validation when built (it is slow); here it runs on each kind,
    so a misspelt property or a bad value still fails."""
    figures = [
        progress_figure(HARBOUR_LIGHTS, rc_threshold=6.2, events=EVENTS),
        progress_figure(HARBOUR_LIGHTS, x="date", measure="overall", events=EVENTS),
        progress_figure(NO_CHECKINS),
        subscale_figure(with_subscales(HARBOUR_LIGHTS), SUBSCALES),
        subscale_figure(with_subscales(HARBOUR_LIGHTS), SUBSCALES[:3], x="date"),
        gap_figure(HARBOUR_LIGHTS, threshold=8),
        gap_figure(HARBOUR_LIGHTS, x="date"),
        practice_figure(HARBOUR_LIGHTS),
        caseload_figure(CASELOAD),
    ]
    for fig in figures:
        go.Figure(fig.to_dict())  # raises ValueError on anything plotly would refuse


def test_plotly_validation_catches_a_bad_property():
    """The check above can fail: a property plotly does not know is refused."""
    bad = progress_figure(HARBOUR_LIGHTS).to_dict()
    bad["layout"]["xaxis"]["tickmod"] = "linear"
    with pytest.raises(ValueError, match="tickmod"):
        go.Figure(bad)

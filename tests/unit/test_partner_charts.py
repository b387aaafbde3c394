"""A partner's own progress on their phone, and the couple's session feedback for the counselor,
checked trace by trace.

The couple is Sam (partner 21, blue) and Ines (partner 22, orange) of "Juniper Street".
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from trustcare.charts import OKABE_ITO, my_progress_figure, session_feedback_figure

SAM, INES = 21, 22
BLUE, ORANGE, GREEN = "#0072B2", "#D55E00", "#009E73"
NAN = math.nan
NAMES = {SAM: "Sam", INES: "Ines"}

# The words a Spanish-speaking partner's page would pass in.
SPANISH = {
    "total_title": "Pulso de confianza (0–32)",
    "overall_title": "Confianza en general (0–10)",
    "x_title": "Fecha",
    "empty_message": "Aún no hay respuestas: tus puntajes aparecen aquí después de la primera",
}


def checkins(rows: list[tuple]) -> pd.DataFrame:
    """One partner's check-ins from ("2025-05-05 09:00", total, overall)."""
    data = pd.DataFrame(rows, columns=["submitted_at", "total", "overall"])
    data["submitted_at"] = pd.to_datetime(data["submitted_at"], utc=True)
    return data


# Ines's check-ins, given out of order; the third skipped too many questions to be scored.
INES_CHECKINS = checkins(
    [
        ("2025-05-19 08:30", 19.0, 5.0),
        ("2025-05-05 08:30", 14.0, 4.0),
        ("2025-05-26 08:30", NAN, 6.0),
        ("2025-05-12 08:30", 17.0, NAN),
    ]
)


def feedback(rows: list[tuple]) -> pd.DataFrame:
    """Session feedback from (partner_id, session_number, total)."""
    return pd.DataFrame(rows, columns=["partner_id", "session_number", "total"])


JUNIPER_STREET = feedback(
    [
        (SAM, 1, 36.0),
        (INES, 1, 31.0),
        (SAM, 2, 38.0),
        (INES, 2, 24.0),
        (SAM, 3, 35.0),
        (INES, 3, NAN),
        (SAM, 4, 37.0),
        (INES, 4, 27.0),
    ]
)


def annotation_texts(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def assert_empty(fig: go.Figure, text: str) -> None:
    assert len(fig.data) == 0
    assert annotation_texts(fig) == [text]
    assert fig.layout.xaxis.visible is False


# --- a partner's own progress ---------------------------------------------------------------------


def test_my_progress_stacks_the_total_above_the_overall_rating_on_one_date_axis():
    fig = my_progress_figure(INES_CHECKINS, **SPANISH)

    total, overall = fig.data
    assert (total.xaxis, total.yaxis) == ("x", "y")
    assert (overall.xaxis, overall.yaxis) == ("x2", "y2")
    assert fig.layout.yaxis.domain[0] > fig.layout.yaxis2.domain[1]  # total on top
    assert fig.layout.xaxis.matches == "x2"
    assert fig.layout.xaxis.showticklabels is False
    assert fig.layout.xaxis2.title.text == "Fecha"


def test_my_progress_puts_the_check_ins_in_time_order_and_skips_what_was_not_scored():
    total, overall = my_progress_figure(INES_CHECKINS, **SPANISH).data

    assert [pd.Timestamp(x).day for x in total.x] == [5, 12, 19]
    assert list(total.y) == [14, 17, 19]
    # The unscored total leaves a gap in its own panel only; the unanswered rating in its own.
    assert [pd.Timestamp(x).day for x in overall.x] == [5, 19, 26]
    assert list(overall.y) == [4, 5, 6]


def test_my_progress_fixes_the_total_at_0_to_32_and_the_rating_at_0_to_10():
    fig = my_progress_figure(INES_CHECKINS, **SPANISH)

    assert list(fig.layout.yaxis.range) == [0, 32]
    assert list(fig.layout.yaxis2.range) == [0, 10]


def test_my_progress_titles_each_panel_in_the_words_the_page_passes_in():
    fig = my_progress_figure(INES_CHECKINS, **SPANISH)

    assert annotation_texts(fig) == ["Pulso de confianza (0–32)", "Confianza en general (0–10)"]
    assert "Trust" not in fig.to_json()


def test_my_progress_is_large_enough_to_read_on_a_phone():
    fig = my_progress_figure(INES_CHECKINS, **SPANISH)

    assert fig.layout.font.size >= 18
    assert all(a.font.size >= 18 for a in fig.layout.annotations)
    assert all(trace.marker.size >= 14 for trace in fig.data)
    assert all(trace.line.width >= 3 for trace in fig.data)
    assert fig.layout.showlegend is False  # the panel titles say what each line is


def test_my_progress_shows_only_this_partners_own_colours():
    total, overall = my_progress_figure(INES_CHECKINS, **SPANISH).data

    assert (total.line.color, overall.line.color) == (BLUE, GREEN)
    assert total.marker.symbol != overall.marker.symbol


def test_my_progress_shows_the_given_message_before_any_check_in():
    assert_empty(
        my_progress_figure(checkins([]), **SPANISH),
        "Aún no hay respuestas:<br>tus puntajes aparecen aquí después de la primera",
    )


def test_my_progress_shows_the_given_message_when_nothing_could_be_scored():
    unscored = INES_CHECKINS.assign(total=NAN, overall=NAN)

    assert_empty(
        my_progress_figure(unscored, **SPANISH),
        "Aún no hay respuestas:<br>tus puntajes aparecen aquí después de la primera",
    )


def test_my_progress_has_english_words_when_the_page_passes_none():
    fig = my_progress_figure(INES_CHECKINS)

    assert annotation_texts(fig)[0].startswith("Trust-pulse total")
    assert fig.layout.xaxis2.title.text == "Date of check-in"
    assert annotation_texts(my_progress_figure(checkins([])))[0].startswith("No check-ins yet")


def test_my_progress_shows_a_title_as_text_never_as_markup():
    fig = my_progress_figure(INES_CHECKINS, total_title="<b>Me</b>&us")

    assert annotation_texts(fig)[0] == "&lt;b&gt;Me&lt;/b&gt;&amp;us"


# --- session feedback -----------------------------------------------------------------------------


def test_session_feedback_draws_one_line_per_partner_over_session_numbers():
    sam, ines = session_feedback_figure(JUNIPER_STREET, NAMES, cutoff=30).data

    assert (sam.name, ines.name) == ("Sam", "Ines")
    assert sam.mode == ines.mode == "lines+markers"
    assert list(sam.x) == [1, 2, 3, 4] and list(sam.y) == [36, 38, 35, 37]
    # Ines's unscored session 3 leaves no point rather than a zero.
    assert list(ines.x) == [1, 2, 4] and list(ines.y) == [31, 24, 27]


def test_session_feedback_gives_sam_blue_circles_and_ines_orange_diamonds():
    sam, ines = session_feedback_figure(JUNIPER_STREET, NAMES, cutoff=30).data

    assert (sam.line.color, sam.marker.symbol) == (BLUE, "circle")
    assert (ines.line.color, ines.marker.symbol) == (ORANGE, "diamond")


def test_ines_stays_orange_when_sam_has_sent_no_feedback():
    only_ines = JUNIPER_STREET[JUNIPER_STREET["partner_id"] == INES]

    [ines] = session_feedback_figure(only_ines, NAMES, cutoff=30).data

    assert (ines.name, ines.line.color) == ("Ines", ORANGE)


def test_session_feedback_fixes_0_to_40_and_counts_whole_sessions():
    fig = session_feedback_figure(JUNIPER_STREET, NAMES, cutoff=30)

    assert list(fig.layout.yaxis.range) == [0, 40]
    assert (fig.layout.xaxis.tickmode, fig.layout.xaxis.dtick) == ("linear", 1)
    assert fig.layout.xaxis.title.text == "Session number"
    assert fig.layout.yaxis.title.text.startswith("Session feedback (0–40")


def test_the_cut_off_is_a_dashed_line_labelled_cut_off():
    fig = session_feedback_figure(JUNIPER_STREET, NAMES, cutoff=30)

    [line] = fig.layout.shapes
    assert (line.y0, line.y1, line.line.dash) == (30, 30, "dash")
    assert (line.xref, line.x0, line.x1) == ("paper", 0, 1)
    assert annotation_texts(fig) == ["Cut-off: 30"]


def test_without_a_cut_off_no_line_is_drawn():
    fig = session_feedback_figure(JUNIPER_STREET, NAMES, cutoff=None)

    assert fig.layout.shapes == ()
    assert fig.layout.annotations == ()


def test_a_session_answered_twice_shows_the_later_answer():
    twice = feedback([(SAM, 2, 22.0), (SAM, 2, 34.0)]).assign(
        submitted_at=pd.to_datetime(["2025-05-12 21:00", "2025-05-12 19:00"], utc=True)
    )

    [sam] = session_feedback_figure(twice, NAMES, cutoff=30).data

    assert list(sam.y) == [22]  # sent at 21:00, after the 19:00 answer


def test_session_feedback_names_an_unnamed_partner_by_position():
    [_, ines] = session_feedback_figure(JUNIPER_STREET, {SAM: "Sam", INES: " "}, 30).data

    assert ines.name == "Partner 2"


def test_session_feedback_shows_names_as_text_never_as_markup():
    names = {SAM: "Sam", INES: "<i>Ines</i>"}

    ines = session_feedback_figure(JUNIPER_STREET, names, cutoff=30).data[1]

    assert ines.name == "&lt;i&gt;Ines&lt;/i&gt;"


def test_session_feedback_shows_why_it_is_empty_before_any_feedback():
    assert_empty(
        session_feedback_figure(feedback([]), NAMES, cutoff=30),
        "No session feedback yet:<br>each partner's answers appear here after a session",
    )


def test_session_feedback_shows_why_it_is_empty_when_nothing_could_be_scored():
    assert_empty(
        session_feedback_figure(JUNIPER_STREET.assign(total=NAN), NAMES, cutoff=30),
        "No feedback scores yet:<br>the answers so far had too many skipped questions to be scored",
    )


# --- both -----------------------------------------------------------------------------------------


FIGURES = {
    "my progress": lambda: my_progress_figure(INES_CHECKINS, **SPANISH),
    "my progress, empty": lambda: my_progress_figure(checkins([])),
    "session feedback": lambda: session_feedback_figure(JUNIPER_STREET, NAMES, cutoff=30),
    "session feedback, no cut-off": lambda: session_feedback_figure(JUNIPER_STREET, NAMES, None),
    "session feedback, empty": lambda: session_feedback_figure(feedback([]), NAMES, 30),
}


@pytest.mark.parametrize("build", FIGURES.values(), ids=FIGURES.keys())
def test_each_figure_passes_plotly_validation(build):
    go.Figure(build().to_dict())  # raises ValueError on anything plotly would refuse


@pytest.mark.parametrize("build", FIGURES.values(), ids=FIGURES.keys())
def test_each_figure_draws_only_okabe_ito_colours_in_large_type(build):
    fig = build()

    assert {trace.line.color for trace in fig.data} <= set(OKABE_ITO)
    assert {trace.marker.color for trace in fig.data} <= set(OKABE_ITO)
    assert fig.layout.font.size >= 18

"""Plotly figures for progress, gaps, practice and the caseload, built from plain data frames.

No Streamlit and no database here, so every figure can be checked trace by trace in unit tests.
The figures are shown on a shared screen in the session room: fonts are large, the palette is
Okabe-Ito (safe for the common kinds of colour blindness), each partner also has their own
marker shape, and an empty figure says why it is empty instead of showing bare axes.

Names and labels come from people, so they are HTML-escaped before plotly sees them: plotly
renders tags such as <a> and <b> in trace names, annotations and text.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
PARTNER_COLOURS = OKABE_ITO[:2]
PARTNER_SYMBOLS = ("circle", "diamond")
GAP_COLOUR = "#009E73"
EVENT_COLOURS = {"assigned": "#CC79A7", "completed": "#009E73"}
EVENT_WORDS = {"assigned": "Assigned", "completed": "Completed"}
# Event labels take turns over three rows above the plot and are cut to a length that fits
# between sessions on a laptop screen; the whole label shows on hover.
EVENT_ROWS = 3
EVENT_ROW_HEIGHT = 0.07
EVENT_LABEL_MAX = 40
ALERT_COLOURS = {"urgent": "#D55E00", "attention": "#E69F00", "none": "#0072B2"}
ALERT_NAMES = {"urgent": "Urgent alert", "attention": "Needs attention", "none": "No alerts"}
GUIDE_COLOUR = "#444444"

TEMPLATE_NAME = "trustcare"
GRID_COLOUR = "#EBF0F8"
INK_COLOUR = "#2a3f5f"

BASE_FONT_SIZE = 18
BAND_OPACITY = 0.15

TOTAL_RANGE = (0.0, 32.0)
OVERALL_RANGE = (0.0, 10.0)
SUBSCALE_RANGE = (0.0, 4.0)
PRACTICE_RANGE = (0, 3)
FEEDBACK_RANGE = (0.0, 40.0)

Axis = Literal["session", "date"]
MeasureName = Literal["total", "overall"]

MEASURE_RANGES: dict[str, tuple[float, float]] = {"total": TOTAL_RANGE, "overall": OVERALL_RANGE}
MEASURE_TITLES = {
    "total": "Trust-pulse total (0–32, higher = more trust)",
    "overall": "Overall trust (0–10, higher = more trust)",
}
MEASURE_NAMES = {"total": "Total", "overall": "Overall trust"}
X_TITLES = {"session": "Session number", "date": "Date of check-in"}

NO_CHECKINS = "No check-ins yet: each partner's scores appear here after their first check-in"
NO_SCORES = "No scores yet: the check-ins so far had too many skipped questions to be scored"
NO_SUBSCALES = (
    "No subscale scores yet: each partner's scores appear here after their first check-in"
)
NO_ROUNDS = {
    "session": "No shared sessions yet: the gap appears once both partners have checked in "
    "for the same session",
    "date": "No shared weeks yet: the gap appears once both partners have checked in "
    "in the same week",
}
NO_PRACTICE = (
    "No practice reported yet: each check-in's answer about practice appears here with its total"
)
NO_COUPLES = (
    "No check-ins in the caseload yet: each couple appears here after their first check-ins"
)
NO_MY_CHECKINS = "No check-ins yet: your scores appear here after your first check-in"
NO_FEEDBACK = "No session feedback yet: each partner's answers appear here after a session"
NO_FEEDBACK_SCORES = (
    "No feedback scores yet: the answers so far had too many skipped questions to be scored"
)

# A partner's own chart is read on a phone held at arm's length: big points, thick lines, two
# panels stacked (side by side they would be too narrow), each titled above rather than along
# a turned axis.
PHONE_MARKER_SIZE = 16
PHONE_LINE_WIDTH = 4
PHONE_TITLE_WIDTH = 28
MY_TOTAL_COLOUR = OKABE_ITO[0]
MY_OVERALL_COLOUR = OKABE_ITO[2]


def progress_figure(
    checkins: pd.DataFrame,
    x: Axis = "session",
    measure: MeasureName = "total",
    rc_threshold: float | None = None,
    events: pd.DataFrame | None = None,
    *,
    y_range: tuple[float, float] | None = None,
    partner_order: Sequence[int] | None = None,
) -> go.Figure:
    """Each partner's scores over sessions or dates, with a band of reliable change.

    The band spans first score ± `rc_threshold` (pass `reliable_change_threshold(sd, r)` for the
    total, None for no band): a later point outside it is a change beyond measurement noise.
    Events (assignments made or completed) are dashed vertical lines with a label.
    """
    _check_axis(x)
    if measure not in MEASURE_RANGES:
        raise ValueError(f"measure must be 'total' or 'overall', got {measure!r}")
    y0, y1 = y_range if y_range is not None else MEASURE_RANGES[measure]
    if checkins.empty:
        return _empty(NO_CHECKINS)
    points = _points(checkins, x, [measure])
    scored = [point for point in points if point[measure] is not None]
    if not scored:
        return _empty(NO_SCORES)

    own_points = _by_partner(scored)
    last_x = max(point["x"] for point in scored)
    bands, lines = [], []
    for rank, (partner_id, name, colour, symbol) in enumerate(_partners(points, partner_order)):
        own = own_points.get(partner_id)
        if own is None:
            continue
        if rc_threshold is not None:
            first = own[0]  # points come in time order
            bands.append(
                _band(
                    name,
                    colour,
                    partner_id,
                    (first["x"], last_x),
                    (
                        max(first[measure] - rc_threshold, y0),
                        min(first[measure] + rc_threshold, y1),
                    ),
                    x,
                    legendrank=2 * rank + 2,
                )
            )
        lines.append(
            {
                "type": "scatter",
                "x": [point["x"] for point in own],
                "y": [point[measure] for point in own],
                "mode": "lines+markers",
                "name": name,
                "legendgroup": str(partner_id),
                "legendrank": 2 * rank + 1,
                "line": {"color": colour, "width": 3},
                "marker": {"color": colour, "symbol": symbol, "size": 12},
                "customdata": _session_and_day(own),
                "hovertemplate": (
                    "<b>%{fullData.name}</b><br>Session %{customdata[0]}, %{customdata[1]}"
                    f"<br>{MEASURE_NAMES[measure]}: %{{y}}<extra></extra>"
                ),
            }
        )
    layout = _layout(X_TITLES[x], MEASURE_TITLES[measure], x=x, y_range=(y0, y1))
    if events is not None and not events.empty:
        _add_events(layout, events, x)
    return _figure(bands + lines, layout)


def subscale_figure(
    checkins: pd.DataFrame,
    subscales: Sequence[tuple[str, str]],
    x: Axis = "session",
    *,
    y_range: tuple[float, float] = SUBSCALE_RANGE,
    partner_order: Sequence[int] | None = None,
) -> go.Figure:
    """One small panel per subscale (columns "sub_<id>", scored 0–4), both partners in each.

    Small multiples keep every panel on the same scale, so a lagging subscale stands out.
    """
    _check_axis(x)
    columns = [f"sub_{subscale_id}" for subscale_id, _ in subscales]
    if checkins.empty or not subscales:
        return _empty(NO_SUBSCALES)
    missing = [c for c in columns if c not in checkins.columns]
    if missing:
        raise ValueError(f"checkins lacks subscale columns: {', '.join(missing)}")
    points = _points(checkins, x, columns)
    if all(point[column] is None for point in points for column in columns):
        return _empty(NO_SUBSCALES)

    cols = 1 if len(subscales) == 1 else 2
    rows = math.ceil(len(subscales) / cols)
    layout = _layout(None, None, height=280 * rows + 200)
    layout["annotations"] = []
    partners = _partners(points, partner_order)
    own_points = _by_partner(points)
    hover = (
        "<b>%{fullData.name}</b><br>"
        f"{'Session %{x}' if x == 'session' else '%{x|%-d %b %Y}'}: %{{y}}<extra></extra>"
    )
    traces = []
    shown_in_legend: set[int] = set()
    for index, ((_, title), column) in enumerate(zip(subscales, columns, strict=True)):
        row, col = index // cols + 1, index % cols + 1
        x_name, y_name, x_ref, y_ref = _panel(index + 1)
        bottom = row == rows or index + cols >= len(columns)
        x_domain, y_domain = _panel_domains(row, col, rows, cols)
        layout[x_name] = {
            "domain": x_domain,
            "anchor": y_ref,
            "showticklabels": bottom,
            **_session_ticks(x),
            **({"title": {"text": X_TITLES[x]}} if bottom else {}),
            # Panels in one column share their x axis, as the bottom panel's labels say.
            **({} if bottom else {"matches": _panel(_bottom_index(col, rows, cols, columns))[2]}),
        }
        layout[y_name] = {
            "domain": y_domain,
            "anchor": x_ref,
            "range": list(y_range),
            **({"title": {"text": "Score (0–4)"}} if col == 1 else {}),
        }
        layout["annotations"].append(
            {
                "text": _wrapped(title),
                "xref": "paper",
                "yref": "paper",
                "x": (x_domain[0] + x_domain[1]) / 2,
                "y": y_domain[1],
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": BASE_FONT_SIZE},
            }
        )
        for partner_id, name, colour, symbol in partners:
            own = [point for point in own_points.get(partner_id, []) if point[column] is not None]
            if not own:
                continue
            traces.append(
                {
                    "type": "scatter",
                    "x": [point["x"] for point in own],
                    "y": [point[column] for point in own],
                    "xaxis": x_ref,
                    "yaxis": y_ref,
                    "mode": "lines+markers",
                    "name": name,
                    "legendgroup": str(partner_id),
                    "showlegend": partner_id not in shown_in_legend,
                    "line": {"color": colour, "width": 3},
                    "marker": {"color": colour, "symbol": symbol, "size": 10},
                    "hovertemplate": hover,
                }
            )
            shown_in_legend.add(partner_id)
    return _figure(traces, layout)


def gap_figure(
    checkins: pd.DataFrame,
    x: Axis = "session",
    threshold: float | None = None,
    *,
    y_range: tuple[float, float] = TOTAL_RANGE,
    partner_order: Sequence[int] | None = None,
) -> go.Figure:
    """How far apart the partners' totals are in each round, against the divergence threshold.

    A round pairs each partner's latest check-in for the same session (x="session") or the same
    ISO week in UTC (x="date", plotted at that week's Monday), as the divergence alert does.
    """
    _check_axis(x)
    if checkins.empty:
        return _empty(NO_ROUNDS[x])
    points = _points(checkins, x, ["total"])
    partners = _partners(points, partner_order)
    if len(partners) > 2:
        raise ValueError("checkins must belong to one couple (at most two partners)")
    if len(partners) < 2:
        return _empty(NO_ROUNDS[x])
    rounds = _rounds(points, x, [partner_id for partner_id, *_ in partners])
    if not rounds:
        return _empty(NO_ROUNDS[x])

    (_, first_name, _, _), (_, second_name, _, _) = partners
    gap = {
        "type": "scatter",
        "x": [round_ for round_, *_ in rounds],
        "y": [gap for *_, gap in rounds],
        "mode": "lines+markers",
        "name": "Gap between the partners' totals",
        "line": {"color": GAP_COLOUR, "width": 3},
        "marker": {"color": GAP_COLOUR, "size": 12},
        "customdata": [[first, second] for _, first, second, _ in rounds],
        "hovertemplate": (
            f"{'Session %{x}' if x == 'session' else 'Week of %{x|%-d %b %Y}'}<br>"
            f"{first_name}: %{{customdata[0]}}<br>{second_name}: %{{customdata[1]}}"
            "<br>Gap: %{y}<extra></extra>"
        ),
    }
    x_title = "Session number" if x == "session" else "Week of check-in (starting Monday)"
    layout = _layout(x_title, "Gap between partners' totals (points)", x=x, y_range=y_range)
    if threshold is not None:
        layout["shapes"] = [_guide_line(threshold, dash="dash")]
        layout["annotations"] = [
            {
                "xref": "paper",
                "x": 1,
                "xanchor": "right",
                "y": threshold,
                "yanchor": "bottom",
                "text": f"Divergence threshold: {_num(threshold)} points",
                "showarrow": False,
                "font": {"color": GUIDE_COLOUR},
            }
        ]
    return _figure([gap], layout)


def practice_figure(
    checkins: pd.DataFrame,
    *,
    y_range: tuple[float, float] = TOTAL_RANGE,
    partner_order: Sequence[int] | None = None,
) -> go.Figure:
    """Practice done between sessions against the total, so a couple can see whether it helps."""
    if checkins.empty:
        return _empty(NO_PRACTICE)
    points = _points(checkins, "session", ["practice", "total"])
    reported = [p for p in points if p["practice"] is not None and p["total"] is not None]
    if not reported:
        return _empty(NO_PRACTICE)

    own_points = _by_partner(reported)
    traces = []
    for partner_id, name, colour, symbol in _partners(points, partner_order):
        own = own_points.get(partner_id)
        if own is None:
            continue
        traces.append(
            {
                "type": "scatter",
                "x": [point["practice"] for point in own],
                "y": [point["total"] for point in own],
                "mode": "markers",
                "name": name,
                "legendgroup": str(partner_id),
                "marker": {"color": colour, "symbol": symbol, "size": 16, "opacity": 0.8},
                "customdata": _session_and_day(own),
                "hovertemplate": (
                    "<b>%{fullData.name}</b><br>Session %{customdata[0]}, %{customdata[1]}"
                    "<br>Practice: %{x}<br>Total: %{y}<extra></extra>"
                ),
            }
        )
    low, high = PRACTICE_RANGE
    layout = _layout(
        "Practice since last check-in (0 = not at all, 3 = every day)",
        MEASURE_TITLES["total"],
        y_range=y_range,
    )
    layout["xaxis"].update(range=[low - 0.4, high + 0.4], tickvals=list(range(low, high + 1)))
    return _figure(traces, layout)


def caseload_figure(
    overview: pd.DataFrame, *, x_range: tuple[float, float] = TOTAL_RANGE
) -> go.Figure:
    """Every couple as a point: where their trust stands now against how far it has moved.

    Couples low and falling (bottom left) are the ones to see first; colour repeats the alert
    level so the chart and the alert list agree.
    """
    if overview.empty:
        return _empty(NO_COUPLES)
    unknown = set(overview["alert"]) - ALERT_COLOURS.keys()
    if unknown:
        raise ValueError(f"unknown alert levels: {', '.join(sorted(map(str, unknown)))}")
    placed = overview.dropna(subset=["current", "change"])
    if placed.empty:
        return _empty(NO_COUPLES)

    traces = []
    for level, colour in ALERT_COLOURS.items():
        group = placed[placed["alert"] == level]
        if group.empty:
            continue
        traces.append(
            {
                "type": "scatter",
                "x": group["current"].to_numpy(),
                "y": group["change"].to_numpy(),
                "mode": "markers+text",
                "name": ALERT_NAMES[level],
                "text": [_text(label) for label in group["couple"]],
                "textposition": "top center",
                "cliponaxis": False,
                "marker": {"color": colour, "size": 16, "line": {"color": "white", "width": 1}},
                "customdata": group[["couple_id"]].to_numpy(),
                "hovertemplate": (
                    "<b>%{text}</b><br>Current total (mean of both partners): %{x:.1f}"
                    "<br>Change since the first check-in: %{y:+.1f}<extra></extra>"
                ),
            }
        )
    reach = max(8, math.ceil(placed["change"].abs().max()) + 2)
    layout = _layout(
        "Current trust-pulse total (mean of both partners, 0–32)",
        "Change since the first check-in (points)",
        y_range=(-reach, reach),
    )
    layout["xaxis"]["range"] = list(x_range)
    layout["yaxis"]["zeroline"] = False
    layout["shapes"] = [_guide_line(0)]
    return _figure(traces, layout)


def my_progress_figure(
    checkins: pd.DataFrame,
    *,
    total_title: str = MEASURE_TITLES["total"],
    overall_title: str = MEASURE_TITLES["overall"],
    x_title: str = X_TITLES["date"],
    empty_message: str = NO_MY_CHECKINS,
    total_range: tuple[float, float] = TOTAL_RANGE,
    overall_range: tuple[float, float] = OVERALL_RANGE,
    date_format: str = "%-d %b %Y",
) -> go.Figure:
    """One partner's own check-ins over time, for their own phone: the total above, the overall
    rating below, on one shared date axis.

    `checkins` has the columns submitted_at, total and overall. The words are passed in, so the
    page can give them in the partner's language; an unscored total or unanswered rating leaves
    a gap in its own panel only. Nothing of the other partner is drawn here. `date_format` is
    the hover's date (plotly writes month names in English only, so a page in another language
    passes a format of numbers).
    """
    if checkins.empty:
        return _empty(empty_message)
    times = pd.to_datetime(checkins["submitted_at"], utc=True).dt.tz_convert(None).tolist()
    order = sorted(range(len(times)), key=times.__getitem__)
    columns = {name: checkins[name].tolist() for name in ("total", "overall")}
    series = {
        name: [(times[i], value) for i in order if (value := _value(values[i])) is not None]
        for name, values in columns.items()
    }
    if not series["total"] and not series["overall"]:
        return _empty(empty_message)

    panels = (
        ("total", total_title, total_range, MY_TOTAL_COLOUR, PARTNER_SYMBOLS[0]),
        ("overall", overall_title, overall_range, MY_OVERALL_COLOUR, PARTNER_SYMBOLS[1]),
    )
    layout: dict[str, Any] = {
        "font": {"size": BASE_FONT_SIZE},
        "hoverlabel": {"font": {"size": BASE_FONT_SIZE}},
        "showlegend": False,
        "height": 640,
        "margin": {"l": 50, "r": 20, "t": 70, "b": 60},
        "annotations": [],
    }
    domains = ((0.58, 1.0), (0.0, 0.42))
    traces = []
    for index, (name, title, y_range, colour, symbol) in enumerate(panels):
        x_name, y_name, x_ref, y_ref = _panel(index + 1)
        bottom = index == len(panels) - 1
        layout[x_name] = {
            "domain": [0, 1],
            "anchor": y_ref,
            "type": "date",
            "showticklabels": bottom,
            **({"title": {"text": x_title}} if bottom else {"matches": "x2"}),
        }
        layout[y_name] = {"domain": list(domains[index]), "anchor": x_ref, "range": list(y_range)}
        layout["annotations"].append(
            {
                "text": _wrapped(title, PHONE_TITLE_WIDTH),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": domains[index][1],
                "xanchor": "left",
                "yanchor": "bottom",
                "align": "left",
                "showarrow": False,
                "font": {"size": BASE_FONT_SIZE},
            }
        )
        points = series[name]
        traces.append(
            {
                "type": "scatter",
                "x": [when for when, _ in points],
                "y": [value for _, value in points],
                "xaxis": x_ref,
                "yaxis": y_ref,
                "mode": "lines+markers",
                "name": _text(title),
                "line": {"color": colour, "width": PHONE_LINE_WIDTH},
                "marker": {"color": colour, "symbol": symbol, "size": PHONE_MARKER_SIZE},
                # No words of ours: the month is named as plotly names it on the axis.
                "hovertemplate": f"%{{x|{date_format}}}<br><b>%{{y}}</b><extra></extra>",
            }
        )
    return _figure(traces, layout)


def session_feedback_figure(
    feedback: pd.DataFrame, names: Mapping[int, str], cutoff: float | None
) -> go.Figure:
    """Each partner's session feedback by session, against the cut-off, for the counselor only.

    `feedback` has the columns partner_id, session_number and total; `names` gives the couple's
    partners in order (the first blue, the second orange). A session answered twice shows the
    later answer (the later row, or the later `submitted_at` where that column is given); an
    unscored one leaves a gap. Never for the shared screen: session feedback is private.
    """
    if feedback.empty:
        return _empty(NO_FEEDBACK)
    rows = feedback
    if "submitted_at" in rows.columns:
        rows = rows.assign(_at=pd.to_datetime(rows["submitted_at"], utc=True))
        rows = rows.sort_values("_at", kind="stable")
    latest: dict[int, dict[int, float | None]] = {}
    for partner_id, session, total in zip(
        rows["partner_id"].tolist(),
        rows["session_number"].tolist(),
        rows["total"].tolist(),
        strict=True,
    ):
        latest.setdefault(int(partner_id), {})[int(session)] = _value(total)
    scored = {
        partner_id: sorted((s, t) for s, t in sessions.items() if t is not None)
        for partner_id, sessions in latest.items()
    }
    if not any(scored.values()):
        return _empty(NO_FEEDBACK_SCORES)

    order = list(names) + sorted(p for p in latest if p not in names)
    traces = []
    for position, partner_id in enumerate(order):
        own = scored.get(partner_id)
        if not own:
            continue
        colour = OKABE_ITO[position % len(OKABE_ITO)]
        name = names.get(partner_id, "").strip() or f"Partner {position + 1}"
        traces.append(
            {
                "type": "scatter",
                "x": [session for session, _ in own],
                "y": [total for _, total in own],
                "mode": "lines+markers",
                "name": _text(name),
                "legendgroup": str(partner_id),
                "line": {"color": colour, "width": 3},
                "marker": {
                    "color": colour,
                    "symbol": PARTNER_SYMBOLS[position % len(PARTNER_SYMBOLS)],
                    "size": 12,
                },
                "hovertemplate": (
                    "<b>%{fullData.name}</b><br>Session %{x}"
                    f"<br>Feedback: %{{y}} of {_num(FEEDBACK_RANGE[1])}<extra></extra>"
                ),
            }
        )
    layout = _layout(
        X_TITLES["session"],
        "Session feedback (0–40, higher = better)",
        x="session",
        y_range=FEEDBACK_RANGE,
    )
    if cutoff is not None:
        layout["shapes"] = [_guide_line(cutoff, dash="dash")]
        layout["annotations"] = [
            {
                "xref": "paper",
                "x": 1,
                "xanchor": "right",
                "y": cutoff,
                "yanchor": "bottom",
                "text": f"Cut-off: {_num(cutoff)}",
                "showarrow": False,
                "font": {"color": GUIDE_COLOUR},
            }
        ]
    return _figure(traces, layout)


# --- helpers ------------------------------------------------------------------------------------


def _check_axis(x: str) -> None:
    if x not in X_TITLES:
        raise ValueError(f"x must be 'session' or 'date', got {x!r}")


Point = dict[str, Any]


def _points(checkins: pd.DataFrame, x: str, columns: Sequence[str]) -> list[Point]:
    """The check-ins as plain points in time order, with `x`, a `day` label and the values of
    `columns` (None where missing). A few dozen points cost far more in pandas operations than
    in Python, and this runs on every rerun of a page with a chart."""
    times = pd.to_datetime(checkins["submitted_at"], utc=True).dt.tz_convert(None).tolist()
    partner_ids = checkins["partner_id"].tolist()
    names = checkins["partner"].tolist()
    sessions = checkins["session_number"].tolist()
    values = {column: checkins[column].tolist() for column in columns}
    points = [
        {
            "partner_id": int(partner_ids[i]),
            "partner": names[i],
            "when": times[i],
            "session": sessions[i],
            **{column: _value(values[column][i]) for column in columns},
        }
        for i in sorted(range(len(times)), key=times.__getitem__)
    ]
    if x == "session":
        # Check-ins come weekly and sessions less often: by session, each partner's latest
        # check-in before the next session stands for that session.
        latest = {(point["partner_id"], point["session"]): point for point in points}
        kept = {id(point) for point in latest.values()}
        points = [point for point in points if id(point) in kept]
    for point in points:
        when = point["when"]
        point["x"] = point["session"] if x == "session" else when
        point["day"] = f"{when.day} {when:%b %Y}"
    return points


def _value(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)  # type: ignore[arg-type]


def _session_and_day(points: list[Point]) -> list[list[object]]:
    return [[point["session"], point["day"]] for point in points]


def _partners(
    points: list[Point], partner_order: Sequence[int] | None
) -> list[tuple[int, str, str, str]]:
    """(partner_id, escaped name, colour, marker) in couple order, so colours never swap.

    `partner_order` is the couple's two partner ids; without it, ids sort ascending. Passing it
    keeps partner 2 orange even on a chart where partner 1 has no check-ins yet.
    """
    latest_names: dict[int, object] = {}
    for point in points:
        latest_names.setdefault(point["partner_id"], None)
        if point["partner"] is not None and not _is_nan(point["partner"]):
            latest_names[point["partner_id"]] = point["partner"]
    present = list(latest_names)
    order = list(partner_order) if partner_order is not None else sorted(present)
    order += [p for p in sorted(present) if p not in order]
    partners = []
    for position, partner_id in enumerate(order):
        if partner_id not in latest_names:
            continue
        name = latest_names[partner_id]
        partners.append(
            (
                partner_id,
                _text(name if name is not None else f"Partner {position + 1}"),
                OKABE_ITO[position % len(OKABE_ITO)],
                PARTNER_SYMBOLS[position % len(PARTNER_SYMBOLS)],
            )
        )
    return partners


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _by_partner(points: list[Point]) -> dict[int, list[Point]]:
    """Each partner's points, in time order."""
    grouped: dict[int, list[Point]] = {}
    for point in points:
        grouped.setdefault(point["partner_id"], []).append(point)
    return grouped


def _band(
    name: str,
    colour: str,
    partner_id: int,
    xs: tuple[object, object],
    ys: tuple[float, float],
    x: str,
    legendrank: int,
) -> dict:
    """A filled rectangle from the partner's first check-in to the last one on the chart."""
    x0, x1 = xs
    if x0 == x1:
        pad: object = 0.5 if x == "session" else pd.Timedelta(days=1)
        x0, x1 = x0 - pad, x1 + pad  # type: ignore[operator]
    low, high = ys
    return {
        "type": "scatter",
        "x": [x0, x1, x1, x0, x0],
        "y": [low, low, high, high, low],
        "mode": "lines",
        "fill": "toself",
        "fillcolor": _rgba(colour, BAND_OPACITY),
        "line": {"width": 0, "color": colour},
        "name": f"{name}: reliable-change band",
        "legendgroup": str(partner_id),
        "legendrank": legendrank,
        "hoverinfo": "skip",
    }


def _guide_line(y: float, dash: str = "solid") -> dict:
    """A horizontal line across the whole plot, behind the data."""
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": y,
        "y1": y,
        "line": {"color": GUIDE_COLOUR, "width": 2, "dash": dash},
        "layer": "below",
    }


def _add_events(layout: dict, events: pd.DataFrame, x: str) -> None:
    """Dashed vertical lines for assignments made and completed, labelled above the plot."""
    column = "session_number" if x == "session" else "at"
    positions = events[column].tolist()
    if x == "date":
        positions = pd.to_datetime(events["at"], utc=True).dt.tz_convert(None).tolist()
    placed = sorted(
        (
            (position, str(kind), label)
            for position, kind, label in zip(
                positions, events["kind"].tolist(), events["label"].tolist(), strict=True
            )
            if not pd.isna(position)
        ),
        key=lambda event: event[0],
    )
    shapes, annotations = [], []
    # Labels open towards the middle: one centred on an event near an edge would stretch the
    # axis past the data to make room for itself.
    middle = placed[0][0] + (placed[-1][0] - placed[0][0]) / 2 if placed else None
    for index, (position, kind, label) in enumerate(placed):
        colour = EVENT_COLOURS.get(kind, GUIDE_COLOUR)
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "x0": position,
                "x1": position,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": colour, "width": 2, "dash": "dash"},
            }
        )
        said = f"{EVENT_WORDS.get(kind, kind.title())}: {label}"
        annotations.append(
            {
                "x": position,
                "xref": "x",
                "y": 1.02 + EVENT_ROW_HEIGHT * (index % EVENT_ROWS),
                "yref": "paper",
                "yanchor": "bottom",
                "xanchor": "left" if position <= middle else "right",
                "text": _text(_shortened(said, EVENT_LABEL_MAX)),
                "hovertext": _text(said),
                "showarrow": False,
                "font": {"color": colour, "size": BASE_FONT_SIZE - 2},
            }
        )
    layout["shapes"] = shapes
    layout["annotations"] = annotations
    layout["margin"]["t"] = 60 + 20 * min(len(placed), EVENT_ROWS)


def _shortened(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word where one is near, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" :,") + "…"


def _rounds(
    points: list[Point], x: str, partner_ids: list[int]
) -> list[tuple[object, float, float, float]]:
    """Rounds both partners scored, in order: (round, first's total, second's total, gap).

    Each partner's latest scored check-in in the round stands for them; an unscored one cannot
    show a gap.
    """
    latest: dict[object, dict[int, float]] = {}
    for point in points:
        if point["total"] is None:
            continue
        if x == "session":
            round_ = point["session"]
        else:
            day = point["when"].normalize()
            round_ = day - pd.Timedelta(days=day.day_of_week)
        latest.setdefault(round_, {})[point["partner_id"]] = point["total"]
    first_id, second_id = partner_ids
    return [
        (round_, totals[first_id], totals[second_id], abs(totals[first_id] - totals[second_id]))
        for round_, totals in sorted(latest.items(), key=lambda item: item[0])
        if first_id in totals and second_id in totals
    ]


PANEL_GAP_ACROSS = 0.1
PANEL_GAP_DOWN = 0.2


def _panel(number: int) -> tuple[str, str, str, str]:
    """Layout names and trace references of panel `number` (1-based): xaxis2, yaxis2, x2, y2."""
    suffix = "" if number == 1 else str(number)
    return f"xaxis{suffix}", f"yaxis{suffix}", f"x{suffix}", f"y{suffix}"


def _panel_domains(
    row: int, col: int, rows: int, cols: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where a panel sits on the figure, row 1 at the top (the grid plotly's make_subplots
    lays out, without its cost of building the figure through many small updates)."""
    width = (1 - PANEL_GAP_ACROSS * (cols - 1)) / cols
    height = (1 - PANEL_GAP_DOWN * (rows - 1)) / rows
    left = (col - 1) * (width + PANEL_GAP_ACROSS)
    top = 1 - (row - 1) * (height + PANEL_GAP_DOWN)
    # Rounded: floating-point steps can land a hair outside [0, 1], which plotly refuses.
    return (round(left, 6), round(left + width, 6)), (round(top - height, 6), round(top, 6))


def _bottom_index(col: int, rows: int, cols: int, columns: Sequence[str]) -> int:
    """The 1-based number of the lowest panel in column `col`."""
    return max(index for index in range(len(columns)) if index % cols == col - 1) + 1


def _use_template() -> None:
    """Make TrustCare's plain white template the default rather than naming it on each figure.

    Naming a template copies and validates it for every figure; the default is applied once,
    when drawn. It keeps what plotly_white gives these figures (white ground, light grid) and
    nothing else, so applying it costs little.
    """
    if TEMPLATE_NAME not in pio.templates:
        axis = {
            "gridcolor": GRID_COLOUR,
            "linecolor": GRID_COLOUR,
            "zerolinecolor": GRID_COLOUR,
            "zerolinewidth": 2,
            "ticks": "",
            "title": {"standoff": 15},
            "automargin": True,
        }
        pio.templates[TEMPLATE_NAME] = go.layout.Template(
            layout={
                "colorway": list(OKABE_ITO),
                "font": {"color": INK_COLOUR},
                "hovermode": "closest",
                "hoverlabel": {"align": "left"},
                "paper_bgcolor": "white",
                "plot_bgcolor": "white",
                "xaxis": axis,
                "yaxis": axis,
                "shapedefaults": {"line": {"color": INK_COLOUR}},
            }
        )
    if pio.templates.default != TEMPLATE_NAME:
        pio.templates.default = TEMPLATE_NAME


def _session_ticks(x: str | None) -> dict:
    """Whole session numbers only: there is no session 2.5."""
    return {"tickmode": "linear", "dtick": 1} if x == "session" else {}


def _layout(
    x_title: str | None,
    y_title: str | None,
    *,
    height: int = 520,
    x: str | None = None,
    y_range: tuple[float, float] | None = None,
) -> dict:
    """Large type and a legend below the plot, readable from across a room."""
    x_axis = _session_ticks(x)
    if x_title is not None:
        x_axis["title"] = {"text": x_title}
    y_axis: dict = {}
    if y_title is not None:
        y_axis["title"] = {"text": y_title}
    if y_range is not None:
        y_axis["range"] = list(y_range)
    return {
        "font": {"size": BASE_FONT_SIZE},
        # Anchored to the bottom of the whole figure, so it never sits on the x-axis title.
        "legend": {
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "font": {"size": BASE_FONT_SIZE},
        },
        "hoverlabel": {"font": {"size": BASE_FONT_SIZE}},
        "height": height,
        "margin": {"b": 130},
        "xaxis": x_axis,
        "yaxis": y_axis,
    }


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    """The figure in one construction from plain dicts, without plotly's property validation.

    Validating costs ten times more than building the figure, on every rerun of a page with a
    chart, for dicts whose shape this module fixes; the unit tests validate every kind of
    figure instead (test_charts: test_every_figure_passes_plotly_validation).
    """
    _use_template()
    return go.Figure(data=traces, layout=layout, _validate=False)


def _empty(message: str) -> go.Figure:
    """A figure with no traces and a sentence saying why, instead of bare axes.

    The sentence breaks after its first colon: plotly never wraps an annotation by itself.
    """
    return _figure(
        [],
        {
            "font": {"size": BASE_FONT_SIZE},
            "height": 320,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "annotations": [
                {
                    "text": message.replace(": ", ":<br>", 1),
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "showarrow": False,
                    "font": {"size": BASE_FONT_SIZE + 2},
                }
            ],
        },
    )


def _text(value: object) -> str:
    """Escape a person's text so plotly shows it literally rather than as markup."""
    return html.escape(str(value), quote=False)


def _wrapped(title: str, width: int = 32) -> str:
    """A panel title on as many lines as it needs: a long one would run over the next panel."""
    return "<br>".join(textwrap.wrap(_text(title), width, break_long_words=False))


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"

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
from collections.abc import Sequence
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
PARTNER_COLOURS = OKABE_ITO[:2]
PARTNER_SYMBOLS = ("circle", "diamond")
GAP_COLOUR = "#009E73"
EVENT_COLOURS = {"assigned": "#CC79A7", "completed": "#009E73"}
EVENT_WORDS = {"assigned": "Assigned", "completed": "Completed"}
ALERT_COLOURS = {"urgent": "#D55E00", "attention": "#E69F00", "none": "#0072B2"}
ALERT_NAMES = {"urgent": "Urgent alert", "attention": "Needs attention", "none": "No alerts"}
GUIDE_COLOUR = "#444444"

BASE_FONT_SIZE = 18
BAND_OPACITY = 0.15

TOTAL_RANGE = (0.0, 32.0)
OVERALL_RANGE = (0.0, 10.0)
SUBSCALE_RANGE = (0.0, 4.0)
PRACTICE_RANGE = (0, 3)

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
    frame = _prepared(checkins, x)
    scored = frame.dropna(subset=[measure])
    if scored.empty:
        return _empty(NO_SCORES)

    fig = go.Figure()
    partners = _partners(frame, partner_order)
    lines = []
    for rank, (partner_id, name, colour, symbol) in enumerate(partners):
        own = scored[scored["partner_id"] == partner_id]
        if own.empty:
            continue
        if rc_threshold is not None:
            first = own.sort_values("submitted_at").iloc[0]
            fig.add_trace(
                _band(
                    name,
                    colour,
                    partner_id,
                    (first["_x"], scored["_x"].max()),
                    (
                        max(first[measure] - rc_threshold, y0),
                        min(first[measure] + rc_threshold, y1),
                    ),
                    x,
                    legendrank=2 * rank + 2,
                )
            )
        lines.append(
            go.Scatter(
                x=own["_x"],
                y=own[measure],
                mode="lines+markers",
                name=name,
                legendgroup=str(partner_id),
                legendrank=2 * rank + 1,
                line={"color": colour, "width": 3},
                marker={"color": colour, "symbol": symbol, "size": 12},
                customdata=own[["session_number", "_day"]].to_numpy(),
                hovertemplate=(
                    "<b>%{fullData.name}</b><br>Session %{customdata[0]}, %{customdata[1]}"
                    f"<br>{MEASURE_NAMES[measure]}: %{{y}}<extra></extra>"
                ),
            )
        )
    fig.add_traces(lines)
    if events is not None and not events.empty:
        _add_events(fig, events, x)
    _style(fig, X_TITLES[x], MEASURE_TITLES[measure])
    fig.update_yaxes(range=[y0, y1])
    _session_ticks(fig, x)
    return fig


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
    frame = _prepared(checkins, x)
    if frame[columns].isna().all().all():
        return _empty(NO_SUBSCALES)

    cols = 1 if len(subscales) == 1 else 2
    rows = math.ceil(len(subscales) / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[_wrapped(title) for _, title in subscales],
        shared_xaxes=True,
        vertical_spacing=0.2,
        horizontal_spacing=0.1,
    )
    partners = _partners(frame, partner_order)
    shown_in_legend: set[int] = set()
    for index, column in enumerate(columns):
        row, col = index // cols + 1, index % cols + 1
        for partner_id, name, colour, symbol in partners:
            own = frame[frame["partner_id"] == partner_id].dropna(subset=[column])
            if own.empty:
                continue
            fig.add_trace(
                go.Scatter(
                    x=own["_x"],
                    y=own[column],
                    mode="lines+markers",
                    name=name,
                    legendgroup=str(partner_id),
                    showlegend=partner_id not in shown_in_legend,
                    line={"color": colour, "width": 3},
                    marker={"color": colour, "symbol": symbol, "size": 10},
                    hovertemplate=(
                        "<b>%{fullData.name}</b><br>"
                        f"{'Session %{x}' if x == 'session' else '%{x|%-d %b %Y}'}: %{{y}}"
                        "<extra></extra>"
                    ),
                ),
                row=row,
                col=col,
            )
            shown_in_legend.add(partner_id)
        fig.update_yaxes(range=list(y_range), row=row, col=col)
        if col == 1:
            fig.update_yaxes(title_text="Score (0–4)", row=row, col=col)
        if row == rows or index + cols >= len(columns):
            fig.update_xaxes(title_text=X_TITLES[x], showticklabels=True, row=row, col=col)
    _style(fig, None, None, height=280 * rows + 200)
    fig.update_annotations(font_size=BASE_FONT_SIZE)
    _session_ticks(fig, x)
    return fig


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
    frame = _prepared(checkins, x)
    partners = _partners(frame, partner_order)
    if len(partners) > 2:
        raise ValueError("checkins must belong to one couple (at most two partners)")
    if len(partners) < 2:
        return _empty(NO_ROUNDS[x])
    rounds = _rounds(frame, x, [partner_id for partner_id, *_ in partners])
    if rounds.empty:
        return _empty(NO_ROUNDS[x])

    (_, first_name, _, _), (_, second_name, _, _) = partners
    fig = go.Figure(
        go.Scatter(
            x=rounds["round"],
            y=rounds["gap"],
            mode="lines+markers",
            name="Gap between the partners' totals",
            line={"color": GAP_COLOUR, "width": 3},
            marker={"color": GAP_COLOUR, "size": 12},
            customdata=rounds[["first", "second"]].to_numpy(),
            hovertemplate=(
                f"{'Session %{x}' if x == 'session' else 'Week of %{x|%-d %b %Y}'}<br>"
                f"{first_name}: %{{customdata[0]}}<br>{second_name}: %{{customdata[1]}}"
                "<br>Gap: %{y}<extra></extra>"
            ),
        )
    )
    if threshold is not None:
        fig.add_shape(
            type="line",
            xref="paper",
            x0=0,
            x1=1,
            yref="y",
            y0=threshold,
            y1=threshold,
            line={"color": GUIDE_COLOUR, "width": 2, "dash": "dash"},
            layer="below",
        )
        fig.add_annotation(
            xref="paper",
            x=1,
            xanchor="right",
            y=threshold,
            yanchor="bottom",
            text=f"Divergence threshold: {_num(threshold)} points",
            showarrow=False,
            font={"color": GUIDE_COLOUR},
        )
    x_title = "Session number" if x == "session" else "Week of check-in (starting Monday)"
    _style(fig, x_title, "Gap between partners' totals (points)")
    fig.update_yaxes(range=list(y_range))
    _session_ticks(fig, x)
    return fig


def practice_figure(
    checkins: pd.DataFrame,
    *,
    y_range: tuple[float, float] = TOTAL_RANGE,
    partner_order: Sequence[int] | None = None,
) -> go.Figure:
    """Practice done between sessions against the total, so a couple can see whether it helps."""
    if checkins.empty:
        return _empty(NO_PRACTICE)
    frame = _prepared(checkins, "session")
    reported = frame.dropna(subset=["practice", "total"])
    if reported.empty:
        return _empty(NO_PRACTICE)

    fig = go.Figure()
    for partner_id, name, colour, symbol in _partners(frame, partner_order):
        own = reported[reported["partner_id"] == partner_id]
        if own.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=own["practice"],
                y=own["total"],
                mode="markers",
                name=name,
                legendgroup=str(partner_id),
                marker={"color": colour, "symbol": symbol, "size": 16, "opacity": 0.8},
                customdata=own[["session_number", "_day"]].to_numpy(),
                hovertemplate=(
                    "<b>%{fullData.name}</b><br>Session %{customdata[0]}, %{customdata[1]}"
                    "<br>Practice: %{x}<br>Total: %{y}<extra></extra>"
                ),
            )
        )
    _style(
        fig,
        "Practice since last check-in (0 = not at all, 3 = every day)",
        MEASURE_TITLES["total"],
    )
    low, high = PRACTICE_RANGE
    fig.update_xaxes(range=[low - 0.4, high + 0.4], tickvals=list(range(low, high + 1)))
    fig.update_yaxes(range=list(y_range))
    return fig


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

    fig = go.Figure()
    for level, colour in ALERT_COLOURS.items():
        group = placed[placed["alert"] == level]
        if group.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=group["current"],
                y=group["change"],
                mode="markers+text",
                name=ALERT_NAMES[level],
                text=[_text(label) for label in group["couple"]],
                textposition="top center",
                cliponaxis=False,
                marker={"color": colour, "size": 16, "line": {"color": "white", "width": 1}},
                customdata=group[["couple_id"]].to_numpy(),
                hovertemplate=(
                    "<b>%{text}</b><br>Current total (mean of both partners): %{x:.1f}"
                    "<br>Change since the first check-in: %{y:+.1f}<extra></extra>"
                ),
            )
        )
    fig.add_shape(
        type="line",
        xref="paper",
        x0=0,
        x1=1,
        yref="y",
        y0=0,
        y1=0,
        line={"color": GUIDE_COLOUR, "width": 2},
        layer="below",
    )
    _style(
        fig,
        "Current trust-pulse total (mean of both partners, 0–32)",
        "Change since the first check-in (points)",
    )
    reach = max(8, math.ceil(placed["change"].abs().max()) + 2)
    fig.update_xaxes(range=list(x_range))
    fig.update_yaxes(range=[-reach, reach], zeroline=False)
    return fig


# --- helpers ------------------------------------------------------------------------------------


def _check_axis(x: str) -> None:
    if x not in X_TITLES:
        raise ValueError(f"x must be 'session' or 'date', got {x!r}")


def _prepared(checkins: pd.DataFrame, x: str) -> pd.DataFrame:
    """A copy with UTC times made naive (plotly draws them as given), `_x` and a `_day` label."""
    frame = checkins.copy()
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], utc=True).dt.tz_convert(None)
    frame = frame.sort_values(["submitted_at"], kind="stable")
    if x == "session":
        # Check-ins come weekly and sessions less often: by session, each partner's latest
        # check-in before the next session stands for that session.
        frame = frame.groupby(["partner_id", "session_number"], sort=False).tail(1)
    frame["_x"] = frame["session_number"] if x == "session" else frame["submitted_at"]
    frame["_day"] = [f"{t.day} {t:%b %Y}" for t in frame["submitted_at"]]
    return frame


def _partners(
    frame: pd.DataFrame, partner_order: Sequence[int] | None
) -> list[tuple[int, str, str, str]]:
    """(partner_id, escaped name, colour, marker) in couple order, so colours never swap.

    `partner_order` is the couple's two partner ids; without it, ids sort ascending. Passing it
    keeps partner 2 orange even on a chart where partner 1 has no check-ins yet.
    """
    present = list(dict.fromkeys(int(p) for p in frame["partner_id"]))
    order = list(partner_order) if partner_order is not None else sorted(present)
    order += [p for p in sorted(present) if p not in order]
    partners = []
    for position, partner_id in enumerate(order):
        if partner_id not in present:
            continue
        names = frame.loc[frame["partner_id"] == partner_id, "partner"].dropna()
        name = str(names.iloc[-1]) if not names.empty else f"Partner {position + 1}"
        partners.append(
            (
                partner_id,
                _text(name),
                OKABE_ITO[position % len(OKABE_ITO)],
                PARTNER_SYMBOLS[position % len(PARTNER_SYMBOLS)],
            )
        )
    return partners


def _band(
    name: str,
    colour: str,
    partner_id: int,
    xs: tuple[object, object],
    ys: tuple[float, float],
    x: str,
    legendrank: int,
) -> go.Scatter:
    """A filled rectangle from the partner's first check-in to the last one on the chart."""
    x0, x1 = xs
    if x0 == x1:
        pad: object = 0.5 if x == "session" else pd.Timedelta(days=1)
        x0, x1 = x0 - pad, x1 + pad  # type: ignore[operator]
    low, high = ys
    return go.Scatter(
        x=[x0, x1, x1, x0, x0],
        y=[low, low, high, high, low],
        mode="lines",
        fill="toself",
        fillcolor=_rgba(colour, BAND_OPACITY),
        line={"width": 0, "color": colour},
        name=f"{name}: reliable-change band",
        legendgroup=str(partner_id),
        legendrank=legendrank,
        hoverinfo="skip",
    )


def _add_events(fig: go.Figure, events: pd.DataFrame, x: str) -> None:
    """Dashed vertical lines for assignments made and completed, labelled above the plot."""
    column = "session_number" if x == "session" else "at"
    placed = events.dropna(subset=[column]).copy()
    if x == "date":
        placed["at"] = pd.to_datetime(placed["at"], utc=True).dt.tz_convert(None)
    for index, event in enumerate(placed.sort_values(column, kind="stable").itertuples()):
        kind = str(event.kind)
        colour = EVENT_COLOURS.get(kind, GUIDE_COLOUR)
        position = getattr(event, column)
        fig.add_shape(
            type="line",
            xref="x",
            x0=position,
            x1=position,
            yref="paper",
            y0=0,
            y1=1,
            line={"color": colour, "width": 2, "dash": "dash"},
        )
        fig.add_annotation(
            x=position,
            xref="x",
            y=1.02 + 0.07 * (index % 2),
            yref="paper",
            yanchor="bottom",
            text=f"{EVENT_WORDS.get(kind, kind.title())}: {_text(event.label)}",
            showarrow=False,
            font={"color": colour, "size": BASE_FONT_SIZE - 2},
        )
    fig.update_layout(margin={"t": 110})


def _rounds(frame: pd.DataFrame, x: str, partner_ids: list[int]) -> pd.DataFrame:
    """Rounds both partners scored: columns round, first, second, gap.

    Each partner's latest scored check-in in the round stands for them; an unscored one cannot
    show a gap.
    """
    frame = frame.dropna(subset=["total"])
    if x == "session":
        frame = frame.assign(round=frame["session_number"])
    else:
        days = frame["submitted_at"].dt.normalize()
        frame = frame.assign(round=days - pd.to_timedelta(days.dt.day_of_week, unit="D"))
    latest = frame.groupby(["round", "partner_id"])["total"].last().unstack("partner_id")
    latest = latest.reindex(columns=partner_ids).dropna()
    rounds = pd.DataFrame(
        {
            "round": latest.index,
            "first": latest[partner_ids[0]].to_numpy(),
            "second": latest[partner_ids[1]].to_numpy(),
        }
    )
    rounds["gap"] = (rounds["first"] - rounds["second"]).abs()
    return rounds.sort_values("round", ignore_index=True)


def _use_white_template() -> None:
    """Make plotly_white the default template rather than naming it on each figure.

    Naming a template copies and validates all of it for every figure (about 20 ms each,
    several times per page run); the default template is applied once, when drawn.
    """
    if pio.templates.default != "plotly_white":
        pio.templates.default = "plotly_white"


def _style(fig: go.Figure, x_title: str | None, y_title: str | None, *, height: int = 520) -> None:
    """Large type and a legend below the plot, readable from across a room."""
    _use_white_template()
    fig.update_layout(
        font={"size": BASE_FONT_SIZE},
        # Anchored to the bottom of the whole figure, so it never sits on the x-axis title.
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "font_size": BASE_FONT_SIZE,
        },
        hoverlabel={"font_size": BASE_FONT_SIZE},
        height=height,
        margin={"b": 130},
    )
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)


def _session_ticks(fig: go.Figure, x: str) -> None:
    if x == "session":
        fig.update_xaxes(tickmode="linear", dtick=1)


def _empty(message: str) -> go.Figure:
    """A figure with no traces and a sentence saying why, instead of bare axes.

    The sentence breaks after its first colon: plotly never wraps an annotation by itself.
    """
    _use_white_template()
    fig = go.Figure()
    fig.update_layout(
        font={"size": BASE_FONT_SIZE},
        height=320,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
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
    )
    return fig


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

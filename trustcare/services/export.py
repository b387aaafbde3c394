"""Exports of one couple's record for the counselor: a CSV of check-ins and a printable report.

Both go through `couple_progress`, so they are scoped by `uow.couples.get` like every other
counselor service, and both are written to the audit trail.

What each export holds, and why:
- The CSV is the counselor's own working copy (the counselor sees everything of their own
  couples), so it carries reflections and safety answers.
- The printed report is made to leave the screen: it is printed, saved as PDF, shown to the
  couple or filed. So it holds scores only. Reflections, safety answers and private session notes
  are left out entirely, not even a "yes (see record)" marker: a marker beside one partner's row
  tells the other partner that a safety answer was given, which is the disclosure the private
  question exists to prevent. Safety answers stay in the app (alerts, the record) and the CSV.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go

from trustcare import charts
from trustcare.content_catalog import Catalog
from trustcare.content_schema import Measure
from trustcare.languages import NAMES_IN_ENGLISH
from trustcare.models import Couple, utcnow
from trustcare.persistence.uow import CounselorWork
from trustcare.scoring import classify_change
from trustcare.services.checkins import MEASURE_ID
from trustcare.services.progress import CoupleProgress, couple_progress

# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The printable width of A4 (210 mm) and Letter (216 mm) with 15 mm margins is about 180 mm,
# which is 680 CSS pixels; charts drawn at that width print without being cut off or scaled.
PRINT_WIDTH_PX = 680
PRINT_FONT_SIZE = 12

CHANGE_WORDS = {
    "improved": "Reliable improvement",
    "unchanged": "No reliable change",
    "deteriorated": "Reliable deterioration",
    "recovered": "Recovered",
}


# --- CSV ----------------------------------------------------------------------------------------


def defuse_formula(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe, so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _yes_no(values: pd.Series) -> pd.Series:
    return values.map(lambda flag: "yes" if bool(flag) else "no")


def _safety_answer(values: pd.Series) -> pd.Series:
    """An unanswered safety question is "unanswered", never "no"."""
    return values.map(lambda flag: "unanswered" if pd.isna(flag) else "yes" if flag else "no")


def _csv_frame(progress: CoupleProgress) -> pd.DataFrame:
    frame = progress.checkins
    subscale_columns = {title: f"sub_{sub_id}" for sub_id, title in progress.subscales}
    headers = [
        "partner",
        "submitted (UTC)",
        "session",
        "trust pulse total",
        "overall trust",
        "practice",
        *subscale_columns,
        "safety answer",
        "reflection",
        "reflection shared",
        "answered in",
        "entered by",
    ]
    if frame.empty:
        return pd.DataFrame(columns=[defuse_formula(h) for h in headers])
    out = pd.DataFrame(
        {
            "partner": frame["partner"],
            "submitted (UTC)": frame["submitted_at"]
            .dt.tz_convert("UTC")
            .dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "session": frame["session_number"].astype("int64"),
            "trust pulse total": frame["total"],
            "overall trust": frame["overall"].round().astype("Int64"),
            "practice": frame["practice"].round().astype("Int64"),
            **{title: frame[column] for title, column in subscale_columns.items()},
            "safety answer": _safety_answer(frame["safety_flag"]),
            "reflection": frame["reflection"].fillna(""),
            "reflection shared": _yes_no(frame["reflection_shared"]),
            "answered in": frame["language"].map(NAMES_IN_ENGLISH),
            "entered by": frame["entered_in_room"].map(
                lambda in_room: "counselor, in session" if in_room else "partner"
            ),
        },
        columns=headers,
    )
    for column in ("partner", "reflection"):
        out[column] = out[column].map(defuse_formula)
    # Subscale titles can come from a practice's own content, so headers are defused too.
    out.columns = [defuse_formula(h) for h in out.columns]
    return out


def checkins_csv(uow: CounselorWork, catalog: Catalog, couple_id: int) -> bytes:
    """The couple's check-ins as CSV, UTF-8 with a byte-order mark so spreadsheets read accents.

    One row per check-in, oldest first; "session" is the latest session held on or before the
    check-in day (0 = before the first session).
    """
    progress = couple_progress(uow, catalog, couple_id)
    frame = _csv_frame(progress)
    text = frame.to_csv(index=False, lineterminator="\r\n", float_format="%g")
    uow.record("export.checkins_csv", "couple", progress.couple_id, rows=len(frame))
    uow.commit()
    return text.encode("utf-8-sig")


# --- printable report ---------------------------------------------------------------------------


REPORT_CSS = """
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #111; max-width: 180mm; margin: 0 auto; padding: 10mm 4mm; }
h1 { font-size: 20pt; margin: 0 0 2pt; }
h2 { font-size: 14pt; margin: 16pt 0 6pt; }
p { margin: 4pt 0; }
.meta { margin: 0 0 10pt; }
.caveat { border-left: 3pt solid #555; padding: 2pt 8pt; margin: 10pt 0; }
.confidential { font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 4pt 0 8pt; }
th, td { border: 1px solid #888; padding: 2pt 4pt; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { font-size: 9pt; }
.chart { width: 100%; overflow: hidden; }
@page { margin: 15mm; }
@media print {
  body { max-width: none; padding: 0; }
  section.chart-section { break-before: page; page-break-before: always; }
  tr, .chart { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _num(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _signed(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value == 0:
        return "0"
    return ("+" if value > 0 else "−") + _num(abs(value))


def _day(value: pd.Timestamp | dt.datetime) -> str:
    return f"{value.day} {value:%b %Y}"


def _first_last(values: pd.Series) -> tuple[float | None, float | None]:
    present = values.dropna()
    if present.empty:
        return None, None
    return float(present.iloc[0]), float(present.iloc[-1])


def _change(first: float | None, last: float | None) -> float | None:
    return None if first is None or last is None else last - first


def _table(headers: Iterable[str], rows: Iterable[Iterable[tuple[str, bool]]]) -> str:
    """An HTML table from already-escaped cells; (text, numeric) pairs right-align numbers."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{t}</td>' if n else f"<td>{t}</td>" for t, n in row)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary_table(progress: CoupleProgress, measure: Measure, sharing: dict[int, str]) -> str:
    frame = progress.checkins
    rows = []
    for partner_id in progress.partner_ids:
        own = frame[frame["partner_id"] == partner_id] if len(frame) else frame
        first_total, last_total = _first_last(own["total"]) if len(own) else (None, None)
        first_overall, last_overall = _first_last(own["overall"]) if len(own) else (None, None)
        scored = int(own["total"].notna().sum()) if len(own) else 0
        if scored >= 2 and first_total is not None and last_total is not None:
            verdict = CHANGE_WORDS[classify_change(first_total, last_total, measure)]
        elif scored == 1:
            verdict = "One scored check-in so far"
        else:
            verdict = "No scored check-ins yet"
        rows.append(
            [
                (_e(progress.partner_names[partner_id]), False),
                (str(len(own)), True),
                (_num(first_total), True),
                (_num(last_total), True),
                (_signed(_change(first_total, last_total)), True),
                (_num(first_overall), True),
                (_num(last_overall), True),
                (_signed(_change(first_overall, last_overall)), True),
                (_e(verdict), False),
                (_e(sharing.get(partner_id, "not asked yet")), False),
            ]
        )
    low, high = measure.total.range
    headers = [
        "Partner",
        "Check-ins",
        f"First total ({_num(low)}–{_num(high)})",
        "Latest total",
        "Change in total",
        "First overall trust (0–10)",
        "Latest overall trust",
        "Change in overall trust",
        "Change in total, judged by the reliable change index",
        "Agreed to show scores in joint sessions",
    ]
    return _table(headers, rows)


def _entered_by(in_room: bool, language: str) -> str:
    """Who entered a check-in, and the language when it was not English."""
    who = "counselor, in session" if in_room else "partner"
    if language != "en":
        who += f" ({NAMES_IN_ENGLISH.get(language, language)})"
    return _e(who)


def _checkin_table(progress: CoupleProgress) -> str:
    frame = progress.checkins
    if frame.empty:
        return "<p>No check-ins yet.</p>"
    rows = []
    for row in frame.to_dict("records"):
        when = row["submitted_at"].tz_convert("UTC")
        session = int(row["session_number"])
        rows.append(
            [
                (_e(row["partner"]), False),
                (_e(f"{_day(when)} {when:%H:%M}"), False),
                (str(session) if session else "–", True),
                (_num(row["total"]), True),
                (_num(row["overall"]), True),
                (_num(row["practice"]), True),
                *((_num(row[f"sub_{sub_id}"]), True) for sub_id, _ in progress.subscales),
                (_entered_by(row["entered_in_room"], row["language"]), False),
            ]
        )
    headers = [
        "Partner",
        "Submitted (UTC)",
        "Session",
        "Total",
        "Overall trust",
        "Practice (0–3)",
        *(_e(title) for _, title in progress.subscales),
        "Entered by",
    ]
    return _table(headers, rows)


def _for_print(fig: go.Figure) -> go.Figure:
    """The shared-screen figure resized for paper: page width and smaller type."""
    fig.update_layout(
        width=PRINT_WIDTH_PX,
        autosize=False,
        font={"size": PRINT_FONT_SIZE},
        legend={"font": {"size": PRINT_FONT_SIZE}},
        hoverlabel={"font": {"size": PRINT_FONT_SIZE}},
    )
    fig.update_annotations(font_size=PRINT_FONT_SIZE)
    return fig


def _chart_sections(progress: CoupleProgress) -> list[tuple[str, str, go.Figure]]:
    frame, order = progress.checkins, list(progress.partner_ids)
    threshold = progress.rc_threshold
    return [
        (
            "Trust-pulse total by session",
            "The shaded band around each partner's first score is the reliable-change band: "
            "a later point outside it is a change larger than measurement noise.",
            charts.progress_figure(
                frame, "session", "total", threshold, progress.events, partner_order=order
            ),
        ),
        (
            "Trust-pulse total by date",
            "The same scores by the date of each check-in, with assignments made and completed.",
            charts.progress_figure(
                frame, "date", "total", threshold, progress.events, partner_order=order
            ),
        ),
        (
            "Subscales by session",
            "Each subscale is the mean of its items, scored 0 to 4.",
            charts.subscale_figure(frame, progress.subscales, "session", partner_order=order),
        ),
        (
            "Gap between the partners by session",
            "How far apart the partners' totals were in each session, against the practice's "
            "divergence threshold.",
            charts.gap_figure(
                frame, "session", threshold=progress.divergence_gap, partner_order=order
            ),
        ),
    ]


def _caveat(measure: Measure, threshold: float) -> str:
    rc = measure.reliable_change
    parts = []
    if measure.provisional:
        parts.append(
            f"The {_e(measure.title)} is TrustCare's own short check-in. It is not a validated "
            "instrument: it has not been tested in research and cannot diagnose anything, so "
            "its scores are a starting point for conversation, not a verdict."
        )
    constants = f"SD {rc.sd:.1f}, reliability {rc.reliability:.2f}"
    if rc.provisional:
        parts.append(
            f"Reliable change uses provisional constants ({constants}), not estimates from "
            f"data: a change of more than {threshold:.1f} points on the total counts as "
            "reliable (Jacobson–Truax, 95%). They can be recalibrated from the practice's own "
            "check-ins with <code>trustcare calibrate</code>."
        )
    else:
        parts.append(
            f"Reliable change uses the constants {constants}: a change of more than "
            f"{threshold:.1f} points on the total counts as reliable (Jacobson–Truax, 95%)."
        )
    return f'<div class="caveat"><p>{" ".join(parts)}</p></div>'


def _sharing_choices(uow: CounselorWork, couple: Couple) -> dict[int, str]:
    words = {True: "yes", False: "no", None: "not asked yet"}
    return {partner_id: words[choice] for partner_id, choice in uow.exports.sharing_choices(couple)}


def progress_report_html(
    uow: CounselorWork,
    catalog: Catalog,
    couple_id: int,
    generated_at: dt.datetime | None = None,
) -> str:
    """A self-contained HTML progress report that the counselor prints or saves as PDF.

    Works offline (plotly.js is inlined once). Holds scores only: no reflections, no safety
    answers, no session notes (see the module docstring). Every text from the database is
    HTML-escaped.
    """
    couple = uow.couples.get(couple_id)
    progress = couple_progress(uow, catalog, couple.id)
    measure = catalog.measure(MEASURE_ID)
    sharing = _sharing_choices(uow, couple)
    generated_at = (generated_at or utcnow()).astimezone(dt.UTC)

    label = _e(couple.label)
    names = [_e(progress.partner_names[pid]) for pid in progress.partner_ids]
    frame = progress.checkins
    if frame.empty:
        period = "No check-ins yet."
    else:
        first, last = frame["submitted_at"].min(), frame["submitted_at"].max()
        period = f"Check-ins from {_day(first)} to {_day(last)} (UTC)."

    sections = []
    for index, (title, explanation, fig) in enumerate(_chart_sections(progress)):
        chart = _for_print(fig).to_html(
            full_html=False,
            include_plotlyjs=index == 0,
            config={"displayModeBar": False, "responsive": False},
        )
        sections.append(
            f'<section class="chart-section"><h2>{_e(title)}</h2>'
            f'<p class="note">{_e(explanation)}</p><div class="chart">{chart}</div></section>'
        )

    report = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Progress report: {label}</title>
<style>{REPORT_CSS}</style>
</head>
<body>
<header>
<h1>Progress report</h1>
<p class="meta"><strong>{label}</strong>: {" and ".join(names)}<br>
{_e(period)}<br>
Prepared by {_e(uow.actor.display_name)}, {_e(_day(generated_at))} \
{generated_at:%H:%M} UTC</p>
<p class="confidential">Confidential, for the counselor's records. It shows both partners'
scores whatever they chose to share in joint sessions (see the last column below); check
those choices before showing it to the couple.</p>
</header>
<main>
{_caveat(measure, progress.rc_threshold)}
<h2>Summary</h2>
{_summary_table(progress, measure, sharing)}
<p class="note">First and latest are each partner's first and most recent scored check-in.
Reflections, safety answers and private session notes are not part of this report.</p>
{"".join(sections)}
<section class="chart-section">
<h2>Check-ins</h2>
{_checkin_table(progress)}
<p class="note">Session: the latest session held on or before the day of the check-in
(– means before the first session). Subscales are scored 0 to 4.</p>
</section>
</main>
</body>
</html>
"""
    uow.record("export.progress_report", "couple", couple.id)
    uow.commit()
    return report

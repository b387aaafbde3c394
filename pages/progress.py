"""One couple's progress: both partners over sessions, subscales, the gap, homework and exports."""

import pandas as pd
import streamlit as st

from trustcare import charts
from trustcare.errors import NotFound
from trustcare.languages import NAMES_IN_ENGLISH
from trustcare.services import export, progress
from trustcare.ui import feedback_view, state
from trustcare.ui.chart import show_remembered_chart
from trustcare.ui.text import escape_markdown

context = state.get_context()
actor = state.current_actor(context)
catalog = context.catalog()

try:
    couple_id = int(st.query_params.get("couple", ""))
    with context.work(actor, read_only=True) as uow:
        shown = progress.progress_page(uow, catalog, couple_id)
    data, alerts = shown.progress, shown.alerts
except (ValueError, NotFound):
    st.title("Progress")
    st.warning("That couple was not found in your caseload.")
    st.page_link("pages/caseload.py", label="Back to the caseload", icon=":material/arrow_back:")
    st.stop()

names = " & ".join(escape_markdown(name) for name in data.partner_names.values())
st.page_link(
    "pages/couple.py",
    label="Couple record",
    icon=":material/arrow_back:",
    query_params={"couple": couple_id},
)
st.title(f"Progress: {names}")
if data.provisional:
    st.caption(
        "Trust pulse is TrustCare's own brief check-in, not a validated instrument. The shaded "
        f"band around each partner's first score (±{data.rc_threshold:.1f} points) uses "
        "provisional reliable-change constants: movement inside it may be noise."
    )
for alert in alerts:
    (st.error if alert.severity == "urgent" else st.warning)(escape_markdown(alert.message))

VIEWS = [
    "Trust over time",
    "Gap between partners",
    "Practice and trust",
    "Subscales",
    "Check-ins",
    "Session feedback",
]
over_time, gap, practice, subscales, table, feedback = st.tabs(
    VIEWS, key="progress_view", on_change="rerun"
)
# Only the open view is built: every chart costs time on each rerun of the page.
order = list(data.partner_ids)
frame = data.checkins


def along() -> str:
    return (
        st.segmented_control(
            "Along",
            ["session", "date"],
            default="session",
            format_func={"session": "Session number", "date": "Date"}.get,
            key="progress_along",
        )
        or "session"
    )


if over_time.open:
    with over_time:
        axis_col, measure_col = st.columns(2)
        with axis_col:
            x = along()
        measure = (
            measure_col.segmented_control(
                "Show",
                ["total", "overall"],
                default="total",
                format_func={"total": "Trust pulse (0–32)", "overall": "Overall trust (0–10)"}.get,
            )
            or "total"
        )
        show_remembered_chart(
            "progress_chart",
            shown,
            (x, measure),
            lambda: charts.progress_figure(
                frame,
                x=x,
                measure=measure,
                rc_threshold=data.rc_threshold if measure == "total" else None,
                events=data.events,
                partner_order=order,
            ),
        )
elif gap.open:
    with gap:
        x = along()
        show_remembered_chart(
            "gap_chart",
            shown,
            (x,),
            lambda: charts.gap_figure(
                frame, x=x, threshold=data.divergence_gap, partner_order=order
            ),
        )
elif practice.open:
    with practice:
        show_remembered_chart(
            "practice_chart",
            shown,
            (),
            lambda: charts.practice_figure(frame, partner_order=order),
        )
elif subscales.open:
    with subscales:
        x = along()
        show_remembered_chart(
            "subscale_chart",
            shown,
            (x,),
            lambda: charts.subscale_figure(frame, data.subscales, x=x, partner_order=order),
        )
elif feedback.open:
    with feedback:
        feedback_view.show(shown.feedback)
elif table.open:
    with table:
        if frame.empty:
            st.info("No check-ins yet.")
        else:
            newest_first = frame.sort_values("submitted_at", ascending=False)
            st.dataframe(
                pd.DataFrame(
                    {
                        "When": newest_first["submitted_at"],
                        "Partner": newest_first["partner"],
                        "Session": newest_first["session_number"],
                        "Trust pulse": newest_first["total"],
                        "Overall": newest_first["overall"],
                        "Practice": newest_first["practice"],
                        **{title: newest_first[f"sub_{sid}"] for sid, title in data.subscales},
                        "Safety": newest_first["safety_flag"].map(
                            lambda flag: "unanswered" if flag is None else "⚠ yes" if flag else ""
                        ),
                        "Entered by": newest_first["entered_in_room"].map(
                            lambda in_room: "counselor, in session" if in_room else "partner"
                        ),
                        "Answered in": newest_first["language"].map(NAMES_IN_ENGLISH),
                    }
                ),
                hide_index=True,
                # An empty cell for a missing value, not the word "None".
                placeholder="",
                width="stretch",
                column_config={"When": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
            )


def _csv() -> bytes:
    with context.work(actor) as uow:
        return export.checkins_csv(uow, catalog, couple_id)


def _report() -> str:
    with context.work(actor) as uow:
        return export.progress_report_html(uow, catalog, couple_id)


st.subheader("Export")
csv_col, report_col = st.columns(2)
csv_col.download_button(
    "Check-ins as CSV",
    data=_csv,
    file_name=f"checkins-couple-{couple_id}.csv",
    mime="text/csv",
    icon=":material/download:",
)
report_col.download_button(
    "Printable progress report (HTML)",
    data=_report,
    file_name=f"progress-report-couple-{couple_id}.html",
    mime="text/html",
    icon=":material/print:",
    help="Open it in a browser and print, or save as PDF.",
)

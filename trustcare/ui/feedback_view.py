"""Both partners' session feedback side by side, for the counselor only (couple record and
progress page). Session mode never draws it: the shared screen must not show it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from trustcare import charts
from trustcare.languages import NAMES_IN_ENGLISH
from trustcare.services.session_feedback import CoupleFeedback, PartnerFeedback
from trustcare.ui.text import escape_markdown


def _cell(feedback: PartnerFeedback | None, out_of: float) -> str:
    if feedback is None:
        return "not given"
    if feedback.total is None:
        return "too many skipped to score"
    return f"{feedback.total:g} of {out_of:g}"


def _how(feedback: PartnerFeedback | None) -> str:
    """Who entered it and in which language, when it was not the partner in English."""
    if feedback is None:
        return ""
    parts = []
    if feedback.entered_in_room:
        parts.append("entered by the counselor in session")
    if feedback.language != "en":
        parts.append(f"answered in {NAMES_IN_ENGLISH.get(feedback.language, feedback.language)}")
    return "; ".join(parts)


def show(data: CoupleFeedback) -> None:
    measure = data.measure
    if measure is None:
        st.info("The content library has no session-feedback measure.")
        return
    out_of = float(measure.total.range[1])
    st.caption(
        f"{measure.title}: each partner's private view of a session, asked on their own link "
        f"after each logged session ({out_of:g} at most; cut-off {measure.cutoff:g}). "
        "TrustCare's own questions, not a validated instrument. Neither partner sees the "
        "other's answers, and session mode never shows them."
    )
    if not data.sessions:
        st.info("No sessions logged yet: feedback is asked after each logged session.")
        return
    names = {
        pid: f"{position}. {data.partner_names.get(pid, '')}"
        for position, pid in enumerate(data.partner_ids, start=1)
    }
    st.plotly_chart(
        charts.session_feedback_figure(data.frame, data.partner_names, measure.cutoff),
        config={"displayModeBar": False},
    )
    table: dict[str, list[object]] = {
        "Session": [row.number for row in data.sessions],
        "Held on": [row.held_on for row in data.sessions],
    }
    for pid in data.partner_ids:
        table[names[pid]] = [_cell(row.by_partner.get(pid), out_of) for row in data.sessions]
        table[f"{names[pid]}: how"] = [_how(row.by_partner.get(pid)) for row in data.sessions]
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", placeholder="")
    items = [item for item in measure.items if item.scale is not None]
    for row in data.sessions:
        answered = [f for f in row.by_partner.values() if f is not None]
        if not answered:
            continue
        with st.expander(f"Session {row.number} ({row.held_on:%d %b %Y}): answers side by side"):
            columns = st.columns(len(data.partner_ids))
            for column, pid in zip(columns, data.partner_ids, strict=True):
                feedback = row.by_partner.get(pid)
                with column:
                    st.markdown(f"**{escape_markdown(data.partner_names.get(pid, ''))}**")
                    if feedback is None:
                        st.caption("No feedback on this session.")
                        continue
                    for item in items:
                        answer = feedback.answers.get(item.id)
                        st.text(f"{item.text}: {'skipped' if answer is None else answer}")
                    if how := _how(feedback):
                        st.caption(how.capitalize())
                    if feedback.comment:
                        st.caption("Comment:")
                        st.text(feedback.comment)

"""The couple record's agenda tab: alerts to acknowledge and what to raise since last session."""

from __future__ import annotations

import streamlit as st

from trustcare.services import progress
from trustcare.ui.text import escape_markdown

ICONS = {
    "safety": ":material/emergency:",
    "deterioration": ":material/trending_down:",
    "divergence": ":material/call_split:",
    "checkins": ":material/checklist:",
    "reflection": ":material/chat:",
    "unfinished": ":material/pending:",
    "one_sided_work": ":material/person:",
    "no_checkin": ":material/schedule:",
    "overdue": ":material/event_busy:",
    "next_stage": ":material/skip_next:",
}


def show(context, actor, record, agenda: progress.CoupleAgenda) -> None:
    if agenda.alerts:
        st.subheader("Alerts")
    for alert in agenda.alerts:
        box = st.error if alert.severity == "urgent" else st.warning
        message, action = st.columns([5, 1], vertical_alignment="center")
        with message:
            box(alert.message, icon=ICONS.get(alert.kind))
        if action.button(
            "Acknowledge",
            key=f"ack_{alert.key}",
            help="Hide this alert until something new happens.",
        ):
            with context.work(actor) as uow:
                progress.acknowledge_alert(uow, record.id, alert.key)
            st.rerun()
    st.subheader("Since the last session")
    if not agenda.items:
        st.info("Nothing new since the last session.")
    for item in agenda.items:
        with st.container(border=True):
            st.markdown(f"{ICONS.get(item.kind, '')} **{escape_markdown(item.title)}**")
            if item.detail:
                st.text(item.detail)

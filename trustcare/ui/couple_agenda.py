"""The couple record's agenda tab: alerts to acknowledge and what to raise since last session."""

from __future__ import annotations

import streamlit as st

from trustcare.alerts import Alert
from trustcare.context import AppContext
from trustcare.errors import ServiceError
from trustcare.identity import Actor
from trustcare.services import agendas
from trustcare.services.couples import CoupleRecord
from trustcare.ui.forms import show_problems
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
    "due_not_done": ":material/event_upcoming:",
    "overdue": ":material/event_busy:",
    "feedback_low": ":material/sentiment_dissatisfied:",
    "feedback_drop": ":material/trending_down:",
    "feedback_split": ":material/call_split:",
    "next_stage": ":material/skip_next:",
    "next_session": ":material/event:",
}


def show(
    context: AppContext, actor: Actor, record: CoupleRecord, agenda: agendas.CoupleAgenda
) -> None:
    if agenda.alerts:
        st.subheader("Alerts")
    for alert in agenda.alerts:
        if alert.kind == "safety":
            _acknowledge_with_note(context, actor, record, alert)
            continue
        message, action = st.columns([5, 1], vertical_alignment="center")
        with message:
            _alert_box(alert)
        if action.button(
            "Acknowledge",
            key=f"ack_{alert.key}",
            help="Hide this alert until something new happens.",
        ):
            _acknowledge(context, actor, record, alert.key, "")
    _acknowledged(context, actor, record, agenda.acknowledged)
    st.subheader("Since the last session")
    if not agenda.items:
        st.info("Nothing new since the last session.")
    for item in agenda.items:
        with st.container(border=True):
            st.markdown(f"{ICONS.get(item.kind, '')} **{escape_markdown(item.title)}**")
            if item.detail:
                st.text(item.detail)


def _alert_box(alert: Alert) -> None:
    """An urgent alert in red, the others in amber."""
    box = st.error if alert.severity == "urgent" else st.warning
    box(escape_markdown(alert.message), icon=ICONS.get(alert.kind))


def _acknowledge_with_note(
    context: AppContext, actor: Actor, record: CoupleRecord, alert: Alert
) -> None:
    """A safety answer is acknowledged with what was done; the note stays if it is refused."""
    _alert_box(alert)
    with st.form(f"ack_form_{alert.key}", border=False):
        note = st.text_input(
            "What was done (required to acknowledge)",
            key=f"ack_note_{alert.key}",
            placeholder="For example: phoned the partner, safety plan reviewed",
        )
        if st.form_submit_button("Acknowledge"):
            _acknowledge(context, actor, record, alert.key, note)


def _acknowledge(
    context: AppContext, actor: Actor, record: CoupleRecord, alert_key: str, note: str
) -> None:
    try:
        with context.work(actor) as uow:
            agendas.acknowledge_alert(uow, record.id, alert_key, note)
    except ServiceError as error:
        show_problems(error)
        return
    st.session_state.pop(f"ack_note_{alert_key}", None)
    st.rerun()


def _acknowledged(
    context: AppContext,
    actor: Actor,
    record: CoupleRecord,
    acknowledged: list[agendas.AcknowledgedAlert],
) -> None:
    """Recent acknowledgements with their notes; the counselor who made one can undo it."""
    if not acknowledged:
        return
    with st.expander(f"Acknowledged alerts ({len(acknowledged)})"):
        for done in acknowledged:
            text, action = st.columns([5, 1], vertical_alignment="center")
            text.text(
                f"{done.title} · acknowledged {done.acknowledged_at:%Y-%m-%d %H:%M} UTC "
                f"by {done.by}" + (f"\nWhat was done: {done.note}" if done.note else "")
            )
            if done.may_undo and action.button(
                "Undo",
                key=f"unack_{done.id}",
                help="Show this alert again.",
            ):
                try:
                    with context.work(actor) as uow:
                        agendas.undo_acknowledgement(uow, record.id, done.id)
                except ServiceError as error:
                    show_problems(error)
                else:
                    st.rerun()

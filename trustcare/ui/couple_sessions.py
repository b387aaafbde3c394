"""The couple record's sessions tab: log the next session, read and edit private notes."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from trustcare.services import couples
from trustcare.services.errors import ServiceError
from trustcare.ui.forms import save_or_show_problems, show_problems


def show(context, actor, record) -> None:
    with st.form("log_session", clear_on_submit=True):
        st.subheader(f"Log session {record.next_session_number}")
        held_on = st.date_input("Date", value=dt.date.today(), max_value=dt.date.today())
        notes = st.text_area("Private notes (never shown to the couple)", height=150)
        if st.form_submit_button("Save session", type="primary"):
            save_or_show_problems(
                context, actor, lambda uow: couples.log_session(uow, record.id, held_on, notes)
            )

    if not record.sessions:
        st.info("No sessions logged yet.")
    for session in record.sessions:
        with st.expander(f"Session {session.number} · {session.held_on:%Y-%m-%d}"):
            edited = st.text_area(
                "Private notes", value=session.notes, key=f"notes_{session.id}", height=150
            )
            if st.button("Save notes", key=f"save_{session.id}"):
                try:
                    with context.work(actor) as uow:
                        couples.update_session_notes(uow, record.id, session.id, edited)
                except ServiceError as error:
                    show_problems(error)
                else:
                    st.toast("Notes saved.")

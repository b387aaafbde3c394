"""The couple record's sessions tab: log the next session, correct or delete a logged one."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from trustcare.context import AppContext
from trustcare.errors import ServiceError
from trustcare.identity import Actor
from trustcare.services import couples
from trustcare.services.couples import CoupleRecord, SessionView
from trustcare.ui import drafts
from trustcare.ui.forms import OneUseForm, show_problems


def show(context: AppContext, actor: Actor, record: CoupleRecord) -> None:
    form = OneUseForm("log-session", record.id)
    if form.key("date") not in st.session_state:
        st.session_state[form.key("date")] = dt.date.today()
    st.subheader(f"Log session {record.next_session_number}")
    form.show_confirmation()
    with st.container(border=True):
        st.date_input("Date", max_value=dt.date.today(), key=form.key("date"))
        st.text_area("Private notes (never shown to the couple)", height=150, key=form.key("notes"))
        st.button(
            "Save session",
            type="primary",
            key=form.button_key("save"),
            on_click=_log_session,
            args=(context, actor, record.id, record.next_session_number, form, form.submission),
        )
        form.show_problem()

    if not record.sessions:
        st.info("No sessions logged yet.")
    for session in record.sessions:
        with st.expander(f"Session {session.number} · {session.held_on:%Y-%m-%d}"):
            _logged_session(context, actor, record, session)


def _log_session(
    context: AppContext,
    actor: Actor,
    couple_id: int,
    number: int,
    form: OneUseForm,
    submission: str,
) -> None:
    """A button callback: it runs before the page, so a saved form starts empty; a refused
    one stays as typed, with the reason shown under it. The submission key was fixed when the
    button was drawn, so a double click logs one session."""
    values = form.values("date", "notes")
    try:
        with context.work(actor) as uow:
            couples.log_session(
                uow, couple_id, values["date"], values["notes"] or "", submission=submission
            )
    except ServiceError as error:
        form.refused(error)
    else:
        form.saved(submission, f"Session {number} saved.")


def _logged_session(
    context: AppContext, actor: Actor, record: CoupleRecord, session: SessionView
) -> None:
    """Correct a session's date or notes; delete it, with a reason, if it was logged by mistake."""
    date_key = drafts.key("session-date", session.id)
    notes_key = drafts.key("session-notes", session.id)
    if notes_key not in st.session_state:
        st.session_state[notes_key] = session.notes
    if date_key not in st.session_state:
        st.session_state[date_key] = session.held_on
    st.date_input("Date", max_value=dt.date.today(), key=date_key)
    st.text_area("Private notes", key=notes_key, height=150)
    if st.button("Save changes", key=f"save_{session.id}"):
        try:
            with context.work(actor) as uow:
                couples.correct_session(
                    uow,
                    record.id,
                    session.id,
                    st.session_state[date_key],
                    st.session_state[notes_key],
                )
        except ServiceError as error:
            show_problems(error)
        else:
            drafts.forget(date_key, notes_key)
            st.toast(f"Session {session.number} saved.")
            st.rerun()
    with st.popover("Delete this session", icon=":material/delete:"):
        reason_key = f"delete_reason_{session.id}"
        st.text_input(
            "Why? (kept in the audit trail)",
            placeholder="for example: logged twice by mistake",
            key=reason_key,
        )
        if st.button("Delete session", key=f"delete_{session.id}", type="primary"):
            try:
                with context.work(actor) as uow:
                    couples.delete_session(
                        uow, record.id, session.id, st.session_state.get(reason_key) or ""
                    )
            except ServiceError as error:
                show_problems(error)
            else:
                drafts.forget(date_key, notes_key)
                st.session_state.pop(reason_key, None)
                st.toast(f"Session {session.number} deleted; later sessions moved up one.")
                st.rerun()

"""The couple record's details tab: rename the couple or its partners, change its status."""

from __future__ import annotations

import streamlit as st

from trustcare.services import couples
from trustcare.ui.forms import save_or_show_problems

STATUS_ACTIONS = {
    "active": [("paused", "Pause"), ("closed", "Close")],
    "paused": [("active", "Resume"), ("closed", "Close")],
    "closed": [("active", "Reopen")],
}


def show(context, actor, record) -> None:
    with st.form("edit_couple"):
        label = st.text_input("Couple label", value=record.label, max_chars=80)
        columns = st.columns(2)
        edits = []
        for column, partner in zip(columns, record.partners, strict=True):
            name = column.text_input(
                f"Partner {partner.position} name", value=partner.display_name, max_chars=80
            )
            contact = column.text_input(
                f"Partner {partner.position} contact", value=partner.contact, max_chars=254
            )
            edits.append(couples.PartnerInput(name, contact))
        if st.form_submit_button("Save details"):
            save_or_show_problems(
                context, actor, lambda uow: couples.update_couple(uow, record.id, label, edits)
            )
    st.subheader("Status")
    actions = STATUS_ACTIONS[record.status]
    for column, (new_status, verb) in zip(st.columns(len(actions)), actions, strict=True):
        if column.button(verb, key=f"status_{new_status}"):
            with context.work(actor) as uow:
                couples.set_status(uow, record.id, new_status)
            st.rerun()

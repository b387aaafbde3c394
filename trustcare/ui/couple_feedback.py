"""The couple record's session-feedback tab: both partners side by side, and in-room entry for
a partner who is in the room without their phone."""

from __future__ import annotations

import uuid

import streamlit as st

from trustcare.content_catalog import Catalog
from trustcare.context import AppContext
from trustcare.identity import Actor
from trustcare.services import session_feedback
from trustcare.services.couples import CoupleRecord
from trustcare.ui import feedback_view

FORMS = {"checkin": "their check-in", "feedback": "their feedback on the last session"}


def in_room_entry(record: CoupleRecord, key: str, default_form: str = "checkin") -> None:
    """Open in-room entry for one partner: the screen then faces them, with their form only."""
    with st.container(border=True):
        st.markdown("**In the room without a phone?**")
        partner_col, form_col, go_col = st.columns([2, 2, 1], vertical_alignment="bottom")
        partner = partner_col.selectbox(
            "Enter for",
            record.partners,
            format_func=lambda p: p.display_name,
            key=f"{key}_partner",
        )
        form = form_col.selectbox(
            "What",
            list(FORMS),
            index=list(FORMS).index(default_form),
            format_func=FORMS.__getitem__,
            key=f"{key}_form",
        )
        if go_col.button("Start", key=f"{key}_start", icon=":material/tablet:"):
            st.switch_page(
                "pages/room_entry.py",
                query_params={
                    "couple": record.id,
                    "partner": partner.id,
                    "form": form,
                    "visit": uuid.uuid4().hex,
                },
            )


def show(context: AppContext, actor: Actor, catalog: Catalog, record: CoupleRecord) -> None:
    with context.work(actor, read_only=True) as uow:
        data = session_feedback.feedback_of(uow, catalog, record.id)
    feedback_view.show(data)
    in_room_entry(record, "feedback_tab_room", default_form="feedback")

"""The couple record's details tab: rename the couple or its partners, change its status, and
(ui/couple_schedule.py) its next session, check-in schedule and reminders.

The fields are drafts (see ui/drafts.py): a half-made change survives a look at another tab.
A field the counselor has not touched follows the record, so a rename made elsewhere shows
instead of being overwritten by an old copy on the next save.
"""

from __future__ import annotations

import streamlit as st

from trustcare.context import AppContext
from trustcare.errors import ServiceError
from trustcare.identity import Actor
from trustcare.languages import LANGUAGES, NAMES_IN_ENGLISH
from trustcare.services import couples
from trustcare.services.couples import CoupleRecord, PartnerView
from trustcare.ui import couple_schedule, drafts
from trustcare.ui.forms import show_problems

STATUS_ACTIONS = {
    "active": [("paused", "Pause"), ("closed", "Close")],
    "paused": [("active", "Resume"), ("closed", "Close")],
    "closed": [("active", "Reopen")],
}
# Why the last "Save details" was refused, shown once under the fields it came from.
PROBLEM_KEY = "edit_couple_problem"


def _label_key(record: CoupleRecord) -> str:
    return drafts.key("couple-label", record.id)


def _partner_keys(record: CoupleRecord, partner: PartnerView) -> tuple[str, str, str]:
    """The draft keys of a partner's name, contact and language."""
    return (
        drafts.key("partner-name", record.id, partner.position),
        drafts.key("partner-contact", record.id, partner.position),
        drafts.key("partner-language", record.id, partner.position),
    )


def _stored_values(record: CoupleRecord) -> dict[str, str]:
    """Each field's draft key and the value the record holds for it."""
    values = {_label_key(record): record.label}
    for partner in record.partners:
        name_key, contact_key, language_key = _partner_keys(record, partner)
        values[name_key] = partner.display_name
        values[contact_key] = partner.contact
        values[language_key] = partner.language
    return values


def _follow_the_record(record: CoupleRecord, stored: dict[str, str]) -> None:
    """Start missing drafts from the record; untouched ones follow it when it changes."""
    # The record's values as they were when the drafts were last started or followed.
    base_key = f"couple_details_base_{record.id}"
    base = st.session_state.get(base_key, {})
    for key, value in stored.items():
        if key not in st.session_state or st.session_state[key] == base.get(key):
            st.session_state[key] = value
    st.session_state[base_key] = dict(stored)


def show(context: AppContext, actor: Actor, record: CoupleRecord) -> None:
    stored = _stored_values(record)
    _follow_the_record(record, stored)
    with st.container(border=True):
        st.text_input("Couple label", key=_label_key(record))
        for column, partner in zip(st.columns(2), record.partners, strict=True):
            name_key, contact_key, language_key = _partner_keys(record, partner)
            column.text_input(f"Partner {partner.position} name", key=name_key)
            column.text_input(f"Partner {partner.position} contact", key=contact_key)
            column.selectbox(
                f"Partner {partner.position} language",
                LANGUAGES,
                format_func=NAMES_IN_ENGLISH.__getitem__,
                key=language_key,
                help="Their page, emails and reminders; they can change it on their page too.",
            )
        # Never disabled: a field's new text reaches the server with the click on a button,
        # so a button disabled until then would swallow the first click.
        save_col, discard_col, _ = st.columns([1, 1, 3])
        save_col.button(
            "Save details", type="primary", on_click=_save, args=(context, actor, record, stored)
        )
        discard_col.button("Discard changes", on_click=drafts.forget, args=list(stored))
        if problem := st.session_state.pop(PROBLEM_KEY, None):
            show_problems(problem)
    st.subheader("Their own progress")
    shown = st.toggle(
        "Each partner sees their own progress on their link",
        value=record.shows_own_progress,
        key=f"own_progress_{record.id}",
        help="Only their own scores and exercises, in plain words: never the other partner's, "
        "never your notes or alerts.",
    )
    if shown != record.shows_own_progress:
        with context.work(actor) as uow:
            couples.set_own_progress(uow, record.id, shown)
        st.rerun()
    st.subheader("Status")
    actions = STATUS_ACTIONS[record.status]
    for column, (new_status, verb) in zip(st.columns(len(actions)), actions, strict=True):
        if column.button(verb, key=f"status_{new_status}"):
            with context.work(actor) as uow:
                couples.set_status(uow, record.id, new_status)
            st.rerun()
    couple_schedule.show(context, actor, record)


def _save(context: AppContext, actor: Actor, record: CoupleRecord, stored: dict[str, str]) -> None:
    """Runs before the page (a button callback), so saved drafts can be cleared; refused ones
    stay as typed, with the reason shown under them. Nothing typed, nothing written."""
    if all(st.session_state.get(key, value) == value for key, value in stored.items()):
        return
    label = st.session_state.get(_label_key(record), record.label)
    partners = [
        couples.PartnerInput(
            *(st.session_state.get(key, "") or "" for key in _partner_keys(record, p)[:2]),
            st.session_state.get(_partner_keys(record, p)[2]) or p.language,
        )
        for p in record.partners
    ]
    try:
        with context.work(actor) as uow:
            couples.update_couple(uow, record.id, label, partners)
    except ServiceError as error:
        st.session_state[PROBLEM_KEY] = error
    else:
        drafts.forget(*stored)

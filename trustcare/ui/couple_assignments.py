"""The couple record's assignments tab: assign modules or tracks, follow progress."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from trustcare.content_catalog import Catalog
from trustcare.context import AppContext
from trustcare.errors import ServiceError
from trustcare.identity import Actor
from trustcare.services import assignments
from trustcare.services.couples import CoupleRecord
from trustcare.ui.forms import OneUseForm
from trustcare.ui.text import escape_markdown

BOTH = "both"

# The assign box's fields; they are drafts, so a look at another tab keeps them.
ASSIGN_FIELDS = ("what", "module", "track", "audience", "due", "note")

STATUS_LABELS = {
    "assigned": "Assigned",
    "in_progress": "In progress",
    "completed": "Completed",
    "skipped": "Skipped",
}


def show(
    context: AppContext,
    actor: Actor,
    catalog: Catalog,
    record: CoupleRecord,
    current: list[assignments.AssignmentView],
) -> None:
    for suggestion in assignments.track_suggestions(catalog, current):
        with st.container(border=True):
            st.write(
                f"**Next in {escape_markdown(suggestion.track_title)}:** stage {suggestion.stage} "
                f"of {suggestion.stages}, {escape_markdown(suggestion.module_title)}."
            )
            if st.button(
                f"Assign {escape_markdown(suggestion.module_title)}",
                key=f"suggest_{suggestion.track_id}",
            ):
                with context.work(actor) as uow:
                    assignments.assign_suggested_stage(uow, catalog, record.id, suggestion)
                st.rerun()

    names = {p.id: p.display_name for p in record.partners}
    if current:
        today = dt.date.today()
        st.dataframe(
            pd.DataFrame(
                {
                    "Module": [f"{a.title} (v{a.module_version})" for a in current],
                    "For": [a.audience for a in current],
                    "Status": [STATUS_LABELS[a.status] for a in current],
                    "Due": [a.due_on for a in current],
                    "Overdue": ["overdue" if a.is_overdue(today) else "" for a in current],
                    **{
                        f"{name}: exercises done": [
                            f"{a.done_by_partner.get(pid, 0)} of {a.exercise_count}"
                            if a.partner_id in (None, pid)
                            else "—"
                            for a in current
                        ]
                        for pid, name in names.items()
                    },
                    "Track": [a.track_id or "" for a in current],
                }
            ),
            hide_index=True,
            # An empty cell for a missing value, not the word "None".
            placeholder="",
            width="stretch",
        )
        with st.form("assignment_status"):
            left, right = st.columns([3, 1])
            chosen = left.selectbox(
                "Change the status of",
                [a.id for a in current],
                format_func=lambda aid: next(
                    f"{a.title} for {a.audience} ({STATUS_LABELS[a.status]})"
                    for a in current
                    if a.id == aid
                ),
            )
            status = right.selectbox(
                "New status", assignments.ASSIGNMENT_STATUSES, format_func=STATUS_LABELS.get
            )
            if st.form_submit_button("Update status"):
                with context.work(actor) as uow:
                    assignments.set_status(uow, record.id, chosen, status)
                st.rerun()
    else:
        st.info("Nothing assigned yet. Choose a module or a whole track below.")

    st.subheader("Assign")
    form = OneUseForm("assign", record.id)
    fields = {name: form.key(name) for name in ASSIGN_FIELDS}
    form.show_confirmation()
    with st.container(border=True):
        st.radio(
            "What",
            ["A module", "A track (starts with its first stage)"],
            horizontal=True,
            key=fields["what"],
        )
        modules = {m.id: m for m in catalog.modules_latest()}
        tracks = {t.id: t for t in catalog.tracks_latest()}
        st.selectbox(
            "Module",
            list(modules),
            format_func=lambda mid: modules[mid].title,
            key=fields["module"],
        )
        st.selectbox(
            "Track", list(tracks), format_func=lambda tid: tracks[tid].title, key=fields["track"]
        )
        st.selectbox(
            "For",
            [BOTH, *names],
            index=None,
            format_func=lambda pid: "Both partners" if pid == BOTH else f"{names[pid]} only",
            help="Tracks are always assigned to both partners.",
            key=fields["audience"],
        )
        st.date_input("Due date", value=None, min_value=dt.date.today(), key=fields["due"])
        st.text_area("A note to the client (they will read it)", key=fields["note"])
        st.button(
            "Assign",
            type="primary",
            key=form.button_key("assign"),
            on_click=_assign,
            args=(context, actor, catalog, record.id, form, form.submission),
        )
        form.show_problem()


def _assign(
    context: AppContext,
    actor: Actor,
    catalog: Catalog,
    couple_id: int,
    form: OneUseForm,
    submission: str,
) -> None:
    """A button callback: it runs before the page, so once assigned the box starts blank
    (the note and the due date belong to that one assignment); a refused one stays as typed,
    with the reason shown under it. A double click brings the same submission key twice and
    assigns once."""
    value = form.values(*ASSIGN_FIELDS)
    try:
        if value["what"] == "A module" and value["audience"] is None:
            raise ServiceError("Choose who the module is for.")
        with context.work(actor) as uow:
            if value["what"] == "A module":
                assignments.assign_module(
                    uow,
                    catalog,
                    couple_id,
                    value["module"],
                    None if value["audience"] == BOTH else value["audience"],
                    value["due"],
                    value["note"] or "",
                    submission=submission,
                )
                what = "The module is assigned"
            else:
                assignments.assign_track(
                    uow,
                    catalog,
                    couple_id,
                    value["track"],
                    value["due"],
                    value["note"] or "",
                    submission=submission,
                )
                what = "The track is assigned, starting with its first stage"
    except ServiceError as error:
        form.refused(error)
    else:
        form.saved(submission, f"{what}. The box below starts blank for the next one.")

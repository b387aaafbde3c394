"""The couple record's check-ins tab: both partners' check-ins and reflections, newest first."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from trustcare.content_catalog import Catalog
from trustcare.languages import NAMES_IN_ENGLISH
from trustcare.services import checkins
from trustcare.services.couples import CoupleRecord
from trustcare.ui.text import escape_markdown

# Times are shown in UTC and the column says so, as on the audit trail.
WHEN = "When (UTC)"


def show(catalog: Catalog, record: CoupleRecord, data: checkins.CoupleCheckins) -> None:
    if not data.checkins and not data.reflections:
        st.info(
            "No check-ins yet. Issue each partner a personal link (Links tab); their check-ins "
            "and reflections appear here."
        )
        return
    measure = catalog.measure(checkins.MEASURE_ID)
    if measure.provisional:
        st.caption(
            f"{measure.title} scores (0–32, higher means more trust) are from TrustCare's own "
            "check-in, which is not a validated instrument; its reliable-change figures are "
            "provisional."
        )
    for partner in record.partners:
        own = [c for c in data.checkins if c.partner_id == partner.id]
        st.subheader(f"{escape_markdown(partner.display_name)}: {len(own)} check-in(s)")
        if not own:
            st.caption("No check-ins yet.")
            continue
        table = pd.DataFrame(
            {
                WHEN: [_utc(c.submitted_at) for c in own],
                "Trust pulse (0–32)": [c.total for c in own],
                "Overall trust (0–10)": [c.overall for c in own],
                "Practice (0–3)": [c.practice for c in own],
                "Safety": [_safety(c.safety_flag) for c in own],
                "Scores in joint sessions": [
                    "shared" if c.scores_shared else "private" for c in own
                ],
                "Note": [c.reflection for c in own],
                "Note is": [
                    "" if not c.reflection else ("shared" if c.reflection_shared else "private")
                    for c in own
                ],
                "Answered in": [NAMES_IN_ENGLISH.get(c.language, c.language) for c in own],
                "Entered by": [
                    "counselor, in session" if c.entered_in_room else "partner" for c in own
                ],
            }
        )
        st.dataframe(
            table,
            hide_index=True,
            # An empty cell for a missing value, not the word "None".
            placeholder="",
            width="stretch",
            column_config={
                WHEN: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                "Trust pulse (0–32)": st.column_config.NumberColumn(format="%.1f"),
            },
        )
    if data.reflections:
        st.subheader("Exercise reflections")
        st.dataframe(
            pd.DataFrame(
                {
                    WHEN: [_utc(r.done_at) for r in data.reflections],
                    "Partner": [r.partner_name for r in data.reflections],
                    "Module": [r.assignment_title for r in data.reflections],
                    "Exercise": [r.exercise_title for r in data.reflections],
                    "Reflection": [r.reflection for r in data.reflections],
                    "Shared in joint sessions": [
                        "shared" if r.shared else "private" for r in data.reflections
                    ],
                }
            ),
            hide_index=True,
            # An empty cell for a missing value, not the word "None".
            placeholder="",
            width="stretch",
            column_config={WHEN: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
        )


def _safety(flag: bool | None) -> str:
    """Blank for "no"; an unanswered safety question says so and never reads as "no"."""
    if flag is None:
        return "unanswered"
    return "⚠ answered yes" if flag else ""


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive UTC; PostgreSQL an aware time: both shown as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)

"""The partner's "My progress" tab: plain words first, large type, then the chart and a table.

Everything shown comes from `services.own_progress` (the partner's own rows only); the words
and dates are in the partner's language.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from trustcare import charts, i18n
from trustcare.i18n import Translate
from trustcare.services.own_progress import OwnProgress
from trustcare.ui.client_forms import change_words
from trustcare.ui.text import escape_markdown


def _score(value: float, language: str) -> str:
    """A score as the partner reads numbers; a gap where a check-in had no score."""
    return "" if pd.isna(value) else i18n.number(value, language)


def show(mine: OwnProgress, _: Translate, language: str) -> None:
    if mine.checkins.empty:
        st.info(_("Your progress appears here after your first check-in."))
    else:
        st.subheader(_("How things have changed"))
        st.markdown(f"#### {change_words(_, mine.change)}")
        if mine.latest_total is not None:
            st.metric(
                _("Your latest trust score"),
                _("{score} of {most}").format(
                    score=i18n.number(mine.latest_total, language),
                    most=i18n.number(mine.total_max, language),
                ),
            )
        figure = charts.my_progress_figure(
            mine.checkins,
            total_title=_("Trust score (0 to 32)"),
            overall_title=_("Overall trust (0 to 10)"),
            x_title=_("Date of check-in"),
            empty_message=_("Your progress appears here after your first check-in."),
            # Numbers, not month names: plotly would write English ones on a Spanish page.
            date_format="%d/%m/%Y",
        )
        figure.update_xaxes(tickformat="%d/%m")
        st.plotly_chart(figure, config={"displayModeBar": False})
        with st.expander(_("Your check-ins as a table")):
            # A plain table wraps its headings, so it fits a phone in every language.
            st.table(
                pd.DataFrame(
                    {
                        _("Trust score"): [_score(v, language) for v in mine.checkins["total"]],
                        _("Overall trust"): [_score(v, language) for v in mine.checkins["overall"]],
                    },
                    index=pd.Index(
                        [i18n.short_day(t, language) for t in mine.checkins["submitted_at"]],
                        name=_("Date"),
                    ),
                )
            )
    st.subheader(_("What you have done"))
    if not mine.modules:
        st.caption(_("Exercises you mark as done appear here."))
    for module in mine.modules:
        st.write(
            _("**{title}**: {done} of {count} exercises done").format(
                title=escape_markdown(module.title),
                done=module.exercises_done,
                count=module.exercises,
            )
        )
    st.caption(
        _(
            "Only you see this page. Your partner does not see your scores here, and you do not "
            "see theirs."
        )
    )

"""Showing a TrustCare figure: its own fonts and colours, not the Streamlit theme's."""

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st


def show_chart(figure: go.Figure, key: str) -> None:
    """theme=None keeps the large shared-screen fonts and the colour-blind-safe palette."""
    st.plotly_chart(figure, theme=None, key=key, config={"displaylogo": False})


def show_remembered_chart(
    key: str, source: object, params: tuple, build: Callable[[], go.Figure]
) -> None:
    """Show a figure that is built again only when its data or its view changed.

    `source` is the object the figure's data came from (a page's result, handed back by its
    service while nothing in it changed) and `params` the view's choices; a rerun that changes
    neither reuses the figure drawn last time in this browser session.
    """
    memo_key = f"chart_shown:{key}"
    memo = st.session_state.get(memo_key)
    if memo is None or memo[0] is not source or memo[1] != params:
        memo = (source, params, build())
        st.session_state[memo_key] = memo
    show_chart(memo[2], key)

"""Showing a TrustCare figure: its own fonts and colours, not the Streamlit theme's."""

import plotly.graph_objects as go
import streamlit as st


def show_chart(figure: go.Figure, key: str) -> None:
    """theme=None keeps the large shared-screen fonts and the colour-blind-safe palette."""
    st.plotly_chart(figure, theme=None, key=key, config={"displaylogo": False})

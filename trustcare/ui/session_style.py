"""Large type for the shared screen in the session room (our own constant CSS, no user text)."""

import streamlit as st

SESSION_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"] { display: none; }
[data-testid="stMainBlockContainer"] { max-width: 1400px; padding-top: 2rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.6rem; }
h1 { font-size: 3.2rem !important; }
h2 { font-size: 2.4rem !important; }
h3 { font-size: 2.0rem !important; }
button p { font-size: 1.4rem !important; }
</style>
"""


def apply() -> None:
    st.html(SESSION_CSS)

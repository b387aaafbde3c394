"""TrustCare's router: settings, who is acting, and the pages that identity may see."""

import logging

import streamlit as st

from trustcare.db import DatabaseError
from trustcare.services import accounts
from trustcare.settings import SettingsError
from trustcare.ui import state

log = logging.getLogger("trustcare.app")


def is_client_link() -> bool:
    """A personal check-in link: the client sees their own page and nothing else of the app."""
    path = (st.context.url or "").split("?")[0].rstrip("/")
    return "t" in st.query_params or path.endswith("/checkin")


client_mode = is_client_link()
st.set_page_config(
    page_title="TrustCare",
    page_icon=":material/handshake:",
    layout="centered" if client_mode else "wide",
    initial_sidebar_state="collapsed" if client_mode else "auto",
)

try:
    context = state.get_context()
except (DatabaseError, SettingsError) as error:
    log.error("TrustCare cannot start: %s", error)
    st.title("TrustCare cannot start")
    st.error(f"{error}")
    st.info("Fix the configuration named above (see README, Configuration), then reload.")
    st.stop()

if client_mode:
    checkin_page = st.Page("pages/checkin.py", title="Check-in", url_path="checkin", default=True)
    st.navigation([checkin_page], position="hidden").run()
    st.stop()

practice = accounts.current_practice(context.session_factory)

actor = state.current_actor(context) if practice else None
state.deliver_login_cookie()

if practice is None:
    pages = [st.Page("pages/setup.py", title="Set up TrustCare", icon=":material/rocket_launch:")]
elif actor is None:
    pages = [st.Page("pages/login.py", title="Sign in", icon=":material/login:")]
else:
    pages = [
        st.Page("pages/caseload.py", title="Caseload", icon=":material/groups:", default=True),
        st.Page(
            "pages/couple.py",
            title="Couple record",
            icon=":material/diversity_1:",
            visibility="hidden",
        ),
    ]
    if actor.is_admin:
        pages.append(st.Page("pages/counselors.py", title="Counselors", icon=":material/badge:"))
    with st.sidebar:
        st.caption(f"{practice[1]}")
        st.write(f"Signed in as **{actor.display_name}**")
        if st.button("Sign out", icon=":material/logout:"):
            state.sign_out()
            st.stop()

st.navigation(pages).run()

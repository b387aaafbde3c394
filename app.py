"""TrustCare's router: settings, who is acting, and the pages that identity may see."""

import logging
from pathlib import Path

import streamlit as st

from trustcare.ui import page_style, state
from trustcare.ui.text import escape_markdown

log = logging.getLogger("trustcare.app")


def is_client_link() -> bool:
    """A personal check-in link: the client sees their own page and nothing else of the app."""
    path = (st.context.url or "").split("?")[0].rstrip("/")
    return "t" in st.query_params or "room" in st.query_params or path.endswith("/checkin")


# Pages shown to clients on the counselor's screen: session mode and in-room entry.
SCREENS_FACING_CLIENTS = ("session", "in-room")


def counselor_pages(is_admin: bool) -> tuple[list, list, st.Page]:
    """The menu, the pages reached from a couple, and session mode (the shared screen)."""
    menu = [
        st.Page("pages/caseload.py", title="Caseload", icon=":material/groups:", default=True),
        st.Page("pages/library.py", title="Library", icon=":material/menu_book:"),
        st.Page("pages/account.py", title="Your account", icon=":material/person:"),
    ]
    if is_admin:
        menu += [
            st.Page("pages/counselors.py", title="Counselors", icon=":material/badge:"),
            st.Page("pages/handover.py", title="Couples and hand-over", icon=":material/move_up:"),
            st.Page(
                "pages/practice_settings.py",
                title="Practice settings",
                icon=":material/settings:",
            ),
            st.Page("pages/audit_trail.py", title="Audit trail", icon=":material/history:"),
        ]
    session_mode = st.Page("pages/session.py", title="Session mode", url_path="session")
    room_entry = st.Page("pages/room_entry.py", title="In-room entry", url_path="in-room")
    reached_from_a_couple = [
        st.Page("pages/couple.py", title="Couple record", url_path="couple"),
        st.Page("pages/progress.py", title="Progress", url_path="progress"),
        session_mode,
        room_entry,
    ]
    return menu, reached_from_a_couple, session_mode


def signed_out_pages(script: str) -> list[st.Page]:
    """The sign-in page, and the same page, unlisted, at every counselor page's address.

    A signed-out visit to /caseload or /couple?couple=3 (a bookmark, a reload after the
    login ended) then shows the sign-in page instead of Streamlit's "Page not found" dialog;
    signing in reruns at that address, where the counselor's own page now answers.
    """
    sign_in = st.Page(script, title="Sign in", icon=":material/login:", default=True)
    menu, reached_from_a_couple, _ = counselor_pages(is_admin=True)
    # `_url_path`: the public `url_path` of the default page (the caseload) is "".
    addresses = [page._url_path for page in menu + reached_from_a_couple]
    return [sign_in] + [
        st.Page(script, title="Sign in", url_path=address, visibility="hidden")
        for address in addresses
    ]


def enrolment_pages() -> list[st.Page]:
    """Two-factor set-up, required by the practice, at every counselor page's address: nothing
    else opens until it is done (as `signed_out_pages` does for signing in)."""
    script = "pages/account.py"
    account = st.Page(script, title="Your account", icon=":material/lock:", default=True)
    menu, reached_from_a_couple, _ = counselor_pages(is_admin=True)
    addresses = [page._url_path for page in menu + reached_from_a_couple]
    return [account] + [
        st.Page(script, title="Your account", url_path=address, visibility="hidden")
        for address in addresses
        if address not in ("", account._url_path)
    ]


state.begin_run()
client_mode = is_client_link()
st.set_page_config(
    page_title="TrustCare",
    # A local file: a :material: icon is fetched from a font host, which our CSP refuses.
    page_icon=str(Path(__file__).parent / "trustcare" / "ui" / "static" / "favicon.png"),
    layout="centered" if client_mode else "wide",
    initial_sidebar_state="collapsed" if client_mode else "auto",
)
page_style.apply()

try:
    context = state.get_context()
except state.StartupError as error:
    log.error("TrustCare cannot start: %s", error)
    st.title("TrustCare cannot start")
    st.error(f"{error}")
    st.info("Fix the configuration named above (see README, Configuration), then reload.")
    st.stop()

if client_mode:
    checkin_page = st.Page("pages/checkin.py", title="Check-in", url_path="checkin")

    def to_checkin_page() -> None:
        """The default page answers at "/" only, so links name /checkin and land there."""
        st.switch_page(checkin_page, query_params=dict(st.query_params))

    home = st.Page(to_checkin_page, title="Check-in", url_path="home", default=True)
    st.navigation([home, checkin_page], position="hidden").run()
    st.stop()

practice = state.current_practice(context)

actor = state.current_actor(context) if practice else None
state.deliver_login_cookie()

if practice is None:
    pages = [st.Page("pages/setup.py", title="Set up TrustCare", icon=":material/rocket_launch:")]
elif actor is None:
    script = "pages/sign_on.py" if context.settings.auth_configured else "pages/login.py"
    pages = state.kept_per_session(f"signed_out_pages_{script}", lambda: signed_out_pages(script))
elif state.two_factor_enrolment_due(context, actor):
    with st.sidebar:
        st.caption(escape_markdown(practice.name))
        st.write(f"Signed in as **{escape_markdown(actor.display_name)}**")
        if st.button("Sign out", icon=":material/logout:"):
            state.sign_out(context)
            st.stop()
    st.navigation(state.kept_per_session("enrolment_pages", enrolment_pages)).run()
    st.stop()
else:
    menu, reached_from_a_couple, session_mode = state.kept_per_session(
        f"counselor_pages_{actor.is_admin}", lambda: counselor_pages(actor.is_admin)
    )
    current = st.navigation(menu + reached_from_a_couple, position="hidden")
    if current.url_path not in SCREENS_FACING_CLIENTS:
        # The shared screen and in-room entry show no sidebar: no practice, counselor or other
        # pages in view.
        with st.sidebar:
            for page in menu:
                st.page_link(page)
            st.divider()
            st.caption(escape_markdown(practice.name))
            st.write(f"Signed in as **{escape_markdown(actor.display_name)}**")
            if st.button("Sign out", icon=":material/logout:"):
                state.sign_out(context)
                st.stop()
            if st.button(
                "Sign out everywhere",
                type="tertiary",
                help="Ends your sign-in on every browser and phone, this one included.",
            ):
                state.sign_out_everywhere(context, actor)
                st.stop()
    current.run()
    st.stop()

st.navigation(pages).run()

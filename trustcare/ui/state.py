"""Who is signed in, and the process-wide context, as seen from a Streamlit script."""

from __future__ import annotations

import json
import logging

import streamlit as st

from trustcare.context import AppContext, build_context
from trustcare.identity import Actor
from trustcare.login_cookie import COOKIE_NAME, LoginClaim, make_ticket, read_cookie
from trustcare.services import accounts
from trustcare.settings import Settings, load_settings

log = logging.getLogger(__name__)
ACTOR_KEY = "trustcare_actor"
TICKET_KEY = "trustcare_login_ticket"


@st.cache_resource(show_spinner=False)
def _context_for(settings: Settings) -> AppContext:
    """One engine per process and configuration: shared, read-mostly, never per-user data."""
    return build_context(settings)


def get_context() -> AppContext:
    settings = load_settings()
    logging.basicConfig(level=settings.log_level)
    return _context_for(settings)


def current_actor(context: AppContext) -> Actor | None:
    """The counselor of this browser session or of its login cookie, if still valid."""
    claim: LoginClaim | None = None
    held = st.session_state.get(ACTOR_KEY)
    if isinstance(held, Actor):
        claim = LoginClaim(held.counselor_id, held.session_version)
    else:
        claim = read_cookie(context.settings.secret_key, st.context.cookies.get(COOKIE_NAME))
    if claim is None:
        return None
    actor = accounts.actor_for_login(
        context.session_factory, claim.counselor_id, claim.session_version
    )
    if actor is None:
        st.session_state.pop(ACTOR_KEY, None)
    else:
        st.session_state[ACTOR_KEY] = actor
    return actor


def sign_in(context: AppContext, actor: Actor) -> None:
    """Hold the login in this session and have the browser fetch its cookie on the next run."""
    st.session_state[ACTOR_KEY] = actor
    st.session_state[TICKET_KEY] = make_ticket(
        context.settings.secret_key, LoginClaim(actor.counselor_id, actor.session_version)
    )


def sign_out() -> None:
    st.session_state.clear()
    _browser_go("/session/end")


def deliver_login_cookie() -> None:
    """Send the browser through /session/start once, so a reload keeps the counselor signed in."""
    ticket = st.session_state.pop(TICKET_KEY, None)
    if ticket:
        _browser_go(f"/session/start?ticket={ticket}")


def _browser_go(path: str) -> None:
    st.html(
        f"<script>window.location.replace({json.dumps(path)});</script>",
        unsafe_allow_javascript=True,
        width="content",
    )

"""Who is signed in, and the process-wide context, as seen from a Streamlit script."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from trustcare import clock
from trustcare.clock import utcnow
from trustcare.context import AppContext, DatabaseError, build_context
from trustcare.identity import Actor, InstalledPractice, SignOnIdentity
from trustcare.login_cookie import (
    COOKIE_NAME,
    LoginClaim,
    make_sign_out_token,
    make_ticket,
    read_cookie,
)
from trustcare.services import accounts, signon, two_factor_enrolment
from trustcare.settings import Settings, SettingsError, load_settings
from trustcare.two_factor import (
    TRUSTED_BROWSER_COOKIE,
    TrustedBrowser,
    make_trusted_ticket,
    read_trusted_cookie,
)
from trustcare.ui import drafts

log = logging.getLogger(__name__)
T = TypeVar("T")
ACTOR_KEY = "trustcare_actor"
TICKET_KEY = "trustcare_login_ticket"
# The "remember this browser" ticket that travels with the login ticket to /session/start.
REMEMBER_KEY = "trustcare_remember_ticket"
# Logins (login id, session version) for which two-factor enrolment is not due.
ENROLMENT_CLEAR_KEY = "trustcare_enrolment_clear"
# The identity (issuer, subject, expiry) that the held actor or the held refusal belongs to.
SIGN_ON_KEY = "trustcare_sign_on"
# (message, may sign in again) when the provider's identity was refused.
REFUSAL_KEY = "trustcare_sign_on_refusal"
# What this script run has already looked up (the context, the actor); app.py empties it first.
THIS_RUN_KEY = "trustcare_this_run"
# After an automatic sign-out: (why, whose drafts are kept, the ended login's claim).
SIGNED_OUT_KEY = "trustcare_signed_out"
# Deliver the next login cookie without leaving the page (signing in again after a time-out).
KEEP_PAGE_KEY = "trustcare_keep_page"


@st.cache_resource(show_spinner=False)
def _context_for(configuration: str, _settings: Settings) -> AppContext:
    """One engine per process and configuration: shared, read-mostly, never per-user data.

    Keyed by the settings' text: Streamlit hashing the settings object itself, on every run,
    cost more than the rest of the lookup.
    """
    return build_context(_settings)


def begin_run() -> None:
    """Start this script run with nothing looked up yet (app.py calls it first, every run).

    The router and then the page both need the context and the actor; they share one lookup
    per run instead of reading the settings and the counselor's row twice on every click.
    """
    st.session_state[THIS_RUN_KEY] = {}


def kept_per_session(name: str, make: Callable[[], T]) -> T:
    """`make()` once per browser session, kept under `name` (for the router's st.Page objects).

    A page object resolves its script's path on the file system when it is made, which cost
    more on every click than the rest of the routing. They are kept per session, never shared
    between sessions: `st.navigation` and `.run()` change a page object's state.
    """
    key = f"trustcare_kept_{name}"
    if key not in st.session_state:
        st.session_state[key] = make()
    return st.session_state[key]


def _this_run() -> dict:
    memo = st.session_state.get(THIS_RUN_KEY)
    return memo if isinstance(memo, dict) else {}


class StartupError(Exception):
    """TrustCare cannot start as configured (settings or database); the message says what to
    fix. Raised by get_context, so the entry page needs no name from the database module."""


def get_context() -> AppContext:
    memo = _this_run()
    if "context" not in memo:
        try:
            settings = load_settings()
            logging.basicConfig(level=settings.log_level)
            memo["context"] = _context_for(repr(settings), settings)
        except (SettingsError, DatabaseError) as error:
            raise StartupError(str(error)) from error
    return memo["context"]


def current_practice(context: AppContext) -> InstalledPractice | None:
    """The installation's practice, or None before setup.

    Looked up with the counselor of the held login in one statement (see `_login_of`).
    """
    memo = _this_run()
    if "practice" not in memo:
        claim = _held_claim(context)
        held = accounts.check_login(
            context.unscoped_work,
            None if claim is None else (claim.counselor_id, claim.session_version, claim.login_id),
            now=clock.utcnow(),
        )
        memo["practice"] = held.practice
        memo["login"] = (claim, held.actor)
        if held.ended_because is not None and claim is not None:
            st.session_state[SIGNED_OUT_KEY] = (held.ended_because, claim.counselor_id, claim)
        if SIGNED_OUT_KEY in st.session_state:
            # The form being filled in stays for after sign-in, on every signed-out run.
            drafts.keep()
    return memo["practice"]


def signed_out_notice() -> str | None:
    """Why this browser's login ended on its own, for the sign-in page to say."""
    held = st.session_state.get(SIGNED_OUT_KEY)
    return held[0] if held else None


def current_actor(context: AppContext) -> Actor | None:
    """The counselor of this browser session or of its login cookie, if still valid."""
    memo = _this_run()
    if "actor" not in memo:
        memo["actor"] = _look_up_actor(context)
    return memo["actor"]


def _held_claim(context: AppContext) -> LoginClaim | None:
    """The login this browser session holds: its counselor, else (local accounts) its cookie."""
    held = st.session_state.get(ACTOR_KEY)
    if isinstance(held, Actor):
        return _claim_of(held)
    if context.settings.auth_configured:
        return None
    claim = read_cookie(context.settings.secret_key, st.context.cookies.get(COOKIE_NAME))
    ended = st.session_state.get(SIGNED_OUT_KEY)
    # The cookie of a login that ended on its own opens nothing; not asking again saves a lookup.
    return None if ended and ended[2] == claim else claim


def _login_of(context: AppContext, claim: LoginClaim) -> Actor | None:
    """The actor of a held login if still valid; read with the practice earlier in this run."""
    looked_up = _this_run().get("login")
    if looked_up is not None and looked_up[0] == claim:
        return looked_up[1]
    return accounts.actor_for_login(
        context.unscoped_work, claim.counselor_id, claim.session_version, claim.login_id
    )


def _claim_of(actor: Actor) -> LoginClaim:
    """What a held actor claims; a single sign-on actor has no login row (login id None)."""
    return LoginClaim(actor.counselor_id, actor.session_version, actor.login_id)


def _look_up_actor(context: AppContext) -> Actor | None:
    if context.settings.auth_configured:
        return _signed_on_actor(context)
    claim = _held_claim(context)
    if claim is None or claim.login_id is None:
        # A local account's login always has its server-side row; one without is not a login.
        st.session_state.pop(ACTOR_KEY, None)
        return None
    actor = _login_of(context, claim)
    if actor is None:
        st.session_state.pop(ACTOR_KEY, None)
    else:
        st.session_state[ACTOR_KEY] = actor
    return actor


def _signed_on_actor(context: AppContext) -> Actor | None:
    """The counselor behind `st.user`, checked on every run.

    Streamlit keeps its identity cookie for 30 days and never looks at the token's expiry, so
    an expired identity is refused here. The mapping to a counselor is done once per identity
    and browser session (it writes the login to the audit trail); later runs only re-check
    that the counselor is still active and their session version unchanged.
    """
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        _forget_sign_on()
        return None
    identity = SignOnIdentity.from_claims(claims)
    seen = (identity.issuer, identity.subject, identity.expires_at)
    if identity.is_expired(utcnow()):
        _forget_sign_on()
        st.session_state[SIGN_ON_KEY] = seen
        st.session_state[REFUSAL_KEY] = (str(signon.SignOnExpired()), True)
        return None
    if st.session_state.get(SIGN_ON_KEY) == seen:
        if REFUSAL_KEY in st.session_state:
            return None
        held = st.session_state.get(ACTOR_KEY)
        if isinstance(held, Actor):
            actor = _login_of(context, _claim_of(held))
            if actor is not None:
                st.session_state[ACTOR_KEY] = actor
                return actor
    _forget_sign_on()
    st.session_state[SIGN_ON_KEY] = seen
    try:
        actor = signon.sign_on(context.unscoped_work, identity)
    except signon.SignOnRefused as refusal:
        st.session_state[REFUSAL_KEY] = (str(refusal), isinstance(refusal, signon.SignOnExpired))
        return None
    st.session_state[ACTOR_KEY] = actor
    return actor


def _forget_sign_on() -> None:
    for key in (ACTOR_KEY, SIGN_ON_KEY, REFUSAL_KEY):
        st.session_state.pop(key, None)


def sign_on_refusal() -> tuple[str, bool] | None:
    """Why the identity provider's identity was refused, and whether signing in again may help."""
    return st.session_state.get(REFUSAL_KEY)


def sign_in(context: AppContext, actor: Actor) -> None:
    """Hold the login in this session and have the browser fetch its cookie on the next run.

    Drafts kept over an automatic sign-out are the same counselor's to go on with; anyone
    else signing in on this browser starts without them.
    """
    ended = st.session_state.pop(SIGNED_OUT_KEY, None)
    if ended and ended[1] != actor.counselor_id:
        drafts.forget_all()
    elif ended:
        # A reload would start a new browser session and lose the drafts kept for them.
        st.session_state[KEEP_PAGE_KEY] = True
    st.session_state[ACTOR_KEY] = actor
    _this_run().pop("actor", None)
    _this_run().pop("login", None)
    st.session_state[TICKET_KEY] = make_ticket(context.settings.secret_key, _claim_of(actor))


def sign_out(context: AppContext) -> None:
    """End the login: the identity provider's cookie through `st.logout`, or our own.

    A local login ends on the server first, so its cookie opens nothing even if the browser
    never reaches /session/end; that route then forgets the cookie.
    """
    held = st.session_state.get(ACTOR_KEY)
    st.session_state.clear()
    if context.settings.auth_configured:
        st.logout()
    elif isinstance(held, Actor) and held.login_id is not None:
        accounts.end_login(context.unscoped_work, held.counselor_id, held.login_id)
        token = make_sign_out_token(context.settings.secret_key, _claim_of(held))
        _browser_post("/session/end", {"token": token})


def sign_out_everywhere(context: AppContext, actor: Actor) -> None:
    """End every login of this counselor (other browsers and phones too), then this one."""
    with context.work(actor) as uow:
        accounts.sign_out_everywhere(uow)
    sign_out(context)


def deliver_login_cookie() -> None:
    """Send the browser through /session/start once, so a reload keeps the counselor signed in."""
    ticket = st.session_state.pop(TICKET_KEY, None)
    if ticket:
        remember = st.session_state.pop(REMEMBER_KEY, None)
        also = f"&remember={remember}" if remember else ""
        deliver = _browser_fetch if st.session_state.pop(KEEP_PAGE_KEY, None) else _browser_go
        deliver(f"/session/start?ticket={ticket}{also}")


def _browser_post(path: str, fields: dict[str, str]) -> None:
    """Have the browser submit a form to one of our routes (a POST, never a link)."""
    script = (
        "const form = document.createElement('form');"
        f"form.method = 'post'; form.action = {json.dumps(path)};"
        f"for (const [name, value] of Object.entries({json.dumps(fields)})) {{"
        "const field = document.createElement('input');"
        "field.type = 'hidden'; field.name = name; field.value = value; form.appendChild(field);}"
        "document.body.appendChild(form); form.submit();"
    )
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True, width="content")


def _browser_fetch(path: str) -> None:
    """Have the browser fetch one of our routes in the background: its cookies are set, and
    the page (and this session's state, drafts included) stays where it is."""
    st.html(
        f"<script>fetch({json.dumps(path)}, {{credentials: 'same-origin'}});</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def _browser_go(path: str) -> None:
    st.html(
        f"<script>window.location.replace({json.dumps(path)});</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def remember_this_browser(context: AppContext, actor: Actor) -> None:
    """After the second step with "remember" ticked: the cookie route also sets the signed
    cookie that spares this browser the code for 30 days (call after `sign_in`)."""
    trusted = TrustedBrowser(actor.counselor_id, actor.session_version)
    st.session_state[REMEMBER_KEY] = make_trusted_ticket(context.settings.secret_key, trusted)


def trusted_browser(context: AppContext) -> TrustedBrowser | None:
    """Whom this browser's "remember" cookie spares the second step, if it is valid."""
    return read_trusted_cookie(
        context.settings.secret_key, st.context.cookies.get(TRUSTED_BROWSER_COOKIE)
    )


def two_factor_enrolment_due(context: AppContext, actor: Actor) -> bool:
    """The practice requires two-factor sign-in and this local account has not set it up.

    Asked once per login while it is not due (then held for the login: setting it up cannot be
    undone but by an admin's reset, which ends the login; a practice newly requiring it takes
    effect at the next sign-in), and on every run while it is due.
    """
    if context.settings.auth_configured or actor.login_id is None:
        return False
    held = (actor.login_id, actor.session_version)
    if st.session_state.get(ENROLMENT_CLEAR_KEY) == held:
        return False
    with context.work(actor, read_only=True) as uow:
        due = two_factor_enrolment.enrolment_due(uow)
    if not due:
        st.session_state[ENROLMENT_CLEAR_KEY] = held
    return due

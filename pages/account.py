"""Your account: two-factor sign-in for a local account (set up with an authenticator app)."""

import base64

import streamlit as st

from trustcare.errors import ServiceError
from trustcare.services import two_factor_enrolment
from trustcare.ui import state
from trustcare.ui.forms import show_problems
from trustcare.ui.text import escape_markdown

# The recovery codes of a set-up just confirmed: shown once, then forgotten.
NEW_CODES_KEY = "account_new_recovery_codes"
context = state.get_context()
actor = state.current_actor(context)

st.title("Your account")
st.write(f"**{escape_markdown(actor.display_name)}** · {escape_markdown(actor.email)}")
st.subheader("Two-factor sign-in")

if context.settings.auth_configured or actor.login_id is None:
    st.info(
        "You sign in through your practice's identity provider: its own multi-factor "
        "sign-in applies, and TrustCare asks for no code of its own."
    )
    st.stop()

if codes := st.session_state.get(NEW_CODES_KEY):
    st.success("Two-factor sign-in is on.")
    st.warning(
        "Save these recovery codes now (print them or keep them in a password manager). "
        "Each one signs you in once if your phone is lost. They are not shown again."
    )
    st.code("\n".join(codes), language=None)
    if st.button("I have saved my recovery codes", type="primary"):
        st.session_state.pop(NEW_CODES_KEY, None)
        st.rerun()
    st.stop()

with context.work(actor, read_only=True) as uow:
    status = two_factor_enrolment.status(uow)

if status.enrolled:
    st.success("Two-factor sign-in is on: after your password, TrustCare asks for a code.")
    st.caption(
        f"{status.recovery_codes_left} of 10 recovery codes left. Lost your phone? "
        "A practice admin can reset your two-factor sign-in; you then set it up again."
    )
    st.stop()

if status.required:
    st.warning(
        "Your practice requires two-factor sign-in. Set it up to go on using TrustCare.",
        icon=":material/lock:",
    )
with context.work(actor) as uow:
    enrolment = two_factor_enrolment.begin(uow)

scan, confirm = st.columns(2, gap="large")
with scan:
    st.markdown("**1. Add TrustCare to your authenticator app**")
    # st.image gives the picture no text alternative; a screen reader is told what it is.
    encoded = base64.b64encode(enrolment.qr_code_png).decode("ascii")
    st.html(
        f'<figure style="margin:0"><img src="data:image/png;base64,{encoded}" width="240" '
        'height="240" alt="QR code that adds TrustCare to an authenticator app; the same key '
        'is shown as text below"><figcaption>Scan with your authenticator app</figcaption>'
        "</figure>"
    )
    st.write("Or type this key into the app:")
    st.code(enrolment.secret, language=None)
with confirm:
    st.markdown("**2. Enter the code your app shows**")
    with st.form("confirm_two_factor"):
        code = st.text_input("6-digit code", autocomplete="one-time-code", max_chars=8)
        if st.form_submit_button("Turn on two-factor sign-in", type="primary"):
            try:
                with context.work(actor) as uow:
                    st.session_state[NEW_CODES_KEY] = two_factor_enrolment.confirm(uow, code)
            except ServiceError as error:
                show_problems(error)
            else:
                st.rerun()

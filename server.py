"""ASGI entry point: Streamlit plus the login-cookie routes and security headers.

Started with `streamlit run server.py`; `app.py` stays the Streamlit script. The settings are
checked here first, so an unsafe production configuration stops the server before anyone
can reach it. When `TRUSTCARE_SECRETS_FILE` names a secrets file, its tables are handed to
Streamlit as well, so `st.login` signs people on with that file's `[auth]`.
"""

import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from trustcare.settings import SettingsError, load_settings, streamlit_secrets
from trustcare.web import SecurityHeadersMiddleware, routes, start_reminders

try:
    load_settings()
    secrets = streamlit_secrets()
except SettingsError as error:
    raise SystemExit(f"TrustCare cannot start: {error}") from error

# Streamlit treats an app with a pages/ folder as an old-style multipage app until the first
# st.navigation call, so the first session after start-up could open pages/<name>.py directly,
# without app.py's sign-in check. Every page set here comes from st.navigation in app.py.
PagesManager.uses_pages_directory = False

# Due check-in reminders go out from a background thread of this process (README, Reminders).
start_reminders()

app = st.App(
    "app.py",
    secrets=secrets,
    routes=routes(),
    middleware=[Middleware(SecurityHeadersMiddleware)],
)

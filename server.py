"""ASGI entry point: Streamlit plus the login-cookie routes and security headers.

Started with `streamlit run server.py`; `app.py` stays the Streamlit script.
"""

import streamlit as st
from starlette.middleware import Middleware

from trustcare.web import SecurityHeadersMiddleware, routes

app = st.App("app.py", routes=routes(), middleware=[Middleware(SecurityHeadersMiddleware)])

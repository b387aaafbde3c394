"""The address that links in this app start with, and the address a request comes from."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from trustcare.services.links import client_address
from trustcare.settings import Settings


def app_address(settings: Settings) -> str:
    """The server's configured base URL, else the address the counselor browses to now.

    With no `TRUSTCARE_BASE_URL`, a link names the host and port in the counselor's address
    bar (`make run PORT=8600` gives http://localhost:8600), not a guessed default. A practice's
    own base URL setting wins over both (services.links applies it).
    """
    if settings.base_url:
        return settings.base_url
    parts = urlsplit(st.context.url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")
    return f"http://localhost:{st.get_option('server.port')}"


def request_source(settings: Settings) -> str:
    """Where this request comes from, as a throttle may count it (see links.client_address)."""
    remote, forwarded = st.context.ip_address, st.context.headers.get("X-Forwarded-For")
    # Outside a browser request (AppTest, a bare script run) these are not strings at all.
    return client_address(
        remote if isinstance(remote, str) else None,
        forwarded if isinstance(forwarded, str) else None,
        settings.trusted_proxy_hops,
    )

"""Every response of the app, its own refusals included, carries the security headers."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from trustcare.web import SECURITY_HEADERS, SecurityHeadersMiddleware


async def _never_called(scope, receive, send):
    raise AssertionError("the metrics request reached Streamlit")


def _started_headers(path: str) -> tuple[int, dict[bytes, bytes]]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}
    # A thread of its own: a test before this one on the same worker may have left an event
    # loop running in the main thread (Streamlit's runtime does), and asyncio.run refuses that.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(
            asyncio.run, SecurityHeadersMiddleware(_never_called)(scope, receive, send)
        ).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"])


def test_the_metrics_refusal_carries_the_security_headers():
    status, headers = _started_headers("/_stcore/metrics")
    assert status == 404
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value

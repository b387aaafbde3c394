"""Every response of the app, its own refusals included, carries the security headers."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from trustcare.web import SECURITY_HEADERS, SecurityHeadersMiddleware


async def _never_called(scope, receive, send):
    raise AssertionError("the metrics request reached Streamlit")


async def _failing_route(scope, receive, send):
    raise RuntimeError("the database went away")


def _started_headers(path: str, app=_never_called) -> tuple[int, dict[bytes, bytes]]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}
    # A thread of its own: a test before this one on the same worker may have left an event
    # loop running in the main thread (Streamlit's runtime does), and asyncio.run refuses that.
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            pool.submit(asyncio.run, SecurityHeadersMiddleware(app)(scope, receive, send)).result()
        except RuntimeError as error:
            # The failure goes on to Starlette's error middleware, which logs it.
            assert str(error) == "the database went away"
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"])


def test_the_metrics_refusal_carries_the_security_headers():
    status, headers = _started_headers("/_stcore/metrics")
    assert status == 404
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value


def test_a_failing_route_still_answers_with_the_security_headers():
    status, headers = _started_headers("/session/start", app=_failing_route)
    assert status == 500
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value


def _policy() -> dict[str, list[str]]:
    directives = SECURITY_HEADERS[b"content-security-policy"].decode().split(";")
    return {name: sources for name, *sources in (d.split() for d in directives)}


def test_the_policy_lets_no_script_evaluate_strings():
    assert "'unsafe-eval'" not in _policy()["script-src"]


def test_the_policy_connects_only_to_this_server():
    # Under CSP3 'self' also matches this server's own ws:/wss: address.
    assert _policy()["connect-src"] == ["'self'"]
    assert _policy()["default-src"] == ["'self'"]


def test_the_app_listens_on_loopback_unless_an_address_is_given():
    """A laptop on a shared network must not serve couples' records to it by default."""
    import re
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^ADDRESS \?= 127\.0\.0\.1$", makefile, re.M)
    assert "--server.address $(ADDRESS)" in makefile

"""The local-login cookie route: it sets the cookie for local accounts only."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.requests import Request

from trustcare.login_cookie import COOKIE_NAME, LoginClaim, make_ticket
from trustcare.settings import load_settings
from trustcare.web import start_session

AUTH = """
[auth]
redirect_uri = "http://127.0.0.1:8501/oauth2callback"
cookie_secret = "a-test-only-cookie-secret-of-enough-length"
client_id = "trustcare"
client_secret = "test-only"
server_metadata_url = "https://id.harbor.example/.well-known/openid-configuration"
"""


@pytest.fixture
def local_environment(tmp_path, monkeypatch):
    """Settings from a temporary secrets file and key folder, never the developer's own."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("", encoding="utf-8")
    monkeypatch.setenv("TRUSTCARE_SECRETS_FILE", str(secrets))
    monkeypatch.setenv("TRUSTCARE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TRUSTCARE_ENV", "development")
    monkeypatch.delenv("TRUSTCARE_SECRET_KEY", raising=False)
    return secrets


def _start_with_a_fresh_ticket() -> dict[str, str]:
    ticket = make_ticket(load_settings().secret_key, LoginClaim(counselor_id=7, session_version=1))
    request = Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/session/start",
            "query_string": f"ticket={ticket}".encode(),
            "headers": [],
            "scheme": "http",
            "server": ("127.0.0.1", 8501),
        }
    )
    # A thread of its own: Playwright's sync API may already run an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as worker:
        response = worker.submit(asyncio.run, start_session(request)).result()
    return {name.decode(): value.decode() for name, value in response.raw_headers}


def test_a_fresh_ticket_sets_the_login_cookie_for_local_accounts(local_environment):
    assert _start_with_a_fresh_ticket()["set-cookie"].startswith(f"{COOKIE_NAME}=")


def test_no_local_login_cookie_is_set_while_single_sign_on_is_on(local_environment):
    local_environment.write_text(AUTH, encoding="utf-8")
    headers = _start_with_a_fresh_ticket()
    assert "set-cookie" not in headers
    assert headers["location"] == "/"

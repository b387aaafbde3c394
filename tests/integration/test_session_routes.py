"""The login-cookie routes: the ticket is good once, sign-out is a POST with its token, and a
cookie copied before "Sign out" opens nothing afterwards."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from urllib.parse import urlencode

import pytest
from starlette.requests import Request

from trustcare.login_cookie import (
    COOKIE_NAME,
    LoginClaim,
    make_sign_out_token,
    make_ticket,
    read_cookie,
)
from trustcare.persistence.uow import unscoped_work
from trustcare.services import accounts
from trustcare.settings import load_settings
from trustcare.web import end_session, start_session

AUTH = """
[auth]
redirect_uri = "http://127.0.0.1:8501/oauth2callback"
cookie_secret = "a-test-only-cookie-secret-of-enough-length"
client_id = "trustcare"
client_secret = "test-only"
server_metadata_url = "https://id.harbor.example/.well-known/openid-configuration"
"""


@pytest.fixture
def local_environment(tmp_path, monkeypatch, migrated_url, practice):
    """Settings from a temporary secrets file on the test database, never the developer's."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("", encoding="utf-8")
    monkeypatch.setenv("TRUSTCARE_SECRETS_FILE", str(secrets))
    monkeypatch.setenv("TRUSTCARE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TRUSTCARE_ENV", "development")
    monkeypatch.setenv("TRUSTCARE_DATABASE_URL", migrated_url)
    monkeypatch.delenv("TRUSTCARE_SECRET_KEY", raising=False)
    return secrets


def _call(route, request: Request) -> dict[str, str]:
    # A thread of its own: Playwright's sync API may already run an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as worker:
        response = worker.submit(asyncio.run, route(request)).result()
    return {name.decode(): value.decode() for name, value in response.raw_headers}


def _request(method: str, path: str, query: str = "", body: bytes = b"", cookie: str = ""):
    headers = [(b"content-type", b"application/x-www-form-urlencoded")]
    if cookie:
        headers.append((b"cookie", f"{COOKIE_NAME}={cookie}".encode()))
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": headers,
        "scheme": "http",
        "server": ("127.0.0.1", 8501),
    }
    return Request(scope, receive)


def _claim(actor) -> LoginClaim:
    return LoginClaim(actor.counselor_id, actor.session_version, actor.login_id)


def _start(claim: LoginClaim) -> dict[str, str]:
    ticket = make_ticket(load_settings().secret_key, claim)
    return _call(start_session, _request("GET", "/session/start", f"ticket={ticket}"))


def _cookie_of(headers: dict[str, str]) -> str:
    return headers["set-cookie"].split(";")[0].split("=", 1)[1]


def test_a_fresh_ticket_sets_the_login_cookie_once(local_environment, practice):
    claim = _claim(practice.counselor)
    first = _start(claim)
    assert read_cookie(load_settings().secret_key, _cookie_of(first)) == claim
    assert "set-cookie" not in _start(claim), "a ticket must not be good twice"


def test_no_local_login_cookie_is_set_while_single_sign_on_is_on(local_environment, practice):
    local_environment.write_text(AUTH, encoding="utf-8")
    headers = _start(_claim(practice.counselor))
    assert "set-cookie" not in headers
    assert headers["location"] == "/"


def test_sign_out_ends_the_login_so_a_copied_cookie_opens_nothing(local_environment, practice):
    ben = practice.counselor
    cookie = _cookie_of(_start(_claim(ben)))
    args = (
        partial(unscoped_work, practice.factory),
        ben.counselor_id,
        ben.session_version,
        ben.login_id,
    )
    assert accounts.actor_for_login(*args) is not None
    token = make_sign_out_token(load_settings().secret_key, _claim(ben))
    body = urlencode({"token": token}).encode()
    headers = _call(end_session, _request("POST", "/session/end", body=body, cookie=cookie))
    assert headers["set-cookie"].startswith(f'{COOKIE_NAME}=""')
    assert accounts.actor_for_login(*args) is None
    # The copy of the cookie still carries a good signature, but its login has ended.
    assert read_cookie(load_settings().secret_key, cookie) == _claim(ben)


@pytest.mark.parametrize("token", ["", "forged", None])
def test_sign_out_without_its_token_changes_nothing(local_environment, practice, token):
    """Another site's page can post to /session/end but cannot make the token."""
    ben = practice.counselor
    cookie = _cookie_of(_start(_claim(ben)))
    body = b"" if token is None else urlencode({"token": token}).encode()
    headers = _call(end_session, _request("POST", "/session/end", body=body, cookie=cookie))
    assert "set-cookie" not in headers
    assert accounts.actor_for_login(
        partial(unscoped_work, practice.factory),
        ben.counselor_id,
        ben.session_version,
        ben.login_id,
    )


def test_the_sign_out_token_of_another_login_does_not_end_this_one(local_environment, practice):
    ben = practice.counselor
    cookie = _cookie_of(_start(_claim(ben)))
    other = accounts.authenticate(
        partial(unscoped_work, practice.factory), "ben@harbor.example", "long password 2"
    )
    token = make_sign_out_token(load_settings().secret_key, _claim(other))
    body = urlencode({"token": token}).encode()
    _call(end_session, _request("POST", "/session/end", body=body, cookie=cookie))
    assert accounts.actor_for_login(
        partial(unscoped_work, practice.factory),
        ben.counselor_id,
        ben.session_version,
        ben.login_id,
    )


def test_sign_out_everywhere_ends_every_login_of_that_counselor(practice):
    ben = practice.counselor
    phone = accounts.authenticate(
        partial(unscoped_work, practice.factory), "ben@harbor.example", "long password 2"
    )
    with practice.work(ben) as uow:
        accounts.sign_out_everywhere(uow)
    for login in (ben, phone):
        assert (
            accounts.actor_for_login(
                partial(unscoped_work, practice.factory),
                login.counselor_id,
                login.session_version,
                login.login_id,
            )
            is None
        )
    admin = practice.admin
    assert accounts.actor_for_login(
        partial(unscoped_work, practice.factory),
        admin.counselor_id,
        admin.session_version,
        admin.login_id,
    ), "another counselor's login is not touched"

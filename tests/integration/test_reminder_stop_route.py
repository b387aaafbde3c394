"""/reminders/stop: GET asks to confirm and stops nothing, POST stops (also a mail client's
one-click POST with the token in the address), a forged token stops nothing."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from tests.integration.test_session_routes import _request
from trustcare.models import Partner
from trustcare.reminder_messages import make_stop_token
from trustcare.settings import load_settings
from trustcare.web import stop_reminders


@pytest.fixture
def environment(tmp_path, monkeypatch, migrated_url, practice):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("", encoding="utf-8")
    monkeypatch.setenv("TRUSTCARE_SECRETS_FILE", str(secrets))
    monkeypatch.setenv("TRUSTCARE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TRUSTCARE_ENV", "development")
    monkeypatch.setenv("TRUSTCARE_DATABASE_URL", migrated_url)
    monkeypatch.setenv("TRUSTCARE_SECRET_KEY", "stop-route-test-secret")
    return practice


def _call(request):
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, stop_reminders(request)).result()


def _stopped(practice) -> list[bool]:
    with practice.factory() as session:
        return [
            stopped is not None
            for stopped in session.scalars(
                select(Partner.reminders_stopped_at).order_by(Partner.id)
            )
        ]


def _lena(practice) -> int:
    with practice.factory() as session:
        return session.scalar(select(Partner.id).order_by(Partner.id))


def test_get_confirms_and_post_stops(environment):
    token = make_stop_token(load_settings().secret_key, _lena(environment))
    shown = _call(_request("GET", "/reminders/stop", urlencode({"t": token})))
    assert shown.status_code == 200 and b"Stop reminders" in shown.body
    assert not any(_stopped(environment))
    done = _call(_request("POST", "/reminders/stop", body=urlencode({"t": token}).encode()))
    assert done.status_code == 200 and b"Reminders stopped" in done.body
    assert _stopped(environment)[0] and not any(_stopped(environment)[1:])


def test_one_click_post_carries_the_token_in_the_address(environment):
    token = make_stop_token(load_settings().secret_key, _lena(environment))
    done = _call(
        _request(
            "POST",
            "/reminders/stop",
            urlencode({"t": token}),
            body=b"List-Unsubscribe=One-Click",
        )
    )
    assert done.status_code == 200 and _stopped(environment)[0]


def test_a_forged_token_stops_nothing(environment):
    forged = make_stop_token("not-this-installation", _lena(environment))
    assert _call(_request("GET", "/reminders/stop", urlencode({"t": forged}))).status_code == 400
    refused = _call(_request("POST", "/reminders/stop", body=urlencode({"t": forged}).encode()))
    assert refused.status_code == 400 and not any(_stopped(environment))

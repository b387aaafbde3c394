"""/reminders/stop: GET asks to confirm and stops nothing, POST stops (also a mail client's
one-click POST with the token in the address), a forged token stops nothing; every page speaks
the language the link names, and English for any other."""

from __future__ import annotations

import asyncio
import html
import re
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


# --- in the language the link names -------------------------------------------------------------


def _page(response) -> str:
    return response.body.decode("utf-8")


def _hidden_fields(page: str) -> dict[str, str]:
    """What a browser would post back from the confirm page's form."""
    return {
        name: html.unescape(value)
        for name, value in re.findall(r"<input type='hidden' name='(\w+)' value='([^']*)'>", page)
    }


def test_a_spanish_link_asks_to_confirm_in_spanish_and_stops_nothing(environment):
    token = make_stop_token(load_settings().secret_key, _lena(environment))

    shown = _call(_request("GET", "/reminders/stop", urlencode({"t": token, "lang": "es"})))

    page = _page(shown)
    assert shown.status_code == 200
    assert "<html lang='es'>" in page
    assert "<title>Recordatorios de chequeo</title>" in page
    assert "¿Detener los recordatorios de chequeo?" in page
    assert "Tu enlace personal sigue funcionando" in page
    assert ">Detener recordatorios</button>" in page
    assert "Stop reminders" not in page and "Check-in reminders" not in page
    assert not any(_stopped(environment))


def test_the_confirm_form_carries_the_language_to_the_spanish_stopped_page(environment):
    token = make_stop_token(load_settings().secret_key, _lena(environment))
    shown = _call(_request("GET", "/reminders/stop", urlencode({"t": token, "lang": "es"})))
    fields = _hidden_fields(_page(shown))
    assert fields == {"t": token, "lang": "es"}

    # The form posts to /reminders/stop with no query string: only the hidden field says "es".
    done = _call(_request("POST", "/reminders/stop", body=urlencode(fields).encode()))

    page = _page(done)
    assert done.status_code == 200
    assert "<html lang='es'>" in page
    assert "<h1>Recordatorios detenidos</h1>" in page
    assert "Si cambias de opinión" in page
    assert "Reminders stopped" not in page
    assert _stopped(environment)[0] and not any(_stopped(environment)[1:])


def test_a_one_click_stop_from_a_spanish_email_answers_in_spanish(environment):
    token = make_stop_token(load_settings().secret_key, _lena(environment))

    done = _call(
        _request(
            "POST",
            "/reminders/stop",
            urlencode({"t": token, "lang": "es"}),
            body=b"List-Unsubscribe=One-Click",
        )
    )

    assert done.status_code == 200 and "Recordatorios detenidos" in _page(done)
    assert _stopped(environment)[0]


def test_a_bad_spanish_link_says_so_in_spanish(environment):
    forged = make_stop_token("not-this-installation", _lena(environment))

    shown = _call(_request("GET", "/reminders/stop", urlencode({"t": forged, "lang": "es"})))
    refused = _call(
        _request("POST", "/reminders/stop", body=urlencode({"t": forged, "lang": "es"}).encode())
    )

    for response in (shown, refused):
        page = _page(response)
        assert response.status_code == 400
        assert "<html lang='es'>" in page
        assert "Este enlace no funciona. Pregúntale a tu consejero o consejera." in page
        assert "This link does not work" not in page
    assert not any(_stopped(environment))


@pytest.mark.parametrize("lang", ["fr", "ES", "", "<script>alert(1)</script>", "es' onload='x"])
def test_an_unknown_language_in_the_link_gets_the_english_pages(environment, lang):
    token = make_stop_token(load_settings().secret_key, _lena(environment))

    shown = _call(_request("GET", "/reminders/stop", urlencode({"t": token, "lang": lang})))
    fields = _hidden_fields(_page(shown))
    done = _call(
        _request("POST", "/reminders/stop", body=urlencode({"t": token, "lang": lang}).encode())
    )

    assert "<html lang='en'>" in _page(shown) and "Stop check-in reminders?" in _page(shown)
    assert fields["lang"] == "en"
    assert "<html lang='en'>" in _page(done) and "<h1>Reminders stopped</h1>" in _page(done)
    assert "script" not in _page(shown) + _page(done)


def test_a_link_without_a_language_gets_the_english_pages(environment):
    token = make_stop_token(load_settings().secret_key, _lena(environment))
    forged = make_stop_token("not-this-installation", _lena(environment))

    shown = _call(_request("GET", "/reminders/stop", urlencode({"t": token})))
    refused = _call(_request("GET", "/reminders/stop", urlencode({"t": forged})))

    assert "<html lang='en'>" in _page(shown)
    assert _hidden_fields(_page(shown))["lang"] == "en"
    assert "<html lang='en'>" in _page(refused)
    assert "This link does not work. Ask your counselor." in _page(refused)

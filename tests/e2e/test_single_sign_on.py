"""Single sign-on end to end: `oidc-provider-mock` as the practice's identity provider, a real
`streamlit run server.py` with `[auth]` from a temporary secrets file, and Chromium between them.

The secrets file lives in the test's temporary folder and reaches the server through
`TRUSTCARE_SECRETS_FILE`, so the repository's own `.streamlit/secrets.toml` is never written.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.e2e.conftest import Server, free_port, screenshot, start_server, wait_for_app
from trustcare.db import make_engine, make_session_factory, upgrade
from trustcare.models import AuditEvent, Counselor, Couple
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services import accounts, admin, couples

pytest.importorskip("oidc_provider_mock", reason="oidc-provider-mock needs Python 3.12+")

PROVIDER_USERS = [
    {"sub": "ada-22d0", "email": "ada@harbor.example", "email_verified": True, "name": "Ada"},
    {"sub": "ben-7f3a", "email": "ben@harbor.example", "email_verified": True, "name": "Ben"},
    {"sub": "cleo-91c2", "email": "cleo@harbor.example", "email_verified": True, "name": "Cleo"},
    {"sub": "zed-0001", "email": "zed@elsewhere.example", "email_verified": True, "name": "Zed"},
]


@dataclass
class Provider:
    url: str
    log: Path


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def provider(tmp_path) -> Iterator[Provider]:
    """`oidc-provider-mock` on a free port of 127.0.0.1 with three fictional people."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "oidc-provider-mock"), "--port", str(port)]
    for claims in PROVIDER_USERS:
        command += ["--user-claims", json.dumps(claims)]
    log = tmp_path / "provider.log"
    process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider-mock exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2):
                break
        except OSError as error:
            if time.monotonic() > deadline:
                _stop(process)
                raise RuntimeError(
                    f"oidc-provider-mock did not start:\n{log.read_text()}"
                ) from error
            time.sleep(0.2)
    yield Provider(url, log)
    _stop(process)


@pytest.fixture
def harbor_database(tmp_path) -> str:
    """Harbor: admin Ada (Rivera), Ben for sign-on (Okafor), Cleo for sign-on but deactivated."""
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    ada = accounts.create_practice(
        partial(unscoped_work, factory),
        "Harbor Counseling",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    with CounselorWork(factory, ada) as uow:
        ben_id = accounts.add_counselor(uow, "Ben Imaginary", "ben@harbor.example", None)
        cleo_id = accounts.add_counselor(uow, "Cleo Invented", "cleo@harbor.example", None)
        couples.create_couple(
            uow, "Rivera", [couples.PartnerInput("Lena"), couples.PartnerInput("Marco")]
        )
    with CounselorWork(factory, ada) as uow:
        admin.deactivate_counselor(uow, cleo_id)
    ben = accounts.actor_for_login(partial(unscoped_work, factory), ben_id, 1)
    with CounselorWork(factory, ben) as uow:
        okafor = couples.create_couple(
            uow, "Okafor", [couples.PartnerInput("Chidi"), couples.PartnerInput("Tess")]
        )
        couples.log_session(uow, okafor, dt.date(2026, 1, 5), "Chidi spoke about the move.")
    engine.dispose()
    return url


@pytest.fixture
def sign_on_server(tmp_path, provider, harbor_database) -> Iterator[Server]:
    """TrustCare with `[auth]` pointing at the provider; `{port}` is filled in by Streamlit."""
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "trustcare-e2e"\n'
        'client_secret = "e2e-only-client-secret"\n'
        f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    running, process = start_server(
        tmp_path,
        extra_env={
            "TRUSTCARE_SECRETS_FILE": str(secrets_file),
            "TRUSTCARE_ENV": "development",
            # The provider speaks plain HTTP on 127.0.0.1; Authlib refuses that unless told.
            "AUTHLIB_INSECURE_TRANSPORT": "1",
        },
    )
    yield running
    _stop(process)


def _sign_in_at_provider(page, subject: str) -> None:
    page.get_by_role("button", name="Sign in with your practice account").click()
    page.get_by_role("button", name=f"Authorize as {subject}").click(timeout=30_000)


def _sign_out_everywhere(page) -> None:
    """Our sidebar or refusal page, then the provider's end-session page, then back to us."""
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_role("button", name="End session").click(timeout=30_000)
    page.get_by_role("button", name="Sign in with your practice account").wait_for(timeout=30_000)


def _audit_actions(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    engine.dispose()
    return actions


def _views_of_rivera(database_url: str, count: int) -> None:
    """`count` earlier views of Rivera by Ada, so the audit trail has more than one page."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        ada = session.scalars(
            select(Counselor).where(Counselor.email == "ada@harbor.example")
        ).one()
        rivera = session.scalars(select(Couple.id).where(Couple.label == "Rivera")).one()
        earliest = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        session.add_all(
            AuditEvent(
                practice_id=ada.practice_id,
                actor_kind="counselor",
                actor_id=ada.id,
                action="couple.view",
                record_type="couple",
                record_id=rivera,
                at=earliest + dt.timedelta(minutes=number),
                detail={},
            )
            for number in range(count)
        )
        session.commit()
    engine.dispose()


def test_a_counselor_signs_in_through_the_provider_lands_on_their_caseload_and_signs_out(
    sign_on_server, provider, browser
):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(sign_on_server.url)
    wait_for_app(page)
    page.get_by_role("heading", name="Sign in to TrustCare").wait_for()
    assert page.get_by_role("textbox", name="Password").count() == 0
    screenshot(page, "sso-sign-in")

    page.get_by_role("button", name="Sign in with your practice account").click()
    page.get_by_role("button", name="Authorize as ben-7f3a").wait_for(timeout=30_000)
    screenshot(page, "sso-provider-authorize")
    page.get_by_role("button", name="Authorize as ben-7f3a").click()

    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    wait_for_app(page)
    screenshot(page, "sso-caseload")
    assert page.get_by_text("Signed in as Ben Imaginary").is_visible()
    assert page.get_by_text("1 couple(s), most urgent first.").is_visible()
    couple_picker = page.get_by_role("combobox", name="Open a couple's record")
    couple_picker.click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    assert options == ["Okafor (Chidi & Tess)"]

    engine = make_engine(sign_on_server.database_url)
    with make_session_factory(engine)() as session:
        ben = session.scalars(
            select(Counselor).where(Counselor.email == "ben@harbor.example")
        ).one()
        assert (ben.oidc_issuer, ben.oidc_subject) == (provider.url, "ben-7f3a")
    engine.dispose()
    assert _audit_actions(sign_on_server.database_url)[-2:] == ["signon.link", "login"]

    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)

    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_role("heading", name="End Session").wait_for(timeout=30_000)
    screenshot(page, "sso-provider-end-session")
    page.get_by_role("button", name="End session").click()
    page.get_by_role("button", name="Sign in with your practice account").wait_for(timeout=30_000)
    wait_for_app(page)
    screenshot(page, "sso-signed-out")
    page.goto(sign_on_server.url)
    wait_for_app(page)
    assert page.get_by_role("heading", name="Caseload").count() == 0
    page.close()


def test_an_unknown_identity_is_told_to_ask_the_practice_admin(sign_on_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(sign_on_server.url)
    wait_for_app(page)
    _sign_in_at_provider(page, "zed-0001")
    page.get_by_text("this TrustCare does not know you yet").wait_for(timeout=30_000)
    wait_for_app(page)
    assert page.get_by_text("You signed in as: zed@elsewhere.example").is_visible()
    assert page.get_by_role("heading", name="Caseload").count() == 0
    screenshot(page, "sso-unknown-identity")
    _sign_out_everywhere(page)
    page.close()


def test_a_deactivated_counselor_is_refused(sign_on_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(sign_on_server.url)
    wait_for_app(page)
    _sign_in_at_provider(page, "cleo-91c2")
    page.get_by_text("Your TrustCare account has been deactivated").wait_for(timeout=30_000)
    wait_for_app(page)
    assert page.get_by_role("heading", name="Caseload").count() == 0
    screenshot(page, "sso-deactivated")
    assert _audit_actions(sign_on_server.database_url)[-1] == "login.refused"
    page.close()


def test_an_admin_page_url_does_not_exist_for_a_counselor(sign_on_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(sign_on_server.url)
    wait_for_app(page)
    _sign_in_at_provider(page, "ben-7f3a")
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    page.goto(f"{sign_on_server.url}/audit_trail")
    wait_for_app(page)
    page.get_by_text("Page not found").wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="Audit trail").count() == 0
    screenshot(page, "sso-counselor-admin-url")
    page.close()


def test_an_admin_signs_on_and_works_through_the_admin_pages(sign_on_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(sign_on_server.url)
    wait_for_app(page)
    _sign_in_at_provider(page, "ada-22d0")
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)

    page.get_by_role("link", name="Counselors").click()
    page.get_by_role("heading", name="Counselors").wait_for(timeout=30_000)
    wait_for_app(page)
    assert page.get_by_text("Local passwords are off").is_visible()
    screenshot(page, "sso-admin-counselors")

    page.get_by_role("link", name="Couples and hand-over").click()
    page.get_by_role("heading", name="Couples and hand-over").wait_for(timeout=30_000)
    wait_for_app(page)
    search = page.get_by_label("Find a couple by label or counselor")
    search.fill("imaginary")
    search.press("Enter")
    page.get_by_text("1 couple(s) by label.").wait_for(timeout=30_000)
    wait_for_app(page)
    screenshot(page, "sso-admin-handover-search")
    assert search.input_value() == "imaginary"
    page.get_by_label("Why do you need to read this record?").fill(
        "Ben is away this week and Tess phoned the practice in distress."
    )
    page.get_by_role("button", name="Read the record").click()
    page.get_by_text("Record, read-only").wait_for(timeout=30_000)
    wait_for_app(page)
    page.get_by_text("Chidi spoke about the move.").scroll_into_view_if_needed()
    screenshot(page, "sso-admin-break-glass")
    assert page.get_by_text("Couple: Okafor").is_visible()
    assert _audit_actions(sign_on_server.database_url)[-1] == "couple.break_glass"

    page.get_by_role("link", name="Practice settings").click()
    page.get_by_role("heading", name="Practice settings").wait_for(timeout=30_000)
    wait_for_app(page)
    screenshot(page, "sso-admin-practice-settings")

    _views_of_rivera(sign_on_server.database_url, 60)
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_role("heading", name="Audit trail").wait_for(timeout=30_000)
    wait_for_app(page)
    page.get_by_text("Page 1: 50 event(s); older ones on the next page.").wait_for(timeout=30_000)
    screenshot(page, "sso-admin-audit-trail")
    page.get_by_role("button", name="Older").click()
    page.get_by_text("Page 2:").wait_for(timeout=30_000)
    wait_for_app(page)
    screenshot(page, "sso-admin-audit-trail-older")
    page.get_by_role("button", name="Newer").click()
    page.get_by_text("Page 1: 50 event(s)").wait_for(timeout=30_000)
    wait_for_app(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as CSV").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported.startswith("When (UTC),Actor,Action,Record,Record id,Detail")
    assert "couple.break_glass" in exported
    assert _audit_actions(sign_on_server.database_url)[-1] == "audit.export"
    page.close()


def test_the_server_refuses_to_start_in_production_with_the_example_cookie_secret(
    tmp_path, provider
):
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        'redirect_uri = "https://care.harbor.example/oauth2callback"\n'
        'cookie_secret = "change-me-to-a-long-random-string"\n'
        'client_id = "trustcare"\n'
        'client_secret = "x"\n'
        f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    with pytest.raises(RuntimeError, match="cookie_secret is still the example value"):
        start_server(
            tmp_path,
            extra_env={
                "TRUSTCARE_SECRETS_FILE": str(secrets_file),
                "TRUSTCARE_ENV": "production",
                "TRUSTCARE_SECRET_KEY": "s" * 48,
            },
        )

"""Single sign-on through the real app script, with `st.user` seeded as the provider left it.

The real `st.login` round trip needs a browser and a provider; it is in tests/e2e.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest

from tests.app.conftest import new_app
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services import accounts, admin, couples

ISSUER = "https://id.harbor.example"
AUTH = """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "a-test-only-cookie-secret-of-enough-length"
client_id = "trustcare"
client_secret = "test-only"
server_metadata_url = "https://id.harbor.example/.well-known/openid-configuration"
"""


@pytest.fixture
def sign_on_env(app_env, tmp_path, monkeypatch):
    """The app with [auth] configured through a temporary secrets file."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(AUTH, encoding="utf-8")
    monkeypatch.setenv("TRUSTCARE_SECRETS_FILE", str(secrets))
    return secrets


@pytest.fixture
def harbor(sign_on_env, app_factory):
    """Admin Ada (local password) and counselor Ben (sign-on only) with couple Okafor."""
    ada = accounts.create_practice(
        partial(unscoped_work, app_factory),
        "Harbor",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    with CounselorWork(app_factory, ada) as uow:
        ben_id = accounts.add_counselor(uow, "Ben Imaginary", "ben@harbor.example", None)
    return {"factory": app_factory, "ada": ada, "ben_id": ben_id}


def provider_user(email: str, subject: str, expires_in: dt.timedelta = dt.timedelta(hours=1)):
    """`st.user` as Streamlit fills it from the ID token after a provider login."""
    return {
        "is_logged_in": True,
        "iss": ISSUER,
        "sub": subject,
        "email": email,
        "email_verified": True,
        "exp": int((dt.datetime.now(dt.UTC) + expires_in).timestamp()),
        "provider": "default",
    }


def texts(at) -> str:
    kinds = ("title", "markdown", "text", "caption", "error", "info", "warning", "success")
    return "\n".join(str(element.value) for kind in kinds for element in getattr(at, kind))


def app_as(user: dict):
    at = new_app()
    at.user = user
    return at.run()


def test_before_signing_in_the_page_offers_the_practice_sign_in_and_no_password(harbor):
    at = app_as({"is_logged_in": False})
    assert not at.exception
    assert at.title[0].value == "Sign in to TrustCare"
    assert [b.label for b in at.button] == ["Sign in with your practice account"]
    assert len(at.text_input) == 0


def test_a_known_identity_lands_on_the_counselors_own_caseload(harbor):
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        couples.create_couple(uow, "Rivera", [couples.PartnerInput("L"), couples.PartnerInput("M")])
    ben = accounts.actor_for_login(partial(unscoped_work, harbor["factory"]), harbor["ben_id"], 1)
    with CounselorWork(harbor["factory"], ben) as uow:
        couples.create_couple(uow, "Okafor", [couples.PartnerInput("C"), couples.PartnerInput("T")])
    at = app_as(provider_user("ben@harbor.example", "ben-sub"))
    assert not at.exception
    assert at.title[0].value == "Caseload"
    assert list(at.dataframe[0].value["Couple"]) == ["Okafor"]
    assert "Signed in as **Ben Imaginary**" in [m.value for m in at.sidebar.markdown]


def test_an_unknown_identity_is_told_to_ask_the_admin_and_can_sign_out(harbor):
    at = app_as(provider_user("stranger@elsewhere.example", "who-1"))
    assert at.title[0].value == "Sign in to TrustCare"
    assert "Ask your practice admin to add you" in at.warning[0].value
    assert "You signed in as: stranger@elsewhere.example" in texts(at)
    next(b for b in at.button if b.label == "Sign out").click().run()
    assert at.user == {"is_logged_in": False}
    at.run()
    assert [b.label for b in at.button] == ["Sign in with your practice account"]


def test_a_deactivated_counselor_is_refused(harbor):
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        admin.deactivate_counselor(uow, harbor["ben_id"])
    at = app_as(provider_user("ben@harbor.example", "ben-sub"))
    assert at.title[0].value == "Sign in to TrustCare"
    assert "has been deactivated" in at.warning[0].value


def test_a_counselor_deactivated_mid_session_is_refused_on_the_next_run(harbor):
    at = app_as(provider_user("ben@harbor.example", "ben-sub"))
    assert at.title[0].value == "Caseload"
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        admin.deactivate_counselor(uow, harbor["ben_id"])
    at.run()
    assert at.title[0].value == "Sign in to TrustCare"
    assert "has been deactivated" in at.warning[0].value


def test_an_expired_identity_is_asked_to_sign_in_again(harbor):
    at = app_as(provider_user("ben@harbor.example", "ben-sub", -dt.timedelta(minutes=1)))
    assert at.title[0].value == "Sign in to TrustCare"
    assert at.info[0].value == "Your sign-in has expired. Please sign in again."
    assert [b.label for b in at.button] == ["Sign in with your practice account"]


def test_an_identity_that_expires_during_the_session_ends_it(harbor):
    at = new_app()
    at.user = provider_user("ben@harbor.example", "ben-sub", dt.timedelta(minutes=5))
    at.run()
    assert at.title[0].value == "Caseload"
    at.user = {**at.user, "exp": int(dt.datetime.now(dt.UTC).timestamp()) - 1}
    at.run()
    assert at.title[0].value == "Sign in to TrustCare"


def test_a_local_login_is_ignored_while_single_sign_on_is_on(harbor):
    at = new_app()
    at.user = {"is_logged_in": False}
    at.session_state["trustcare_actor"] = harbor["ada"]
    at.run()
    assert at.title[0].value == "Sign in to TrustCare"
    assert len(at.text_input) == 0


def test_the_counselors_page_says_single_sign_on_is_in_use(harbor):
    at = app_as(provider_user("ada@harbor.example", "ada-sub"))
    at.switch_page("pages/counselors.py").run()
    assert "Local passwords are off" in texts(at)
    assert next(r for r in at.radio if r.label == "Signs in with").value == "single sign-on"


def test_named_providers_each_get_a_sign_in_button(app_env, tmp_path, monkeypatch, app_factory):
    secrets = tmp_path / "named.toml"
    secrets.write_text(
        """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "a-test-only-cookie-secret-of-enough-length"
[auth.google]
client_id = "g"
client_secret = "g"
server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"
[auth.microsoft]
client_id = "m"
client_secret = "m"
server_metadata_url = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("TRUSTCARE_SECRETS_FILE", str(secrets))
    accounts.create_practice(
        partial(unscoped_work, app_factory),
        "Harbor",
        "Ada",
        "ada@harbor.example",
        "long password 1",
    )
    at = app_as({"is_logged_in": False})
    assert [b.label for b in at.button] == ["Sign in with Google", "Sign in with Microsoft"]


def test_after_setup_the_new_admin_signs_on_through_the_provider(sign_on_env, app_factory):
    at = new_app()
    at.user = {"is_logged_in": False}
    at.run()
    at.text_input[0].input("Harbor Counseling")
    at.text_input[1].input("Ada Fictional")
    at.text_input[2].input("ada@harbor.example")
    at.text_input[3].input("correct horse battery")
    at.button[0].click().run()
    assert at.title[0].value == "Sign in to TrustCare"
    assert [b.label for b in at.button] == ["Sign in with your practice account"]
    at.user = provider_user("ada@harbor.example", "ada-sub")
    at.run()
    assert at.title[0].value == "Caseload"

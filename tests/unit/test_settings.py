"""Settings: which sign-in is on, and which configurations refuse to start outside development."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from trustcare.identity import SignOnIdentity
from trustcare.settings import (
    EXAMPLE_SECRET_KEY,
    PROJECT_ROOT,
    SettingsError,
    load_settings,
    streamlit_secrets,
)

STRONG = "Xq7vR2mK9pLw4sT8nB3cY6hJ1dF5gZ0aQeUoIiPl"
AUTH = """
[auth]
redirect_uri = "https://care.harbor.example/oauth2callback"
cookie_secret = "{cookie_secret}"
client_id = "trustcare"
client_secret = "not-a-real-secret"
server_metadata_url = "https://id.harbor.example/.well-known/openid-configuration"
"""


def settings(tmp_path, secrets_text: str = "", **environ: str):
    path = tmp_path / "secrets.toml"
    path.write_text(secrets_text, encoding="utf-8")
    return load_settings(environ=environ, secrets_path=path, var_dir=tmp_path / "var")


def test_without_auth_local_accounts_are_the_sign_in(tmp_path):
    loaded = settings(tmp_path)
    assert not loaded.auth_configured
    assert loaded.local_accounts_enabled
    assert loaded.sign_in_method == "local accounts"


def test_with_auth_single_sign_on_is_on_and_local_passwords_are_off(tmp_path):
    loaded = settings(tmp_path, AUTH.format(cookie_secret=STRONG))
    assert loaded.auth_configured
    assert not loaded.local_accounts_enabled
    assert loaded.sign_in_method == "single sign-on"
    assert loaded.sign_on_providers == ("default",)


def test_named_providers_are_listed_in_order(tmp_path):
    text = f"""
[auth]
redirect_uri = "https://care.harbor.example/oauth2callback"
cookie_secret = "{STRONG}"
[auth.google]
client_id = "g"
server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"
[auth.okta]
client_id = "o"
server_metadata_url = "https://harbor.okta.com/.well-known/openid-configuration"
[auth.client_kwargs]
prompt = "login"
"""
    assert settings(tmp_path, text).sign_on_providers == ("google", "okta")


@pytest.mark.parametrize("environment", ["development", "demo"])
def test_development_and_demo_accept_the_example_secrets(tmp_path, environment):
    loaded = settings(
        tmp_path,
        AUTH.format(cookie_secret=EXAMPLE_SECRET_KEY),
        TRUSTCARE_ENV=environment,
        TRUSTCARE_SECRET_KEY=EXAMPLE_SECRET_KEY,
    )
    assert loaded.auth_configured


@pytest.mark.parametrize(
    ("secret_key", "message"),
    [
        ("", "unset or still the example value"),
        (EXAMPLE_SECRET_KEY, "unset or still the example value"),
        ("short-but-random", "at least 32 characters"),
    ],
)
def test_production_refuses_a_missing_example_or_short_secret_key(tmp_path, secret_key, message):
    environ = {"TRUSTCARE_ENV": "production"}
    if secret_key:
        environ["TRUSTCARE_SECRET_KEY"] = secret_key
    with pytest.raises(SettingsError, match=message):
        settings(tmp_path, **environ)


@pytest.mark.parametrize(
    ("cookie_secret", "message"),
    [
        ("", "cookie_secret is unset"),
        (EXAMPLE_SECRET_KEY, "still the example value"),
        ("too-short-for-production", "at least 32 characters"),
    ],
)
def test_production_refuses_a_missing_example_or_short_cookie_secret(
    tmp_path, cookie_secret, message
):
    with pytest.raises(SettingsError, match=message):
        settings(
            tmp_path,
            AUTH.format(cookie_secret=cookie_secret),
            TRUSTCARE_ENV="production",
            TRUSTCARE_SECRET_KEY=STRONG,
        )


@pytest.mark.parametrize(
    "weak",
    [
        "a" * 32,
        " " * 40,
        EXAMPLE_SECRET_KEY.upper() + "-PLEASE",
        "abcabcabcabcabcabcabcabcabcabcabc",
    ],
)
def test_production_refuses_a_secret_key_a_person_typed(tmp_path, weak):
    with pytest.raises(SettingsError, match="guessable"):
        settings(tmp_path, TRUSTCARE_ENV="production", TRUSTCARE_SECRET_KEY=weak)


@pytest.mark.parametrize("weak", ["a" * 32, "correct horse battery staple 1234567"])
def test_production_refuses_a_cookie_secret_a_person_typed(tmp_path, weak):
    with pytest.raises(SettingsError, match="guessable"):
        settings(
            tmp_path,
            AUTH.format(cookie_secret=weak),
            TRUSTCARE_ENV="production",
            TRUSTCARE_SECRET_KEY=STRONG,
        )


def test_production_starts_with_long_random_secrets(tmp_path):
    loaded = settings(
        tmp_path,
        AUTH.format(cookie_secret=STRONG),
        TRUSTCARE_ENV="production",
        TRUSTCARE_SECRET_KEY=STRONG,
    )
    assert loaded.is_production and loaded.auth_configured


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ('auth = "on"', "must be a table"),
        (
            '[auth]\nredirect_uri = "https://care.harbor.example/"\ncookie_secret = "x"',
            "must be the address people browse to followed by /oauth2callback",
        ),
        (
            '[auth]\nredirect_uri = "https://c.example/oauth2callback"\ncookie_secret = "x"',
            "names no identity provider",
        ),
        (
            '[auth]\nredirect_uri = "https://c.example/oauth2callback"\ncookie_secret = "x"\n'
            '[auth.my_idp]\nclient_id = "x"',
            "must not contain '_'",
        ),
    ],
)
def test_an_auth_table_streamlit_could_not_sign_anyone_in_with_is_refused(
    tmp_path, broken, message
):
    with pytest.raises(SettingsError, match=message):
        settings(tmp_path, broken)


def test_an_empty_auth_table_means_no_single_sign_on(tmp_path):
    assert not settings(tmp_path, "[auth]\n").auth_configured


def test_a_secrets_file_named_in_the_environment_is_read_and_handed_to_streamlit(tmp_path):
    named = tmp_path / "mounted-secrets.toml"
    named.write_text(AUTH.format(cookie_secret=STRONG), encoding="utf-8")
    environ = {"TRUSTCARE_SECRETS_FILE": str(named)}
    assert load_settings(environ=environ, var_dir=tmp_path / "var").auth_configured
    assert streamlit_secrets(environ)["auth"]["client_id"] == "trustcare"


def test_without_a_named_secrets_file_streamlit_reads_its_own(tmp_path):
    assert streamlit_secrets({}) is None


def test_a_secrets_file_named_in_the_environment_must_exist(tmp_path):
    environ = {"TRUSTCARE_SECRETS_FILE": str(tmp_path / "missing.toml")}
    with pytest.raises(SettingsError, match="not a file"):
        load_settings(environ=environ, var_dir=tmp_path / "var")


def test_identity_claims_are_read_without_trusting_their_types():
    identity = SignOnIdentity.from_claims(
        {"iss": "https://id.example", "sub": 42, "email": " Ben@Harbor.Example ", "exp": 1e9}
    )
    assert (identity.issuer, identity.subject, identity.email) == (
        "https://id.example",
        "42",
        "ben@harbor.example",
    )
    assert identity.expires_at == dt.datetime.fromtimestamp(1e9, dt.UTC)
    assert identity.email_verified is None


@pytest.mark.parametrize("exp", [None, "2030-01-01", True, [1]])
def test_an_identity_without_a_usable_expiry_counts_as_expired(exp):
    identity = SignOnIdentity.from_claims({"iss": "i", "sub": "s", "exp": exp})
    assert identity.is_expired(dt.datetime.now(dt.UTC))


@pytest.mark.parametrize(("claim", "read"), [(True, True), ("false", False), ("yes", None)])
def test_email_verified_is_read_from_booleans_and_their_spellings(claim, read):
    assert SignOnIdentity.from_claims({"email_verified": claim}).email_verified is read


def test_the_example_auth_block_once_uncommented_is_accepted_and_documents_every_key(tmp_path):
    example = (PROJECT_ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    block = example[example.index("# [auth]") :]
    uncommented = "\n".join(line.removeprefix("#").removeprefix(" ") for line in block.splitlines())
    loaded = settings(tmp_path, uncommented)
    assert loaded.sign_on_providers == ("default", "google", "microsoft")
    keys = {"redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"}
    assert keys | {"client_kwargs"} <= set(tomllib.loads(uncommented)["auth"])


def test_an_edited_secrets_file_is_read_again_on_the_next_load(tmp_path):
    """The file is parsed again only when its bytes change; an edit is seen at once."""
    first = settings(tmp_path, '[trustcare]\nbase_url = "https://one.example"\n')
    assert settings(tmp_path, '[trustcare]\nbase_url = "https://one.example"\n') == first
    again = settings(tmp_path, '[trustcare]\nbase_url = "https://two.example"\n')
    assert again.base_url == "https://two.example"
    (tmp_path / "secrets.toml").unlink()
    gone = load_settings(
        environ={}, secrets_path=tmp_path / "secrets.toml", var_dir=tmp_path / "var"
    )
    assert gone.base_url == ""

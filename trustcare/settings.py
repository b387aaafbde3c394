"""Configuration from the environment and `.streamlit/secrets.toml`, as one typed object.

Environment variables win over the `[trustcare]` table of secrets.toml, so that a container can
override a file. `TRUSTCARE_SECRETS_FILE` names another secrets file (a mounted secret, or a test's
temporary one); `server.py` hands that file to Streamlit too, so `st.login` reads the same `[auth]`.
Nothing here is read at import time: `load_settings()` builds a fresh object, which keeps tests
independent of the machine they run on.
"""

from __future__ import annotations

import copy
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_SECRET_KEY = "change-me-to-a-long-random-string"
ENVIRONMENTS = ("development", "demo", "production")


class SettingsError(Exception):
    """The configuration cannot be used; the message says which key to fix."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    environment: str = "development"
    # Empty: links start with the address the counselor browses to (ui.address).
    base_url: str = ""
    content_dirs: tuple[Path, ...] = field(default_factory=tuple)
    log_level: str = "INFO"
    auth_configured: bool = False
    sign_on_providers: tuple[str, ...] = ()
    # How many proxies in front of the app append to X-Forwarded-For (0: none, trust the socket).
    trusted_proxy_hops: int = 0
    # Fernet keys for clinical text at rest, newest (the one that encrypts) first; empty only
    # in production with none set, which build_context refuses (see trustcare/encryption.py).
    encryption_keys: tuple[str, ...] = field(default=(), repr=False)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def local_accounts_enabled(self) -> bool:
        """Password login is off once the practice's single sign-on is configured."""
        return not self.auth_configured

    @property
    def sign_in_method(self) -> str:
        return "single sign-on" if self.auth_configured else "local accounts"


# Settings are read on every script run; the secrets file is parsed again only when its bytes
# change. {path: (bytes, what they parsed to)}
_parsed_secrets: dict[Path, tuple[bytes, dict]] = {}


def _read_secrets(path: Path) -> dict:
    """The secrets file as a dict; a missing file is an empty configuration, a broken one is not."""
    if not path.is_file():
        return {}
    raw = path.read_bytes()
    kept = _parsed_secrets.get(path)
    if kept is None or kept[0] != raw:
        try:
            kept = (raw, tomllib.loads(raw.decode("utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise SettingsError(f"{path}: not valid TOML: {error}") from error
        _parsed_secrets[path] = kept
    return copy.deepcopy(kept[1])


def _local_secret_key(var_dir: Path) -> str:
    """A per-installation key kept beside the embedded database, so `make run` needs no setup."""
    key_file = var_dir / "secret_key"
    if key_file.is_file():
        return key_file.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.touch(mode=0o600)
    key_file.write_text(key, encoding="utf-8")
    return key


def _local_encryption_key(var_dir: Path) -> str:
    """A per-installation Fernet key beside the embedded database, like `_local_secret_key`:
    a development or demo install encrypts at rest with no setup. Lose it and the notes go."""
    key_file = var_dir / "encryption_key"
    if key_file.is_file():
        return key_file.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode("ascii")
    key_file.touch(mode=0o600)
    key_file.write_text(key, encoding="utf-8")
    return key


def _split_keys(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace("\n", ",").split(",") if part.strip())


def _encryption_keys(
    named: object, key_file: str | None, environment: str, var_dir: Path
) -> tuple[str, ...]:
    """The key ring from `encryption_key` (comma-separated or a TOML list, newest first) or
    `encryption_key_file` (one key per line, newest first); each must be a Fernet key."""
    if named not in (None, "") and key_file:
        raise SettingsError(
            "set either TRUSTCARE_ENCRYPTION_KEY (encryption_key) or "
            "TRUSTCARE_ENCRYPTION_KEY_FILE (encryption_key_file), not both"
        )
    setting = "TRUSTCARE_ENCRYPTION_KEY"
    if isinstance(named, list):
        keys = tuple(str(key).strip() for key in named if str(key).strip())
    elif named not in (None, ""):
        keys = _split_keys(str(named))
    elif key_file:
        setting = f"TRUSTCARE_ENCRYPTION_KEY_FILE ({key_file})"
        try:
            keys = _split_keys(Path(key_file).read_text(encoding="utf-8"))
        except OSError as error:
            raise SettingsError(
                f"TRUSTCARE_ENCRYPTION_KEY_FILE names {key_file}, which cannot be read: "
                f"{error.strerror}"
            ) from error
        if not keys:
            raise SettingsError(f"{setting} holds no key")
    elif environment == "production":
        return ()
    else:
        return (_local_encryption_key(var_dir),)
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as error:
            raise SettingsError(
                f"{setting}: key {position} is not a Fernet key (32 url-safe base64 bytes); "
                "make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from error
    return keys


def secrets_file(environ: Mapping[str, str]) -> Path:
    """The secrets file in use: `TRUSTCARE_SECRETS_FILE`, else `.streamlit/secrets.toml`."""
    named = environ.get("TRUSTCARE_SECRETS_FILE")
    if not named:
        return PROJECT_ROOT / ".streamlit" / "secrets.toml"
    path = Path(named)
    if not path.is_file():
        raise SettingsError(f"TRUSTCARE_SECRETS_FILE names {path}, which is not a file")
    return path


def streamlit_secrets(environ: Mapping[str, str] | None = None) -> dict | None:
    """The tables of `TRUSTCARE_SECRETS_FILE` for `st.App(secrets=...)`; None when it is unset."""
    environ = os.environ if environ is None else environ
    if not environ.get("TRUSTCARE_SECRETS_FILE"):
        return None
    return _read_secrets(secrets_file(environ))


def _looks_like_provider(table: Mapping) -> bool:
    return any(key in table for key in ("client_id", "client_secret", "server_metadata_url"))


def _check_auth(auth: object, environment: str, secrets_path: Path) -> tuple[str, ...]:
    """The sign-on providers `[auth]` names; refuses a table Streamlit could not log anyone in with.

    Streamlit checks these keys only when someone presses "Sign in"; checking them at start
    turns a puzzled counselor into a clear message for the operator.
    """
    if auth is None or auth == {}:
        return ()
    if not isinstance(auth, dict):
        raise SettingsError(f"{secrets_path}: [auth] must be a table")
    redirect_uri = str(auth.get("redirect_uri", ""))
    if not redirect_uri.endswith("/oauth2callback"):
        raise SettingsError(
            "[auth] redirect_uri must be the address people browse to followed by "
            "/oauth2callback, for example https://trustcare.example.org/oauth2callback"
        )
    cookie_secret = str(auth.get("cookie_secret", ""))
    if not cookie_secret:
        raise SettingsError("[auth] cookie_secret is unset; set a long random one")
    if environment == "production" and cookie_secret == EXAMPLE_SECRET_KEY:
        raise SettingsError(
            "[auth] cookie_secret is still the example value; production needs a long random one"
        )
    if environment == "production" and len(cookie_secret) < 32:
        raise SettingsError("[auth] cookie_secret must be at least 32 characters in production")
    if environment == "production" and _weak_secret(cookie_secret):
        raise SettingsError(
            "[auth] cookie_secret looks guessable (repeated characters, spaces or the example "
            "text); production needs a long random one"
        )
    named = tuple(
        name
        for name, table in auth.items()
        if isinstance(table, dict) and _looks_like_provider(table)
    )
    if "_" in "".join(named):
        raise SettingsError(
            "[auth.<name>] provider names must not contain '_' (Streamlit refuses them)"
        )
    providers = (("default",) if _looks_like_provider(auth) else ()) + named
    if not providers:
        raise SettingsError(
            "[auth] names no identity provider: set client_id, client_secret and "
            "server_metadata_url in [auth] or in an [auth.<name>] table"
        )
    return providers


def default_database_url(var_dir: Path) -> str:
    return f"sqlite:///{(var_dir / 'trustcare.db').as_posix()}"


def load_settings(
    environ: Mapping[str, str] | None = None,
    secrets_path: Path | None = None,
    var_dir: Path | None = None,
) -> Settings:
    """Build the settings; refuses an unsafe secret key in production."""
    environ = os.environ if environ is None else environ
    secrets_path = secrets_path or secrets_file(environ)
    var_dir = var_dir or Path(environ.get("TRUSTCARE_VAR_DIR", PROJECT_ROOT / "var"))
    file_values = _read_secrets(secrets_path)
    section = file_values.get("trustcare", {})
    if not isinstance(section, dict):
        raise SettingsError(f"{secrets_path}: [trustcare] must be a table")

    def value(key: str, default: str | None = None) -> str | None:
        env_key = f"TRUSTCARE_{key.upper()}"
        if environ.get(env_key):
            return environ[env_key]
        if section.get(key) not in (None, ""):
            return str(section[key])
        return default

    environment = (value("env", "development") or "development").lower()
    if environment not in ENVIRONMENTS:
        raise SettingsError(
            f"TRUSTCARE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}"
        )
    secret_key = value("secret_key")
    if environment == "production" and (not secret_key or secret_key == EXAMPLE_SECRET_KEY):
        raise SettingsError(
            "TRUSTCARE_SECRET_KEY is unset or still the example value; production needs a long "
            "random secret shared by all replicas"
        )
    if environment == "production" and len(secret_key or "") < 32:
        raise SettingsError("TRUSTCARE_SECRET_KEY must be at least 32 characters in production")
    auth = file_values.get("auth")
    sign_on_providers = _check_auth(auth, environment, secrets_path)
    if environment == "production" and _weak_secret(secret_key or ""):
        raise SettingsError(
            "TRUSTCARE_SECRET_KEY looks guessable (repeated characters, spaces or the example "
            "text); production needs a long random one, e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'"
        )
    content_dirs = tuple(
        Path(part) for part in (value("content_dirs", "") or "").split(os.pathsep) if part
    )
    named_keys = environ.get("TRUSTCARE_ENCRYPTION_KEY") or section.get("encryption_key")
    encryption_keys = _encryption_keys(
        named_keys, value("encryption_key_file"), environment, var_dir
    )
    return Settings(
        database_url=value("database_url") or default_database_url(var_dir),
        secret_key=secret_key or _local_secret_key(var_dir),
        environment=environment,
        base_url=(value("base_url", "") or "").rstrip("/"),
        content_dirs=content_dirs,
        log_level=(value("log_level", "INFO") or "INFO").upper(),
        auth_configured=bool(sign_on_providers),
        sign_on_providers=sign_on_providers,
        trusted_proxy_hops=_proxy_hops(value("trusted_proxy_hops", "0")),
        encryption_keys=encryption_keys,
    )


def _weak_secret(key: str) -> bool:
    """A key a person typed rather than generated: whitespace, few distinct characters, or the
    example text in another case; a random hex or urlsafe key passes all three."""
    folded = key.strip().lower()
    return (
        any(char.isspace() for char in key)
        or len(set(key)) < 10
        or "change-me" in folded
        or folded.replace("-", "").replace("_", "") in EXAMPLE_SECRET_KEY.replace("-", "")
    )


def _proxy_hops(text: str | None) -> int:
    try:
        hops = int(text or "0")
    except ValueError:
        hops = -1
    if not 0 <= hops <= 10:
        raise SettingsError("TRUSTCARE_TRUSTED_PROXY_HOPS must be a whole number from 0 to 10")
    return hops

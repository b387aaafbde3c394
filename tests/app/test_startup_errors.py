"""A configuration that cannot be used shows "TrustCare cannot start" and what to fix.

The entry page catches ui.state's StartupError only (it imports nothing from the database
module); a settings error and a database error both arrive as one.
"""

from __future__ import annotations

import pytest

from tests.app.conftest import new_app
from trustcare.ui import state


def test_a_settings_error_gives_the_cannot_start_page(app_env, monkeypatch, tmp_path):
    missing = tmp_path / "no-such-secrets.toml"
    monkeypatch.setenv("TRUSTCARE_SECRETS_FILE", str(missing))
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value == "TrustCare cannot start"
    assert f"TRUSTCARE_SECRETS_FILE names {missing}, which is not a file" in at.error[0].value


def test_get_context_turns_a_database_error_into_a_startup_error(app_env, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("TRUSTCARE_DATABASE_URL", f"sqlite:///{blocker}/sub/trustcare.db")
    monkeypatch.setattr(state.st, "session_state", {})
    with pytest.raises(state.StartupError, match="cannot create the database folder"):
        state.get_context()

"""AppTest fixtures: each test runs the real app against its own SQLite database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from trustcare.db import make_engine, make_session_factory, upgrade
from trustcare.identity import Actor

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def navigation_without_pages_folder_mode(monkeypatch):
    """Keeps AppTest on `st.navigation` across reruns.

    AppTest resets `PagesManager.uses_pages_directory` before every run; because this project
    has a `pages/` folder, every run after the first would then execute the page file alone
    (the old pages-folder mode) instead of `app.py`. The real server sets the flag once and
    `st.navigation` clears it, so only the test harness needs this.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    """Points the app at a fresh SQLite database and key folder; clears process caches."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("TRUSTCARE_DATABASE_URL", url)
    monkeypatch.setenv("TRUSTCARE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TRUSTCARE_ENV", "development")
    st.cache_resource.clear()
    yield url
    st.cache_resource.clear()


@pytest.fixture
def app_factory(app_env):
    """A session factory on the app's database, migrated."""
    engine = make_engine(app_env)
    upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def as_shown(markdown: str) -> str:
    """What a Markdown body built with `escape_markdown` shows: its escapes and breaks undone."""
    return markdown.replace(":small[]", "").replace("\\", "")


def signed_in_app(actor: Actor) -> AppTest:
    """The app with this counselor already signed in, as after the login form."""
    at = new_app()
    at.session_state["trustcare_actor"] = actor
    return at


def weekly_since_three_days_ago() -> tuple[dict, dt.date]:
    """A stored check-in schedule due every week on the weekday three days ago at 09:00 local,
    with a 5-day window (so one is open now), and the day it should start: two weeks before."""
    opened = dt.date.today() - dt.timedelta(days=3)
    schedule = {
        "kind": "every_weeks",
        "every_weeks": 1,
        "weekday": opened.weekday(),
        "local_time": "09:00:00",
        "window_days": 5,
        "reminder_day": 2,
    }
    return schedule, opened - dt.timedelta(weeks=2)

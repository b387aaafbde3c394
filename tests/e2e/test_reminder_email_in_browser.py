"""A reminder email as the partner receives it: `trustcare reminders run --once` sends it through
a real SMTP server process on 127.0.0.1, the message kept there is opened in Chromium at phone
size, and its stop link, followed in the browser, stops the reminders after one confirmation."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import ARTIFACTS, PHONE, free_port, harbor_with_rivera, start_server
from trustcare.db import make_engine, make_session_factory
from trustcare.models import Couple, Partner, Practice

SHOTS = Path("/tmp/shots/reminder-email")
TRUSTCARE = str(Path(sys.executable).with_name("trustcare"))
# Keeps every message it receives, whole, as one file each.
SMTP_SERVER = """
import pathlib, sys, time
from aiosmtpd.controller import Controller

class Keeping:
    async def handle_DATA(self, server, session, envelope):
        folder = pathlib.Path(sys.argv[2])
        (folder / f"{len(list(folder.iterdir()))}.eml").write_bytes(envelope.original_content)
        return "250 OK"

controller = Controller(Keeping(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
while True:
    time.sleep(3600)
"""
# Words of the couple's clinical record that a reminder must never carry.
CLINICAL = ("Rivera", "trust pulse", "safety", "score", "session notes")


def _keep(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)
    return path


def _seed(database_url: str, smtp_port: int) -> int:
    """Harbor in Berlin with its mail server; Rivera due for a check-in since three days,
    Lena with an email, Marco without. Returns Lena's partner id."""
    harbor = harbor_with_rivera(database_url)
    engine, factory, ada, rivera = harbor.engine, harbor.factory, harbor.ada, harbor.rivera
    opened = dt.date.today() - dt.timedelta(days=3)
    with factory() as session:
        session.get(Practice, ada.practice_id).settings = {
            "time_zone": "UTC",
            "smtp": {
                "host": "127.0.0.1",
                "port": smtp_port,
                "use_tls": False,
                "sender": "care@harbor.example",
            },
        }
        couple = session.get(Couple, rivera)
        couple.schedule = {
            "kind": "every_weeks",
            "every_weeks": 1,
            "weekday": opened.weekday(),
            "local_time": "00:05:00",
            "window_days": 5,
            "reminder_day": 2,
        }
        couple.schedule_since = opened - dt.timedelta(weeks=2)
        lena = session.scalars(
            select(Partner.id).where(Partner.couple_id == rivera, Partner.position == 1)
        ).one()
        session.commit()
    engine.dispose()
    return lena


def _wait_for_smtp(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the SMTP server did not start")


def _received(folder: Path, timeout: float = 20) -> list[email.message.EmailMessage]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not any(folder.iterdir()):
        time.sleep(0.1)
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.iterdir())
    ]


def test_the_reminder_as_received_reads_well_on_a_phone_and_its_stop_link_works(tmp_path, browser):
    smtp_port, inbox = free_port(), tmp_path / "inbox"
    inbox.mkdir()
    smtp = subprocess.Popen([sys.executable, "-c", SMTP_SERVER, str(smtp_port), str(inbox)])
    # The server's own runner stays off: the one pass below is the only sender.
    server, process = start_server(tmp_path, {"TRUSTCARE_REMINDERS": "off"})
    try:
        lena = _seed(server.database_url, smtp_port)
        _wait_for_smtp(smtp_port)
        env = {
            **os.environ,
            "TRUSTCARE_DATABASE_URL": server.database_url,
            "TRUSTCARE_VAR_DIR": str(tmp_path / "var"),
            "TRUSTCARE_BASE_URL": server.url,
        }
        run = subprocess.run(
            [TRUSTCARE, "reminders", "run", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "1 sent" in run.stdout + run.stderr, run.stdout + run.stderr

        [message] = _received(inbox)
        assert message["To"] == "lena@mail.example"
        assert message["From"] == "care@harbor.example"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        plain = message.get_body(("plain",)).get_content()
        html_part = message.get_body(("html",)).get_content()
        for text in (plain, html_part):
            assert "Harbor Counseling" in text and "Ada Fictional" in text
            assert f"{server.url}/checkin?t=" in text
            assert f"{server.url}/reminders/stop?t=" in text
            assert not [word for word in CLINICAL if word.lower() in text.lower()]

        phone = browser.new_context(**PHONE).new_page()
        phone.set_content(html_part)
        expect(phone.get_by_text("Harbor Counseling").first).to_be_visible()
        _keep(phone, "reminder-email-as-received")

        phone.get_by_role("link", name="stop them here").click()
        phone.wait_for_load_state()
        expect(phone.get_by_role("heading", name="Stop check-in reminders?")).to_be_visible()
        _keep(phone, "reminder-stop-confirm")
        phone.get_by_role("button", name="Stop reminders").click()
        expect(phone.get_by_role("heading", name="Reminders stopped")).to_be_visible()
        _keep(phone, "reminder-stopped")

        engine = make_engine(server.database_url)
        with make_session_factory(engine)() as session:
            assert session.get(Partner, lena).reminders_stopped_at is not None
        engine.dispose()
    finally:
        process.terminate()
        smtp.terminate()
        process.wait(timeout=10)
        smtp.wait(timeout=10)

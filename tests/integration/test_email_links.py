"""Emailing a check-in link through a real SMTP server process (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time

import pytest

from tests.couple_parts import shown_links
from trustcare.errors import EmailNotSent
from trustcare.models import Practice
from trustcare.practice_settings import PracticeSettings, SmtpSettings
from trustcare.services import links


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(tmp_path):
    """An aiosmtpd process that stores every message in a maildir; yields (port, maildir)."""
    port = free_port()
    maildir = tmp_path / "maildir"
    log = (tmp_path / "smtpd.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield port, maildir
    process.terminate()
    process.wait(timeout=10)


def configure_smtp(practice, port: int) -> None:
    settings = PracticeSettings(
        smtp=SmtpSettings(host="127.0.0.1", port=port, use_tls=False, sender="care@harbor.example")
    )
    with practice.factory() as session:
        stored = session.get(Practice, practice.admin.practice_id)
        stored.settings = settings.model_dump(mode="json")
        session.commit()


def test_a_link_is_emailed_to_the_partner_through_the_practice_smtp_server(practice, smtp_server):
    port, maildir = smtp_server
    configure_smtp(practice, port)
    with practice.work(practice.admin) as uow:
        lena = shown_links(uow, practice.admins_couple)[0].partner_id
        issued = links.issue_link(uow, practice.admins_couple, lena, "https://care.example")
        sent_to = links.email_link(uow, issued, practice.admins_couple)
    assert sent_to == "lena@mail.example"
    messages = list(mailbox.Maildir(maildir))
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "lena@mail.example"
    assert message["From"] == "care@harbor.example"
    assert issued.url in message.get_payload(decode=True).decode()


def test_the_emailed_link_names_the_practice_and_the_counselor(practice, smtp_server):
    port, maildir = smtp_server
    configure_smtp(practice, port)
    with practice.work(practice.admin) as uow:
        lena = shown_links(uow, practice.admins_couple)[0].partner_id
        issued = links.issue_link(uow, practice.admins_couple, lena, "https://care.example")
        links.email_link(uow, issued, practice.admins_couple)
    (message,) = list(mailbox.Maildir(maildir))
    body = message.get_payload(decode=True).decode()
    assert message["Subject"] == "Your check-in link from Harbor Counseling"
    assert "Ada Fictional at Harbor Counseling has sent you a personal link" in body


def test_a_server_without_starttls_says_to_turn_tls_off_or_change_the_port(practice, smtp_server):
    port, maildir = smtp_server
    configure_smtp(practice, port)
    with practice.factory() as session:
        stored = session.get(Practice, practice.admin.practice_id)
        stored.settings = {**stored.settings, "smtp": {**stored.settings["smtp"], "use_tls": True}}
        session.commit()
    with practice.work(practice.admin) as uow:
        lena = shown_links(uow, practice.admins_couple)[0].partner_id
        issued = links.issue_link(uow, practice.admins_couple, lena, "https://care.example")
        with pytest.raises(EmailNotSent) as refused:
            links.email_link(uow, issued, practice.admins_couple)
    assert "does not offer STARTTLS: turn TLS off" in str(refused.value)
    assert "Error" not in str(refused.value)
    assert list(mailbox.Maildir(maildir)) == []


def test_emailing_without_a_mail_server_says_what_to_do(practice):
    with practice.work(practice.admin) as uow:
        lena = shown_links(uow, practice.admins_couple)[0].partner_id
        issued = links.issue_link(uow, practice.admins_couple, lena, "https://care.example")
        with pytest.raises(EmailNotSent, match="No mail server is set up"):
            links.email_link(uow, issued, practice.admins_couple)


def test_a_partner_without_an_email_address_gets_a_clear_refusal(practice, smtp_server):
    port, _ = smtp_server
    configure_smtp(practice, port)
    with practice.work(practice.admin) as uow:
        marco = shown_links(uow, practice.admins_couple)[1].partner_id
        issued = links.issue_link(uow, practice.admins_couple, marco, "https://care.example")
        with pytest.raises(EmailNotSent, match="Marco has no email address"):
            links.email_link(uow, issued, practice.admins_couple)


def test_an_unreachable_mail_server_is_a_clear_error(practice):
    configure_smtp(practice, free_port())
    with practice.work(practice.admin) as uow:
        lena = shown_links(uow, practice.admins_couple)[0].partner_id
        issued = links.issue_link(uow, practice.admins_couple, lena, "https://care.example")
        with pytest.raises(EmailNotSent, match="nothing answers at 127.0.0.1:") as refused:
            links.email_link(uow, issued, practice.admins_couple)
    assert "ConnectionRefusedError" not in str(refused.value)

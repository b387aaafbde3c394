"""Browser fixtures: a real `streamlit run server.py` and Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_available() -> bool:
    return Path(CHROMIUM).is_file()


if not _chromium_available():
    if os.environ.get("TRUSTCARE_REQUIRE_BROWSER"):
        raise RuntimeError(f"browser tests are required here but no Chromium at {CHROMIUM}")
    pytest.skip("no Chromium found (install Debian's chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# A phone-size browser context (Playwright's new_context options).
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


@dataclass
class Server:
    url: str
    database_url: str
    log: Path


def start_server(
    tmp_path: Path, extra_env: dict[str, str] | None = None
) -> tuple[Server, subprocess.Popen]:
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'e2e.db'}"
    env = {
        **os.environ,
        "TRUSTCARE_DATABASE_URL": database_url,
        "TRUSTCARE_VAR_DIR": str(tmp_path / "var"),
        "TRUSTCARE_BASE_URL": f"http://127.0.0.1:{port}",
        **(extra_env or {}),
    }
    log = tmp_path / "streamlit.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "server.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return Server(url, database_url, log), process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"streamlit did not become healthy:\n{log.read_text()}")


@pytest.fixture
def server(tmp_path) -> Iterator[Server]:
    """A TrustCare server on a free port with its own empty SQLite database."""
    running, process = start_server(tmp_path)
    yield running
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium (Playwright cannot download its own browsers here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script (as Streamlit's own e2e suite does)."""
    page.wait_for_selector(
        "[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout
    )
    page.wait_for_timeout(300)
    page.wait_for_selector(
        "[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout
    )


def hold_still(locator, timeout: float = 10_000) -> None:
    """Wait until an element stops moving: an expander that was just opened still slides open.

    A click aimed at a button that is still moving can land on the space it left, and then
    nothing is submitted (seen once in CI on a loaded machine).
    """
    locator.wait_for(timeout=timeout)
    page = locator.page
    deadline = time.monotonic() + timeout / 1000
    last = locator.bounding_box()
    while time.monotonic() < deadline:
        page.wait_for_timeout(150)
        now = locator.bounding_box()
        if now == last:
            return
        last = now
    raise AssertionError(f"{locator} kept moving for {timeout / 1000:.0f} s")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def whole_page(page, name: str) -> None:
    """A screenshot of the whole page, not only the window: Streamlit scrolls inside its main
    section, so for the picture the window grows to that section's height, then shrinks back."""
    page.mouse.move(0, 0)
    window = page.viewport_size
    height = page.locator("[data-testid=stMain]").evaluate("main => main.scrollHeight")
    page.set_viewport_size({"width": window["width"], "height": max(height, window["height"])})
    page.wait_for_timeout(800)
    screenshot(page, name)
    page.set_viewport_size(window)
    page.wait_for_timeout(300)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, keep what the browser showed and what the server said, for a CI post-mortem."""
    report = yield
    if report.when == "call" and report.failed:
        for value in item.funcargs.values():
            if isinstance(value, Server) and value.log.is_file():
                tail = value.log.read_text(errors="replace")[-4000:]
                report.sections.append(("streamlit log (last 4000 characters)", tail))
        browser = item.funcargs.get("browser")
        if browser is not None:
            ARTIFACTS.mkdir(exist_ok=True)
            for number, page in enumerate(p for c in browser.contexts for p in c.pages):
                page.screenshot(
                    path=str(ARTIFACTS / f"failed-{item.name}-{number}.png"), full_page=True
                )
    return report


@dataclass
class Harbor:
    """The browser tests' practice: Harbor Counseling, admin Ada, her couple Rivera."""

    engine: object
    factory: object
    ada: object
    rivera: int


def harbor_with_rivera(
    database_url: str,
    lena_email: str | None = "lena@mail.example",
    label: str = "Rivera",
    names: tuple[str, str] = ("Lena", "Marco"),
) -> Harbor:
    """A new database of Harbor Counseling (Ada Fictional, "long password 1") with one couple,
    Rivera (Lena, with `lena_email`, and Marco) unless named otherwise. Dispose of `engine`."""
    from functools import partial

    from trustcare.db import make_engine, make_session_factory, upgrade
    from trustcare.persistence.uow import CounselorWork, unscoped_work
    from trustcare.services import accounts, couples

    engine = make_engine(database_url)
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
        rivera = couples.create_couple(
            uow,
            label,
            [couples.PartnerInput(names[0], lena_email), couples.PartnerInput(names[1])],
        )
    return Harbor(engine, factory, ada, rivera)


def sign_in(
    page, url: str, email: str = "ada@harbor.example", password: str = "long password 1"
) -> None:
    """Sign in with the password form (Ada of the tests' Harbor unless told) and wait for
    the caseload."""
    page.goto(url)
    wait_for_app(page)
    page.get_by_label("Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    wait_for_app(page)


def signed_in_on_a_desktop(browser, url: str):
    """A new desktop-size page with Ada signed in."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, url)
    return page


def sign_in_to_demo(page, url: str) -> None:
    """Sign in as the demo practice's admin and wait for the caseload."""
    from trustcare.services import demo

    login = demo.DEMO_LOGINS[0]
    sign_in(page, url, login.email, login.password)

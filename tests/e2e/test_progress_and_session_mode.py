"""The demo's caseload, progress page and session mode in a real browser, at two screen sizes.

Screenshots go to test-artifacts/ (or TRUSTCARE_SCREENSHOT_DIR: `make screenshots` points it at
docs/screenshots so the README shows the current pages).
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in_to_demo, wait_for_app
from trustcare.db import make_engine, make_session_factory, upgrade
from trustcare.persistence.uow import unscoped_work
from trustcare.services import demo

SIZES = {"1920x1080": (1920, 1080), "1280x720": (1280, 720)}


def shot(page, name: str) -> Path:
    folder = Path(os.environ.get("TRUSTCARE_SCREENSHOT_DIR", ARTIFACTS))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


@pytest.fixture
def demo_server(server):
    """The server with the demo practice seeded."""
    engine = make_engine(server.database_url)
    upgrade(engine)
    demo.seed_demo(partial(unscoped_work, make_session_factory(engine)))
    engine.dispose()
    return server


def couple_id(page, label: str, partners: str) -> str:
    """The id behind a caseload label, read from the record's URL after opening it."""
    page.get_by_label("Open a couple's record").click()
    page.get_by_role("option", name=f"{label} ({partners})").first.click()
    page.get_by_role("button", name="Open record").click()
    page.get_by_role("heading", name=label).wait_for(timeout=30_000)
    return page.url.split("couple=", 1)[1]


@pytest.mark.parametrize("size", SIZES)
def test_caseload_progress_and_session_mode_render_at_shared_screen_sizes(
    demo_server, browser, size
):
    width, height = SIZES[size]
    page = browser.new_page(viewport={"width": width, "height": height})
    sign_in_to_demo(page, demo_server.url)
    shot(page, f"caseload-{size}")

    dune = couple_id(page, "Dune & Harbor", "Ines & Kofi")
    page.goto(f"{demo_server.url}/progress?couple={dune}")
    wait_for_app(page)
    page.get_by_role("heading", name="Progress: Ines & Kofi").wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.wait_for_timeout(800)
    shot(page, f"progress-{size}")

    page.goto(f"{demo_server.url}/session?couple={dune}")
    wait_for_app(page)
    page.get_by_role("heading", name="Ines & Kofi").wait_for(timeout=30_000)
    assert page.locator("[data-testid=stSidebar]").count() == 0
    shot(page, f"session-mode-exercise-{size}")
    page.get_by_role("tab", name="Our progress").click()
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.wait_for_timeout(800)
    shot(page, f"session-mode-progress-{size}")
    body = page.locator("body").inner_text()
    for hidden in ("Cedar Lane", "Elmstead", "Riverside", "Ada Okafor", "safety"):
        assert hidden not in body
    page.close()

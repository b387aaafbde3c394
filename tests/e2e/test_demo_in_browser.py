"""A counselor explores the demo in a real browser, signs in, opens a couple, reloads."""

from __future__ import annotations

import urllib.request

from tests.e2e.conftest import screenshot, wait_for_app
from trustcare.services import demo


def test_explore_the_demo_sign_in_open_a_couple_and_stay_signed_in(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(server.url)
    wait_for_app(page)
    page.get_by_role("heading", name="Welcome to TrustCare").wait_for()
    screenshot(page, "foundation-setup")
    page.get_by_role("button", name="Explore the demo practice").click()
    page.get_by_role("heading", name="Sign in to TrustCare").wait_for(timeout=60_000)
    wait_for_app(page)
    screenshot(page, "foundation-login-demo")

    login = demo.DEMO_LOGINS[0]
    page.get_by_label("Email").fill(login.email)
    page.get_by_role("textbox", name="Password").fill(login.password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    wait_for_app(page)
    screenshot(page, "foundation-caseload")

    page.get_by_label("Open a couple's record").click()
    page.get_by_role("option", name="Alder & Brook (Mara & Tomas)").click()
    page.get_by_role("button", name="Open record").click()
    page.get_by_role("heading", name="Alder & Brook").wait_for(timeout=30_000)
    wait_for_app(page)
    assert page.get_by_text("Mara").first.is_visible()
    screenshot(page, "foundation-couple-record")

    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Alder & Brook").wait_for(timeout=30_000)

    page.goto(f"{server.url}/library")
    wait_for_app(page)
    page.get_by_role("heading", name="As a client sees it on a phone").wait_for(timeout=30_000)
    screenshot(page, "library-module-preview")
    page.close()


def test_responses_carry_security_headers_and_metrics_are_private(server):
    with urllib.request.urlopen(server.url) as response:
        headers = response.headers
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    try:
        urllib.request.urlopen(f"{server.url}/_stcore/metrics")
    except urllib.error.HTTPError as error:
        assert error.code == 404
    else:
        raise AssertionError("/_stcore/metrics answered to the public")


def test_the_first_visitor_after_start_up_cannot_open_a_page_file_directly(server, browser):
    """Regression: with a pages/ folder, Streamlit's first session ran pages/<name>.py as-is."""
    page = browser.new_page()
    page.goto(f"{server.url}/library")
    wait_for_app(page)
    page.wait_for_timeout(500)
    assert page.get_by_role("heading", name="Library").count() == 0
    assert page.get_by_role("heading", name="Welcome to TrustCare").count() == 1
    page.close()

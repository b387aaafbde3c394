"""A counselor's address opened while signed out (a bookmark, a link in an email to oneself):
the sign-in page, not Streamlit's "Page not found" dialog, then that page after signing in."""

from __future__ import annotations

from tests.e2e.conftest import harbor_with_rivera, screenshot, wait_for_app

CASELOAD = "Caseload"
SIGN_IN = "Sign in to TrustCare"
NOT_FOUND = "Page not found"


def _practice_with_a_new_couple(database_url: str) -> int:
    """Harbor with admin Ada and couple Nakamura, who has no session yet."""
    harbor = harbor_with_rivera(database_url, None, "Nakamura", ("Yui", "Dev"))
    harbor.engine.dispose()
    return harbor.rivera


def _settled(page) -> None:
    """The script has finished, and a second later still: a dialog would be open by then."""
    wait_for_app(page)
    page.wait_for_timeout(1000)
    wait_for_app(page)


def _open_signed_out(browser, address: str):
    page = browser.new_context().new_page()
    page.goto(address)
    _settled(page)
    page.get_by_role("heading", name=SIGN_IN).wait_for(timeout=30_000)
    assert page.get_by_text(NOT_FOUND).count() == 0
    assert page.get_by_role("dialog").count() == 0
    return page


def _sign_in(page) -> None:
    page.get_by_label("Email").fill("ada@harbor.example")
    page.get_by_role("textbox", name="Password").fill("long password 1")
    page.get_by_role("button", name="Sign in").click()


def test_the_caseload_address_signed_out_shows_sign_in_then_the_caseload(server, browser):
    _practice_with_a_new_couple(server.database_url)
    page = _open_signed_out(browser, f"{server.url}/caseload")
    screenshot(page, "signed-out-caseload-address")

    _sign_in(page)
    page.get_by_role("heading", name=CASELOAD).wait_for(timeout=30_000)
    _settled(page)
    assert page.get_by_text(NOT_FOUND).count() == 0
    assert page.get_by_role("dialog").count() == 0
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.get_by_role("heading", name=CASELOAD).is_visible()
    screenshot(page, "signed-out-caseload-address-after-sign-in")


def test_a_couple_address_signed_out_shows_sign_in_then_the_caseload(server, browser):
    couple_id = _practice_with_a_new_couple(server.database_url)
    page = _open_signed_out(browser, f"{server.url}/couple?couple={couple_id}")

    _sign_in(page)
    page.get_by_role("heading", name=CASELOAD).wait_for(timeout=30_000)
    _settled(page)
    assert page.get_by_text(NOT_FOUND).count() == 0
    assert page.get_by_role("dialog").count() == 0
    assert page.locator("[data-testid=stException]").count() == 0
    screenshot(page, "signed-out-couple-address-after-sign-in")

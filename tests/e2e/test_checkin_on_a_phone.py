"""The counselor issues a link; the partner uses it on a phone; the counselor sees the result."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import (
    PHONE,
    harbor_with_rivera,
    hold_still,
    screenshot,
    sign_in,
    wait_for_app,
    whole_page,
)
from trustcare.catalog import get_catalog
from trustcare.persistence.uow import CounselorWork
from trustcare.services import assignments


def seed(database_url: str) -> int:
    harbor = harbor_with_rivera(database_url, lena_email=None)
    with CounselorWork(harbor.factory, harbor.ada) as uow:
        assignments.assign_module(
            uow, get_catalog(), harbor.rivera, "open-communication", note="Ten minutes is plenty."
        )
    harbor.engine.dispose()
    return harbor.rivera


def choose(page, question: str, answer: str) -> None:
    group = page.get_by_role("radiogroup", name=question)
    group.get_by_text(answer, exact=True).click()


def test_a_partner_checks_in_from_a_phone_and_the_counselor_sees_it(server, browser):
    couple_id = seed(server.database_url)
    counselor = browser.new_context(viewport={"width": 1280, "height": 900})
    page = counselor.new_page()
    sign_in(page, server.url)
    page.goto(f"{server.url}/couple?couple={couple_id}")
    page.get_by_role("heading", name="Rivera").wait_for(timeout=30_000)
    wait_for_app(page)
    page.get_by_role("tab", name="Links").click()
    expect(page.get_by_role("button", name="Issue a link").first).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Issue a link").first.click()
    wait_for_app(page)
    code = page.locator("[data-testid=stCode]").first
    code.wait_for(timeout=30_000)
    url = re.search(r"http\S+/checkin\?t=[\w-]+", code.inner_text()).group(0)
    screenshot(page, "checkin-counselor-issued-link")

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(url)
    wait_for_app(phone)
    phone.get_by_role("heading", name="Hello, Lena").wait_for(timeout=30_000)
    assert phone.locator("[data-testid=stSidebar]").count() == 0
    screenshot(phone, "checkin-phone-greeting")
    phone.get_by_role("button", name="Yes, I am Lena").click()
    wait_for_app(phone)
    phone.get_by_role("tab", name="Your exercises").wait_for(timeout=30_000)
    first_exercise = get_catalog().module("open-communication").exercises[0]
    phone.get_by_text(first_exercise.title).first.click()
    mark_done = phone.get_by_role("button", name="Mark as done").first
    hold_still(mark_done)
    phone.get_by_label("Your reflection (optional)").first.fill("We took turns. It felt slow.")
    hold_still(mark_done)
    mark_done.click()
    wait_for_app(phone)
    phone.get_by_text(f"Done: {first_exercise.title}").first.wait_for(timeout=30_000)
    screenshot(phone, "checkin-phone-exercises")

    phone.get_by_role("tab", name="Check-in").click()
    measure = get_catalog().measure("trust-pulse")
    for item in measure.items:
        if item.id in measure.total.items:
            choose(phone, item.text, "Mostly true")
    choose(phone, "Overall, how much do you trust your partner right now?", "7")
    choose(phone, measure.item(measure.practice_item).text, "Most days")
    choose(phone, measure.item(measure.safety_items[0]).text, "No")
    choose(
        phone,
        "May your counselor show your scores to both of you in joint sessions?",
        "Yes, show my scores",
    )
    send = phone.get_by_role("button", name="Send check-in")
    hold_still(send)
    whole_page(phone, "checkin-phone-form")
    send.click()
    wait_for_app(phone)
    # The answer stands where the form was: Lena pressed "Send" at the bottom of a long form.
    thanks = phone.get_by_text("Thank you. Your check-in is saved.")
    thanks.wait_for(timeout=30_000)
    expect(thanks).to_be_in_viewport()
    expect(phone.get_by_role("tab", name="Check-in")).to_have_attribute("aria-selected", "true")
    expect(phone.get_by_role("button", name="Send check-in")).to_have_count(0)
    expect(phone.get_by_role("button", name="Start a new check-in")).to_be_in_viewport()
    screenshot(phone, "checkin-phone-sent")

    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("tab", name="Links")).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Check-ins").click()
    expect(page.get_by_role("heading", name="Lena: 1 check-in(s)")).to_be_visible(timeout=30_000)
    # The tab's table is drawn only now that the tab is open; its grid loads a moment later.
    expect(page.locator("[data-testid=stDataFrame] canvas").first).to_be_visible(timeout=30_000)
    screenshot(page, "checkin-counselor-sees-it")

    bad = browser.new_context(**PHONE).new_page()
    bad.goto(f"{server.url}/checkin?t=this-link-was-never-issued-by-anyone-at-all")
    wait_for_app(bad)
    bad.get_by_text("This link no longer works.").wait_for(timeout=30_000)
    screenshot(bad, "checkin-phone-bad-link")
    counselor.close()

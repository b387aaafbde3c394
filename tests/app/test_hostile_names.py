"""Names typed into TrustCare are shown as the characters typed on every page, never as Markdown.

A partner named `![x](/session/end)` once made the browser fetch /session/end (signing the
counselor out) and `[click](https://example.org)` became a link. Here every name a practice
types (practice, counselor, couple label, both partners, a shared reflection) is hostile, every
page is opened, and each element that shows one of them is checked.
"""

from __future__ import annotations

import string
from functools import partial

import pandas as pd
import pytest

from tests.answers import SAFETY_YES
from tests.app.conftest import new_app, signed_in_app
from tests.couple_parts import shown_links
from trustcare.catalog import get_catalog
from trustcare.identity import PartnerActor
from trustcare.persistence.uow import CounselorWork, PartnerWork, unscoped_work
from trustcare.services import accounts, assignments, checkins, couples, links
from trustcare.ui.text import escape_markdown

IMAGE = "![x](/session/end)"
LINK = "[click](https://example.org)"
ADDRESSES = "https://example.org www.example.org"
DASHES = "a -- b"
DIRECTIVES = ":red[x] $x^2$ :smile: <b>x</b>"
HOSTILE = (IMAGE, LINK, ADDRESSES, DASHES, DIRECTIVES)

PRACTICE, COUNSELOR, LABEL, FIRST, SECOND = DIRECTIVES, DASHES, ADDRESSES, IMAGE, LINK
REFLECTION = f"{LINK} {DASHES} :material/home: :streamlit: me@example.org"


# Elements whose text Streamlit renders as Markdown, and where that text is found.
MARKDOWN = {
    "title": "value",
    "header": "value",
    "subheader": "value",
    "markdown": "value",
    "caption": "value",
    "error": "value",
    "warning": "value",
    "info": "value",
    "success": "value",
    "button": "label",
    "tab": "label",
    "expandable": "label",
    "selectbox": "label",
    "text_input": "label",
    "text_area": "label",
    "checkbox": "label",
    "toggle": "label",
    "radio": "label",
}
BREAK = ":small[]"


def rendered(body: str) -> list[tuple[str, bool]]:
    """The characters a Markdown body shows, each with whether it is safe as plain text.

    A backslash escape stops the Markdown parser, but Streamlit then rewrites each run of
    parsed text (web addresses to links, `--` to a dash, `:smile:` to a picture), where
    escapes no longer count. A punctuation character is safe only if it is escaped and starts
    a new run of text (an empty `:small[]` ends the run before it), so none of those patterns
    is ever whole in one run.
    """
    shown: list[tuple[str, bool]] = []
    at, broken = 0, False
    while at < len(body):
        if body.startswith(BREAK, at):
            at, broken = at + len(BREAK), True
        elif body[at] == "\\" and at + 1 < len(body) and body[at + 1] in string.punctuation:
            shown.append((body[at + 1], broken))
            at, broken = at + 2, False
        else:
            char = body[at]
            shown.append((char, char not in string.punctuation))
            at, broken = at + 1, False
    return shown


def shown_as_typed(body: str, typed: str) -> bool | None:
    """None if `typed` is not in the Markdown body; else whether it renders as exactly typed."""
    chars = rendered(body)
    text = "".join(char for char, _ in chars)
    start, found = text.find(typed), None
    while start != -1:
        found = found or all(safe for _, safe in chars[start : start + len(typed)])
        start = text.find(typed, start + 1)
    return found


def plain_strings(at) -> list[str]:
    """Strings shown without Markdown: st.text, table cells and headers, choices, field values."""
    found = [str(element.value) for element in at.text]
    for frame in at.dataframe:
        value = frame.value
        if isinstance(value, pd.DataFrame):
            found += [str(column) for column in value.columns]
            found += [str(cell) for cell in value.to_numpy().ravel()]
    for box in at.selectbox:
        found += [str(option) for option in box.options]
    found += [str(field.value) for field in (*at.text_input, *at.text_area)]
    return found


def check_page(at, expected: set[str]) -> None:
    """Every hostile string on the page renders exactly as typed; the expected ones are there."""
    assert not at.exception, at.exception
    seen: set[str] = set()
    unsafe: list[tuple[str, str, str]] = []
    for kind, attribute in MARKDOWN.items():
        for element in at.get(kind):
            body = str(getattr(element, attribute, "") or "")
            for typed in HOSTILE + (REFLECTION,):
                verdict = shown_as_typed(body, typed)
                if verdict:
                    seen.add(typed)
                elif verdict is False:
                    unsafe.append((kind, typed, body))
    for text in plain_strings(at):
        seen.update(typed for typed in HOSTILE + (REFLECTION,) if typed in text)
    assert not unsafe, f"shown as live Markdown: {unsafe}"
    assert expected <= seen, f"missing: {expected - seen}"


@pytest.fixture
def hostile(app_factory):
    """A practice where every name is hostile; a safety alert and a shared reflection."""
    admin = accounts.create_practice(
        partial(unscoped_work, app_factory),
        PRACTICE,
        COUNSELOR,
        "ada@harbor.example",
        "long password 1",
    )
    catalog = get_catalog()
    with CounselorWork(app_factory, admin) as uow:
        couple_id = couples.create_couple(
            uow, LABEL, [couples.PartnerInput(FIRST), couples.PartnerInput(SECOND)]
        )
        assignments.assign_module(uow, catalog, couple_id, "open-communication")
        first_id = shown_links(uow, couple_id)[0].partner_id
        issued = links.issue_link(uow, couple_id, first_id, "http://testserver")
    partner = PartnerActor(first_id, couple_id, admin.practice_id, 0, FIRST)
    with PartnerWork(app_factory, partner) as uow:
        checkins.submit_checkin(uow, catalog, SAFETY_YES, REFLECTION, True, True, "hostile")
    return {"admin": admin, "couple": couple_id, "token": issued.url.split("t=", 1)[1]}


SIDEBAR = {PRACTICE, COUNSELOR}
COUPLE_TABS = {
    "Agenda": {LABEL, FIRST, SECOND},
    "Check-ins": {LABEL, FIRST, SECOND, REFLECTION},
    "Assignments": {LABEL, FIRST, SECOND},
    "Links": {LABEL, FIRST, SECOND},
    "Sessions": {LABEL, FIRST, SECOND},
    "Details and status": {LABEL, FIRST, SECOND},
}


def open_page(admin, path, **query):
    at = signed_in_app(admin).run()
    at.switch_page(path)
    for name, value in query.items():
        at.query_params[name] = str(value)
    return at.run()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("pages/caseload.py", SIDEBAR | {LABEL, FIRST, SECOND}),
        ("pages/library.py", SIDEBAR),
        ("pages/counselors.py", SIDEBAR),
        ("pages/handover.py", SIDEBAR | {LABEL}),
        ("pages/practice_settings.py", SIDEBAR),
        ("pages/audit_trail.py", SIDEBAR),
    ],
)
def test_every_menu_page_shows_hostile_names_as_typed(hostile, path, expected):
    at = open_page(hostile["admin"], path)
    check_page(at, expected | {COUNSELOR})


def test_the_counselors_page_names_the_chosen_counselor_as_typed(hostile):
    at = open_page(hostile["admin"], "pages/counselors.py")
    assert any(shown_as_typed(m.value, COUNSELOR) for m in at.markdown)


@pytest.mark.parametrize("tab", list(COUPLE_TABS))
def test_each_tab_of_the_couple_record_shows_hostile_names_as_typed(hostile, tab):
    at = open_page(hostile["admin"], "pages/couple.py", couple=hostile["couple"])
    at.session_state["tab"] = tab
    check_page(at.run(), SIDEBAR | COUPLE_TABS[tab])


def test_the_agenda_alert_and_the_check_ins_headings_show_the_partner_as_typed(hostile):
    at = open_page(hostile["admin"], "pages/couple.py", couple=hostile["couple"])
    assert any(shown_as_typed(e.value, FIRST) for e in at.error)
    at.session_state["tab"] = "Check-ins"
    at.run()
    assert [s.value for s in at.subheader if shown_as_typed(s.value, FIRST)]
    assert [s.value for s in at.subheader if shown_as_typed(s.value, SECOND)]


def test_the_progress_page_shows_hostile_names_as_typed(hostile):
    at = open_page(hostile["admin"], "pages/progress.py", couple=hostile["couple"])
    check_page(at, SIDEBAR | {FIRST, SECOND})
    title = at.title[0].value
    assert shown_as_typed(title, FIRST) and shown_as_typed(title, SECOND)
    assert any(shown_as_typed(e.value, FIRST) for e in at.error)


def test_session_mode_shows_hostile_names_and_a_shared_reflection_as_typed(hostile):
    at = open_page(hostile["admin"], "pages/session.py", couple=hostile["couple"])
    check_page(at, {FIRST, SECOND})
    at.session_state[f"session_view_{hostile['couple']}"] = "Shared reflections"
    at.run()
    check_page(at, {FIRST, REFLECTION})
    at.session_state[f"session_view_{hostile['couple']}"] = "Check-in link"
    check_page(at.run(), {FIRST, SECOND})


def test_the_login_page_shows_the_practice_name_as_typed(hostile):
    check_page(new_app().run(), {PRACTICE})


def test_the_client_page_greets_and_asks_the_partner_as_typed(hostile):
    at = new_app()
    at.query_params["t"] = hostile["token"]
    at.run()
    check_page(at, {FIRST})
    assert shown_as_typed(at.title[0].value, FIRST)
    confirm = next(b for b in at.button if b.label.startswith("Yes, I am"))
    assert shown_as_typed(confirm.label, FIRST)
    confirm.click().run()
    check_page(at, set())


def test_a_markdown_body_counts_as_typed_only_when_nothing_in_it_is_live():
    assert shown_as_typed(r"\[x\]", "[x]") is False
    assert shown_as_typed(":small[]\\[x:small[]\\]", "[x]") is True
    assert shown_as_typed("a -- b", DASHES) is False
    assert shown_as_typed("nothing here", DASHES) is None


def test_every_naughty_string_escapes_to_markdown_that_shows_it_as_typed(blns):
    for typed in blns:
        one_line = typed.replace("\r\n", "\n").replace("\n", " ")
        if one_line.strip():
            assert shown_as_typed(escape_markdown(typed), one_line), typed


def test_a_reflection_keeps_its_lines_as_hard_breaks():
    body = escape_markdown("[a](https://x.org)\nwww.x.org -- b", keep_lines=True)
    first, second = body.split("  \n")
    assert shown_as_typed(first, "[a](https://x.org)")
    assert shown_as_typed(second, "www.x.org -- b")

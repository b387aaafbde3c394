"""The couple record's links tab: each partner's personal check-in link."""

from __future__ import annotations

import io

import segno
import streamlit as st

from trustcare.context import AppContext
from trustcare.errors import ServiceError
from trustcare.identity import Actor
from trustcare.services import links
from trustcare.services.couples import CoupleRecord
from trustcare.ui.address import app_address
from trustcare.ui.forms import OneUseForm, show_problems
from trustcare.ui.text import escape_markdown

STATE_LABELS = {
    "active": "Active",
    "expired": "Expired",
    "revoked": "Revoked",
    "none": "No link yet",
}


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def _issue(
    context: AppContext,
    actor: Actor,
    couple_id: int,
    partner_id: int,
    form: OneUseForm,
    submission: str,
) -> None:
    """A button callback with the button's one-use key fixed when it was drawn: a double click
    issues one link (the second click would otherwise stop the link just shown)."""
    # Links issued in this browser session, by partner id: shown until revoked or replaced.
    fresh: dict[int, links.IssuedLink] = st.session_state.setdefault("fresh_links", {})
    try:
        with context.work(actor) as uow:
            issued = links.issue_link(
                uow, couple_id, partner_id, app_address(context.settings), submission=submission
            )
    except ServiceError as error:
        form.refused(error)
        return
    if issued is not None:
        fresh[partner_id] = issued
    form.saved(submission, "")


def show(
    context: AppContext, actor: Actor, record: CoupleRecord, states: list[links.LinkState]
) -> None:
    st.caption(
        "Each partner gets their own link. Only its fingerprint is stored, so a link is shown "
        "once, when it is issued; issuing a new one stops the old one."
    )
    # Links issued in this browser session, by partner id: shown until revoked or replaced.
    fresh: dict[int, links.IssuedLink] = st.session_state.setdefault("fresh_links", {})
    for link_state in states:
        with st.container(border=True):
            st.subheader(escape_markdown(link_state.partner_name))
            details = [STATE_LABELS[link_state.state]]
            if link_state.expires_at and link_state.state == "active":
                details.append(f"works until {link_state.expires_at:%Y-%m-%d}")
            if link_state.last_used_at:
                details.append(f"last used {link_state.last_used_at:%Y-%m-%d %H:%M} UTC")
            elif link_state.state != "none":
                details.append("not used yet")
            st.write(" · ".join(details))
            issue_col, revoke_col = st.columns(2)
            label = "Issue a link" if link_state.state == "none" else "Issue a new link"
            form = OneUseForm("issue-link", link_state.partner_id)
            issue_col.button(
                label,
                key=form.button_key("issue"),
                on_click=_issue,
                args=(context, actor, record.id, link_state.partner_id, form, form.submission),
            )
            form.show_problem()
            if link_state.state == "active" and revoke_col.button(
                "Revoke", key=f"revoke_{link_state.partner_id}"
            ):
                with context.work(actor) as uow:
                    links.revoke_links(uow, record.id, link_state.partner_id)
                fresh.pop(link_state.partner_id, None)
                st.rerun()
            issued = fresh.get(link_state.partner_id)
            if issued is None or link_state.state == "revoked":
                continue
            st.write("Copy this link and send it to them yourself, or show the QR code:")
            st.code(issued.url, language=None)
            if st.toggle("Show QR code", key=f"qr_{link_state.partner_id}"):
                st.image(qr_png(issued.url), width=260)
            if st.button("Email it to them", key=f"email_{link_state.partner_id}"):
                try:
                    with context.work(actor) as uow:
                        address = links.email_link(uow, issued, record.id)
                except ServiceError as error:
                    show_problems(error)
                else:
                    st.success(f"Sent to {escape_markdown(address)}.")

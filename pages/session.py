"""Session mode: the screen the counselor shares with one couple in the room or on a call."""

import streamlit as st

from trustcare import charts
from trustcare.errors import NotFound
from trustcare.services import links, session_screen
from trustcare.ui import session_style, state
from trustcare.ui.address import app_address
from trustcare.ui.chart import show_remembered_chart
from trustcare.ui.couple_links import qr_png
from trustcare.ui.text import escape_markdown

context = state.get_context()
actor = state.current_actor(context)
catalog = context.catalog()
session_style.apply()

try:
    couple_id = int(st.query_params.get("couple", ""))
    with context.work(actor, read_only=True) as uow:
        screen = session_screen.shared_screen(uow, catalog, couple_id)
except (ValueError, NotFound):
    st.title("Session mode")
    st.warning("That couple was not found in your caseload.")
    st.page_link("pages/caseload.py", label="Back to the caseload", icon=":material/arrow_back:")
    st.stop()

names = " & ".join(escape_markdown(name) for name in screen.partner_names)
top_left, top_right = st.columns([2, 1], vertical_alignment="center")
top_left.title(names)
top_right.page_link(
    "pages/couple.py",
    label="Leave session mode",
    icon=":material/close:",
    query_params={"couple": couple_id},
)

walk_tab, progress_tab, notes_tab, qr_tab = st.tabs(
    ["This week's exercise", "Our progress", "Shared reflections", "Check-in link"],
    key=f"session_view_{couple_id}",
    on_change="rerun",
)
# Only the open tab is drawn: the chart alone costs more than the rest of the screen.

if walk_tab.open:
    with walk_tab:
        if not screen.exercises:
            st.info("No module is assigned to both of you right now.")
        else:
            by_key = {exercise.key: exercise for exercise in screen.exercises}
            chosen = st.selectbox(
                "Exercise to walk through",
                list(by_key),
                format_func=lambda key: f"{by_key[key].module_title}: {by_key[key].title}",
                key=f"session_exercise_{couple_id}",
            )
            exercise = by_key.get(chosen) or screen.exercises[0]
            key = f"session_step_{couple_id}_{exercise.key}"
            index = min(st.session_state.get(key, 0), len(exercise.steps) - 1)
            st.header(escape_markdown(exercise.module_title))
            kind = "In session" if exercise.kind == "in-session" else "At home"
            st.subheader(f"{escape_markdown(exercise.title)} · {kind} · {exercise.minutes} min")
            st.markdown(f"### Step {index + 1} of {len(exercise.steps)}")
            st.markdown(f"## {exercise.steps[index]}")
            st.progress((index + 1) / len(exercise.steps))
            back, forward = st.columns(2)
            if back.button(
                "Previous", icon=":material/arrow_back:", width="stretch", disabled=index == 0
            ):
                st.session_state[key] = index - 1
                st.rerun()
            if forward.button(
                "Next",
                icon=":material/arrow_forward:",
                width="stretch",
                disabled=index == len(exercise.steps) - 1,
                type="primary",
            ):
                st.session_state[key] = index + 1
                st.rerun()

elif progress_tab.open:
    with progress_tab:
        if not screen.sharing_partner_ids:
            st.info(
                "Scores appear here for each partner who chooses to share them in joint sessions."
            )
        else:
            show_remembered_chart(
                "session_progress",
                screen,
                (),
                lambda: charts.progress_figure(
                    screen.scores,
                    x="session",
                    measure="total",
                    partner_order=list(screen.partner_ids),
                    y_range=screen.y_range,
                ),
            )
            if len(screen.sharing_partner_ids) < len(screen.partner_ids):
                st.caption("Only scores a partner chose to share in joint sessions are shown.")

elif notes_tab.open:
    with notes_tab:
        if not screen.reflections:
            st.info("Reflections appear here when a partner chooses to share one.")
        for reflection in screen.reflections:
            with st.container(border=True):
                st.markdown(f"**{escape_markdown(reflection.partner)}**, {reflection.when:%d %B}")
                st.markdown(escape_markdown(reflection.text, keep_lines=True))

elif qr_tab.open:
    with qr_tab:
        st.write(
            "Show a QR code one partner scans with their own phone. It works once and for "
            f"{links.ROOM_LINK_MINUTES} minutes, shows nothing private, and gives that phone "
            "a fresh personal link (their old one stops working)."
        )
        options = dict(zip(screen.partner_ids, screen.partner_names, strict=True))
        chosen = st.selectbox(
            "For",
            list(options),
            format_func=options.get,
            index=None,
            placeholder="Choose a partner",
        )
        if chosen is not None and st.button("Show the QR code", type="primary"):
            with context.work(actor) as uow:
                issued = links.issue_room_link(
                    uow, couple_id, chosen, app_address(context.settings)
                )
            st.image(
                qr_png(issued.url),
                width=360,
                caption=(
                    f"One-use code for {escape_markdown(options[chosen])}, "
                    f"works for {links.ROOM_LINK_MINUTES} minutes"
                ),
            )

"""The content library: browse modules and tracks, preview a module as counselor and client."""

import streamlit as st

from trustcare.content_schema import AUDIENCE_LABELS, BARRIER_LABELS, KIND_LABELS
from trustcare.services import library
from trustcare.ui import state
from trustcare.ui.text import escape_markdown

context = state.get_context()
catalog = context.catalog()

st.title("Library")
modules_tab, tracks_tab = st.tabs(["Modules", "Tracks"])

with modules_tab:
    barrier_col, audience_col, kind_col, text_col = st.columns(4)
    barriers = barrier_col.multiselect(
        "Barrier addressed", list(BARRIER_LABELS), format_func=BARRIER_LABELS.get
    )
    audiences = audience_col.multiselect(
        "Audience", list(AUDIENCE_LABELS), format_func=AUDIENCE_LABELS.get
    )
    kinds = kind_col.multiselect("Exercise kind", list(KIND_LABELS), format_func=KIND_LABELS.get)
    text = text_col.text_input("Search titles and summaries")
    found = library.find_modules(catalog, barriers, audiences, kinds, text)
    if not found:
        st.info("No module matches these filters. Clear a filter to see more.")
        st.stop()
    st.caption(f"{len(found)} of {len(catalog.modules_latest())} modules")
    by_id = {module.id: module for module in found}
    chosen = st.selectbox(
        "Module", list(by_id), format_func=lambda mid: f"{by_id[mid].title} (v{by_id[mid].version})"
    )
    module = by_id[chosen]
    st.write(module.summary)
    st.caption(
        f"Audience: {AUDIENCE_LABELS[module.audience]} · about {module.minutes} minutes · "
        f"barriers: {', '.join(BARRIER_LABELS[b] for b in module.barriers)}"
    )
    counselor_view, client_view = st.columns([3, 2], gap="large")
    with counselor_view:
        st.subheader("As the counselor reads it")
        st.markdown(module.counselor_markdown)
        for exercise in module.exercises:
            with st.expander(
                f"{escape_markdown(exercise.title)} · {KIND_LABELS[exercise.kind]} · "
                f"{exercise.minutes} min"
            ):
                st.markdown("\n".join(f"{n}. {s}" for n, s in enumerate(exercise.steps, 1)))
                st.markdown("**Reflection prompts**")
                st.markdown("\n".join(f"- {prompt}" for prompt in exercise.reflection_prompts))
    with client_view:
        st.subheader("As a client sees it on a phone")
        with st.container(border=True, width=375, key="phone_preview"):
            st.markdown(f"#### {escape_markdown(module.title)}")
            st.markdown(module.client_markdown)
            for exercise in module.exercises:
                kind = "In session" if exercise.kind == "in-session" else "At home"
                title = escape_markdown(exercise.title)
                st.markdown(f"**{title}** · {kind} · {exercise.minutes} min")
                st.markdown("\n".join(f"{n}. {s}" for n, s in enumerate(exercise.steps, 1)))

with tracks_tab:
    for track in catalog.tracks_latest():
        with st.container(border=True):
            st.subheader(f"{escape_markdown(track.title)} (v{track.version})")
            st.write(track.summary)
            st.markdown(
                "\n".join(
                    f"{stage}. {escape_markdown(catalog.module(module_id).title)}"
                    for stage, module_id in enumerate(track.modules, 1)
                )
            )
            st.caption("Pacing")
            st.write(track.pacing)

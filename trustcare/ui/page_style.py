"""What every page needs beyond Streamlit's theme to meet WCAG 2.2 AA, as axe-core measures it
(tests/e2e/test_accessibility.py). Our own constant CSS, never user text.

- Captions: Streamlit fades the text colour with opacity 0.6 (#828180 on white, 3.9:1); AA asks
  4.5:1 for text this size. Opaque #63625f gives 6.1:1 on white, 5.4:1 on the sidebar's grey.
- The date input's year, month and day segments are 18 by 20 px; 2.5.8 (target size, 2.2 AA)
  asks for 24 by 24 px.
- Tabs: a strip wider than a phone scrolls sideways behind an arrow, so a partner's fourth tab
  ("My progress") was out of sight at 375 px; the strip wraps onto a second line instead.
"""

import streamlit as st

PAGE_CSS = """
<style>
[data-testid="stCaptionContainer"] { color: #63625f; opacity: 1; }
[data-testid="stDateInput"] [role="spinbutton"] {
  display: inline-flex; align-items: center; justify-content: center;
  min-width: 24px; min-height: 24px;
}
[data-testid="stTabs"] [role="tablist"] { flex-wrap: wrap; row-gap: 0.25rem; }
</style>
"""


def apply() -> None:
    st.html(PAGE_CSS)

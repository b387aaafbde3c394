"""The progress chart's Date view, as the counselor sees it in Chromium."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot, sign_in_to_demo, wait_for_app
from tests.e2e.test_progress_and_session_mode import couple_id, demo_server  # noqa: F401

pytestmark = pytest.mark.e2e

# Each drawn band, and each event line and the left and right edges of its label, in pixels.
READ_CHART = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  const layout = plot._fullLayout;
  const bands = plot._fullData.filter(t => (t.name || '').endsWith('reliable-change band'));
  const drawn = [...plot.querySelectorAll('.scatterlayer .trace')]
    .filter(g => g.querySelector('path.js-fill') &&
                 g.querySelector('path.js-fill').getAttribute('d')).length;
  const lines = [...plot.querySelectorAll('.shapelayer path')].map(
    path => path.getBoundingClientRect().left);
  const labels = [...plot.querySelectorAll('.annotation')].map(a => {
    const box = a.querySelector('.annotation-text-g text').getBoundingClientRect();
    return [box.left, box.right];
  });
  return {bands: bands.length, drawn, lines, labels};
}"""


def test_the_date_view_draws_both_bands_and_each_event_label_on_its_line(
    demo_server,  # noqa: F811
    browser,
):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_to_demo(page, demo_server.url)
    dune = couple_id(page, "Dune & Harbor", "Ines & Kofi")
    page.goto(f"{demo_server.url}/progress?couple={dune}")
    wait_for_app(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.get_by_text("Date", exact=True).click()
    wait_for_app(page)
    page.wait_for_timeout(1500)
    screenshot(page, "progress-by-date")
    chart = page.evaluate(READ_CHART)
    assert chart["bands"] == 2 and chart["drawn"] == 2, chart
    assert len(chart["labels"]) == len(chart["lines"]) > 0, chart
    for line, (left, right) in zip(chart["lines"], chart["labels"], strict=True):
        assert min(abs(left - line), abs(right - line)) < 12, chart
    page.close()

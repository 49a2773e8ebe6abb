"""Every lesson notebook in a real JupyterLab: Run All, every widget rendered, no cell error.

Each gradviz view the lesson shows is also saved as an element screenshot in ``test-artifacts/tour/``
(``<notebook>-<view>-<n>.png``): the README's tour pictures are taken from there.
"""

import pytest

from tests.browser import harness
from tests.test_notebooks import NOTEBOOKS

VIEWS = {
    "graph": ".gradviz-graph-view:not(.gradviz-step-debugger .gradviz-graph-view)",
    "debugger": ".gradviz-step-debugger",
    "gradient-flow": ".gradviz-gradient-flow",
    "attention": ".gradviz-attention-view",
    "optimizer-race": ".gradviz-optimizer-race",
    "model-race": ".gradviz-model-race",
    "dashboard": ".gradviz-dashboard",
}
ALL_PLOTS_DRAWN = (
    "() => [...document.querySelectorAll('.js-plotly-plot')].every((p) => p.querySelector('.main-svg'))"
)


def save_view_screenshots(page, name):
    """A view taller than the window is shot in a window tall enough for all of it: an element screenshot
    only holds what the notebook's scrolling panel shows."""
    viewport = page.viewport_size
    for view, selector in VIEWS.items():
        found = page.locator(selector)
        for index in range(found.count()):
            element = found.nth(index)
            element.scroll_into_view_if_needed()
            height = element.bounding_box()["height"]
            tall = height > viewport["height"] - 200
            if tall:
                page.set_viewport_size({"width": viewport["width"], "height": int(height) + 400})
                element.scroll_into_view_if_needed()
            element.screenshot(path=harness.ARTIFACTS / "tour" / f"{name}-{view}-{index}.png")
            if tall:
                page.set_viewport_size(viewport)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_renders_every_widget(run_notebook, path, artifacts):
    page = run_notebook(path)
    harness.assert_notebook_healthy(page, artifacts)
    assert page.locator(".js-plotly-plot").count() >= 1
    page.wait_for_function(ALL_PLOTS_DRAWN, timeout=20_000)
    save_view_screenshots(page, path.stem)

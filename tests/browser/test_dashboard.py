"""The Dashboard in a real JupyterLab, training in the background: Step advances by exactly one, Play
runs, Pause holds the step counter, and the kernel stays responsive throughout."""

from tests.browser import harness

SETUP = """
import gradviz as gv
from gradviz import nn

gv.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3))
loader = gv.data.DataLoader(gv.data.datasets.spirals(n_samples=300), batch_size=30, shuffle=True)
runner = gv.Runner(model, gv.optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
recorder = gv.trace.Recorder()
dashboard = gv.widgets.Dashboard(runner, recorder)
dashboard
"""
START = "dashboard.start(loader, num_epochs=500, paused=True)"
COUNTER = "() => parseInt(document.querySelector('.gradviz-run-step').textContent)"


def counter(page):
    return page.evaluate(COUNTER)


def test_dashboard_step_play_pause(run_notebook, tmp_path, artifacts):
    page = run_notebook(harness.write_notebook(tmp_path / "dashboard.ipynb", [SETUP, START]))
    harness.assert_notebook_healthy(page, artifacts)
    start = counter(page)
    page.locator("button.gradviz-step").click()
    page.wait_for_function(f"() => ({COUNTER})() === {start + 1}")
    page.wait_for_timeout(500)
    assert counter(page) == start + 1  # exactly one

    page.locator("button.gradviz-play").click()
    page.wait_for_function(f"() => ({COUNTER})() > {start + 5}")
    page.evaluate("() => document.querySelector('button.gradviz-pause').click()")
    page.wait_for_function(
        "() => document.querySelector('.gradviz-run-state').textContent.includes('paused')"
    )
    held = counter(page)
    page.wait_for_timeout(1000)
    assert counter(page) == held
    page.locator(".gradviz-dashboard").screenshot(path=artifacts / "dashboard-paused.png")
    page.evaluate("() => document.querySelector('button.gradviz-play').click()")
    page.wait_for_function(f"() => ({COUNTER})() > {held}")
    page.evaluate("() => document.querySelector('button.gradviz-pause').click()")


HEIGHTS = (
    "() => [...document.querySelectorAll('.gradviz-dashboard .js-plotly-plot')]"
    ".map((p) => [Math.round(p.getBoundingClientRect().height), p._fullLayout.height])"
)


def test_dashboard_plots_keep_their_height_when_the_window_is_resized(run_notebook, tmp_path, artifacts):
    """A plot shown before the dashboard and training after it: a resize used to collapse the
    gradient-flow plot to 0 px (its element had no height of its own)."""
    earlier_plot = (
        "gv.widgets.Plot({'data': [{'type': 'scatter', 'y': [1, 2, 3]}], 'layout': {'height': 300}})"
    )
    train = "runner.train(loader, num_epochs=1, progress=False)"
    cells = ["import gradviz as gv", earlier_plot, SETUP, train]
    page = run_notebook(harness.write_notebook(tmp_path / "resize.ipynb", cells))
    harness.assert_notebook_healthy(page, artifacts)
    viewport = page.viewport_size
    page.set_viewport_size({"width": viewport["width"], "height": viewport["height"] + 300})
    page.wait_for_timeout(1000)
    page.set_viewport_size(viewport)
    page.wait_for_timeout(1000)
    heights = page.evaluate(HEIGHTS)
    assert len(heights) >= 2 and all(shown == laid_out > 0 for shown, laid_out in heights), heights

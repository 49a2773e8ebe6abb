"""GraphView and StepDebugger in a real JupyterLab: they render, Next moves the highlight, a click on a
node fills the panel, a reload shows the current state, and the exported HTML opens offline."""

from tests.browser import harness

SETUP = """
import gradviz as gv
from gradviz import nn
from gradviz.widgets import GraphView, StepDebugger

gv.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 3))
x, y = gv.data.datasets.spirals(n_samples=30).tensors
recorder = gv.trace.Recorder(model)
with recorder:
    for step in range(3):
        if step == 2:
            recorder.capture_step()
        loss = nn.functional.cross_entropy(model(x), y)
        model.zero_grad()
        loss.backward()
"""
GRAPH = "view = GraphView(recorder)\nview"
DEBUGGER = "debugger = StepDebugger(recorder)\ndebugger"
EXPORT = "view.to_html('graph.html')"

DEBUGGER_WIDTHS = """() => {
    const plot = document.querySelector('.gradviz-step-debugger .gradviz-graph.js-plotly-plot');
    return Array.from(plot.data[plot.data.length - 1].marker.line.width);
}"""
TITLE = "() => document.querySelector('.gradviz-debugger-title').textContent"


def graph_notebook(tmp_path):
    return harness.write_notebook(tmp_path / "graph.ipynb", [SETUP, GRAPH, DEBUGGER, EXPORT])


def test_graph_view_and_step_debugger_render_and_respond(run_notebook, tmp_path, artifacts):
    page = run_notebook(graph_notebook(tmp_path))
    harness.assert_notebook_healthy(page, artifacts)
    page.wait_for_function(
        "() => document.querySelectorAll('.gradviz-graph.js-plotly-plot .main-svg').length >= 6"
    )
    assert page.locator(".gradviz-graph.js-plotly-plot").count() == 2

    before = page.evaluate(DEBUGGER_WIDTHS)
    assert page.evaluate(TITLE).startswith("1/")
    page.locator(".gradviz-next").click()
    page.wait_for_function(f"() => ({TITLE})().startsWith('2/')")
    page.wait_for_function(
        f"(before) => JSON.stringify(({DEBUGGER_WIDTHS})()) !== JSON.stringify(before)", arg=before
    )
    page.locator(".gradviz-step-debugger").screenshot(path=artifacts / "debugger-after-next.png")

    graph = page.locator(".gradviz-graph-view").first
    point = graph.locator(".gradviz-graph .scatterlayer .trace").last.locator(".point").nth(4)
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*centre)  # plotly reports a click on the point the mouse hovers
    page.wait_for_selector(".hoverlayer .hovertext")
    page.mouse.click(*centre)
    page.wait_for_function(
        "() => document.querySelector('.gradviz-graph-panel').textContent.includes('(')"
        " && !document.querySelector('.gradviz-graph-panel').textContent.includes('Click a node')"
    )
    page.locator(".gradviz-graph-view").first.screenshot(path=artifacts / "graph-after-click.png")


def test_a_reloaded_page_shows_the_current_state(run_notebook, tmp_path, artifacts):
    page = run_notebook(graph_notebook(tmp_path))
    harness.assert_notebook_healthy(page, artifacts)
    for _ in range(3):
        page.locator(".gradviz-next").click()
    page.wait_for_function(f"() => ({TITLE})().startsWith('4/')")
    page.wait_for_timeout(4000)  # the views' state is re-synced at most 2 s after a change
    widths = page.evaluate(DEBUGGER_WIDTHS)
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")  # outputs name the widgets
    page.reload()
    page.wait_for_selector(".gradviz-step-debugger .gradviz-graph.js-plotly-plot .main-svg", timeout=60_000)
    assert page.evaluate(TITLE).startswith("4/")
    assert page.evaluate(DEBUGGER_WIDTHS) == widths
    page.locator(".gradviz-step-debugger").screenshot(path=artifacts / "debugger-after-reload.png")


def test_exported_html_opens_offline(run_notebook, tmp_path, artifacts, browser, jupyterlab):
    notebook = graph_notebook(tmp_path)
    page = run_notebook(notebook)
    harness.assert_notebook_healthy(page, artifacts)
    exported = (jupyterlab.root_dir / jupyterlab.serve(notebook)).parent / "graph.html"
    assert exported.stat().st_size > 1_000_000  # plotly.js is inside
    offline = browser.new_page()
    browser.set_offline(True)
    try:
        offline.goto(exported.as_uri())
        offline.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        offline.screenshot(path=artifacts / "exported-offline.png")
    finally:
        browser.set_offline(False)
        offline.close()

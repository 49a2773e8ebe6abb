"""The harness itself, on notebooks written to a temp dir: ipywidgets and a plotly FigureWidget render,
a click reaches the kernel and its reply reaches the page, and the checker fails on a cell error and on a
widget that never renders."""

import pytest

from tests.browser import harness

CONTROLS = """
import ipywidgets as widgets
import plotly.graph_objects as go

clicks = widgets.IntSlider(value=0, max=10, description="clicks")
add_one = widgets.Button(description="Add one")
add_one.add_class("harness-add-one")
figure = go.FigureWidget(go.Scatter(y=[3, 1, 2]))


def count_click(_):
    clicks.value += 1
    figure.data[0].y = [clicks.value] * 3


add_one.on_click(count_click)
widgets.VBox([clicks, add_one])
"""

BROKEN = """
from IPython.display import display

view_of_missing_model = {"model_id": "no-such-model", "version_major": 2, "version_minor": 0}
display({"application/vnd.jupyter.widget-view+json": view_of_missing_model}, raw=True)
"""

PLOT_Y = "() => Array.from(document.querySelector('.js-plotly-plot').data[0].y)"


def test_widgets_render_and_clicks_round_trip_through_the_kernel(run_notebook, tmp_path, artifacts):
    page = run_notebook(harness.write_notebook(tmp_path / "controls.ipynb", [CONTROLS, "figure"]))
    harness.assert_notebook_healthy(page, artifacts)
    assert page.evaluate(PLOT_Y) == [3, 1, 2]
    assert len(list(artifacts.glob("cell-*.png"))) == 2

    page.locator(".harness-add-one").click()
    page.locator(".harness-add-one").click()
    page.wait_for_function("() => document.querySelector('.widget-readout').textContent === '2'")
    page.wait_for_function(f"() => ({PLOT_Y})().every((y) => y === 2)")
    page.locator(".jp-CodeCell").nth(1).screenshot(path=artifacts / "after-two-clicks.png")


def test_checker_fails_on_a_cell_error_and_a_widget_that_never_renders(run_notebook, tmp_path, artifacts):
    page = run_notebook(harness.write_notebook(tmp_path / "broken.ipynb", [BROKEN, "1 / 0"]))
    with pytest.raises(AssertionError) as failure:
        harness.assert_notebook_healthy(page, artifacts, settle_timeout_s=3)
    report = str(failure.value)
    assert "cell 1 raised ZeroDivisionError" in report
    assert "model not found" in report or harness.LOADING_TEXT in report

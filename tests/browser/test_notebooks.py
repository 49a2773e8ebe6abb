"""Every lesson notebook in a real JupyterLab: Run All, every widget rendered, no cell error."""

import pytest

from tests.browser import harness
from tests.test_notebooks import NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_renders_every_widget(run_notebook, path, artifacts):
    page = run_notebook(path)
    harness.assert_notebook_healthy(page, artifacts)
    plots = page.locator(".js-plotly-plot")
    assert plots.count() >= 1

"""Which way of drawing N plots in JupyterLab is fast enough for a dashboard? Measured in headless
Chromium through the browser-test harness, for N separate plotly ``FigureWidget``s, one ``FigureWidget``
with N subplots, and N ``gradviz.widgets.Plot``s sharing one copy of plotly.js.

For each case a fresh notebook is opened (kernel started and idle), then Run All; a MutationObserver in
the page times, with ``performance.now()``, the moment every plot has drawn its frame (``.main-svg``)
and all N traces. The notebook is then saved with widget state (as a user with "save widget state" on
would) and its size read from disk. Each time is the best of ``--repeat`` runs.

    .venv/bin/python benchmarks/bench_widgets.py [--repeat 3] [--sizes 1 4 8]
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS.parent))

from tests.browser import harness  # noqa: E402

SETUP = "import numpy as np\nimport plotly.graph_objects as go\n\nx = np.linspace(0, 6.3, 200)"
PLOT_HEIGHT = 250

_WATCH_DRAWING = """([plots, traces, timeoutMs]) => {
    const start = performance.now();
    const drawnPlots = () => [...document.querySelectorAll('.js-plotly-plot')]
        .filter((plot) => plot.querySelector('.main-svg')).length;
    const drawnTraces = () => document.querySelectorAll('.js-plotly-plot .scatterlayer .trace').length;
    window.__allDrawn = new Promise((resolve, reject) => {
        let first = null;
        const observer = new MutationObserver(() => {
            if (first === null && drawnPlots() > 0) first = performance.now() - start;
            if (drawnPlots() >= plots && drawnTraces() >= traces) {
                observer.disconnect();
                resolve({ first: first / 1000, all: (performance.now() - start) / 1000 });
            }
        });
        observer.observe(document.body, { childList: true, subtree: true });
        setTimeout(() => reject(new Error(`not all drawn after ${timeoutMs} ms`)), timeoutMs);
    });
}"""


def _scatter(index: str) -> str:
    return f"go.Scatter(x=x, y=np.sin(x + {index}))"


def figure_widgets(n: int) -> tuple[list[str], int]:
    """(a) one plotly FigureWidget per cell: the notebook's cells and how many plot elements to expect."""
    figures = [f"go.FigureWidget({_scatter(i)}, layout=dict(height={PLOT_HEIGHT}))" for i in range(n)]
    return [SETUP, *figures], n


def subplots(n: int) -> tuple[list[str], int]:
    """(b) one FigureWidget holding n subplots."""
    cell = (
        "from plotly.subplots import make_subplots\n\n"
        f"figure = make_subplots(rows={n}, cols=1)\n"
        f"for i in range({n}):\n"
        f"    figure.add_trace({_scatter('i')}, row=i + 1, col=1)\n"
        f"figure.update_layout(height={PLOT_HEIGHT * n})\n"
        "go.FigureWidget(figure)"
    )
    return [SETUP, cell], 1


def plotly_once(n: int) -> tuple[list[str], int]:
    """(c) n ``gradviz.widgets.Plot`` widgets, one per cell, sharing one plotly.js."""
    setup = f"{SETUP}\n\nfrom gradviz.widgets import Plot"
    plots = [f"Plot(go.Figure({_scatter(i)}, layout=dict(height={PLOT_HEIGHT})))" for i in range(n)]
    return [setup, *plots], n


CASES = {
    "(a) N FigureWidgets": figure_widgets,
    "(b) 1 FigureWidget, N subplots": subplots,
    "(c) N anywidgets, plotly.js once": plotly_once,
}


def measure(context, lab, notebook: Path, plots: int, traces: int) -> dict:
    """Seconds from Run All to the first and to every plot drawn, and the saved notebook's bytes."""
    page = harness.open_notebook(context, lab, notebook)
    page.evaluate(_WATCH_DRAWING, [plots, traces, harness.RUN_ALL_TIMEOUT_S * 1000])
    harness.run_all_cells(page)
    seconds = page.evaluate("() => window.__allDrawn")
    problems = harness.notebook_problems(page)
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    harness.close_notebook(page)
    assert not problems, f"{notebook.name}: {problems}"
    assert "widgets" in json.loads(notebook.read_text())["metadata"], "widget state was not saved"
    return seconds | {"bytes": notebook.stat().st_size}


def table(context, lab, sizes: list[int], repeat: int) -> list[str]:
    rows = ["| case | N | Run All → all drawn | → first drawn | saved .ipynb |", "|---|---|---|---|---|"]
    for name, build in CASES.items():
        for n in sizes:
            cells, plots = build(n)
            notebook = harness.write_notebook(lab.root_dir / f"{build.__name__}_{n}.ipynb", cells)
            runs = [measure(context, lab, notebook, plots, n) for _ in range(repeat)]
            result = min(runs, key=lambda run: run["all"])
            rows.append(
                f"| {name} | {n} | {result['all']:.1f} s | {result['first']:.1f} s "
                f"| {result['bytes'] / 1e6:.1f} MB |"
            )
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 8])
    args = parser.parse_args()
    reason = harness.chromium_missing_reason()
    if reason:
        sys.exit(reason)
    with tempfile.TemporaryDirectory() as workdir:
        lab = harness.JupyterLab.start(Path(workdir) / "lab", save_widget_state=True)
        try:
            with harness.chromium(Path(workdir) / "profile") as context:
                rows = table(context, lab, args.sizes, args.repeat)
        finally:
            lab.stop()
    print("\n".join(rows))


if __name__ == "__main__":
    main()

"""``GradientFlow``: how the gradient reaches each layer, step after step, and what went wrong where.

One plot, four panels sharing the layer axis (input side on top): the recorder's findings as badges
(hover for the explanation, click to open the graph at the op), the mean and max |grad| per layer at
the latest step, the update-to-weight ratio ‖Δw‖/‖w‖ per layer, and a layers × steps heatmap of
gradient norms that grows by one column per recorded step. Below the plot, every finding in a line of
text with a button that opens a :class:`~.graph_view.GraphView` at the layer or op it concerns.

All numbers are the recorder's (``gradient_flow``, ``parameter_stats``, ``diagnose``); the view only
takes logarithms to draw them on log scales.
"""

import html
import math
import textwrap

import ipywidgets as widgets
import numpy as np

from .graph_view import GraphView
from .live import LiveView

MEAN_BARS, MAX_BARS, RATIO_BARS, HEATMAP, BADGES = range(5)
BLUE, ORANGE, GREEN = "#0072B2", "#E69F00", "#009E73"  # Okabe-Ito
BADGE_STYLE = {  # Okabe-Ito colours, and a distinct symbol per kind so colour is never the only cue
    "vanishing": ("triangle-down", "#0072B2"),
    "exploding": ("triangle-up", "#D55E00"),
    "dead_relu": ("x", "#000000"),
    "saturated": ("square", "#E69F00"),
    "nan": ("diamond", "#CC79A7"),
}
OTHER_BADGE = ("circle", "#999999")
TYPICAL_UPDATE_RATIO = 1e-3


class GradientFlow(LiveView, widgets.VBox):
    def __init__(self, recorder, *, on_open_graph=None, interval=0.1, budget=0.05):
        self.recorder = recorder
        self.on_open_graph = on_open_graph or self.open_graph
        self.findings = []
        self.graph_view = None
        self._finding_rows = {}
        self.no_findings = widgets.HTML()
        self.no_findings.add_class("gradviz-findings-empty")
        self.findings_box = widgets.VBox()
        self.findings_box.add_class("gradviz-findings")
        self.graph_area = widgets.VBox()
        self.graph_area.add_class("gradviz-flow-graph")
        self._start_live(_skeleton(), interval, budget)
        self.plot.add_class("gradviz-flow-plot")
        self.plot.on_click(self._on_click)
        super().__init__([self.plot, self.findings_box, self.graph_area])
        self.add_class("gradviz-gradient-flow")

    # ---- data to traces ----
    def layers(self):
        """The parameters shown, in the model's order (input side first)."""
        return list(self.recorder.gradient_flow("grad_norm"))

    def _dynamic(self):
        recorder = self.recorder
        grad_norms = recorder.gradient_flow("grad_norm")
        layers, steps = list(grad_norms), recorder.steps()
        self.findings = recorder.diagnose()
        logs = _log_matrix(grad_norms, layers, len(steps))
        traces = {
            MEAN_BARS: _bars(recorder.gradient_flow("grad_mean_abs"), layers),
            MAX_BARS: _bars(recorder.gradient_flow("grad_max_abs"), layers),
            RATIO_BARS: _bars(recorder.parameter_stats("update_ratio"), layers),
            HEATMAP: {"x": steps, "y": layers, "z": logs.T, **_log_colorbar(logs)},
            BADGES: self._badges(layers),
        }
        latest = f" at step {int(steps[-1])}" if len(steps) else ""
        layout = {
            "height": max(320, 140 + 26 * len(layers)),
            "yaxis.categoryarray": layers,
            "xaxis.title.text": f"|grad|{latest}",
            "xaxis3.title.text": f"‖grad‖ per step ({len(steps)} recorded)",
        }
        return traces, layout

    def _badges(self, layers):
        placed = [(i, f, _row_of(f, layers, self.recorder.graph())) for i, f in enumerate(self.findings)]
        placed = [(i, f, row) for i, f, row in placed if row is not None]
        slots = {}
        xs = []
        for _, _, row in placed:
            xs.append(slots.get(row, 0))
            slots[row] = xs[-1] + 1
        styles = [BADGE_STYLE.get(f.kind, OTHER_BADGE) for _, f, _ in placed]
        return {
            "x": xs,
            "y": [row for _, _, row in placed],
            "customdata": [i for i, _, _ in placed],
            "hovertext": [_hover(f) for _, f, _ in placed],
            "marker.symbol": [symbol for symbol, _ in styles],
            "marker.color": [color for _, color in styles],
        }

    # ---- findings list and the graph ----
    def _update_controls(self):
        keyed = {_key(f): f for f in self.findings}
        if list(keyed) != list(self._finding_rows) or not self.findings_box.children:
            self._rebuild_finding_rows(keyed)
        for key, finding in keyed.items():
            self._finding_rows[key].children[0].value = _finding_html(finding)
        if not keyed:
            self.no_findings.value = self._no_findings_text()

    def _rebuild_finding_rows(self, keyed):
        for row in self._finding_rows.values():
            for child in row.children:
                child.close()
            row.close()
        self._finding_rows = {key: self._finding_row(key, f) for key, f in keyed.items()}
        self.findings_box.children = tuple(self._finding_rows.values()) or (self.no_findings,)

    def _finding_row(self, key, finding):
        text = widgets.HTML(_finding_html(finding), layout=widgets.Layout(flex="1 1 auto"))
        text.add_class("gradviz-finding-text")
        button = widgets.Button(description="show in graph", layout=widgets.Layout(flex="0 0 130px"))
        button.add_class("gradviz-finding-open")
        button.on_click(lambda _: self._open(key))
        row = widgets.HBox([text, button])
        row.add_class("gradviz-finding")
        row.add_class(f"gradviz-finding-{finding.kind}")
        return row

    def _no_findings_text(self):
        steps = self.recorder.steps()
        where = f" at step {int(steps[-1])}" if len(steps) else " yet (no step recorded)"
        return f"<i>No problems found{where}.</i>"

    def _open(self, key):
        finding = next((f for f in self.findings if _key(f) == key), None)
        if finding is not None:
            self.on_open_graph(finding)

    def _on_click(self, points):
        for point in points:
            if point["trace"] == BADGES and point.get("customdata") is not None:
                self.on_open_graph(self.findings[int(point["customdata"])])
                return

    def open_graph(self, finding):
        """The default badge action: a GraphView of the latest step under the plot, with the finding's
        op (or parameter) selected."""
        view = GraphView(self.recorder)
        node = graph_node_of(finding, view.model.graph)
        if node is not None:
            _reveal(view, node)
        self.graph_view = view
        self.graph_area.children = (view,)
        return view


def graph_node_of(finding, graph):
    """The graph node a finding is about: the op at ``evidence['op_index']`` (ops are in step order),
    else the parameter named by its layer; None if neither is in the graph."""
    index = finding.evidence.get("op_index")
    ops = list(graph.ops)
    if index is not None and 0 <= index < len(ops):
        return ops[index]
    return next((t.id for t in graph.tensors.values() if t.name and t.name == finding.layer), None)


def _reveal(view, node):
    """Expand the module holding ``node`` if it is collapsed, then select it (or its box)."""
    graph = view.model.graph
    module = graph.ops[node].module if node in graph.ops else graph.tensors[node].module
    if node not in view.model.nodes and module and module not in view.model.expanded:
        view.toggle(module)
    view.select(view.model.representative.get(node, node))


def _row_of(finding, layers, graph):
    """The layer row a badge sits on: the finding's parameter, the first parameter of its module, or,
    for an op in a module without parameters (an activation), the last parameter used before it."""
    if finding.layer in layers:
        return finding.layer
    owned = [name for name in layers if finding.layer and name.rpartition(".")[0] == finding.layer]
    if owned:
        return owned[0]
    index = finding.evidence.get("op_index")
    if graph is None or index is None:
        return None
    names = {t.id: t.name for t in graph.tensors.values() if t.name in layers}
    for op in reversed(list(graph.ops.values())[: index + 1]):
        used = [names[ref] for ref in op.tensor_inputs if ref in names]
        if used:
            return used[0]
    return None


def _key(finding):
    return (finding.kind, finding.layer, finding.op, finding.evidence.get("op_index"))


def _hover(finding):
    where = " / ".join(w for w in (finding.layer, finding.op) if w)
    body = "<br>".join(textwrap.wrap(finding.message, 70))
    return f"<b>{finding.kind}</b> {html.escape(where)}<br>{body}<br><i>click to open the graph</i>"


def _finding_html(finding):
    where = " / ".join(w for w in (finding.layer, finding.op) if w)
    place = f" <code>{html.escape(where)}</code>" if where else ""
    return f"<b>[{finding.kind}]</b>{place} step {finding.step}: {html.escape(finding.message)}"


def _latest(series, layers):
    return np.array([series[name][-1] if len(series.get(name, ())) else np.nan for name in layers])


def _bars(series, layers):
    return {"x": _latest(series, layers), "y": layers}


def _log_matrix(series, layers, n_steps):
    """log10 of the per-step values, layers × steps; zero or missing values become NaN (drawn empty)."""
    if not layers:
        return np.zeros((0, n_steps))
    stacked = np.stack([series[name] for name in layers])
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(stacked)
    logs[~np.isfinite(logs)] = np.nan
    return logs


def _log_colorbar(logs):
    """Colour-bar ticks at the powers of ten the data spans, labelled as norms (a log colour scale)."""
    finite = logs[np.isfinite(logs)]
    if not finite.size:
        return {"colorbar.tickvals": [], "colorbar.ticktext": []}
    powers = list(range(math.floor(finite.min()), math.ceil(finite.max()) + 1))
    return {"colorbar.tickvals": powers, "colorbar.ticktext": [f"1e{p}" for p in powers]}


def _bar_trace(name, color, xaxis):
    return {
        "type": "bar",
        "orientation": "h",
        "name": name,
        "x": [],
        "y": [],
        "xaxis": xaxis,
        "yaxis": "y",
        "marker": {"color": color},
        "hovertemplate": "%{y}: %{x:.3e}<extra>" + name + "</extra>",
    }


def _skeleton():
    return {
        "data": [
            _bar_trace("mean |grad|", BLUE, "x"),
            _bar_trace("max |grad|", ORANGE, "x"),
            {
                **_bar_trace("‖Δw‖ / ‖w‖", GREEN, "x2"),
                "showlegend": False,
                "hovertemplate": "%{y}: %{x:.3e}<br>dotted line: 1e-3, a typical ratio<extra></extra>",
            },
            {
                "type": "heatmap",
                "x": [],
                "y": [],
                "z": [],
                "transpose": True,  # z holds one row per step, so a step is one appended row
                "xaxis": "x3",
                "yaxis": "y",
                "colorscale": "Viridis",
                "colorbar": {"title": {"text": "‖grad‖"}, "len": 0.9},
                "hovertemplate": "%{y}<br>step %{x}<br>log10 ‖grad‖ = %{z:.2f}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": "findings",
                "x": [],
                "y": [],
                "xaxis": "x4",
                "yaxis": "y",
                "hoverinfo": "text",
                "showlegend": False,
                "marker": {"size": 14, "line": {"width": 1, "color": "white"}},
            },
        ],
        "layout": {
            "margin": {"l": 10, "r": 10, "t": 40, "b": 50},
            "barmode": "group",
            "legend": {"orientation": "h", "x": 0.1, "y": 1.08},
            "plot_bgcolor": "white",
            "hovermode": "closest",
            "yaxis": {
                "type": "category",
                "categoryorder": "array",
                "autorange": "reversed",
                "anchor": "x4",
                "automargin": True,
            },
            "xaxis4": {"domain": [0, 0.07], "range": [-0.6, 2.6], "visible": False, "anchor": "y"},
            "xaxis": {"domain": [0.1, 0.38], "type": "log", "anchor": "y", "exponentformat": "e"},
            "xaxis2": {
                "domain": [0.42, 0.58],
                "type": "log",
                "anchor": "y",
                "exponentformat": "e",
                "title": {"text": "‖Δw‖ / ‖w‖"},
            },
            "xaxis3": {"domain": [0.63, 0.93], "anchor": "y"},
            "shapes": [
                {
                    "type": "line",
                    "xref": "x2",
                    "yref": "paper",
                    "x0": TYPICAL_UPDATE_RATIO,
                    "x1": TYPICAL_UPDATE_RATIO,
                    "y0": 0,
                    "y1": 1,
                    "line": {"dash": "dot", "color": "#666666", "width": 1},
                }
            ],
        },
    }

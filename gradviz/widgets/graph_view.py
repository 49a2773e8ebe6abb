"""``GraphView``: the computation graph of a recorded step, a traced ``Graph`` or the graph behind a
tensor, drawn as a layered DAG (inputs and parameters on top, the loss at the bottom).

Hover a node for its op, shapes, dtype, module and statistics; click it for its value and gradient
(heatmap for 2-D, histogram otherwise) and its backward rule in words; click a module box to expand it
(click an expanded module's rectangle label to collapse it again, or use :meth:`toggle`). Edge colour
and width show the gradient norm along each edge; the step slider scrubs through training history.
Everything drawn comes from :class:`~.graph_model.GraphViewModel`; this class only maps it to plotly.
"""

import html

import ipywidgets as widgets

from ..autograd.tensor import Tensor
from ..trace.graph import Graph
from ..trace.recorder import Recorder
from .graph_model import MODULE_PREFIX, PALETTE, GraphViewModel
from .plot import Plot
from .throttle import Throttle
from .values import summary_text, value_figure

HIGHLIGHT = "rgb(213,94,0)"
NODE_TRACE = 1 + len(PALETTE)  # after the edge traces: one per colour bucket, and "no data"


class GraphView(widgets.VBox):
    def __init__(self, source, *, max_visible=150, height=560, names=None):
        graph, recorder = _graph_and_recorder(source, names)
        self.model = GraphViewModel(graph, recorder, max_visible=max_visible)
        self.height = height
        self.highlighted = set()
        self.labels = {}
        self.selected = None
        self.plot = Plot(self._figure())
        self.plot.add_class("gradviz-graph")
        self.plot.on_click(self._on_click)
        self.panel = widgets.HTML(_EMPTY_PANEL)
        self.panel.add_class("gradviz-graph-panel")
        self.detail = Plot(value_figure(None, None, selected=False))
        self.detail.add_class("gradviz-graph-detail")
        self.throttle = Throttle(self._show_step)
        side = widgets.VBox([self.panel, self.detail], layout=widgets.Layout(width="34%"))
        self.plot.layout = widgets.Layout(width="66%")
        self.slider = None
        super().__init__([widgets.HBox([self.plot, side])])
        self._show_slider()
        self.add_class("gradviz-graph-view")

    def refresh(self):
        """Show the steps the recorder has recorded since, in place: what is expanded, selected and
        highlighted stays (for a recorder whose latest step has the same graph)."""
        self.model.reload()
        self.plot.replace(self._figure())
        self._show_slider()
        if self.selected is not None:
            self.select(self.selected)

    # ---- user actions ----
    def select(self, node_id):
        """Show a node's details in the side panel, as a click does."""
        detail = self.model.detail(node_id)
        self.panel.value = _panel_html(detail)
        self.detail.replace(value_figure(detail["value"], detail["grad"]))
        self.selected = node_id
        return detail

    def toggle(self, module):
        """Expand or collapse a module box and redraw."""
        expanded = self.model.toggle(module)
        self.plot.replace(self._figure())
        return expanded

    def set_step(self, step):
        """Show the edge norms of a recorded step (deltas only)."""
        self.throttle.request(step)
        self.throttle.flush()

    def highlight(self, node_ids, labels=None):
        """Mark nodes (their visible representatives when collapsed) and optionally print ``labels``
        ({node id: text}) in them; used by the step debugger."""
        self.highlighted = {self.model.representative.get(i, i) for i in node_ids}
        self.labels = labels or {}
        self.plot.update(traces={NODE_TRACE: self._node_emphasis()})

    def to_html(self, path):
        """The graph as a self-contained HTML file (plotly.js inlined), for a course page."""
        return self.plot.to_html(path)

    # ---- plotly mapping ----
    def _figure(self):
        data = self.model.to_plot_data()
        edge_traces = [
            {
                "type": "scatter",
                "mode": "lines",
                "x": t["x"],
                "y": t["y"],
                "hoverinfo": "skip",
                "line": {"color": t["color"], "width": t["width"]},
                "showlegend": False,
            }
            for t in data["edges"]
        ]
        nodes = data["nodes"]
        emphasis = self._node_emphasis(nodes["ids"])
        node_trace = {
            "type": "scatter",
            "mode": "markers+text",
            "x": nodes["x"],
            "y": nodes["y"],
            "text": emphasis["text"],
            "textposition": "middle right",
            "hovertext": nodes["hovertext"],
            "hoverinfo": "text",
            "customdata": nodes["ids"],
            "showlegend": False,
            "marker": {
                "symbol": nodes["symbols"],
                "color": nodes["colors"],
                "size": 14,
                "line": {"width": emphasis["marker.line.width"], "color": emphasis["marker.line.color"]},
            },
        }
        x0, y0, x1, y1 = data["bounds"]
        return {
            "data": [*edge_traces, node_trace],
            "layout": {
                "height": self.height,
                "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
                "xaxis": {"visible": False, "range": [x0 - 20, x1 + 160]},
                "yaxis": {"visible": False, "range": [y0 - 30, y1 + 30]},
                "shapes": data["shapes"],
                "plot_bgcolor": "white",
                "hovermode": "closest",
                "title": {"text": self._title(), "font": {"size": 13}},
            },
        }

    def _node_emphasis(self, ids=None):
        ids = list(self.model.nodes) if ids is None else ids
        return {
            "marker.line.width": [4 if i in self.highlighted else 1 for i in ids],
            "marker.line.color": [HIGHLIGHT if i in self.highlighted else "white" for i in ids],
            "text": [self.labels.get(i, self.model.nodes[i].label) for i in ids],
        }

    def _title(self):
        step = self.model.step
        return "computation graph" + ("" if step is None else f" · gradient norms at step {step}")

    def _show_slider(self):
        """A step slider over the recorded steps, once there are two; moved to the latest."""
        steps = [int(s) for s in self.model.steps]
        if len(steps) < 2:
            return
        if self.slider is None:
            self.slider = widgets.SelectionSlider(
                options=steps,
                value=steps[-1],
                description="step",
                continuous_update=True,
                layout=widgets.Layout(width="90%"),
            )
            self.slider.add_class("gradviz-step-slider")
            self.slider.observe(self._on_slider, "value")
            self.children = (*self.children, self.slider)
        else:  # the figure already shows the latest step: move the slider there without redrawing
            self.slider.unobserve(self._on_slider, "value")
            self.slider.options = steps
            self.slider.value = steps[-1]
            self.slider.observe(self._on_slider, "value")

    def _on_slider(self, change):
        self.throttle.request(change["new"])

    def _show_step(self, step):
        changes = self.model.set_step(step)
        traces = {b: {"x": t["x"], "y": t["y"]} for b, t in changes["edge_traces"].items()}
        if changes["hovertext"]:
            traces[NODE_TRACE] = {"hovertext": [self.model.hover_text(i) for i in self.model.nodes]}
        self.plot.update(traces=traces, layout={"title.text": self._title()})

    def _on_click(self, points):
        node_id = next((p["customdata"] for p in points if p.get("customdata")), None)
        if node_id is None:
            return
        if node_id.startswith(MODULE_PREFIX):
            self.toggle(node_id)
        else:
            self.select(node_id)


def _graph_and_recorder(source, names):
    if names is not None and not isinstance(source, Tensor):
        raise TypeError(
            f"GraphView: names= labels the graph behind a Tensor; a {type(source).__name__} already "
            "names its tensors (a Recorder after its model's parameters), so leave names out"
        )
    if isinstance(source, Recorder):
        if source.graph() is None:
            raise ValueError("GraphView: the recorder has no step yet; run a forward and backward pass first")
        return source.graph(), source
    if isinstance(source, Graph):
        return source, None
    if isinstance(source, Tensor):
        return Graph.from_tensor(source, names=names), None
    raise TypeError(
        "GraphView shows a Recorder, a traced Graph or the graph behind a Tensor, "
        f"not {type(source).__name__}"
    )


_EMPTY_PANEL = (
    "<div class='gradviz-panel'><i>Click a node to see its value, gradient and backward rule.</i></div>"
)


def _panel_html(detail):
    rows = [f"<b>{html.escape(detail['title'])}</b> <span style='color:#666'>({detail['kind']})</span>"]
    rows.append(f"<div style='font-size:11px'>{detail['hover']}</div>")  # node_info writes plotly HTML
    if detail["rule"]:
        rows.append(f"<div><b>backward rule:</b> {html.escape(detail['rule'])}</div>")
    for label in ("value", "grad"):
        value = detail[label]
        if value is not None:
            rows.append(f"<div><b>{label}:</b> {html.escape(summary_text(value))}</div>")
    return "<div class='gradviz-panel'>" + "".join(rows) + "</div>"

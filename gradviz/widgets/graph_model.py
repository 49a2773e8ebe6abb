"""``GraphViewModel``: what the graph view shows, as plain data (no ipywidgets, no plotly objects).

It decides which nodes are visible (modules collapse into one box each), lays them out
(:mod:`.layout`), styles them by kind, writes hover texts (:mod:`.node_info`), colours each edge by the
gradient norm flowing along it at the slider's step, and hands the widget lists ready for plotly traces.

Edges and the recorder's numbers: the recorder measures, per step, the gradient each op sends to each
argument, keyed ``(op index in the step's graph, argument index)``; that is the edge ``argument -> op``.
The edge ``op -> tensor`` carries the gradient arriving at the tensor, known exactly when the tensor has
a single use (else the view draws it as "no data"). An edge between collapsed boxes stands for several
graph edges and shows the root of the sum of their squared norms.
"""

import math
from dataclasses import dataclass

import numpy as np

from ..trace.graph import Edge, module_ancestor
from .backward_rules import backward_rule
from .layout import layered_layout
from .node_info import NodeInfo

# viridis at 8 evenly spaced points: perceptually uniform, colour-blind safe, brighter = bigger norm
PALETTE = (
    "rgb(68,1,84)",
    "rgb(70,50,126)",
    "rgb(54,92,141)",
    "rgb(39,127,142)",
    "rgb(31,161,135)",
    "rgb(74,193,109)",
    "rgb(160,218,57)",
    "rgb(253,231,37)",
)
NO_DATA_COLOR = "rgb(187,187,187)"
PALETTE_INDEX = {color: i for i, color in enumerate((NO_DATA_COLOR, *PALETTE))}
EDGE_WIDTHS = (1.0, 4.5)  # the coolest and the hottest level
MODULE_PREFIX = "module:"
MODULE_PADDING = 10.0
# Okabe-Ito colours (colour-blind safe) and plotly marker symbols, per kind of node
KIND_STYLES = {
    "input": ("square", "rgb(86,180,233)"),
    "parameter": ("diamond", "rgb(230,159,0)"),
    "buffer": ("square-open", "rgb(0,114,178)"),
    "constant": ("square-open", "rgb(153,153,153)"),
    "intermediate": ("circle-open", "rgb(102,102,102)"),
    "output": ("star", "rgb(213,94,0)"),
    "op": ("circle", "rgb(0,158,115)"),
    "module": ("square", "rgb(204,121,167)"),
}
CHAR_WIDTH, MIN_WIDTH = 7.0, 36.0
HEIGHTS = {"op": 26.0, "module": 34.0}
TENSOR_HEIGHT = 22.0


@dataclass(frozen=True)
class ViewNode:
    """A visible node: a graph node, or (kind ``"module"``) a collapsed module standing for ``members``."""

    id: str
    kind: str
    label: str
    module: str
    members: tuple

    @property
    def is_parameter(self):
        return self.kind == "parameter"

    @property
    def size(self):
        width = max(MIN_WIDTH, CHAR_WIDTH * len(self.label) + 16)
        return width, HEIGHTS.get(self.kind, TENSOR_HEIGHT)


@dataclass(frozen=True)
class ViewEdge:
    """A visible edge and the graph edges it stands for."""

    source: str
    target: str
    graph_edges: tuple

    @property
    def key(self):
        return (self.source, self.target)


def module_names(graph):
    """Every module the graph's ops ran in or its tensors belong to, with all their ancestors."""
    found = set()
    for module in [op.module for op in graph.ops.values()] + [t.module for t in graph.tensors.values()]:
        parts = module.split(".") if module else []
        found.update(".".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return found


def depth_of(module):
    return module.count(".") + 1 if module else 0


def visible_ids(graph, expanded):
    """For every graph node id, the visible node standing for it: itself when every module around it is
    expanded, else the box of its outermost collapsed module."""
    found = {}
    for node_id, module in _modules_of(graph):
        found[node_id] = node_id
        for depth in range(1, depth_of(module) + 1):
            prefix = module_ancestor(module, depth)
            if prefix not in expanded:
                found[node_id] = MODULE_PREFIX + prefix
                break
    return found


def _modules_of(graph):
    order = graph.topological_order()
    return [(i, graph.ops[i].module if i in graph.ops else graph.tensors[i].module) for i in order]


class GraphViewModel:
    """The graph view's state: expansion, step, and what follows from them.

    ``graph`` is a :class:`~gradviz.trace.graph.Graph` (None: the recorder's latest graph). With a
    ``recorder`` the edges show its per-step gradient norms and the hover texts its statistics; op
    indices refer to the order of ``graph.ops``, which for the recorder's graph is the step's op order.
    """

    def __init__(self, graph=None, recorder=None, *, max_visible=150):
        self.graph = graph if graph is not None else recorder.graph()
        self.recorder = recorder
        self.max_visible = max_visible
        self.modules = module_names(self.graph)
        self.reload()
        self.expanded = set()
        self.set_depth(self.default_depth())

    def reload(self):
        """Read the recorder (again: steps recorded since, a newer capture) and move to its latest step.
        What is expanded stays, and so do the visible nodes and their layout, which depend on the graph
        and the expansion only."""
        recorder = self.recorder
        self.info = NodeInfo(self.graph, recorder)
        self.steps = recorder.steps() if recorder is not None else np.zeros(0, dtype=np.int64)
        self.step_index = len(self.steps) - 1 if len(self.steps) else None
        self._series = _graph_edge_series(self.graph, recorder.edge_norms() if recorder else {})
        self._norm_range = _log_range(self._series.values())

    # ---- expansion ----
    def default_depth(self):
        """The deepest module depth whose view keeps at most ``max_visible`` nodes (0 if none does)."""
        deepest = max(map(depth_of, self.modules), default=0)
        for depth in range(deepest, 0, -1):
            if len(set(visible_ids(self.graph, self._modules_to(depth)).values())) <= self.max_visible:
                return depth
        return 0

    def _modules_to(self, depth):
        return {m for m in self.modules if depth_of(m) <= depth}

    def set_depth(self, depth):
        """Expand every module down to ``depth`` levels and collapse the rest."""
        self.expanded = self._modules_to(depth)
        self._refresh()

    def toggle(self, module):
        """Expand a collapsed module (with its ancestors) or collapse an expanded one; ``module`` is a
        qualified name or a box's node id. Returns whether it is now expanded."""
        module = module.removeprefix(MODULE_PREFIX)
        if module not in self.modules:
            raise KeyError(f"no module {module!r} in this graph; modules: {sorted(self.modules)}")
        if module in self.expanded:
            self.expanded.discard(module)
        else:
            self.expanded.update(module_ancestor(module, d) for d in range(1, depth_of(module) + 1))
        self._refresh()
        return module in self.expanded

    def _refresh(self):
        self.representative = visible_ids(self.graph, self.expanded)
        self.nodes = self._visible_nodes()
        self.edges = self._visible_edges()
        self.layout = layered_layout({n.id: n.size for n in self.nodes.values()}, [e.key for e in self.edges])

    def _visible_nodes(self):
        members = {}
        for node_id, shown in self.representative.items():
            members.setdefault(shown, []).append(node_id)
        return {shown: self._view_node(shown, tuple(group)) for shown, group in members.items()}

    def _view_node(self, shown, members):
        if shown.startswith(MODULE_PREFIX):
            name = shown.removeprefix(MODULE_PREFIX)
            return ViewNode(shown, "module", f"{name} ▸", name, members)
        if shown in self.graph.ops:
            op = self.graph.ops[shown]
            return ViewNode(shown, "op", op.op, op.module, members)
        tensor = self.graph.tensors[shown]
        kind = "output" if shown in self.graph.outputs else tensor.kind
        label = tensor.name.rpartition(".")[2] if tensor.name else str(list(tensor.shape))
        return ViewNode(shown, kind, label, tensor.module, members)

    def _visible_edges(self):
        grouped = {}
        for edge in self.graph.edges():
            key = (self.representative[edge.source], self.representative[edge.target])
            if key[0] != key[1]:
                grouped.setdefault(key, []).append(edge)
        return [ViewEdge(s, t, tuple(group)) for (s, t), group in grouped.items()]

    # ---- text ----
    def hover_text(self, node_id):
        node = self.nodes[node_id]
        if node.kind == "module":
            return self.info.module_text(node.module, node.members)
        if node.kind == "op":
            return self.info.op_text(node_id, self.step_index)
        return self.info.tensor_text(node_id, self.step_index)

    def detail(self, node_id):
        """What the click panel shows: title, hover text, the backward rule (ops), and the captured
        step's value and gradient (:class:`~gradviz.trace.capture.Value` or None)."""
        node = self.nodes[node_id]
        tensor = node.id if node.id in self.graph.tensors else None
        if node.kind == "op" and self.graph.ops[node_id].outputs:
            tensor = self.graph.ops[node_id].outputs[0]
        value, grad = self.info.value_and_grad(tensor) if tensor else (None, None)
        rule = backward_rule(self.graph.ops[node_id].op) if node.kind == "op" else None
        return {
            "title": node.label,
            "kind": node.kind,
            "hover": self.hover_text(node_id),
            "rule": rule,
            "value": value,
            "grad": grad,
        }

    # ---- edge colours ----
    def edge_norm(self, edge):
        """The gradient norm along a visible edge at the current step (None: not measured)."""
        if self.step_index is None:
            return None
        values = [self._series[e][self.step_index] for e in edge.graph_edges if e in self._series]
        values = [v for v in values if not math.isnan(v)]
        return math.sqrt(sum(v * v for v in values)) if values else None

    def edge_level(self, edge):
        """0 for no data, else 1..len(PALETTE) from the log of the norm over the run's range."""
        return _level(self.edge_norm(edge), self._norm_range)

    def edge_styles(self):
        """{edge key: (colour, width)} at the current step."""
        return {edge.key: _style(self.edge_level(edge)) for edge in self.edges}

    def set_step(self, step):
        """Move to recorded ``step`` (the latest recorded step at or before it) and return what changed:
        the new step, changed edge styles, the edge traces (by bucket) whose edges changed, and changed
        hover texts."""
        if self.step_index is None:
            return {"step": None, "edges": {}, "edge_traces": {}, "hovertext": {}}
        before_styles, before_hover = self.edge_styles(), self._hover_texts()
        self.step_index = max(int(np.searchsorted(self.steps, step, side="right")) - 1, 0)
        styles, hover = self.edge_styles(), self._hover_texts()
        changed = {key: style for key, style in styles.items() if before_styles[key] != style}
        buckets = {PALETTE_INDEX[s[0]] for s in changed.values()} | {
            PALETTE_INDEX[before_styles[key][0]] for key in changed
        }
        traces = self._edge_traces()
        return {
            "step": int(self.steps[self.step_index]),
            "edges": changed,
            "edge_traces": {b: traces[b] for b in sorted(buckets)},
            "hovertext": {n: text for n, text in hover.items() if before_hover[n] != text},
        }

    @property
    def step(self):
        return None if self.step_index is None else int(self.steps[self.step_index])

    def _hover_texts(self):
        return {node_id: self.hover_text(node_id) for node_id in self.nodes}

    # ---- plot data ----
    def to_plot_data(self):
        """Lists ready for plotly: ``nodes`` (one scatter trace), ``edges`` (one line trace per colour
        bucket, bucket 0 = no data, segments separated by None), ``shapes`` (module rectangles, outer
        first)."""
        return {
            "nodes": self._node_data(),
            "edges": self._edge_traces(),
            "shapes": self.module_shapes(),
            "bounds": self.layout.bounds,
            "step": self.step,
        }

    def _node_data(self):
        ids = list(self.nodes)
        boxes = [self.layout.boxes[i] for i in ids]
        kinds = [self.nodes[i].kind for i in ids]
        return {
            "ids": ids,
            "x": [b[0] for b in boxes],
            "y": [b[1] for b in boxes],
            "width": [b[2] for b in boxes],
            "height": [b[3] for b in boxes],
            "text": [self.nodes[i].label for i in ids],
            "hovertext": [self.hover_text(i) for i in ids],
            "kinds": kinds,
            "symbols": [KIND_STYLES[k][0] for k in kinds],
            "colors": [KIND_STYLES[k][1] for k in kinds],
            "parameter": [self.nodes[i].is_parameter for i in ids],
        }

    def _edge_traces(self):
        traces = [
            {"bucket": b, "color": color, "width": _style(b)[1], "x": [], "y": [], "keys": []}
            for b, color in enumerate((NO_DATA_COLOR, *PALETTE))
        ]
        for edge in self.edges:
            trace = traces[self.edge_level(edge)]
            points = self.layout.routes[edge.key]
            trace["x"].extend([*(p[0] for p in points), None])
            trace["y"].extend([*(p[1] for p in points), None])
            trace["keys"].append(edge.key)
        return traces

    def module_shapes(self):
        """A rectangle around the visible nodes of every expanded module, padded more per nesting level
        outwards so nested rectangles never touch; outermost first."""
        rects = {}
        for node in self.nodes.values():
            container = _parent(node.module) if node.kind == "module" else node.module
            _grow(rects, container, _box_corners(self.layout.boxes[node.id]))
        for module in sorted(rects, key=depth_of, reverse=True):
            if module:
                _grow(rects, _parent(module), _padded(rects[module], MODULE_PADDING))
        shapes = [(m, _padded(r, MODULE_PADDING)) for m, r in rects.items() if m]
        shapes.sort(key=lambda item: depth_of(item[0]))
        return [_rect_shape(m, r) for m, r in shapes]


def _parent(module):
    return module.rpartition(".")[0]


def _box_corners(box):
    x, y, w, h = box
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def _padded(rect, pad):
    return (rect[0] - pad, rect[1] - pad, rect[2] + pad, rect[3] + pad)


def _grow(rects, module, rect):
    old = rects.get(module, rect)
    rects[module] = (min(old[0], rect[0]), min(old[1], rect[1]), max(old[2], rect[2]), max(old[3], rect[3]))


def _rect_shape(module, rect):
    shade = 0.03 + 0.03 * (depth_of(module) % 3)
    return {
        "type": "rect",
        "name": module,
        "x0": rect[0],
        "y0": rect[1],
        "x1": rect[2],
        "y1": rect[3],
        "line": {"color": "rgb(150,150,150)", "width": 1},
        "fillcolor": f"rgba(0,0,0,{shade:.2f})",
        "layer": "below",
    }


def _style(level):
    if level == 0:
        return NO_DATA_COLOR, EDGE_WIDTHS[0]
    low, high = EDGE_WIDTHS
    return PALETTE[level - 1], low + (high - low) * (level - 1) / (len(PALETTE) - 1)


def _graph_edge_series(graph, edge_norms):
    """{graph Edge: per-step norms} for argument edges from the recorder's ``(op index, argument)`` keys,
    and for output edges of tensors used exactly once (the gradient arriving equals the one sent back)."""
    op_ids = list(graph.ops)
    series = {}
    for (index, arg), values in edge_norms.items():
        op = graph.ops[op_ids[index]] if index < len(op_ids) else None
        if op is not None and arg < len(op.inputs) and isinstance(op.inputs[arg], str):
            series[Edge(op.inputs[arg], op.id, arg)] = values
    uses = {}
    for edge in graph.edges():
        if edge.source in graph.tensors:
            uses.setdefault(edge.source, []).append(edge)
    for edge in graph.edges():
        single = uses.get(edge.target, ())
        if edge.source in graph.ops and len(single) == 1 and single[0] in series:
            series[edge] = series[single[0]]
    return series


def _log_range(all_series):
    """(low, high) of log10 of the positive finite norms over every edge and step."""
    values = np.concatenate([np.asarray(s, dtype=float) for s in all_series] or [np.zeros(0)])
    values = values[np.isfinite(values) & (values > 0)]
    if not values.size:
        return (0.0, 0.0)
    logs = np.log10(values)
    return float(logs.min()), float(logs.max())


def _level(norm, norm_range):
    if norm is None:
        return 0
    levels = len(PALETTE)
    low, high = norm_range
    if norm <= 0:
        return 1
    if math.isinf(norm):
        return levels
    if high <= low:
        return levels // 2 + 1
    t = (math.log10(norm) - low) / (high - low)
    return 1 + min(max(int(t * levels), 0), levels - 1)

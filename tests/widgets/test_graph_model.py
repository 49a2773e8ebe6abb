"""The graph view's model: expansion, hover, backward rules, edge colours from the recorder, plot data."""

import importlib
import pkgutil

import numpy as np
import pytest

import gradviz as gv
import gradviz.ops
from gradviz import nn
from gradviz.autograd.function import Function
from gradviz.trace import Recorder
from gradviz.trace.graph import Graph
from gradviz.widgets.backward_rules import RULES, backward_rule
from gradviz.widgets.graph_model import NO_DATA_COLOR, PALETTE, GraphViewModel


def nested_mlp():
    gv.manual_seed(0)
    return nn.Sequential(
        nn.Sequential(nn.Linear(3, 4), nn.ReLU()), nn.Sequential(nn.Linear(4, 4), nn.Tanh()), nn.Linear(4, 1)
    )


@pytest.fixture(scope="module")
def recorded():
    """A nested MLP trained 4 steps with a large learning rate (so its gradients change step to step),
    the last step captured."""
    model = nested_mlp()
    x = gv.randn(5, 3)
    optimizer = gv.optim.SGD(model.parameters(), lr=0.5)
    recorder = Recorder(model, capture="values")
    with recorder:
        for _ in range(4):
            loss = model(x).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    _BASES["tensor"] = min(int(t[1:]) for t in recorder.graph().tensors) - 1
    _BASES["op"] = min(int(o[2:]) for o in recorder.graph().ops)
    return recorder


_BASES = {}


def T(n):  # noqa: N802
    """The id of the n-th tensor of the recorded graph as it would be in a fresh process (engine ids
    keep growing across tests, so they are written relative to the graph's first ones)."""
    return f"t{n + _BASES['tensor']}"


def OP(n):  # noqa: N802
    return f"op{n + _BASES['op']}"


def test_collapsing_and_expanding_modules_changes_the_visible_nodes(recorded):
    view = GraphViewModel(recorder=recorded)
    graph = view.graph
    assert len(view.nodes) == len(graph.ops) + len(graph.tensors) == 21  # small: everything shown
    view.set_depth(0)  # input, 3 boxes, pow, its output, mean, the loss
    assert list(view.nodes) == [T(12), "module:0", "module:1", "module:2", OP(5), T(18), OP(6), T(19)]
    assert view.toggle("module:1") is True  # box 1 opens into boxes 1.0 and 1.1
    assert len(view.nodes) == 9 and {"module:1.0", "module:1.1"} <= set(view.nodes)
    assert view.toggle("1.0") is True  # the linear op, its weight, bias and output replace the box
    assert len(view.nodes) == 12 and view.nodes[OP(2)].kind == "op"
    assert view.toggle("1") is False
    assert len(view.nodes) == 8
    assert view.toggle("1") is True and len(view.nodes) == 12  # re-opening keeps 1.0 open
    with pytest.raises(KeyError, match="no module"):
        view.toggle("9")


def test_edges_inside_a_box_disappear_and_edges_into_it_are_merged(recorded):
    view = GraphViewModel(recorder=recorded)
    view.set_depth(0)
    keys = {edge.key for edge in view.edges}
    assert (T(12), "module:0") in keys and ("module:0", "module:1") in keys
    merged = next(e for e in view.edges if e.key == ("module:0", "module:1"))
    assert [(e.source, e.target) for e in merged.graph_edges] == [(T(14), OP(2))]


def transformer(layers):
    gv.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
    encoder = nn.TransformerEncoder(layer, layers)
    return Graph.from_tensor(encoder(gv.randn(2, 5, 16)).pow(2).mean(), names=encoder)


def test_a_transformer_opens_at_the_deepest_depth_that_keeps_150_nodes():
    graph = transformer(4)
    view = GraphViewModel(graph)
    assert len(view.nodes) <= 150
    assert len(graph.ops) + len(graph.tensors) > 150
    depth = view.default_depth()
    view.set_depth(depth + 1)
    assert len(view.nodes) > 150
    view.set_depth(depth)
    assert any(n.kind == "module" for n in view.nodes.values())


def test_nodes_are_styled_by_kind_and_parameters_are_marked(recorded):
    data = GraphViewModel(recorder=recorded).to_plot_data()["nodes"]
    kinds = dict(zip(data["ids"], data["kinds"]))
    assert kinds[T(12)] == "input" and kinds[T(1)] == "parameter" and kinds[OP(0)] == "op"
    assert kinds[T(19)] == "output" and kinds[T(13)] == "intermediate"
    symbols = dict(zip(data["ids"], data["symbols"]))
    assert symbols[T(1)] != symbols[T(12)] != symbols[OP(0)]
    assert [i for i, marked in zip(data["ids"], data["parameter"]) if marked] == [
        T(1),
        T(3),
        T(5),
        T(7),
        T(9),
        T(11),
    ]


def test_hover_text_names_op_shapes_dtype_module_and_statistics(recorded):
    view = GraphViewModel(recorder=recorded)
    weight = view.hover_text(T(1))
    assert "0.0.weight" in weight and "[4, 3]" in weight and "float32" in weight and "module: 0.0" in weight
    assert "grad (step 3)" in weight and "grad_norm" in weight
    op = view.hover_text(OP(0))
    assert "linear" in op and "float32[5, 3]" in op and "float32[5, 4]" in op and "module: 0.0" in op
    assert "value (step 3)" in op
    view.set_depth(0)
    box = view.hover_text("module:0")
    assert "module 0" in box and "linear" in box and "relu" in box and "16 values" in box


def test_hover_values_equal_the_captured_step(recorded):
    view = GraphViewModel(recorder=recorded)
    first = recorded.captured.forward()[0]
    value = view.detail(OP(0))["value"]
    assert value.summary == first.outputs[0].summary
    np.testing.assert_array_equal(value.array, first.outputs[0].array)
    weight_grad = [g for g in recorded.captured.leaf_grads() if g.name == "0.0.weight"][-1]
    assert view.detail(T(1))["grad"] is weight_grad.value


def function_names():
    for info in pkgutil.iter_modules(gradviz.ops.__path__):
        importlib.import_module(f"gradviz.ops.{info.name}")
    found, stack = set(), [Function]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("gradviz.ops."):
            found.add(cls.name)
    return found


def test_every_op_of_the_engine_has_a_backward_rule_in_words():
    names = function_names()
    assert len(names) > 90
    assert sorted(names - set(RULES)) == []
    assert backward_rule("mul") == "mul: grad_a = grad · b, grad_b = grad · a"
    assert backward_rule("matmul").startswith("matmul: grad_A = grad @ Bᵀ")
    assert backward_rule("my_custom_op").startswith("my_custom_op: ")


def test_the_click_panel_shows_the_rule_of_an_op(recorded):
    view = GraphViewModel(recorder=recorded)
    assert view.detail(OP(1))["rule"].startswith("relu: ")
    assert view.detail(T(1))["rule"] is None


def test_edge_norms_equal_the_recorders_numbers_and_bigger_norms_are_hotter(recorded):
    view = GraphViewModel(recorder=recorded)
    norms = recorded.edge_norms()
    op_ids = list(view.graph.ops)
    measured = []
    for edge in view.edges:
        (graph_edge,) = edge.graph_edges
        if graph_edge.target in view.graph.ops:
            key = (op_ids.index(graph_edge.target), graph_edge.index)
            expected = norms[key][-1] if key in norms else None
            assert view.edge_norm(edge) == (pytest.approx(expected) if expected is not None else None)
        if view.edge_norm(edge) is not None:
            measured.append((view.edge_norm(edge), view.edge_level(edge), view.edge_styles()[edge.key]))
    measured.sort()
    levels = [level for _, level, _ in measured]
    assert levels == sorted(levels) and levels[0] < levels[-1]
    for _, level, (color, _) in measured:
        assert color == PALETTE[level - 1]
    widths = [width for _, _, (_, width) in measured]
    assert widths == sorted(widths)
    input_edge = next(e for e in view.edges if e.key == (T(12), OP(0)))
    assert view.edge_styles()[input_edge.key][0] == NO_DATA_COLOR  # x needs no gradient


def test_set_step_recolours_the_edges_and_returns_only_what_changed(recorded):
    view = GraphViewModel(recorder=recorded)
    assert view.step == 3
    latest = view.edge_styles()
    delta = view.set_step(0)
    assert delta["step"] == 0 == view.step
    now = view.edge_styles()
    assert delta["edges"] and delta["edges"] == {k: s for k, s in now.items() if latest[k] != s}
    norms = recorded.edge_norms()
    edge = next(e for e in view.edges if e.key == (T(1), OP(0)))
    assert view.edge_norm(edge) == pytest.approx(norms[(0, 1)][0])
    traces = view.to_plot_data()["edges"]
    for bucket, trace in delta["edge_traces"].items():
        assert trace == traces[bucket]
    assert T(1) in delta["hovertext"] and delta["hovertext"][T(1)] == view.hover_text(T(1))
    assert view.set_step(0) == {"step": 0, "edges": {}, "edge_traces": {}, "hovertext": {}}


def test_plot_data_sizes_are_consistent(recorded):
    view = GraphViewModel(recorder=recorded)
    view.set_depth(1)
    data = view.to_plot_data()
    nodes = data["nodes"]
    assert {len(v) for v in nodes.values()} == {len(view.nodes)}
    assert len(data["edges"]) == len(PALETTE) + 1
    assert sum(len(t["keys"]) for t in data["edges"]) == len(view.edges)
    for trace in data["edges"]:
        points = sum(len(view.layout.routes[k]) + 1 for k in trace["keys"])
        assert len(trace["x"]) == len(trace["y"]) == points
        assert trace["x"].count(None) == len(trace["keys"])
    assert [s["name"] for s in data["shapes"]] == ["0", "1", "2"]


def test_module_rectangles_enclose_their_nodes_and_nest(recorded):
    view = GraphViewModel(recorder=recorded)
    shapes = {s["name"]: s for s in view.module_shapes()}
    assert set(shapes) == {"0", "0.0", "0.1", "1", "1.0", "1.1", "2"}

    def inside(inner, outer):
        return (
            outer["x0"] < inner["x0"] and inner["x1"] < outer["x1"]
            and outer["y0"] < inner["y0"] and inner["y1"] < outer["y1"]
        )  # fmt: skip

    assert inside(shapes["0.0"], shapes["0"]) and inside(shapes["1.1"], shapes["1"])
    for node in view.nodes.values():
        if node.module:
            x, y, w, h = view.layout.boxes[node.id]
            box = {"x0": x - w / 2, "x1": x + w / 2, "y0": y - h / 2, "y1": y + h / 2}
            assert inside(box, shapes[node.module])


def test_a_graph_without_recorder_draws_every_edge_as_no_data():
    view = GraphViewModel(transformer(1))
    assert view.step is None
    assert {color for color, _ in view.edge_styles().values()} == {NO_DATA_COLOR}
    assert view.set_step(5)["edges"] == {}

"""GraphView and StepDebugger at the Python level: figure data, callbacks, state for late views."""

import numpy as np
import pytest

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import nn
from gradviz.trace import Recorder
from gradviz.widgets import GraphView, StepDebugger
from gradviz.widgets.graph_model import NO_DATA_COLOR, PALETTE
from gradviz.widgets.graph_view import NODE_TRACE


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 4)

    def forward(self, x):
        return gv.tanh(self.linear(x))


def recorded(steps=3, capture=False):
    gv.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), Block(), nn.Linear(4, 3))
    recorder = Recorder(model)
    x, y = gv.data.datasets.spirals(n_samples=30).tensors
    with recorder:
        for step in range(steps):
            if capture and step == steps - 1:
                recorder.capture_step()
            loss = F.cross_entropy(model(x), y)
            model.zero_grad()
            loss.backward()
            with gv.no_grad():
                for p in model.parameters():
                    p -= 0.5 * p.grad
    return recorder


def node_trace(view):
    return view.plot.current["data"][NODE_TRACE]


def test_figure_shows_every_visible_node_with_its_hover_text():
    view = GraphView(recorded())
    trace = node_trace(view)
    assert trace["customdata"] == list(view.model.nodes)
    assert trace["hovertext"] == [view.model.hover_text(i) for i in view.model.nodes]
    assert any("linear" in text for text in trace["text"])


def test_edge_colours_follow_the_recorders_gradient_norms():
    recorder = recorded()
    view = GraphView(recorder)
    coloured = [t for t in view.plot.current["data"][:NODE_TRACE] if t["line"]["color"] != NO_DATA_COLOR]
    assert coloured and all(t["line"]["color"] in PALETTE for t in coloured)
    hottest = max(view.model.edges, key=lambda e: view.model.edge_norm(e) or 0)
    coolest = min(view.model.edges, key=lambda e: view.model.edge_norm(e) or np.inf)
    assert view.model.edge_level(hottest) >= view.model.edge_level(coolest)


def test_step_slider_sends_only_changed_edge_traces():
    recorder = recorded(steps=4)
    view = GraphView(recorder)
    sent = []
    view.plot.send = sent.append
    view.slider.value = 0
    view.throttle.flush()
    assert sent and sent[-1]["type"] == "delta"
    assert set(sent[-1]["delta"]["traces"]) <= set(range(NODE_TRACE + 1))
    assert view.plot.current["layout"]["title"]["text"].endswith("step 0")


def test_collapsing_and_expanding_a_module_changes_the_visible_nodes():
    view = GraphView(recorded())
    expanded = len(node_trace(view)["x"])
    view.toggle("1")
    collapsed = len(node_trace(view)["x"])
    assert collapsed < expanded and "module:1" in node_trace(view)["customdata"]
    view.toggle("module:1")
    assert len(node_trace(view)["x"]) == expanded


def test_refresh_shows_new_steps_and_keeps_expansion_and_selection():
    recorder = recorded(steps=1)
    view = GraphView(recorder)
    assert view.slider is None
    view.toggle("1")
    op = next(i for i, n in view.model.nodes.items() if n.kind == "op")
    view.select(op)
    panel = view.panel.value
    model = recorder.model
    x, y = gv.data.datasets.spirals(n_samples=30).tensors
    with recorder:
        for _ in range(2):
            model.zero_grad()
            F.cross_entropy(model(x), y).backward()
    view.refresh()
    assert view.slider.options == (0, 1, 2) and view.slider in view.children
    assert "module:1" in node_trace(view)["customdata"] and view.panel.value == panel
    view.set_step(0)
    assert "step 0" in view.plot.current["layout"]["title"]["text"]


def test_clicking_a_node_fills_the_panel_with_its_value_gradient_and_rule():
    view = GraphView(recorded(capture=True))
    linear = next(i for i, n in view.model.nodes.items() if n.kind == "op" and "linear" in n.label)
    view.plot._on_message(view.plot, {"type": "click", "points": [{"customdata": linear}]}, [])
    assert "backward rule" in view.panel.value and "grad" in view.panel.value
    assert [t["type"] for t in view.detail.current["data"]] == ["heatmap", "heatmap"]


def test_the_panel_hides_what_was_not_captured_and_writes_out_a_single_number():
    view = GraphView(recorded(capture=True))
    empty = view.detail.current["layout"]
    assert (
        not view.detail.current["data"] and not empty["xaxis"]["visible"] and not empty["xaxis2"]["visible"]
    )
    assert empty["annotations"] == []  # nothing selected yet: no note about no node
    uncaptured = GraphView(recorded())
    uncaptured.select(next(i for i, n in uncaptured.model.nodes.items() if n.kind == "op"))
    notes = [a["text"] for a in uncaptured.detail.current["layout"]["annotations"]]
    assert notes == ["no value or gradient captured<br>for this node"]
    loss = next(i for i, n in view.model.nodes.items() if n.kind == "output")
    view.plot._on_message(view.plot, {"type": "click", "points": [{"customdata": loss}]}, [])
    layout = view.detail.current["layout"]
    assert not view.detail.current["data"] and not layout["xaxis"]["visible"]
    value, grad = (a["text"] for a in layout["annotations"])
    assert value.startswith("value<br><b>") and grad == "gradient<br><b>1</b>"


def test_clicking_a_module_box_expands_it():
    view = GraphView(recorded())
    view.toggle("1")
    view.plot._on_message(view.plot, {"type": "click", "points": [{"customdata": "module:1"}]}, [])
    assert "module:1" not in node_trace(view)["customdata"]


def test_graph_of_a_tensor_and_of_a_traced_graph():
    x = gv.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    assert len(GraphView(y).model.nodes) >= 3
    traced = gv.trace.trace(lambda t: (t * 2).exp(), gv.ones(2))
    assert {n.label for n in GraphView(traced).model.nodes.values()} >= {"mul", "exp"}
    with pytest.raises(TypeError, match="Recorder, a traced Graph or the graph behind a Tensor"):
        GraphView([1, 2])


def test_names_label_a_tensors_graph_and_are_refused_where_they_would_be_ignored():
    w = gv.tensor([3.0], requires_grad=True)
    view = GraphView((w * 2).sum(), names={w: "scale"})
    assert "scale" in {n.label for n in view.model.nodes.values()}
    recorder = recorded(steps=1)
    with pytest.raises(TypeError, match="names= labels the graph behind a Tensor; a Recorder"):
        GraphView(recorder, names={w: "scale"})


def test_a_late_view_draws_the_current_state():
    recorder = recorded(steps=4)
    view = GraphView(recorder)
    view.slider.value = 1
    view.throttle.flush()
    view.plot.flush()
    assert view.plot.figure == view.plot.current
    assert view.plot.figure["layout"]["title"]["text"].endswith("step 1")


def test_html_export_holds_the_figure_and_plotly(tmp_path):
    view = GraphView(recorded())
    text = tmp_path / "graph.html"
    view.to_html(text)
    content = text.read_text()
    assert "plotly.js" in content.lower() or "Plotly" in content
    assert node_trace(view)["customdata"][0] in content
    assert "<script src=" not in content  # nothing to fetch: opens offline


def tiny_debugger():
    a = gv.tensor(2.0, requires_grad=True)
    b = gv.tensor(-3.0, requires_grad=True)
    recorder = Recorder().capture_step()
    with recorder:
        (a * b + a).backward()
    return StepDebugger(recorder), a, b


def test_next_prev_and_slider_move_the_highlight():
    debugger, a, b = tiny_debugger()
    first = set(debugger.highlighted)
    debugger.next_button.click()
    second = set(debugger.highlighted)
    assert first != second and "2/" in debugger.title.value
    debugger.prev_button.click()
    assert set(debugger.highlighted) == first
    debugger.slider.value = 4
    assert debugger.stepper.position == 4 and "5/" in debugger.title.value


def test_keyboard_shortcuts():
    debugger, _, _ = tiny_debugger()
    send_key = lambda key: debugger.graph_view.plot._on_message(None, {"type": "key", "key": key}, [])  # noqa: E731
    send_key("ArrowRight")
    assert debugger.stepper.position == 1
    send_key("End")
    assert debugger.stepper.position == len(debugger.stepper) - 1
    send_key("Home")
    assert debugger.stepper.position == 0


def test_small_values_are_printed_in_the_nodes():
    debugger, a, b = tiny_debugger()
    debugger.go(len(debugger.stepper) - 1)
    texts = node_trace(debugger.graph_view)["text"]
    assert "2 | grad -2" in texts and "-3 | grad 2" in texts


def test_jump_to_first_nan():
    x = gv.tensor([0.0, 1.0], requires_grad=True)
    recorder = Recorder().capture_step()
    with recorder, np.errstate(divide="ignore", invalid="ignore"):
        (x * 2).log().sum().backward()
    debugger = StepDebugger(recorder)
    debugger.nan_button.click()
    assert "forward log" in debugger.title.value

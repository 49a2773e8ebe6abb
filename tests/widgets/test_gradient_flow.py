"""GradientFlow at the Python level: its figure holds the recorder's numbers, findings become badges
on the right layers, badges open the graph, and live updates are throttled deltas."""

import numpy as np

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import nn, optim
from gradviz.data import DataLoader
from gradviz.data.datasets import spirals
from gradviz.trace import Recorder
from gradviz.widgets.gradient_flow import BADGES, HEATMAP, MAX_BARS, MEAN_BARS, RATIO_BARS, GradientFlow


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def mlp(activation, depth=6, width=32, kaiming=False):
    layers = []
    for i in range(depth):
        linear = nn.Linear(2 if i == 0 else width, width)
        if kaiming:
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        layers += [linear, activation()]
    return nn.Sequential(*layers, nn.Linear(width, 3))


def trained(activation=nn.Sigmoid, kaiming=False, epochs=2):
    """A short real training run with a recorder and a GradientFlow following the runner."""
    gv.manual_seed(0)
    model = mlp(activation, kaiming=kaiming)
    runner = gv.Runner(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss())
    recorder = Recorder()
    runner.add_callback(recorder)
    flow = GradientFlow(recorder).attach(runner)
    runner.train(DataLoader(spirals(120, seed=1), batch_size=40), num_epochs=epochs, progress=False)
    return recorder, flow


def trace(flow, index):
    return flow.plot.current["data"][index]


def latest(series, layers):
    return [series[name][-1] for name in layers]


def test_bars_and_heatmap_hold_the_recorders_numbers_after_training():
    recorder, flow = trained()
    layers = list(recorder.gradient_flow())
    assert trace(flow, MEAN_BARS)["y"] == layers and len(layers) == 14
    np.testing.assert_array_equal(
        trace(flow, MEAN_BARS)["x"], latest(recorder.gradient_flow("grad_mean_abs"), layers)
    )
    np.testing.assert_array_equal(
        trace(flow, MAX_BARS)["x"], latest(recorder.gradient_flow("grad_max_abs"), layers)
    )
    ratios = latest(recorder.parameter_stats("update_ratio"), layers)
    assert all(r > 0 for r in ratios)
    np.testing.assert_array_equal(trace(flow, RATIO_BARS)["x"], ratios)
    heatmap = trace(flow, HEATMAP)
    assert heatmap["x"] == recorder.steps().tolist() == list(range(6))
    norms = np.stack([recorder.gradient_flow()[name] for name in layers])
    np.testing.assert_allclose(np.array(heatmap["z"]).T, np.log10(norms), rtol=1e-12)
    assert "step 5" in flow.plot.current["layout"]["xaxis"]["title"]["text"]


def test_a_vanishing_sigmoid_net_gets_a_badge_on_its_first_layer():
    recorder, flow = trained(nn.Sigmoid)
    badges = trace(flow, BADGES)
    vanishing = [i for i, f in enumerate(flow.findings) if f.kind == "vanishing"]
    assert vanishing and badges["y"][badges["customdata"].index(vanishing[0])] == "0.weight"
    assert "orders of magnitude" in badges["hovertext"][0]
    rows = flow.findings_box.children
    assert any("gradviz-finding-vanishing" in row._dom_classes for row in rows)
    assert "0.weight" in rows[0].children[0].value


def test_a_healthy_relu_kaiming_net_gets_no_badge():
    recorder, flow = trained(nn.ReLU, kaiming=True)
    assert flow.findings == [] and trace(flow, BADGES)["y"] == []
    assert flow.findings_box.children == (flow.no_findings,)
    assert "No problems found at step 5" in flow.no_findings.value


def test_clicking_a_badge_opens_the_graph_at_the_layers_parameter():
    recorder, flow = trained(nn.Sigmoid)
    point = {"trace": BADGES, "index": 0, "customdata": trace(flow, BADGES)["customdata"][0]}
    flow.plot._on_message(flow.plot, {"type": "click", "points": [point]}, [])
    view = flow.graph_view
    assert flow.graph_area.children == (view,)
    assert view.model.graph.tensors[view.selected].name == "0.weight"
    assert "weight" in view.panel.value


def test_the_list_button_calls_the_callback_with_its_finding():
    recorder, flow = trained(nn.Sigmoid)
    opened = []
    flow.on_open_graph = opened.append
    flow.findings_box.children[0].children[1].click()
    assert opened == [flow.findings[0]]


def test_an_activation_finding_sits_on_the_layer_that_fed_it_and_opens_its_op():
    gv.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Sigmoid(), nn.Linear(16, 3))
    with gv.no_grad():
        model[0].bias.add_(20.0)  # inputs far above zero: the sigmoid saturates
    recorder = Recorder(model)
    x, y = spirals(60).tensors
    with recorder:
        F.cross_entropy(model(x), y).backward()
    flow = GradientFlow(recorder)
    saturated = next(i for i, f in enumerate(flow.findings) if f.kind == "saturated")
    badges = trace(flow, BADGES)
    assert badges["y"][badges["customdata"].index(saturated)] == "0.weight"
    view = flow.open_graph(flow.findings[saturated])
    op_index = flow.findings[saturated].evidence["op_index"]
    assert view.selected == list(recorder.graph().ops)[op_index]
    assert view.model.graph.ops[view.selected].op == "sigmoid"


def record_steps(count, recorder, model, optimizer, clock=None):
    x, y = spirals(30).tensors
    with recorder:
        for step in range(count):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            if clock is not None:
                clock.now = step * 0.001
            yield step, loss.item()


def small_run(interval):
    gv.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    recorder = Recorder(model, optimizer=optimizer)
    return GradientFlow(recorder, interval=interval), recorder, model, optimizer


def test_the_heatmap_grows_one_column_per_recorded_step_and_only_changed_traces_are_sent():
    flow, recorder, model, optimizer = small_run(interval=0)
    sent = []
    flow.plot.send = sent.append
    for step, loss in record_steps(5, recorder, model, optimizer):
        flow.on_step_end(None, step, loss)
        flow.throttle.flush()  # draw now, whatever the interval
        delta = sent[-1]["delta"]
        assert len(sent) == step + 1 and delta["traces"][HEATMAP]["x"] == list(range(step + 1))
        last_column = np.log10([recorder.gradient_flow()[n][-1] for n in flow.layers()])
        np.testing.assert_allclose(delta["traces"][HEATMAP]["z"][-1], last_column, rtol=1e-12)
        assert step == 0 or BADGES not in delta["traces"]  # no findings: the badges did not change


def test_a_burst_of_steps_is_throttled_and_ends_in_the_last_step():
    flow, recorder, model, optimizer = small_run(interval=0.1)
    flow.throttle.clock = clock = FakeClock()
    sent = []
    flow.plot.send = sent.append
    for step, loss in record_steps(1000, recorder, model, optimizer, clock):
        flow.on_step_end(None, step, loss)
    flow.on_train_end(None)
    assert flow.throttle.redraws <= 11 and len(sent) <= 11
    assert sent[-1]["delta"]["traces"][HEATMAP]["x"][-1] == 999
    assert len(trace(flow, HEATMAP)["z"]) == 1000
    assert flow.plot.figure == flow.plot.current  # a view created now draws the last state


def test_a_view_created_later_draws_the_full_current_state():
    recorder, flow = trained(nn.Sigmoid)
    late = GradientFlow(recorder)
    assert late.plot.figure["data"] == flow.plot.figure["data"] == flow.plot.current["data"]
    flow.refresh()
    assert flow.plot.figure == late.plot.figure


def test_html_export_holds_the_layers_and_the_findings(tmp_path):
    recorder, flow = trained(nn.Sigmoid)
    path = flow.to_html(tmp_path / "flow.html")
    content = path.read_text()
    assert "12.weight" in content and "orders of magnitude" in content
    assert "<script src=" not in content

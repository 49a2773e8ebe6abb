"""The recorder reproduces known results from its own numbers."""

import math

import numpy as np
import pytest

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import nn
from gradviz.trace import Recorder
from gradviz.trace import recorder as recorder_module
from gradviz.trace.recorder import TrainingBreakpoint


def deep_mlp(activation, depth=10, width=32, kaiming=False):
    layers = []
    for i in range(depth):
        linear = nn.Linear(2 if i == 0 else width, width)
        if kaiming:
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        layers += [linear, activation()]
    return nn.Sequential(*layers, nn.Linear(width, 3))


class Residual(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.linear = nn.Linear(width, width)

    def forward(self, x):
        return x + gv.relu(self.linear(x))


def residual_mlp(depth=10, width=32):
    return nn.Sequential(
        nn.Linear(2, width), *[Residual(width) for _ in range(depth - 1)], nn.Linear(width, 3)
    )


def one_step(model, recorder):
    x, y = gv.data.datasets.spirals(n_samples=120).tensors
    with recorder:
        loss = F.cross_entropy(model(x), y)
        model.zero_grad()
        loss.backward()
    return loss


def first_last_hidden_ratio(model):
    recorder = Recorder(model)
    one_step(model, recorder)
    flow = recorder.gradient_flow()
    weights = [name for name in flow if name.endswith("weight")]
    first_hidden, last_hidden = weights[1], weights[-2]
    return flow[first_hidden][-1] / flow[last_hidden][-1]


def test_vanishing_gradients_in_a_deep_sigmoid_net_but_not_with_relu_kaiming_or_residuals():
    gv.manual_seed(0)
    sigmoid_ratio = first_last_hidden_ratio(deep_mlp(nn.Sigmoid))
    relu_ratio = first_last_hidden_ratio(deep_mlp(nn.ReLU, kaiming=True))
    residual_ratio = first_last_hidden_ratio(residual_mlp())
    assert sigmoid_ratio < 1e-4, sigmoid_ratio
    assert 1e-2 < relu_ratio < 1e2, relu_ratio
    assert 1e-2 < residual_ratio < 1e2, residual_ratio


def test_diagnose_explains_vanishing_gradients_and_names_the_layer():
    gv.manual_seed(0)
    model = deep_mlp(nn.Sigmoid)
    recorder = Recorder(model)
    one_step(model, recorder)
    findings = [f for f in recorder.diagnose() if f.kind == "vanishing"]
    assert findings and findings[0].layer == "0.weight"
    assert "orders of magnitude" in findings[0].message and findings[0].evidence["ratio"] < 1e-3
    healthy = deep_mlp(nn.ReLU, kaiming=True)
    recorder = Recorder(healthy)
    one_step(healthy, recorder)
    assert not [f for f in recorder.diagnose() if f.kind == "vanishing"]


def test_clipping_bounds_the_recorded_gradient_norms():
    gv.manual_seed(0)
    model = deep_mlp(nn.ReLU, depth=3, kaiming=True)
    x, y = gv.data.datasets.spirals(n_samples=60).tensors
    recorder = Recorder(model)
    with recorder:
        for _ in range(3):
            model.zero_grad()
            (F.cross_entropy(model(x), y) * 1000).backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    unclipped = np.sqrt(sum(v[-1] ** 2 for v in recorder.gradient_flow().values()))
    total = np.sqrt(sum(p.grad.pow(2).sum().item() for p in model.parameters()))
    assert total == pytest.approx(0.5, rel=1e-3)
    assert unclipped > 0.5  # the recorder saw the gradient as backward produced it


def test_log_of_zero_is_reported_as_the_nan_origin_with_op_and_module():
    class Head(nn.Module):
        def forward(self, p):
            return gv.log(p)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 3)
            self.head = Head()

        def forward(self, x):
            return self.head(gv.relu(self.linear(x))).sum()

    model = Model()
    with gv.no_grad():
        model.linear.weight.fill_(-1.0)
        model.linear.bias.fill_(0.0)
    recorder = Recorder(model)
    with recorder, np.errstate(divide="ignore", invalid="ignore"):
        model(gv.ones(2, 3)).backward()
    (finding,) = [f for f in recorder.diagnose() if f.kind == "nan"]
    assert finding.op == "log" and finding.layer == "head"
    assert "forward" in finding.message and "itself" in finding.message


def test_break_on_nan_stops_with_the_step_captured():
    model = nn.Linear(2, 1)
    recorder = Recorder(model, break_on=["nan"])
    with recorder, np.errstate(divide="ignore", invalid="ignore"):
        model(gv.ones(1, 2)).sum().backward()
        with pytest.raises(TrainingBreakpoint, match="nan"):
            gv.log(model(gv.ones(1, 2)) * 0).sum().backward()
    assert recorder.captured.step == 1
    first_bad = recorder.captured.first_nonfinite()
    assert first_bad.op == "log" and first_bad.phase == "forward"


def test_events_graph_modules_and_edges_of_a_small_model():
    gv.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 3))
    recorder = Recorder(model)
    one_step(model, recorder)
    graph = recorder.graph()
    ops = list(graph.ops.values())
    assert [op.op for op in ops] == ["linear", "tanh", "linear", "log_softmax", "nll_loss"]
    assert [op.module for op in ops][:3] == ["0", "1", "2"]
    assert {n.name for n in graph.tensors.values() if n.kind == "parameter"} == {
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    }
    edges = recorder.edge_norms()
    assert set(edges) == {(0, 1), (0, 2), (1, 0), (2, 0), (2, 1), (2, 2), (3, 0), (4, 0)}
    weight_grad = model[2].weight.grad.pow(2).sum().sqrt().item()
    assert edges[(2, 1)][-1] == pytest.approx(weight_grad, rel=1e-5)
    assert recorder.activation_stats("saturated")["1"].shape == (1,)


def test_graph_is_stored_once_per_structure():
    gv.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3))
    recorder = Recorder(model)
    for _ in range(3):
        one_step(model, recorder)
    assert len(recorder.graphs) == 1 and len(recorder.steps()) == 3


def test_evaluation_passes_are_not_part_of_a_step():
    model = nn.Linear(2, 2)
    recorder = Recorder(model)
    with recorder:
        with gv.no_grad():
            model(gv.ones(5, 2))
        model(gv.ones(3, 2)).sum().backward()
    assert [op.op for op in recorder.graph().ops.values()] == ["linear", "sum"]


def test_step_capture_replays_forward_then_backward_in_engine_order():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    recorder = Recorder(model).capture_step()
    with recorder:
        model(gv.ones(4, 2)).sum().backward()
    capture = recorder.captured
    forward, backward = capture.forward(), capture.backward()
    assert [r.op for r in forward] == ["linear", "relu", "linear", "sum"]
    assert [r.op for r in backward] == ["sum", "linear", "relu", "linear"]
    assert max(r.order for r in forward) < min(r.order for r in backward)
    relu_out = forward[1].outputs[0]
    assert relu_out.kept_whole and relu_out.array.shape == (4, 3)
    np.testing.assert_allclose(backward[-1].outputs[1].array, model[0].weight.grad.numpy(), rtol=1e-6)
    leaves = capture.leaf_grads()
    assert {leaf.name for leaf in leaves} == {"0.weight", "0.bias", "2.weight", "2.bias"}


def test_step_capture_summarises_tensors_beyond_the_byte_budget():
    model = nn.Linear(64, 64)
    recorder = Recorder(model, max_bytes=20_000).capture_step()
    with recorder:
        model(gv.ones(32, 64)).sum().backward()
    values = [v for r in recorder.captured.forward() for v in r.outputs]
    assert any(not v.kept_whole and v.preview is not None and v.summary["mean"] is not None for v in values)
    assert recorder.captured.bytes_used < 40_000


def test_memory_stays_bounded_over_100_000_steps():
    """Every stored structure has a fixed bound: the series thin their past, histograms and attention
    maps are rings, the graph is stored once, and nothing of a finished step is kept."""
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    recorder = Recorder(model, max_steps=1_000, histogram_every=100)
    x = gv.ones(4, 2)
    with recorder:
        for _ in range(100_000):
            model(x).sum().backward()
    steps = recorder.steps()
    assert steps[-1] == 99_999 and len(recorder.store) <= 1_000
    assert steps[0] == 0 and np.all(np.diff(steps[-500:]) == 1)  # the recent past at full resolution
    assert all(len(column) == len(recorder.store) for column in recorder.store.columns.values())
    assert len(recorder.graph_of_step) <= 1_000 and len(recorder.graphs) == 1
    assert len(recorder.histograms) <= recorder.histograms.maxlen
    assert recorder._events == [] and recorder._module_outputs == []


def test_every_k_steps():
    model = nn.Linear(2, 1)
    recorder = Recorder(model, every=3)
    with recorder:
        for _ in range(7):
            model(gv.ones(1, 2)).sum().backward()
    assert recorder.steps().tolist() == [0, 3, 6]


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="break_on"):
        Recorder(break_on=["typo"])
    with pytest.raises(ValueError, match="every"):
        Recorder(every=0)
    assert not math.isnan(0.0)


def test_recording_round_trips_through_a_file(tmp_path):
    gv.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 3))
    recorder = Recorder(model, histogram_every=1).capture_step()
    for _ in range(3):
        one_step(model, recorder)
    path = tmp_path / "run.gvrec"
    recorder.save(path)
    loaded = Recorder.load(path)
    for name, values in recorder.gradient_flow().items():
        np.testing.assert_array_equal(loaded.gradient_flow()[name], values)
    assert loaded.edge_norms().keys() == recorder.edge_norms().keys()
    assert str(loaded.graph()) == str(recorder.graph())
    assert len(loaded.histograms) == len(recorder.histograms)
    first = loaded.captured.forward()[0]
    np.testing.assert_array_equal(first.outputs[0].array, recorder.captured.forward()[0].outputs[0].array)
    assert [f.kind for f in loaded.diagnose()] == [f.kind for f in recorder.diagnose()]


def test_loading_something_else_is_refused(tmp_path):
    path = tmp_path / "weights.gv"
    gv.save({"w": gv.ones(2)}, path)
    with pytest.raises(RuntimeError, match="not a gradviz recording"):
        Recorder.load(path)


def test_recorder_as_runner_callback_records_update_ratios():
    gv.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    optimizer = gv.optim.SGD(model.parameters(), lr=0.1)
    loader = gv.data.DataLoader(gv.data.datasets.spirals(n_samples=90), batch_size=30)
    runner = gv.Runner(model, optimizer, nn.CrossEntropyLoss())
    recorder = runner.add_callback(Recorder())
    runner.train(loader, num_epochs=2, progress=False)
    assert len(recorder.steps()) == 6
    ratios = recorder.parameter_stats("update_ratio")["0.weight"]
    assert ratios.shape == (6,) and np.all((ratios > 0) & (ratios < 1))
    assert not recorder._handles  # detached when training ended


def test_captured_graph_names_the_tensors_of_the_captured_step():
    """The graph is built when first asked for, here after later steps: it is still the captured one."""
    model = nn.Linear(2, 1)
    recorder = Recorder(model)
    with recorder:
        model(gv.ones(1, 2)).sum().backward()
        recorder.capture_step()
        model(gv.ones(1, 2)).sum().backward()
        for _ in range(2):
            model(gv.ones(3, 2)).sum().backward()
    graph = recorder.captured.graph
    assert recorder.captured.step == 1 and all(n.shape[:1] != (3,) for n in graph.tensors.values())
    for record in recorder.captured.forward():
        assert {f"t{i}" for i in record.output_ids} <= set(recorder.captured.graph.tensors)
    assert recorder.captured.graph.ops.keys() == {f"op{r.node}" for r in recorder.captured.forward()}


class TwoAttentionLayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.MultiheadAttention(4, 2, batch_first=True)
        self.second = nn.MultiheadAttention(4, 2, batch_first=True)

    def forward(self, x):
        h, _ = self.first(x, x, x)
        return self.second(h, h, h)[0]


def test_attention_history_covers_the_same_steps_for_every_layer(tmp_path, monkeypatch):
    monkeypatch.setattr(recorder_module, "ATTENTION_STEPS", 5)
    model = TwoAttentionLayers()
    recorder = Recorder(model)
    with recorder:
        for _ in range(8):
            model(gv.randn(3, 6, 4)).sum().backward()
    steps_per_layer = {
        name: [s for s, n, _ in recorder.attention if n == name] for name in ("first", "second")
    }
    assert steps_per_layer == {"first": [3, 4, 5, 6, 7], "second": [3, 4, 5, 6, 7]}
    assert [step for step, _ in recorder.attention_inputs] == [3, 4, 5, 6, 7]
    recorder.save(tmp_path / "attention.gvrec")
    assert list(Recorder.load(tmp_path / "attention.gvrec").attention)[0][:2] == (3, "first")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda s: s.pop("series"), "no 'series'"),
        (lambda s: s.pop("graphs"), "no 'graphs'"),
        (lambda s: s.pop("captured"), "no 'captured'"),
        (lambda s: s.pop("config"), "no 'config'"),
        (lambda s: s["config"].pop("bins"), "config has no 'bins'"),
        (lambda s: s.update(version="1"), "version is '1'"),
        (lambda s: s["series"]["arrays"].pop("steps"), "'series' has no arrays steps"),
    ],
)
def test_a_damaged_recording_is_refused_naming_the_file_and_the_damage(tmp_path, damage, message):
    model = nn.Linear(2, 3)
    recorder = Recorder(model)
    one_step(model, recorder)
    recorder.save(tmp_path / "run.gvz")
    state = gv.io.load(tmp_path / "run.gvz")
    damage(state)
    gv.io.save(state, tmp_path / "damaged.gvz")
    with pytest.raises(gv.io.CheckpointError, match=message) as error:
        Recorder.load(tmp_path / "damaged.gvz")
    assert "damaged.gvz" in str(error.value)

"""Regression tests for the recorder's audited defects, each checked against PyTorch or a hand
computation."""

import numpy as np
import pytest
import torch

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import nn
from gradviz.autograd import events
from gradviz.trace import Recorder


def tanh_stack(depth=6, width=6):
    gv.manual_seed(0)
    return nn.Sequential(*[nn.Sequential(nn.Linear(width, width), nn.Tanh()) for _ in range(depth)])


@pytest.mark.parametrize("every", [1, 2])
def test_captured_gradients_are_the_ones_that_flowed_on_unrecorded_steps_too(every):
    """A capture keyed arrays by id(); on a step that records no statistics nothing kept the gradients
    alive, ids were reused and stale values (even of other shapes) came back."""
    model = nn.Sequential(tanh_stack(), nn.Linear(6, 2))
    x = gv.tensor(np.random.RandomState(0).randn(4, 6).astype(np.float32))
    recorder = Recorder(model, every=every)
    log = []

    def observe(event):
        if event.__class__ is events.OpEvent and event.phase == "backward":
            log.append([None if t is None else t._data.copy() for t in event.output_tensors])

    with recorder:
        for step in range(2):
            if step == 1:
                recorder.capture_step()
                handle = events.subscribe(observe)
            loss = (model(x) ** 2).sum()
            model.zero_grad()
            loss.backward()
        handle.remove()
    captured = recorder.captured.backward()
    assert len(captured) == len(log)
    for record, expected in zip(captured, log):
        for value, array in zip(record.outputs, expected):
            if array is not None:
                assert value.array.shape == array.shape
                np.testing.assert_array_equal(value.array, array)


def small_mlp(seed=0, din=4, width=8, dout=3):
    gv.manual_seed(seed)
    return nn.Sequential(nn.Linear(din, width), nn.ReLU(), nn.Linear(width, dout))


def test_module_stats_come_from_the_forward_the_loss_depends_on():
    model = small_mlp()
    recorder = Recorder(model, histogram_every=1)
    train = gv.tensor(np.random.RandomState(0).randn(16, 4).astype(np.float32))
    test = gv.tensor(100 + np.random.RandomState(1).randn(5, 4).astype(np.float32))
    with recorder:
        for _ in range(3):
            model(test)  # monitoring forwards, no no_grad
        loss = model(train).sum()
        model(test)  # an unrelated forward before backward
        loss.backward()
    np.testing.assert_allclose(
        recorder.activation_stats("mean")["0"], [model[0](train).data.mean()], rtol=1e-5
    )
    assert sorted((name, int(counts.sum())) for _, name, counts, _ in recorder.histograms) == [
        ("0", 128),
        ("1", 128),
        ("2", 48),
    ]


class _Twice(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        return self.lin(gv.tanh(self.lin(x)))


def _one_linear_called_twice():
    gv.manual_seed(0)
    model = _Twice()
    return model, model.lin


def test_a_module_called_twice_is_measured_over_both_calls_with_one_histogram():
    model, shared = _one_linear_called_twice()
    x = gv.tensor(np.random.RandomState(0).randn(5, 4).astype(np.float32))
    recorder = Recorder(model, histogram_every=1)
    with recorder:
        (model(x) ** 2).sum().backward()
    weight, bias = shared.weight.detach().numpy(), shared.bias.detach().numpy()
    first = x.numpy() @ weight.T + bias
    second = np.tanh(first) @ weight.T + bias
    both = np.concatenate([first.ravel(), second.ravel()])
    np.testing.assert_allclose(recorder.activation_stats("mean")["lin"], [both.mean()], rtol=1e-5)
    np.testing.assert_allclose(recorder.activation_stats("std")["lin"], [both.std()], rtol=1e-4)
    assert [(s, n, int(c.sum())) for s, n, c, _ in recorder.histograms] == [(0, "lin", 40)]


def test_forwards_without_backward_are_not_held():
    model = nn.Sequential(nn.Linear(32, 256), nn.ReLU(), nn.Linear(256, 10))
    x = gv.randn(64, 32)
    recorder = Recorder(model)
    with recorder:
        for _ in range(10_000):
            model(x)
        assert len(recorder._events) <= 2 * 4096 and len(recorder._module_outputs) <= 2 * 4096
        assert all(all(r() is None for r in e[2]) for e in recorder._events[:-3])
        model(x).sum().backward()  # still records the step that comes
    assert recorder.steps().tolist() == [0]


def test_edge_norms_are_what_flowed_not_the_accumulated_or_clipped_grad():
    model, shared = _one_linear_called_twice()
    x = np.random.RandomState(0).randn(5, 4).astype(np.float32)
    opt = gv.optim.SGD(model.parameters(), lr=0.1)
    recorder = Recorder(model, optimizer=opt)
    w = torch.tensor(shared.weight._data.copy())
    b = torch.tensor(shared.bias._data.copy())
    with recorder:
        opt.zero_grad()
        (model(gv.tensor(x)) ** 2).sum().backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1e-3)
        opt.step()
    w1, w2, b1, b2 = (t.clone().requires_grad_() for t in (w, w, b, b))
    loss = ((torch.tanh(torch.tensor(x) @ w1.T + b1) @ w2.T + b2) ** 2).sum()
    grads = torch.autograd.grad(loss, [w1, w2, b1, b2])
    # ops in order: linear (first call), tanh, linear (second call), pow, sum; args (x, weight, bias)
    edges = recorder.edge_norms()
    expected = {(0, 1): grads[0], (2, 1): grads[1], (0, 2): grads[2], (2, 2): grads[3]}
    for key, grad in expected.items():
        np.testing.assert_allclose(edges[key], [grad.norm().item()], rtol=1e-5)


def test_nan_origin_judges_inputs_as_the_forward_saw_them_not_after_the_update():
    model = small_mlp()
    opt = gv.optim.SGD(model.parameters(), lr=0.1)
    x = np.random.RandomState(0).randn(16, 4).astype(np.float32)
    x[3] = np.nan
    recorder = Recorder(model, optimizer=opt)
    with recorder:
        opt.zero_grad()
        F.cross_entropy(model(gv.tensor(x)), gv.tensor(np.zeros(16, dtype=np.int64))).backward()
        opt.step()
    assert np.isnan(model[0].weight.data).any()  # the update spread the NaN into the weights
    origin = recorder.nan_origin
    assert (origin["phase"], origin["op"], origin["module"]) == ("forward", "linear", "0")
    assert origin["bad_inputs"] == ["input 0 (4 NaN/Inf of 64)"]


def test_an_overflowing_norm_of_finite_gradients_is_no_nan_origin():
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))
    recorder = Recorder(model)
    with recorder, np.errstate(over="ignore"):
        (model(gv.ones(2, 4)) * 1e20).sum().backward()
    assert all(np.isfinite(p.grad.data).all() for p in model.parameters())
    assert recorder.nan_origin is None
    assert not [f for f in recorder.diagnose() if f.kind == "nan"]


def test_gradient_accumulation_is_one_step_with_all_micro_batches():
    model = small_mlp()
    opt = gv.optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.RandomState(1)
    x, y = rng.randn(16, 4).astype(np.float32), rng.randint(0, 3, 16)
    recorder = Recorder(model, optimizer=opt, histogram_every=1).capture_step()
    losses = []
    with recorder:
        opt.zero_grad()
        for k in range(2):
            loss = (
                F.cross_entropy(model(gv.tensor(x[8 * k : 8 * k + 8])), gv.tensor(y[8 * k : 8 * k + 8])) / 2
            )
            losses.append(loss.item())
            loss.backward()
        hidden = model[0](gv.tensor(x))._data.copy()
        opt.step()
    np.testing.assert_allclose(recorder.losses()[1], [sum(losses)], rtol=1e-6)
    np.testing.assert_allclose(recorder.activation_stats("mean")["0"], [hidden.mean()], rtol=1e-5)
    assert sorted((n, int(c.sum())) for _, n, c, _ in recorder.histograms) == [
        ("0", 128),
        ("1", 128),
        ("2", 48),
    ]
    captured = recorder.captured
    ops = [r.op for r in captured.forward()]
    assert ops[: len(ops) // 2] == ops[len(ops) // 2 :] and ops[:3] == ["linear", "relu", "linear"]
    assert len(captured.backward()) == len(ops) and len(captured.leaf_grads()) == 2 * 4
    np.testing.assert_allclose(captured.forward()[len(ops) // 2].inputs[0].array, x[8:])


def test_break_on_nan_catches_a_nan_on_a_step_that_records_no_statistics():
    from gradviz.trace.recorder import TrainingBreakpoint

    model = small_mlp(din=4)
    x, y = gv.randn(5, 4), gv.tensor(np.array([0, 1, 2, 0, 1]))
    recorder = Recorder(model, every=2, break_on=["nan"])
    broke = []
    with recorder:
        for i in range(4):
            try:
                model.zero_grad()
                F.cross_entropy(model(x if i != 1 else x * float("nan")), y).backward()
            except TrainingBreakpoint as stop:
                broke.append((i, stop.findings[0].kind))
    assert broke == [(1, "nan")]
    origin = recorder.nan_origin
    assert (origin["step"], origin["phase"], origin["op"], origin["module"]) == (1, "forward", "linear", "0")
    assert origin["bad_inputs"] == ["input 0 (20 NaN/Inf of 20)"]


@pytest.mark.parametrize("max_bytes", [0, 10_000, 200_000])
def test_capture_never_exceeds_its_byte_budget_and_says_what_it_summarised(max_bytes, tmp_path):
    gv.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    x, y = gv.randn(128, 64), gv.tensor(np.random.RandomState(0).randint(0, 10, 128))
    recorder = Recorder(model, capture="values", max_bytes=max_bytes)
    with recorder:
        F.cross_entropy(model(x), y).backward()
    captured = recorder.captured
    values = {}
    for record in captured.records:
        found = [record.value] if hasattr(record, "value") else record.inputs + record.outputs
        values.update((id(v), v) for v in found if hasattr(v, "nbytes"))
    assert captured.bytes_used == sum(v.nbytes for v in values.values()) <= max_bytes
    summarised = [v for v in values.values() if not v.kept_whole]
    assert captured.summarised == len(summarised) > 0
    assert captured.without_preview == sum(not v.has_preview for v in summarised)
    assert all(v.summary["mean"] is not None for v in summarised)
    if max_bytes == 0:
        assert captured.without_preview == len(summarised)
    recorder.save(tmp_path / "run.gvrec")
    loaded = Recorder.load(tmp_path / "run.gvrec").captured
    assert (loaded.bytes_used, loaded.summarised, loaded.without_preview) == (
        captured.bytes_used,
        captured.summarised,
        captured.without_preview,
    )


def test_graph_identity_includes_wiring_and_dtypes():
    gv.manual_seed(0)

    class Swap(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 4)
            self.square = False

        def forward(self, x):
            h = self.a(x)
            return (h * h).sum() if self.square else (h * x).sum()

    model = Swap()
    recorder = Recorder(model)
    with recorder:
        for square in (False, True):
            model.square = square
            model(gv.randn(2, 4)).backward()
    muls = [[o for o in recorder.graph(s).ops.values() if o.op == "mul"][0] for s in (0, 1)]
    assert muls[0].inputs[0] != muls[0].inputs[1] and muls[1].inputs[0] == muls[1].inputs[1]
    linear = nn.Linear(3, 3)
    recorder = Recorder(linear)
    with recorder:
        linear(gv.randn(2, 3)).sum().backward()
        linear.to(gv.float64)
        linear(gv.randn(2, 3, dtype=gv.float64)).sum().backward()
    assert {t.dtype for t in recorder.graph(0).tensors.values()} == {"float32"}
    assert {t.dtype for t in recorder.graph(1).tensors.values()} == {"float64"}


def test_graphs_stay_bounded_when_shapes_vary_and_unknown_steps_are_explained():
    from gradviz.trace.recorder import MAX_GRAPHS

    gv.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    recorder = Recorder(model, max_steps=16)
    with recorder:
        for n in range(1, 301):
            model(gv.randn(n, 8)).sum().backward()
    assert len(recorder.graphs) <= MAX_GRAPHS
    for step in recorder.steps()[-10:]:
        x_node = recorder.graph(int(step)).tensors
        assert any(t.shape == (int(step) + 1, 8) for t in x_node.values())
    with pytest.raises(ValueError, match="step 7 has no recorded graph; .* from 0 to 299"):
        recorder.graph(7)


def test_histogram_cadence_follows_histogram_every_with_every():
    model = small_mlp()
    x, y = gv.randn(20, 4), gv.tensor(np.random.RandomState(1).randint(0, 3, 20))
    recorder = Recorder(model, every=3, histogram_every=2)
    with recorder:
        for _ in range(10):
            F.cross_entropy(model(x), y).backward()
    assert sorted({s for s, *_ in recorder.histograms}) == [0, 3, 6, 9]
    recorder = Recorder(model, every=1, histogram_every=4)
    with recorder:
        for _ in range(10):
            F.cross_entropy(model(x), y).backward()
    assert sorted({s for s, *_ in recorder.histograms}) == [0, 4, 8]


def test_nested_with_blocks_and_attaching_elsewhere():
    model = small_mlp()
    x, y = gv.randn(5, 4), gv.tensor(np.array([0, 1, 2, 0, 1]))

    def step():
        F.cross_entropy(model(x), y).backward()

    recorder = Recorder(model)
    with recorder:
        with recorder:
            step()
        step()  # still inside the outer block
    step()  # outside
    assert recorder.steps().tolist() == [0, 1]
    recorder.attach()
    assert recorder.attach(model) is recorder  # the same model: nothing to do
    with pytest.raises(RuntimeError, match="detach"):
        recorder.attach(nn.Linear(4, 3))
    recorder.detach()


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"histogram_every": 0}, ValueError, "histogram_every must be >= 1"),
        ({"bins": 0}, ValueError, "bins must be >= 1"),
        ({"every": 1.5}, TypeError, "every must be an integer"),
        ({"max_steps": 2}, ValueError, "max_steps must be >= 4"),
        ({"max_bytes": -1}, ValueError, "max_bytes must be >= 0"),
        ({"break_on": ["nan", "typo"]}, ValueError, r"unknown break_on conditions \['typo'\]"),
    ],
)
def test_constructor_arguments_are_checked_with_clear_messages(arguments, error, message):
    with pytest.raises(error, match=message):
        Recorder(**arguments)


def test_break_on_accepts_one_condition_as_a_string():
    assert Recorder(break_on="nan").break_on == ("nan",)

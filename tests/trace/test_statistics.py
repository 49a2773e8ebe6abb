"""Every number the recorder keeps equals the same statistic computed independently in float64."""

import numpy as np
import pytest

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import nn
from gradviz.trace import Recorder
from gradviz.trace.stats import histogram


def host(tensor):
    return np.asarray(tensor.detach().cpu().numpy(), dtype=np.float64)


def recorded_sgd_step(device):
    model = nn.Sequential(
        nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 8), nn.Sigmoid()
    ).to(device)
    with gv.no_grad():
        model[2].weight.mul_(4.0)
        model[4].weight.mul_(6.0)
    optimizer = gv.optim.SGD(model.parameters(), lr=0.5)
    recorder = Recorder(model, optimizer=optimizer, histogram_every=1, bins=12)
    x = gv.randn(64, 5, device=device)
    target = gv.rand(64, 8, device=device)
    outputs = {}
    hooks = [
        m.register_forward_hook(lambda m, a, out, n=n: outputs.setdefault(n, out))
        for n, m in model.named_modules()
    ]
    with recorder:
        optimizer.zero_grad()
        F.mse_loss(model(x), target).backward()
        before = {n: host(p) for n, p in model.named_parameters()}
        grads = {n: host(p.grad) for n, p in model.named_parameters()}
        optimizer.step()
    for hook in hooks:
        hook.remove()
    return model, recorder, outputs, before, grads


@pytest.fixture
def step(device):
    return recorded_sgd_step(device)


def latest(series):
    return {name: values[-1] for name, values in series.items()}


def test_parameter_statistics(step):
    model, recorder, _, before, grads = step
    for stat, expected in {
        "grad_norm": lambda n: np.linalg.norm(grads[n]),
        "grad_mean_abs": lambda n: np.abs(grads[n]).mean(),
        "grad_max_abs": lambda n: np.abs(grads[n]).max(),
        "param_norm": lambda n: np.linalg.norm(host(model.get_parameter(n))),
        "update_ratio": lambda n: (
            np.linalg.norm(host(model.get_parameter(n)) - before[n])
            / np.linalg.norm(host(model.get_parameter(n)))
        ),
    }.items():
        got = latest(recorder.parameter_stats(stat))
        assert set(got) == set(grads), stat
        for name in grads:
            assert got[name] == pytest.approx(expected(name), rel=1e-5), (stat, name)


def test_update_ratio_of_every_step_of_plain_sgd(device):
    """Plain SGD moves each weight by lr * grad, so every step's ratio is lr * grad_norm / param_norm:
    the weights kept from one step must never leak into the next."""
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).to(device)
    lr = 0.3
    optimizer = gv.optim.SGD(model.parameters(), lr=lr)
    x, target = gv.randn(16, 4, device=device), gv.randn(16, 2, device=device)
    with Recorder(model, optimizer=optimizer) as recorder:
        for _ in range(4):
            optimizer.zero_grad()
            F.mse_loss(model(x), target).backward()
            optimizer.step()
    ratios = recorder.parameter_stats("update_ratio")
    grad_norms, param_norms = recorder.gradient_flow(), recorder.parameter_stats("param_norm")
    for name in ratios:
        np.testing.assert_allclose(ratios[name], lr * grad_norms[name] / param_norms[name], rtol=1e-4)
        assert len(set(np.round(ratios[name], 8))) == 4, name


def test_activation_statistics_of_every_module_output(step):
    _, recorder, outputs, _, _ = step
    for name, module_output in outputs.items():
        if not name:
            continue
        values = host(module_output).ravel()
        scale = np.abs(values).mean()
        assert latest(recorder.activation_stats("mean"))[name] == pytest.approx(
            values.mean(), abs=1e-6 * scale
        )
        assert latest(recorder.activation_stats("std"))[name] == pytest.approx(values.std(), rel=1e-4)
        assert latest(recorder.activation_stats("zeros"))[name] == np.mean(values == 0)
        assert latest(recorder.activation_stats("nonfinite"))[name] == 0
    saturated = latest(recorder.activation_stats("saturated"))
    assert set(saturated) == {"3", "5"}
    tanh, sigmoid = host(outputs["3"]), host(outputs["5"])
    assert saturated["3"] == np.mean((tanh < -0.98) | (tanh > 0.98)) > 0
    assert saturated["5"] == np.mean((sigmoid < 0.01) | (sigmoid > 0.99)) > 0
    assert latest(recorder.activation_stats("zeros"))["1"] > 0


def test_edge_norms_are_the_gradients_each_op_sent(step):
    model, recorder, _, _, grads = step
    ops = list(recorder.graph().ops.values())
    edges = latest(recorder.edge_norms())
    linears = [i for i, op in enumerate(ops) if op.op == "linear"]
    for index, name in zip(linears, ("0", "2", "4")):
        assert edges[(index, 1)] == pytest.approx(np.linalg.norm(grads[f"{name}.weight"]), rel=1e-5)
        assert edges[(index, 2)] == pytest.approx(np.linalg.norm(grads[f"{name}.bias"]), rel=1e-5)
    assert all(np.isfinite(v) and v > 0 for v in edges.values())


def test_histograms_count_every_value_of_every_module_output(step):
    _, recorder, outputs, _, _ = step
    kept = {name: (counts, edges) for _, name, counts, edges in recorder.histograms}
    assert set(kept) == {name for name in outputs if name}
    for name, (counts, edges) in kept.items():
        expected_counts, expected_edges = np.histogram(outputs[name].detach().cpu().numpy(), bins=12)
        np.testing.assert_allclose(edges, expected_edges, atol=1e-6 * np.ptp(expected_edges))
        np.testing.assert_array_equal(counts, expected_counts)


def test_histogram_of_values_at_the_bin_edges_and_of_non_finite_values():
    values = gv.tensor([0.0, 0.25, 0.5, 0.75, 1.0, 1.0, float("nan"), float("inf")])
    counts, edges = histogram(values._data, 4)
    np.testing.assert_array_equal(counts, [1, 1, 1, 3])
    np.testing.assert_allclose(edges, [0, 0.25, 0.5, 0.75, 1.0])
    counts, edges = histogram(gv.full((3,), 2.0)._data, 4)
    assert counts.sum() == 3 and edges[0] < 2.0 < edges[-1]


def test_nonfinite_counts_per_op_and_module():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    recorder = Recorder(model)
    x = gv.tensor([[1.0, float("nan"), 0.0], [1.0, 2.0, 3.0]])
    with recorder:
        model(x).sum().backward()
    assert latest(recorder.activation_stats("nonfinite")) == {"0": 4, "1": 4}
    assert max(latest(recorder.op_stats("nonfinite")).values()) == 4


def test_captured_value_summaries_whole_and_summarised():
    model = nn.Sequential(nn.Linear(5, 16), nn.Tanh())
    for max_bytes in (2**20, 0):
        recorder = Recorder(model, max_bytes=max_bytes).capture_step()
        with recorder:
            out = model(gv.randn(64, 5))
            out.sum().backward()
        (tanh,) = [r for r in recorder.captured.forward() if r.op == "tanh"]
        value, expected = tanh.outputs[0], host(out).ravel()
        assert value.kept_whole == bool(max_bytes)
        assert value.summary["min"] == pytest.approx(expected.min())
        assert value.summary["max"] == pytest.approx(expected.max())
        assert value.summary["mean"] == pytest.approx(expected.mean(), abs=1e-7)
        assert value.summary["std"] == pytest.approx(expected.std(), rel=1e-6)
        assert value.summary["nonfinite"] == 0


@pytest.mark.parametrize(
    ("build", "shift", "scale"),
    [
        (lambda: nn.Sequential(nn.Linear(1, 1), nn.Sigmoid()), 8.0, 0.5),  # saturated: std 2e-4 near 1
        (lambda: nn.Sequential(nn.Linear(1, 1)), 100.0, 0.01),  # mean 100, std 0.01
    ],
)
def test_activation_std_does_not_cancel_when_the_mean_is_large(build, shift, scale):
    """E[x²] - E[x]² in float32 gave 0.0 for the sigmoid and 0.026 for the linear output."""
    import torch

    model = build()
    with gv.no_grad():
        model[0].weight.fill_(1.0)
        model[0].bias.fill_(shift)
    x = gv.tensor((np.random.RandomState(0).randn(4096, 1) * scale).astype(np.float32))
    recorder = Recorder(model)
    with recorder:
        out = model(x)
        out.sum().backward()
    expected = torch.from_numpy(out.detach().numpy()).std(unbiased=False).item()
    name = str(len(model) - 1)
    assert recorder.activation_stats("std")[name][-1] == pytest.approx(expected, rel=1e-3)
    assert recorder.activation_stats("mean")[name][-1] == pytest.approx(host(out).mean(), rel=1e-6)


def test_float16_histogram_with_a_range_beyond_float16():
    values = np.array([-60000, 60000, 0, 30000], np.float16)
    counts, edges = histogram(values, 4)
    expected_counts, expected_edges = np.histogram(values.astype(np.float64), 4)
    np.testing.assert_array_equal(counts, expected_counts)
    np.testing.assert_allclose(edges, expected_edges)

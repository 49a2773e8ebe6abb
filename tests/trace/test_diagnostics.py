"""Each diagnostic rule fires on the problem it names, points at the right layer, and stays quiet on a
healthy run (vanishing and NaN origins are covered with the known results in test_recorder.py)."""

import warnings

import numpy as np
import pytest

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import nn
from gradviz.trace import Recorder
from gradviz.trace.diagnostics import _weights_in_order


class Scale(nn.Module):
    """loss = w · c for a chosen c: its gradient norm and loss are whatever the test asks for."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(gv.ones(2))

    def forward(self, c):
        return (self.w * c).sum()


def findings_after(losses_scales, kind):
    """Run one backward per scale c (loss = w · c) and return the findings of ``kind``."""
    model = Scale()
    recorder = Recorder(model)
    with recorder:
        for c in losses_scales:
            model.zero_grad()
            model(gv.full((2,), float(c))).backward()
    return [f for f in recorder.diagnose() if f.kind == kind]


def layers(width, activation, scale=1.0, bias=0.0):
    model = nn.Sequential(nn.Linear(4, width), activation(), nn.Linear(width, 3))
    with gv.no_grad():
        model[0].weight.mul_(scale)
        model[2].weight.mul_(scale)
        model[0].bias.fill_(bias)
    return model


def one_step_findings(model, kind, x=None):
    gv.manual_seed(0)
    x = gv.randn(32, 4) if x is None else x
    recorder = Recorder(model)
    with recorder:
        F.cross_entropy(model(x), gv.randint(0, 3, (32,))).backward()
    return [f for f in recorder.diagnose() if f.kind == kind]


def test_exploding_above_the_ceiling_is_one_finding_at_the_largest_gradient():
    gv.manual_seed(0)
    model = layers(16, nn.ReLU, scale=1e4)
    (finding,) = one_step_findings(model, "exploding", x=gv.randn(32, 4) * 100)
    above = finding.evidence["above_ceiling"]
    assert len(above) >= 2 and finding.layer == max(above, key=above.get)
    assert f"{len(above) - 1} other parameters" in finding.message and "clip_grad_norm_" in finding.message


def test_exploding_growth_step_after_step():
    (finding,) = findings_after([1, 2, 4, 8, 16], "exploding")
    assert finding.layer is None and "16-fold" in finding.message
    assert not findings_after([1, 2, 4, 3, 16], "exploding")


def test_no_exploding_on_a_healthy_net():
    gv.manual_seed(0)
    assert not one_step_findings(layers(16, nn.ReLU), "exploding")


def test_dead_relu_names_the_relu_whose_outputs_are_all_zero():
    gv.manual_seed(0)
    (finding,) = one_step_findings(layers(16, nn.ReLU, bias=-100.0), "dead_relu")
    assert finding.op == "relu" and finding.layer == "1" and finding.evidence["fraction"] == 1.0
    gv.manual_seed(0)
    assert not one_step_findings(layers(16, nn.ReLU), "dead_relu")


def test_saturated_sigmoid_and_tanh():
    for activation, op in ((nn.Sigmoid, "sigmoid"), (nn.Tanh, "tanh")):
        gv.manual_seed(0)
        (finding,) = one_step_findings(layers(16, activation, scale=100.0), "saturated")
        assert finding.op == op and finding.layer == "1" and finding.evidence["fraction"] >= 0.9
        gv.manual_seed(0)
        assert not one_step_findings(layers(16, activation, scale=0.1), "saturated")


def test_diverging_loss():
    (finding,) = findings_after([1, 2, 4, 8], "diverging")
    assert finding.evidence["losses"] == [2.0, 4.0, 8.0, 16.0]
    assert not findings_after([8, 4, 2, 1], "diverging")


def test_oscillating_loss_but_not_a_decreasing_one():
    (finding,) = findings_after([1, 3] * 5, "oscillating")
    assert "learning rate" in finding.message
    assert not findings_after([10, 9.5, 9.7, 8, 8.2, 6, 6.1, 4, 4.2, 2], "oscillating")


def test_mini_batch_noise_after_the_loss_came_down_is_not_oscillation():
    rng = np.random.default_rng(0)
    noisy_plateau = list(np.linspace(3, 0.3, 40)) + list(0.3 + 0.15 * rng.choice([-1, 1], 20))
    assert not findings_after(noisy_plateau, "oscillating")
    came_down_then_bounced = list(np.linspace(3, 0.3, 40)) + [0.3, 2.0] * 10
    assert findings_after(came_down_then_bounced, "oscillating")


def test_infinite_norms_are_exploding_not_vanishing_and_raise_no_warning():
    model = layers(16, nn.ReLU)
    recorder = Recorder(model)
    with recorder, np.errstate(over="ignore", invalid="ignore"):
        F.cross_entropy(model(gv.full((8, 4), 1e38)), gv.zeros(8, dtype=gv.int64)).backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        findings = recorder.diagnose()
    assert not [f for f in findings if f.kind == "vanishing"]
    assert [f for f in findings if f.kind == "exploding"]


class HeadFirst(nn.Module):
    """A head registered before the body it follows: registration order is not data-flow order."""

    def __init__(self):
        super().__init__()
        self.head = nn.Linear(16, 3)
        self.body = nn.ModuleList([nn.Linear(2 if i == 0 else 16, 16) for i in range(8)])

    def forward(self, x):
        for layer in self.body:
            x = gv.sigmoid(layer(x))
        return self.head(x)


def vanishing_recorder():
    gv.manual_seed(0)
    model = HeadFirst()
    x, y = gv.data.datasets.spirals(n_samples=60).tensors
    recorder = Recorder(model)
    with recorder:
        (F.cross_entropy(model(x), y) * 1000).backward()
    return recorder


def test_vanishing_follows_the_data_flow_not_the_registration_order():
    found = [f for f in vanishing_recorder().diagnose() if f.kind == "vanishing"]
    assert found and found[0].layer == "body.0.weight"
    assert found[0].evidence["last_layer"] == "head.weight"


def test_a_loaded_recording_diagnoses_vanishing_as_the_live_one(tmp_path):
    recorder = vanishing_recorder()
    recorder.save(tmp_path / "run.gvz")
    loaded = Recorder.load(tmp_path / "run.gvz")
    live = [f for f in recorder.diagnose() if f.kind == "vanishing"]
    assert [(f.layer, f.evidence) for f in loaded.diagnose() if f.kind == "vanishing"] == [
        (f.layer, f.evidence) for f in live
    ]
    loaded.graphs.clear()  # without the graph, the saved dimensions still leave the biases out
    loaded.graph_of_step = type(loaded.graph_of_step)(loaded.graph_of_step.max_steps)
    weights = [name for name, _ in _weights_in_order(loaded)]
    assert weights and not any(name.endswith("bias") for name in weights)


def recorded_losses(losses):
    recorder = Recorder()
    for step, loss in enumerate(losses):
        recorder.store.append(step, {("loss",): float(loss)})
    return [f for f in recorder.diagnose(["oscillating"]) if f.kind == "oscillating"]


@pytest.mark.parametrize("extra", [0, 1], ids=["whole-periods", "half-period-more"])
@pytest.mark.parametrize("pattern", [[2.0, 1.0], [3.0, 1.0], [1.0, 2.0]])
def test_oscillation_is_found_whatever_its_phase(pattern, extra):
    """Comparing the halves of the window found [2, 1]*20 + [2] but not [2, 1]*20."""
    assert recorded_losses(pattern * 20 + pattern[:extra])


def test_a_decreasing_loss_smooth_or_noisy_is_not_oscillation():
    rng = np.random.default_rng(1)
    assert not recorded_losses(np.linspace(3, 0.5, 40))
    steps = np.arange(40)
    noisy = 3 * np.exp(-steps / 15) + 0.2 * (-1.0) ** steps * np.exp(-steps / 15) + 0.01 * rng.random(40)
    assert not recorded_losses(noisy)

"""Loss modules against PyTorch's: values and input gradients (float64), state_dict keys, reprs."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.nn import layers
from tests.oracle import host

rng = np.random.default_rng(0)


def _classes(shape, classes, ignored=None):
    target = rng.integers(0, classes, shape)
    if ignored is not None:
        target.flat[::3] = ignored
    return target


def _cases():
    """(class name, kwargs with numpy arrays for tensors, input, target)."""
    logits, logits_3d = rng.standard_normal((6, 4)), rng.standard_normal((3, 4, 5))
    log_probs = torch.log_softmax(torch.tensor(logits), 1).numpy()
    weights = rng.uniform(0.5, 2, 4)
    real, real_target = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    binary = rng.integers(0, 2, (3, 5)).astype(float)
    return [
        ("CrossEntropyLoss", {}, logits, _classes(6, 4)),
        ("CrossEntropyLoss", {"weight": weights, "ignore_index": 2}, logits, _classes(6, 4, ignored=2)),
        ("CrossEntropyLoss", {"label_smoothing": 0.2, "weight": weights}, logits, _classes(6, 4)),
        ("CrossEntropyLoss", {"reduction": "none"}, logits_3d, _classes((3, 5), 4)),
        ("CrossEntropyLoss", {"reduction": "sum"}, logits, rng.dirichlet(np.ones(4), 6)),
        ("NLLLoss", {}, log_probs, _classes(6, 4)),
        ("NLLLoss", {"weight": weights, "ignore_index": 1, "reduction": "sum"}, log_probs, _classes(6, 4)),
        ("MSELoss", {}, real, real_target),
        ("MSELoss", {"reduction": "none"}, real, real_target),
        ("L1Loss", {"reduction": "sum"}, real, real_target),
        ("L1Loss", {}, real, real_target),
        ("BCEWithLogitsLoss", {}, real, binary),
        (
            "BCEWithLogitsLoss",
            {"weight": rng.uniform(0, 1, 5), "pos_weight": rng.uniform(1, 3, 5)},
            real,
            binary,
        ),
        ("BCEWithLogitsLoss", {"reduction": "none", "pos_weight": rng.uniform(1, 3, 5)}, real, binary),
    ]


CASES = _cases()


def _case_id(case):
    return f"{case[0]}-{sorted(case[1])}"


def _build(case, device="cpu"):
    name, kwargs = case[0], case[1]
    torch_loss = getattr(torch.nn, name)(**{k: _torch(v) for k, v in kwargs.items()})
    gv_loss = getattr(layers, name)(**{k: _gv(v) for k, v in kwargs.items()})
    return torch_loss, gv_loss.to(device)


def _torch(value):
    return torch.tensor(value) if isinstance(value, np.ndarray) else value


def _gv(value):
    return gv.tensor(value) if isinstance(value, np.ndarray) else value


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_loss_matches_pytorch(case, device):
    torch_loss, gv_loss = _build(case, device)
    x, target = case[2], case[3]
    x_torch = torch.tensor(x, requires_grad=True)
    x_gv = gv.tensor(x, device=device, requires_grad=True)
    expected = torch_loss(x_torch, torch.tensor(target))
    actual = gv_loss(x_gv, gv.tensor(target, device=device))
    np.testing.assert_allclose(host(actual), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = rng.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))
    actual.backward(gv.tensor(upstream, device=device))
    np.testing.assert_allclose(host(x_gv.grad), x_torch.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_state_dict_keys_and_repr_equal_pytorch(case):
    torch_loss, gv_loss = _build(case)
    assert list(gv_loss.state_dict()) == list(torch_loss.state_dict())
    assert repr(gv_loss) == repr(torch_loss)
    assert gv_loss.reduction == torch_loss.reduction


def test_class_weights_are_buffers_that_move_with_the_module():
    loss = layers.CrossEntropyLoss(weight=gv.ones(3)).to("sim")
    assert loss.weight.device == gv.device("sim")
    assert [name for name, _ in loss.named_buffers()] == ["weight"]


@pytest.mark.parametrize(
    ("legacy", "reduction"),
    [({"size_average": False}, "sum"), ({"reduce": False}, "none"), ({"size_average": True}, "mean")],
)
def test_legacy_size_average_and_reduce_become_reduction(legacy, reduction):
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        loss = layers.MSELoss(**legacy)
    assert loss.reduction == reduction


def test_cross_entropy_is_log_softmax_then_nll():
    logits, target = gv.tensor(rng.standard_normal((4, 3))), gv.tensor([0, 2, 1, 1])
    composed = layers.NLLLoss()(layers.LogSoftmax(dim=1)(logits), target)
    np.testing.assert_allclose(host(layers.CrossEntropyLoss()(logits, target)), host(composed))

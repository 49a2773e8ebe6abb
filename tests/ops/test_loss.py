import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import gradviz as gv
import gradviz.nn.functional as F
from tests.oracle import check, host

rng = np.random.default_rng(0)
CLASS_SHAPES = [(5, 4), (3, 4, 2, 2), (4,)]
REDUCTIONS = ["mean", "sum", "none"]


def _targets(shape, ignored):
    target = rng.integers(0, 4, (shape[0],) + shape[2:] if len(shape) > 1 else ())
    if ignored and target.ndim:
        target.flat[0] = -100
    return target


def _class_weights(weighted, device):
    w = rng.uniform(0.5, 2.0, 4) if weighted else None
    return (None, None) if w is None else (gv.tensor(w, device=device), torch.tensor(w))


@pytest.mark.parametrize("shape", CLASS_SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignored", [False, True])
def test_nll_loss(shape, reduction, weighted, ignored, device):
    gw, tw = _class_weights(weighted, device)
    check(
        lambda x, t: F.nll_loss(x, t, gw, reduction=reduction),
        lambda x, t: TF.nll_loss(x, t, tw, reduction=reduction),
        rng.standard_normal(shape),
        _targets(shape, ignored),
        device=device,
    )


@pytest.mark.parametrize("shape", CLASS_SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_with_class_indices(shape, reduction, weighted, smoothing, device):
    gw, tw = _class_weights(weighted, device)
    check(
        lambda x, t: F.cross_entropy(
            x, t, gw, ignore_index=1, reduction=reduction, label_smoothing=smoothing
        ),
        lambda x, t: TF.cross_entropy(
            x, t, tw, ignore_index=1, reduction=reduction, label_smoothing=smoothing
        ),
        rng.standard_normal(shape) * 3,
        np.array(_targets(shape, False) | 2),
        device=device,
    )


@pytest.mark.parametrize("shape", CLASS_SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_with_probabilities(shape, reduction, weighted, smoothing, device):
    gw, tw = _class_weights(weighted, device)
    check(
        lambda x, p: F.cross_entropy(x, p, gw, reduction=reduction, label_smoothing=smoothing),
        lambda x, p: TF.cross_entropy(x, p, tw, reduction=reduction, label_smoothing=smoothing),
        rng.standard_normal(shape),
        rng.uniform(0, 1, shape),
        device=device,
    )


def test_all_ignored_mean_is_nan_with_zero_gradient(device):
    x = gv.randn(2, 3, device=device, requires_grad=True)
    loss = F.cross_entropy(x, gv.tensor([-100, -100], device=device))
    loss.backward()
    assert np.isnan(loss.item()) and x.grad.tolist() == [[0.0] * 3] * 2


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2, 1.0])
def test_all_ignored_with_label_smoothing_matches_pytorch(reduction, weighted, smoothing, device):
    gw, tw = _class_weights(weighted, device)
    check(
        lambda x, t: F.cross_entropy(x, t, gw, reduction=reduction, label_smoothing=smoothing),
        lambda x, t: TF.cross_entropy(x, t, tw, reduction=reduction, label_smoothing=smoothing),
        rng.standard_normal((3, 4)),
        np.full(3, -100),
        device=device,
        gradcheck=False,
    )


def test_cross_entropy_is_log_softmax_then_nll_loss():
    loss = F.cross_entropy(gv.randn(3, 4, requires_grad=True), gv.tensor([0, 3, 1]))
    assert loss.grad_fn.name == "nll_loss"
    assert loss.grad_fn.next_functions[0][0].name == "log_softmax"


def test_loss_second_derivatives():
    x, y = (gv.tensor(rng.standard_normal((3, 4)), requires_grad=True) for _ in range(2))
    target = gv.tensor([0, 3, 1])
    assert gv.autograd.gradgradcheck(lambda a: F.cross_entropy(a, target, label_smoothing=0.1), [x])
    assert gv.autograd.gradgradcheck(F.binary_cross_entropy_with_logits, [x, y])
    assert gv.autograd.gradgradcheck(F.mse_loss, [x, y])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_pointwise_losses(name, reduction, device):
    x, y, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(0.1, 1, (3, 4))
    check(
        lambda a, b: getattr(F, name)(a, b, reduction=reduction),
        lambda a, b: getattr(TF, name)(a, b, reduction=reduction),
        x,
        y,
        device=device,
    )
    check(
        lambda a, b, c: getattr(F, name)(a, b, reduction=reduction, weight=c),
        lambda a, b, c: getattr(TF, name)(a, b, reduction=reduction, weight=c),
        x,
        y,
        w,
        device=device,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_with_logits(reduction, weighted, device):
    w, pos = rng.uniform(0.1, 1, (3, 4)), rng.uniform(0.5, 2, 4)
    extra = {"weight": w, "pos_weight": pos} if weighted else {}
    check(
        lambda x, t: F.binary_cross_entropy_with_logits(
            x, t, reduction=reduction, **{k: gv.tensor(v, device=device) for k, v in extra.items()}
        ),
        lambda x, t: TF.binary_cross_entropy_with_logits(
            x, t, reduction=reduction, **{k: torch.tensor(v) for k, v in extra.items()}
        ),
        rng.standard_normal((3, 4)) * 30,
        rng.uniform(0, 1, (3, 4)),
        device=device,
    )


def test_class_target_errors():
    logits = gv.ones(2, 3)
    with pytest.raises(IndexError, match=r"cross_entropy: target 3 is out of bounds for 3 classes.*\[0, 2\]"):
        F.cross_entropy(logits, gv.tensor([0, 3]))
    with pytest.raises(IndexError, match=r"nll_loss: target -1 is out of bounds"):
        F.nll_loss(logits, gv.tensor([0, -1]))
    with pytest.raises(
        TypeError, match=r"cross_entropy: class-index targets must be int64.*float32.*\(2, 3\)"
    ):
        F.cross_entropy(logits, gv.tensor([0.0, 1.0]))
    with pytest.raises(
        RuntimeError,
        match=r"cross_entropy: input of shape \(2, 3\) needs a class-index target of shape \(2,\), got",
    ):
        F.cross_entropy(logits, gv.tensor([0, 1, 1]))
    with pytest.raises(
        TypeError, match=r"cross_entropy: a target of the input's shape \(2, 3\).*got gradviz.int64"
    ):
        F.cross_entropy(logits, gv.tensor([[0, 1, 1], [1, 0, 0]]))
    with pytest.raises(RuntimeError, match=r"nll_loss: weight has shape \(2,\); expected.*\(3,\)"):
        F.nll_loss(logits, gv.tensor([0, 1]), weight=gv.ones(2))


def test_reduction_and_shape_errors():
    with pytest.raises(ValueError, match=r"avg is not a valid value for reduction"):
        F.mse_loss(gv.ones(2), gv.ones(2), reduction="avg")
    with pytest.raises(
        ValueError, match=r"target size \(\(3,\)\) must be the same as input size \(\(2, 3\)\)"
    ):
        F.binary_cross_entropy_with_logits(gv.ones(2, 3), gv.ones(3))
    with pytest.warns(UserWarning, match=r"mse_loss: using a target size \(\(3,\)\)"):
        F.mse_loss(gv.ones(2, 3), gv.ones(3))
    with pytest.raises(ValueError, match=r"l1_loss: weight of shape \(3,\) and input of shape \(2, 3\)"):
        F.l1_loss(gv.ones(2, 3), gv.ones(2, 3), weight=gv.ones(3))


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("dtype", ["int32", "int16", "int8", "uint8", "int64"])
def test_class_index_targets_take_the_dtypes_pytorch_takes(loss, dtype):
    logits = rng.standard_normal((3, 4))
    target = np.array([0, 3, 1]).astype(dtype)
    gv_args = gv.tensor(logits), gv.tensor(target)
    torch_args = torch.tensor(logits), torch.tensor(target)
    try:
        expected = getattr(torch.nn.functional, loss)(*torch_args)
    except RuntimeError:
        with pytest.raises(
            TypeError, match=rf"{loss}: class-index targets must be int64.*{dtype}.*target.long"
        ):
            getattr(F, loss)(*gv_args)
        return
    np.testing.assert_allclose(host(getattr(F, loss)(*gv_args)), expected.numpy(), rtol=1e-12)

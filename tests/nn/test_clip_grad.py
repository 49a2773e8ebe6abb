"""Gradient clipping against PyTorch: the returned total norm and the clipped gradients."""

import math

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.nn.utils import clip_grad_norm_, clip_grad_value_
from tests.oracle import host


def _pair(device, scale=1.0, with_gradless=True):
    """Three parameters with gradients (and one without), in gradviz and in PyTorch."""
    rng = np.random.default_rng(1)
    shapes = [(3, 4), (5,), ()]
    values = [rng.standard_normal(s) for s in shapes]
    grads = [scale * rng.standard_normal(s) for s in shapes]
    ours = [gv.tensor(v, device=device, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    for p, t, g in zip(ours, theirs, grads):
        p.grad, t.grad = gv.tensor(g, device=device), torch.tensor(g)
    if with_gradless:
        ours.append(gv.ones(2, device=device, requires_grad=True))
        theirs.append(torch.ones(2, requires_grad=True))
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf", 0, -math.inf, 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_pytorch(norm_type, max_norm, device):
    ours, theirs = _pair(device)
    norm_type = float(norm_type)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, gv.Tensor) and total.shape == () and total.device == gv.device(device)
    np.testing.assert_allclose(host(total), expected.numpy(), rtol=1e-12)
    for p, t in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(host(p.grad), t.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert ours[3].grad is None
    if max_norm < float(expected) and norm_type != 0:  # scaling does not change a count of non-zeros
        clipped = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
        assert float(clipped) == pytest.approx(max_norm, rel=1e-5)


def test_clip_grad_norm_leaves_small_gradients_alone():
    ours, _ = _pair("cpu", scale=1e-3, with_gradless=False)
    before = [host(p.grad).copy() for p in ours]
    clip_grad_norm_(ours, max_norm=1.0)
    for p, b in zip(ours, before):
        np.testing.assert_array_equal(host(p.grad), b)


def test_clip_grad_norm_of_a_single_tensor_and_of_nothing():
    x = gv.tensor([3.0, 4.0], requires_grad=True)
    x.grad = gv.tensor([3.0, 4.0])
    assert float(clip_grad_norm_(x, max_norm=1.0)) == pytest.approx(5.0)
    np.testing.assert_allclose(host(x.grad), [0.6, 0.8], rtol=1e-6)
    assert float(clip_grad_norm_([gv.zeros(2, requires_grad=True)], 1.0)) == 0.0


def test_clip_grad_norm_error_if_nonfinite():
    x = gv.tensor([1.0, 2.0], requires_grad=True)
    x.grad = gv.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([x], 1.0, error_if_nonfinite=True)
    with np.errstate(invalid="ignore"):
        assert math.isinf(float(clip_grad_norm_([x], 1.0)))


def test_clip_grad_value_matches_pytorch(device):
    ours, theirs = _pair(device, scale=2.0)
    assert clip_grad_value_(ours, 0.7) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, t in zip(ours[:3], theirs[:3]):
        np.testing.assert_array_equal(host(p.grad), t.grad.numpy())
        assert p.grad.device == gv.device(device)
    assert ours[3].grad is None
    assert float(ours[0].grad.abs().max()) == 0.7


def test_clipping_is_not_recorded_in_a_graph():
    x = gv.tensor([3.0, 4.0], requires_grad=True)
    (x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    clip_grad_norm_([x], 1.0)
    clip_grad_value_([x], 0.5)
    np.testing.assert_allclose(host(x.grad.detach()), [0.5, 0.5], rtol=1e-6)


@pytest.mark.parametrize("foreach", [None, False, True])
def test_foreach_is_accepted_as_pytorch_accepts_it_on_cpu(foreach):
    ours, theirs = _pair("cpu", scale=2.0)
    total = clip_grad_norm_(ours, 0.5, foreach=foreach)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 0.5, foreach=foreach)
    np.testing.assert_allclose(host(total), expected.numpy(), rtol=1e-12)
    clip_grad_value_(ours, 0.1, foreach=foreach)
    torch.nn.utils.clip_grad_value_(theirs, 0.1, foreach=foreach)
    for p, t in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(host(p.grad), t.grad.numpy(), rtol=1e-12)

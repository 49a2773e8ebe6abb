import numpy as np
import pytest
import torch
import torch.nn.functional as F

import gradviz as gv
from gradviz.ops.conv import conv2d
from tests.oracle import check

rng = np.random.default_rng(0)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")

CONFIGS = [
    # (input shape, weight shape, keyword arguments)
    ((2, 2, 5, 5), (3, 2, 3, 3), {}),
    ((1, 2, 5, 5), (3, 2, 3, 3), {"stride": 2}),
    ((2, 2, 5, 5), (3, 2, 3, 3), {"padding": 1}),
    ((2, 2, 5, 4), (3, 2, 2, 3), {"padding": (1, 2)}),
    ((2, 2, 6, 5), (2, 2, 3, 2), {"stride": (2, 1), "padding": 1}),
    ((2, 2, 7, 6), (2, 2, 2, 2), {"dilation": 2, "padding": (0, 1)}),
    ((2, 1, 5, 5), (2, 1, 1, 1), {}),
    ((2, 2, 5, 5), (2, 2, 4, 2), {"padding": "same"}),
    ((2, 2, 5, 5), (2, 2, 3, 3), {"padding": "same", "dilation": 2}),
    ((2, 2, 5, 5), (2, 2, 3, 3), {"padding": "valid"}),
]


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("shapes", CONFIGS)
def test_conv2d_matches_pytorch(shapes, with_bias, device):
    x_shape, w_shape, kwargs = shapes
    inputs = [rng.standard_normal(x_shape), rng.standard_normal(w_shape)]
    if with_bias:
        inputs.append(rng.standard_normal(w_shape[0]))
    check(lambda *a: conv2d(*a, **kwargs), lambda *a: F.conv2d(*a, **kwargs), *inputs, device=device)


@pytest.mark.parametrize(
    "kwargs", [{"stride": 2, "padding": 1}, {"stride": (1, 3), "padding": (2, 0), "dilation": (1, 2)}]
)
def test_conv2d_larger_batch_without_gradcheck(kwargs, device):
    x, w, b = rng.standard_normal((4, 3, 11, 9)), rng.standard_normal((5, 3, 3, 3)), rng.standard_normal(5)
    check(
        lambda *a: conv2d(*a, **kwargs),
        lambda *a: F.conv2d(*a, **kwargs),
        x,
        w,
        b,
        device=device,
        gradcheck=False,
    )


def test_conv2d_unbatched_input(device):
    x, w = rng.standard_normal((2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    check(lambda a, b: conv2d(a, b, padding=1), lambda a, b: F.conv2d(a, b, padding=1), x, w, device=device)


def test_conv2d_float32_keeps_dtype():
    x, w = gv.randn(2, 3, 6, 6), gv.randn(4, 3, 3, 3)
    out = conv2d(x, w, padding=1)
    assert out.dtype == gv.float32
    expected = F.conv2d(torch.tensor(x.numpy()), torch.tensor(w.numpy()), padding=1)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), atol=1e-5)


def test_conv2d_second_derivatives():
    x = gv.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    w = gv.tensor(rng.standard_normal((2, 2, 3, 3)), requires_grad=True)
    b = gv.tensor(rng.standard_normal(2), requires_grad=True)
    assert gv.autograd.gradgradcheck(lambda a, k, c: conv2d(a, k, c, stride=2, padding=1), (x, w, b))


def test_conv2d_rejects_channel_mismatch():
    with pytest.raises(
        RuntimeError, match=r"conv2d: input has 3 channels but weight expects 4 \(weight shape \(8, 4, 3, 3\)"
    ):
        conv2d(gv.zeros(1, 3, 5, 5), gv.zeros(8, 4, 3, 3))


def test_conv2d_rejects_kernel_larger_than_padded_input():
    with pytest.raises(RuntimeError, match=r"conv2d: the kernel 5x5 .* larger than the padded input 4x4"):
        conv2d(gv.zeros(1, 1, 2, 2), gv.zeros(1, 1, 5, 5), padding=1)


def test_conv2d_rejects_bad_ranks_bias_and_groups():
    with pytest.raises(
        RuntimeError, match=r"conv2d: expected a 3-D \(C, H, W\) or 4-D .* got shape \(5, 5\)"
    ):
        conv2d(gv.zeros(5, 5), gv.zeros(1, 1, 3, 3))
    with pytest.raises(RuntimeError, match=r"conv2d: expected a 4-D weight .* got shape \(3, 3\)"):
        conv2d(gv.zeros(1, 1, 5, 5), gv.zeros(3, 3))
    with pytest.raises(RuntimeError, match=r"conv2d: bias has shape \(3,\) .* pass a bias of shape \(2,\)"):
        conv2d(gv.zeros(1, 1, 5, 5), gv.zeros(2, 1, 3, 3), gv.zeros(3))
    with pytest.raises(ValueError, match=r"conv2d: out_channels \(3\) must be divisible by groups=2"):
        conv2d(gv.zeros(1, 2, 5, 5), gv.zeros(3, 1, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match=r"conv2d: given groups=2, .* to have 2 channels, but got 3"):
        conv2d(gv.zeros(1, 3, 5, 5), gv.zeros(2, 1, 3, 3), groups=2)
    with pytest.raises(ValueError, match=r"conv2d: groups must be a positive int, got groups=0"):
        conv2d(gv.zeros(1, 2, 5, 5), gv.zeros(2, 1, 3, 3), groups=0)


def test_conv2d_rejects_bad_arguments():
    x, w = gv.zeros(1, 1, 5, 5), gv.zeros(1, 1, 3, 3)
    with pytest.raises(ValueError, match=r"conv2d: padding='same' needs stride 1"):
        conv2d(x, w, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"conv2d: stride must be at least 1"):
        conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match=r"conv2d: padding must be an int or a pair of ints"):
        conv2d(x, w, padding=(1, 1, 1))
    with pytest.raises(
        TypeError, match=r"conv2d: input, weight and bias must share one floating-point dtype"
    ):
        conv2d(x, w.double())

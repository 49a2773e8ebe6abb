import numpy as np
import pytest
import torch
import torch.nn.functional as F

import gradviz as gv
from gradviz.ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from tests.oracle import check

rng = np.random.default_rng(0)

MAX_CONFIGS = [
    ((2, 2, 5, 5), {"kernel_size": 2}),
    ((1, 2, 5, 6), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 2, 5, 5), {"kernel_size": (2, 3), "stride": 1, "padding": (1, 0)}),
    ((2, 2, 6, 5), {"kernel_size": 2, "stride": 1, "dilation": 2}),
    ((2, 2, 5, 5), {"kernel_size": 2, "ceil_mode": True}),
    ((2, 2, 6, 6), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((2, 5, 5), {"kernel_size": 2, "stride": 1}),
]

AVG_CONFIGS = MAX_CONFIGS[:3] + [
    ((2, 2, 5, 5), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ((2, 2, 5, 5), {"kernel_size": 2, "ceil_mode": True}),
    (
        (2, 2, 6, 6),
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    ),
    ((2, 2, 5, 5), {"kernel_size": 2, "divisor_override": 3}),
    ((2, 5, 5), {"kernel_size": 2, "stride": 1}),
]


@pytest.mark.parametrize("shape, kwargs", MAX_CONFIGS)
def test_max_pool2d_matches_pytorch(shape, kwargs, device):
    x = rng.permutation(np.arange(np.prod(shape), dtype=np.float64)).reshape(shape) / 7
    check(lambda a: max_pool2d(a, **kwargs), lambda a: F.max_pool2d(a, **kwargs), x, device=device)


def test_max_pool2d_ties_send_the_gradient_to_the_first_maximum(device):
    x = np.ones((1, 1, 4, 4))
    check(lambda a: max_pool2d(a, 2, 1), lambda a: F.max_pool2d(a, 2, 1), x, device=device, gradcheck=False)


@pytest.mark.parametrize("stride", [1, 2])
def test_max_pool2d_ties_and_nan_follow_pytorch(stride, device):
    x = np.ones((1, 2, 4, 4))
    x[0, 1, 1, 0] = x[0, 1, 2, 3] = x[0, 1, 3, 2] = np.nan
    x[0, 0, :2, 2:] = 5.0
    check(
        lambda a: max_pool2d(a, 2, stride),
        lambda a: F.max_pool2d(a, 2, stride),
        x,
        device=device,
        gradcheck=False,
    )


def test_max_pool2d_overlapping_windows_accumulate_gradient(device):
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 2, 2] = 1.0
    check(
        lambda a: max_pool2d(a, 3, 1, 1),
        lambda a: F.max_pool2d(a, 3, 1, 1),
        x,
        device=device,
        gradcheck=False,
    )


@pytest.mark.parametrize(
    "kwargs", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2}]
)
def test_max_pool2d_return_indices(kwargs, device):
    x = rng.standard_normal((2, 3, 9, 8))
    out, indices = max_pool2d(gv.tensor(x, device=device), return_indices=True, **kwargs)
    expected, expected_indices = F.max_pool2d(torch.tensor(x), return_indices=True, **kwargs)
    np.testing.assert_array_equal(gv.backend.to_host(indices._data), expected_indices.numpy())
    assert indices.dtype == gv.int64
    np.testing.assert_allclose(gv.backend.to_host(out._data), expected.numpy())


@pytest.mark.parametrize("shape, kwargs", AVG_CONFIGS)
def test_avg_pool2d_matches_pytorch(shape, kwargs, device):
    x = rng.standard_normal(shape)
    check(lambda a: avg_pool2d(a, **kwargs), lambda a: F.avg_pool2d(a, **kwargs), x, device=device)


@pytest.mark.parametrize(
    "shape, output_size",
    [
        ((2, 2, 6, 6), 1),
        ((2, 2, 6, 4), (3, 2)),
        ((2, 2, 5, 7), (3, 4)),
        ((2, 2, 5, 5), (None, 2)),
        ((2, 4, 4), 3),
    ],
)
def test_adaptive_avg_pool2d_matches_pytorch(shape, output_size, device):
    x = rng.standard_normal(shape)
    check(
        lambda a: adaptive_avg_pool2d(a, output_size),
        lambda a: F.adaptive_avg_pool2d(a, output_size),
        x,
        device=device,
    )


def test_larger_batches_without_gradcheck(device):
    x = rng.standard_normal((8, 4, 12, 10))
    for gv_fn, torch_fn in [
        (lambda a: max_pool2d(a, 2), lambda a: F.max_pool2d(a, 2)),
        (lambda a: avg_pool2d(a, 3, 2, 1), lambda a: F.avg_pool2d(a, 3, 2, 1)),
        (lambda a: adaptive_avg_pool2d(a, (5, 3)), lambda a: F.adaptive_avg_pool2d(a, (5, 3))),
    ]:
        check(gv_fn, torch_fn, x, device=device, gradcheck=False)


def test_pooling_second_derivatives():
    x = gv.tensor(rng.standard_normal((1, 2, 5, 5)), requires_grad=True)
    for fn in (
        lambda a: max_pool2d(a, 3, 2, 1) ** 2,
        lambda a: avg_pool2d(a, 3, 2, 1, count_include_pad=False) ** 2,
        lambda a: adaptive_avg_pool2d(a, (2, 3)) ** 2,
    ):
        assert gv.autograd.gradgradcheck(fn, (x,))


def test_pooling_rejects_bad_input():
    with pytest.raises(
        RuntimeError, match=r"max_pool2d: expected a 3-D \(C, H, W\) or 4-D .* got shape \(4, 4\)"
    ):
        max_pool2d(gv.zeros(4, 4), 2)
    with pytest.raises(
        ValueError, match=r"avg_pool2d: padding \(2, 2\) must be at most half the kernel size"
    ):
        avg_pool2d(gv.zeros(1, 1, 8, 8), 3, padding=2)
    with pytest.raises(RuntimeError, match=r"max_pool2d: the kernel 5x5 .* larger than the padded input 4x4"):
        max_pool2d(gv.zeros(1, 1, 2, 2), 5, padding=1)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: output_size must be an int or a pair"):
        adaptive_avg_pool2d(gv.zeros(1, 1, 4, 4), (1, 2, 3))

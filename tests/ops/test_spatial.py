"""The 1-D convolution and pooling ops, adaptive max pooling, unfold/fold, conv_transpose2d,
interpolate, pixel (un)shuffle, group/instance norm and channel dropout against PyTorch: forward,
gradients, finite differences, second derivatives, and the errors."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.nn import functional as F
from tests.oracle import check, host

T = torch.nn.functional
rng = np.random.default_rng(2)


def a(*shape):
    return rng.standard_normal(shape)


# (id, gradviz call, torch call, inputs): the same arguments on both sides
CASES = [
    (
        "conv1d",
        lambda f, x, w, b: f.conv1d(x, w, b, stride=2, padding=1, dilation=2),
        (a(2, 3, 9), a(4, 3, 3), a(4)),
    ),
    ("conv1d-same", lambda f, x, w: f.conv1d(x, w, padding="same"), (a(3, 8), a(4, 3, 4))),
    ("conv1d-valid", lambda f, x, w: f.conv1d(x, w, padding="valid", stride=(3,)), (a(2, 3, 10), a(2, 3, 2))),
    ("max_pool1d", lambda f, x: f.max_pool1d(x, 3, 2, 1, ceil_mode=True, return_indices=True), (a(2, 3, 9),)),
    ("max_pool1d-dilated", lambda f, x: f.max_pool1d(x, 2, dilation=2), (a(3, 9),)),
    ("avg_pool1d", lambda f, x: f.avg_pool1d(x, 3, 2, 1, count_include_pad=False), (a(2, 3, 9),)),
    ("avg_pool1d-ceil", lambda f, x: f.avg_pool1d(x, 2, ceil_mode=True), (a(2, 3, 7),)),
    ("adaptive_avg_pool1d", lambda f, x: f.adaptive_avg_pool1d(x, 4), (a(2, 3, 7),)),
    ("adaptive_max_pool1d", lambda f, x: f.adaptive_max_pool1d(x, 4, True), (a(2, 3, 7),)),
    (
        "adaptive_max_pool2d",
        lambda f, x: f.adaptive_max_pool2d(x, (3, 4), return_indices=True),
        (a(2, 3, 7, 5),),
    ),
    ("adaptive_max_pool2d-grow", lambda f, x: f.adaptive_max_pool2d(x, (5, None)), (a(3, 3, 4),)),
    ("unfold", lambda f, x: f.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=2), (a(2, 3, 5, 6),)),
    ("unfold-unbatched", lambda f, x: f.unfold(x, 2), (a(3, 4, 4),)),
    ("fold", lambda f, x: f.fold(x, (5, 6), (2, 3), padding=1, stride=(1, 2)), (a(2, 12, 18),)),
    ("fold-unbatched", lambda f, x: f.fold(x, 4, 2, stride=2), (a(8, 4),)),
    (
        "conv_transpose2d",
        lambda f, x, w, b: f.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        (a(2, 3, 4, 5), a(3, 2, 3, 3), a(2)),
    ),
    (
        "conv_transpose2d-dilated",
        lambda f, x, w: f.conv_transpose2d(x, w, stride=(2, 1), dilation=2),
        (a(3, 4, 5), a(3, 2, 3, 2)),
    ),
    (
        "conv_transpose1d",
        lambda f, x, w, b: f.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1, dilation=2),
        (a(2, 3, 5), a(3, 2, 3), a(2)),
    ),
    ("conv_transpose1d-unbatched", lambda f, x, w: f.conv_transpose1d(x, w), (a(3, 4), a(3, 2, 2))),
    (
        "conv1d-groups",
        lambda f, x, w, b: f.conv1d(x, w, b, groups=2, padding=1),
        (a(2, 4, 7), a(6, 2, 3), a(6)),
    ),
    ("conv2d-depthwise", lambda f, x, w: f.conv2d(x, w, groups=3, stride=2), (a(2, 3, 6, 5), a(6, 1, 2, 2))),
    (
        "conv_transpose2d-groups",
        lambda f, x, w, b: f.conv_transpose2d(x, w, b, stride=2, groups=2),
        (a(2, 4, 3, 3), a(4, 3, 2, 2), a(6)),
    ),
    ("pixel_shuffle", lambda f, x: f.pixel_shuffle(x, 2), (a(2, 8, 3, 4),)),
    ("pixel_shuffle-batch-dims", lambda f, x: f.pixel_shuffle(x, 3), (a(2, 2, 9, 2, 1),)),
    ("pixel_unshuffle", lambda f, x: f.pixel_unshuffle(x, 2), (a(2, 2, 4, 6),)),
    ("group_norm", lambda f, x, w, b: f.group_norm(x, 2, w, b), (a(2, 4, 3, 3), a(4), a(4))),
    ("group_norm-plain", lambda f, x: f.group_norm(x, 3, eps=1e-3), (a(2, 6, 5),)),
    ("instance_norm", lambda f, x, w, b: f.instance_norm(x, weight=w, bias=b), (a(2, 4, 3, 3), a(4), a(4))),
    ("instance_norm-1d", lambda f, x: f.instance_norm(x, eps=1e-2), (a(3, 2, 5),)),
]
MODES = [
    ("nearest", None, (2, 3, 4, 6)),
    ("area", None, (2, 3, 4, 6)),
    ("area", None, (2, 3, 5)),
    ("nearest-exact", None, (2, 3, 4, 6)),
    ("bilinear", False, (2, 3, 4, 6)),
    ("bilinear", True, (2, 3, 4, 6)),
    ("nearest", None, (2, 3, 5)),
    ("linear", False, (2, 3, 5)),
    ("linear", True, (2, 3, 5)),
    ("nearest", None, (1, 2, 3, 2, 4)),
    ("trilinear", False, (1, 2, 3, 2, 4)),
]
SIZES = [
    {"size": 7},
    {"scale_factor": 2},
    {"scale_factor": 0.6},
    {"scale_factor": 1.7, "recompute_scale_factor": True},
]


@pytest.mark.parametrize("name,fn,inputs", CASES, ids=[c[0] for c in CASES])
def test_matches_pytorch(name, fn, inputs, device):
    check(lambda *xs: fn(F, *xs), lambda *xs: fn(T, *xs), *inputs, device=device)


@pytest.mark.parametrize("mode,align_corners,shape", MODES, ids=[f"{m}-{c}-{len(s)}d" for m, c, s in MODES])
@pytest.mark.parametrize("sizes", SIZES, ids=[str(s) for s in SIZES])
def test_interpolate_matches_pytorch(mode, align_corners, shape, sizes, device):
    def call(f, x):
        return f.interpolate(x, mode=mode, align_corners=align_corners, **sizes)

    check(lambda x: call(F, x), lambda x: call(T, x), a(*shape), device=device, gradcheck=len(shape) < 5)


@pytest.mark.parametrize("kwargs", [{"size": (3, 9)}, {"scale_factor": (0.5, 1.5)}], ids=str)
def test_interpolate_per_axis_sizes_and_factors(kwargs):
    check(
        lambda t: F.interpolate(t, mode="bilinear", **kwargs),
        lambda t: T.interpolate(t, mode="bilinear", **kwargs),
        a(2, 3, 4, 6),
    )


def test_interpolate_nearest_keeps_integer_dtypes():
    x = rng.integers(0, 100, (1, 2, 3, 4))
    out = F.interpolate(gv.tensor(x), scale_factor=(2, 1.5), mode="nearest")
    expected = T.interpolate(torch.tensor(x, dtype=torch.uint8), scale_factor=(2, 1.5), mode="nearest")
    assert out.dtype == gv.int64
    np.testing.assert_array_equal(host(out), expected.numpy())


def _second_derivatives(fn, *inputs):
    """Gradient of (sum of the gradients · a fixed tensor) w.r.t. the inputs: exercises create_graph."""
    gv_in = [gv.tensor(x, requires_grad=True) for x in inputs]
    t_in = [torch.tensor(x, requires_grad=True) for x in inputs]
    seed = a(*fn(T, *t_in).shape)
    results = []
    for f, xs, make in ((F, gv_in, gv.tensor), (T, t_in, torch.tensor)):
        out = (fn(f, *xs) * make(seed)) ** 2
        lib = gv.autograd if f is F else torch.autograd
        grads = lib.grad(out.sum(), xs, create_graph=True)
        total = sum((g * g).sum() for g in grads)
        results.append(lib.grad(total, xs))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(host(ours), theirs.numpy(), rtol=1e-8, atol=1e-10)


SECOND = [
    "conv1d",
    "conv_transpose2d",
    "unfold",
    "fold",
    "group_norm",
    "adaptive_max_pool2d",
    "pixel_shuffle",
]


@pytest.mark.parametrize("name", SECOND)
def test_second_derivatives_match_pytorch(name):
    _, fn, inputs = next(c for c in CASES if c[0] == name)
    first = (lambda f, *xs: fn(f, *xs)[0]) if name == "adaptive_max_pool2d" else fn
    _second_derivatives(first, *inputs)


def test_bilinear_second_derivatives_match_pytorch():
    _second_derivatives(lambda f, x: f.interpolate(x, scale_factor=1.5, mode="bilinear"), a(1, 2, 3, 4))


def test_gradgradcheck_of_the_fused_pairs():
    x, w = gv.tensor(a(1, 2, 4, 4), requires_grad=True), gv.tensor(a(2, 3, 2, 2), requires_grad=True)
    assert gv.autograd.gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2), [x, w])
    cols = gv.tensor(a(1, 8, 9), requires_grad=True)
    assert gv.autograd.gradgradcheck(lambda c: F.fold(c, 4, 2, stride=1), [cols])


def test_unfold_and_fold_are_one_op_each():
    x = gv.randn(1, 2, 4, 4, requires_grad=True)
    assert F.unfold(x, 2).grad_fn.name == "im2col"
    assert F.fold(F.unfold(x, 2), 4, 2).grad_fn.name == "col2im"


def test_instance_norm_updates_given_running_stats_like_pytorch():
    x = 2 + 3 * a(3, 2, 5)
    ours = [gv.zeros(2, dtype=gv.float64), gv.ones(2, dtype=gv.float64)]
    theirs = [torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)]
    F.instance_norm(gv.tensor(x), *ours, momentum=0.2)
    T.instance_norm(torch.tensor(x), *theirs, momentum=0.2)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(host(o), t.numpy())
    out = F.instance_norm(gv.tensor(x), *ours, use_input_stats=False)
    expected = T.instance_norm(torch.tensor(x), *theirs, use_input_stats=False)
    np.testing.assert_allclose(host(out), expected.numpy())


def test_max_pool1d_indices_match_pytorch():
    x = a(2, 3, 10)
    _, ours = F.max_pool1d(gv.tensor(x), 3, 2, padding=1, return_indices=True)
    _, theirs = T.max_pool1d(torch.tensor(x), 3, 2, padding=1, return_indices=True)
    np.testing.assert_array_equal(host(ours), theirs.numpy())
    assert ours.dtype == gv.int64


def test_adaptive_max_pool_takes_the_first_of_equal_maxima():
    x = np.zeros((1, 1, 5, 5))
    gx, tx = gv.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, idx = F.adaptive_max_pool2d(gx, 2, return_indices=True)
    t_out, t_idx = T.adaptive_max_pool2d(tx, 2, return_indices=True)
    np.testing.assert_array_equal(host(idx), t_idx.numpy())
    out.sum().backward()
    t_out.sum().backward()
    np.testing.assert_array_equal(host(gx.grad), tx.grad.numpy())


ERRORS = [
    (lambda: F.conv1d(gv.ones(2, 3, 4, 5), gv.ones(1, 3, 2)), "conv1d: expected a 2-D"),
    (lambda: F.conv1d(gv.ones(2, 3, 5), gv.ones(1, 3, 2, 2)), "conv1d: expected a 3-D weight"),
    (lambda: F.conv1d(gv.ones(2, 3, 5), gv.ones(1, 4, 2)), "input has 3 channels but weight expects 4"),
    (
        lambda: F.conv1d(gv.ones(2, 3, 5), gv.ones(1, 3, 2), stride=(1, 2)),
        "stride must be an int or a 1-tuple",
    ),
    (lambda: F.max_pool1d(gv.ones(2, 3, 4, 4), 2), "max_pool1d: expected a 2-D"),
    (
        lambda: F.conv_transpose1d(gv.ones(2, 3, 4), gv.ones(3, 2, 2, 2)),
        "conv_transpose1d: expected a 3-D weight",
    ),
    (lambda: F.avg_pool1d(gv.ones(1, 5), 2, padding=2), "padding"),
    (lambda: F.adaptive_max_pool2d(gv.ones(2, 3), 2), "adaptive_max_pool2d: expected a 3-D"),
    (lambda: F.adaptive_max_pool2d(gv.ones(1, 3, 3), 0), "output_size must be positive"),
    (lambda: F.unfold(gv.ones(2, 3), 2), "unfold: expected a 3-D"),
    (lambda: F.fold(gv.ones(1, 7, 9), 4, 2), "does not fit kernel_size"),
    (lambda: F.fold(gv.ones(1, 8, 5), 4, 2), "the number of sliding blocks"),
    (lambda: F.conv_transpose2d(gv.ones(1, 2, 3, 3), gv.ones(3, 2, 2, 2)), "input has 2 channels but weight"),
    (
        lambda: F.conv_transpose2d(gv.ones(1, 2, 3, 3), gv.ones(2, 2, 2, 2), stride=2, output_padding=2),
        "output_padding",
    ),
    (
        lambda: F.conv_transpose2d(gv.ones(1, 3, 3, 3), gv.ones(3, 2, 2, 2), groups=2),
        "in_channels \\(3\\) must be",
    ),
    (
        lambda: F.conv_transpose2d(gv.ones(1, 2, 3, 3), gv.ones(4, 2, 2, 2), groups=2),
        "to have 4 channels, but got 2",
    ),
    (lambda: F.conv_transpose2d(gv.ones(1, 2, 3, 3), gv.ones(2, 2, 2, 2), bias=gv.ones(3)), "bias has shape"),
    (
        lambda: F.interpolate(gv.ones(1, 1, 3, 3), scale_factor=2, mode="bicubic"),
        "mode 'bicubic' is not supported",
    ),
    (
        lambda: F.interpolate(gv.ones(1, 1, 3, 3), scale_factor=2, mode="bicubic"),
        "mode 'bicubic' is not supported",
    ),
    (lambda: F.interpolate(gv.ones(1, 1, 2, 3, 3), size=2, mode="area"), "'area' is not supported for 5-D"),
    (lambda: F.interpolate(gv.ones(1, 1, 3), scale_factor=2, mode="bilinear"), "needs a 4-D input"),
    (lambda: F.interpolate(gv.ones(1, 1, 3, 3)), "exactly one of size and scale_factor"),
    (lambda: F.interpolate(gv.ones(1, 1, 3, 3), size=(2, 3, 4)), "must have 2 values"),
    (lambda: F.interpolate(gv.ones(1, 1, 3, 3), size=2, align_corners=True), "align_corners option"),
    (lambda: F.interpolate(gv.ones(1, 1, 3, 3, dtype=gv.int64), size=2, mode="bilinear"), "floating-point"),
    (lambda: F.pixel_shuffle(gv.ones(1, 6, 2, 2), 2), "channels must divide by factor"),
    (lambda: F.pixel_unshuffle(gv.ones(1, 1, 3, 4), 2), "height and width must"),
    (lambda: F.group_norm(gv.ones(2, 6, 3), 4), "must divide into num_groups=4"),
    (lambda: F.group_norm(gv.ones(2, 6, 3), 3, weight=gv.ones(3)), "weight has shape"),
    (lambda: F.instance_norm(gv.ones(2, 3)), "instance_norm: expected an input of shape"),
    (lambda: F.instance_norm(gv.ones(2, 3, 1)), "more than 1 spatial element"),
]


@pytest.mark.parametrize("call,message", ERRORS, ids=[m for _, m in ERRORS])
def test_errors_name_the_op_and_the_problem(call, message):
    with pytest.raises((ValueError, TypeError, NotImplementedError, gv.errors.ShapeError), match=message):
        call()

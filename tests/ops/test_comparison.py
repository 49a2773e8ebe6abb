import operator

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.autograd import events
from gradviz.errors import DeviceError, DtypeError, IndexOutOfRangeError
from tests.oracle import check

rng = np.random.default_rng(0)
COMPARISONS = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3))]


def _with_ties(shape):
    return rng.integers(-2, 3, shape).astype(np.float64)


@pytest.mark.parametrize("name", COMPARISONS)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
def test_comparisons_broadcast_like_pytorch(name, shapes, device):
    a, b = (_with_ties(s) for s in shapes)
    for fn in (
        COMPARISONS[name],
        lambda x, y: getattr(x, name)(y),
        lambda x, y: getattr(gv if isinstance(x, gv.Tensor) else torch, name)(x, y),
    ):
        out = check(fn, fn, a, b, device=device, grad=False)[0]
        assert out.dtype == gv.bool


@pytest.mark.parametrize("name", COMPARISONS)
@pytest.mark.parametrize("scalar", [0, 1.0, -2])
def test_comparisons_with_scalars_on_either_side(name, scalar, device):
    op = COMPARISONS[name]
    x = _with_ties((2, 5))
    check(lambda t: op(t, scalar), lambda t: op(t, scalar), x, device=device, grad=False)
    check(lambda t: op(scalar, t), lambda t: op(scalar, t), x, device=device, grad=False)


def test_outputs_never_require_grad_but_are_reported_as_ops():
    x = gv.randn(3, requires_grad=True)
    seen = []
    with events.subscribe(lambda e: seen.append((e.phase, e.op))):
        out = (x > 0).logical_not().all()
    assert out.dtype == gv.bool and not out.requires_grad and out.grad_fn is None
    assert seen == [("forward", "gt"), ("forward", "logical_not"), ("forward", "all")]


def test_equality_with_non_numbers_is_python_identity():
    x = gv.ones(2)
    assert (x == None) is False  # noqa: E711 - the point of the test
    assert (x != None) is True  # noqa: E711
    assert (x == "a") is False
    assert x in [x]


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_float_predicates(name, device):
    x = np.array([[1.0, np.nan, -np.inf], [np.inf, 0.0, -3.5]])
    fn = lambda t: getattr(t, name)()
    check(fn, fn, x, device=device, grad=False)
    check(lambda t: getattr(gv, name)(t), lambda t: getattr(torch, name)(t), x, device=device, grad=False)


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_binary_ops(name, device):
    a, b = _with_ties((3, 4)), _with_ties((4,))
    check(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), a, b, device=device, grad=False)
    check(
        lambda x, y: getattr(x > 0, name)(y > 0),
        lambda x, y: getattr(x > 0, name)(y > 0),
        a,
        b,
        device=device,
        grad=False,
    )


def test_logical_not_and_bitwise_operators(device):
    a, b = _with_ties((3, 4)), _with_ties((3, 4))
    for fn in (
        lambda x: ~(x > 0),
        lambda x: x.logical_not(),
        lambda x: (x > 0).logical_not(),
    ):
        check(fn, fn, a, device=device, grad=False)
    for fn in (
        lambda x, y: (x > 0) & (y < 1),
        lambda x, y: (x > 0) | (y < 1),
        lambda x, y: (x > 0) ^ (y < 1),
        lambda x, y: True & (x > 0),
        lambda x, y: False | (y > 0),
    ):
        check(fn, fn, a, b, device=device, grad=False)
    ints = a.astype(np.int64)
    for fn in (lambda x: ~x, lambda x: x & 6, lambda x: x | 1):
        check(fn, fn, ints, device=device, grad=False)


def test_bitwise_ops_refuse_floats_with_a_hint():
    x = gv.ones(3)
    with pytest.raises(
        DtypeError, match=r"bitwise_not: expects bool or integer tensors, got .*float32.*logical_not"
    ):
        _ = ~x
    with pytest.raises(DtypeError, match=r"bitwise_and: .*float32"):
        _ = (x > 0) & x
    with pytest.raises(DtypeError, match=r"bitwise_or: .*Python float"):
        _ = (x > 0) | 1.5


@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_all_any(name, dim, keepdim, device):
    x = (rng.random((2, 3, 4)) > 0.3).astype(np.float64)
    fn = (lambda t: getattr(t, name)()) if dim is None else (lambda t: getattr(t, name)(dim, keepdim=keepdim))
    check(fn, fn, x, device=device, grad=False)
    check(lambda t: fn(t > 0), lambda t: fn(t > 0), x, device=device, grad=False)


def test_all_any_on_empty_and_zero_dim():
    assert gv.zeros(0).all().item() is True and gv.zeros(0).any().item() is False
    assert gv.tensor(True).all(0).item() is True


def test_bad_dim_and_device_mix_are_explained():
    with pytest.raises(IndexOutOfRangeError, match=r"all: dimension 3 is out of range"):
        gv.ones(2, 3).all(3)
    with pytest.raises(DeviceError, match=r"gt: expected all tensors on the same device.*cpu and sim"):
        _ = gv.ones(2) > gv.ones(2, device="sim")
    with pytest.raises(RuntimeError, match=r"eq: .*\(2, 3\), \(4,\)"):
        _ = gv.ones(2, 3) == gv.ones(4)

"""The non-differentiable helpers PyTorch code uses, against PyTorch: bincount, histc, searchsorted,
bucketize, argwhere, isin, isposinf, isneginf, signbit, isreal; and the factories empty, empty_like,
logspace, randint_like, tril_indices, triu_indices."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, ShapeError
from tests.oracle import check_refused_like_torch, host

NAN, INF = float("nan"), float("inf")
SORTED = [1, 3, 5, 7, 9]

CALLS = {
    "bincount": lambda lib: lib.bincount(lib.tensor([0, 1, 1, 4, 1]), minlength=7),
    "bincount weights": lambda lib: lib.bincount(lib.tensor([0, 2, 2]), weights=lib.tensor([0.5, 1.0, 2.0])),
    "bincount float64 weights": lambda lib: lib.tensor([2, 0]).bincount(lib.tensor([1.5, 2.0]).double()),
    "bincount empty": lambda lib: lib.bincount(lib.tensor([], dtype=lib.int64)),
    "histc range": lambda lib: lib.histc(lib.tensor([1.0, 2.0, 1.0, 5.0, -1.0, NAN]), bins=4, min=0, max=3),
    "histc data range": lambda lib: lib.tensor([1.0, 2.0, 1.0, 5.0]).histc(bins=4),
    "histc one value": lambda lib: lib.histc(lib.tensor([2.0, 2.0]).double(), bins=3),
    "searchsorted": lambda lib: lib.searchsorted(lib.tensor(SORTED), lib.tensor([3, 6, 9, 0, 10])),
    "searchsorted right": lambda lib: lib.searchsorted(lib.tensor(SORTED), lib.tensor([3, 6, 9]), right=True),
    "searchsorted side": lambda lib: lib.searchsorted(lib.tensor(SORTED), lib.tensor([3, 9]), side="right"),
    "searchsorted scalar": lambda lib: lib.searchsorted(lib.tensor(SORTED), 5),
    "searchsorted rows": lambda lib: lib.searchsorted(
        lib.tensor([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]), lib.tensor([[3.0, 6.0], [1.0, 5.0]])
    ),
    "searchsorted int32": lambda lib: lib.searchsorted(lib.tensor(SORTED), lib.tensor([4]), out_int32=True),
    "bucketize": lambda lib: lib.bucketize(lib.tensor([[3, 6], [9, 1]]), lib.tensor(SORTED)),
    "bucketize right": lambda lib: lib.bucketize(
        lib.tensor([3.0, 7.5]), lib.tensor([1.0, 3.0, 7.5]), right=True
    ),
    "argwhere": lambda lib: lib.argwhere(lib.tensor([[0, 1], [2, 0]])),
    "argwhere method": lambda lib: lib.tensor([0.0, NAN, 1.0]).argwhere(),
    "isin": lambda lib: lib.isin(lib.tensor([1, 2, 3, 4]), lib.tensor([2, 4])),
    "isin invert number": lambda lib: lib.isin(lib.tensor([1, 2, 3]), 2, invert=True),
    "isin mixed dtypes": lambda lib: lib.isin(lib.tensor([1.0, 2.5]), lib.tensor([1, 2])),
    "isposinf": lambda lib: lib.isposinf(lib.tensor([1.0, INF, -INF, NAN])),
    "isneginf": lambda lib: lib.isneginf(lib.tensor([1.0, INF, -INF, NAN])),
    "isposinf int": lambda lib: lib.isposinf(lib.tensor([1, 2])),
    "signbit": lambda lib: lib.signbit(lib.tensor([1.0, -0.0, 0.0, -INF, -2.0])),
    "signbit int": lambda lib: lib.signbit(lib.tensor([-1, 0, 3])),
    "isreal": lambda lib: lib.isreal(lib.tensor([1.0, NAN])),
    "logspace": lambda lib: lib.logspace(-1, 2, 5),
    "logspace base 2": lambda lib: lib.logspace(0, 3, 4, base=2, dtype=lib.float64),
    "tril_indices": lambda lib: lib.tril_indices(3, 4, 1),
    "triu_indices": lambda lib: lib.triu_indices(4, 3, -1),
    "tril_indices empty": lambda lib: lib.tril_indices(0, 3),
    "empty shape and dtype": lambda lib: lib.empty(2, 3, dtype=lib.int64).zero_(),
    "empty_like": lambda lib: lib.empty_like(lib.ones(2, dtype=lib.float64)).zero_(),
}


@pytest.mark.parametrize("name", CALLS)
def test_results_and_dtypes_match_pytorch(name):
    mine, expected = CALLS[name](gv), CALLS[name](torch)
    assert tuple(mine.shape) == tuple(expected.shape)
    assert str(mine.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
    np.testing.assert_allclose(host(mine), expected.numpy(), rtol=1e-6)


def test_the_helpers_run_on_the_simulated_device():
    device = "sim"
    values = gv.tensor([0, 2, 2, 5], device=device)
    assert gv.bincount(values).tolist() == [1, 0, 2, 0, 0, 1]
    assert (
        gv.histc(values.float(), bins=5).tolist()
        == torch.histc(torch.tensor([0.0, 2, 2, 5]), bins=5).tolist()
    )
    assert gv.searchsorted(gv.tensor(SORTED, device=device), values).tolist() == [0, 1, 1, 2]
    assert gv.isin(values, gv.tensor([2], device=device)).tolist() == [False, True, True, False]
    assert gv.tril_indices(2, 2, device=device).device == values.device


def test_randint_like_draws_integers_in_range_with_the_input_dtype():
    x = gv.zeros(200, dtype=gv.float64)
    draws = gv.randint_like(x, 3, 6)
    assert draws.dtype == gv.float64 and draws.shape == x.shape
    assert set(draws.tolist()) == {3.0, 4.0, 5.0}
    assert set(gv.randint_like(gv.zeros(50, dtype=gv.int64), 2).tolist()) == {0, 1}


def test_no_gradient_flows_through_them():
    x = gv.tensor([1.0, 2.0, 2.0], requires_grad=True)
    assert not gv.histc(x, bins=2).requires_grad
    assert not gv.searchsorted(gv.tensor([1.0, 3.0]), x).requires_grad


def test_bad_input_is_refused_as_pytorch_refuses_it():
    cases = [
        (
            "bincount(tensor([-1, 2]))",
            ValueError,
            "bincount: the values must be non-negative, got a minimum of -1",
        ),
        ("bincount(tensor([[1]]))", DtypeError, r"bincount: expects a 1-D tensor of non-negative integers"),
        ("bincount(tensor([1.5]))", DtypeError, r"bincount: expects .*, got gradviz.float32 of shape \(1,\)"),
        ("bincount(tensor([1, 2]), weights=ones(3))", ShapeError, r"weights \(shape \(3,\)\) must have"),
        ("histc(tensor([1, 2]))", DtypeError, "histc: expects a floating point tensor"),
        ("histc(ones(2), bins=2, min=3, max=1)", ValueError, "histc: needs bins > 0 and min <= max"),
        ("searchsorted(ones(2, 3), ones(3, 1))", ShapeError, "searchsorted: the leading dims of the values"),
        (
            "bucketize(ones(2), ones(2, 2))",
            ShapeError,
            r"bucketize: boundaries must be 1-D, got shape \(2, 2\)",
        ),
    ]
    for call, error, message in cases:
        check_refused_like_torch(
            ((RuntimeError, NotImplementedError), lambda call=call: eval(call, vars(torch))),
            (error, lambda call=call: eval(call, vars(gv))),
            message,
        )

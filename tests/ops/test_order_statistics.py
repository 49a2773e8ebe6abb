"""kthvalue, msort, quantile, nanquantile, cummax, cummin, logcumsumexp, nanmean, aminmax, std_mean and
var_mean against PyTorch: values, indices, gradients (on the CPU and the simulated device), second
derivatives where the op is smooth, NaN handling and the errors."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, IndexOutOfRangeError, ShapeError
from tests.oracle import check, check_refused_like_torch, host

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered:RuntimeWarning")
rng = np.random.default_rng(0)
NAN = float("nan")


def distinct(shape):
    """Random values with no ties (PyTorch leaves the index of a tie unspecified)."""
    return rng.permutation(np.prod(shape)).reshape(shape) + rng.uniform(0, 0.5, shape)


@pytest.mark.parametrize("k, dim, keepdim", [(1, -1, False), (3, 1, True), (2, 0, False)])
def test_kthvalue_matches_pytorch(k, dim, keepdim, device):
    x = distinct((3, 4))
    check(lambda t: t.kthvalue(k, dim, keepdim), lambda t: t.kthvalue(k, dim, keepdim), x, device=device)


def test_msort_matches_pytorch(device):
    check(gv.msort, torch.msort, distinct((4, 3)), device=device)


LEVELS = [0.3, [0.0, 0.25, 0.5, 1.0]]


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("q", LEVELS)
@pytest.mark.parametrize("dim, keepdim", [(None, False), (None, True), (1, False), (0, True)])
def test_quantiles_match_pytorch(interpolation, q, dim, keepdim, device):
    x = distinct((3, 5))

    def call(lib, name, **where):
        levels = lib.tensor(q, dtype=lib.float64, **where) if isinstance(q, list) else q
        return lambda t: getattr(lib, name)(t, levels, dim, keepdim, interpolation=interpolation)

    for name in ("quantile", "nanquantile"):
        ours, theirs = call(gv, name, device=device), call(torch, name)
        check(ours, theirs, x, device=device, gradcheck=interpolation == "linear")


def test_quantiles_of_slices_with_nan_match_pytorch():
    x = np.array([[1.0, 5.0, NAN, 8.0], [NAN, NAN, NAN, NAN], [4.0, 3.0, 1.0, 2.0]])
    for name in ("quantile", "nanquantile"):
        for q in (0.0, 0.4, 1.0):
            mine = getattr(gv, name)(gv.tensor(x), q, dim=1)
            expected = getattr(torch, name)(torch.tensor(x), q, dim=1)
            np.testing.assert_allclose(host(mine), expected.numpy(), equal_nan=True)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumulative_extremes_match_pytorch(name, dim, device):
    x = distinct((3, 4))
    check(lambda t: getattr(t, name)(dim), lambda t: getattr(t, name)(dim), x, device=device)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cumulative_extremes_at_ties_and_nan_take_the_latest_position_as_pytorch(name):
    x = np.array([1.0, 3.0, 3.0, 0.0, NAN, 3.0, NAN, -1.0])
    ours = gv.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    mine, expected = getattr(gv, name)(ours, 0), getattr(torch, name)(theirs, 0)
    np.testing.assert_array_equal(host(mine.values), expected.values.detach().numpy())
    assert mine.indices.tolist() == expected.indices.tolist()
    mine.values.sum().backward()
    expected.values.sum().backward()
    assert ours.grad.tolist() == theirs.grad.tolist()


@pytest.mark.parametrize("dim", [0, 1])
def test_logcumsumexp_matches_pytorch_with_second_derivatives(dim, device):
    x = rng.standard_normal((3, 4)) * 3
    check(lambda t: t.logcumsumexp(dim), lambda t: t.logcumsumexp(dim), x, device=device)
    t = gv.tensor(x, requires_grad=True)
    assert gv.autograd.gradgradcheck(lambda u: gv.logcumsumexp(u, dim), (t,))


def test_logcumsumexp_neither_overflows_nor_cancels():
    x = np.array([1000.0, -1000.0, 1000.0, 0.0])
    ours, theirs = gv.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    np.testing.assert_allclose(host(gv.logcumsumexp(ours, 0)), torch.logcumsumexp(theirs, 0).detach().numpy())
    seed = np.array([1.0, -2.0, 0.5, 3.0])
    gv.logcumsumexp(ours, 0).backward(gv.tensor(seed))
    torch.logcumsumexp(theirs, 0).backward(torch.tensor(seed))
    np.testing.assert_allclose(host(ours.grad), theirs.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, True), ((0, 1), False)])
def test_nanmean_matches_pytorch(dim, keepdim, device):
    x = rng.standard_normal((3, 4))
    x[0, 1] = x[2, 3] = NAN
    check(
        lambda t: gv.nanmean(t, dim, keepdim),
        lambda t: torch.nanmean(t, dim, keepdim),
        x,
        device=device,
        gradcheck=False,  # finite differences through NaN are NaN
    )
    assert np.isnan(gv.nanmean(gv.tensor([NAN, NAN])).item())


@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True)])
def test_aminmax_std_mean_and_var_mean_match_pytorch(dim, keepdim, device):
    x = distinct((3, 4))
    check(
        lambda t: tuple(gv.aminmax(t, dim=dim, keepdim=keepdim)),
        lambda t: tuple(torch.aminmax(t, dim=dim, keepdim=keepdim)),
        x,
        device=device,
    )
    for ours, theirs in ((gv.std_mean, torch.std_mean), (gv.var_mean, torch.var_mean)):
        check(
            lambda t, f=ours: f(t, dim, keepdim=keepdim, correction=0),
            lambda t, f=theirs: f(t, dim, keepdim=keepdim, correction=0),
            x,
            device=device,
        )
    assert gv.aminmax(gv.tensor([[1, 2], [3, 0]]), dim=1).max.tolist() == [2, 3]


def test_bad_arguments_are_refused_as_pytorch_refuses_them():
    cases = [
        ("kthvalue(ones(3), 4)", IndexOutOfRangeError, r"kthvalue: k \(4\) is out of range for dimension -1"),
        ("quantile(tensor([1, 2]), 0.5)", DtypeError, "quantile: the input must be a float tensor"),
        ("quantile(ones(3), 1.5)", ValueError, r"quantile: q must be in the range \[0, 1\], got 1.5"),
        ("quantile(ones(0), 0.5)", ShapeError, r"quantile: the input must be non-empty, got shape \(0,\)"),
        ("quantile(ones(3), 0.5, interpolation='x')", ValueError, "interpolation must be one of linear"),
        ("quantile(ones(3), tensor([0.5], dtype=float64))", DtypeError, "q must have the input's dtype"),
        ("logcumsumexp(tensor([1, 2]), 0)", DtypeError, "logcumsumexp: expects a floating point tensor"),
        ("nanmean(tensor([1, 2]))", DtypeError, "nanmean: expects a floating point input, got gradviz.int64"),
    ]
    for call, error, message in cases:
        check_refused_like_torch(
            ((RuntimeError, NotImplementedError), lambda call=call: eval(call, vars(torch))),
            (error, lambda call=call: eval(call, vars(gv))),
            message,
        )


@pytest.mark.parametrize("dim, keepdim", [(1, False), (0, True), (-1, False)])
def test_mode_matches_pytorch_values_indices_and_gradients(dim, keepdim, device):
    draws = np.random.default_rng(4)
    for _ in range(20):  # small integers: many ties, where the smallest value and last position count
        x = draws.integers(0, 4, (3, 6)).astype(float)
        mine = gv.mode(gv.tensor(x, device=device), dim, keepdim)
        expected = torch.mode(torch.tensor(x), dim, keepdim)
        assert host(mine.values).tolist() == expected.values.tolist()
        assert mine.indices.tolist() == expected.indices.tolist()
    check(
        lambda t: t.mode(dim, keepdim).values,
        lambda t: t.mode(dim, keepdim).values,
        x,
        device=device,
        gradcheck=False,  # finite differences split the ties
    )

"""cumsum, cumprod, diff, sort, argsort, topk, median, unique, nansum, count_nonzero and dist against
PyTorch: values, dtypes, gradients (finite differences too) and errors."""

import math

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, IndexOutOfRangeError, ShapeError
from tests.oracle import check, host

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4, 5))  # distinct values: sorting is stable under gradcheck's perturbation
TIES = np.array([[1.0, 3.0, 3.0, 0.0, 3.0], [2.0, 2.0, 2.0, 2.0, 2.0], [5.0, -1.0, 5.0, -1.0, 4.0]])
NAN = math.nan
INT_DTYPES = ["int32", "int8", "uint8", "bool", "int64"]


def _name(dtype):
    """``int64`` from ``gradviz.int64`` or ``torch.int64``."""
    return str(dtype).split(".")[-1]


def _ints(dtype):
    return rng.integers(0, 3, (3, 4)).astype(dtype)


# ---- cumsum, cumprod ----


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_cumprod_like_pytorch(name, dim, device):
    fn = lambda x: getattr(x, name)(dim)
    check(fn, fn, X, device=device)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumsum_cumprod_with_a_float_dtype_send_the_gradient_back_in_the_input_dtype(name, device):
    x = gv.tensor(X[0], dtype=gv.float32, device=device, requires_grad=True)
    out = getattr(gv, name)(x, 1, dtype=gv.float64)
    assert out.dtype == gv.float64
    out.sum().backward()
    t = torch.tensor(X[0], dtype=torch.float32, requires_grad=True)
    getattr(torch, name)(t, 1, dtype=torch.float64).sum().backward()
    assert x.grad.dtype == gv.float32
    np.testing.assert_allclose(host(x.grad), t.grad.numpy(), rtol=1e-5)


@pytest.mark.parametrize(
    "x",
    [
        [[2.0, 0.0, 3.0, 0.5], [1.5, -2.0, 0.7, 0.0]],  # one zero per row, in the middle and at the end
        [[0.0, 2.0, 0.0, 3.0], [1.0, 0.0, 0.0, -1.5]],  # several zeros, the first one at the start
        [[0.0, 0.0, 0.0, 0.0], [1.2, 0.9, -0.8, 1.1]],  # all zeros, and a row without
    ],
)
@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_gradient_is_exact_where_the_input_has_zeros(x, dim, device):
    fn = lambda t: t.cumprod(dim)
    check(fn, fn, np.array(x), device=device)


def test_cumprod_with_zeros_differentiates_twice_like_pytorch():
    x = np.array([[2.0, 0.0, 3.0, 0.5, 0.0], [0.0, 1.5, -2.0, 0.7, 1.3]])
    upstream = rng.standard_normal(x.shape)

    def second(lib, tensor):
        t = tensor(x, requires_grad=True)
        (g,) = lib.autograd.grad((t.cumprod(1) * tensor(upstream)).sum(), t, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), t)
        return g, gg

    (g, gg), (tg, tgg) = second(gv, gv.tensor), second(torch, torch.tensor)
    np.testing.assert_allclose(host(g), tg.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(host(gg), tgg.numpy(), atol=1e-12)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_cumsum_cumprod_of_integers_and_bools_give_int64_like_pytorch(name, dtype, device):
    a = _ints(dtype)
    out = getattr(gv.tensor(a, device=device), name)(1)
    expected = getattr(torch.tensor(a), name)(1)
    assert _name(out.dtype) == _name(expected.dtype) == "int64"
    assert host(out).tolist() == expected.tolist()
    as_float = getattr(gv, name)(gv.tensor(a, device=device), 0, dtype=gv.float32)
    assert as_float.dtype == gv.float32
    np.testing.assert_allclose(host(as_float), getattr(torch, name)(torch.tensor(a), 0, dtype=torch.float32))


def test_cumsum_of_a_0d_tensor_and_of_an_empty_one(device):
    check(lambda x: x.cumsum(0), lambda x: x.cumsum(0), np.array(2.5), device=device)
    check(lambda x: x.cumprod(-1), lambda x: x.cumprod(-1), np.array(-1.5), device=device)
    assert tuple(gv.zeros(0, 3, device=device).cumsum(0).shape) == (0, 3)


# ---- diff ----


@pytest.mark.parametrize("n", [0, 1, 2, 5])
@pytest.mark.parametrize("dim", [0, -1])
def test_diff_like_pytorch(n, dim, device):
    fn = lambda x: x.diff(n=n, dim=dim)
    check(fn, fn, X, device=device, gradcheck=0 < n < 3)  # gradcheck wants a non-empty output


def test_diff_with_prepend_and_append(device):
    fn = lambda x, before, after: gv.diff(x, 2, 1, prepend=before, append=after)
    torch_fn = lambda x, before, after: torch.diff(x, 2, 1, prepend=before, append=after)
    check(fn, torch_fn, X[0], rng.standard_normal((4, 2)), rng.standard_normal((4, 1)), device=device)


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64"])
def test_diff_of_bools_and_integers_keeps_their_dtype(dtype, device):
    a = _ints(dtype)
    out, expected = gv.tensor(a, device=device).diff(dim=0), torch.tensor(a).diff(dim=0)
    assert _name(out.dtype) == _name(expected.dtype)
    assert host(out).tolist() == expected.tolist()


# ---- sort, argsort, topk ----


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_values_indices_and_gradient_like_pytorch(dim, descending, device):
    fn = lambda x: tuple(x.sort(dim, descending))
    check(fn, fn, X, device=device)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1])
def test_stable_sort_keeps_ties_and_nans_in_pytorchs_order(descending, dim, device):
    ties = TIES.copy()
    ties[0, 1] = ties[2, 3] = NAN
    fn = lambda x: tuple(gv.sort(x, dim, descending, stable=True))
    torch_fn = lambda x: tuple(torch.sort(x, dim=dim, descending=descending, stable=True))
    check(fn, torch_fn, ties, device=device, gradcheck=False)
    order = gv.argsort(gv.tensor(ties, device=device), dim, descending, stable=True)
    assert (
        host(order).tolist()
        == torch.argsort(torch.tensor(ties), dim=dim, descending=descending, stable=True).tolist()
    )


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_sort_and_argsort_of_integers_and_bools(dtype, device):
    a = _ints(dtype)
    values, indices = gv.tensor(a, device=device).sort(1, descending=True)
    expected = torch.tensor(a).sort(dim=1, descending=True, stable=True)
    assert values.dtype == gv.tensor(a).dtype and indices.dtype == gv.int64
    assert host(values).tolist() == expected.values.tolist()
    assert host(indices).tolist() == expected.indices.tolist()
    order = gv.tensor(a, device=device).argsort(0)
    assert host(order).tolist() == torch.tensor(a).argsort(dim=0, stable=True).tolist()


def test_sort_returns_named_values_and_int64_indices_without_grad(device):
    x = gv.tensor(X[0], device=device, requires_grad=True)
    for result, name in [(x.sort(), "sort"), (x.topk(2), "topk"), (x.median(0), "median")]:
        values, indices = result
        assert type(result).__name__ == name
        assert result.values is values and result.indices is indices
        assert values.requires_grad and not indices.requires_grad and indices.dtype == gv.int64


def test_sort_topk_median_of_a_0d_tensor(device):
    for op in (lambda x: tuple(x.sort()), lambda x: tuple(x.topk(1)), lambda x: tuple(x.median(0))):
        check(op, op, np.array(1.5), device=device)
    assert host(gv.tensor(1.5, device=device).argsort()).tolist() == 0


def test_sort_differentiates_twice_like_pytorch():
    def second(lib, tensor):
        t = tensor(X[0], requires_grad=True)
        (g,) = lib.autograd.grad((t**3).sort(1).values[:, :2].sum(), t, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), t)
        return gg

    np.testing.assert_allclose(host(second(gv, gv.tensor)), second(torch, torch.tensor).numpy(), rtol=1e-10)


@pytest.mark.parametrize("k", [0, 1, 3, 5])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dim", [2, -1])
def test_topk_like_pytorch(k, largest, dim, device):
    fn = lambda x: tuple(x.topk(k, dim, largest))
    check(fn, fn, X, device=device, gradcheck=k > 0)


@pytest.mark.parametrize("dim", [0, 1])
def test_topk_along_other_dims_and_unsorted(dim, device):
    fn = lambda x: tuple(gv.topk(x, 2, dim=dim))
    check(fn, lambda x: tuple(torch.topk(x, 2, dim=dim)), X, device=device)
    values = gv.topk(gv.tensor(X, device=device), 3, dim, sorted=False).values
    expected = torch.topk(torch.tensor(X), 3, dim, sorted=False).values.sort(dim, descending=True).values
    np.testing.assert_array_equal(host(values), expected.numpy())  # gradviz's is sorted anyway


# ---- median ----


@pytest.mark.parametrize("shape", [(5,), (4,), (3, 4), (2, 3, 4)])
def test_median_of_every_element_is_the_lower_median(shape, device):
    check(lambda x: x.median(), lambda x: x.median(), rng.standard_normal(shape), device=device)


@pytest.mark.parametrize(
    "x", [[1.0, 2.0, 2.0, 2.0, 3.0], [2.0, 2.0], [1.0, NAN, 2.0, NAN], [NAN, 0.0, 1.0]], ids=str
)
def test_median_of_every_element_splits_the_gradient_among_ties_and_nans(x, device):
    check(lambda t: t.median(), lambda t: t.median(), np.array(x), device=device, gradcheck=False)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_median_along_a_dim_gives_values_indices_and_routes_the_gradient(dim, keepdim, device):
    fn = lambda x: tuple(x.median(dim, keepdim))
    check(fn, fn, X, device=device)


@pytest.mark.parametrize("dim", [0, 1])
def test_median_along_a_dim_with_ties_and_nans_picks_pytorchs_index(dim, device):
    ties = TIES.copy()
    ties[2, 2] = NAN
    ties[0, 4] = NAN
    fn = lambda x: tuple(gv.median(x, dim))
    check(fn, lambda x: tuple(torch.median(x, dim)), ties, device=device, gradcheck=False)


def test_median_of_integers_and_of_nothing(device):
    a = np.array([[3, 1, 2, 4], [7, 7, 0, 1]])
    assert host(gv.tensor(a, device=device).median()).tolist() == torch.tensor(a).median().item()
    values, indices = gv.tensor(a, device=device).median(1)
    assert host(values).tolist() == torch.tensor(a).median(1).values.tolist()
    assert values.dtype == gv.int64
    assert math.isnan(host(gv.zeros(0, device=device).median()).item())


# ---- unique ----


@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("counts", [False, True])
def test_unique_like_pytorch(inverse, counts, device):
    a = rng.integers(0, 4, (3, 5)).astype("int32")
    fn = lambda x: gv.unique(x, return_inverse=inverse, return_counts=counts)
    torch_fn = lambda x: torch.unique(x, return_inverse=inverse, return_counts=counts)
    out = check(fn, torch_fn, a, device=device, grad=False)
    assert [_name(o.dtype) for o in out] == ["int32"] + ["int64"] * (inverse + counts)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unique_slices_along_a_dim(dim, device):
    a = np.array([[1.0, 2.0, 1.0], [1.0, 2.0, 1.0], [0.0, 5.0, 0.0]])
    fn = lambda x: x.unique(dim=dim, return_inverse=True, return_counts=True)
    check(fn, fn, a, device=device, grad=False)


def test_unique_keeps_every_nan_and_sorts_even_when_not_asked(device):
    a = np.array([3.0, NAN, 1.0, NAN, 3.0])
    check(gv.unique, torch.unique, a, device=device, grad=False)
    out = gv.unique(gv.tensor([3, 1, 2, 3], device=device), sorted=False)
    assert host(out).tolist() == [1, 2, 3]
    assert not gv.unique(gv.tensor(a, requires_grad=True)).requires_grad


# ---- nansum, count_nonzero, dist ----


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_nansum_skips_nans_in_values_and_gradient(dim, keepdim, device):
    x = X.copy()
    x[0, 1, 2] = x[2, 3, 0] = x[1, 0, 4] = NAN
    kwargs = {} if dim is None else {"dim": dim}
    fn = lambda t: t.nansum(keepdim=keepdim, **kwargs)
    check(fn, fn, x, device=device, gradcheck=False)
    check(fn, fn, X, device=device)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_nansum_and_count_nonzero_of_integers_give_int64(dtype, device):
    a = _ints(dtype)
    for name, kwargs in [("nansum", {"dim": 1}), ("count_nonzero", {"dim": 0}), ("count_nonzero", {})]:
        out, expected = (
            getattr(gv.tensor(a, device=device), name)(**kwargs),
            getattr(torch.tensor(a), name)(**kwargs),
        )
        assert _name(out.dtype) == _name(expected.dtype) == "int64"
        assert host(out).tolist() == expected.tolist()


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2), [1, 2]])
def test_count_nonzero_over_dims(dim, device):
    a = rng.integers(-1, 2, (3, 4, 5)).astype("float64")
    a[0, 0, 0] = NAN  # counts as non-zero
    out = check(
        lambda x: gv.count_nonzero(x, dim),
        lambda x: torch.count_nonzero(x, dim),
        a,
        device=device,
        grad=False,
    )
    assert out[0].dtype == gv.int64 and not out[0].requires_grad


@pytest.mark.parametrize("p", [2, 1, 3.5, 0, math.inf, -math.inf])
def test_dist_like_pytorch(p, device):
    fn = lambda a, b: a.dist(b, p)
    check(fn, fn, X[0], rng.standard_normal(5), device=device, gradcheck=p != 0, grad=p != 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.zeros(2, 0).sort(1),
        lambda m: m.zeros(2, 0).topk(0, 1),
        lambda m: m.zeros(2, 0).median(0),
        lambda m: m.zeros(3, 0).argsort(0),
        lambda m: m.zeros(0, 3).cumprod(0),
        lambda m: m.zeros(0).unique(return_counts=True),
        lambda m: m.zeros(2, 0).count_nonzero(1),
        lambda m: m.zeros(2, 0).nansum(1),
    ],
)
def test_empty_tensors_give_pytorchs_shapes(call):
    shapes = lambda r: [tuple(t.shape) for t in (r if isinstance(r, tuple) else (r,))]
    assert shapes(call(gv)) == shapes(call(torch))


# ---- errors ----


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.sort(3),
        lambda x: x.argsort(-4),
        lambda x: x.topk(1, 3),
        lambda x: x.median(3),
        lambda x: x.cumsum(3),
        lambda x: x.cumprod(-4),
        lambda x: x.diff(dim=3),
        lambda x: x.nansum(3),
        lambda x: x.count_nonzero((0, 3)),
        lambda x: x.unique(dim=3),
    ],
)
def test_a_dim_out_of_range_names_the_op_and_the_dims(call):
    with pytest.raises(IndexOutOfRangeError, match=r"^\w+: dimension -?[34] is out of range .*3 dimensions"):
        call(gv.tensor(X))


@pytest.mark.parametrize("k", [6, -1, 2.0])
def test_topk_refuses_a_k_the_dim_cannot_give(k):
    with pytest.raises(
        IndexOutOfRangeError, match=r"topk: k .* out of range for dimension -1 of size 5 .*3, 4, 5"
    ):
        gv.tensor(X).topk(k)


def test_clear_errors_for_diff_median_and_dist():
    with pytest.raises(ShapeError, match="diff: expects input to be at least one-dimensional"):
        gv.tensor(1.0).diff()
    with pytest.raises(ValueError, match="diff: the order n must be a non-negative int, but got -1"):
        gv.tensor(X).diff(n=-1)
    with pytest.raises(ShapeError, match=r"diff: prepend \(shape \(5,\)\) must have as many dimensions"):
        gv.tensor(X).diff(prepend=gv.zeros(5))
    with pytest.raises(ShapeError, match=r"median: dimension 1 .*\(shape \(2, 0\)\) has size 0"):
        gv.zeros(2, 0).median(1)
    with pytest.raises(DtypeError, match="dist: expected floating point tensors, but got .*int64"):
        gv.dist(gv.tensor([1, 2]), gv.tensor([2, 3]))


def test_argsort_and_count_nonzero_send_no_gradient_and_median_does():
    x = gv.tensor(X, requires_grad=True)
    assert not gv.argsort(x).requires_grad and not gv.count_nonzero(x).requires_grad
    x.median().backward()
    assert host(x.grad).sum() == 1.0 and np.count_nonzero(host(x.grad)) == 1

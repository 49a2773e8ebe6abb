import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, IndexOutOfRangeError
from tests.oracle import check, host

rng = np.random.default_rng(0)
DIMS = [None, 0, -1, (0, 2), (-1, 1), ()]
TIES = np.array([[[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], [[5.0, 5.0, 5.0], [-1.0, 4.0, 4.0]]])


def _dim_kwargs(dim):
    return {} if dim is None else {"dim": dim}


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "logsumexp"])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions_over_dims_like_pytorch(name, dim, keepdim, device):
    fn = lambda x: getattr(x, name)(dim=dim, keepdim=keepdim)
    every_dim = name == "logsumexp" and dim in (None, ())  # PyTorch's logsumexp wants the dims spelled out
    torch_fn = (lambda x: x.logsumexp((0, 1, 2), keepdim=keepdim)) if every_dim else fn
    check(fn, torch_fn, rng.standard_normal((2, 3, 4)), device=device)


@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim", [None, 1, (0, 2), -1])
def test_amax_amin_split_gradient_among_ties(name, dim, device):
    fn = lambda x: getattr(x, name)(**_dim_kwargs(dim))
    check(fn, fn, TIES, device=device, gradcheck=False)


@pytest.mark.parametrize("name", ["max", "min"])
def test_full_max_min_split_gradient_among_ties(name, device):
    check(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), TIES, device=device, gradcheck=False)
    check(
        lambda x: getattr(gv, name)(x),
        lambda x: getattr(torch, name)(x),
        rng.standard_normal(5),
        device=device,
    )


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim_give_values_and_indices(name, dim, keepdim, device):
    fn = lambda x: tuple(getattr(x, name)(dim, keepdim=keepdim))
    check(fn, fn, TIES, device=device, gradcheck=False)
    check(fn, fn, rng.standard_normal((3, 4, 2)), device=device)


def test_max_with_dim_is_a_named_tuple(device):
    x = gv.tensor(TIES, device=device)
    result = gv.max(x, 1)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert indices.dtype == gv.int64 and not indices.requires_grad
    assert host(indices).tolist() == torch.max(torch.tensor(TIES), 1).indices.tolist()


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_with_a_tensor_are_elementwise(name, device):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal(4)
    check(lambda x, y: getattr(gv, name)(x, y), lambda x, y: getattr(torch, name)(x, y), a, b, device=device)


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_default_correction(name, dim, keepdim, device):
    fn = lambda x: getattr(x, name)(dim=dim, keepdim=keepdim)
    check(fn, fn, rng.standard_normal((3, 4, 2)), device=device)


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize(
    "call",
    [
        lambda f, x: f(x, 1, correction=0),
        lambda f, x: f(x, dim=(0, 1), correction=2, keepdim=True),
        lambda f, x: f(x, 0, False),
        lambda f, x: f(x, 1, True, True),
        lambda f, x: f(x, False),
        lambda f, x: f(x, unbiased=False),
    ],
)
def test_var_std_correction_and_unbiased_overloads(name, call, device):
    check(
        lambda x: call(getattr(gv, name), x),
        lambda x: call(getattr(torch, name), x),
        rng.standard_normal((3, 4)),
        device=device,
    )


@pytest.mark.parametrize("dim", [None, 0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod_like_pytorch(dim, keepdim, device):
    fn = lambda x: x.prod(**_dim_kwargs(dim), keepdim=keepdim) if dim is not None else x.prod()
    check(fn, fn, rng.uniform(0.5, 1.5, (3, 4)), device=device)


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_gradient_with_zeros(dim, device):
    x = rng.uniform(0.5, 1.5, (3, 4))
    x[0, 1] = 0.0
    x[2, 2] = x[2, 3] = 0.0
    fn = lambda t: t.prod(**_dim_kwargs(dim))
    check(fn, fn, x, device=device, gradcheck=False)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dim", [None, 0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_argmin(name, dim, keepdim, device):
    fn = lambda x: getattr(x, name)(dim, keepdim=keepdim)
    out = check(fn, fn, TIES, device=device, grad=False)[0]
    assert out.dtype == gv.int64 and not out.requires_grad


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_logsumexp_is_stable_and_handles_infinities(device):
    x = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0]])
    fn = lambda t: t.logsumexp(1)
    check(fn, fn, x, device=device, grad=False)
    check(fn, fn, x[:1], device=device, gradcheck=False)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "logsumexp", "prod"])
def test_zero_dim_input(name, device):
    x = np.array(1.5)
    args = {"logsumexp": (0,)}.get(name, ())
    fn = lambda t: getattr(t, name)(*args)
    check(fn, fn, x, device=device)
    check(lambda t: tuple(t.max(0)), lambda t: tuple(t.max(0)), x, device=device)


def test_integer_and_bool_inputs_follow_pytorch_dtypes():
    ints = gv.tensor([[1, 2], [3, 4]], dtype=gv.int32)
    assert ints.sum().dtype == gv.int64 and ints.sum().item() == 10
    assert gv.tensor([True, True, False]).sum().item() == 2
    assert gv.tensor([True, True]).sum().dtype == gv.int64
    assert gv.tensor([200, 100], dtype=gv.uint8).sum().item() == 300
    assert ints.prod().dtype == gv.int64 and ints.prod().item() == 24
    assert ints.sum(dtype=gv.float64).dtype == gv.float64
    assert ints.mean(dtype=gv.float64).item() == 2.5
    assert ints.max().item() == 4 and ints.amax(0).tolist() == [3, 4]
    assert gv.tensor([1.5, 2.25]).sum(dtype=gv.float64).dtype == gv.float64
    with pytest.raises(DtypeError, match=r"mean: input dtype must be floating point, got gradviz.int32"):
        ints.mean()
    with pytest.raises(DtypeError, match=r"var: .*int32"):
        ints.var()
    assert gv.tensor([1, 2]).logsumexp(0).dtype == gv.float32


def test_sum_with_dtype_sends_gradient_back_in_input_dtype():
    x = gv.tensor([1.0, 2.0], requires_grad=True)
    x.sum(dtype=gv.float64).backward()
    assert x.grad.dtype == gv.float32 and x.grad.tolist() == [1.0, 1.0]


def test_reductions_return_zero_dim_arrays(device):
    x = gv.tensor(rng.standard_normal((2, 3)), device=device)
    for out in (
        x.sum(),
        x.mean(),
        x.max(),
        x.amax(),
        x.var(),
        x.std(),
        x.argmax(),
        x.prod(),
        x.logsumexp((0, 1)),
    ):
        assert out.shape == () and out.device == x.device
        assert hasattr(out.data, "ndim") and out.data.ndim == 0


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.sum(1).sum(),
        lambda x: (x.mean(0) ** 2).sum(),
        lambda x: x.var(1).sum(),
        lambda x: x.std(0).sum(),
        lambda x: x.logsumexp(1).sum(),
        lambda x: x.prod(1).sum(),
        lambda x: (x.amax(1) * x.sum(1)).sum(),
        lambda x: (x.max(1).values ** 2).sum(),
    ],
)
def test_second_derivatives(fn):
    x = gv.tensor(rng.uniform(0.5, 1.5, (3, 4)), requires_grad=True)
    assert gv.autograd.gradgradcheck(fn, (x,))


@pytest.mark.parametrize(
    "call, op",
    [
        (lambda x: x.sum(3), "sum"),
        (lambda x: x.mean((0, -4)), "mean"),
        (lambda x: x.amax(5), "amax"),
        (lambda x: x.max(-4), "max"),
        (lambda x: x.var(3), "var"),
        (lambda x: x.logsumexp(7), "logsumexp"),
        (lambda x: x.argmin(3), "argmin"),
        (lambda x: x.prod(3), "prod"),
    ],
)
def test_bad_dim_names_the_op(call, op):
    x = gv.ones(2, 3, 4)
    with pytest.raises(
        IndexOutOfRangeError, match=rf"{op}: dimension -?\d is out of range for a tensor with 3 dim"
    ):
        call(x)


def test_bad_arguments_are_explained():
    x = gv.ones(2, 3)
    with pytest.raises(TypeError, match=r"max: dim must be an int .* use amax"):
        x.max((0, 1))
    with pytest.raises(TypeError, match=r"var: pass either unbiased= or correction="):
        x.var(0, True, correction=0)
    with pytest.raises(ValueError, match=r"sum: dim \(1, 1\) names a dimension more than once"):
        x.sum((1, 1))
    with pytest.raises(TypeError, match=r"prod: dim must be an int or None"):
        x.prod((0, 1))


NAN = float("nan")
WITH_NANS = np.array([[1.0, NAN, 2.0], [NAN, NAN, 0.0], [3.0, 3.0, 1.0]])


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.max(),
        lambda x: x.min(),
        lambda x: x[0].max(),
        lambda x: x[2].min(),
        lambda x: x.amax(),
        lambda x: x.amin(dim=1),
        lambda x: x.amax(dim=0, keepdim=True),
        lambda x: tuple(x.max(1)),
        lambda x: tuple(x.min(0)),
    ],
)
def test_max_min_with_nans_match_pytorch(call, device):
    """The NaNs are the max: full max/min split the gradient among them, max(dim) picks the first one;
    amax/amin keep PyTorch's 0/0 = NaN for a slice holding a NaN."""
    check(call, call, WITH_NANS, device=device, gradcheck=False)


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize(
    "value", [np.array(2.0), np.array([2.0]), np.array([3.0, 3.0]), np.array([[1.0, 1.0], [2.0, 3.0]])]
)
@pytest.mark.parametrize(
    "call",
    [
        lambda f, x: f(x, unbiased=False),
        lambda f, x: f(x),
        lambda f, x: f(x, -1, correction=0),
        lambda f, x: f(x, -1, correction=2),
        lambda f, x: f(x, -1, correction=3),
    ],
)
def test_var_std_of_constants_single_elements_and_large_corrections_match_pytorch(name, value, call, device):
    """std's gradient is 0 where std is 0; too few degrees of freedom give PyTorch's NaN and infinities."""
    check(
        lambda x: call(getattr(gv, name), x),
        lambda x: call(getattr(torch, name), x),
        value,
        device=device,
        gradcheck=False,
    )

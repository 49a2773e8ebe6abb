"""The activations of ``ops.more_activations`` against PyTorch: values, gradients (at the kinks too),
gradcheck and second derivatives, integer inputs, ``inplace=`` and the in-place methods, the errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import gradviz as gv
import gradviz.nn.functional as F
from gradviz.errors import GraphError
from tests.oracle import check, host

rng = np.random.default_rng(0)

# name: (gradviz function, torch function) taking the input only
POINTWISE = {
    "silu": (F.silu, TF.silu),
    "elu": (F.elu, TF.elu),
    "elu_alpha": (lambda t: F.elu(t, 0.7), lambda t: TF.elu(t, 0.7)),
    "selu": (F.selu, TF.selu),
    "celu": (F.celu, TF.celu),
    "celu_alpha": (lambda t: F.celu(t, 2.5), lambda t: TF.celu(t, 2.5)),
    "hardtanh": (F.hardtanh, TF.hardtanh),
    "hardtanh_bounds": (lambda t: F.hardtanh(t, -0.5, 2.0), lambda t: TF.hardtanh(t, -0.5, 2.0)),
    "relu6": (F.relu6, TF.relu6),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid),
    "hardswish": (F.hardswish, TF.hardswish),
    "mish": (F.mish, TF.mish),
    "softsign": (F.softsign, TF.softsign),
    "tanhshrink": (F.tanhshrink, TF.tanhshrink),
    "threshold": (lambda t: F.threshold(t, 0.3, -2.0), lambda t: TF.threshold(t, 0.3, -2.0)),
}

# every kink of the functions above, where the gradient is a convention (PyTorch's, which we follow)
KINKS = np.array([-3.0, -1.0, -0.5, 0.0, 0.3, 1.0, 2.0, 3.0, 6.0])


def _smooth_input(shape=(4, 6), scale=4.0):
    """Random values kept at least 0.05 from every kink, so that finite differences are valid."""
    x = rng.standard_normal(shape) * scale
    near = np.abs(x[..., None] - KINKS).min(-1) < 0.05
    return np.where(near, x + 0.1, x)


@pytest.mark.parametrize("name", POINTWISE)
def test_pointwise_matches_pytorch(name, device):
    ours, theirs = POINTWISE[name]
    check(ours, theirs, _smooth_input(), device=device)


@pytest.mark.parametrize("name", POINTWISE)
def test_gradients_at_the_kinks_are_pytorchs(name, device):
    ours, theirs = POINTWISE[name]
    # rtol 1e-7: PyTorch's hardsigmoid gradient multiplies by 1/6 rounded to float32, even in float64
    check(ours, theirs, KINKS.copy(), device=device, gradcheck=False, atol=1e-15, rtol=1e-7)


@pytest.mark.parametrize("name", POINTWISE)
def test_float32_keeps_its_dtype(name):
    ours, theirs = POINTWISE[name]
    x = _smooth_input().astype(np.float32)
    out = ours(gv.tensor(x))
    assert out.dtype == gv.float32
    np.testing.assert_allclose(host(out), theirs(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "name", ["silu", "elu_alpha", "selu", "celu_alpha", "mish", "softsign", "tanhshrink"]
)
def test_second_derivatives(name):
    x = gv.tensor(_smooth_input((3, 4), 2.0), requires_grad=True)
    assert gv.autograd.gradgradcheck(POINTWISE[name][0], [x])


@pytest.mark.parametrize("name", ["elu_alpha", "celu_alpha", "selu", "hardswish", "mish"])
def test_second_derivative_values_match_pytorch(name):
    ours, theirs = POINTWISE[name]
    x = _smooth_input((3, 4), 2.0)
    mine = gv.tensor(x, requires_grad=True)
    (slope,) = gv.autograd.grad(ours(mine).sum(), mine, create_graph=True)
    slope.sum().backward()
    reference = torch.tensor(x, requires_grad=True)
    (t_slope,) = torch.autograd.grad(theirs(reference).sum(), reference, create_graph=True)
    t_slope.sum().backward()
    np.testing.assert_allclose(host(slope), t_slope.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(host(mine.grad), reference.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_elu_family_is_finite_for_huge_inputs():
    x = gv.tensor([-1e4, -800.0, 800.0, 1e4], requires_grad=True)
    for fn in (F.elu, F.selu, F.celu, F.silu, F.mish):
        x.grad = None
        fn(x).sum().backward()
        assert np.isfinite(host(x.grad)).all(), fn.__name__


INTEGER_REFUSED = ["silu", "elu", "selu", "celu", "hardsigmoid", "hardswish", "mish"]


@pytest.mark.parametrize("name", INTEGER_REFUSED)
def test_integer_inputs_are_refused_as_pytorch_refuses_them(name):
    with pytest.raises(NotImplementedError):
        getattr(TF, name)(torch.arange(3))
    with pytest.raises(TypeError, match=rf"{name}: expected a floating point input, got gradviz.int64"):
        getattr(F, name)(gv.arange(3))


def test_integer_inputs_of_glu_prelu_softmin_are_refused():
    with pytest.raises(TypeError, match="glu: expected a floating point input"):
        F.glu(gv.arange(4))
    with pytest.raises(TypeError, match="prelu: expected a floating point input"):
        F.prelu(gv.arange(4), gv.tensor([1]))
    with pytest.raises(TypeError, match="softmin: expected a floating point input"):
        F.softmin(gv.arange(4), 0)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda m, x: m.hardtanh(x, -1, 2), lambda x: TF.hardtanh(x, -1, 2)),
        (lambda m, x: m.relu6(x), TF.relu6),
        (lambda m, x: m.threshold(x, 1.5, 2.7), lambda x: TF.threshold(x, 1.5, 2.7)),
        (lambda m, x: m.softsign(x), TF.softsign),
        (lambda m, x: m.tanhshrink(x), TF.tanhshrink),
    ],
)
def test_integer_inputs_where_pytorch_takes_them(ours, theirs):
    expected = theirs(torch.arange(-3, 9))
    out = ours(F, gv.arange(-3, 9))
    assert out.dtype == getattr(gv, str(expected.dtype).split(".")[1])
    np.testing.assert_allclose(host(out), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_glu(dim, device):
    x = rng.standard_normal((4, 6, 2))
    check(lambda t: F.glu(t, dim), lambda t: TF.glu(t, dim), x, device=device)


def test_glu_errors():
    with pytest.raises(RuntimeError, match=r"glu: halving dimension must be even, but dimension 0 is size 3"):
        F.glu(gv.ones(3))
    with pytest.raises(RuntimeError, match="glu: does not support scalars"):
        F.glu(gv.tensor(1.0))
    with pytest.raises(IndexError, match="glu: dimension 2 is out of range"):
        F.glu(gv.ones(2, 4), 2)


@pytest.mark.parametrize(
    ("x_shape", "w_shape"), [((4, 3), (3,)), ((2, 3, 4, 5), (3,)), ((2, 3, 4), (1,)), ((5,), ()), ((), (1,))]
)
def test_prelu(x_shape, w_shape, device):
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    check(F.prelu, TF.prelu, x, w, device=device)


def test_prelu_at_zero_takes_the_negative_slope_and_is_finite_at_infinity():
    check(F.prelu, TF.prelu, np.array([0.0, -0.0, 2.0, -2.0]), np.array([0.3]), gradcheck=False, atol=0)
    x = gv.tensor([np.inf, -2.0, 1.0])
    w = gv.tensor([0.5], requires_grad=True)
    out = F.prelu(x, w)
    out.sum().backward()
    np.testing.assert_array_equal(host(out), [np.inf, -1.0, 1.0])
    np.testing.assert_array_equal(host(w.grad), [-2.0])


def test_prelu_errors():
    with pytest.raises(RuntimeError, match=r"prelu: expected `weight` to be a scalar or 1D tensor.*ndim = 2"):
        F.prelu(gv.ones(2, 3), gv.ones(1, 3))
    with pytest.raises(RuntimeError, match=r"Found parameter numbers = 2 and channel size = 3"):
        F.prelu(gv.ones(2, 3), gv.ones(2))
    with pytest.raises(RuntimeError, match=r"Found parameter numbers = 3 and channel size = 1"):
        F.prelu(gv.ones(3), gv.ones(3))
    with pytest.raises(TypeError, match=r"prelu: type promoting is not supported.*float32.*float64"):
        F.prelu(gv.ones(2, 3), gv.ones(3, dtype=gv.float64))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmin(dim, device):
    x = rng.standard_normal((3, 4, 5)) * 3
    check(lambda t: F.softmin(t, dim), lambda t: TF.softmin(t, dim), x, device=device)


def test_softmin_dtype_and_implicit_dim():
    x = gv.tensor([[1, 2, 3]])
    out = F.softmin(x, 1, dtype=gv.float64)
    assert out.dtype == gv.float64
    np.testing.assert_allclose(host(out), TF.softmin(torch.tensor([[1, 2, 3]]), 1, dtype=torch.float64))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        F.softmin(gv.ones(2, 3))


def test_argument_errors():
    with pytest.raises(ValueError, match="hardtanh: min_val cannot be greater than max_val"):
        F.hardtanh(gv.ones(2), 1.0, -1.0)
    with pytest.raises(ZeroDivisionError, match="celu: alpha cannot be 0"):
        F.celu(gv.ones(2), 0.0)


INPLACE = {
    "relu": (F.relu, TF.relu),
    "leaky_relu": (
        lambda t, inplace: F.leaky_relu(t, 0.2, inplace),
        lambda t, inplace: TF.leaky_relu(t, 0.2, inplace),
    ),
    "silu": (F.silu, TF.silu),
    "elu": (lambda t, inplace: F.elu(t, 0.5, inplace), lambda t, inplace: TF.elu(t, 0.5, inplace)),
    "selu": (F.selu, TF.selu),
    "celu": (F.celu, TF.celu),
    "hardtanh": (
        lambda t, inplace: F.hardtanh(t, -2, 2, inplace),
        lambda t, inplace: TF.hardtanh(t, -2, 2, inplace),
    ),
    "relu6": (F.relu6, TF.relu6),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid),
    "hardswish": (F.hardswish, TF.hardswish),
    "mish": (F.mish, TF.mish),
    "threshold": (
        lambda t, inplace: F.threshold(t, 0.1, 7.0, inplace),
        lambda t, inplace: TF.threshold(t, 0.1, 7.0, inplace),
    ),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_writes_into_the_input_like_pytorch(name, device):
    ours, theirs = INPLACE[name]
    # its own draws, so the values do not depend on which tests ran before (silu's formulas differ in
    # the last bits far out on the negative side: rtol 1e-10, not 1e-12)
    x = np.random.default_rng(1).standard_normal((3, 4)) * 4
    mine, reference = gv.tensor(x, device=device), torch.tensor(x)
    out = ours(mine, inplace=True)
    assert out is mine
    assert theirs(reference, inplace=True) is reference
    np.testing.assert_allclose(host(mine), reference.numpy(), rtol=1e-10)


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_a_tensor_in_the_graph_returns_a_new_tensor(name):
    ours, theirs = INPLACE[name]
    x = rng.standard_normal((3, 4)) * 4
    leaf = gv.tensor(x, requires_grad=True)
    hidden = leaf * 1.0
    out = ours(hidden, inplace=True)
    assert out is not hidden
    np.testing.assert_array_equal(host(hidden), x)
    out.sum().backward()
    reference = torch.tensor(x, requires_grad=True)
    theirs(reference * 1.0, inplace=False).sum().backward()
    np.testing.assert_allclose(host(leaf.grad), reference.grad.numpy(), rtol=1e-7)  # hardsigmoid: see above


def test_inplace_under_no_grad_writes_and_later_backward_that_needs_the_old_values_refuses():
    w = gv.tensor([1.0, 2.0], requires_grad=True)
    x = gv.tensor([-1.0, 3.0])
    product = w * x  # saves x for w's gradient
    with gv.no_grad():
        assert F.relu(x, inplace=True) is x
    np.testing.assert_array_equal(host(x), [0.0, 3.0])
    with pytest.raises(GraphError, match="modified by an in-place operation"):
        product.sum().backward()


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_in_place_methods_match_pytorch(name, device):
    x = rng.standard_normal((3, 4)) * 3
    mine, reference = gv.tensor(x, device=device), torch.tensor(x)
    assert getattr(mine, name + "_")() is mine
    getattr(reference, name + "_")()
    np.testing.assert_allclose(host(mine), reference.numpy(), rtol=1e-14, atol=1e-15)
    ints = gv.arange(-2, 3)
    if name == "relu":
        np.testing.assert_array_equal(host(ints.relu_()), torch.arange(-2, 3).relu_().numpy())
    else:
        with pytest.raises(RuntimeError):
            getattr(torch.arange(3), name + "_")()
        with pytest.raises(TypeError, match=rf"{name}_: a floating point result cannot be written"):
            getattr(ints, name + "_")()


def test_in_place_methods_refuse_what_would_have_to_be_recorded():
    x = gv.ones(3, requires_grad=True)
    with pytest.raises(GraphError, match="sigmoid_: a tensor that requires grad cannot be modified in place"):
        x.sigmoid_()
    with gv.no_grad():
        x.tanh_()
    np.testing.assert_allclose(host(x), np.tanh(np.ones(3)))


FUNCTIONAL_IN_PLACE = {
    "relu_": (),
    "elu_": (0.7,),
    "selu_": (),
    "celu_": (1.3,),
    "hardtanh_": (-0.5, 0.5),
    "threshold_": (0.2, -1.0),
    "leaky_relu_": (0.1,),
}


@pytest.mark.parametrize("name", FUNCTIONAL_IN_PLACE)
def test_functional_in_place_forms_write_into_the_input_like_pytorch(name, device):
    x = np.random.default_rng(2).standard_normal((3, 4)) * 2
    mine, reference = gv.tensor(x, device=device), torch.tensor(x)
    args = FUNCTIONAL_IN_PLACE[name]
    assert getattr(F, name)(mine, *args) is mine
    assert getattr(TF, name)(reference, *args) is reference
    np.testing.assert_allclose(host(mine), reference.numpy(), rtol=1e-10)


@pytest.mark.parametrize("name, lambd", [("hardshrink", 0.5), ("hardshrink", 1.5), ("softshrink", 0.3)])
def test_shrinkage_matches_pytorch(name, lambd, device):
    x = np.random.default_rng(3).standard_normal((4, 5)) * 2
    check(lambda t: getattr(F, name)(t, lambd), lambda t: getattr(TF, name)(t, lambd), x, device=device)

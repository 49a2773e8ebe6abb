import numpy as np
import pytest
import torch

import gradviz as gv
from tests.oracle import check

rng = np.random.default_rng(0)

UNARY = {
    "exp": (gv.exp, torch.exp, None),
    "log": (gv.log, torch.log, "positive"),
    "sqrt": (gv.sqrt, torch.sqrt, "positive"),
    "abs": (gv.abs, torch.abs, "away_from_zero"),
    "sin": (gv.sin, torch.sin, None),
    "cos": (gv.cos, torch.cos, None),
    "tanh": (gv.tanh, torch.tanh, None),
    "sigmoid": (gv.sigmoid, torch.sigmoid, None),
    "relu": (gv.relu, torch.relu, "away_from_zero"),
}


def sample(shape, domain):
    x = rng.standard_normal(shape)
    if domain == "positive":
        return np.asarray(np.abs(x) + 0.2)
    if domain == "away_from_zero":
        return np.asarray(np.where(np.abs(x) < 0.1, 0.7, x))
    return x


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)])
def test_unary_ops_match_pytorch(name, shape, device):
    mine, theirs, domain = UNARY[name]
    check(mine, theirs, sample(shape, domain), device=device)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid"])
def test_second_derivatives(name):
    mine, _, domain = UNARY[name]
    x = gv.tensor(sample((4,), domain), requires_grad=True)
    assert gv.autograd.gradgradcheck(mine, (x,))


def test_methods_match_functions():
    x = gv.tensor([0.5, 1.5])
    for name in ("exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu"):
        assert getattr(x, name)().tolist() == getattr(gv, name)(x).tolist()


def test_sigmoid_is_stable_for_large_inputs():
    x = gv.tensor([-1000.0, 0.0, 1000.0])
    assert gv.sigmoid(x).tolist() == [0.0, 0.5, 1.0]


@pytest.mark.parametrize("bounds", [(-0.5, 0.5), (None, 0.2), (-0.1, None)])
def test_clamp(bounds, device):
    low, high = bounds
    x = sample((6,), "away_from_zero")
    check(lambda t: t.clamp(low, high), lambda t: t.clamp(low, high), x, device=device)


CLAMP_WITH_TENSORS = {
    "min": (lambda t, low: t.clamp(min=low), (0,)),
    "max": (lambda t, high: t.clamp(max=high), (1,)),
    "both": (lambda t, low, high: t.clamp(low, high), (0, 1)),
}


@pytest.mark.parametrize("bounds", CLAMP_WITH_TENSORS)
def test_clamp_with_tensor_bounds_sends_gradients_to_them_with_pytorchs_ties(bounds, device):
    x = np.array([[0.0, 1.0, 2.0, 3.0, 4.0, 2.0, 2.0], [5.0, -1.0, 1.5, 2.5, 3.5, 0.0, 2.0]])
    low = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 2.0])  # x == min in column 1, min > max in column 5
    high = np.array([3.0, 3.0, 3.0, 3.0, 3.0, 1.0, 2.0])  # x == max in column 3, min == max in column 6
    fn, used = CLAMP_WITH_TENSORS[bounds]
    bounds = [(low, high)[i] for i in used]
    check(fn, fn, x, *bounds, device=device, gradcheck=False)  # ties are kinks: no finite differences


@pytest.mark.parametrize("bounds", CLAMP_WITH_TENSORS)
def test_clamp_broadcasts_the_input_to_larger_bounds(bounds, device):
    x = np.array([0.5, 2.0, 5.0])
    low, high = np.array([[1.0, 1.0, 1.0], [0.0, 2.5, 4.0]]), np.array([[3.0, 3.0, 3.0], [0.2, 3.0, 4.5]])
    fn, used = CLAMP_WITH_TENSORS[bounds]
    out = check(fn, fn, x, *[(low, high)[i] for i in used], device=device)[0]
    assert tuple(out.shape) == (2, 3)


def test_clamp_bounds_promote_with_the_input():
    assert gv.tensor([1, 2]).clamp(0.5, 2.5).dtype == gv.float32
    assert gv.tensor([1, 2]).clamp(min=0).dtype == gv.int64
    assert gv.ones(2).clamp(min=gv.tensor([0.5, 2.0], dtype=gv.float64)).dtype == gv.float64


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="at least one of min and max"):
        gv.ones(2).clamp()


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_with_broadcast_and_ties(name, device):
    a = rng.standard_normal((3, 4))
    b = rng.standard_normal((4,))
    a[0, :] = b  # ties split the gradient in half, as in PyTorch
    check(getattr(gv, name), getattr(torch, name), a, b, device=device)


def test_where_routes_gradients(device):
    cond = rng.standard_normal((3, 4)) > 0
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    check(
        lambda c, x, y: gv.where(c, x, y),
        lambda c, x, y: torch.where(c, x, y),
        cond,
        a,
        b,
        device=device,
    )


def test_relu_gradient_taken_with_create_graph_depends_on_x_as_in_pytorch():
    results = []
    for lib in (gv, torch):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        (g,) = lib.autograd.grad(lib.relu(x).sum(), x, create_graph=True)
        (g2,) = lib.autograd.grad((g * x).sum(), x)
        results.append((g.requires_grad, g2.tolist()))
    assert results[0] == results[1] == (True, [1.0, 0.0, 1.0])


def test_where_warns_of_a_uint8_condition_as_pytorch():
    condition = np.array([1, 0, 2], dtype=np.uint8)
    with pytest.warns(UserWarning, match="uint8 condition"):
        expected = torch.where(torch.tensor(condition), torch.ones(3), torch.zeros(3))
    with pytest.warns(UserWarning, match="uint8 condition"):
        out = gv.where(gv.tensor(condition), gv.ones(3), gv.zeros(3))
    assert out.tolist() == expected.tolist()


@pytest.mark.parametrize("dtype", ["float32", "int64", "int32"])
def test_where_takes_only_a_bool_condition_as_pytorch(dtype):
    condition = np.array([1, 0, 2]).astype(dtype)
    with pytest.raises(RuntimeError, match="condition to be a boolean tensor"):
        torch.where(torch.tensor(condition), torch.ones(3), torch.zeros(3))
    with pytest.raises(
        TypeError, match=rf"where: the condition must be a bool tensor, but got gradviz.{dtype}"
    ):
        gv.where(gv.tensor(condition), gv.ones(3), gv.zeros(3))


@pytest.mark.parametrize("op, bound", [("maximum", "min"), ("minimum", "max")])
def test_maximum_and_minimum_take_a_tensor_as_pytorch(op, bound):
    with pytest.raises(TypeError, match="must be Tensor, not float"):
        getattr(torch, op)(torch.ones(3), 2.0)
    with pytest.raises(
        TypeError, match=rf"{op}\(\): argument 'other' must be Tensor, not float.*clamp\({bound}=2.0\)"
    ):
        getattr(gv, op)(gv.ones(3), 2.0)

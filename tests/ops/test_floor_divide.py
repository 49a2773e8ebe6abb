"""Floor division (``//``, floor_divide) and div's rounding modes, against PyTorch: values on negative
operands (where floor and trunc differ), broadcasting, dtypes, gradients, errors."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, GraphError
from tests.oracle import check, host

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered:RuntimeWarning")  # x / 0 in PyTorch's oracle
rng = np.random.default_rng(0)
SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((5,), ())]

# (gradviz, torch) pairs of the same operation
ROUNDED = {
    "//": (lambda a, b: a // b, lambda a, b: a // b),
    "floor_divide": (gv.floor_divide, torch.floor_divide),
    "div trunc": (
        lambda a, b: gv.div(a, b, rounding_mode="trunc"),
        lambda a, b: torch.div(a, b, rounding_mode="trunc"),
    ),
    "div floor": (
        lambda a, b: a.div(b, rounding_mode="floor"),
        lambda a, b: a.div(b, rounding_mode="floor"),
    ),
    "divide trunc": (
        lambda a, b: a.divide(b, rounding_mode="trunc"),
        lambda a, b: a.divide(b, rounding_mode="trunc"),
    ),
}

NODE = {  # the op an error message names
    "//": "floor_divide",
    "floor_divide": "floor_divide",
    "div trunc": "div_trunc",
    "div floor": "div_floor",
    "divide trunc": "div_trunc",
}


def float_operands(shapes, dtype="float64"):
    """Dividends of both signs, divisors of both signs away from 0."""
    a = rng.standard_normal(shapes[0]) * 6
    b = rng.uniform(0.5, 3.0, shapes[1]) * rng.choice([-1.0, 1.0], shapes[1])
    return np.asarray(a, dtype), np.asarray(b, dtype)


def int_operands(shapes, dtype="int64"):
    a = rng.integers(-30, 30, shapes[0])
    b = rng.integers(1, 7, shapes[1]) * rng.choice([-1, 1], shapes[1])
    return np.asarray(a, dtype), np.asarray(b, dtype)


def same_values(got, expected):
    assert got.dtype.name == str(expected.dtype).removeprefix("torch."), (got.dtype, expected.dtype)
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(host(got), expected.numpy())


@pytest.mark.parametrize("name", ROUNDED)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_rounded_division_matches_pytorch(name, shapes, dtype, device):
    mine, theirs = ROUNDED[name]
    a, b = (float_operands if dtype.startswith("float") else int_operands)(shapes, dtype)
    expected = theirs(torch.tensor(a), torch.tensor(b))
    same_values(mine(gv.tensor(a, device=device), gv.tensor(b, device=device)), expected)


def test_floor_and_trunc_differ_on_negative_quotients_as_in_pytorch():
    a, b = np.array([-7, 7, -7, 7, -6, 0, -1]), np.array([2, 2, -2, -2, 3, -5, 5])
    floor, trunc = gv.tensor(a) // gv.tensor(b), gv.div(gv.tensor(a), gv.tensor(b), rounding_mode="trunc")
    assert floor.tolist() == [-4, 3, 3, -4, -2, 0, -1] == (torch.tensor(a) // torch.tensor(b)).tolist()
    assert trunc.tolist() == [-3, 3, 3, -3, -2, 0, 0]
    assert trunc.tolist() == torch.div(torch.tensor(a), torch.tensor(b), rounding_mode="trunc").tolist()
    floats = gv.tensor(a.astype(float) + 0.5) // 2
    assert floats.tolist() == (torch.tensor(a.astype(float) + 0.5) // 2).tolist()


@pytest.mark.parametrize("name", ROUNDED)
@pytest.mark.parametrize("number", [2, -3, 2.5, -0.75])
def test_numbers_on_either_side(name, number, device):
    mine, theirs = ROUNDED[name]
    for a in (int_operands(((6,), ()))[0], float_operands(((6,), ()))[0]):
        same_values(mine(gv.tensor(a, device=device), number), theirs(torch.tensor(a), number))
    divisors = np.array([3, -2, 4, -5])
    expected = number // torch.tensor(divisors)
    same_values(number // gv.tensor(divisors, device=device), expected)
    same_values(gv.floor_divide(number, gv.tensor(divisors, device=device)), expected)


@pytest.mark.parametrize(
    "a, b",
    [
        (np.array([200, 7], dtype=np.uint8), np.array([-3, 2], dtype=np.int8)),  # int16
        (np.array([7, -7], dtype=np.int32), np.array(2)),  # a 0-d int64 does not widen int32
        (np.array([7, -7]), np.array(2.0, dtype=np.float64)),  # a 0-d float makes it float32
        (np.array([7.0, -7.0], dtype=np.float16), np.array([2.0, 2.0], dtype=np.float32)),
        (np.array([True, False]), np.array([2, 3])),  # bool with int: int64
    ],
)
def test_result_dtypes_follow_pytorch(a, b):
    for mine, theirs in ROUNDED.values():
        same_values(mine(gv.tensor(a), gv.tensor(b)), theirs(torch.tensor(a), torch.tensor(b)))


def test_float_division_by_zero_and_infinities_match_pytorch_with_signed_zeros():
    a = np.array([1.0, -1.0, 0.0, 7.0, -7.0, np.inf, 1.0, -0.5, 0.5, -0.0])
    b = np.array([0.0, 0.0, 0.0, np.inf, np.inf, 2.0, -np.inf, 3.0, -3.0, 2.0])
    for mine, theirs in ROUNDED.values():
        got, expected = mine(gv.tensor(a), gv.tensor(b)), theirs(torch.tensor(a), torch.tensor(b))
        np.testing.assert_array_equal(host(got), expected.numpy())  # NaN where PyTorch has NaN
        np.testing.assert_array_equal(np.signbit(host(got)), np.signbit(expected.numpy()))


@pytest.mark.parametrize("name", ROUNDED)
def test_integer_division_by_zero_raises_naming_the_op(name, device):
    mine, theirs = ROUNDED[name]
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        theirs(torch.tensor([7, -7]), torch.tensor([1, 0]))
    op = NODE[name]
    with pytest.raises(RuntimeError, match=rf"{op}: integer division by zero.*int64"):
        mine(gv.tensor([7, -7], device=device), gv.tensor([1, 0], device=device))
    with pytest.raises(RuntimeError, match=rf"{op}: integer division by zero"):
        mine(gv.tensor([7, -7], device=device), 0)


def test_bool_operands_are_refused_as_in_pytorch():
    flags = np.array([True, True])
    for name, (mine, theirs) in ROUNDED.items():
        with pytest.raises(NotImplementedError):
            theirs(torch.tensor(flags), torch.tensor(flags))
        op = NODE[name]
        with pytest.raises(DtypeError, match=rf"{op}: not defined for bool tensors.*\(2,\) and \(2,\)"):
            mine(gv.tensor(flags), gv.tensor(flags))


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((2, 3, 4), (3, 1)), ((3, 4), ())])
def test_rounded_div_has_pytorchs_zero_gradient(mode, shapes, device):
    """The divisor broadcasts, so its zero gradient is summed back to its shape; quotients stay away from
    the jumps, where finite differences (gradcheck) would see a step."""
    b = np.asarray(rng.uniform(0.5, 3.0, shapes[1]) * rng.choice([-1.0, 1.0], shapes[1]))
    a = (rng.integers(-4, 4, shapes[0]) + rng.uniform(0.1, 0.9, shapes[0])) * b
    out = check(
        lambda x, y: gv.div(x, y, rounding_mode=mode),
        lambda x, y: torch.div(x, y, rounding_mode=mode),
        a,
        b,
        device=device,
    )
    assert out[0].grad_fn.name == f"div_{mode}"


def test_rounded_div_gradient_is_zero_for_one_operand_and_twice_differentiable():
    x = gv.tensor([1.5, -2.5, 3.25], requires_grad=True)
    (grad,) = gv.autograd.grad(gv.div(x, 2.0, rounding_mode="floor").sum(), x, create_graph=True)
    assert grad.tolist() == [0.0, 0.0, 0.0] and grad.dtype == x.dtype
    t = torch.tensor([1.5, -2.5, 3.25], requires_grad=True)
    (expected,) = torch.autograd.grad(torch.div(t, 2.0, rounding_mode="floor").sum(), t, create_graph=True)
    assert expected.tolist() == grad.tolist()


@pytest.mark.parametrize("divide", [lambda a, b: a // b, gv.floor_divide])
def test_floor_divide_backward_raises_as_in_pytorch(divide):
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not implemented"):
        (torch.ones(3, requires_grad=True) // 2 + 1).sum().backward()
    x = gv.ones(3, requires_grad=True)
    out = divide(x, 2)
    assert out.requires_grad  # recorded, as PyTorch records it, so the error comes at backward
    with pytest.raises(GraphError, match=r"floor_divide: the derivative .* not implemented.*rounding_mode"):
        (out + x).sum().backward()
    with pytest.raises(GraphError, match="floor_divide: the derivative"):
        gv.autograd.grad(divide(gv.ones(3), x).sum(), x)
    assert not divide(x.detach(), 2).requires_grad


def test_argument_errors_match_pytorchs():
    with pytest.raises(
        RuntimeError, match="rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'"
    ):
        torch.div(torch.ones(2), 2, rounding_mode="round")
    with pytest.raises(
        RuntimeError, match="rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'"
    ):
        gv.div(gv.ones(2), 2, rounding_mode="round")
    with pytest.raises(RuntimeError, match="but found 'Floor'"):
        gv.ones(2).div_(2, rounding_mode="Floor")


def test_true_divide_and_plain_div_are_true_division(device):
    a, b = int_operands(((3, 4), (4,)))
    for mine, theirs in [(gv.true_divide, torch.true_divide), (gv.div, torch.div), (gv.divide, torch.divide)]:
        got = mine(gv.tensor(a, device=device), gv.tensor(b, device=device))
        expected = theirs(torch.tensor(a), torch.tensor(b))
        assert got.dtype == gv.float32
        np.testing.assert_allclose(host(got), expected.numpy(), rtol=1e-6)
    fa, fb = float_operands(((3, 4), (4,)))
    check(lambda x, y: x.true_divide(y), lambda x, y: x.true_divide(y), fa, fb, device=device)
    check(lambda x, y: x.div(y, rounding_mode=None), lambda x, y: x.div(y, rounding_mode=None), fa, fb)

import subprocess
import sys

import numpy as np
import pytest
import torch

import gradviz as gv
from tests.oracle import check

rng = np.random.default_rng(0)
SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((5,), ())]
BINARY = {
    "add": (lambda a, b: a + b),
    "sub": (lambda a, b: a - b),
    "mul": (lambda a, b: a * b),
    "div": (lambda a, b: a / b),
}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
def test_binary_ops_broadcast_like_pytorch(name, shapes, device):
    a, b = (rng.standard_normal(s) + 3.0 for s in shapes)
    fn = BINARY[name]
    check(fn, fn, a, b, device=device)


@pytest.mark.parametrize("scalar", [2.5, -3, 0.5])
def test_scalar_and_reflected_forms(scalar, device):
    x = rng.standard_normal((2, 3)) + 4.0
    for fn in (
        lambda t: t + scalar,
        lambda t: scalar + t,
        lambda t: scalar - t,
        lambda t: t * scalar,
        lambda t: scalar / t,
        lambda t: t / scalar,
        lambda t: -t,
        lambda t: t**scalar,
    ):
        check(fn, fn, x, device=device)


def test_tensor_power_and_scalar_base(device):
    a = rng.uniform(0.5, 2.0, (3, 2))
    b = rng.standard_normal((3, 2))
    check(lambda x, y: x**y, lambda x, y: x**y, a, b, device=device)
    check(lambda y: 2.0**y, lambda y: 2.0**y, b, device=device)


def test_int_division_gives_default_float():
    out = gv.tensor([1, 2]) / gv.tensor([2, 2])
    assert out.dtype == gv.float32
    assert out.tolist() == [0.5, 1.0]


def test_second_derivatives_of_arithmetic():
    x = np.random.default_rng(1).uniform(0.5, 2.0, (3,))
    y = np.random.default_rng(2).uniform(0.5, 2.0, (3,))
    args = (gv.tensor(x, requires_grad=True), gv.tensor(y, requires_grad=True))
    assert gv.autograd.gradgradcheck(lambda a, b: a * b / (a - b * 3) + a**b, args)


def test_broadcast_shape_mismatch_names_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"add.*\(2, 3\).*\(4,\)"):
        gv.ones(2, 3) + gv.ones(4)
    with pytest.raises(RuntimeError):
        torch.ones(2, 3) + torch.ones(4)


def test_power_of_zero_base_has_pytorchs_zero_gradients(device):
    """PyTorch's masks: d(x**0)/dx is 0 even at x=0; d(0**y)/dy is 0 for y >= 0 (not 0 * log 0 = NaN)."""
    zero_base = np.array([0.0, 0.0, 0.0, 2.0])
    exponents = np.array([0.0, 2.0, -1.0, 0.5])
    check(lambda x: x**0, lambda x: x**0, zero_base, device=device, gradcheck=False)
    check(lambda x, y: x**y, lambda x, y: x**y, zero_base, exponents, device=device, gradcheck=False)


@pytest.mark.parametrize("base", [0, 0.0, -2.0])
def test_scalar_base_power_at_zero_and_negative_base_matches_pytorch(base, device):
    exponents = np.array([1.0, 2.0, 0.0, -1.0])
    check(lambda y: base**y, lambda y: base**y, exponents, device=device, gradcheck=False)


SILENT_NON_FINITE = """
import numpy as np, gradviz as gv
x = gv.tensor([0.0, 1.0, -1.0], requires_grad=True, device=DEVICE)
y = (x.log() + x / 0 + x.sqrt() + (x * 1e38) * 1e38).sum()
y.backward()
assert np.isnan(y.item()) and not np.isfinite(x.grad.tolist()).any()
np.log(np.zeros(1))  # the user's own numpy code still warns
"""


def test_infinities_and_nans_come_without_numpy_warnings_as_in_pytorch(device):
    """In a fresh interpreter, as in a notebook: pytest's own warning filters would hide the difference."""
    code = SILENT_NON_FINITE.replace("DEVICE", repr(str(device)))
    run = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    warned = [line for line in run.stderr.splitlines() if "Warning" in line]
    assert len(warned) == 1, warned
    assert warned[0].startswith("<string>") and "divide by zero encountered in log" in warned[0]


# op -> (its name in the message, whether PyTorch 2.13 refuses two numbers too)
TWO_NUMBERS = {
    "add": ("add", False),
    "sub": ("sub", False),
    "mul": ("mul", False),
    "div": ("div", False),
    "true_divide": ("div", False),
    "floor_divide": ("floor_divide", False),
    "remainder": ("remainder", True),
    "pow": ("pow", True),
}


@pytest.mark.parametrize("name", TWO_NUMBERS)
@pytest.mark.parametrize("numbers", [(7, 2), (7.5, 2)], ids=["ints", "float and int"])
def test_an_op_of_two_numbers_is_a_type_error_naming_the_op(name, numbers):
    """gradviz raised RuntimeError "'int' object has no attribute 'dtype'". PyTorch refuses remainder and
    pow of two numbers with a TypeError, but computes add, sub, mul, div and floor_divide as if the first
    were a 0-d tensor; gradviz refuses all of them alike (as its floor_divide already did), saying why."""
    op, torch_refuses = TWO_NUMBERS[name]
    kinds = " and ".join(type(n).__name__ for n in numbers)
    message = rf"{op}\(\): expected at least one argument to be a Tensor, got {kinds}; wrap a number"
    if torch_refuses:
        with pytest.raises(TypeError):
            getattr(torch, name)(*numbers)
    else:
        assert isinstance(getattr(torch, name)(*numbers), torch.Tensor)
    with pytest.raises(TypeError, match=message):
        getattr(gv, name)(*numbers)
    assert getattr(gv, name)(gv.tensor(numbers[0]), numbers[1]).item() == pytest.approx(
        getattr(torch, name)(torch.tensor(numbers[0]), numbers[1]).item()
    )

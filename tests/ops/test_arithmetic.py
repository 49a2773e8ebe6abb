import subprocess
import sys

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError
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


TWO_NUMBERS_COMPUTED = ["add", "sub", "mul", "div", "divide", "true_divide", "floor_divide"]
TWO_NUMBERS_REFUSED = ["remainder", "pow"]
PAIRS = {"ints": (7, 2), "float": (7.5, 2), "bool": (True, 2)}
NUMBER_PAIRS = pytest.mark.parametrize("numbers", PAIRS.values(), ids=PAIRS.keys())


@pytest.mark.parametrize(
    "name, numbers",
    [
        (name, pair)
        for name in TWO_NUMBERS_COMPUTED
        for pair in PAIRS.values()
        if (name, pair[0]) != ("sub", True)
    ],
)
def test_arithmetic_functions_compute_two_numbers_as_pytorch_does(name, numbers):
    """PyTorch computes add, sub, mul, div and floor_divide of two plain numbers as if the first were a
    0-d tensor; gradviz raised RuntimeError "'int' object has no attribute 'dtype'"."""
    ours, theirs = getattr(gv, name)(*numbers), getattr(torch, name)(*numbers)
    assert ours.shape == () and str(ours.dtype)[len("gradviz.") :] == str(theirs.dtype)[len("torch.") :]
    assert ours.item() == pytest.approx(theirs.item())


@pytest.mark.parametrize(
    "subtraction",
    [
        lambda lib: lib.ones(2) - lib.tensor([True, False]),
        lambda lib: lib.ones(2) - True,
        lambda lib: lib.tensor([True]) - 1,
        lambda lib: 1 - lib.tensor([True]),
        lambda lib: lib.sub(True, 2),
        lambda lib: lib.tensor([1]).sub_(True),
    ],
)
def test_subtraction_with_a_bool_is_refused_as_in_pytorch(subtraction):
    """gradviz computed these (True as 1); PyTorch refuses them and points to ~ / logical_not."""
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        subtraction(torch)
    with pytest.raises(DtypeError, match=r"sub_?: subtraction with a bool tensor is not supported.*~mask"):
        subtraction(gv)


@pytest.mark.parametrize("name", TWO_NUMBERS_REFUSED)
@NUMBER_PAIRS
def test_remainder_and_pow_of_two_numbers_are_type_errors_naming_the_op(name, numbers):
    """As PyTorch refuses them, with a message that says what to do."""
    with pytest.raises(TypeError):
        getattr(torch, name)(*numbers)
    kinds = " and ".join(type(n).__name__ for n in numbers)
    message = rf"{name}\(\): expected at least one argument to be a Tensor, got {kinds}; wrap a number"
    with pytest.raises(TypeError, match=message):
        getattr(gv, name)(*numbers)


def test_the_tensor_operators_keep_their_own_functions():
    """Only the module-level functions take two numbers; ``x + y`` keeps the direct path."""
    assert gv.Tensor.__add__ is gv.ops.arithmetic.add and gv.add is not gv.ops.arithmetic.add
    assert (gv.tensor([1.0]) + 2).tolist() == gv.add(gv.tensor([1.0]), 2).tolist() == [3.0]

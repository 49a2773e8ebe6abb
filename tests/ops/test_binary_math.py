"""xlogy, logaddexp, logaddexp2, hypot, copysign, fmax, fmin and heaviside against PyTorch: values,
gradients (broadcast back to each input's shape), second derivatives, special values and dtypes."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError
from tests.oracle import check, check_refused_like_torch, host

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered:RuntimeWarning")
rng = np.random.default_rng(0)

DIFFERENTIABLE = ["xlogy", "logaddexp", "logaddexp2", "hypot", "copysign", "fmax", "fmin"]


def operands(name, shapes=((3, 4), (4,))):
    a, b = (rng.standard_normal(shape) for shape in shapes)
    if name == "xlogy":
        b = np.abs(b) + 0.3
    if name == "copysign":  # away from 0, where the gradient jumps
        a = np.where(np.abs(a) < 0.1, 0.5, a)
    return a, b


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_values_and_broadcast_gradients_match_pytorch(name, device):
    a, b = operands(name)
    check(getattr(gv, name), getattr(torch, name), a, b, device=device)
    a, b = operands(name, shapes=((4,), (2, 1, 4)))
    check(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), a, b, device=device)


@pytest.mark.parametrize("name", ["xlogy", "logaddexp", "logaddexp2", "hypot"])
def test_second_derivatives(name):
    a, b = operands(name)
    x, y = gv.tensor(a, requires_grad=True), gv.tensor(b, requires_grad=True)
    assert gv.autograd.gradgradcheck(getattr(gv, name), (x, y))


SPECIAL = [
    ("xlogy", [0.0, 0.0, 1.0, 2.0, np.nan, 0.0], [0.0, -1.0, 0.0, 3.0, 1.0, np.nan]),
    ("logaddexp", [-np.inf, 1.0, 800.0, np.inf], [-np.inf, 1.0, 800.0, 1.0]),
    ("logaddexp2", [-np.inf, 1.0, -900.0], [-np.inf, 2.0, -900.0]),
    ("hypot", [0.0, 3.0, np.inf, 1e200], [0.0, 4.0, np.nan, 1e200]),
    ("copysign", [0.0, -0.0, 2.0, 3.0], [-1.0, 1.0, -0.0, np.nan]),
    ("fmax", [1.0, 2.0, np.nan, np.nan, 3.0], [1.0, np.nan, 1.0, np.nan, 4.0]),
    ("fmin", [1.0, 2.0, np.nan, np.nan, 3.0], [1.0, np.nan, 1.0, np.nan, 4.0]),
]


@pytest.mark.parametrize("name, a, b", SPECIAL)
def test_special_values_and_their_gradients_match_pytorch(name, a, b):
    ours = [gv.tensor(v, dtype=gv.float64, requires_grad=True) for v in (a, b)]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b)]
    mine, expected = getattr(gv, name)(*ours), getattr(torch, name)(*theirs)
    np.testing.assert_allclose(host(mine), expected.detach().numpy(), rtol=1e-15)
    mine.sum().backward()
    expected.sum().backward()
    for got, want in zip(ours, theirs):
        np.testing.assert_allclose(host(got.grad), want.grad.numpy(), rtol=1e-15)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.xlogy(2, lib.tensor([0.0, 1.0, -2.0])),
        lambda lib: lib.xlogy(lib.tensor([0.0, 1.0, -2.0]), 2.0),
        lambda lib: lib.xlogy(lib.tensor([1, 2]), lib.tensor([3, 4])),
        lambda lib: lib.copysign(lib.tensor([1, 2]), -1.0),
        lambda lib: lib.fmax(lib.tensor([1, 5]), lib.tensor([3, 2])),
        lambda lib: lib.hypot(lib.tensor([3.0], dtype=lib.float64), lib.tensor([4.0])),
        lambda lib: lib.heaviside(lib.tensor([-1.0, 0.0, 2.0, np.nan]), lib.tensor(0.5)),
        lambda lib: lib.heaviside(lib.tensor([-1, 0, 2]), lib.tensor([7, 7, 7])),
    ],
)
def test_numbers_dtypes_and_the_step_match_pytorch(call):
    mine, expected = call(gv), call(torch)
    assert str(mine.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
    np.testing.assert_array_equal(host(mine), expected.numpy())


def test_heaviside_has_no_gradient_and_refuses_mixed_dtypes():
    assert not gv.heaviside(gv.ones(2, requires_grad=True), gv.tensor(0.5)).requires_grad
    check_refused_like_torch(
        (RuntimeError, lambda: torch.heaviside(torch.ones(2), torch.tensor(1))),
        (DtypeError, lambda: gv.heaviside(gv.ones(2), gv.tensor(1))),
        "heaviside: input and values must have the same dtype, got float32 and int64",
    )


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2", "hypot", "fmax", "fmin"])
def test_a_number_second_operand_is_refused_as_in_pytorch(name):
    check_refused_like_torch(
        (TypeError, lambda: getattr(torch, name)(torch.ones(2), 2.0)),
        (TypeError, lambda: getattr(gv, name)(gv.ones(2), 2.0)),
        rf"{name}\(\): argument 'other' must be Tensor, not float",
    )

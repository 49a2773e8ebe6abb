import math

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError
from tests.oracle import check

rng = np.random.default_rng(0)
ORDS = [2, 1, math.inf, -math.inf, 0, 3, 0.5]


@pytest.mark.parametrize("ord", ORDS)
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_vector_norm_matches_pytorch(ord, dim, keepdim, device):  # noqa: A002
    x = rng.standard_normal((3, 4, 5))
    check(
        lambda t: gv.linalg.vector_norm(t, ord, dim, keepdim),
        lambda t: torch.linalg.vector_norm(t, ord, dim, keepdim),
        x,
        device=device,
        grad=ord != 0,
    )


def test_the_zero_norm_counts_and_sends_no_gradient_as_in_pytorch():
    x = gv.tensor([[0.0, 2.0, -1.0], [0.0, 0.0, 3.0]], requires_grad=True)
    count = gv.linalg.vector_norm(x, 0, dim=1)
    assert count.tolist() == [2.0, 1.0] and count.requires_grad
    count.sum().backward()
    assert x.grad is None


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, math.inf])
def test_the_gradient_at_zero_is_zero_as_in_pytorch(ord, device):  # noqa: A002
    x = np.zeros((2, 3))
    x[1] = [0.0, 1.5, -2.0]
    check(
        lambda t: gv.linalg.vector_norm(t, ord, dim=1),
        lambda t: torch.linalg.vector_norm(t, ord, dim=1),
        x,
        device=device,
        gradcheck=False,
    )


@pytest.mark.parametrize("ord", [2, 3])
def test_second_derivatives(ord):  # noqa: A002
    x = gv.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert gv.autograd.gradgradcheck(lambda t: gv.linalg.vector_norm(t, ord, dim=1), [x])


def test_tensor_norm_and_gradviz_norm_follow_torch_norm(device):
    x = rng.standard_normal((2, 3, 4))
    check(lambda t: t.norm(), lambda t: t.norm(), x, device=device)
    check(lambda t: gv.norm(t, 1, dim=2), lambda t: torch.norm(t, 1, dim=2), x, device=device)
    check(lambda t: t.norm("fro", dim=(0, 1)), lambda t: t.norm("fro", dim=(0, 1)), x, device=device)


def test_dtype_argument_and_float32_results():
    x = gv.tensor([3, 4])
    assert gv.linalg.vector_norm(x, dtype=gv.float32).item() == 5.0
    ones = gv.ones(2, 3)
    assert gv.linalg.vector_norm(ones, 0, dim=1).dtype == gv.float32
    assert gv.linalg.vector_norm(ones).dtype == gv.float32


def test_bad_arguments_are_explained():
    with pytest.raises(DtypeError, match="vector_norm: expected a floating point tensor, got gradviz.int64"):
        gv.linalg.vector_norm(gv.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"the inf norm of an empty tensor \(shape \(0,\)\)"):
        gv.linalg.vector_norm(gv.zeros(0), math.inf)
    with pytest.raises(TypeError, match="ord must be a number"):
        gv.linalg.vector_norm(gv.ones(2), "fro")
    with pytest.raises(ValueError, match=r"norm: p='nuc' needs a matrix, or dim= naming two dims"):
        gv.ones(2, 2, 2).norm("nuc")
    with pytest.raises(RuntimeError):
        torch.ones(2, 2, 2).norm("nuc")


@pytest.mark.parametrize("dim, keepdim", [(None, False), ((1, 2), False), ((0, 2), True)])
def test_the_nuclear_norm_matches_pytorch(dim, keepdim):
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    if dim is None:
        x = x[0]
    check(lambda t: t.norm("nuc", dim, keepdim), lambda t: t.norm("nuc", dim, keepdim), x)

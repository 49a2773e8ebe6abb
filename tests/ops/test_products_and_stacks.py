"""inner, vdot, kron, cross, chain_matmul, addmv, addr, baddbmm, addbmm and the assembling ops
(dstack, column_stack, row_stack, atleast_1d/2d/3d, block_diag, diag_embed, diagflat, cartesian_prod,
take) against PyTorch: values and gradients on the CPU and the simulated device, and the errors."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import ShapeError
from tests.oracle import check, check_refused_like_torch

pytestmark = pytest.mark.filterwarnings("ignore:torch.chain_matmul is deprecated:UserWarning")
rng = np.random.default_rng(0)


def r(*shape):
    return rng.standard_normal(shape)


PRODUCTS = {
    "inner matrices": (lambda lib, a, b: lib.inner(a, b), (r(2, 3), r(4, 3))),
    "inner scalar": (lambda lib, a, b: lib.inner(a, b), (r(), r(3))),
    "vdot": (lambda lib, a, b: lib.vdot(a, b), (r(4), r(4))),
    "kron matrices": (lambda lib, a, b: lib.kron(a, b), (r(2, 3), r(3, 2))),
    "kron mixed ndim": (lambda lib, a, b: a.kron(b), (r(2), r(3, 1, 2))),
    "cross first dim of 3": (lambda lib, a, b: lib.cross(a, b), (r(3, 4), r(3, 4))),
    "cross dim -1 broadcast": (lambda lib, a, b: lib.cross(a, b, dim=-1), (r(4, 3), r(1, 3))),
    "linalg.cross": (lambda lib, a, b: lib.linalg.cross(a, b), (r(2, 3), r(2, 3))),
    "chain_matmul": (lambda lib, a, b: lib.chain_matmul(a, b, a.T), (r(2, 3), r(3, 3))),
}


@pytest.mark.parametrize("name", PRODUCTS)
def test_products_match_pytorch(name, device):
    call, (a, b) = PRODUCTS[name]
    check(lambda x, y: call(gv, x, y), lambda x, y: call(torch, x, y), a, b, device=device)


SCALED_SUMS = {
    "addmv": (r(3), r(3, 4), r(4)),
    "addr": (r(3, 1), r(3), r(4)),
    "baddbmm": (r(2, 3, 5), r(2, 3, 4), r(2, 4, 5)),
    "addbmm": (r(3, 5), r(2, 3, 4), r(2, 4, 5)),
}


@pytest.mark.parametrize("name", SCALED_SUMS)
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, -2.0)])
def test_scaled_sums_match_pytorch(name, beta, alpha, device):
    def call(lib):
        return lambda *args: getattr(lib, name)(*args, beta=beta, alpha=alpha)

    check(call(gv), call(torch), *SCALED_SUMS[name], device=device)


def test_beta_zero_ignores_nan_in_the_input_as_pytorch():
    nan = np.full(3, np.nan)
    mat, vec = r(3, 4), r(4)
    mine = gv.addmv(gv.tensor(nan), gv.tensor(mat), gv.tensor(vec), beta=0)
    expected = torch.addmv(torch.tensor(nan), torch.tensor(mat), torch.tensor(vec), beta=0)
    np.testing.assert_allclose(mine.numpy(), expected.numpy())


ASSEMBLED = {
    "dstack": (lambda lib, a, b: lib.dstack([a, b]), (r(2, 3), r(2, 3))),
    "column_stack": (lambda lib, a, b: lib.column_stack([a, b]), (r(3), r(3, 2))),
    "row_stack": (lambda lib, a, b: lib.row_stack([a, b]), (r(3), r(2, 3))),
    "atleast_1d": (lambda lib, a, b: lib.atleast_1d(a, b), (r(), r(2))),
    "atleast_2d": (lambda lib, a, b: lib.atleast_2d((a, b)), (r(), r(2))),
    "atleast_3d": (lambda lib, a, b: lib.atleast_3d(a, b), (r(2), r(2, 3))),
    "block_diag": (lambda lib, a, b: lib.block_diag(a, b, a), (r(2, 3), r(4))),
    "diag_embed": (lambda lib, a, b: lib.diag_embed(a, 1, 0, 2), (r(2, 3), None)),
    "diag_embed method": (lambda lib, a, b: a.diag_embed(-1), (r(3), None)),
    "diagflat": (lambda lib, a, b: lib.diagflat(a, -1), (r(2, 2), None)),
    "cartesian_prod": (lambda lib, a, b: lib.cartesian_prod(a, b), (r(2), r(3))),
    "take": (lambda lib, a, b: lib.take(a, b), (r(2, 3), np.array([[0, 5], [5, -1]]))),
}


@pytest.mark.parametrize("name", ASSEMBLED)
def test_assembled_tensors_match_pytorch(name, device):
    call, (a, b) = ASSEMBLED[name]
    check(lambda x, y: call(gv, x, y), lambda x, y: call(torch, x, y), a, b, device=device)


def test_bad_shapes_are_refused_as_pytorch_refuses_them():
    check_refused_like_torch(
        (RuntimeError, lambda: torch.inner(torch.ones(2, 3), torch.ones(2))),
        (ShapeError, lambda: gv.inner(gv.ones(2, 3), gv.ones(2))),
        r"inner: the last dimensions of shapes \(2, 3\) and \(2,\) must match \(3 != 2\)",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.vdot(torch.ones(3), torch.ones(3, 1))),
        (ShapeError, lambda: gv.vdot(gv.ones(3), gv.ones(3, 1))),
        r"vdot: expects two 1-D tensors, but got shapes \(3,\) and \(3, 1\)",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.linalg.cross(torch.ones(4, 2), torch.ones(4, 2))),
        (ShapeError, lambda: gv.linalg.cross(gv.ones(4, 2), gv.ones(4, 2))),
        r"cross: dimension -1 of both inputs must have length 3, got shapes \(4, 2\) and \(4, 2\)",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.addmv(torch.ones(3), torch.ones(3, 4), torch.ones(4, 1))),
        (ShapeError, lambda: gv.addmv(gv.ones(3), gv.ones(3, 4), gv.ones(4, 1))),
        r"addmv: vec must be 1-D, but got shape \(4, 1\)",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.diag_embed(torch.ones(2, 3), 0, 1, 1)),
        (ShapeError, lambda: gv.diag_embed(gv.ones(2, 3), 0, 1, 1)),
        "diag_embed: dim1 and dim2 must differ, both are 1",
    )

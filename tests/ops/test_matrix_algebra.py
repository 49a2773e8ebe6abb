"""gradviz.linalg against torch.linalg: inv, det, slogdet, logdet, solve, cholesky, eigh, svd/svdvals,
matrix_power, matrix_norm, norm, matrix_rank, multi_dot, vander; values and gradients (batched, on the
CPU and the simulated device), second derivatives, and the errors for what has no gradient."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, GraphError, ShapeError
from tests.oracle import check, check_refused_like_torch

rng = np.random.default_rng(0)


def well_conditioned(*shape):
    """Square matrices near the identity (their inverse and determinant are tame)."""
    n = shape[-1]
    return rng.standard_normal(shape) * 0.3 + np.eye(n)


def symmetric_positive(*shape):
    x = rng.standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


CALLS = {
    "inv": (lambda lib, a: lib.linalg.inv(a), well_conditioned(3, 3)),
    "inv batched": (lambda lib, a: lib.linalg.inv(a), well_conditioned(2, 3, 3)),
    "inverse": (lambda lib, a: a.inverse(), well_conditioned(3, 3)),
    "det": (lambda lib, a: lib.linalg.det(a), well_conditioned(2, 3, 3)),
    "det method": (lambda lib, a: a.det(), well_conditioned(4, 4)),
    "slogdet": (lambda lib, a: tuple(lib.linalg.slogdet(a)), well_conditioned(2, 3, 3) * -1),
    "logdet": (lambda lib, a: lib.logdet(a), symmetric_positive(3, 3)),
    "cholesky": (lambda lib, a: lib.linalg.cholesky(a), symmetric_positive(2, 4, 4)),
    "cholesky upper": (lambda lib, a: lib.linalg.cholesky(a, upper=True), symmetric_positive(3, 3)),
    "eigvalsh": (lambda lib, a: lib.linalg.eigvalsh(a), symmetric_positive(2, 3, 3)),
    "svdvals": (lambda lib, a: lib.linalg.svdvals(a), rng.standard_normal((2, 4, 3))),
    "matrix_power 3": (lambda lib, a: lib.linalg.matrix_power(a, 3), well_conditioned(3, 3)),
    "matrix_power -2": (lambda lib, a: lib.matrix_power(a, -2), well_conditioned(2, 3, 3)),
    "matrix_power 0": (lambda lib, a: a.matrix_power(0) * a, well_conditioned(3, 3)),
    "multi_dot": (lambda lib, a: lib.linalg.multi_dot([a, a.T, a]), rng.standard_normal((3, 2))),
    "vander": (lambda lib, a: lib.linalg.vander(a), rng.standard_normal(4)),
}


# these read one triangle of a symmetric input: finite differences of the other triangle are 0, while
# the gradient (PyTorch's too) is symmetric; test_symmetric_decompositions_pass_gradcheck covers them
READS_ONE_TRIANGLE = {"cholesky", "cholesky upper", "eigvalsh"}


@pytest.mark.parametrize("name", CALLS)
def test_values_and_gradients_match_pytorch(name, device):
    call, a = CALLS[name]
    gradcheck = name not in READS_ONE_TRIANGLE
    check(lambda t: call(gv, t), lambda t: call(torch, t), a, device=device, atol=1e-6, gradcheck=gradcheck)


@pytest.mark.parametrize(
    "decompose",
    [
        lambda a: gv.linalg.cholesky(a),
        lambda a: gv.linalg.eigvalsh(a),
        lambda a: gv.linalg.eigh(a).eigenvectors ** 2,
    ],
)
def test_symmetric_decompositions_pass_gradcheck(decompose):
    """Through a symmetric input made of the free parameter (x xᵀ + 3I), first and second order."""
    x = gv.tensor(rng.standard_normal((3, 3)), requires_grad=True)

    def through_symmetric(t):
        return decompose(t @ t.T + 3 * gv.eye(3, dtype=gv.float64))

    assert gv.autograd.gradcheck(through_symmetric, (x,))
    assert gv.autograd.gradgradcheck(through_symmetric, (x,))


def test_increasing_vander_matches_pytorch():
    # PyTorch's own backward fails here (an in-place write in its vander), so values only, and
    # gradcheck for the gradient
    x = rng.standard_normal(4)
    check(
        lambda t: gv.vander(t, 3, increasing=True),
        lambda t: torch.vander(t, 3, increasing=True),
        x,
        grad=False,
    )
    assert gv.autograd.gradcheck(
        lambda t: gv.vander(t, 3, increasing=True), (gv.tensor(x, requires_grad=True),)
    )


def test_eigenvectors_have_pytorchs_gradient_for_distinct_eigenvalues():
    a = symmetric_positive(3, 3)
    weights = rng.standard_normal((3, 3))

    def loss(lib):
        # a sign-independent function of the eigenvectors (each column may be flipped)
        return lambda t: ((lib.linalg.eigh(t).eigenvectors ** 2) * lib.tensor(weights)).sum()

    check(loss(gv), loss(torch), a, gradcheck=False, atol=1e-6)


@pytest.mark.parametrize(
    "left, b_shape", [(True, (3,)), (True, (3, 2)), (True, (2, 3, 2)), (False, (2, 3, 2))]
)
def test_solve_matches_pytorch(left, b_shape, device):
    a, b = (
        well_conditioned(3, 3),
        rng.standard_normal(b_shape if left else b_shape[:-2] + b_shape[-1:] + (3,)),
    )
    check(
        lambda x, y: gv.linalg.solve(x, y, left=left),
        lambda x, y: torch.linalg.solve(x, y, left=left),
        a,
        b,
        device=device,
        atol=1e-6,
    )


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, float("inf"), float("-inf")])
@pytest.mark.parametrize("keepdim", [False, True])
def test_matrix_norms_match_pytorch(ord, keepdim, device):  # noqa: A002
    a = rng.standard_normal((2, 3, 4))
    check(
        lambda t: gv.linalg.matrix_norm(t, ord, keepdim=keepdim),
        lambda t: torch.linalg.matrix_norm(t, ord, keepdim=keepdim),
        a,
        device=device,
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, t: lib.linalg.norm(t),
        lambda lib, t: lib.linalg.norm(t, dim=1),
        lambda lib, t: lib.linalg.norm(t[0], ord=1),
        lambda lib, t: lib.linalg.norm(t[0], ord=float("inf")),
        lambda lib, t: lib.linalg.norm(t, dim=(0, 1)),
        lambda lib, t: lib.linalg.norm(t[:, 0], ord=3),
    ],
)
def test_linalg_norm_picks_a_vector_or_a_matrix_norm_as_pytorch(call):
    check(lambda t: call(gv, t), lambda t: call(torch, t), rng.standard_normal((3, 4)))


def test_second_derivatives():
    for op in (gv.linalg.inv, gv.linalg.det, lambda t: gv.linalg.slogdet(t).logabsdet):
        x = gv.tensor(well_conditioned(3, 3), requires_grad=True)
        assert gv.autograd.gradgradcheck(op, (x,))
    x = gv.tensor(well_conditioned(3, 3), requires_grad=True)
    b = gv.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    assert gv.autograd.gradgradcheck(gv.linalg.solve, (x, b))


def test_matrix_rank_counts_singular_values_above_the_tolerance():
    rank_two = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 5))
    for lib in (gv, torch):
        assert lib.linalg.matrix_rank(lib.tensor(rank_two)).item() == 2
    batch = np.stack([np.eye(3), np.diag([1.0, 1.0, 0.0])])
    assert gv.linalg.matrix_rank(gv.tensor(batch)).tolist() == [3, 2]


def test_what_has_no_gradient_says_so():
    x = gv.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    u, s, vh = gv.linalg.svd(x)
    with pytest.raises(GraphError, match="linalg.svd: the gradient through U and Vh is not implemented"):
        u.sum().backward()
    singular = gv.tensor(np.diag([1.0, 0.0]), requires_grad=True)
    with pytest.raises(GraphError, match="linalg.det: .* the matrix is singular"):
        gv.linalg.det(singular).backward()


def test_bad_input_is_refused_as_pytorch_refuses_it():
    check_refused_like_torch(
        (RuntimeError, lambda: torch.linalg.inv(torch.ones(2, 3))),
        (ShapeError, lambda: gv.linalg.inv(gv.ones(2, 3))),
        r"linalg.inv: expects a square matrix or a batch of them, got shape \(2, 3\)",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.linalg.det(torch.ones(2, 2, dtype=torch.int64))),
        (DtypeError, lambda: gv.linalg.det(gv.ones(2, 2, dtype=gv.int64))),
        "linalg.det: expects a floating point tensor, got gradviz.int64",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.linalg.inv(torch.zeros(2, 2))),
        (gv.errors.LinAlgError, lambda: gv.linalg.inv(gv.zeros(2, 2))),
        "linalg.inv: the matrix is singular",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.linalg.cholesky(-torch.eye(2))),
        (gv.errors.LinAlgError, lambda: gv.linalg.cholesky(-gv.eye(2))),
        "linalg.cholesky: the matrix is not positive definite",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.linalg.solve(torch.eye(3), torch.ones(2))),
        (ShapeError, lambda: gv.linalg.solve(gv.eye(3), gv.ones(2))),
        "linalg.solve: A .* and B .* do not match",
    )

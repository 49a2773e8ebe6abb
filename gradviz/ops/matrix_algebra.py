"""Linear algebra on (batches of) square or rectangular matrices, as ``torch.linalg`` names it: ``inv``,
``det``, ``slogdet``, ``solve``, ``cholesky``, ``eigh``/``eigvalsh``, ``svd``/``svdvals``,
``matrix_power``, ``matrix_norm``, ``matrix_rank``, ``multi_dot`` and ``vander``. The leading dims are
a batch; every op runs on the array module of its device (``numpy.linalg`` or ``cupy.linalg``).

Each gradient is the textbook one, written with gradviz ops so that it differentiates again:

* ``inv``: ``-Aᵀ⁻¹ G Aᵀ⁻¹``; ``solve`` (X = A⁻¹B): ``B̄ = A⁻ᵀ G``, ``Ā = -B̄ Xᵀ``;
* ``det``: ``G · det(A) · A⁻ᵀ`` (the adjugate, so it needs an invertible matrix, and says so);
  ``slogdet``'s log|det|: ``G · A⁻ᵀ``;
* ``cholesky`` (A = L Lᵀ): ``Ā = ½ (S + Sᵀ)`` with ``S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹``, ``Φ`` the lower triangle
  with its diagonal halved;
* ``eigh`` (A = V Λ Vᵀ): ``Ā = V (diag(Λ̄) + F ∘ skew(Vᵀ V̄)) Vᵀ`` with ``F_ij = 1 / (λ_j - λ_i)``: it
  needs distinct eigenvalues when the eigenvectors are differentiated;
* ``svdvals`` and the singular values of ``svd``: ``U diag(S̄) Vᵀ``; gradients through ``U`` and ``V``
  are not implemented, and asking for one says so.
"""

from collections import namedtuple
from functools import reduce

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import wrap
from ..backend import array_module
from ..errors import DtypeError, GraphError, LinAlgError, ShapeError
from .arguments import normalize_dim
from .broadcast import expand, sum_to
from .linalg import matmul
from .norms import vector_norm
from .shape import _checked_tensors, unsqueeze
from .stacking import diag_embed
from .unary import where

__all__ = ["det", "logdet", "slogdet", "inverse", "matrix_power", "cholesky", "vander"]

slogdet_result = namedtuple("slogdet", ["sign", "logabsdet"])
eigh_result = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
svd_result = namedtuple("svd", ["U", "S", "Vh"])


def _square(op, a):
    """``a`` checked to be a float (batch of) square matrix."""
    shape = tuple(a._data.shape)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ShapeError(f"{op}: expects a square matrix or a batch of them, got shape {shape}")
    _floating(op, a)
    return a


def _floating(op, a):
    if a._data.dtype.kind != "f":
        raise DtypeError(f"{op}: expects a floating point tensor, got {a.dtype}; convert it (x.float())")


def _run(name, *arrays):
    """``xp.linalg.<name>(*arrays)``, a matrix it cannot handle reported under the op's name."""
    try:
        return getattr(array_module(arrays[0]).linalg, name)(*arrays)
    except np.linalg.LinAlgError as exc:
        why = "not positive definite" if "definite" in str(exc) else "singular (not invertible)"
        raise LinAlgError(
            f"linalg.{name}: the matrix is {why} ({exc}), as some matrix of the batch is"
        ) from None


class Inv(Function):
    @staticmethod
    def forward(ctx, a):
        out = _run("inv", a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        inverse_t = out.mT
        return -matmul(matmul(inverse_t, grad), inverse_t)


class Det(Function):
    @staticmethod
    def forward(ctx, a):
        xp = array_module(a)
        out = xp.asarray(xp.linalg.det(a))  # an array, not a NumPy scalar: the output tensor's own data
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if not bool((out._data != 0).all()):
            raise GraphError(
                "linalg.det: the gradient of the determinant is computed through the inverse, and the "
                "matrix is singular; perturb it slightly, or differentiate slogdet of an invertible one"
            )
        return (grad * out)[..., None, None] * inv(a).mT


class Slogdet(Function):
    materialize_grads = False

    @staticmethod
    def forward(ctx, a):
        sign, logabsdet = array_module(a).linalg.slogdet(a)
        ctx.save_for_backward(a)
        return sign.astype(a.dtype), logabsdet.astype(a.dtype)

    @staticmethod
    def backward(ctx, _sign_grad, grad):
        if grad is None:
            return None
        (a,) = ctx.saved_tensors
        return grad[..., None, None] * inv(a).mT


class Solve(Function):
    """``X = A⁻¹ B`` for ``B`` of shape (..., n, k); a vector right-hand side is made a column before."""

    @staticmethod
    def forward(ctx, a, b):
        out = _run("solve", a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        grad_b = Solve.apply(expand(a, out._data.shape[:-2] + a._data.shape[-2:]).mT, grad)
        grad_a = -matmul(grad_b, out.mT)
        return sum_to(grad_a, a._data.shape), sum_to(grad_b, b._data.shape)


class Cholesky(Function):
    @staticmethod
    def forward(ctx, a):
        lower = _run("cholesky", a)
        ctx.save_for_backward(lower)
        return lower

    @staticmethod
    def backward(ctx, grad):
        (lower,) = ctx.saved_tensors
        phi = matmul(lower.mT, grad.tril())
        phi = phi.tril() - 0.5 * _diagonal_matrix(phi)
        lower_inv = inv(lower)
        s = matmul(matmul(lower_inv.mT, phi), lower_inv)
        return 0.5 * (s + s.mT)


def _diagonal_matrix(t):
    """The matrices of ``t`` with everything but their diagonal set to 0."""
    size = t._data.shape[-1]
    eye = wrap(array_module(t._data).eye(size, dtype=t._data.dtype))
    return t * eye


class Eigh(Function):
    """The outputs are saved weakly, like every op's: where the caller dropped one (``eigvalsh`` keeps
    only the eigenvalues), backward decomposes the input again, as an op, so it stays differentiable."""

    materialize_grads = False

    @staticmethod
    def forward(ctx, a):
        values, vectors = array_module(a).linalg.eigh(a)
        ctx.save_for_backward(a, values, vectors)
        return values, vectors

    @staticmethod
    def backward(ctx, grad_values, grad_vectors):
        a, values, vectors = ctx.saved_tensors
        if values is None or vectors is None:
            values, vectors = Eigh.apply(a)
        inner = 0.0
        if grad_vectors is not None:
            gaps = unsqueeze(values, -2) - unsqueeze(values, -1)  # λ_j - λ_i at (i, j)
            off = wrap(array_module(gaps._data).eye(gaps._data.shape[-1], dtype=bool))
            projected = matmul(vectors.mT, grad_vectors)
            skew = 0.5 * (projected - projected.mT)
            inner = where(off, 0.0, skew / where(off, 1.0, gaps))
        if grad_values is not None:
            inner = inner + diag_embed(grad_values)
        return matmul(matmul(vectors, inner), vectors.mT)


class Svd(Function):
    """The thin SVD ``A = U diag(S) Vh``; U and Vh are saved weakly, as ``Eigh``'s outputs."""

    materialize_grads = False  # U's and Vh's gradients stay None when nothing flows into them

    @staticmethod
    def forward(ctx, a):
        u, s, vh = array_module(a).linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(a, u, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, grad_u, grad_s, grad_vh):
        if grad_u is not None or grad_vh is not None:
            raise GraphError(
                "linalg.svd: the gradient through U and Vh is not implemented; differentiate the "
                "singular values (linalg.svdvals, or S of svd) instead"
            )
        a, u, vh = ctx.saved_tensors
        if u is None or vh is None:  # dropped by the caller (svdvals): decomposed again, as in Eigh
            u, _, vh = Svd.apply(a)
        return matmul(u * unsqueeze(grad_s, -2), vh)


def inv(A):  # noqa: N803 - PyTorch's argument names
    return Inv.apply(_square("linalg.inv", A))


def det(A):  # noqa: N803
    return Det.apply(_square("linalg.det", A))


def slogdet(A):  # noqa: N803
    """``(sign, log|det|)``: the determinant without overflow; only log|det| has a gradient."""
    return slogdet_result(*Slogdet.apply(_square("linalg.slogdet", A)))


def logdet(input):  # noqa: A002
    """``log(det(input))``: NaN where the determinant is negative, as in PyTorch."""
    sign, logabsdet = slogdet(input)
    return where(wrap(sign._data < 0), float("nan"), logabsdet)


def solve(A, B, *, left=True):  # noqa: N803
    """``X`` with ``A @ X = B`` (``left=False``: ``X @ A = B``); ``B`` a matrix or a vector."""
    _square("linalg.solve", A)
    _floating("linalg.solve", B)
    if not left:
        return solve(A.mT, B.mT).mT
    vector = B._data.ndim == 1 or B._data.ndim == A._data.ndim - 1 and B._data.shape == A._data.shape[:-1]
    rhs = unsqueeze(B, -1) if vector else B
    if rhs._data.shape[-2] != A._data.shape[-1]:
        raise ShapeError(
            f"linalg.solve: A (shape {tuple(A._data.shape)}) and B (shape {tuple(B._data.shape)}) do not "
            "match: B's rows must number A's columns"
        )
    out = Solve.apply(A, rhs)
    return out[..., 0] if vector else out


def cholesky(A, *, upper=False):  # noqa: N803
    """The lower-triangular ``L`` with ``A = L Lᵀ`` (``upper=True``: ``Lᵀ``); A must be symmetric
    positive definite."""
    lower = Cholesky.apply(_square("linalg.cholesky", A))
    return lower.mT if upper else lower


def eigh(A, UPLO="L"):  # noqa: N803
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix."""
    _square("linalg.eigh", A)
    return eigh_result(*Eigh.apply(A if UPLO == "L" else A.mT))


def eigvalsh(A, UPLO="L"):  # noqa: N803
    return eigh(A, UPLO).eigenvalues


def svd(A, full_matrices=True):  # noqa: N803
    """``(U, S, Vh)``, thin (``full_matrices`` is accepted; the reduced factors are returned)."""
    _floating("linalg.svd", A)
    if A._data.ndim < 2:
        raise ShapeError(f"linalg.svd: expects a matrix or a batch of them, got shape {tuple(A._data.shape)}")
    return svd_result(*Svd.apply(A))


def svdvals(A):  # noqa: N803
    return svd(A).S


def matrix_power(A, n):  # noqa: N803
    """``A`` multiplied by itself ``n`` times (by squaring); ``n = 0`` is the identity, ``n < 0`` the
    inverse's power."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {n!r}")
    shape = tuple(A._data.shape)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ShapeError(
            f"linalg.matrix_power: expects a square matrix or a batch of them, got shape {shape}"
        )
    if n == 0:
        eye = wrap(array_module(A._data).eye(shape[-1], dtype=A._data.dtype))
        return expand(eye, shape)
    base = inv(A) if n < 0 else A
    result, n = None, abs(n)
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: N803, A002
    """``'fro'`` (the default), ``'nuc'`` (sum of singular values), ``inf``/``-inf`` (largest/smallest
    row sum of |A|), ``1``/``-1`` (column sums), ``2``/``-2`` (largest/smallest singular value)."""
    matrix = A if dtype is None else A.to(dtype)
    _floating("linalg.matrix_norm", matrix)
    ndim = matrix._data.ndim
    rows, cols = (normalize_dim(d, ndim, "linalg.matrix_norm") for d in dim)
    if ord == "fro":
        return vector_norm(matrix, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        values = svdvals(matrix.movedim((rows, cols), (-2, -1)))
        out = values.sum(-1) if ord == "nuc" else values.amax(-1) if ord == 2 else values.amin(-1)
        return _keep(out, (rows, cols), keepdim)
    if ord in (float("inf"), float("-inf"), 1, -1):
        summed, other = (cols, rows) if ord in (float("inf"), float("-inf")) else (rows, cols)
        sums = abs(matrix).sum(summed, keepdim=True)
        out = sums.amax(other, keepdim=True) if ord > 0 else sums.amin(other, keepdim=True)
        return out if keepdim else out.squeeze(max(rows, cols)).squeeze(min(rows, cols))
    raise ValueError(f"linalg.matrix_norm: ord must be 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2, got {ord!r}")


def _keep(out, dims, keepdim):
    """``out`` with the reduced ``dims`` back as size 1 under ``keepdim``."""
    if keepdim:
        for d in sorted(dims):
            out = unsqueeze(out, d)
    return out


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):  # noqa: N803
    """The number of singular values above ``max(atol, rtol · largest)`` (by default numpy's and
    PyTorch's tolerance: the largest times eps times the larger dimension)."""
    values = svdvals(A.detach())._data
    xp = array_module(values)
    largest = values.max(axis=-1, keepdims=True) if values.shape[-1] else xp.zeros(values.shape[:-1] + (1,))
    if rtol is None:
        rtol = 0.0 if atol else np.finfo(values.dtype).eps * max(A._data.shape[-2:])
    tolerance = xp.maximum(atol or 0.0, rtol * largest)
    return wrap(xp.asarray((values > tolerance).sum(axis=-1), dtype="int64"))


def multi_dot(tensors):
    """The product of the matrices, left to right (the first may be a vector, as may the last)."""
    return reduce(matmul, _checked_tensors("linalg.multi_dot", tensors))


def vander(x, N=None, increasing=False):  # noqa: N803
    """The Vandermonde matrix of a vector: columns ``x**(N-1), ..., x, 1`` (reversed if ``increasing``,
    which ``linalg.vander`` always is)."""
    if x._data.ndim != 1:
        raise ShapeError(f"vander: expects a 1-D tensor, got shape {tuple(x._data.shape)}")
    n = x._data.shape[0] if N is None else N
    powers = array_module(x._data).arange(n)
    if not increasing:
        powers = powers[::-1].copy()
    return unsqueeze(x, -1) ** wrap(powers.astype(x._data.dtype if x._data.dtype.kind == "f" else "int64"))


def inverse(input):  # noqa: A002
    return inv(input)


METHODS = {
    name: globals()[name] for name in ("det", "logdet", "slogdet", "inverse", "matrix_power", "cholesky")
}

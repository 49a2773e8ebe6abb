"""``gradviz.linalg``, as ``torch.linalg``: norms, inverses, determinants, solving, decompositions
(Cholesky, symmetric eigen-decomposition, SVD) and the cross product (along the last dim by default,
where ``gradviz.cross`` takes the first dim of size 3, as ``torch.cross``). See
:mod:`gradviz.ops.matrix_algebra` for the gradients."""

from .ops import products
from .ops.matrix_algebra import (
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    matrix_norm,
    matrix_power,
    matrix_rank,
    multi_dot,
    slogdet,
    solve,
    svd,
    svdvals,
)
from .ops.matrix_algebra import vander as _vander
from .ops.norms import vector_norm

__all__ = [
    "vector_norm",
    "matrix_norm",
    "norm",
    "cross",
    "inv",
    "det",
    "slogdet",
    "solve",
    "cholesky",
    "eigh",
    "eigvalsh",
    "svd",
    "svdvals",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "vander",
]


def cross(input, other, *, dim=-1):  # noqa: A002 - PyTorch's argument names
    return products.cross(input, other, dim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: N803, A002
    """A vector norm (1-D input, an int ``dim``, or ``ord=None`` over every element) or a matrix norm
    (2-D input or a pair of dims with ``ord`` given), as ``torch.linalg.norm``."""
    matrix = (isinstance(dim, (tuple, list)) and len(dim) == 2) or (dim is None and A.ndim == 2)
    if ord is not None and matrix:
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if ord is None and matrix and dim is not None:
        return matrix_norm(A, "fro", dim, keepdim, dtype=dtype)
    if ord is not None and dim is None and A.ndim > 2:
        raise ValueError(f"linalg.norm: with ord={ord!r}, the input must be 1-D or 2-D, or give dim")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def vander(x, *, N=None):  # noqa: N803
    """The Vandermonde matrix with increasing powers: columns ``1, x, ..., x**(N-1)``."""
    return _vander(x, N, increasing=True)

"""Distances between vectors: ``normalize``, ``cosine_similarity``, ``pairwise_distance``, ``cdist``
(every row of one set against every row of another) and ``pdist`` (every pair of rows of one set),
composed from ``linalg.vector_norm`` as PyTorch composes them, so gradients and second derivatives come
for free (0 at a zero distance, as PyTorch's).
"""

from ..errors import DtypeError, ShapeError
from .norms import vector_norm
from .pointwise import clamp_min
from .promotion import result_type
from .rearrange import broadcast_shapes
from .unary import where

__all__ = ["normalize", "cosine_similarity", "pairwise_distance", "cdist", "pdist"]


def common_shape(op, **tensors):
    """The broadcast shape of the named tensors, or an error naming the op and every shape."""
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    try:
        return broadcast_shapes(*shapes.values())
    except ShapeError:
        named = ", ".join(f"{name} of shape {shape}" for name, shape in shapes.items())
        raise ShapeError(
            f"{op}: {named} cannot be broadcast together (sizes must be equal or 1, aligned on the right)"
        ) from None


def _dim(op, dim, ndim):
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor of {ndim} dimensions")
    return dim % max(ndim, 1)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):  # noqa: A002 - PyTorch's argument names
    """``input / max(‖input‖_p, eps)`` along ``dim``: unit vectors (zero vectors stay zero)."""
    if out is not None:
        raise TypeError("normalize: out= is not supported; use the returned tensor")
    _dim("normalize", dim, input.ndim)
    return input / clamp_min(vector_norm(input, p, dim, keepdim=True), eps)


def _clamped_norm(x, dim, eps):
    """‖x‖ clamped below at eps with the norm's own gradient: PyTorch clamps in place under no_grad, so
    the clamp is invisible to backward (``n - n`` is exactly 0, so the value is eps exactly)."""
    n = vector_norm(x, 2, dim, keepdim=True)
    return where(n >= eps, n, n - n.detach() + eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``Σ (x1/‖x1‖)·(x2/‖x2‖)`` along ``dim`` after broadcasting; norms are clamped below at ``eps``.
    Each vector is divided by its norm first (as PyTorch does), which keeps the result in [-1, 1]."""
    shape = common_shape("cosine_similarity", x1=x1, x2=x2)
    dim = _dim("cosine_similarity", dim, len(shape))
    dtype = result_type(x1, x2)
    if not dtype.is_floating_point:
        raise DtypeError(
            f"cosine_similarity: expected a floating point common dtype, got {dtype} (x1 {x1.dtype}, x2 "
            f"{x2.dtype}); convert with .float()"
        )
    x1, x2 = x1.to(dtype).expand(shape), x2.to(dtype).expand(shape)
    return ((x1 / _clamped_norm(x1, dim, eps)) * (x2 / _clamped_norm(x2, dim, eps))).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``‖x1 - x2 + eps‖_p`` over the last dimension (after broadcasting), as PyTorch computes it."""
    shape = common_shape("pairwise_distance", x1=x1, x2=x2)
    return vector_norm(x1 - x2 + eps, p, len(shape) - 1 if shape else None, keepdim)


def cdist(x1, x2, p=2.0, compute_mode=None):
    """The ``p``-distance between every row of ``x1`` (..., P, M) and every row of ``x2`` (..., R, M):
    shape (..., P, R), the batch dims broadcast. ``compute_mode`` is accepted (gradviz always takes the
    exact differences)."""
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ShapeError(
            f"cdist: expects two sets of row vectors (..., P, M) and (..., R, M) with the same M, got shapes "
            f"{tuple(x1.shape)} and {tuple(x2.shape)}"
        )
    if not (x1.is_floating_point() and x2.is_floating_point()):
        raise DtypeError(f"cdist: expects floating point tensors, got {x1.dtype} and {x2.dtype}")
    return vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


def pdist(input, p=2.0):  # noqa: A002
    """The ``p``-distance of every pair of rows i < j of an (N, M) input, in row-major order of the
    pairs: N·(N-1)/2 values."""
    if input.ndim != 2:
        raise ShapeError(f"pdist: expects a 2-D input (N, M), got shape {tuple(input.shape)}")
    from ..creation import triu_indices  # creation imports the ops

    first, second = triu_indices(input.shape[0], input.shape[0], 1, device=input.device)
    return vector_norm(input[first] - input[second], p, -1)


METHODS = {}

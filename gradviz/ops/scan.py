"""Scans along one dim: cumsum, cumprod, and diff (the n-th forward difference).

The gradient of a cumulative sum is the cumulative sum of ``grad`` taken from the other end (one op,
``Cumsum`` with ``reverse``), so second derivatives flow; with ``dtype=`` the engine casts the gradient
back to the input's dtype. The gradient of a cumulative product is
``reverse_cumsum(grad · out) / x`` when no input is zero; with zeros it is computed exactly, as
PyTorch does: before a slice's first zero the same formula, at the first zero the reverse cumsum of
``grad`` times the cumulative product that skips that zero, after it 0. Both are written in gradviz ops.
"""

from ..autograd.function import Function
from ..autograd.tensor import wrap
from ..backend import array_module
from ..errors import ShapeError
from .arguments import normalize_dim
from .reduction import _integer_sum_dtype
from .shape import cat
from .unary import where

__all__ = ["cumsum", "cumprod", "diff"]


def _scan(kernel, x, dim, dtype, reverse=False):
    """``kernel`` (xp.cumsum or xp.cumprod) along ``dim``, from the end with ``reverse``; 0-d works."""
    xp = array_module(x)
    a = x.reshape(1) if x.ndim == 0 else x
    if reverse:
        a = xp.flip(a, axis=dim)
    out = getattr(xp, kernel)(a, axis=dim, dtype=dtype)
    if reverse:
        out = xp.ascontiguousarray(xp.flip(out, axis=dim))
    return out.reshape(x.shape)


class Cumsum(Function):
    @staticmethod
    def forward(ctx, x, dim, reverse, dtype):
        ctx.dim, ctx.reverse = dim, reverse
        return _scan("cumsum", x, dim, dtype, reverse)

    @staticmethod
    def backward(ctx, grad):
        return Cumsum.apply(grad, ctx.dim, not ctx.reverse, None), None, None, None


def _reverse_cumsum(t, dim):
    return Cumsum.apply(t, dim, True, None)


class Cumprod(Function):
    @staticmethod
    def forward(ctx, x, dim, dtype):
        ctx.dim = dim
        out = _scan("cumprod", x, dim, dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dim = ctx.dim
        zero = x._data == 0
        if not zero.any():
            return _reverse_cumsum(grad * out, dim) / x, None, None
        seen = _scan("cumsum", zero, dim, "int64")
        before, first = wrap(seen == 0), wrap(zero & (seen == 1))
        grad_before = _reverse_cumsum(grad * out, dim) / where(before, x, 1.0)
        skipping_zero = Cumprod.apply(where(first, 1.0, x), dim, None)
        grad_first = _reverse_cumsum(grad * skipping_zero, dim)
        grad_x = where(before, grad_before, where(first, grad_first, 0.0))
        return grad_x, None, None


def cumsum(input, dim, *, dtype=None):  # noqa: A002 - PyTorch's argument name
    """Cumulative sum along ``dim``; bool and integer inputs sum in int64 unless ``dtype`` is given."""
    dim = normalize_dim(dim, input._data.ndim, "cumsum")
    return Cumsum.apply(input, dim, False, _integer_sum_dtype(input, dtype))


def cumprod(input, dim, *, dtype=None):  # noqa: A002
    """Cumulative product along ``dim``; bool and integer inputs multiply in int64 unless ``dtype`` is
    given. The gradient is exact where the input has zeros."""
    dim = normalize_dim(dim, input._data.ndim, "cumprod")
    return Cumprod.apply(input, dim, _integer_sum_dtype(input, dtype))


def diff(input, n=1, dim=-1, prepend=None, append=None):  # noqa: A002
    """The ``n``-th forward difference along ``dim`` (``x[i+1] - x[i]``; ``!=`` for bool), after joining
    ``prepend`` and ``append`` to ``input`` along ``dim``."""
    ndim = input._data.ndim
    if ndim == 0:
        raise ShapeError("diff: expects input to be at least one-dimensional, but got a 0-d tensor")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"diff: the order n must be a non-negative int, but got {n!r}")
    dim = normalize_dim(dim, ndim, "diff")
    for name, extra in (("prepend", prepend), ("append", append)):
        if extra is not None and extra._data.ndim != ndim:
            raise ShapeError(
                f"diff: {name} (shape {tuple(extra._data.shape)}) must have as many dimensions as the input "
                f"(shape {tuple(input._data.shape)}), matching it outside dimension {dim}"
            )
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, dim) if len(parts) > 1 else input
    lead = (slice(None),) * dim
    for _ in range(n):  # one step per order of difference, each a whole-tensor op
        later, earlier = x[lead + (slice(1, None),)], x[lead + (slice(None, -1),)]
        x = later != earlier if x._data.dtype.kind == "b" else later - earlier
    return x


METHODS = {name: globals()[name] for name in __all__}

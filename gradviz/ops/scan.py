"""Scans along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp, and diff (the n-th forward
difference).

The gradient of a cumulative sum is the cumulative sum of ``grad`` taken from the other end (one op,
``Cumsum`` with ``reverse``), so second derivatives flow; with ``dtype=`` the engine casts the gradient
back to the input's dtype. The gradient of a cumulative product is
``reverse_cumsum(grad · out) / x`` when no input is zero; with zeros it is computed exactly, as
PyTorch does: before a slice's first zero the same formula, at the first zero the reverse cumsum of
``grad`` times the cumulative product that skips that zero, after it 0. Both are written in gradviz ops.

``cummax``/``cummin`` return the running extremum and where it came from (on ties the latest
position, and once a NaN is met, NaN and the latest NaN's position, as PyTorch); each value's gradient
goes back to that position. ``logcumsumexp``'s gradient, ``exp(x_j) · Σ_{i≥j} grad_i · exp(-out_i)``,
is computed in log space, positive and negative parts of ``grad`` apart, so it neither overflows nor
cancels.
"""

from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import wrap
from ..backend import array_module
from ..errors import DtypeError, ShapeError
from .arguments import normalize_dim
from .indexing import IndexPutAdd, _along_dim_key, positions_along
from .reduction import _integer_sum_dtype
from .shape import cat, flip
from .unary import abs, exp, log, where

__all__ = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff"]

cummax_result = namedtuple("cummax", ["values", "indices"])
cummin_result = namedtuple("cummin", ["values", "indices"])


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


class Cummax(Function):
    larger = True

    @staticmethod
    def forward(ctx, x, dim):
        xp = array_module(x)
        a = x.reshape(1) if x.ndim == 0 else x
        ufunc = xp.maximum if ctx.larger else xp.minimum
        values = ufunc.accumulate(a, axis=dim)
        record = a >= values if ctx.larger else a <= values  # a new extremum here, or a tie with it
        if a.dtype.kind == "f":
            record |= xp.isnan(a)
        positions = positions_along(xp, a.shape, dim)
        indices = xp.maximum.accumulate(xp.where(record, positions, 0), axis=dim).astype("int64")
        ctx.in_shape = a.shape
        ctx.key = _along_dim_key(xp, indices, dim, a.shape)
        return values.reshape(x.shape), indices.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad, _indices_grad):
        grad_x = IndexPutAdd.apply(grad.reshape(ctx.in_shape), ctx.in_shape, ctx.key, True)
        return grad_x.reshape(grad.shape), None


class Cummin(Cummax):
    larger = False


class Logcumsumexp(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        a = x.reshape(1) if x.ndim == 0 else x
        out = array_module(x).logaddexp.accumulate(a, axis=dim).reshape(x.shape)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dim = ctx.dim
        lowest = float(np.finfo(grad._data.dtype).min)
        log_size = log(abs(grad))
        parts = [where(wrap(side), log_size, lowest) for side in (grad._data > 0, grad._data < 0)]
        positive, negative = (exp(_reverse_logcumsumexp(part - out, dim) + x) for part in parts)
        return positive - negative, None


def _reverse_logcumsumexp(t, dim):
    if t._data.ndim == 0:
        return Logcumsumexp.apply(t, 0)
    return flip(Logcumsumexp.apply(flip(t, dim), dim), dim)


def cumsum(input, dim, *, dtype=None):  # noqa: A002 - PyTorch's argument name
    """Cumulative sum along ``dim``; bool and integer inputs sum in int64 unless ``dtype`` is given."""
    dim = normalize_dim(dim, input._data.ndim, "cumsum")
    return Cumsum.apply(input, dim, False, _integer_sum_dtype(input, dtype))


def cumprod(input, dim, *, dtype=None):  # noqa: A002
    """Cumulative product along ``dim``; bool and integer inputs multiply in int64 unless ``dtype`` is
    given. The gradient is exact where the input has zeros."""
    dim = normalize_dim(dim, input._data.ndim, "cumprod")
    return Cumprod.apply(input, dim, _integer_sum_dtype(input, dtype))


def cummax(input, dim):  # noqa: A002
    """``(values, indices)``: the running maximum along ``dim`` and the position it was taken from."""
    return cummax_result(*Cummax.apply(input, normalize_dim(dim, input._data.ndim, "cummax")))


def cummin(input, dim):  # noqa: A002
    return cummin_result(*Cummin.apply(input, normalize_dim(dim, input._data.ndim, "cummin")))


def logcumsumexp(input, dim):  # noqa: A002
    """``log(cumsum(exp(input)))`` along ``dim``, without overflow (each step a ``logaddexp``)."""
    if input._data.dtype.kind != "f":
        raise DtypeError(
            f"logcumsumexp: expects a floating point tensor, got {input.dtype}; convert it first (x.float())"
        )
    return Logcumsumexp.apply(input, normalize_dim(dim, input._data.ndim, "logcumsumexp"))


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

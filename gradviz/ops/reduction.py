"""Reductions: sum, mean, prod, max/min (with indices), amax/amin, var/std, logsumexp, argmax/argmin.

Each forward is one array-library reduction; each backward broadcasts the reduced gradient back over
the input with ``spread`` (reinsert the reduced dims unless ``keepdim``, then ``expand``), so that
second derivatives flow through gradviz ops.
"""

import math
from collections import namedtuple

from ..autograd.function import Function
from ..autograd.tensor import Tensor, wrap
from ..backend import array_module
from ..dtypes import as_dtype, get_default_dtype
from ..errors import DtypeError
from .arguments import normalize_dim, normalize_dims
from .broadcast import expand
from .unary import exp, maximum, minimum, where

__all__ = [
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "amax",
    "amin",
    "var",
    "std",
    "logsumexp",
    "argmax",
    "argmin",
]

max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])


def reduction_dims(dim, ndim, op):
    """The sorted dims a reduction runs over: all for None or an empty tuple/list, none for a 0-d input."""
    dims = normalize_dims(tuple(dim) if isinstance(dim, list) else dim, ndim, op)
    return dims if ndim else ()


class KeptDims(Function):
    """Reshape between a reduction's output and its ``keepdim`` shape (size 1 at the reduced dims)."""

    name = "reshape"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return KeptDims.apply(grad, ctx.in_shape), None


def remember_reduction(ctx, x, dims, keepdim):
    ctx.in_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim


def _kept_shape(ctx):
    return tuple(1 if i in ctx.dims else size for i, size in enumerate(ctx.in_shape))


def kept_dims(t, ctx):
    """``t`` (shaped like the reduction's output) with the reduced dims present as size 1."""
    shape = _kept_shape(ctx)
    return t if ctx.keepdim or t._data.shape == shape else KeptDims.apply(t, shape)


def spread(grad, ctx):
    """The gradient of a reduction's output broadcast back to its input's shape."""
    if not ctx.keepdim and ctx.dims == tuple(range(len(ctx.dims))):
        return expand(grad, ctx.in_shape)  # reduced leading dims come back as expand's new leading dims
    return expand(kept_dims(grad, ctx), ctx.in_shape)


def _reduced_count(ctx):
    count = 1
    for d in ctx.dims:
        count *= ctx.in_shape[d]
    return count


def _require_float(op, x, hint):
    if x._data.dtype.kind != "f":
        raise DtypeError(
            f"{op}: input dtype must be floating point, got {x.dtype}; {hint} (e.g. x.float().{op}())"
        )


def _integer_sum_dtype(x, dtype):
    """PyTorch sums and multiplies bool and integer tensors in int64 unless a dtype is given."""
    if dtype is not None:
        return as_dtype(dtype).numpy
    return None if x._data.dtype.kind == "f" else "int64"


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        remember_reduction(ctx, x, dims, keepdim)
        return x.sum(axis=dims, dtype=dtype, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return spread(grad, ctx), None, None, None


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        remember_reduction(ctx, x, dims, keepdim)
        return x.mean(axis=dims, dtype=dtype, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return spread(grad / _reduced_count(ctx), ctx), None, None, None


class Prod(Function):
    """Backward is ``grad * prod / x`` (differentiable again) when no input is zero; with zeros it is the
    product of the other elements from two exclusive cumulative products, a constant for create_graph."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        remember_reduction(ctx, x, dims, keepdim)
        out = array_module(x).asarray(x.prod(axis=dims, dtype=dtype, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if (x._data == 0).any():
            return spread(grad, ctx) * wrap(_product_of_others(x._data, ctx.dims)), None, None, None
        return spread(grad * out, ctx) / x, None, None, None


def _product_of_others(x, dims):
    """For each element, the product of the other elements along the reduced dim(s)."""
    flat = len(dims) != 1
    a = x.reshape(-1) if flat else x
    axis = 0 if flat else dims[0]
    xp = array_module(a)
    lead = (slice(None),) * axis
    before, after = xp.ones_like(a), xp.ones_like(a)
    before[lead + (slice(1, None),)] = xp.cumprod(a[lead + (slice(None, -1),)], axis=axis)
    tail = xp.flip(a[lead + (slice(1, None),)], axis=axis)
    after[lead + (slice(None, -1),)] = xp.flip(xp.cumprod(tail, axis=axis), axis=axis)
    before *= after
    return before.reshape(x.shape)


class Amax(Function):
    """The gradient is split evenly among the elements tied for the maximum (PyTorch's rule)."""

    kernel = "max"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        remember_reduction(ctx, x, dims, keepdim)
        ctx.out = getattr(x, ctx.kernel)(axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved_tensors[0]._data
        share = ctx.ties(x).astype(grad._data.dtype)
        share /= share.sum(axis=ctx.dims, keepdims=True)
        return spread(grad, ctx) * wrap(share), None, None

    def ties(self, x):
        """Where ``x`` equals its slice's result; a slice holding a NaN has none: 0/0 = NaN, as PyTorch."""
        return x == array_module(x).reshape(self.out, _kept_shape(self))


def _whole_ties(ctx, x):
    """Where ``x`` equals the result; a NaN result is shared among the NaNs (PyTorch's rule for max())."""
    xp = array_module(x)
    return xp.isnan(x) if xp.isnan(ctx.out) else x == ctx.out


class Amin(Amax):
    kernel = "min"


class Max(Amax):
    """``max(x)`` over every element: ``amax``'s forward and its even split among ties."""

    ties = _whole_ties


class Min(Amin):
    ties = _whole_ties


class MaxDim(Function):
    """``max(x, dim)``: values and int64 indices; the gradient goes to the selected index only."""

    name = "max"
    pick = "argmax"

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        remember_reduction(ctx, x, (dim,), keepdim)
        xp = array_module(x)
        index = getattr(xp, ctx.pick)(x, axis=dim, keepdims=True)
        values = xp.take_along_axis(x, index, axis=dim)
        ctx.index = index
        return (values, index) if keepdim else (values.squeeze(dim), index.squeeze(dim))

    @staticmethod
    def backward(ctx, grad, _indices_grad):
        dim = ctx.dims[0]
        xp = array_module(grad._data)
        positions = xp.arange(ctx.in_shape[dim]).reshape((-1,) + (1,) * (len(ctx.in_shape) - dim - 1))
        chosen = (positions == ctx.index).astype(grad._data.dtype)
        return spread(grad, ctx) * wrap(chosen), None, None


class MinDim(MaxDim):
    name = "min"
    pick = "argmin"


class Argmax(Function):
    differentiable = False
    pick = "argmax"

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        pick = getattr(array_module(x), ctx.pick)
        if dim is None:
            index = pick(x)
            return index.reshape((1,) * x.ndim) if keepdim else index
        return pick(x, axis=dim, keepdims=keepdim)


class Argmin(Argmax):
    pick = "argmin"


class Var(Function):
    kernel = "var"

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.whole = dims is None  # PyTorch differentiates var(x) and var(x, dim) differently at dof <= 0
        dims = tuple(range(x.ndim)) if dims is None else dims
        remember_reduction(ctx, x, dims, keepdim)
        ctx.correction = correction
        xp = array_module(x)
        out = xp.asarray(getattr(xp, ctx.kernel)(x, axis=dims, ddof=correction, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return _var_grad(ctx, grad), None, None, None


class Std(Var):
    kernel = "std"

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved_tensors[1]
        grad = grad / (2 * out)
        zero = out._data == 0
        if zero.any():
            grad = where(wrap(zero), 0.0, grad)  # as PyTorch: a constant slice sends no gradient
        return _var_grad(ctx, grad), None, None, None


def _var_grad(ctx, grad):
    dof = _reduced_count(ctx) - ctx.correction
    x = ctx.saved_tensors[0]
    if dof <= 0 and (ctx.whole or not ctx.in_shape):
        return spread(grad, ctx) * wrap(_no_dof_factor(x._data))
    scale = 2 / dof if dof else math.inf
    return spread(grad * scale, ctx) * (x - mean(x, ctx.dims, keepdim=True))


def _no_dof_factor(x):
    """PyTorch's ``d var(x) / dx`` over all elements without degrees of freedom: NaN where x is its mean
    (inf · 0), else inf."""
    xp = array_module(x)
    return xp.where(x == x.mean(), math.nan, math.inf).astype(x.dtype)


class Logsumexp(Function):
    """Shifted by the max of each slice (0 where that max is infinite) so exp cannot overflow."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        remember_reduction(ctx, x, dims, keepdim)
        xp = array_module(x)
        if x.dtype.kind != "f":
            x = x.astype(get_default_dtype().numpy)
        shift = x.max(axis=dims, keepdims=True)
        shift = xp.where(xp.isfinite(shift), shift, 0)
        out = xp.asarray(xp.exp(x - shift).sum(axis=dims, keepdims=True))
        xp.log(out, out=out)
        out += shift
        if not keepdim:
            out = out.squeeze(axis=dims)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return spread(grad, ctx) * exp(x - kept_dims(out, ctx)), None, None


def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001, A002 - PyTorch's names
    dims = reduction_dims(dim, input._data.ndim, "sum")
    return Sum.apply(input, dims, keepdim, _integer_sum_dtype(input, dtype))


def mean(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    if dtype is None:
        _require_float("mean", input, "pass dtype= or convert the input first")
    dims = reduction_dims(dim, input._data.ndim, "mean")
    return Mean.apply(input, dims, keepdim, None if dtype is None else as_dtype(dtype).numpy)


def prod(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    dims = () if input._data.ndim == 0 else _single_dim(dim, input, "prod")
    return Prod.apply(input, dims, keepdim, _integer_sum_dtype(input, dtype))


def _single_dim(dim, input, op):
    if dim is None:
        return tuple(range(input._data.ndim))
    if not isinstance(dim, int):
        raise TypeError(f"{op}: dim must be an int or None, got {dim!r}; reduce one dim at a time")
    return (normalize_dim(dim, input._data.ndim, op),)


def _extremum(input, dim, keepdim, op, kinds):
    elementwise, whole, along, index, result = kinds
    if isinstance(dim, Tensor):
        return elementwise(input, dim)
    ndim = input._data.ndim
    if dim is None:
        return whole.apply(input, tuple(range(ndim)), False)
    if not isinstance(dim, int):
        raise TypeError(
            f"{op}: dim must be an int (or a Tensor for the elementwise {op}), got {dim!r}; "
            f"use a{op}(x, dim=(...)) to reduce several dims"
        )
    dim = normalize_dim(dim, ndim, op)
    if ndim == 0:
        return result(whole.apply(input, (), False), index.apply(input, None, False))
    return result(*along.apply(input, dim, keepdim))


_MAX = (maximum, Max, MaxDim, Argmax, max_result)
_MIN = (minimum, Min, MinDim, Argmin, min_result)


def max(input, dim=None, keepdim=False):  # noqa: A001, A002
    """``max(x)``: the largest element; ``max(x, dim)``: ``(values, indices)``; ``max(x, other)``:
    the elementwise maximum."""
    return _extremum(input, dim, keepdim, "max", _MAX)


def min(input, dim=None, keepdim=False):  # noqa: A001, A002
    return _extremum(input, dim, keepdim, "min", _MIN)


def amax(input, dim=(), keepdim=False):  # noqa: A002
    return Amax.apply(input, reduction_dims(dim, input._data.ndim, "amax"), keepdim)


def amin(input, dim=(), keepdim=False):  # noqa: A002
    return Amin.apply(input, reduction_dims(dim, input._data.ndim, "amin"), keepdim)


def _var_args(input, dim, unbiased, keepdim, correction, op):
    """PyTorch's overloads: ``var(x, dim, *, correction=1)``, ``var(x, dim, unbiased)``,
    ``var(x, unbiased)``."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: pass either unbiased= or correction=, not both")
    _require_float(op, input, "convert the input first")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return input, None if dim is None else reduction_dims(dim, input._data.ndim, op), correction, keepdim


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return Var.apply(*_var_args(input, dim, unbiased, keepdim, correction, "var"))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return Std.apply(*_var_args(input, dim, unbiased, keepdim, correction, "std"))


def logsumexp(input, dim, keepdim=False):  # noqa: A002
    return Logsumexp.apply(input, reduction_dims(dim, input._data.ndim, "logsumexp"), keepdim)


def _index_of(cls, input, dim, keepdim, op):
    if dim is not None:
        dim = None if input._data.ndim == 0 else normalize_dim(dim, input._data.ndim, op)
    return cls.apply(input, dim, keepdim)


def argmax(input, dim=None, keepdim=False):  # noqa: A002
    return _index_of(Argmax, input, dim, keepdim, "argmax")


def argmin(input, dim=None, keepdim=False):  # noqa: A002
    return _index_of(Argmin, input, dim, keepdim, "argmin")


METHODS = {name: globals()[name] for name in __all__}

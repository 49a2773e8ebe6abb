"""Totals that the plain reductions do not give: ``nansum`` (NaNs count as zero), ``nanmean``,
``count_nonzero``, ``dist`` (the p-norm of a difference), and the pairs ``aminmax``, ``std_mean`` and
``var_mean``.

``nansum``'s gradient is ``grad`` broadcast back over the summed dims, 0 where the input was NaN (a
``masked_fill``, so it differentiates again); ``nanmean`` divides it by the count of non-NaN values;
``dist`` is ``linalg.vector_norm(input - other, p)``; the pairs are their two reductions.
"""

from collections import namedtuple

from ..autograd.function import Function
from ..autograd.tensor import wrap
from ..backend import array_module
from ..errors import DtypeError
from .indexing import MaskedFill
from .norms import vector_norm
from .reduction import (
    _integer_sum_dtype,
    amax,
    amin,
    mean,
    reduction_dims,
    remember_reduction,
    spread,
    std,
    var,
)
from .tensor_first import require_tensor

__all__ = ["nansum", "nanmean", "count_nonzero", "dist", "aminmax", "std_mean", "var_mean"]

aminmax_result = namedtuple("aminmax", ["min", "max"])


class Nansum(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        remember_reduction(ctx, x, dims, keepdim)
        xp = array_module(x)
        ctx.nan = xp.isnan(x) if x.dtype.kind == "f" else None
        return xp.asarray(xp.nansum(x, axis=dims, dtype=dtype, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        grad_x = spread(grad, ctx)
        if ctx.nan is not None and ctx.nan.any():
            grad_x = MaskedFill.apply(grad_x, ctx.nan, 0)
        return grad_x, None, None, None


class CountNonzero(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, x, dims):
        return array_module(x).asarray((x != 0).sum(axis=dims, dtype="int64"))


def nansum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - PyTorch's argument names
    """The sum over ``dim`` (every element by default) with NaNs counted as zero; bool and integer
    inputs sum in int64."""
    dims = reduction_dims(dim, input._data.ndim, "nansum")
    return Nansum.apply(input, dims, keepdim, _integer_sum_dtype(input, dtype))


def nanmean(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The mean over ``dim`` of the values that are not NaN (NaN where every value is)."""
    if input._data.dtype.kind != "f":
        raise DtypeError(
            f"nanmean: expects a floating point input, got {input.dtype} (as PyTorch); convert it first "
            "(x.float())"
        )
    dims = reduction_dims(dim, input._data.ndim, "nanmean")
    present = ~array_module(input._data).isnan(input._data)
    count = present.sum(axis=dims, keepdims=keepdim)
    total = nansum(input, dim, keepdim, dtype=dtype)
    return total / wrap(count.astype(total._data.dtype))


def count_nonzero(input, dim=None):  # noqa: A002
    """The number of non-zero elements over ``dim`` (an int, a tuple, or every dim), as int64."""
    return CountNonzero.apply(input, reduction_dims(dim, input._data.ndim, "count_nonzero"))


def dist(input, other, p=2):  # noqa: A002
    """The ``p``-norm of ``input - other`` (broadcast together), over every element."""
    kinds = (input._data.dtype.kind, require_tensor("dist", "other", other)._data.dtype.kind)
    if kinds != ("f", "f"):
        raise DtypeError(
            f"dist: expected floating point tensors, but got {input.dtype} and {other.dtype}; convert them "
            "first (x.float())"
        )
    return vector_norm(input - other, p)


def aminmax(input, *, dim=None, keepdim=False):  # noqa: A002
    """``(min, max)`` over ``dim`` (every element by default), each with ``amin``'s and ``amax``'s
    gradient."""
    dims = () if dim is None else dim
    return aminmax_result(amin(input, dims, keepdim), amax(input, dims, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """``(std, mean)`` over ``dim``."""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


METHODS = {name: globals()[name] for name in __all__}

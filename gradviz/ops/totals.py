"""Totals that the plain reductions do not give: ``nansum`` (NaNs count as zero), ``count_nonzero`` and
``dist`` (the p-norm of a difference).

``nansum``'s gradient is ``grad`` broadcast back over the summed dims, 0 where the input was NaN (a
``masked_fill``, so it differentiates again); ``dist`` is ``linalg.vector_norm(input - other, p)``.
"""

from ..autograd.function import Function
from ..backend import array_module
from ..errors import DtypeError
from .indexing import MaskedFill
from .norms import vector_norm
from .reduction import _integer_sum_dtype, reduction_dims, remember_reduction, spread
from .tensor_first import require_tensor

__all__ = ["nansum", "count_nonzero", "dist"]


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


METHODS = {name: globals()[name] for name in __all__}

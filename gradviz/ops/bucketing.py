"""Counting and bucketing, none of them differentiable: ``bincount``, ``histc``, ``searchsorted``,
``bucketize`` and ``argwhere``, as PyTorch defines them."""

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import array_module
from ..errors import DtypeError, ShapeError
from .indexing import nonzero
from .tensor_first import require_tensor

__all__ = ["bincount", "histc", "searchsorted", "bucketize", "argwhere"]


class Bincount(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, x, weights, minlength):
        return (
            array_module(x)
            .bincount(x, weights=weights, minlength=minlength)
            .astype("int64" if weights is None else weights.dtype, copy=False)
        )


class Histc(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, x, bins, low, high):
        xp = array_module(x)
        values = x.reshape(-1)
        if low == high == 0 and values.size:
            low, high = float(values.min()), float(values.max())
        if low == high:
            low, high = low - 1, high + 1
        inside = values[(values >= low) & (values <= high)]  # NaN is neither: left out, as in PyTorch
        position = ((inside - low) * (bins / (high - low))).astype("int64")
        counts = xp.bincount(xp.minimum(position, bins - 1), minlength=bins)  # the maximum: last bin
        return counts.astype(x.dtype)


class Searchsorted(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, boundaries, values, side, dtype):
        xp = array_module(boundaries)
        if boundaries.ndim == 1:
            return xp.searchsorted(boundaries, values, side=side).astype(dtype)
        rows = boundaries.reshape(-1, boundaries.shape[-1])
        found = [xp.searchsorted(b, v, side=side) for b, v in zip(rows, values.reshape(len(rows), -1))]
        return xp.stack(found).reshape(values.shape).astype(dtype)


def bincount(input, weights=None, minlength=0):  # noqa: A002 - PyTorch's argument names
    """How often each value 0, 1, ..., max occurs in a 1-D tensor of non-negative integers (the sum of
    ``weights`` at its positions, if given), at least ``minlength`` counts long."""
    data = input._data
    if data.dtype.kind not in "iub" or data.ndim != 1:
        raise DtypeError(
            f"bincount: expects a 1-D tensor of non-negative integers, got {input.dtype} of shape "
            f"{tuple(data.shape)}"
        )
    if data.size and int(data.min()) < 0:
        raise ValueError(f"bincount: the values must be non-negative, got a minimum of {int(data.min())}")
    if weights is not None and require_tensor("bincount", "weights", weights)._data.shape != data.shape:
        raise ShapeError(
            f"bincount: weights (shape {tuple(weights.shape)}) must have the input's shape "
            f"{tuple(data.shape)}"
        )
    return Bincount.apply(input, None if weights is None else weights._data, minlength)


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """Counts in ``bins`` equal bins from ``min`` to ``max`` (the data's own range when both are 0);
    values outside the range, and NaN, are not counted."""
    if input._data.dtype.kind != "f":
        raise DtypeError(f"histc: expects a floating point tensor, got {input.dtype}; convert it (x.float())")
    if bins <= 0 or min > max:
        raise ValueError(f"histc: needs bins > 0 and min <= max, got bins={bins}, min={min}, max={max}")
    return Histc.apply(input, bins, float(min), float(max))


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each of ``values`` would be inserted into ``sorted_sequence`` (searched along its last
    dim; a row per row of ``values`` when it has more dims) to keep it sorted: before equal values, or
    after them with ``right=True`` / ``side='right'``."""
    require_tensor("searchsorted", "sorted_sequence", sorted_sequence)
    if sorter is not None:
        raise ValueError("searchsorted: sorter is not supported; sort the sequence first (x.sort())")
    side = side or ("right" if right else "left")
    if isinstance(values, Tensor):
        values = values._data
    else:
        values = array_module(sorted_sequence._data).asarray(values)
    outer = sorted_sequence._data.shape[:-1]
    if sorted_sequence._data.ndim > 1 and values.shape[:-1] != outer:
        raise ShapeError(
            f"searchsorted: the leading dims of the values (shape {tuple(values.shape)}) must match those "
            f"of the sorted sequence (shape {tuple(sorted_sequence._data.shape)})"
        )
    return Searchsorted.apply(sorted_sequence, values, side, "int32" if out_int32 else "int64")


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002
    """The index of the bucket of ``boundaries`` (1-D, sorted) each element of ``input`` falls in."""
    if require_tensor("bucketize", "boundaries", boundaries)._data.ndim != 1:
        raise ShapeError(f"bucketize: boundaries must be 1-D, got shape {tuple(boundaries.shape)}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def argwhere(input):  # noqa: A002
    """The indices of the non-zero elements, one row each."""
    return nonzero(input)


METHODS = {name: globals()[name] for name in ("bincount", "histc", "argwhere")}

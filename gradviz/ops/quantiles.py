"""``quantile`` and ``nanquantile``: the ``q``-quantiles of each slice along ``dim`` (of every element
by default), as PyTorch computes them.

Each slice is sorted (NaN last), the quantile's rank ``q · (n - 1)`` falls between two sorted
elements, and ``interpolation`` chooses between them: ``linear`` (PyTorch's default), ``lower``,
``higher``, ``nearest`` (half to even) or ``midpoint``. ``n`` is the slice's length, or for
``nanquantile`` its count of non-NaN values; a ``quantile`` slice holding a NaN is NaN. The result is
made of differentiable ops (sort, gather, arithmetic), so the gradient reaches the one or two elements
each quantile was read from."""

from ..autograd.tensor import Tensor, wrap
from ..backend import array_module
from ..errors import DtypeError, ShapeError
from .arguments import normalize_dim
from .indexing import take_along_dim
from .shape import movedim, unsqueeze
from .sorting import sort
from .unary import where

__all__ = ["quantile", "nanquantile"]

INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    """``quantile`` of the non-NaN values of each slice (NaN for a slice of NaNs only)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


def _quantile(op, input, q, dim, keepdim, interpolation, ignore_nan):  # noqa: A002
    data = input._data
    _check(op, input, q, interpolation)
    qs, scalar = _levels(op, input, q)
    slices = input.reshape(-1) if dim is None else movedim(input, normalize_dim(dim, data.ndim, op), -1)
    xp = array_module(data)
    nan = xp.isnan(slices._data)
    count = slices._data.shape[-1] - nan.sum(axis=-1, keepdims=True) if ignore_nan else slices._data.shape[-1]
    batch = slices._data.shape[:-1]
    rank = xp.broadcast_to(qs * (xp.asarray(count, dtype="float64") - 1), (*batch, qs.size))
    below = xp.floor(rank)
    if interpolation == "nearest":
        below = xp.round(rank)  # half to even, as PyTorch
    above = below if interpolation == "nearest" else xp.ceil(rank)
    ordered = sort(slices, -1).values
    low, high = (take_along_dim(ordered, wrap(_index(xp, r, slices)), -1) for r in (below, above))
    result = _interpolate(low, high, interpolation, (rank - below).astype(data.dtype))
    empty = count == 0 if ignore_nan else nan.any(axis=-1, keepdims=True)
    result = where(wrap(xp.broadcast_to(empty, result._data.shape)), float("nan"), result)
    return _shaped(result, input, dim, keepdim, scalar)


def _check(op, input, q, interpolation):  # noqa: A002
    if input._data.dtype.kind != "f":
        raise DtypeError(f"{op}: the input must be a float tensor, got {input.dtype}; convert it (x.float())")
    if input._data.size == 0:
        raise ShapeError(f"{op}: the input must be non-empty, got shape {tuple(input._data.shape)}")
    if isinstance(q, Tensor) and q._data.dtype != input._data.dtype:
        raise DtypeError(
            f"{op}: q must have the input's dtype ({input.dtype}), got {q.dtype} (as in PyTorch); "
            f"convert it with q.to({input.dtype})"
        )
    if interpolation not in INTERPOLATIONS:
        choices = ", ".join(INTERPOLATIONS)
        raise ValueError(f"{op}: interpolation must be one of {choices}, got {interpolation!r}")


def _levels(op, input, q):  # noqa: A002
    """The quantile levels as a float64 vector on the input's device, and whether ``q`` was a scalar
    (its dimension then leaves the result)."""
    xp = array_module(input._data)
    levels = q._data.astype("float64") if isinstance(q, Tensor) else xp.asarray(float(q))
    if levels.ndim > 1:
        raise ShapeError(f"{op}: q must be a scalar or a 1-D tensor, got shape {tuple(levels.shape)}")
    if bool(((levels < 0) | (levels > 1)).any()):
        raise ValueError(f"{op}: q must be in the range [0, 1], got {q}")
    return levels.reshape(-1), levels.ndim == 0


def _index(xp, rank, slices):
    """Positions in the sorted slices, int64, kept in range (a slice of NaNs only has none)."""
    return xp.clip(rank, 0, slices._data.shape[-1] - 1).astype("int64")


def _interpolate(low, high, interpolation, weight):
    if interpolation in ("lower", "nearest"):
        return low
    if interpolation == "higher":
        return high
    if interpolation == "midpoint":
        return (low + high) * 0.5
    return low + (high - low) * wrap(weight)


def _shaped(result, input, dim, keepdim, scalar):  # noqa: A002
    """(..., len(q)) to PyTorch's layout: q's dimension first (none for a scalar q), then the input's
    shape without ``dim`` (with it as size 1 under ``keepdim``; every dim when ``dim`` is None)."""
    result = movedim(result, -1, 0)
    if keepdim:
        if dim is None:
            result = result.reshape(result.shape[:1] + (1,) * input._data.ndim)
        else:
            result = unsqueeze(result, normalize_dim(dim, input._data.ndim, "quantile") + 1)
    return result[0] if scalar else result


METHODS = {name: globals()[name] for name in __all__}

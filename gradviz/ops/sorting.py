"""Sorting along a dim: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, unique.

``sort``, ``topk``, ``kthvalue`` and ``median(x, dim)`` are one ``Function`` family: a stable sort
gives the order of the elements along ``dim``, each op keeps the part of it it returns (all of it, the
first ``k``, the ``k``-th, the median position), and the values are taken along the dim at those
indices. The backward puts each value's gradient back at the position it came from (``IndexPutAdd``,
whose backward is indexing again, so second derivatives flow). ``median(x)`` over every element splits
its gradient evenly among the elements equal to the median, as PyTorch does (``max(x)``'s rule).

Order is always stable: equal elements keep their input order (descending too), NaN sorts above every
number, as in PyTorch. PyTorch promises that order only for ``stable=True``; with ``stable=False`` and
in ``topk`` its tie order is unspecified, and gradviz gives the stable one.
"""

from collections import namedtuple

from ..autograd.function import Function
from ..backend import array_module
from ..errors import IndexOutOfRangeError, ShapeError
from .arguments import normalize_dim
from .indexing import IndexPutAdd, _along_dim_key, positions_along
from .reduction import Max, remember_reduction
from .shape import unsqueeze

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "unique"]

sort_result = namedtuple("sort", ["values", "indices"])
topk_result = namedtuple("topk", ["values", "indices"])
median_result = namedtuple("median", ["values", "indices"])
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])
nanmedian_result = namedtuple("nanmedian", ["values", "indices"])
mode_result = namedtuple("mode", ["values", "indices"])


def _order(xp, x, dim, descending):
    """int64 indices that sort ``x`` along ``dim``, stably (ties keep their input order either way)."""
    if not descending:
        return xp.argsort(x, axis=dim, kind="stable").astype("int64", copy=False)
    # reverse, sort ascending, reverse back: the largest first, and ties again in input order
    ascending = xp.argsort(xp.flip(x, axis=dim), axis=dim, kind="stable").astype("int64", copy=False)
    return (x.shape[dim] - 1) - xp.flip(ascending, axis=dim)


def _median_index(xp, x, order, dim):
    """The index (size 1 along ``dim``) of the lower median of each slice; of its first NaN if it has any
    (the median is then NaN, as in PyTorch)."""
    size = x.shape[dim]
    nans = (x != x).sum(axis=dim, keepdims=True)
    position = xp.where(nans > 0, size - nans, (size - 1) // 2)
    return xp.take_along_axis(order, position, axis=dim)


class Sort(Function):
    """Values and int64 indices of ``x`` in sorted order along ``dim``; each value's gradient goes back
    to the position it came from."""

    @staticmethod
    def forward(ctx, x, dim, descending, k, keepdim):
        xp = array_module(x)
        index = ctx.select(xp, x, _order(xp, x, dim, descending), dim, k)
        ctx.in_shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        ctx.key = _along_dim_key(xp, index, dim, index.shape)
        values = xp.take_along_axis(x, index, axis=dim)
        return (values, index) if keepdim else (values.squeeze(dim), index.squeeze(dim))

    @staticmethod
    def select(xp, x, order, dim, k):
        return order

    @staticmethod
    def backward(ctx, grad, _indices_grad):
        grad = grad if ctx.keepdim else unsqueeze(grad, ctx.dim)
        return IndexPutAdd.apply(grad, ctx.in_shape, ctx.key, False), None, None, None, None


class Topk(Sort):
    @staticmethod
    def select(xp, x, order, dim, k):
        return order[(slice(None),) * dim + (slice(0, k),)]


class Kthvalue(Sort):
    @staticmethod
    def select(xp, x, order, dim, k):
        return order[(slice(None),) * dim + (slice(k - 1, k),)]


class MedianDim(Sort):
    name = "median"

    @staticmethod
    def select(xp, x, order, dim, k):
        return _median_index(xp, x, order, dim)


class NanmedianDim(Sort):
    """The lower median of each slice's values that are not NaN (NaN for a slice of NaNs only): NaNs
    sort last, so it sits at ``(count - 1) // 2`` of the sorted order."""

    name = "nanmedian"

    @staticmethod
    def select(xp, x, order, dim, k):
        present = (x == x).sum(axis=dim, keepdims=True)
        return xp.take_along_axis(order, xp.maximum(present - 1, 0) // 2, axis=dim)


class Mode(Sort):
    """The most frequent value of each slice (the smallest among equally frequent ones) and the
    position of its last occurrence, as PyTorch: in sorted order the runs of equal values are found,
    and the end of the first longest run is kept (the stable sort puts the last occurrence there)."""

    @staticmethod
    def select(xp, x, order, dim, k):
        ordered = xp.take_along_axis(x, order, axis=dim)
        lead = (slice(None),) * dim
        changes = ordered[(*lead, slice(1, None))] != ordered[(*lead, slice(None, -1))]
        edge = xp.ones(changes.shape[:dim] + (1,) + changes.shape[dim + 1 :], dtype=bool)
        starts = xp.concatenate([edge, changes], axis=dim)
        ends = xp.concatenate([changes, edge], axis=dim)
        positions = positions_along(xp, x.shape, dim)
        run_start = xp.maximum.accumulate(xp.where(starts, positions, 0), axis=dim)
        lengths = xp.where(ends, positions - run_start + 1, 0)
        end = xp.expand_dims(lengths.argmax(axis=dim), dim)
        return xp.take_along_axis(order, end, axis=dim)


class Median(Max):
    """The lower median of every element; the gradient is split evenly among the elements equal to it
    (among the NaNs when it is NaN), inherited from ``max(x)``."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        remember_reduction(ctx, x, dims, keepdim)
        xp = array_module(x)
        flat = x.reshape(-1)
        if flat.size == 0:
            ctx.out = xp.full((), xp.nan, dtype=x.dtype)  # PyTorch's median of nothing
        else:
            index = _median_index(xp, flat, _order(xp, flat, 0, False), 0)
            ctx.out = flat[index].reshape(())
        ctx.save_for_backward(x)
        return ctx.out


class Argsort(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, x, dim, descending):
        return _order(array_module(x), x.reshape(1) if x.ndim == 0 else x, dim, descending).reshape(x.shape)


class Unique(Function):
    """The distinct elements (or slices along ``dim``) in ascending order; NaNs are not merged, as in
    PyTorch."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, return_inverse, return_counts, dim):
        xp = array_module(x)
        nan_kwarg = {"equal_nan": False} if x.dtype.kind == "f" else {}
        values, inverse, counts = xp.unique(x, return_inverse=True, return_counts=True, axis=dim, **nan_kwarg)
        inverse = inverse.astype("int64", copy=False).reshape(x.shape if dim is None else (-1,))
        extra = (inverse,) * return_inverse + (counts.astype("int64", copy=False),) * return_counts
        return (values, *extra) if extra else values


def _along(cls, input, dim, descending, k, keepdim, op):  # noqa: A002
    """Apply a ``Sort``-family op along ``dim``; a 0-d input is sorted as one element."""
    ndim = input._data.ndim
    dim = normalize_dim(dim, ndim, op)
    if ndim == 0:
        values, indices = cls.apply(input.reshape(1), 0, descending, k, True)
        return values.reshape(()), indices.reshape(())
    return cls.apply(input, dim, descending, k, keepdim)


def sort(input, dim=-1, descending=False, *, stable=False):  # noqa: A002 - PyTorch's argument names
    """``(values, indices)`` of ``input`` sorted along ``dim``; always stable (``stable`` is accepted)."""
    return sort_result(*_along(Sort, input, dim, descending, None, True, "sort"))


def argsort(input, dim=-1, descending=False, *, stable=False):  # noqa: A002
    """The int64 indices that sort ``input`` along ``dim`` (stably)."""
    dim = normalize_dim(dim, input._data.ndim, "argsort")
    return Argsort.apply(input, dim, descending)


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements along ``dim``;
    always in sorted order, ties in input order."""
    _check_k("topk", input, k, dim, 0)
    return topk_result(*_along(Topk, input, dim, largest, k, True, "topk"))


def _check_k(op, input, k, dim, least):  # noqa: A002
    shape = tuple(input._data.shape)
    size = shape[normalize_dim(dim, len(shape), op)] if shape else 1
    if isinstance(k, bool) or not isinstance(k, int) or not least <= k <= size:
        raise IndexOutOfRangeError(
            f"{op}: k ({k!r}) is out of range for dimension {dim} of size {size} (tensor of shape {shape}); "
            f"k must be an int in {least}..{size}"
        )


def msort(input):  # noqa: A002
    """``input`` sorted along its first dimension."""
    return sort(input, 0).values


def kthvalue(input, k, dim=-1, keepdim=False):  # noqa: A002
    """``(values, indices)`` of the ``k``-th smallest element (from 1) of each slice along ``dim``;
    among equal values the first in input order (PyTorch leaves which one unspecified)."""
    _check_k("kthvalue", input, k, dim, 1)
    return kthvalue_result(*_along(Kthvalue, input, dim, False, k, keepdim, "kthvalue"))


def median(input, dim=None, keepdim=False):  # noqa: A002
    """``median(x)``: the lower median of every element; ``median(x, dim)``: ``(values, indices)`` of
    each slice's lower median. A slice with a NaN has median NaN, as in PyTorch."""
    shape = tuple(input._data.shape)
    if dim is None:
        return Median.apply(input, tuple(range(len(shape))), False)
    if shape and shape[normalize_dim(dim, len(shape), "median")] == 0:
        raise ShapeError(
            f"median: dimension {dim} of the input (shape {shape}) has size 0, so it has no median; "
            "reduce a non-empty dim"
        )
    return median_result(*_along(MedianDim, input, dim, False, None, keepdim, "median"))


def nanmedian(input, dim=None, keepdim=False):  # noqa: A002
    """``median`` that leaves NaNs out: ``nanmedian(x)`` the lower median of every non-NaN element,
    ``nanmedian(x, dim)`` ``(values, indices)`` per slice; NaN only where a slice is all NaN."""
    if dim is None:
        flat = input.reshape(-1)
        if flat._data.size == 0:
            return median(input)
        return _along(NanmedianDim, flat, 0, False, None, False, "nanmedian")[0]
    return nanmedian_result(*_along(NanmedianDim, input, dim, False, None, keepdim, "nanmedian"))


def mode(input, dim=-1, keepdim=False):  # noqa: A002
    """``(values, indices)``: the most frequent value along ``dim`` and where it last occurs."""
    return mode_result(*_along(Mode, input, dim, False, None, keepdim, "mode"))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct elements of ``input`` (``dim``: its distinct slices along ``dim``), ascending (always
    sorted, which PyTorch allows for ``sorted=False``), with the inverse indices and counts on request."""
    if dim is not None:
        dim = normalize_dim(dim, input._data.ndim, "unique")
    return Unique.apply(input, return_inverse, return_counts, dim)


METHODS = {name: globals()[name] for name in __all__}

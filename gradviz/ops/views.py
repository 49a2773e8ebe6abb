"""Views PyTorch returns on the same memory: ``diagonal`` and ``Tensor.unfold`` (strided views, so
``x.diagonal().fill_(0)`` changes ``x``, as in PyTorch), and the splits ``tensor_split``, ``hsplit``,
``vsplit``, ``dsplit`` and ``ravel``, made of slices and reshapes.

Each view's backward is its adjoint: zeros with the gradient written where the view's elements sit;
``unfold``'s windows may overlap, so its adjoint adds one strided slice per window position."""

from itertools import accumulate

from ..autograd.function import Function
from ..backend import array_module
from ..errors import ShapeError
from .arguments import int_argument, normalize_dim
from .shape import reshape

__all__ = ["diagonal", "tensor_split", "hsplit", "vsplit", "dsplit", "ravel"]


def _diagonal_view(x, offset, dim1, dim2):
    """The writable view of ``x``'s diagonal: the matrices along ``dim1``, ``dim2`` moved last, their
    first diagonal element found by slicing, then one stride that steps down a row and across a column."""
    xp = array_module(x)
    matrices = xp.moveaxis(x, (dim1, dim2), (-2, -1))[..., max(-offset, 0) :, max(offset, 0) :]
    length = min(matrices.shape[-2:])
    strides = matrices.strides
    return xp.lib.stride_tricks.as_strided(
        matrices, matrices.shape[:-2] + (length,), strides[:-2] + (strides[-2] + strides[-1],)
    )


class Diagonal(Function):
    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape = x.shape
        ctx.where = (offset, dim1, dim2)
        return _diagonal_view(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        return DiagonalEmbed.apply(grad, ctx.shape, *ctx.where), None, None, None


class DiagonalEmbed(Function):
    """Zeros of ``shape`` with ``values`` on the diagonal: the adjoint of :class:`Diagonal`."""

    @staticmethod
    def forward(ctx, values, shape, offset, dim1, dim2):
        ctx.where = (offset, dim1, dim2)
        out = array_module(values).zeros(shape, dtype=values.dtype)
        _diagonal_view(out, offset, dim1, dim2)[...] = values
        return out

    @staticmethod
    def backward(ctx, grad):
        return Diagonal.apply(grad, *ctx.where), None, None, None, None


class SlidingWindows(Function):
    """``x.unfold(dim, size, step)``: every window of ``size`` elements along ``dim``, ``step`` apart,
    as a new last dimension; a view, so windows that overlap share memory."""

    name = "unfold"

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.shape = x.shape
        ctx.window = (dim, size, step)
        xp = array_module(x)
        if x.ndim == 0:
            return x.reshape(1)
        views = xp.lib.stride_tricks.sliding_window_view(x, size, axis=dim, writeable=True)
        return views[(slice(None),) * dim + (slice(None, None, step),)]

    @staticmethod
    def backward(ctx, grad):
        return UnfoldBackward.apply(grad, ctx.shape, *ctx.window), None, None, None


class UnfoldBackward(Function):
    """Each window added back where it came from (overlaps accumulate): the adjoint of
    :class:`SlidingWindows`, one strided add per position in the window."""

    @staticmethod
    def forward(ctx, windows, shape, dim, size, step):
        ctx.window = (dim, size, step)
        if not shape:
            return windows.reshape(())
        out = array_module(windows).zeros(shape, dtype=windows.dtype)
        count = windows.shape[dim]
        lead = (slice(None),) * dim
        for k in range(size):
            out[(*lead, slice(k, k + step * (count - 1) + 1, step))] += windows[..., k]
        return out

    @staticmethod
    def backward(ctx, grad):
        return SlidingWindows.apply(grad, *ctx.window), None, None, None, None


def diagonal(input, offset=0, dim1=0, dim2=1):  # noqa: A002 - PyTorch's argument names
    """The diagonal of the matrices along ``dim1`` and ``dim2``, ``offset`` above (below, if negative)
    the main one, as the last dimension of the result: a view of ``input``, as in PyTorch."""
    ndim = input._data.ndim
    dim1, dim2 = normalize_dim(dim1, ndim, "diagonal"), normalize_dim(dim2, ndim, "diagonal")
    if dim1 == dim2:
        raise ShapeError(f"diagonal: dim1 and dim2 must differ, both are {dim1}")
    return Diagonal.apply(input, int_argument("diagonal", "offset", offset), dim1, dim2)


def unfold(input, dimension, size, step):  # noqa: A002
    shape = input._data.shape
    dim = normalize_dim(dimension, len(shape), "unfold")
    size, step = int_argument("unfold", "size", size), int_argument("unfold", "step", step)
    length = shape[dim] if shape else 1
    if step <= 0:
        raise ValueError(f"unfold: step is {step} but must be > 0")
    if not 0 <= size <= length:
        raise ShapeError(
            f"unfold: the size of a window must be between 0 and the size of dimension {dim} "
            f"({length}, shape {tuple(shape)}), got {size}"
        )
    return SlidingWindows.apply(input, dim, size, step)


def tensor_split(input, indices_or_sections, dim=0):  # noqa: A002
    """Pieces along ``dim``: ``n`` sections as equal as can be (the first ``size % n`` one longer), or
    the slices between the given indices (each a view, as in PyTorch)."""
    shape = input._data.shape
    dim = normalize_dim(dim, len(shape), "tensor_split")
    size = shape[dim]
    sections = _sections(indices_or_sections)
    if isinstance(sections, int):
        if sections <= 0:
            raise ValueError(f"tensor_split: number of sections must be larger than 0, got {sections}")
        small, extra = divmod(size, sections)
        sizes = [small + 1] * extra + [small] * (sections - extra)
        indices = list(accumulate(sizes[:-1]))
    else:
        indices = sections
    bounds = zip([0, *indices], [*indices, None])
    lead = (slice(None),) * dim
    return tuple(input[(*lead, slice(start, end))] for start, end in bounds)


def _sections(value):
    """An int (a count of sections) or a list of ints (indices), from ints, sequences or int tensors."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [int_argument("tensor_split", "indices", i) for i in value]
    return int_argument("tensor_split", "sections", value)


def _split_along(op, input, indices_or_sections, dim, least):  # noqa: A002
    shape = input._data.shape
    if len(shape) < least:
        raise ShapeError(
            f"{op}: requires a tensor with at least {least} dimensions, got shape {tuple(shape)}"
        )
    sections = _sections(indices_or_sections)
    if isinstance(sections, int) and (sections <= 0 or shape[dim] % sections):
        raise ShapeError(
            f"{op}: cannot split dimension {dim} of size {shape[dim]} into {sections} equal parts; "
            "give a number of sections that divides it, or the indices to split at"
        )
    return tensor_split(input, sections, dim)


def hsplit(input, indices_or_sections):  # noqa: A002
    """Split along the columns: dimension 1 (0 for a vector)."""
    return _split_along("hsplit", input, indices_or_sections, 1 if input._data.ndim > 1 else 0, 1)


def vsplit(input, indices_or_sections):  # noqa: A002
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):  # noqa: A002
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def ravel(input):  # noqa: A002
    """The elements as one dimension: a view when the memory allows, else a copy (as ``reshape``)."""
    return reshape(input, -1)


METHODS = {**{name: globals()[name] for name in __all__}, "unfold": unfold}

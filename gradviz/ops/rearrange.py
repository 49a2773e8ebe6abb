"""Copies that rearrange or repeat elements: tril/triu, diag, repeat/tile, repeat_interleave, roll, narrow,
broadcast_tensors.

Each backward sends the gradient back to where its elements came from: the same triangle, the diagonal,
the sum over the copies of a repeated element, the opposite roll. Ops that pick elements by index
(repeat_interleave, narrow) are indexing ops, whose backward adds the gradient back at the indices.
"""

from ..autograd.function import Function
from ..autograd.tensor import Tensor, wrap
from ..backend import array_module
from ..errors import DtypeError, IndexOutOfRangeError, ShapeError
from .arguments import normalize_dim, shape_args
from .broadcast import expand
from .indexing import Index, IndexPutAdd, _on_device_of
from .reduction import sum as _sum
from .shape import _checked_tensors, reshape

__all__ = [
    "tril",
    "triu",
    "diag",
    "repeat_interleave",
    "tile",
    "roll",
    "narrow",
    "broadcast_tensors",
    "broadcast_shapes",
]


class Tril(Function):
    kernel = "tril"

    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.diagonal = diagonal
        return getattr(array_module(x), ctx.kernel)(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return type(ctx).apply(grad, ctx.diagonal), None


class Triu(Tril):
    kernel = "triu"


def _diagonal_key(xp, shape, diagonal):
    """Row and column indices of diagonal ``diagonal`` of a matrix of ``shape``."""
    rows, cols = shape
    length = max(0, min(rows + min(diagonal, 0), cols - max(diagonal, 0)))
    steps = xp.arange(length)
    return (steps + max(-diagonal, 0), steps + max(diagonal, 0))


class Diag(Function):
    """A 1-D input becomes the diagonal of a square matrix; a 2-D input gives its diagonal as 1-D."""

    @staticmethod
    def forward(ctx, x, diagonal):
        xp = array_module(x)
        ctx.diagonal = diagonal
        ctx.in_shape = x.shape
        if x.ndim == 1:
            size = x.shape[0] + abs(diagonal)
            out = xp.zeros((size, size), dtype=x.dtype)
            out[_diagonal_key(xp, (size, size), diagonal)] = x
            return out
        return x[_diagonal_key(xp, x.shape, diagonal)]

    @staticmethod
    def backward(ctx, grad):
        if len(ctx.in_shape) == 1:
            return Diag.apply(grad, ctx.diagonal), None
        key = _diagonal_key(array_module(grad._data), ctx.in_shape, ctx.diagonal)
        return IndexPutAdd.apply(grad, ctx.in_shape, key, False), None


class Repeat(Function):
    """``Tensor.repeat``: the whole tensor copied ``sizes[d]`` times along each dim (numpy's tile)."""

    @staticmethod
    def forward(ctx, x, sizes):
        shape = (1,) * (len(sizes) - x.ndim) + tuple(x.shape)
        ctx.in_shape, ctx.padded, ctx.sizes = x.shape, shape, sizes
        return array_module(x).tile(x.reshape(shape), sizes)

    @staticmethod
    def backward(ctx, grad):
        # each output dim d is (sizes[d] copies) x (shape[d] elements): sum over the copies
        split = tuple(n for pair in zip(ctx.sizes, ctx.padded) for n in pair)
        copies = _sum(reshape(grad, split), tuple(range(0, len(split), 2)))
        return reshape(copies, ctx.in_shape), None


class Tile(Repeat):
    pass


class RepeatInterleave(Index):
    pass


class Roll(Function):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return array_module(x).roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return Roll.apply(grad, back, ctx.dims), None, None


class Narrow(Index):
    pass


def _at_least_2d(op, input):  # noqa: A002
    if input._data.ndim < 2:
        raise ShapeError(
            f"{op}: input tensor must have at least 2 dimensions, but got shape {tuple(input._data.shape)}"
        )


def tril(input, diagonal=0):  # noqa: A002 - PyTorch's argument names
    """The lower triangle (on and below diagonal ``diagonal``) of the last two dims; zeros above."""
    _at_least_2d("tril", input)
    return Tril.apply(input, int(diagonal))


def triu(input, diagonal=0):  # noqa: A002
    """The upper triangle (on and above diagonal ``diagonal``) of the last two dims; zeros below."""
    _at_least_2d("triu", input)
    return Triu.apply(input, int(diagonal))


def diag(input, diagonal=0):  # noqa: A002
    if input._data.ndim not in (1, 2):
        raise ShapeError(
            f"diag: supports 1-D or 2-D tensors, but got shape {tuple(input._data.shape)}; "
            "use diagonal() or diag_embed() for batches"
        )
    return Diag.apply(input, int(diagonal))


def repeat(input, *sizes):  # noqa: A002
    sizes = shape_args(sizes, "repeat")
    if len(sizes) < input._data.ndim:
        raise ShapeError(
            f"repeat: the number of repeat sizes ({len(sizes)}, {sizes}) cannot be smaller than the number "
            f"of dimensions of the tensor (shape {tuple(input._data.shape)})"
        )
    if min(sizes, default=0) < 0:
        raise ValueError(f"repeat: repeat sizes must be non-negative, got {sizes}")
    return Repeat.apply(input, sizes)


def tile(input, *dims):  # noqa: A002
    """``repeat`` that also takes fewer sizes than dims (missing leading sizes are 1)."""
    dims = shape_args(dims, "tile")
    if min(dims, default=0) < 0:
        raise ValueError(f"tile: sizes must be non-negative, got {dims}")
    return Tile.apply(input, (1,) * (input._data.ndim - len(dims)) + dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):  # noqa: A002
    """Each element repeated ``repeats`` times (an int, or a tensor of one count per element) along
    ``dim`` (the flattened input if None). ``repeat_interleave(counts)`` alone gives the indices
    ``0, 0, ..., 1, ...`` repeated by ``counts``, as in PyTorch."""
    if repeats is None:
        counts = _counts(input, None, "repeat_interleave")
        xp = array_module(counts)
        return wrap(xp.repeat(xp.arange(counts.shape[0]), counts))
    if dim is None:
        input, dim = reshape(input, (-1,)), 0  # noqa: A001
    data = input._data
    dim = normalize_dim(dim, data.ndim, "repeat_interleave")
    xp = array_module(data)
    size = data.shape[dim] if data.ndim else 1
    if isinstance(repeats, Tensor):
        counts = _counts(repeats, data, "repeat_interleave")
        if counts.shape[0] not in (1, size):
            raise ShapeError(
                f"repeat_interleave: repeats must have one count per element along dim {dim} ({size}) or "
                f"a single count, but got shape {tuple(repeats.shape)} for an input of shape "
                f"{tuple(data.shape)}"
            )
        counts = counts.reshape(()) if counts.shape[0] == 1 else counts
    elif int(repeats) < 0:
        raise ValueError(f"repeat_interleave: repeats must be non-negative, got {repeats}")
    else:
        counts = int(repeats)
    index = xp.repeat(xp.arange(size), counts)
    if output_size is not None and index.shape[0] != output_size:
        raise ShapeError(
            f"repeat_interleave: output_size {output_size} differs from the {index.shape[0]} elements the "
            "repeats give"
        )
    if not data.ndim:
        return RepeatInterleave.apply(reshape(input, (1,)), (index,), True)
    return RepeatInterleave.apply(input, (*(slice(None),) * dim, index), True)


def _counts(repeats, data, op):
    counts = repeats._data
    if counts.dtype.kind not in "iu":
        raise DtypeError(f"{op}: repeats must be an integer tensor, but got {counts.dtype}")
    if counts.ndim > 1:
        raise ShapeError(f"{op}: repeats must be 0-D or 1-D, but got shape {tuple(counts.shape)}")
    if data is not None:
        counts = _on_device_of(counts, data, op)
    if counts.size and int(counts.min()) < 0:
        raise ValueError(f"{op}: repeats must be non-negative, got a count of {int(counts.min())}")
    return counts.reshape(-1)


def roll(input, shifts, dims=None):  # noqa: A002
    """Elements shifted cyclically by ``shifts`` along ``dims`` (over the flattened tensor if None)."""
    ndim = input._data.ndim
    if dims is None:
        if not isinstance(shifts, int):
            shifts = shape_args((shifts,), "roll")
            if len(shifts) != 1:
                raise ValueError(f"roll: give dims for several shifts {shifts}")
            shifts = shifts[0]
        return Roll.apply(input, int(shifts), None)
    shifts = (shifts,) if isinstance(shifts, int) else shape_args((shifts,), "roll")
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(
            f"roll: shifts and dims must align, but got {len(shifts)} shifts {shifts} and {len(dims)} "
            f"dims {dims}"
        )
    return Roll.apply(input, shifts, tuple(normalize_dim(d, ndim, "roll") for d in dims))


def narrow(input, dim, start, length):  # noqa: A002
    """``length`` elements from ``start`` along ``dim``: a view, as ``input[..., start:start + length]``."""
    shape = tuple(input._data.shape)
    dim = normalize_dim(dim, len(shape), "narrow")
    size = shape[dim]
    start, length = int(start), int(length)
    if not -size <= start <= size:
        raise IndexOutOfRangeError(
            f"narrow: start {start} is out of range for dimension {dim} of size {size} (shape {shape})"
        )
    start %= size if size else 1
    if length < 0 or start + length > size:
        raise ShapeError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size}) of dimension {dim} "
            f"(shape {shape}); length must be in 0..{size - start}"
        )
    return Narrow.apply(input, (*(slice(None),) * dim, slice(start, start + length)), False)


def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` broadcast to (sizes must be equal or 1, aligned on the right)."""
    shapes = [shape_args(s if isinstance(s, (tuple, list)) else (s,), "broadcast_shapes") for s in shapes]
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for shape in shapes:
        for i, size in enumerate(shape, ndim - len(shape)):
            if size != out[i] and out[i] != 1 and size != 1:
                raise ShapeError(
                    f"broadcast_shapes: shapes {', '.join(str(s) for s in shapes)} cannot be broadcast "
                    f"together (size {size} against {out[i]} at dimension {i}); sizes must be equal or 1"
                )
            out[i] = out[i] if size == 1 else size
    return tuple(out)


def broadcast_tensors(*tensors):
    """Every tensor expanded (as a view) to their common broadcast shape; each keeps its dtype."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    tensors = _checked_tensors("broadcast_tensors", tensors)
    shape = broadcast_shapes(*(t._data.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


METHODS = {
    "tril": tril,
    "triu": triu,
    "diag": diag,
    "repeat": repeat,
    "tile": tile,
    "repeat_interleave": repeat_interleave,
    "roll": roll,
    "narrow": narrow,
}

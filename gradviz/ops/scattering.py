"""Writing by index, out of place: scatter, scatter_add, index_add, index_fill, index_copy, index_put,
masked_scatter; and masked_select. (``index_writes`` holds their in-place forms.)

``scatter`` overwrites: its gradient to the input is zero at the overwritten positions, and to ``src`` it
is the gradient gathered from where each element went. ``scatter_add`` and ``index_add`` add, and
repeated indices accumulate (forward and backward); the input's gradient passes through unchanged.
``index_fill``, ``index_copy``, ``index_put`` and ``masked_scatter`` are ``scatter``'s op with their own
key (whole slices along a dim, a tuple of index tensors, a mask).
"""

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..errors import DtypeError, IndexOutOfRangeError, ShapeError
from .arguments import normalize_dim
from .broadcast import expand
from .indexing import Index, IndexPut, _along_dim_key, _describe, _int_index, _on_device_of
from .rearrange import broadcast_shapes

__all__ = [
    "scatter",
    "scatter_add",
    "index_add",
    "index_fill",
    "index_copy",
    "index_put",
    "masked_scatter",
    "masked_select",
]


class Scatter(IndexPut):
    """``input`` with ``src`` written at ``key`` (a copy; ``IndexPut`` writes in place)."""

    @staticmethod
    def forward(ctx, x, key, accumulate, value):
        return IndexPut.forward(ctx, x.copy(), key, accumulate, value)


class ScatterAdd(Function):
    """A copy of ``input`` with ``alpha * src`` added at ``key``; repeated positions accumulate."""

    @staticmethod
    def forward(ctx, x, key, src, alpha):
        ctx.key, ctx.alpha = key, alpha
        out = x.copy()
        backend.scatter_add(out, key, src if alpha == 1 else src * alpha)
        return out

    @staticmethod
    def backward(ctx, grad):
        need_x, _, need_src, _ = ctx.needs_input_grad
        grad_src = None
        if need_src:
            grad_src = Index.apply(grad, ctx.key, True)
            grad_src = grad_src if ctx.alpha == 1 else grad_src * ctx.alpha
        return (grad if need_x else None), None, grad_src, None


class IndexAdd(ScatterAdd):
    pass


class MaskedSelect(Index):
    pass


def _same_dtype(op, input, src, name):  # noqa: A002
    if isinstance(src, Tensor) and src.dtype != input.dtype:
        raise DtypeError(
            f"{op}: expected {name} to have the input's dtype {input.dtype}, but got {src.dtype}; "
            f"convert it first, e.g. {name}.to(input.dtype)"
        )


def _scatter_key(op, input, dim, index, src):  # noqa: A002
    """The key that writes ``src``'s first ``index.shape`` block along ``dim`` at ``index``; that block."""
    data = input._data
    dim = normalize_dim(dim, data.ndim, op)
    array = _int_index(index, data, op, dim)
    src_shape = tuple(src._data.shape) if isinstance(src, Tensor) else None
    shape = tuple(array.shape)
    if (
        len(shape) != data.ndim
        or any(d != dim and shape[d] > data.shape[d] for d in range(data.ndim))
        or src_shape is not None
        and (len(src_shape) != len(shape) or any(i > s for i, s in zip(shape, src_shape)))
    ):
        src_text = f" and src (shape {src_shape})" if src_shape is not None else ""
        raise ShapeError(
            f"{op}: the index (shape {shape}) must have as many dimensions as the input (shape "
            f"{tuple(data.shape)}){src_text}, be no larger than src in any dimension and no larger than "
            f"the input outside dimension {dim}"
        )
    _check_upper(op, array, dim, data.shape[dim])
    key = _along_dim_key(backend.array_module(data), array, dim, shape)
    if src_shape is not None and src_shape != shape:
        src = src[tuple(slice(0, n) for n in shape)]
    return key, src


def _check_upper(op, array, dim, size):
    if array.size and int(array.max()) >= size:
        raise IndexOutOfRangeError(
            f"{op}: index {int(array.max())} is out of bounds for dimension {dim} with size {size}; "
            f"valid indices are 0..{size - 1}"
        )


def scatter(input, dim, index, src=None, *, value=None, reduce=None):  # noqa: A002 - PyTorch's names
    """A copy of ``input`` with ``out[index[i][j]][j] = src[i][j]`` (for ``dim=0``; likewise for other
    dims); ``src`` may be a tensor or a number (also given as ``value=``). Where an index repeats, one
    of the written values wins (PyTorch leaves which one unspecified too)."""
    if reduce is not None:
        raise ValueError(
            f"scatter: reduce={reduce!r} is not supported (PyTorch deprecates it); use scatter_add for "
            "reduce='add', or multiply by a scattered tensor"
        )
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: give src (a tensor or a number) or value=")
    _same_dtype("scatter", input, src, "src")
    key, src = _scatter_key("scatter", input, dim, index, src)
    return Scatter.apply(input, key, False, src)


def scatter_add(input, dim, index, src):  # noqa: A002
    """A copy of ``input`` with ``src[i][j]`` added at ``out[index[i][j]][j]`` (for ``dim=0``); repeated
    indices accumulate."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a tensor, got {type(src).__name__}")
    _same_dtype("scatter_add", input, src, "src")
    key, src = _scatter_key("scatter_add", input, dim, index, src)
    return ScatterAdd.apply(input, key, src, 1)


def index_add(input, dim, index, source, *, alpha=1):  # noqa: A002
    """A copy of ``input`` with ``alpha * source[..., i, ...]`` added at ``out[..., index[i], ...]``
    along ``dim``; repeated indices accumulate."""
    data = input._data
    if not data.ndim:
        raise ShapeError("index_add: the input must have at least 1 dimension, but got a 0-D tensor")
    dim = normalize_dim(dim, data.ndim, "index_add")
    if not isinstance(source, Tensor):
        raise TypeError(f"index_add: source must be a tensor, got {type(source).__name__}")
    _same_dtype("index_add", input, source, "source")
    array = _int_index(index, data, "index_add", dim)
    source_shape, shape = tuple(source._data.shape), tuple(data.shape)
    expected = (*shape[:dim], array.size, *shape[dim + 1 :])
    if array.ndim > 1 or source_shape != expected:
        raise ShapeError(
            f"index_add: the index must be 1-D and source must have the input's shape {shape} with "
            f"{array.size} (the index length) in dimension {dim}, but got index shape {tuple(array.shape)} "
            f"and source shape {source_shape}"
        )
    _check_upper("index_add", array, dim, shape[dim])
    return IndexAdd.apply(input, (*(slice(None),) * dim, array.reshape(-1)), source, alpha)


def _slices_key(op, input, dim, index):  # noqa: A002
    """The key that picks whole slices along ``dim`` at a 1-D ``index``, and ``dim`` normalised."""
    data = input._data
    dim = normalize_dim(dim, data.ndim, op)
    array = _int_index(index, data, op, dim)
    if array.ndim > 1:
        raise ShapeError(f"{op}: the index must be 1-D (or 0-D), got shape {tuple(array.shape)}")
    _check_upper(op, array, dim, data.shape[dim] if data.ndim else 1)
    return (*(slice(None),) * dim, array.reshape(-1)), dim


def index_fill(input, dim, index, value):  # noqa: A002
    """A copy of ``input`` with every slice along ``dim`` at ``index`` set to ``value`` (a number or
    a 0-d tensor, which then gets the gradient of the filled positions)."""
    if isinstance(value, Tensor) and value._data.ndim:
        raise ShapeError(
            f"index_fill: value must be a number or a 0-d tensor, got shape {tuple(value.shape)}"
        )
    key, _ = _slices_key("index_fill", input, dim, index)
    return Scatter.apply(input, key, False, value)


def index_copy(input, dim, index, source):  # noqa: A002
    """A copy of ``input`` with ``source``'s slices along ``dim`` written at ``index``."""
    if not isinstance(source, Tensor):
        raise TypeError(f"index_copy: source must be a tensor, got {type(source).__name__}")
    _same_dtype("index_copy", input, source, "source")
    key, dim = _slices_key("index_copy", input, dim, index)
    shape = tuple(input._data.shape)
    expected = (*shape[:dim], key[-1].size, *shape[dim + 1 :])
    if tuple(source._data.shape) != expected:
        raise ShapeError(
            f"index_copy: source must have shape {expected} (the input's, with the index length in "
            f"dimension {dim}), got {tuple(source._data.shape)}"
        )
    return Scatter.apply(input, key, False, source)


def index_put(input, indices, values, accumulate=False):  # noqa: A002
    """A copy of ``input`` with ``values`` written (or added, with ``accumulate``) at
    ``input[indices]``, ``indices`` a tuple of index tensors, as ``input[indices] = values``."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put: indices must be a tuple of tensors, got {type(indices).__name__}")
    _same_dtype("index_put", input, values, "values")
    key = tuple(
        _on_device_of(i._data if isinstance(i, Tensor) else i, input._data, "index_put") for i in indices
    )
    if not accumulate:
        return Scatter.apply(input, key, False, values)
    picked = input._data[key].shape  # what values broadcast to, so the gradient sums back to their shape
    return ScatterAdd.apply(input, key, expand(values, picked) if values.shape != picked else values, 1)


def masked_scatter(input, mask, source):  # noqa: A002
    """A copy of ``input`` with the positions where ``mask`` (broadcast to the input) is True filled,
    in order, with the first elements of ``source``."""
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        raise DtypeError(f"masked_scatter: expected a bool tensor for the mask, but got {_describe(mask)}")
    _same_dtype("masked_scatter", input, source, "source")
    xp = backend.array_module(input._data)
    where = _on_device_of(xp.broadcast_to(mask._data, input._data.shape), input._data, "masked_scatter")
    count = int(where.sum())
    if count > source._data.size:
        raise ShapeError(
            f"masked_scatter: the mask selects {count} positions but source has only {source._data.size} "
            "elements"
        )
    return Scatter.apply(input, (where,), False, source.reshape(-1)[:count])


def masked_select(input, mask):  # noqa: A002
    """The elements of ``input`` where ``mask`` is True, as a 1-D tensor (the two broadcast together)."""
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        raise DtypeError(f"masked_select: expected a bool tensor for the mask, but got {_describe(mask)}")
    shape = broadcast_shapes(input._data.shape, mask._data.shape)
    mask_array = backend.array_module(mask._data).broadcast_to(mask._data, shape)
    key = (_on_device_of(mask_array, input._data, "masked_select"),)
    return MaskedSelect.apply(expand(input, shape), key, False)


METHODS = {
    "scatter": scatter,
    "scatter_add": scatter_add,
    "index_add": index_add,
    "index_fill": index_fill,
    "index_copy": index_copy,
    "index_put": index_put,
    "masked_scatter": masked_scatter,
    "masked_select": masked_select,
}

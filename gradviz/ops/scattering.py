"""Writing by index, out of place: scatter, scatter_add, index_add; and masked_select.

``scatter`` overwrites: its gradient to the input is zero at the overwritten positions, and to ``src`` it
is the gradient gathered from where each element went. ``scatter_add`` and ``index_add`` add, and
repeated indices accumulate (forward and backward); the input's gradient passes through unchanged.
"""

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..errors import DtypeError, IndexOutOfRangeError, ShapeError
from .arguments import normalize_dim
from .broadcast import expand
from .indexing import Index, IndexPut, _along_dim_key, _describe, _int_index, _on_device_of
from .rearrange import broadcast_shapes

__all__ = ["scatter", "scatter_add", "index_add", "masked_select"]


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
    "masked_select": masked_select,
}

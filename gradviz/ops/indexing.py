"""Indexing with ints, slices, integer tensors and boolean masks; masked_fill; gather and index_select.

``x[key]`` follows numpy's (and PyTorch's) rules: ints, slices, None and ``...`` give a view of the same
buffer; integer tensors, lists and boolean masks give a copy. The backward of every indexing op puts the
gradient back where its elements came from (``IndexPutAdd``); with integer indices the same element can
be picked several times, so those gradients accumulate instead of overwriting each other.
"""

import numbers

from .. import backend
from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state
from ..autograd.tensor import Tensor, mark_written, wrap
from ..errors import DeviceError, DtypeError, GraphError, IndexOutOfRangeError, ShapeError
from .arguments import normalize_dim
from .broadcast import sum_to
from .shape import flatten

__all__ = ["masked_fill", "index_select", "gather", "take_along_dim", "nonzero", "unravel_index"]

_BASIC = (int, slice, type(None), type(Ellipsis))


class Index(Function):
    """``x[key]`` where ``key`` is already prepared (a tuple, index arrays on ``x``'s device)."""

    @staticmethod
    def forward(ctx, x, key, accumulate):
        ctx.key = key
        ctx.accumulate = accumulate
        ctx.in_shape = x.shape
        try:
            return x[key]
        except IndexError as exc:
            raise _index_error(ctx.name, x.shape, key) or exc from None

    @staticmethod
    def backward(ctx, grad):
        return IndexPutAdd.apply(grad, ctx.in_shape, ctx.key, ctx.accumulate), None, None


class IndexSelect(Index):
    pass


class Gather(Index):
    pass


class TakeAlongDim(Index):
    pass


class IndexPutAdd(Function):
    """Zeros of ``shape`` with ``values`` put at ``key``: the adjoint of indexing. With integer index
    arrays (``accumulate``) repeated positions sum, through ``backend.scatter_add``."""

    @staticmethod
    def forward(ctx, values, shape, key, accumulate):
        ctx.key = key
        ctx.accumulate = accumulate
        out = backend.array_module(values).zeros(shape, dtype=values.dtype)
        if accumulate:
            backend.scatter_add(out, key, values)
        else:
            out[key] = values
        return out

    @staticmethod
    def backward(ctx, grad):
        return Index.apply(grad, ctx.key, ctx.accumulate), None, None, None


class MaskedFill(Function):
    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask = mask
        out = backend.array_module(x).where(mask, value, x)
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        need_x, _, need_value = ctx.needs_input_grad
        grad_x = sum_to(MaskedFill.apply(grad, ctx.mask, 0), ctx.inputs[0]._data.shape) if need_x else None
        grad_value = sum_to(MaskedFill.apply(grad, ~ctx.mask, 0), ()) if need_value else None
        return grad_x, None, grad_value


class Nonzero(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, x, as_tuple):
        xp = backend.array_module(x)
        return xp.nonzero(x) if as_tuple else xp.argwhere(x)


# ---- preparing keys ----


def _prepare(key, data, op):
    """``key`` as a tuple numpy understands, index tensors and lists turned into arrays on ``data``'s
    device; and whether an integer array is among them (then repeats may occur and backward accumulates)."""
    if key.__class__ is not tuple:
        key = (key,)
    basic = True
    for k in key:
        if k.__class__ is slice:
            if k.step is not None and k.step <= 0:
                raise ValueError(
                    f"{op}: step must be greater than zero, got a slice with step {k.step}; tensors have "
                    "no negative strides (as in PyTorch): reverse with .flip(dim) instead"
                )
        elif k.__class__ not in _BASIC:
            basic = False
    if basic:
        return key, False
    prepared = []
    accumulate = False
    for k in key:
        if k.__class__ not in _BASIC:
            k = _component(k, data, op)
            accumulate = accumulate or (hasattr(k, "dtype") and k.dtype.kind != "b")
        prepared.append(k)
    return tuple(prepared), accumulate


def _component(k, data, op):
    if isinstance(k, numbers.Integral) and not isinstance(k, bool) and not hasattr(k, "shape"):
        return int(k)
    if isinstance(k, Tensor):
        array = k._data
    elif isinstance(k, (list, tuple, bool)):
        array = backend.array_module(data).asarray(k)
        if array.size == 0:
            array = array.astype("int64")
    elif hasattr(k, "dtype"):
        array = k
    else:
        raise IndexError(
            f"{op}: only integers, slices (`:`), ellipsis (`...`), None and long or bool tensors are valid "
            f"indices, got {type(k).__name__} {k!r}; convert it with int() or index with a long tensor"
        )
    if array.dtype.kind not in "iub":
        raise IndexError(
            f"{op}: tensors used as indices must be integer or bool, but got {array.dtype}; "
            "convert the index with .long()"
        )
    return _on_device_of(array, data, op)


def _on_device_of(array, data, op):
    """``array`` on ``data``'s device: host indices are copied over (as PyTorch does), others must match."""
    source, target = backend.device_of(array), backend.device_of(data)
    if source == target:
        return array
    if source.type == "cpu":
        return backend.to_device(array, target)
    raise DeviceError(
        f"{op}: indices on device {source} cannot index a tensor on {target}; "
        f"move them with .to('{target}') or keep them on the cpu"
    )


def _index_error(op, shape, key):
    """A clear error for the component of ``key`` that does not fit ``shape`` (None if none is found)."""
    consumed = sum(_dims_taken(k) for k in key)
    if consumed > len(shape):
        return IndexOutOfRangeError(
            f"{op}: too many indices for a tensor of dimension {len(shape)} (shape {tuple(shape)}): the "
            f"key indexes {consumed} dimensions"
        )
    dim = 0
    for k in key:
        if k is None:
            continue
        if k is Ellipsis:
            dim += len(shape) - consumed
            continue
        if hasattr(k, "dtype") and k.dtype.kind == "b":
            covered = tuple(shape[dim : dim + k.ndim])
            if tuple(k.shape) != covered:
                return IndexOutOfRangeError(
                    f"{op}: a mask of shape {tuple(k.shape)} does not match the indexed tensor of shape "
                    f"{tuple(shape)} at dimension {dim} (expected mask shape {covered})"
                )
            dim += k.ndim
            continue
        problem = None if isinstance(k, slice) else _out_of_range(k, shape[dim])
        if problem is not None:
            return IndexOutOfRangeError(
                f"{op}: index {problem} is out of bounds for dimension {dim} with size {shape[dim]} "
                f"(tensor of shape {tuple(shape)}); valid indices are {-shape[dim]}..{shape[dim] - 1}"
            )
        dim += 1
    return None


def _dims_taken(k):
    if k is None or k is Ellipsis:
        return 0
    if hasattr(k, "dtype") and k.dtype.kind == "b":
        return k.ndim
    return 1


def _out_of_range(index, size):
    if isinstance(index, int):
        return index if not -size <= index < size else None
    if index.size == 0:
        return None
    low, high = int(index.min()), int(index.max())
    return high if high >= size else low if low < -size else None


def _int_index(index, data, op, dim):
    """An integer index array for ``dim``; like PyTorch, these ops take no negative indices."""
    array = _component(index, data, op)
    if not hasattr(array, "dtype") or array.dtype.kind not in "iu":
        raise DtypeError(f"{op}: the index must be an integer tensor, but got {_describe(array)}")
    lowest = int(array.min()) if array.size else 0
    if lowest < 0:
        raise IndexOutOfRangeError(
            f"{op}: index {lowest} is out of bounds for dimension {dim} with size {data.shape[dim]}; "
            f"{op} takes indices in 0..{data.shape[dim] - 1}, not negative ones"
        )
    return array


def _describe(value):
    if isinstance(value, Tensor):
        value = value._data
    return value.dtype if hasattr(value, "dtype") else type(value).__name__


def positions_along(xp, shape, dim):
    """``0, 1, ...`` along ``dim``, shaped to broadcast against an array of ``shape``."""
    return xp.arange(shape[dim]).reshape([-1 if d == dim else 1 for d in range(len(shape))])


def _along_dim_key(xp, index, dim, sizes):
    """A key that picks ``index`` along ``dim`` and runs over ``sizes`` in every other dim (broadcast)."""
    return tuple(index if d == dim else positions_along(xp, sizes, d) for d in range(len(sizes)))


# ---- public ops ----


def getitem(self, key):
    key, accumulate = _prepare(key, self._data, "index")
    return Index.apply(self, key, accumulate)


def setitem(self, key, value):
    """``self[key] = value``, in place. Recorded as an ``index_put`` op when ``self`` or ``value``
    requires grad (PyTorch's CopySlices): ``self`` then stands for the written tensor, and the gradient
    reaching it flows to ``value`` at ``key`` and to the old ``self`` everywhere else."""
    key, accumulate = _prepare(key, self._data, "__setitem__")
    if grad_state.enabled and self._data.dtype.kind == "f" and (self._requires_grad or _requires_grad(value)):
        _record_setitem(self, key, accumulate, value)
        return
    if isinstance(value, Tensor):
        value = value._data
    mark_written(self)
    _write(self._data, key, _value_array(value, self._data))


class IndexPut(Function):
    @staticmethod
    def forward(ctx, x, key, accumulate, value):
        ctx.key = key
        ctx.accumulate = accumulate
        ctx.value_shape = getattr(value, "shape", ())
        overwritten = backend.array_module(x).zeros(x.shape, dtype=bool)
        overwritten[key] = True
        ctx.overwritten = wrap(overwritten)
        _write(x, key, value)
        return x

    @staticmethod
    def backward(ctx, grad):
        need_x, _, _, need_value = ctx.needs_input_grad
        grad_x = MaskedFill.apply(grad, ctx.overwritten, 0) if need_x else None
        grad_value = None
        if need_value:
            grad_value = sum_to(Index.apply(grad, ctx.key, ctx.accumulate), ctx.value_shape)
        return grad_x, None, None, grad_value


def _record_setitem(self, key, accumulate, value):
    if self._requires_grad and self.grad_fn is None:
        raise GraphError(
            "__setitem__: a leaf tensor that requires grad cannot be written in place while gradients "
            "are recorded; write under `with gradviz.no_grad():` (as initialisers do), or write into a "
            "clone: y = x.clone(); y[...] = ..."
        )
    if backend.is_view(self._data):
        raise GraphError(
            "__setitem__: writing a value that requires grad into a view of another tensor is not "
            "recorded; index the tensor the view comes from directly, e.g. x[0, 1] = v instead of "
            "x[0][1] = v"
        )
    if not isinstance(value, Tensor):
        value = _value_array(value, self._data)
    mark_written(self)
    written = IndexPut.apply(_before_write(self), key, accumulate, value)
    self.grad_fn = written.grad_fn
    self._requires_grad = True
    self._output_nr = 0
    self._id = written._id


def _before_write(tensor):
    """A tensor that stands for ``tensor`` as it was, in the graph: same buffer, node and id."""
    before = wrap(tensor._data)
    before.grad_fn = tensor.grad_fn
    before._output_nr = tensor._output_nr
    before._requires_grad = tensor._requires_grad
    before._id = tensor._id
    return before


def _requires_grad(value):
    return isinstance(value, Tensor) and value._requires_grad


def _value_array(value, data):
    if isinstance(value, (list, tuple)):
        value = backend.array_module(data).asarray(value)
    if hasattr(value, "dtype"):
        value = _on_device_of(value, data, "__setitem__")
    return value


def _write(data, key, value):
    try:
        data[key] = value
    except IndexError as exc:
        shape = tuple(data.shape)
        raise _index_error("__setitem__", shape, key) or IndexError(
            f"__setitem__: {exc} (tensor of shape {shape})"
        ) from None
    except ValueError as exc:
        raise ShapeError(
            f"__setitem__: a value of shape {tuple(getattr(value, 'shape', ()))} cannot be written into "
            f"the {tuple(data[key].shape)} elements that the key selects in a tensor of shape "
            f"{tuple(data.shape)} ({exc})"
        ) from None


def masked_fill(input, mask, value):  # noqa: A002 - PyTorch's argument names
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        raise DtypeError(
            f"masked_fill: the mask must be a bool tensor, but got {_describe(mask)}; "
            "build one with a comparison such as x > 0, or convert with .bool()"
        )
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise ShapeError(
            f"masked_fill: value must be a number or a 0-dimensional tensor, but got shape "
            f"{tuple(value._data.shape)}; use where(mask, values, input) to fill from a tensor"
        )
    return MaskedFill.apply(input, mask, value)


def index_select(input, dim, index):  # noqa: A002
    dim = normalize_dim(dim, input._data.ndim, "index_select")
    array = _int_index(index, input._data, "index_select", dim)
    if array.ndim > 1:
        raise ShapeError(
            f"index_select: the index must be 1-D (or 0-D), but got shape {tuple(array.shape)}; "
            "flatten it, or use gather or advanced indexing"
        )
    return IndexSelect.apply(input, (*(slice(None),) * dim, array.reshape(-1)), True)


def gather(input, dim, index, *, sparse_grad=False):  # noqa: A002
    """``sparse_grad`` is accepted for PyTorch compatibility; gradients are always dense."""
    data = input._data
    dim = normalize_dim(dim, data.ndim, "gather")
    array = _int_index(index, data, "gather", dim)
    too_large = [d for d in range(data.ndim) if d != dim and array.shape[d] > data.shape[d]]
    if array.ndim != data.ndim or too_large:
        raise ShapeError(
            f"gather: the index (shape {tuple(array.shape)}) must have as many dimensions as the input "
            f"(shape {tuple(data.shape)}) and be no larger outside dimension {dim}"
        )
    key = _along_dim_key(backend.array_module(data), array, dim, array.shape)
    return Gather.apply(input, key, True)


def take_along_dim(input, indices, dim=None):  # noqa: A002
    if dim is None:
        return take_along_dim(flatten(input), flatten(indices) if isinstance(indices, Tensor) else indices, 0)
    data = input._data
    dim = normalize_dim(dim, data.ndim, "take_along_dim")
    array = _int_index(indices, data, "take_along_dim", dim)
    if not _broadcast_outside(array.shape, data.shape, dim):
        raise ShapeError(
            f"take_along_dim: indices of shape {tuple(array.shape)} and input of shape {tuple(data.shape)} "
            f"must have as many dimensions and broadcast together outside dimension {dim}"
        )
    key = _along_dim_key(backend.array_module(data), array, dim, data.shape)
    return TakeAlongDim.apply(input, key, True)


def _broadcast_outside(a_shape, b_shape, dim):
    return len(a_shape) == len(b_shape) and all(
        a == b or 1 in (a, b) for d, (a, b) in enumerate(zip(a_shape, b_shape)) if d != dim
    )


def nonzero(input, *, as_tuple=False):  # noqa: A002
    return Nonzero.apply(input, as_tuple)


def unravel_index(indices, shape):
    """The coordinates, one int64 tensor per dim of ``shape``, of flat (row-major) ``indices``."""
    array = indices._data if isinstance(indices, Tensor) else backend.array_module(indices).asarray(indices)
    if array.dtype.kind not in "iu":
        raise DtypeError(f"unravel_index: expects integer indices, got {array.dtype}")
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    total = 1
    for size in dims:
        total *= size
    if array.size and (int(array.min()) < -total or int(array.max()) >= total):
        raise IndexOutOfRangeError(
            f"unravel_index: an index is out of bounds for shape {dims} ({total} elements)"
        )
    xp = backend.array_module(array)
    coordinates = xp.unravel_index(array % total if total else array, dims)
    return tuple(wrap(xp.asarray(c, dtype="int64")) for c in coordinates)


METHODS = {
    "__getitem__": getitem,
    "__setitem__": setitem,
    "masked_fill": masked_fill,
    "index_select": index_select,
    "gather": gather,
    "take_along_dim": take_along_dim,
    "nonzero": nonzero,
}

"""Views and rearrangements: reshape/view, transpose/permute, squeeze/unsqueeze, flatten, flip, cat/stack,
split.

Reshapes, transposes and slices return views over the input's buffer whenever the array library can (as
PyTorch's do), so writing into one under ``no_grad`` shows in the other. Each backward is the inverse
rearrangement of the gradient: reshape back, the inverse permutation, split for cat, cat for split.
"""

import math
from itertools import accumulate

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import array_module, device_of
from ..errors import DeviceError, ShapeError
from .arguments import normalize_dim, normalize_dims, shape_args
from .promotion import promote
from .tensor_first import require_tensor

__all__ = [
    "reshape",
    "transpose",
    "swapaxes",
    "swapdims",
    "permute",
    "movedim",
    "moveaxis",
    "t",
    "squeeze",
    "unsqueeze",
    "flatten",
    "unflatten",
    "flip",
    "cat",
    "concat",
    "concatenate",
    "stack",
    "split",
    "chunk",
    "unbind",
]


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(_invalid_shape_message(ctx.name, shape, x.size)) from None

    @staticmethod
    def backward(ctx, grad):
        return Reshape.apply(grad, ctx.in_shape), None


class View(Reshape):
    """``reshape`` that never copies: like PyTorch, it refuses a shape the strides cannot express."""

    @staticmethod
    def forward(ctx, x, shape):
        out = Reshape.forward(ctx, x, shape)
        if x.size and backend.memory_owner(out) is not backend.memory_owner(x):
            raise ShapeError(
                f"view: a tensor of shape {tuple(x.shape)} and strides {_element_strides(x)} cannot be "
                f"viewed as {tuple(shape)} without copying (a transpose or a slice made it "
                "non-contiguous); use .reshape(...) instead, or .contiguous().view(...)"
            )
        return out


def _element_strides(x):
    return tuple(s // x.itemsize for s in x.strides)


class Squeeze(Reshape):
    pass


class Unsqueeze(Reshape):
    pass


class Flatten(Reshape):
    pass


class Unflatten(Reshape):
    pass


def _invalid_shape_message(op, shape, numel):
    if list(shape).count(-1) > 1:
        return f"{op}: only one dimension can be inferred, but shape {shape} has several -1 entries"
    return (
        f"{op}: shape {shape} is invalid for a tensor of {numel} elements; "
        f"the sizes must multiply to {numel} (use -1 for one size to infer it)"
    )


class Transpose(Function):
    @staticmethod
    def forward(ctx, x, dim0, dim1):
        ctx.dims = (dim0, dim1)
        return x.swapaxes(dim0, dim1)

    @staticmethod
    def backward(ctx, grad):
        return Transpose.apply(grad, *ctx.dims), None, None


class Permute(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        inverse = tuple(sorted(range(len(ctx.dims)), key=ctx.dims.__getitem__))
        return Permute.apply(grad, inverse), None


class Flip(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return array_module(x).flip(x, dims).copy()  # a copy, as PyTorch's: numpy's is a negative-stride view

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, ctx.dims), None


class Cat(Function):
    @staticmethod
    def forward(ctx, dim, *arrays):
        try:
            out = array_module(arrays[0]).concatenate(promote(*arrays), axis=dim)
        except (ValueError, TypeError) as exc:
            raise _join_error("cat", arrays, dim) or exc from None
        ctx.dim = dim
        ctx.sizes = tuple(a.shape[dim] for a in arrays)
        return out

    @staticmethod
    def backward(ctx, grad):
        return (None, *Split.apply(grad, ctx.sizes, ctx.dim))


class Split(Function):
    """One node with one output per piece; each piece is a view of the input."""

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        ends = accumulate(sizes)
        return tuple(x[(*lead, slice(end - size, end))] for size, end in zip(sizes, ends))

    @staticmethod
    def backward(ctx, *grads):
        return Cat.apply(ctx.dim, *grads), None, None


class Stack(Function):
    @staticmethod
    def forward(ctx, dim, *arrays):
        try:
            out = array_module(arrays[0]).stack(promote(*arrays), axis=dim)
        except (ValueError, TypeError) as exc:
            raise _join_error("stack", arrays, None) or exc from None
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        return (None, *Unbind.apply(grad, ctx.dim))


class Unbind(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        return tuple(x[(*lead, i)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return Stack.apply(ctx.dim, *grads), None


def _join_error(op, arrays, dim):
    """Why ``op`` could not join ``arrays``: mixed devices, or shapes that differ (outside ``dim``)."""
    devices = list(dict.fromkeys(str(device_of(a)) for a in arrays))
    if len(devices) > 1:
        return DeviceError(
            f"{op}: expected all tensors on the same device, but found {' and '.join(devices)}; "
            "move them with .to(device) first"
        )
    first = tuple(arrays[0].shape)
    for i, a in enumerate(arrays[1:], 1):
        shape = tuple(a.shape)
        if len(shape) != len(first) or any(
            s != f for d, (s, f) in enumerate(zip(shape, first)) if dim is None or d != dim
        ):
            rule = "the same shape" if dim is None else f"the same shape except in dimension {dim}"
            return ShapeError(
                f"{op}: all tensors must have {rule}, but tensor 0 has shape {first} and tensor {i} "
                f"has shape {shape}"
            )
    return None


# ---- reshaping ----


def reshape(input, *shape):  # noqa: A002 - PyTorch's argument name
    return Reshape.apply(input, _target_shape(shape, "reshape"))


def view(input, *shape):  # noqa: A002
    """A view of the same buffer with another shape; raises where ``reshape`` would copy."""
    return View.apply(input, _target_shape(shape, "view"))


def _target_shape(shape, op):
    """The sizes of a reshape, where -1 (once) is inferred; numpy would infer any negative size."""
    shape = shape_args(shape, op)
    if shape and min(shape) < -1:
        position = next(i for i, size in enumerate(shape) if size < -1)
        raise ShapeError(
            f"{op}: invalid size {shape[position]} at position {position} of shape {shape}; sizes are "
            "at least 0, and -1 (in one place) stands for the size that makes the element count match"
        )
    return shape


def squeeze(input, dim=None):  # noqa: A002
    return Squeeze.apply(input, squeezed_shape(input._data.shape, dim, "squeeze"))


def squeezed_shape(shape, dim, op):
    """``shape`` without its size-1 dims (those of ``dim``, or all); also for ``squeeze_``."""
    dims = normalize_dims(dim, len(shape), op)
    return tuple(s for d, s in enumerate(shape) if s != 1 or d not in dims)


def unsqueeze(input, dim):  # noqa: A002
    return Unsqueeze.apply(input, unsqueezed_shape(input._data.shape, dim, "unsqueeze"))


def unsqueezed_shape(shape, dim, op):
    dim = normalize_dim(dim, len(shape) + 1, op)
    return (*shape[:dim], 1, *shape[dim:])


def flatten(input, start_dim=0, end_dim=-1):  # noqa: A002
    shape = input._data.shape
    if not shape:
        return Flatten.apply(input, (1,))
    start = normalize_dim(start_dim, len(shape), "flatten")
    end = normalize_dim(end_dim, len(shape), "flatten")
    if start > end:
        raise ValueError(
            f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a tensor of shape "
            f"{tuple(shape)}; pass start_dim <= end_dim"
        )
    if start == end:
        return input
    return Flatten.apply(input, (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))


def unflatten(input, dim, sizes):  # noqa: A002
    shape = input._data.shape
    dim = normalize_dim(dim, len(shape), "unflatten")
    sizes = shape_args((sizes,), "unflatten")
    if not sizes:
        raise ShapeError(
            f"unflatten: sizes must be non-empty (as in PyTorch); give the sizes dimension {dim} splits "
            "into, e.g. (2, -1), or use squeeze to drop a dimension of size 1"
        )
    known = math.prod(s for s in sizes if s != -1)
    fits = known == shape[dim] if -1 not in sizes else known and shape[dim] % known == 0
    if sizes.count(-1) > 1 or not fits:
        raise ShapeError(
            f"unflatten: sizes {sizes} do not multiply to {shape[dim]}, the size of dimension {dim} of "
            f"the input (shape {tuple(shape)}); at most one size may be -1"
        )
    return Unflatten.apply(input, (*shape[:dim], *sizes, *shape[dim + 1 :]))


def contiguous(input, memory_format=None):  # noqa: A002
    """The tensor itself: arrays here are read through their strides, so layout never blocks an op."""
    return input


# ---- reordering dims ----


def transpose(input, dim0, dim1):  # noqa: A002
    dim0, dim1 = transposed_dims(input._data.shape, dim0, dim1, "transpose")
    if dim0 == dim1:
        return input
    return Transpose.apply(input, dim0, dim1)


def t(input):  # noqa: A002
    return Transpose.apply(input, 0, 1) if swaps_matrix(input._data.shape, "t") else input


def transposed_dims(shape, dim0, dim1, op):
    """``dim0`` and ``dim1`` in ``[0, ndim)``; also for ``transpose_``."""
    return normalize_dim(dim0, len(shape), op), normalize_dim(dim1, len(shape), op)


def swaps_matrix(shape, op):
    """Whether ``t`` (or ``t_``) swaps two dims: a matrix's; a vector or a scalar stays as it is, and more
    dims are refused."""
    if len(shape) > 2:
        raise ShapeError(
            f"{op}: expects a tensor with at most 2 dimensions, but got shape {tuple(shape)}; "
            "use transpose(dim0, dim1) or .mT for batches"
        )
    return len(shape) == 2


def flip(input, *dims):  # noqa: A002
    """Reverse the order of the elements along ``dims`` (PyTorch's replacement for ``x[::-1]``)."""
    dims = tuple(normalize_dim(d, input.ndim, "flip") for d in shape_args(dims, "flip"))
    if len(set(dims)) != len(dims):
        raise ValueError(f"flip: dims {dims} has duplicates; name each dimension once")
    return Flip.apply(input, dims)


def permute(input, *dims):  # noqa: A002
    dims = shape_args(dims, "permute")
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise ShapeError(
            f"permute: dims {dims} name {len(dims)} dimensions, but the tensor has shape "
            f"{tuple(input._data.shape)} ({ndim} dimensions); name each dimension once"
        )
    dims = tuple(normalize_dim(d, ndim, "permute") for d in dims)
    if len(set(dims)) != ndim:
        raise ValueError(f"permute: dims {dims} name a dimension more than once; name each dimension once")
    return Permute.apply(input, dims)


def movedim(input, source, destination):  # noqa: A002
    ndim = input._data.ndim
    source, destination = _dim_tuple(source, ndim), _dim_tuple(destination, ndim)
    if (
        len(source) != len(destination)
        or len(set(source)) != len(source)
        or len(set(destination)) != len(destination)
    ):
        raise ValueError(
            f"movedim: source {source} and destination {destination} must name as many dimensions, "
            "each at most once"
        )
    order = [d for d in range(ndim) if d not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return Permute.apply(input, tuple(order))


def _dim_tuple(dims, ndim):
    dims = (dims,) if isinstance(dims, int) else dims
    return tuple(normalize_dim(d, ndim, "movedim") for d in dims)


def _reversed_dims(input):  # noqa: A002
    ndim = input._data.ndim
    return input if ndim < 2 else Permute.apply(input, tuple(range(ndim - 1, -1, -1)))


def _matrix_transpose(input):  # noqa: A002
    ndim = input._data.ndim
    if ndim < 2:
        raise ShapeError(
            f"mT: needs a matrix or a batch of matrices, but got shape {tuple(input._data.shape)}; "
            "unsqueeze a vector first"
        )
    return Transpose.apply(input, ndim - 2, ndim - 1)


# ---- joining and splitting ----


def _checked_tensors(op, tensors):
    if not isinstance(tensors, (tuple, list)):
        raise TypeError(
            f"{op}(): argument 'tensors' must be a tuple or list of Tensors, not {type(tensors).__name__} "
            f"(as in PyTorch), e.g. {op}([a, b])"
        )
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}: expected a sequence of tensors, but element {i} is {type(x).__name__}")
    return tensors


def cat(tensors, dim=0):
    tensors = _checked_tensors("cat", tensors)
    return Cat.apply(normalize_dim(dim, tensors[0]._data.ndim, "cat"), *tensors)


def stack(tensors, dim=0):
    tensors = _checked_tensors("stack", tensors)
    return Stack.apply(normalize_dim(dim, tensors[0]._data.ndim + 1, "stack"), *tensors)


def split(tensor, split_size_or_sections, dim=0):
    shape = tensor._data.shape
    dim = normalize_dim(dim, len(shape), "split")
    size = shape[dim]
    if isinstance(split_size_or_sections, int):
        sizes = _even_sizes(size, split_size_or_sections, "split")
    else:
        sizes = shape_args((split_size_or_sections,), "split")
        if sum(sizes) != size or min(sizes, default=0) < 0:
            raise ShapeError(
                f"split: sizes {list(sizes)} must be non-negative and sum to {size}, the size of dimension "
                f"{dim} of the input (shape {tuple(shape)})"
            )
    return Split.apply(tensor, sizes, dim)


def _even_sizes(size, piece, op):
    if piece <= 0 and size > 0:
        raise ValueError(f"{op}: split_size must be positive (got {piece}) for a dimension of size {size}")
    if size == 0:
        return (0,)
    return (piece,) * (size // piece) + ((size % piece,) if size % piece else ())


def chunk(input, chunks, dim=0):  # noqa: A002
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be greater than 0, got {chunks}")
    shape = input._data.shape
    dim = normalize_dim(dim, len(shape), "chunk")
    size = shape[dim]
    sizes = (0,) * chunks if size == 0 else _even_sizes(size, -(-size // chunks), "chunk")
    return Split.apply(input, sizes, dim)


def unbind(input, dim=0):  # noqa: A002
    return Unbind.apply(input, normalize_dim(dim, input._data.ndim, "unbind"))


concat = concatenate = cat
swapaxes = swapdims = transpose
moveaxis = movedim

METHODS = {
    "reshape": reshape,
    "view": view,
    "reshape_as": lambda self, other: reshape(self, require_tensor("reshape_as", "other", other)._data.shape),
    "view_as": lambda self, other: view(self, require_tensor("view_as", "other", other)._data.shape),
    "squeeze": squeeze,
    "unsqueeze": unsqueeze,
    "flatten": flatten,
    "unflatten": unflatten,
    "contiguous": contiguous,
    "transpose": transpose,
    "swapaxes": transpose,
    "swapdims": transpose,
    "t": t,
    "permute": permute,
    "flip": flip,
    "movedim": movedim,
    "moveaxis": movedim,
    "T": property(_reversed_dims),
    "mT": property(_matrix_transpose),
    "split": split,
    "chunk": chunk,
    "unbind": unbind,
}

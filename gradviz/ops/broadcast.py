"""Broadcasting and its adjoint: ``expand`` copies along broadcast axes, ``sum_to`` sums them back.

Every binary op's backward ends with ``sum_to(grad, input.shape)``, which is how a gradient finds its
way back to an input that was broadcast (a bias added to a batch, a scalar times a matrix).
"""

from ..autograd.function import Function
from ..backend import array_module
from ..errors import ShapeError
from .arguments import shape_args
from .tensor_first import require_tensor

__all__ = ["expand", "expand_as", "broadcast_to", "sum_to"]


def _reduced_axes(shape, target):
    lead = len(shape) - len(target)
    if lead < 0:
        return None
    axes = list(range(lead))
    for i, size in enumerate(target):
        if size == 1 and shape[lead + i] != 1:
            axes.append(lead + i)
        elif size != shape[lead + i]:
            return None
    return tuple(axes)


class SumTo(Function):
    @staticmethod
    def forward(ctx, x, shape):
        axes = _reduced_axes(x.shape, shape)
        if axes is None:
            raise ShapeError(f"sum_to: shape {tuple(x.shape)} cannot be summed down to {tuple(shape)}")
        ctx.in_shape = x.shape
        return x.sum(axis=axes).reshape(shape) if axes else x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return expand(grad, ctx.in_shape), None


class Expand(Function):
    @staticmethod
    def forward(ctx, x, shape):
        lead = len(shape) - x.ndim
        if lead > 0 and -1 in shape[:lead]:
            raise ShapeError(
                f"expand: size -1 is not allowed in the new leading dimension {shape.index(-1)} of "
                f"{tuple(shape)} (the tensor has shape {tuple(x.shape)}); -1 keeps the size of an existing "
                "dimension, so give each new leading dimension its size"
            )
        shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
        if _reduced_axes(shape, x.shape) is None:
            raise ShapeError(
                f"expand: shape {tuple(x.shape)} cannot be expanded to {shape}; only size-1 dimensions "
                "(and new leading ones) can grow"
            )
        ctx.in_shape = x.shape
        return array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to(grad, ctx.in_shape), None


def sum_to(x, shape):
    """Sum ``x`` over the axes along which a tensor of ``shape`` was broadcast to reach ``x.shape``."""
    return x if x._data.shape == shape else SumTo.apply(x, tuple(shape))


def sum_to_size(x, *size):
    return sum_to(x, shape_args(size, "sum_to_size"))


def expand(x, *shape):
    """A broadcast view of ``x`` with the given shape (``-1`` keeps a dimension), as ``Tensor.expand``."""
    shape = shape_args(shape, "expand")
    return x if x._data.shape == shape else Expand.apply(x, shape)


def expand_as(x, other):
    return expand(x, require_tensor("expand_as", "other", other).shape)


def broadcast_to(input, size):  # noqa: A002 - PyTorch's argument names
    return expand(input, size)


METHODS = {"expand": expand, "expand_as": expand_as, "broadcast_to": expand, "sum_to_size": sum_to_size}

"""Matrix products: matmul in its 2-D, batched, broadcast-batch and vector forms (``@``, mm, bmm).

A vector operand is treated as a one-row (left) or one-column (right) matrix whose extra dim is dropped
from the result, as in numpy and PyTorch. The backward multiplies by the other operand transposed (two
matmuls over transposed views, no copies), then sums away the batch dims an operand was broadcast over.
"""

from ..autograd.function import Function
from ..errors import DtypeError, ShapeError
from .broadcast import sum_to
from .shape import squeeze, unsqueeze

__all__ = ["matmul", "mm", "bmm"]


class Matmul(Function):
    saved_for_input = (1, 0)

    @staticmethod
    def forward(ctx, a, b):
        if a.dtype != b.dtype:
            raise DtypeError(
                f"{ctx.name}: both operands must have the same dtype, but got {a.dtype} and {b.dtype}; "
                "convert one first, e.g. with .double() or .float()"
            )
        ctx.save_for_backward(a, b)
        try:
            return a @ b
        except ValueError:
            raise _shape_error(ctx.name, tuple(a.shape), tuple(b.shape)) from None

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a_shape, b_shape = a._data.shape, b._data.shape
        if len(b_shape) == 1:
            grad, b = unsqueeze(grad, -1), unsqueeze(b, -1)
        if len(a_shape) == 1:
            grad, a = unsqueeze(grad, -2), unsqueeze(a, 0)
        need_a, need_b = ctx.needs_input_grad
        grad_a = _reduce(matmul(grad, b.mT), a_shape, -2) if need_a else None
        grad_b = _reduce(matmul(a.mT, grad), b_shape, -1) if need_b else None
        return grad_a, grad_b


class Mm(Matmul):
    pass


class Bmm(Matmul):
    pass


def _reduce(grad, shape, vector_dim):
    """``grad`` back to an operand's ``shape``: drop the dim a vector was given, sum broadcast batch dims."""
    if len(shape) == 1:
        grad = squeeze(grad, vector_dim)
    return sum_to(grad, shape)


def _shape_error(op, a_shape, b_shape):
    if not a_shape or not b_shape:
        return ShapeError(
            f"{op}: both arguments need at least 1 dimension, but got shapes {a_shape} and {b_shape}; "
            "use * to multiply by a scalar"
        )
    inner = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if a_shape[-1] != inner:
        return ShapeError(
            f"{op}: shapes {a_shape} and {b_shape} cannot be multiplied ({a_shape[-1]} != {inner}); the "
            "last dimension of the first must equal the first (vector) or second-to-last dimension of the "
            "second"
        )
    return ShapeError(
        f"{op}: the batch dimensions {a_shape[:-2]} and {b_shape[:-2]} of shapes {a_shape} and {b_shape} "
        "cannot be broadcast together; they must be equal or 1"
    )


def matmul(input, other):  # noqa: A002 - PyTorch's argument names
    return Matmul.apply(input, other)


def mm(input, mat2):  # noqa: A002
    if input._data.ndim != 2 or mat2._data.ndim != 2:
        raise ShapeError(
            f"mm: both arguments must be 2-D matrices, but got shapes {tuple(input._data.shape)} and "
            f"{tuple(mat2._data.shape)}; use matmul for vectors and batches"
        )
    return Mm.apply(input, mat2)


def bmm(input, mat2):  # noqa: A002
    a_shape, b_shape = input._data.shape, mat2._data.shape
    if len(a_shape) != 3 or len(b_shape) != 3 or a_shape[0] != b_shape[0]:
        raise ShapeError(
            f"bmm: both arguments must be 3-D with the same batch size, but got shapes {tuple(a_shape)} and "
            f"{tuple(b_shape)}; use matmul to broadcast batch dimensions"
        )
    return Bmm.apply(input, mat2)


METHODS = {
    "__matmul__": matmul,
    "__rmatmul__": lambda self, other: matmul(other, self),
    "matmul": matmul,
    "mm": mm,
    "bmm": bmm,
}

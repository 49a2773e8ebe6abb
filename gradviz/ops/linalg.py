"""Matrix products: matmul in its 2-D, batched, broadcast-batch and vector forms (``@``, mm, bmm, mv, dot),
outer and addmm.

A vector operand is treated as a one-row (left) or one-column (right) matrix whose extra dim is dropped
from the result, as in numpy and PyTorch. The backward multiplies by the other operand transposed (two
matmuls over transposed views, no copies), then sums away the batch dims an operand was broadcast over.
"""

from ..autograd.function import Function
from ..errors import DtypeError, ShapeError
from .broadcast import _reduced_axes, sum_to
from .shape import reshape, squeeze, unsqueeze
from .tensor_first import require_tensor

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "addmm"]


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


class Mv(Matmul):
    expects = "a 2-D matrix and a 1-D vector of matching size"
    hint = "use matmul for batches"

    @staticmethod
    def fits(a, b):
        return len(a) == 2 and len(b) == 1 and a[1] == b[0]


class Dot(Matmul):
    expects = "two 1-D tensors of the same length"
    hint = "use matmul for matrices, or (a * b).sum() for other shapes"

    @staticmethod
    def fits(a, b):
        return len(a) == 1 and a == b


class Addmm(Function):
    """``beta * input + alpha * (mat1 @ mat2)``; with ``beta == 0`` the input's values are ignored (NaN
    included), as in PyTorch."""

    saved_for_input = (2, 1)

    @staticmethod
    def forward(ctx, input, mat1, mat2, beta, alpha):  # noqa: A002
        if not input.dtype == mat1.dtype == mat2.dtype:
            raise DtypeError(
                f"addmm: input, mat1 and mat2 must have the same dtype, but got {input.dtype}, {mat1.dtype} "
                f"and {mat2.dtype}; convert them first, e.g. with .double() or .float()"
            )
        if mat1.shape[1] != mat2.shape[0]:
            raise _shape_error("addmm", tuple(mat1.shape), tuple(mat2.shape))
        out_shape = (mat1.shape[0], mat2.shape[1])
        if _reduced_axes(out_shape, input.shape) is None:
            raise ShapeError(
                f"addmm: input of shape {tuple(input.shape)} cannot be broadcast to the shape {out_shape} "
                f"of mat1 @ mat2 (shapes {tuple(mat1.shape)} and {tuple(mat2.shape)})"
            )
        ctx.save_for_backward(mat1, mat2)
        ctx.in_shape, ctx.beta, ctx.alpha = input.shape, beta, alpha
        out = mat1 @ mat2
        if alpha != 1:
            out = out * alpha
        return out + (input if beta == 1 else input * beta) if beta != 0 else out

    @staticmethod
    def backward(ctx, grad):
        mat1, mat2 = ctx.saved_tensors
        need_input, need_1, need_2, _, _ = ctx.needs_input_grad
        alpha = ctx.alpha
        scaled = grad if alpha == 1 else grad * alpha
        grad_input = sum_to(grad * ctx.beta, ctx.in_shape) if need_input else None
        grad_1 = matmul(scaled, mat2.mT) if need_1 else None
        grad_2 = matmul(mat1.mT, scaled) if need_2 else None
        return grad_input, grad_1, grad_2, None, None


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
    require_tensor("mm", "mat2", mat2)
    if input._data.ndim != 2 or mat2._data.ndim != 2:
        raise ShapeError(
            f"mm: both arguments must be 2-D matrices, but got shapes {tuple(input._data.shape)} and "
            f"{tuple(mat2._data.shape)}; use matmul for vectors and batches"
        )
    return Mm.apply(input, mat2)


def bmm(input, mat2):  # noqa: A002
    require_tensor("bmm", "mat2", mat2)
    a_shape, b_shape = input._data.shape, mat2._data.shape
    if len(a_shape) != 3 or len(b_shape) != 3 or a_shape[0] != b_shape[0]:
        raise ShapeError(
            f"bmm: both arguments must be 3-D with the same batch size, but got shapes {tuple(a_shape)} and "
            f"{tuple(b_shape)}; use matmul to broadcast batch dimensions"
        )
    return Bmm.apply(input, mat2)


def _vector_product(cls, a, b):
    a_shape, b_shape = tuple(a._data.shape), tuple(b._data.shape)
    if not cls.fits(a_shape, b_shape):
        raise ShapeError(
            f"{cls.name}: expects {cls.expects}, but got shapes {a_shape} and {b_shape}; {cls.hint}"
        )
    return cls.apply(a, b)


def mv(input, vec):  # noqa: A002
    return _vector_product(Mv, input, require_tensor("mv", "vec", vec))


def dot(input, tensor):  # noqa: A002
    return _vector_product(Dot, input, require_tensor("dot", "tensor", tensor))


def outer(input, vec2):  # noqa: A002
    """The outer product of two vectors: ``input[i] * vec2[j]``, with ``*``'s type promotion (as in
    PyTorch, where outer is a broadcast multiply)."""
    a_shape, b_shape = tuple(input._data.shape), tuple(require_tensor("outer", "vec2", vec2)._data.shape)
    if len(a_shape) != 1 or len(b_shape) != 1:
        raise ShapeError(f"outer: expects two 1-D tensors, but got shapes {a_shape} and {b_shape}")
    return reshape(input, (-1, 1)) * vec2


def addmm(input, mat1, mat2, *, beta=1, alpha=1):  # noqa: A002
    a_shape, b_shape = tuple(mat1._data.shape), tuple(mat2._data.shape)
    if len(a_shape) != 2 or len(b_shape) != 2:
        raise ShapeError(
            f"addmm: mat1 and mat2 must be 2-D matrices, but got shapes {a_shape} and {b_shape}; "
            "use matmul (and +) for batches"
        )
    return Addmm.apply(input, mat1, mat2, beta, alpha)


METHODS = {
    "__matmul__": matmul,
    "__rmatmul__": lambda self, other: matmul(other, self),
    "matmul": matmul,
    "mm": mm,
    "bmm": bmm,
    "mv": mv,
    "dot": dot,
    "outer": outer,
    "addmm": addmm,
}

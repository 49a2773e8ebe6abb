"""More products, as PyTorch names them: ``inner``, ``vdot``, ``kron``, ``cross``, ``chain_matmul``, and
the scaled sums ``addmv``, ``addr``, ``baddbmm``, ``addbmm`` (``beta * input + alpha * product``).

All but ``cross`` are compositions of matmul, broadcast multiplication, sums and reshapes, so their
gradients are those ops'. ``cross`` is one op: the gradient of ``a × b`` is ``b × g`` for ``a`` and
``g × a`` for ``b``, summed back over broadcast dims."""

from functools import reduce

from ..autograd.function import Function
from ..backend import array_module
from ..errors import ShapeError
from .broadcast import sum_to
from .contraction import tensordot
from .linalg import bmm, dot, matmul, mv, outer
from .promotion import promote
from .shape import _checked_tensors, reshape
from .tensor_first import require_tensor

__all__ = ["inner", "vdot", "kron", "cross", "chain_matmul", "addmv", "addr", "baddbmm", "addbmm"]


def inner(input, other):  # noqa: A002 - PyTorch's argument names
    """The sum of products over the last dimension of both (a scalar operand multiplies)."""
    require_tensor("inner", "other", other)
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    a, b = input._data.shape[-1], other._data.shape[-1]
    if a != b:
        raise ShapeError(
            f"inner: the last dimensions of shapes {tuple(input._data.shape)} and "
            f"{tuple(other._data.shape)} must match ({a} != {b})"
        )
    return tensordot(input, other, ([-1], [-1]))


def vdot(input, other):  # noqa: A002
    """The dot product of two vectors (real tensors: no conjugation)."""
    require_tensor("vdot", "other", other)
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise ShapeError(
            f"vdot: expects two 1-D tensors, but got shapes {tuple(input._data.shape)} and "
            f"{tuple(other._data.shape)}"
        )
    return dot(input, other)


def kron(input, other):  # noqa: A002
    """The Kronecker product: ``other`` scaled by each element of ``input``, laid out block by block
    (shapes aligned at their last dims, the shorter padded with 1s in front)."""
    require_tensor("kron", "other", other)
    ndim = max(input._data.ndim, other._data.ndim)
    a_shape = (1,) * (ndim - input._data.ndim) + tuple(input._data.shape)
    b_shape = (1,) * (ndim - other._data.ndim) + tuple(other._data.shape)
    # input's dims at even positions, other's at odd ones, then each pair merged into one
    spread_a = reshape(input, tuple(s for n in a_shape for s in (n, 1)))
    spread_b = reshape(other, tuple(s for n in b_shape for s in (1, n)))
    return reshape(spread_a * spread_b, tuple(m * n for m, n in zip(a_shape, b_shape)))


class Cross(Function):
    @staticmethod
    def forward(ctx, a, b, dim):
        ctx.dim = dim
        ctx.save_for_backward(a, b)
        x, y = promote(a, b)
        return array_module(x).cross(x, y, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b, _ = ctx.needs_input_grad
        ga = sum_to(Cross.apply(b, grad, ctx.dim), a._data.shape) if need_a else None
        gb = sum_to(Cross.apply(grad, a, ctx.dim), b._data.shape) if need_b else None
        return ga, gb, None


def cross(input, other, dim=None):  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (by default the first dim of size 3, as
    ``torch.cross``; ``torch.linalg.cross`` takes the last)."""
    require_tensor("cross", "other", other)
    a, b = tuple(input._data.shape), tuple(other._data.shape)
    if len(a) != len(b):
        raise ShapeError(f"cross: the inputs must have the same number of dimensions, got shapes {a} and {b}")
    if dim is None:
        dim = next((d for d, (m, n) in enumerate(zip(a, b)) if m == n == 3), None)
        if dim is None:
            raise ShapeError(f"cross: no dimension of size 3 in shapes {a} and {b}; pass dim=")
    if not (a and a[dim] == 3 and b[dim] == 3):
        raise ShapeError(f"cross: dimension {dim} of both inputs must have length 3, got shapes {a} and {b}")
    return Cross.apply(input, other, dim % len(a))


def chain_matmul(*matrices):
    """The product of the matrices, left to right."""
    return reduce(matmul, _checked_tensors("chain_matmul", matrices))


def _scaled_sum(input, product, beta, alpha):  # noqa: A002
    """``beta * input + alpha * product``. With ``beta == 0`` the input is ignored, NaN included, as
    PyTorch does; it then gets no gradient (None, where PyTorch gives zeros)."""
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        return scaled
    return scaled + (input if beta == 1 else input * beta)


def _require_ndim(op, **tensors):
    for name, (tensor, ndim) in tensors.items():
        if require_tensor(op, name, tensor)._data.ndim != ndim:
            raise ShapeError(f"{op}: {name} must be {ndim}-D, but got shape {tuple(tensor._data.shape)}")


def addmv(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    _require_ndim("addmv", mat=(mat, 2), vec=(vec, 1))
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):  # noqa: A002
    _require_ndim("addr", vec1=(vec1, 1), vec2=(vec2, 1))
    return _scaled_sum(input, outer(vec1, vec2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    _require_ndim("baddbmm", batch1=(batch1, 3), batch2=(batch2, 3))
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * Σ_b batch1[b] @ batch2[b]``."""
    _require_ndim("addbmm", batch1=(batch1, 3), batch2=(batch2, 3))
    return _scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha)


METHODS = {name: globals()[name] for name in __all__ if name != "chain_matmul"}

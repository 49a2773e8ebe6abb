"""Vector norms: ``linalg.vector_norm`` and ``Tensor.norm``.

The 1-norm and the ±inf norms are ``sum``/``amax``/``amin`` of ``abs`` (whose backwards already give
sign(x), and split the gradient evenly between tied maxima, as PyTorch does). Every other order is one
op: the 2-norm is not composed as ``sqrt(sum(x * x))``, because at x = 0 that chain's gradient is
0 · ∞ = NaN where PyTorch gives 0 (a subgradient). Its backward is the textbook derivative,
sign(x)·|x|^(p-1) / ‖x‖^(p-1), set to 0 where the norm is 0, written in gradviz ops so that second
derivatives work. Like PyTorch, float32 squares underflow below ~1e-23 and overflow above ~1e19.
"""

import math

from ..autograd.function import Function
from ..autograd.tensor import wrap
from ..backend import array_module
from ..dtypes import as_dtype
from ..errors import DtypeError
from .reduction import kept_dims, reduction_dims, remember_reduction
from .unary import abs, where

__all__ = ["norm"]


class VectorNorm(Function):
    @staticmethod
    def forward(ctx, x, ord, dims, keepdim):  # noqa: A002 - PyTorch's argument name
        xp = array_module(x)
        remember_reduction(ctx, x, dims, keepdim)
        ctx.ord = ord
        if ord == 2:
            out = xp.sqrt((x * x).sum(axis=dims, keepdims=keepdim))
        elif ord == 0:
            out = (x != 0).sum(axis=dims, keepdims=keepdim).astype(x.dtype)
        else:
            out = (xp.abs(x) ** ord).sum(axis=dims, keepdims=keepdim) ** (1 / ord)
        out = xp.asarray(out)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        grad, out = kept_dims(grad, ctx), kept_dims(out, ctx)
        ord = ctx.ord  # noqa: A001
        if ord == 0:
            return None, None, None, None  # a count: zero gradient, left undefined as in PyTorch
        safe_out = where(out == 0, 1.0, out)
        if ord == 2:
            return x * (grad / safe_out), None, None, None
        sign = wrap(array_module(x._data).sign(x._data))
        safe_abs = where(x == 0, 1.0, abs(x))
        return sign * safe_abs ** (ord - 1) * (grad / safe_out ** (ord - 1)), None, None, None


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``torch.linalg.vector_norm``: (Σ|x|^ord)^(1/ord) over ``dim`` (every element by default);
    ord inf/-inf is the largest/smallest |x|, ord 0 the count of non-zeros."""
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg.vector_norm: ord must be a number (2, 1, inf, 0, 0.5...), got {ord!r}")
    if dtype is not None:
        x = x.to(as_dtype(dtype))
    if x._data.dtype.kind != "f":
        raise DtypeError(
            f"linalg.vector_norm: expected a floating point tensor, got {x.dtype}; convert it first "
            "(x.float()) or pass dtype=gradviz.float32"
        )
    dims = reduction_dims(dim, x._data.ndim, "linalg.vector_norm")
    if math.isinf(ord) and any(x._data.shape[d] == 0 for d in dims):
        raise ValueError(
            f"linalg.vector_norm: the {ord} norm of an empty tensor (shape {tuple(x._data.shape)}) has no "
            "value, since max and min have no identity; reduce a non-empty dim"
        )
    if ord == 1:
        return abs(x).sum(dims, keepdim)
    if math.isinf(ord):
        return abs(x).amax(dims, keepdim) if ord > 0 else abs(x).amin(dims, keepdim)
    return VectorNorm.apply(x, float(ord), dims, keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):  # noqa: A002
    """``torch.norm`` / ``Tensor.norm``: the vector p-norm over ``dim``; ``"fro"`` is the 2-norm and
    ``"nuc"`` the nuclear norm (the sum of singular values) of the matrices along two dims."""
    if p == "nuc":
        from .matrix_algebra import matrix_norm  # it builds on this module's vector_norm

        dims = (-2, -1) if dim is None and input._data.ndim == 2 else dim
        if not (isinstance(dims, (tuple, list)) and len(dims) == 2):
            raise ValueError(
                f"norm: p='nuc' needs a matrix, or dim= naming two dims, got shape "
                f"{tuple(input._data.shape)} and dim={dim!r}"
            )
        return matrix_norm(input, "nuc", dims, keepdim, dtype=dtype)
    return vector_norm(input, 2 if p == "fro" else p, dim, keepdim, dtype=dtype)


METHODS = {"norm": norm}

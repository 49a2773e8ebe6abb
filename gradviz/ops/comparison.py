"""Comparisons and logical tests: eq, ne, lt, le, gt, ge, isclose, allclose, isnan, isinf, isfinite,
logical_*, all, any, and the bitwise ``~ & | ^`` of bool and integer tensors.

Their outputs are bool (or integer) tensors, which never require grad; they are still ``Function``s
(with ``differentiable = False``) so that every call is an op the engine reports. Comparisons compare
in the operands' promoted dtype, as PyTorch does (``float32 == 0-d float64`` compares in float32).
"""

import numbers

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import array_module
from ..dtypes import get_default_dtype
from ..errors import DtypeError
from .promotion import promote
from .reduction import reduction_dims
from .tensor_first import require_tensor

__all__ = [
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "isclose",
    "allclose",
    "equal",
    "isnan",
    "isinf",
    "isfinite",
    "isposinf",
    "isneginf",
    "isreal",
    "signbit",
    "isin",
    "logical_not",
    "logical_and",
    "logical_or",
    "logical_xor",
    "bitwise_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "all",
    "any",
]


def _op(name, kernel):
    """A non-differentiable op whose forward is ``kernel(xp, *arrays_and_values)``."""

    def forward(ctx, x, *rest):
        return kernel(array_module(x), x, *rest)

    return type(
        name.title().replace("_", ""),
        (Function,),
        {"name": name, "differentiable": False, "forward": staticmethod(forward)},
    )


Eq = _op("eq", lambda xp, a, b: xp.equal(*promote(a, b)))
Ne = _op("ne", lambda xp, a, b: xp.not_equal(*promote(a, b)))
Lt = _op("lt", lambda xp, a, b: xp.less(*promote(a, b)))
Le = _op("le", lambda xp, a, b: xp.less_equal(*promote(a, b)))
Gt = _op("gt", lambda xp, a, b: xp.greater(*promote(a, b)))
Ge = _op("ge", lambda xp, a, b: xp.greater_equal(*promote(a, b)))


def _isclose(xp, a, b, rtol, atol, equal_nan):
    """PyTorch's formula: equal, or a finite ``|a - b| <= atol + rtol·|b|`` computed in the inputs' dtype
    (integer and bool inputs in the default dtype, so that uint8's ``0 - 1`` does not wrap around)."""
    close = a == b
    if equal_nan and a.dtype.kind == "f":
        close |= xp.isnan(a) & xp.isnan(b)
    if rtol == 0 and atol == 0:
        return close
    if a.dtype.kind != "f":
        floating = get_default_dtype().numpy
        a, b = a.astype(floating), b.astype(floating)
    error = xp.abs(a - b)
    return close | (xp.isfinite(error) & (error <= xp.abs(rtol * b) + atol))


Isclose = _op("isclose", _isclose)
Isnan = _op("isnan", lambda xp, a: xp.isnan(a))
Isinf = _op("isinf", lambda xp, a: xp.isinf(a))
Isfinite = _op("isfinite", lambda xp, a: xp.isfinite(a))
Isposinf = _op("isposinf", lambda xp, a: xp.isposinf(a) if a.dtype.kind == "f" else xp.zeros(a.shape, bool))
Isneginf = _op("isneginf", lambda xp, a: xp.isneginf(a) if a.dtype.kind == "f" else xp.zeros(a.shape, bool))
Signbit = _op("signbit", lambda xp, a: xp.signbit(a) if a.dtype.kind != "b" else xp.zeros(a.shape, bool))
Isin = _op("isin", lambda xp, a, test, invert: xp.isin(*promote(a, test), invert=invert))
LogicalNot = _op("logical_not", lambda xp, a: xp.logical_not(a))
LogicalAnd = _op("logical_and", lambda xp, a, b: xp.logical_and(a, b))
LogicalOr = _op("logical_or", lambda xp, a, b: xp.logical_or(a, b))
LogicalXor = _op("logical_xor", lambda xp, a, b: xp.logical_xor(a, b))
BitwiseNot = _op("bitwise_not", lambda xp, a: xp.invert(a))
BitwiseAnd = _op("bitwise_and", lambda xp, a, b: xp.bitwise_and(*promote(a, b)))
BitwiseOr = _op("bitwise_or", lambda xp, a, b: xp.bitwise_or(*promote(a, b)))
BitwiseXor = _op("bitwise_xor", lambda xp, a, b: xp.bitwise_xor(*promote(a, b)))
All = _op("all", lambda xp, a, dims, keepdim: xp.all(a, axis=dims, keepdims=keepdim))
Any = _op("any", lambda xp, a, dims, keepdim: xp.any(a, axis=dims, keepdims=keepdim))


def eq(input, other):  # noqa: A002 - PyTorch's argument names
    return Eq.apply(input, other)


def ne(input, other):  # noqa: A002
    return Ne.apply(input, other)


def lt(input, other):  # noqa: A002
    return Lt.apply(input, other)


def le(input, other):  # noqa: A002
    return Le.apply(input, other)


def gt(input, other):  # noqa: A002
    return Gt.apply(input, other)


def ge(input, other):  # noqa: A002
    return Ge.apply(input, other)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    require_tensor("isclose", "other", other)
    if input.dtype != other.dtype:
        raise DtypeError(
            f"isclose: input and other must have one dtype (as in PyTorch), got {input.dtype} and "
            f"{other.dtype} (shapes {tuple(input.shape)} and {tuple(other.shape)}); convert one with "
            ".to(other.dtype)"
        )
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise ValueError(f"isclose: {name} must be greater than or equal to zero, but got {value}")
    return Isclose.apply(input, other, rtol, atol, equal_nan)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    """Whether every element of ``isclose`` holds, as a Python bool."""
    return all(isclose(input, other, rtol, atol, equal_nan)).item()


def equal(input, other):  # noqa: A002
    """Whether both have the same shape and the same elements, as a Python bool."""
    require_tensor("equal", "other", other)
    return input.shape == other.shape and all(eq(input, other)).item()


def isnan(input):  # noqa: A002
    return Isnan.apply(input)


def isinf(input):  # noqa: A002
    return Isinf.apply(input)


def isfinite(input):  # noqa: A002
    return Isfinite.apply(input)


def isposinf(input):  # noqa: A002
    return Isposinf.apply(input)


def isneginf(input):  # noqa: A002
    return Isneginf.apply(input)


def isreal(input):  # noqa: A002
    """True everywhere: gradviz has no complex dtype."""
    return input.new_ones(input.shape, dtype="bool")


def signbit(input):  # noqa: A002
    """Whether the sign bit is set: True for negative numbers and for -0.0."""
    return Signbit.apply(input)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each of ``elements`` is among ``test_elements`` (a tensor or a number)."""
    require_tensor("isin", "elements", elements)
    test = test_elements._data if isinstance(test_elements, Tensor) else test_elements
    return Isin.apply(elements, test, invert)


def logical_not(input):  # noqa: A002
    return LogicalNot.apply(input)


def logical_and(input, other):  # noqa: A002
    return LogicalAnd.apply(input, other)


def logical_or(input, other):  # noqa: A002
    return LogicalOr.apply(input, other)


def logical_xor(input, other):  # noqa: A002
    return LogicalXor.apply(input, other)


def _require_integral(op, *operands):
    for x in operands:
        if isinstance(x, Tensor) and x._data.dtype.kind == "f" or isinstance(x, float):
            kind = x.dtype if isinstance(x, Tensor) else "a Python float"
            raise DtypeError(
                f"{op}: expects bool or integer tensors, got {kind}; for a float tensor compare first "
                "(x > 0), or use logical_and / logical_or / logical_not"
            )


def bitwise_not(input):  # noqa: A002
    _require_integral("bitwise_not", input)
    return BitwiseNot.apply(input)


def bitwise_and(input, other):  # noqa: A002
    _require_integral("bitwise_and", input, other)
    return BitwiseAnd.apply(input, other)


def bitwise_or(input, other):  # noqa: A002
    _require_integral("bitwise_or", input, other)
    return BitwiseOr.apply(input, other)


def bitwise_xor(input, other):  # noqa: A002
    _require_integral("bitwise_xor", input, other)
    return BitwiseXor.apply(input, other)


def all(input, dim=None, keepdim=False):  # noqa: A001, A002
    dims = None if dim is None else reduction_dims(dim, input._data.ndim, "all")
    return All.apply(input, dims, keepdim)


def any(input, dim=None, keepdim=False):  # noqa: A001, A002
    dims = None if dim is None else reduction_dims(dim, input._data.ndim, "any")
    return Any.apply(input, dims, keepdim)


def _operator(op):
    """``x == other`` for a tensor or number ``other``; anything else (None, a string) is left to Python,
    so ``x == None`` is False as in PyTorch."""

    def compare(self, other):
        if isinstance(other, (Tensor, numbers.Number, np.bool_)):
            return op(self, other)
        return NotImplemented

    return compare


METHODS = {
    "__eq__": _operator(eq),
    "__ne__": _operator(ne),
    "__lt__": _operator(lt),
    "__le__": _operator(le),
    "__gt__": _operator(gt),
    "__ge__": _operator(ge),
    "__invert__": bitwise_not,
    "__and__": bitwise_and,
    "__rand__": bitwise_and,
    "__or__": bitwise_or,
    "__ror__": bitwise_or,
    "__xor__": bitwise_xor,
    "__rxor__": bitwise_xor,
    **{name: globals()[name] for name in __all__},
}

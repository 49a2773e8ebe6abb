"""``+ - * / **`` and unary minus, with broadcasting. Each backward sums the gradient back to its
input's shape with ``sum_to``. ``2 * x`` and ``2 + x`` run as ``x * 2`` and ``x + 2``, as in PyTorch;
``2 - x``, ``2 / x`` and ``2 ** x`` are the same ops with the arguments swapped.

Operands of different dtypes are cast to PyTorch's result type (``promotion``) inside forward; the
``if`` in front of each ``promote`` is its inline fast path (same dtypes, or a float array and a
Python scalar), which keeps ``x * 1.01`` free of an extra call.

``div(a, b, rounding_mode='trunc' | 'floor')`` is ``rounding``'s op; ``/`` and ``true_divide`` go
straight to ``Div``, and ``div`` adds one test of ``rounding_mode`` in front of it."""

import math

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor, wrap
from ..backend import array_module
from ..errors import DtypeError
from .arguments import reflected
from .broadcast import sum_to
from .promotion import WEAK, cast, promote, result_dtype
from .rounding import rounded_division
from .unary import log, where

__all__ = [
    "add",
    "sub",
    "subtract",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "neg",
    "negative",
    "positive",
    "pow",
]


def _reduce(ctx, i, grad):
    return sum_to(grad, ctx.inputs[i]._data.shape)


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        if a.__class__ is not b.__class__ or a.dtype is not b.dtype:
            if b.__class__ not in WEAK or a.dtype.kind != "f":
                a, b = promote(a, b)
        return a + b

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return _reduce(ctx, 0, grad) if need_a else None, _reduce(ctx, 1, grad) if need_b else None


def _is_bool(value):
    """A Python bool or a bool array; PyTorch reads a NumPy bool scalar as a number."""
    if value.__class__ is bool:
        return True
    return not isinstance(value, np.generic) and getattr(getattr(value, "dtype", None), "kind", None) == "b"


def refuse_bool_subtraction(op, a, b):
    if _is_bool(a) or _is_bool(b):
        raise DtypeError(
            f"{op}: subtraction with a bool tensor is not supported (as in PyTorch); to invert a mask "
            "use ~mask or logical_not(), else convert it first, e.g. mask.long()"
        )


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        if a.__class__ is not b.__class__ or a.dtype is not b.dtype:
            if b.__class__ is bool or b.__class__ not in WEAK or a.dtype.kind != "f":
                refuse_bool_subtraction("sub", a, b)
                a, b = promote(a, b)
        return a - b

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return _reduce(ctx, 0, grad) if need_a else None, _reduce(ctx, 1, -grad) if need_b else None


class Mul(Function):
    saved_for_input = (1, 0)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if a.__class__ is not b.__class__ or a.dtype is not b.dtype:
            if b.__class__ not in WEAK or a.dtype.kind != "f":
                a, b = promote(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return _reduce(ctx, 0, grad * b) if need_a else None, _reduce(ctx, 1, grad * a) if need_b else None


class Div(Function):
    saved_for_input = (None, 1)

    @staticmethod
    def forward(ctx, a, b):
        x, y = a, b
        if a.__class__ is not b.__class__ or a.dtype is not b.dtype or a.dtype.kind != "f":
            if b.__class__ not in WEAK or a.dtype.kind != "f":
                x, y = promote(a, b, floating=True)
        out = x / y
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return _reduce(ctx, 0, grad / b) if need_a else None, _reduce(
            ctx, 1, -grad * out / b
        ) if need_b else None


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    @staticmethod
    def forward(ctx, a, b):
        x, y, dtype = a, b, None
        if a.__class__ is not b.__class__ or a.dtype is not b.dtype or a.dtype.kind != "f":
            if b.__class__ not in WEAK or a.dtype.kind != "f":
                dtype = result_dtype(a, b)
                x, y = cast(dtype, a, b)
        out = x**y if dtype is None else (x**y).astype(dtype, copy=False)  # bool ** bool: numpy gives int8
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = _reduce(ctx, 0, _base_grad(grad, a, b)) if need_a else None
        gb = _reduce(ctx, 1, _exponent_grad(grad, a, b, out)) if need_b else None
        return ga, gb


def _base_grad(grad, a, b):
    """``grad · b · a^(b-1)``, 0 where ``b == 0`` (as PyTorch: ``x**0`` is flat even at ``x = 0``)."""
    if not isinstance(b, Tensor):
        return wrap(array_module(grad._data).zeros_like(grad._data)) if b == 0 else grad * b * a ** (b - 1)
    ga = grad * b * a ** (b - 1)
    zero = b._data == 0
    return where(wrap(zero), 0.0, ga) if zero.any() else ga


def _exponent_grad(grad, a, b, out):
    """``grad · a^b · log a``, 0 where ``a == 0`` and ``b >= 0`` (as PyTorch: not ``0 · log 0 = NaN``);
    a scalar base below 0 has no real log and gives NaN."""
    if isinstance(a, Tensor):
        gb, zero = grad * out * log(a), a._data == 0
    else:
        gb, zero = grad * out * (math.log(a) if a > 0 else -math.inf if a == 0 else math.nan), a == 0
    flat = zero & (b._data >= 0)
    return where(wrap(flat), 0.0, gb) if flat.any() else gb


def add(input, other, *, alpha=1):  # noqa: A002 - PyTorch's argument names
    return Add.apply(input, other if alpha == 1 else other * alpha)


def sub(input, other, *, alpha=1):  # noqa: A002
    return Sub.apply(input, other if alpha == 1 else other * alpha)


def mul(input, other):  # noqa: A002
    return Mul.apply(input, other)


def div(input, other, *, rounding_mode=None):  # noqa: A002
    if rounding_mode is None:
        return Div.apply(input, other)
    return rounded_division(rounding_mode).apply(input, other)


divide = div


def true_divide(input, other):  # noqa: A002
    return Div.apply(input, other)


def neg(input):  # noqa: A002
    return Neg.apply(input)


def pow(input, exponent):  # noqa: A001, A002
    return Pow.apply(input, exponent)


def positive(input):  # noqa: A002
    """``input`` itself, as PyTorch's ``+x``; refused for bool, as there."""
    if input._data.dtype.kind == "b":
        raise DtypeError("positive: the + operator on a bool tensor is not supported (as in PyTorch)")
    return input


subtract, multiply, negative = sub, mul, neg


METHODS = {
    "__add__": add,
    "__radd__": add,
    "__sub__": sub,
    "__rsub__": reflected(sub),
    "__mul__": mul,
    "__rmul__": mul,
    "__truediv__": true_divide,
    "__rtruediv__": reflected(true_divide),
    "__neg__": neg,
    "__pow__": pow,
    "__rpow__": reflected(pow),
    "add": add,
    "sub": sub,
    "mul": mul,
    "div": div,
    "divide": div,
    "true_divide": true_divide,
    "neg": neg,
    "negative": neg,
    "positive": positive,
    "__pos__": positive,
    "pow": pow,
    "subtract": sub,
    "multiply": mul,
}

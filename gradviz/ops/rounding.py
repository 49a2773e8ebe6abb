"""Rounding and integer division: floor, ceil, round, trunc, sign, fmod, remainder (``%``), floor_divide
(``//``) and ``div``'s rounding modes.

As in PyTorch: floor, ceil, round and trunc return an integer tensor unchanged (a copy) and refuse bool;
sign keeps the dtype (bool stays bool) and gives 0 for NaN; round goes half to even (``round(2.5) = 2``);
their gradient is zero everywhere. ``fmod`` takes the sign of the dividend (C's ``fmod``), ``remainder``
the sign of the divisor (Python's ``%``); their gradients are ``grad`` for the dividend and
``-grad · trunc(a / b)`` (fmod) or ``-grad · floor(a / b)`` (remainder) for the divisor.

``div(a, b, rounding_mode='trunc' | 'floor')`` rounds the quotient toward zero or down, in the result
dtype (``int // int`` stays an integer, as ``-7 // 2 = -4``); its gradient is zero, as PyTorch's. PyTorch
defines no derivative for ``floor_divide`` (``//``), although its values are ``div``'s with
``rounding_mode='floor'``: its backward raises, as there. Integer division by zero raises, as in PyTorch;
a float one gives ±inf or NaN.
"""

from ..autograd.function import Function, operands_not_tensors
from ..autograd.tensor import Tensor, wrap
from ..backend import array_module
from ..errors import DtypeError, GraphError
from .arguments import int_argument, reflected
from .broadcast import sum_to
from .promotion import WEAK, cast, result_dtype

__all__ = ["floor", "ceil", "round", "trunc", "fix", "sign", "sgn", "fmod", "remainder", "floor_divide"]


def _zero_gradient(ctx, grad):
    """The derivative of a step function: 0 (a constant, as PyTorch's ``zeros_like(grad)``)."""
    return wrap(array_module(grad._data).zeros_like(grad._data))


def _stepwise(name, kernel):
    """An op that rounds to integers: ``kernel(xp, x)`` on floats, a copy of an integer tensor."""

    def forward(ctx, x):
        if x.dtype.kind == "b":
            raise DtypeError(
                f"{ctx.name}: not defined for bool tensors (as in PyTorch), got shape {tuple(x.shape)} bool; "
                "convert first, e.g. x.float()"
            )
        return kernel(array_module(x), x) if x.dtype.kind == "f" else x.copy()

    return type(
        name.title(),
        (Function,),
        {"name": name, "forward": staticmethod(forward), "backward": staticmethod(_zero_gradient)},
    )


Floor = _stepwise("floor", lambda xp, x: xp.floor(x))
Ceil = _stepwise("ceil", lambda xp, x: xp.ceil(x))
Trunc = _stepwise("trunc", lambda xp, x: xp.trunc(x))


class Round(Function):
    """Half to even, to ``decimals`` places as PyTorch computes it: ``rint(x · 10^d) / 10^d``, or
    ``rint(x / 10^-d) · 10^-d`` for negative ``d``, in the input's dtype."""

    @staticmethod
    def backward(ctx, grad):
        return _zero_gradient(ctx, grad), None

    @staticmethod
    def forward(ctx, x, decimals):
        xp = array_module(x)
        if x.dtype.kind != "f":
            if x.dtype.kind == "b" or decimals:
                raise DtypeError(
                    f"{ctx.name}: not defined for {x.dtype.name} tensors"
                    f"{' with decimals' if decimals else ''} (as in PyTorch), got shape {tuple(x.shape)}; "
                    "convert first, e.g. x.float()"
                )
            return x.copy()
        if not decimals:
            return xp.rint(x)
        wide = x.astype(xp.float32) if x.dtype.itemsize < 4 else x  # float16 computes in float32, as PyTorch
        if decimals > 0:
            scale = 10.0**decimals
            out = xp.rint(wide * scale) / scale
        else:
            scale = 10.0**-decimals
            out = xp.rint(wide / scale) * scale
        return out.astype(x.dtype, copy=False)


class Sign(Function):
    """-1, 0 or 1 in the input's dtype (0 for NaN and for ±0; bool stays bool), as PyTorch."""

    backward = staticmethod(_zero_gradient)

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            return x.copy()
        return (x > 0).astype(x.dtype) - (x < 0)


def _division_operands(op, a, b):
    """The array module, the result dtype and ``a``, ``b`` cast to it, for an op that divides: bool is
    refused, and so is an integer division by zero (numpy would give 0), as PyTorch does."""
    xp = array_module(b if a.__class__ in WEAK else a)
    dtype = result_dtype(a, b)
    x, y = cast(dtype, a, b)
    if dtype.kind == "b":
        shapes = " and ".join(str(tuple(getattr(v, "shape", ()))) for v in (a, b))
        raise DtypeError(
            f"{op}: not defined for bool tensors (as in PyTorch), got bool of shapes {shapes}; "
            "convert first, e.g. .int()"
        )
    if dtype.kind != "f" and xp.any(y == 0):
        raise ZeroDivisionError("integer division by zero (PyTorch raises ZeroDivisionError too)")
    return xp, dtype, x, y


class Fmod(Function):
    """``a - trunc(a / b) · b``: the sign of the dividend."""

    rounding = "trunc"

    @staticmethod
    def forward(ctx, a, b):
        xp, dtype, x, y = _division_operands(ctx.name, a, b)
        ctx.save_for_backward(a, b)
        if ctx.rounding == "trunc":
            return xp.fmod(x, y)
        if dtype.kind != "f":
            return xp.remainder(x, y)
        # PyTorch's float kernel: fmod, moved into the divisor's sign; a zero keeps fmod's sign
        mod = xp.fmod(x, y)
        return xp.where((mod != 0) & ((y < 0) != (mod < 0)), mod + y, mod)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = sum_to(grad, a._data.shape) if need_a else None
        gb = None
        if need_b:
            quotient = trunc(a / b) if ctx.rounding == "trunc" else floor(a / b)
            gb = sum_to(-grad * quotient, b._data.shape)
        return ga, gb


class Remainder(Fmod):
    """``a - floor(a / b) · b``: the sign of the divisor, as Python's ``%``."""

    rounding = "floor"


class DivTrunc(Function):
    """``div(a, b, rounding_mode='trunc')``: the quotient rounded toward zero, in the result dtype. Its
    gradient is zero (a step function), as PyTorch's."""

    @staticmethod
    def forward(ctx, a, b):
        xp, dtype, x, y = _division_operands(ctx.name, a, b)
        if dtype.kind == "f":
            return xp.trunc(x / y)
        quotient = xp.floor_divide(x, y)  # integers: floor, then one up where it rounded a negative down
        return quotient + ((xp.remainder(x, y) != 0) & ((x < 0) != (y < 0)))

    @staticmethod
    def backward(ctx, grad):
        return tuple(
            wrap(array_module(x._data).zeros_like(x._data)) if need else None
            for x, need in zip(ctx.inputs, ctx.needs_input_grad)
        )


class DivFloor(DivTrunc):
    """``div(a, b, rounding_mode='floor')``: the quotient rounded down, as Python's ``//`` (numpy's float
    kernel is PyTorch's: ``(a - fmod(a, b)) / b``, corrected, not ``floor(a / b)``)."""

    @staticmethod
    def forward(ctx, a, b):
        xp, _, x, y = _division_operands(ctx.name, a, b)
        return xp.floor_divide(x, y)


class FloorDivide(DivFloor):
    """``//``: ``div``'s floor values; PyTorch defines no derivative for it, so backward raises."""

    @staticmethod
    def backward(ctx, grad):
        raise GraphError(
            "floor_divide: the derivative for floor_divide is not implemented (as in PyTorch); for a zero "
            "gradient use div(input, other, rounding_mode='floor'), or detach the operands first"
        )


ROUNDED_DIVISIONS = {"trunc": DivTrunc, "floor": DivFloor}


def rounded_division(rounding_mode):
    """The Function of ``div(..., rounding_mode=)`` for a mode other than None."""
    function = ROUNDED_DIVISIONS.get(rounding_mode)
    if function is None:
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found {rounding_mode!r}"
        )
    return function


def floor(input):  # noqa: A002 - PyTorch's argument names
    return Floor.apply(input)


def ceil(input):  # noqa: A002
    return Ceil.apply(input)


def round(input, *, decimals=0):  # noqa: A001, A002
    return Round.apply(input, int_argument("round", "decimals", decimals))


def trunc(input):  # noqa: A002
    return Trunc.apply(input)


fix = trunc


def sign(input):  # noqa: A002
    return Sign.apply(input)


sgn = sign  # the sign of a real number; PyTorch's sgn differs from sign only for complex tensors


def fmod(input, other):  # noqa: A002
    return Fmod.apply(input, other)


def remainder(input, other):  # noqa: A002
    """``input`` may be a number when ``other`` is a tensor (``5 % x``)."""
    return Remainder.apply(*_one_tensor("remainder", input, other))


def floor_divide(input, other):  # noqa: A002
    """``input // other``, ``input`` a number or a tensor; no derivative (see ``FloorDivide``)."""
    return FloorDivide.apply(*_one_tensor("floor_divide", input, other))


def _one_tensor(op, input, other):  # noqa: A002
    """The kernels compute two plain numbers happily, so refuse them here, as every other op does."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise operands_not_tensors(op, (input, other))
    return input, other


METHODS = {
    **{name: globals()[name] for name in __all__},
    "__mod__": remainder,
    "__rmod__": reflected(remainder),
    "__floordiv__": floor_divide,
    "__rfloordiv__": reflected(floor_divide),
}

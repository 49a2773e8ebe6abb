"""Two-argument elementwise functions, broadcasting as arithmetic does: ``xlogy``, ``logaddexp``,
``logaddexp2``, ``hypot``, ``copysign``, ``fmax``, ``fmin`` (which ignore a NaN where the other value is
a number) and ``heaviside`` (a step, with no gradient). Each gradient is PyTorch's, written with gradviz
ops, summed back to each input's shape; where PyTorch's formula gives NaN (``hypot`` at the origin),
so does this one."""

from ..autograd.function import Function
from ..autograd.tensor import Tensor, wrap
from ..backend import array_module
from ..errors import DtypeError
from .arithmetic import Pow
from .broadcast import sum_to
from .comparison import _require_integral
from .elementary import exp2
from .promotion import promote
from .tensor_first import require_tensor
from .unary import exp, where

__all__ = [
    "xlogy",
    "logaddexp",
    "logaddexp2",
    "hypot",
    "copysign",
    "fmax",
    "fmin",
    "heaviside",
    "float_power",
    "gcd",
    "lcm",
]


def _floating_arrays(a, b):
    """The array module and both operands as arrays of their floating result type; either may be a
    number (``xlogy(2, x)``), which takes the other's dtype, as a Python scalar does in PyTorch."""
    xp = array_module(b if isinstance(a, (int, float)) else a)
    a, b = promote(a, b, floating=True)
    dtype = (b if isinstance(a, (int, float)) else a).dtype
    return xp, *(xp.asarray(v, dtype=dtype) if isinstance(v, (int, float)) else v for v in (a, b))


def _reduced(ctx, grads):
    """Each input's gradient summed back to its shape, or None where it needs none."""
    return tuple(
        sum_to(g, ctx.inputs[i]._data.shape) if ctx.needs_input_grad[i] and g is not None else None
        for i, g in enumerate(grads)
    )


class Xlogy(Function):
    """``x · log(y)``, 0 where ``x`` is 0 (even where ``log(y)`` is infinite), NaN where ``y`` is."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        xp, x, y = _floating_arrays(x, y)
        with xp.errstate(divide="ignore", invalid="ignore"):
            out = x * xp.log(y)
        return xp.where((x == 0) & ~xp.isnan(y), xp.zeros((), out.dtype), out)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        gx = gy = None
        if need_x:
            flat = (x._data == 0) & (y._data <= 0)
            gx = where(wrap(flat), 0.0, xlogy(grad, y))
        if need_y:
            gy = grad * x / y
        return _reduced(ctx, (gx, gy))


class Logaddexp(Function):
    """``log(exp(a) + exp(b))`` without overflow; ``a``'s share of the gradient is
    ``1 / (1 + exp(b - a))``, its softmax weight (``base`` 2 for ``logaddexp2``), which stays exact
    where one input is infinite."""

    kernel = "logaddexp"
    power = staticmethod(exp)

    @staticmethod
    def forward(ctx, a, b):
        return getattr(array_module(a), ctx.kernel)(*promote(a, b, floating=True))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        return _reduced(ctx, (grad / (ctx.power(b - a) + 1), grad / (ctx.power(a - b) + 1)))


class Logaddexp2(Logaddexp):
    kernel = "logaddexp2"
    power = staticmethod(exp2)


class Hypot(Function):
    @staticmethod
    def forward(ctx, a, b):
        out = array_module(a).hypot(*promote(a, b, floating=True))
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        scale = grad / out
        return _reduced(ctx, (scale * a, scale * b))


class Copysign(Function):
    """``|a|`` with the sign of ``b``; the gradient flips where the sign changed (0 at ``a = 0``), and
    ``b`` gets a zero gradient, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        xp, a, b = _floating_arrays(a, b)
        out = xp.copysign(a, b)
        ctx.flips = xp.where(a == 0, xp.zeros((), out.dtype), xp.copysign(xp.ones((), out.dtype), a * out))
        return out

    @staticmethod
    def backward(ctx, grad):
        zeros = wrap(array_module(grad._data).zeros(grad._data.shape, grad._data.dtype))
        return _reduced(ctx, (grad * wrap(ctx.flips), zeros))


class Fmax(Function):
    """The larger value, or the other one where one is NaN; the gradient goes to the value chosen (to
    ``a`` on ties)."""

    larger = True

    @staticmethod
    def forward(ctx, a, b):
        xp = array_module(a)
        a, b = promote(a, b)
        ctx.to_a = ((a >= b) if ctx.larger else (a <= b)) | xp.isnan(b)
        return xp.fmax(a, b) if ctx.larger else xp.fmin(a, b)

    @staticmethod
    def backward(ctx, grad):
        to_a = wrap(ctx.to_a)
        return _reduced(ctx, (where(to_a, grad, 0.0), where(to_a, 0.0, grad)))


class Fmin(Fmax):
    larger = False


class Gcd(Function):
    """The greatest common divisor of integers (``lcm``: the least common multiple); no gradient."""

    differentiable = False
    kernel = "gcd"

    @staticmethod
    def forward(ctx, a, b):
        return getattr(array_module(a), ctx.kernel)(*promote(a, b))


class Lcm(Gcd):
    kernel = "lcm"


class Heaviside(Function):
    """0 below zero (and for NaN, as PyTorch), 1 above, ``values`` at zero; a step has no useful
    gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, values):
        return array_module(x).where(x == 0, values, x > 0).astype(x.dtype)


def xlogy(input, other):  # noqa: A002 - PyTorch's argument names
    """``input · log(other)``; either may be a number."""
    if not isinstance(input, Tensor):
        require_tensor("xlogy", "other", other)
    return Xlogy.apply(input, other)


def copysign(input, other):  # noqa: A002
    """``other`` may be a number."""
    return Copysign.apply(input, other)


def _of_two_tensors(name, function):
    """The function ``name(input, other)`` applying ``function``, with ``other`` a tensor too."""

    def apply(input, other):  # noqa: A002
        return function.apply(input, require_tensor(name, "other", other))

    apply.__name__ = apply.__qualname__ = name
    return apply


logaddexp, logaddexp2, hypot, fmax, fmin = (
    _of_two_tensors(function.name, function) for function in (Logaddexp, Logaddexp2, Hypot, Fmax, Fmin)
)


def heaviside(input, values):  # noqa: A002
    require_tensor("heaviside", "values", values)
    if input.dtype != values.dtype:
        raise DtypeError(
            f"heaviside: input and values must have the same dtype, got {input._data.dtype} and "
            f"{values._data.dtype} (as in PyTorch); convert one with .to(dtype)"
        )
    return Heaviside.apply(input, values)


def float_power(input, exponent):  # noqa: A002
    """``input ** exponent`` computed in float64 (either may be a number), as PyTorch's float_power."""
    base = input.double() if isinstance(input, Tensor) else input
    power = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    if not isinstance(base, Tensor):  # float_power(2, x)
        base = require_tensor("float_power", "exponent", power).new_tensor(float(base))
    return Pow.apply(base, power)


def gcd(input, other):  # noqa: A002
    _require_integral("gcd", input, other)
    return Gcd.apply(input, other)


def lcm(input, other):  # noqa: A002
    _require_integral("lcm", input, other)
    return Lcm.apply(input, other)


METHODS = {name: globals()[name] for name in __all__}

"""More elementary functions: log1p, expm1, log2, log10, square, reciprocal, rsqrt, tan, sinh, cosh, atan2.

Like ``unary``'s exp and log, the float-only ones compute integer and bool inputs in the default dtype, as
PyTorch does; ``square`` is ``x ** 2`` (PyTorch's ``pow``), so it keeps an integer dtype and makes bool
int64. Each backward is the textbook derivative, written with gradviz ops (differentiable again).
"""

import math

from ..autograd.function import Function
from ..backend import array_module
from .arithmetic import Pow
from .broadcast import sum_to
from .promotion import promote, to_floating
from .tensor_first import require_tensor

__all__ = [
    "log1p",
    "expm1",
    "log2",
    "log10",
    "square",
    "reciprocal",
    "rsqrt",
    "tan",
    "sinh",
    "cosh",
    "atan2",
    "arctan2",
]


def _elementwise(name, kernel, derivative, saves="input"):
    """A float-only op ``kernel(xp, x)`` whose backward is ``derivative(grad, saved)``, ``saved`` the
    input or the output (``saves``): its ``Function`` and the function ``name(input)`` that applies it."""

    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else to_floating(x)
        out = kernel(array_module(x), x)
        ctx.save_for_backward(out if saves == "output" else x)
        return out

    def backward(ctx, grad):
        (saved,) = ctx.saved_tensors
        return derivative(grad, saved)

    op = type(
        name.title().replace("_", ""),
        (Function,),
        {"name": name, "forward": staticmethod(forward), "backward": staticmethod(backward)},
    )

    def apply(input):  # noqa: A002 - PyTorch's argument name
        return op.apply(input)

    apply.__name__ = apply.__qualname__ = name
    return op, apply


_LN2, _LN10 = math.log(2.0), math.log(10.0)

Log1p, log1p = _elementwise("log1p", lambda xp, x: xp.log1p(x), lambda grad, x: grad / (x + 1))
Expm1, expm1 = _elementwise("expm1", lambda xp, x: xp.expm1(x), lambda grad, out: grad * (out + 1), "output")
Log2, log2 = _elementwise("log2", lambda xp, x: xp.log2(x), lambda grad, x: grad / (x * _LN2))
Log10, log10 = _elementwise("log10", lambda xp, x: xp.log10(x), lambda grad, x: grad / (x * _LN10))
Reciprocal, reciprocal = _elementwise(
    "reciprocal", lambda xp, x: 1 / x, lambda grad, out: -grad * out * out, "output"
)
Rsqrt, rsqrt = _elementwise(
    "rsqrt", lambda xp, x: 1 / xp.sqrt(x), lambda grad, out: grad * out * out * out * -0.5, "output"
)
Tan, tan = _elementwise("tan", lambda xp, x: xp.tan(x), lambda grad, out: grad * (out * out + 1), "output")
Sinh, sinh = _elementwise("sinh", lambda xp, x: xp.sinh(x), lambda grad, x: grad * cosh(x))
Cosh, cosh = _elementwise("cosh", lambda xp, x: xp.cosh(x), lambda grad, x: grad * sinh(x))


class Atan2(Function):
    """The angle of the point (other, input): ``d/da = b / (a² + b²)``, ``d/db = -a / (a² + b²)``."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return array_module(a).arctan2(*promote(a, b, floating=True))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        scale = grad / (a * a + b * b)
        ga = sum_to(scale * b, a._data.shape) if need_a else None
        gb = sum_to(-scale * a, b._data.shape) if need_b else None
        return ga, gb


def square(input):  # noqa: A002 - PyTorch's argument names
    return Pow.apply(input, 2)


def atan2(input, other):  # noqa: A002
    require_tensor("atan2", "other", other)
    return Atan2.apply(input, other)


arctan2 = atan2

METHODS = {name: globals()[name] for name in __all__}

"""More elementary functions: log1p, expm1, log2, log10, exp2, square, reciprocal, rsqrt, tan, sinh,
cosh, the inverse trigonometric and hyperbolic functions (asin, acos, atan, asinh, acosh, atanh, with
numpy's arc- names as aliases), sinc, logit, deg2rad, rad2deg, erfc, erfinv, the gamma family (lgamma,
digamma, polygamma) and atan2.

Like ``unary``'s exp and log, the float-only ones compute integer and bool inputs in the default dtype, as
PyTorch does; ``square`` is ``x ** 2`` (PyTorch's ``pow``), so it keeps an integer dtype and makes bool
int64. Each backward is the textbook derivative, written with gradviz ops (differentiable again).
"""

import math

from ..autograd.function import Function
from ..autograd.tensor import wrap
from ..backend import array_module, gamma, special
from .activation import _TWO_OVER_SQRT_PI
from .arithmetic import Pow
from .broadcast import sum_to
from .promotion import promote, to_floating
from .tensor_first import require_tensor
from .unary import cos, exp, sqrt, where

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
    "exp2",
    "asin",
    "acos",
    "atan",
    "asinh",
    "acosh",
    "atanh",
    "arcsin",
    "arccos",
    "arctan",
    "arcsinh",
    "arccosh",
    "arctanh",
    "sinc",
    "logit",
    "deg2rad",
    "rad2deg",
    "erfc",
    "erfinv",
    "ndtri",
    "lgamma",
    "digamma",
    "polygamma",
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
_TO_RADIANS = math.pi / 180

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
Exp2, exp2 = _elementwise("exp2", lambda xp, x: xp.exp2(x), lambda grad, out: grad * out * _LN2, "output")
Asin, asin = _elementwise("asin", lambda xp, x: xp.arcsin(x), lambda grad, x: grad / sqrt(1 - x * x))
Acos, acos = _elementwise("acos", lambda xp, x: xp.arccos(x), lambda grad, x: -grad / sqrt(1 - x * x))
Atan, atan = _elementwise("atan", lambda xp, x: xp.arctan(x), lambda grad, x: grad / (x * x + 1))
Asinh, asinh = _elementwise("asinh", lambda xp, x: xp.arcsinh(x), lambda grad, x: grad / sqrt(x * x + 1))
Acosh, acosh = _elementwise(
    "acosh", lambda xp, x: xp.arccosh(x), lambda grad, x: grad / sqrt((x - 1) * (x + 1))
)
Atanh, atanh = _elementwise("atanh", lambda xp, x: xp.arctanh(x), lambda grad, x: grad / (1 - x * x))
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
Deg2rad, deg2rad = _elementwise(
    "deg2rad", lambda xp, x: x * x.dtype.type(_TO_RADIANS), lambda grad, x: grad * _TO_RADIANS
)
Rad2deg, rad2deg = _elementwise(
    "rad2deg", lambda xp, x: x * x.dtype.type(1 / _TO_RADIANS), lambda grad, x: grad * (1 / _TO_RADIANS)
)
Erfc, erfc = _elementwise(
    "erfc", lambda xp, x: special.erfc(x), lambda grad, x: grad * (-_TWO_OVER_SQRT_PI * exp(-x * x))
)


Erfinv, erfinv = _elementwise(
    "erfinv",
    lambda xp, x: special.erfinv(x),
    lambda grad, out: grad * (math.sqrt(math.pi) / 2) * exp(out * out),
    "output",
)


def _ndtri(xp, p):
    """Φ⁻¹(p) as −√2·erfcinv(2p), or √2·erfcinv(2(1 − p)) above ½ (1 − p is exact there): accurate
    for a tiny p, where √2·erfinv(2p − 1) would lose it in 2p − 1."""
    upper = p > 0.5
    x = special.erfcinv(xp.where(upper, 2 * (1 - p), 2 * p)) * math.sqrt(2)
    return xp.where(upper, x, -x)


Ndtri, ndtri = _elementwise(
    "ndtri", _ndtri, lambda grad, out: grad * math.sqrt(2 * math.pi) * exp(out * out * 0.5), "output"
)


class Polygamma(Function):
    """ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function; its own derivative is ψ⁽ⁿ⁺¹⁾ (so lgamma's
    and digamma's gradients are polygammas too, differentiable to any order)."""

    @staticmethod
    def forward(ctx, x, n):
        x = x if x.dtype.kind == "f" else to_floating(x)
        ctx.n = n
        ctx.save_for_backward(x)
        return gamma.polygamma(n, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Polygamma.apply(x, ctx.n + 1), None


Lgamma, lgamma = _elementwise("lgamma", lambda xp, x: gamma.lgamma(x), lambda grad, x: grad * digamma(x))


def digamma(input):  # noqa: A002
    return Polygamma.apply(input, 0)


def polygamma(n, input):  # noqa: A002 - PyTorch's argument order
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"polygamma: n must be a non-negative int, got {n!r}")
    return Polygamma.apply(input, n)


def _sinc_slope(grad, x):
    """(cos(πx) − sinc(x)) / x, 0 at 0 where the curve is flat."""
    at_zero = x._data == 0
    safe = where(wrap(at_zero), 1.0, x)
    slope = (cos(safe * math.pi) - sinc(safe)) / safe
    return grad * where(wrap(at_zero), 0.0, slope)


Sinc, sinc = _elementwise("sinc", lambda xp, x: xp.sinc(x), _sinc_slope)


class Logit(Function):
    """``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given (the
    gradient is then 0 outside that range, as in PyTorch)."""

    @staticmethod
    def forward(ctx, x, eps):
        x = x if x.dtype.kind == "f" else to_floating(x)
        ctx.save_for_backward(x)
        ctx.eps = eps
        p = x if eps is None else array_module(x).clip(x, eps, 1 - eps)
        return array_module(x).log(p / (1 - p))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        slope = grad / (x * (1 - x))
        if ctx.eps is None:
            return slope, None
        data = x._data
        outside = (data < ctx.eps) | (data > 1 - ctx.eps)
        return where(wrap(outside), 0.0, slope), None


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


def logit(input, eps=None):  # noqa: A002
    return Logit.apply(input, eps)


def atan2(input, other):  # noqa: A002
    require_tensor("atan2", "other", other)
    return Atan2.apply(input, other)


arctan2 = atan2

METHODS = {name: globals()[name] for name in __all__ if name != "polygamma"} | {
    "polygamma": lambda self, n: polygamma(n, self)
}

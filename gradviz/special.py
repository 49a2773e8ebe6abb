"""``gradviz.special``, as ``torch.special``: the special functions under their SciPy-style names
(``expit``, ``gammaln``, ``psi``...), and the normal distribution's ``ndtr``, ``log_ndtr`` and
``ndtri``, ``entr``, ``xlog1py`` and ``multigammaln``; every one differentiable."""

import math

from .autograd.tensor import Tensor, wrap
from .ops.activation import erf, log_softmax, softmax
from .ops.binary_math import xlogy
from .ops.elementary import digamma, erfc, erfinv, exp2, expm1, lgamma, log1p, logit, ndtri, polygamma, sinc
from .ops.reduction import logsumexp
from .ops.rounding import round  # noqa: A004 - PyTorch's name
from .ops.tensor_first import check_exports as _check_exports
from .ops.unary import log, sigmoid, where

__all__ = [
    "expit",
    "logit",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expm1",
    "log1p",
    "gammaln",
    "digamma",
    "psi",
    "polygamma",
    "multigammaln",
    "xlogy",
    "xlog1py",
    "entr",
    "sinc",
    "round",
    "logsumexp",
    "softmax",
    "log_softmax",
    "ndtr",
    "log_ndtr",
    "ndtri",
]

expit = sigmoid
gammaln = lgamma
psi = digamma
_SQRT_HALF = math.sqrt(0.5)
_FAR_TAIL = -30.0  # below it, log Φ(x) by its asymptotic series (Φ itself underflows near -38)


def ndtr(input):  # noqa: A002 - PyTorch's argument name
    """Φ(x), the standard normal distribution function, as ½·erfc(−x/√2) (accurate in the lower tail)."""
    return erfc(input * -_SQRT_HALF) * 0.5


def log_ndtr(input):  # noqa: A002
    """log Φ(x), accurate in both tails: log1p(−Φ(−x)) above 0 (Φ rounds to 1 there), log Φ(x) down
    to -30, and below it, where Φ underflows, −x²/2 − log(−x√(2π)) + log(1 − 1/x² + 3/x⁴ − ...). Each
    branch is fed only values it is safe on, so no NaN leaks into the gradient."""
    data = input._data
    far, upper = wrap(data < _FAR_TAIL), wrap(data > 0)
    middle = log(ndtr(where(far, 0.0, where(upper, 0.0, input))))
    high = log1p(-ndtr(-where(upper, input, 0.0)))
    x = where(far, input, _FAR_TAIL)
    inverse_square = 1 / (x * x)
    series = 1 - inverse_square * (1 - inverse_square * (3 - inverse_square * (15 - inverse_square * 105)))
    asymptotic = x * x * -0.5 - log(-x * math.sqrt(2 * math.pi)) + log(series)
    return where(far, asymptotic, where(upper, high, middle))


def entr(input):  # noqa: A002
    """−x·log(x) elementwise: 0 at 0, −inf for x < 0."""
    negative = wrap(input._data < 0)
    return where(negative, -math.inf, -xlogy(input, where(negative, 1.0, input)))


def xlog1py(input, other):  # noqa: A002
    """x·log(1 + y), 0 where x is 0."""
    return xlogy(input, other + 1) if isinstance(other, Tensor) else xlogy(input, other + 1.0)


def multigammaln(input, p):  # noqa: A002
    """log of the multivariate gamma function of dimension ``p``: p(p−1)/4·log π + Σⱼ lgamma(x − j/2)."""
    if isinstance(p, bool) or not isinstance(p, int) or p < 1:
        raise ValueError(f"multigammaln: p must be a positive int, got {p!r}")
    total = sum(lgamma(input - j / 2) for j in range(p))
    return total + p * (p - 1) / 4 * math.log(math.pi)


_check_exports(globals())

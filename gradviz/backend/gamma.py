"""The gamma family numpy lacks: ``lgamma`` (log |Γ(x)|), ``digamma`` (ψ = Γ'/Γ) and ``polygamma``
(its n-th derivative), elementwise on the array's device (CuPy's own through ``cupyx.scipy.special``).

Each is computed in float64 by the textbook route: the recurrences Γ(x + 1) = xΓ(x) and
ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x + 1) + (−1)ⁿ⁺¹ n!/xⁿ⁺¹ move x up to where the asymptotic (Stirling) series is accurate
to about 1e-15, and the reflection formulas Γ(x)Γ(1 − x) = π/sin(πx) and ψ(1 − x) − ψ(x) = π cot(πx)
serve x < ½ for lgamma and digamma. Poles give ±inf as PyTorch's do; polygamma is meant for x > 0
(negative x below -1e4 give NaN).
"""

import math

from . import array_module

# Bernoulli numbers B_2 .. B_16, for the asymptotic series
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
_LARGE = 10.0  # where the series is used; smaller x are shifted up by the recurrence
_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)
_FAR_NEGATIVE = -1e4  # polygamma below this is NaN (PyTorch's is not meaningful there either)


def _on_cupy_or_float64(name, x, compute, *args):
    """CuPy's own function for a CuPy array, else ``compute`` in float64, cast back to ``x``'s dtype."""
    if x.__class__.__module__.startswith("cupy"):
        import cupyx.scipy.special

        return getattr(cupyx.scipy.special, name)(*args, x)
    return compute(x.astype("float64"), *args).astype(x.dtype)


def _shift_up(xp, x, threshold, step):
    """``x`` moved up by whole steps until each value is at least ``threshold``, and the sum of
    ``step(x)`` over the values passed on the way (NaN and -inf are left where they are)."""
    x = x.copy()
    total = xp.zeros_like(x)
    while True:
        below = (x < threshold) & xp.isfinite(x)
        if not bool(below.any()):
            return x, total
        total[below] += step(x[below])
        x[below] += 1


def _reflected_and_shifted(xp, x, step):
    """Where x < ½ (answered through the reflection formula from 1 − x), the argument the series is
    evaluated at (1 − x or x, shifted up to ``_LARGE``), and the sum of ``step`` over the shift."""
    reflected = x < 0.5
    z, shifted = _shift_up(xp, xp.where(reflected, 1 - x, x), _LARGE, step)
    return reflected, z, shifted


def lgamma(x):
    return _on_cupy_or_float64("gammaln", x, _lgamma)


def _lgamma(x):
    xp = array_module(x)
    with xp.errstate(divide="ignore", invalid="ignore"):
        reflected, z, logs = _reflected_and_shifted(xp, x, xp.log)
        inverse = 1 / z
        series = sum(
            b / ((2 * k + 2) * (2 * k + 1)) * inverse ** (2 * k + 1) for k, b in enumerate(_BERNOULLI)
        )
        value = (z - 0.5) * xp.log(z) - z + _HALF_LOG_TWO_PI + series - logs
        value = xp.where(xp.isinf(z), xp.inf, value)
        sine = xp.abs(xp.sin(math.pi * (x - xp.floor(x))))  # sin(πx) without losing it for large |x|
        value = xp.where(reflected, xp.log(math.pi / sine) - value, value)
        return xp.where(xp.isinf(x), xp.inf, value)


def digamma(x):
    return _on_cupy_or_float64("digamma", x, _digamma)


def _digamma(x):
    xp = array_module(x)
    with xp.errstate(divide="ignore", invalid="ignore"):
        reflected, z, inverses = _reflected_and_shifted(xp, x, lambda v: 1 / v)
        inverse_square = 1 / (z * z)
        series = sum(b / (2 * k + 2) * inverse_square ** (k + 1) for k, b in enumerate(_BERNOULLI))
        value = xp.log(z) - 0.5 / z - series - inverses
        value = xp.where(xp.isinf(z), xp.inf, value)
        fraction = x - xp.floor(x)
        cotangent = math.pi * xp.cos(math.pi * fraction) / xp.sin(math.pi * fraction)
        value = xp.where(reflected, value - cotangent, value)
        return xp.where((x == 0), -xp.inf, xp.where(reflected & (fraction == 0), xp.nan, value))


def polygamma(n, x):
    """ψ⁽ⁿ⁾(x) for an integer n ≥ 0 (n = 0 is ``digamma``)."""
    if n == 0:
        return digamma(x)
    return _on_cupy_or_float64("polygamma", x, _polygamma, n)


def _polygamma(x, n):
    xp = array_module(x)
    sign = 1.0 if n % 2 else -1.0  # (−1)ⁿ⁺¹
    factorial = math.factorial(n)
    with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = xp.where(x < _FAR_NEGATIVE, xp.nan, x)  # the recurrence would take too many steps
        z, terms = _shift_up(xp, x, _LARGE + n, lambda v: factorial / v ** (n + 1))
        series = math.factorial(n - 1) / z**n + factorial / (2 * z ** (n + 1))
        for k, b in enumerate(_BERNOULLI, start=1):
            series = series + b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) / z ** (2 * k + n)
        return xp.where(x == 0, xp.inf, sign * (series + terms))

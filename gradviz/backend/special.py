"""Special functions numpy lacks: ``erf`` (for exact GELU), ``erfc`` and ``erfinv``.

On CuPy, ``cupyx.scipy.special.erf``; elsewhere W. J. Cody's rational Chebyshev approximations
(Math. Comp. 23, 1969, as in SPECFUN's CALERF), accurate to about 1e-16 in float64: a rational function
of x² for |x| <= 0.5, and erfc(|x|) = exp(-x²)·R(|x|) beyond, with exp(-x²) split in two factors so
that rounding x² does not cost relative accuracy in the tail. ``erfinv`` starts from Winitzki's closed
form (relative error about 2e-3) and refines it by Newton steps on erf, or on erfc in the tails, where
1 − |y| is exact (there in log space: log erfc is nearly a parabola, so it converges from any start).
"""

import math

from . import array_module

_SMALL_NUM = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03)
_SMALL_TOP = 1.85777706184603153e-1
_SMALL_DEN = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_MID_NUM = (
    5.64188496988670089e-1,
    8.88314979438837594e00,
    6.61191906371416295e01,
    2.98635138197400131e02,
    8.81952221241769090e02,
    1.71204761263407058e03,
    2.05107837782607147e03,
    1.23033935479799725e03,
)
_MID_TOP = 2.15311535474403846e-8
_MID_DEN = (
    1.57449261107098347e01,
    1.17693950891312499e02,
    5.37181101862009858e02,
    1.62138957456669019e03,
    3.29079923573345963e03,
    4.36261909014324716e03,
    3.43936767414372164e03,
    1.23033935480374942e03,
)
_TAIL_NUM = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2)
_TAIL_NUM_LAST = 6.58749161529837803e-4
_TAIL_TOP = 1.63153871373020978e-2
_TAIL_DEN = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2)
_TAIL_DEN_LAST = 2.33520497626869185e-3
_ONE_OVER_SQRT_PI = 5.6418958354775628695e-1
_SMALL_LIMIT = 0.46875
_MID_LIMIT = 4.0
_UNDERFLOW = 26.543  # erfc(x) < 1e-308 beyond: erf is exactly +-1


def _ratio(t, top, numerator, denominator, last_num, last_den):
    """Cody's Horner scheme: (((top·t + n0)·t + n1)·t ... + last_num) / ((t + d0)·t ... + last_den)."""
    num = top * t
    den = t
    for n, d in zip(numerator, denominator):
        num = (num + n) * t
        den = (den + d) * t
    return (num + last_num) / (den + last_den)


def _scaled_exp(xp, y):
    """exp(-y²) computed as exp(-r²)·exp(-(y-r)(y+r)) with r = y rounded down to 1/16."""
    rounded = xp.trunc(y * 16) / 16
    return xp.exp(-rounded * rounded) * xp.exp(-(y - rounded) * (y + rounded))


def _erf_small(x):
    t = x * x
    return x * _ratio(t, _SMALL_TOP, _SMALL_NUM[:3], _SMALL_DEN[:3], _SMALL_NUM[3], _SMALL_DEN[3])


def _erfc_mid(xp, y):
    return _scaled_exp(xp, y) * _ratio(y, _MID_TOP, _MID_NUM[:7], _MID_DEN[:7], _MID_NUM[7], _MID_DEN[7])


def _erfc_tail(xp, y):
    t = 1 / (y * y)
    r = t * _ratio(t, _TAIL_TOP, _TAIL_NUM, _TAIL_DEN, _TAIL_NUM_LAST, _TAIL_DEN_LAST)
    return _scaled_exp(xp, y) * ((_ONE_OVER_SQRT_PI - r) / y)


def _on_cupy_or_widened(name, x):
    """CuPy's own function for a CuPy array; for float16, the float32 result (the rational
    approximations overflow float16); else None: compute here."""
    if x.__class__.__module__.startswith("cupy"):
        import cupyx.scipy.special

        return getattr(cupyx.scipy.special, name)(x)
    if x.dtype.itemsize < 4:
        return globals()[name](x.astype("float32")).astype(x.dtype)
    return None


def _parts(x):
    """What erf and erfc are made of: a mask of |x| <= 0.47 and, there, erf(x); elsewhere erfc(|x|)."""
    xp = array_module(x)
    y = xp.abs(x)
    part = xp.empty_like(x)
    small = y <= _SMALL_LIMIT
    part[small] = _erf_small(x[small])
    mid = ~small & (y <= _MID_LIMIT)
    part[mid] = _erfc_mid(xp, y[mid])
    tail = ~(small | mid)  # NaN lands here and stays NaN
    part[tail] = _erfc_tail(xp, xp.minimum(y[tail], _UNDERFLOW))
    part[y > _UNDERFLOW] = 0.0
    return small, part


def erf(x):
    """The error function of a float array, elementwise, on the array's device."""
    done = _on_cupy_or_widened("erf", x)
    if done is not None:
        return done
    small, part = _parts(x)
    xp = array_module(x)
    magnitude = xp.where(small, part, 1 - part)
    return xp.where(~small & (x < 0), -magnitude, magnitude)


def erfc(x):
    """1 - erf(x) without the cancellation: the tails keep their relative accuracy (erfc(10) is 2e-45)."""
    done = _on_cupy_or_widened("erfc", x)
    if done is not None:
        return done
    small, part = _parts(x)
    xp = array_module(x)
    return xp.where(small, 1 - part, xp.where(x < 0, 2 - part, part))


_WINITZKI = 0.147
_NEWTON_STEPS = 4  # from Winitzki's 2e-3: 4e-6, 2e-11, then float64's last bits


def erfinv(y):
    """The inverse of erf on [-1, 1]: ±inf at ±1, NaN beyond."""
    done = _on_cupy_or_widened("erfinv", y)
    if done is not None:
        return done
    xp = array_module(y)
    a = xp.abs(y)
    x = _inverse(xp, a, 1 - a)  # 1 - a is exact where the tail needs it (a >= 0.5)
    return xp.where(y < 0, -x, x)


def erfcinv(c):
    """The inverse of erfc on [0, 2] (+inf at 0, -inf at 2), accurate for a tiny ``c``, where
    ``erfinv(1 - c)`` would lose it in ``1 - c``."""
    done = _on_cupy_or_widened("erfcinv", c)
    if done is not None:
        return done
    xp = array_module(c)
    upper = c > 1
    small = xp.where(upper, 2 - c, c)  # erfcinv(c) = -erfcinv(2 - c); 2 - c is exact for c in [1, 2]
    x = _inverse(xp, 1 - small, small)
    return xp.where(upper, -x, x)


def _inverse(xp, a, c):
    """x >= 0 with erf(x) = a and erfc(x) = c (= 1 - a, given exactly by the caller in the tail)."""
    with xp.errstate(divide="ignore", invalid="ignore"):
        log_term = xp.log(c * (2 - c))
        first = 2 / (math.pi * _WINITZKI) + log_term / 2
        x = xp.sqrt(xp.sqrt(first * first - log_term / _WINITZKI) - first)
        tail = c < 0.5
        log_c = xp.log(xp.where(tail, c, 1.0))
        for _ in range(_NEWTON_STEPS):
            density = (2 / math.sqrt(math.pi)) * xp.exp(-x * x)
            # in the tail, Newton on log erfc (nearly a parabola in x, so a few steps suffice even at
            # c = 1e-300): residual / slope = (log c − log erfc(x)) · erfc(x) / density
            tail_step = (log_c - xp.log(erfc(x))) * erfc(x) / density
            x = x - xp.where(tail, tail_step, (erf(x) - a) / density)
        return xp.where(c == 0, xp.inf, xp.where((c < 0) | (c > 1), xp.nan, x))

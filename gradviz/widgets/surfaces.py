"""Two-dimensional test functions for racing optimizers, written with gradviz tensor ops.

Each :class:`Surface` is a function of two tensors ``f(x, y)`` (elementwise, so the same code gives the
loss at one point during the race and a whole grid of values for the contour), with a start point that
makes the race instructive, a plot range, its known minima and two learning rates that suit its scale:
``sgd_lr`` for the plain-gradient optimizers (whose step grows with the gradient) and ``adaptive_lr`` for
the ones that divide by a running gradient size (whose step is about ``lr`` whatever the gradient).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Surface:
    name: str
    function: Callable
    start: tuple
    x_range: tuple
    y_range: tuple
    minima: tuple = ()
    minimum_value: float | None = None
    sgd_lr: float = 1e-2
    adaptive_lr: float = 1e-1
    description: str = ""

    def __call__(self, x, y):
        return self.function(x, y)


def rosenbrock(x, y):
    """A long, curved, flat-bottomed valley: easy to find, slow to follow to its end at (1, 1)."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def beale(x, y):
    """Flat plateaus and steep ridges around a minimum at (3, 0.5)."""
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def himmelblau(x, y):
    """Four minima of equal height: which one an optimizer finds depends on its path."""
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def saddle(x, y):
    """A saddle point at the origin between two minima at (0, ±√2): x² − y² + y⁴/4.

    Starting almost on the ridge (y ≈ 0), the gradient pulls towards the saddle; plain gradient descent
    lingers there while momentum and adaptive steps escape sideways sooner.
    """
    return x**2 - y**2 + y**4 / 4


def ill_conditioned_quadratic(x, y):
    """A narrow elliptic bowl, 25 times steeper across (y) than along (x): gradient descent zig-zags."""
    return 0.5 * (x**2 + 25 * y**2)


SURFACES = {
    surface.name: surface
    for surface in (
        Surface(
            "rosenbrock",
            rosenbrock,
            start=(-1.5, 2.0),
            x_range=(-2.0, 2.0),
            y_range=(-1.0, 3.0),
            minima=((1.0, 1.0),),
            minimum_value=0.0,
            sgd_lr=1e-3,
            adaptive_lr=5e-2,
            description=rosenbrock.__doc__,
        ),
        Surface(
            "beale",
            beale,
            start=(1.0, 1.5),
            x_range=(-4.5, 4.5),
            y_range=(-4.5, 4.5),
            minima=((3.0, 0.5),),
            minimum_value=0.0,
            sgd_lr=1e-3,
            adaptive_lr=5e-2,
            description=beale.__doc__,
        ),
        Surface(
            "himmelblau",
            himmelblau,
            start=(-0.5, -0.5),
            x_range=(-5.0, 5.0),
            y_range=(-5.0, 5.0),
            minima=(
                (3.0, 2.0),
                (-2.805118, 3.131312),
                (-3.779310, -3.283186),
                (3.584428, -1.848126),
            ),
            minimum_value=0.0,
            sgd_lr=5e-3,
            adaptive_lr=1e-1,
            description=himmelblau.__doc__,
        ),
        Surface(
            "saddle",
            saddle,
            start=(1.5, 1e-3),
            x_range=(-2.0, 2.0),
            y_range=(-2.0, 2.0),
            minima=((0.0, math.sqrt(2.0)), (0.0, -math.sqrt(2.0))),
            minimum_value=-1.0,
            sgd_lr=5e-2,
            adaptive_lr=5e-2,
            description=saddle.__doc__,
        ),
        Surface(
            "ill_conditioned_quadratic",
            ill_conditioned_quadratic,
            start=(-4.0, 1.5),
            x_range=(-5.0, 5.0),
            y_range=(-2.0, 2.0),
            minima=((0.0, 0.0),),
            minimum_value=0.0,
            sgd_lr=3e-2,
            adaptive_lr=1e-1,
            description=ill_conditioned_quadratic.__doc__,
        ),
    )
}


def get_surface(surface):
    """A :class:`Surface` from its name, itself, or any ``f(x, y)`` of two gradviz tensors (for which
    the start, the range and the learning rates are generic guesses and the minima are unknown)."""
    if isinstance(surface, Surface):
        return surface
    if isinstance(surface, str):
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}; choose one of {', '.join(SURFACES)}")
        return SURFACES[surface]
    if callable(surface):
        name = getattr(surface, "__name__", "f")
        return Surface(name, surface, start=(-1.5, 1.5), x_range=(-2.0, 2.0), y_range=(-2.0, 2.0))
    raise TypeError(
        f"surface must be a name ({', '.join(SURFACES)}), a Surface or a function f(x, y), "
        f"not {type(surface).__name__}"
    )

"""Numerical integration and differentiation of sampled values along a dim: ``trapezoid`` (``trapz``),
``cumulative_trapezoid`` and ``gradient`` (central differences inside, one- or second-order one-sided
differences at the edges), as PyTorch computes them; each is made of slices and arithmetic, so it is
differentiable. This is the "numerical" side of numerical vs automatic differentiation."""

from ..autograd.tensor import Tensor
from ..errors import ShapeError
from .arguments import normalize_dim
from .scan import cumsum
from .shape import cat

__all__ = ["trapezoid", "trapz", "cumulative_trapezoid", "gradient"]


def _along(t, dim, part):
    return t[(slice(None),) * dim + (part,)]


def _segments(op, y, x, dx, dim):
    """The area of each trapezoid between neighbouring samples along ``dim``."""
    dim = normalize_dim(dim, y.ndim, op)
    pairs = _along(y, dim, slice(1, None)) + _along(y, dim, slice(None, -1))
    if x is None:
        return pairs * ((1.0 if dx is None else dx) / 2), dim
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: x must be a tensor of sample positions, got {type(x).__name__}")
    widths = (
        x[1:] - x[:-1] if x.ndim == 1 else _along(x, dim, slice(1, None)) - _along(x, dim, slice(None, -1))
    )
    if x.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise ShapeError(
                f"{op}: x has {x.shape[0]} positions but y has {y.shape[dim]} samples along dim {dim}"
            )
        widths = widths.reshape((-1,) + (1,) * (y.ndim - 1 - dim))
    return pairs * widths / 2, dim


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """∫ y along ``dim`` by the trapezoidal rule: samples ``dx`` apart (1 by default) or at positions
    ``x``."""
    areas, dim = _segments("trapezoid", y, x, dx, dim)
    return areas.sum(dim)


def trapz(y, x=None, *, dx=None, dim=-1):
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running integral: one value fewer than ``y`` has along ``dim``."""
    areas, dim = _segments("cumulative_trapezoid", y, x, dx, dim)
    return cumsum(areas, dim)


def gradient(input, *, spacing=1, dim=None, edge_order=1):  # noqa: A002 - PyTorch's argument names
    """The derivative estimated from samples ``spacing`` apart, one tensor per dim (every dim, or
    ``dim``): (f[i+1] − f[i−1]) / 2h inside, (f[1] − f[0]) / h at the edges, or with ``edge_order=2``
    (−3f[0] + 4f[1] − f[2]) / 2h."""
    dims = list(range(input.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [normalize_dim(d, input.ndim, "gradient") for d in dims]
    steps = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(dims)
    if len(steps) != len(dims) or any(isinstance(h, Tensor) for h in steps):
        raise ValueError(
            "gradient: spacing must be one number, or one number per dim (coordinates as tensors are not "
            f"supported); got {spacing!r} for {len(dims)} dims"
        )
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    return tuple(_derivative(input, d, float(h), edge_order) for d, h in zip(dims, steps))


def _derivative(f, dim, h, edge_order):
    size = f.shape[dim]
    if size < edge_order + 1:
        raise ShapeError(
            f"gradient: dimension {dim} has {size} samples; edge_order={edge_order} needs at least "
            f"{edge_order + 1}"
        )

    def at(i):
        """The sample at position ``i`` along ``dim`` (negative from the end), the dim kept."""
        return _along(f, dim, slice(i, i + 1 or None))

    inside = (_along(f, dim, slice(2, None)) - _along(f, dim, slice(None, -2))) / (2 * h)
    if edge_order == 1:
        first, last = (at(1) - at(0)) / h, (at(-1) - at(-2)) / h
    else:
        first = (at(0) * -3 + at(1) * 4 - at(2)) / (2 * h)
        last = (at(-1) * 3 - at(-2) * 4 + at(-3)) / (2 * h)
    return cat([first, inside, last], dim)


METHODS = {}

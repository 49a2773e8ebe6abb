"""Ops PyTorch offers that are compositions of others here: ``trace``, ``select``, ``flipud``,
``fliplr``, ``rot90``, ``frac``. Their gradients are those of the ops they are made of (the diagonal,
indexing, flips, transposes, subtraction), so each needs no backward of its own."""

from ..errors import DtypeError, ShapeError
from .arguments import int_argument, normalize_dim
from .rounding import trunc
from .shape import flip, transpose
from .views import diagonal

# ``trace`` is a Tensor method only: ``gradviz.trace`` is the recorder's package
__all__ = ["select", "flipud", "fliplr", "rot90", "frac"]


def trace(input):  # noqa: A002
    if input._data.ndim != 2:
        raise ShapeError(f"trace: expected a matrix (2-D), got shape {tuple(input._data.shape)}")
    return diagonal(input).sum()


def select(input, dim, index):  # noqa: A002
    """``input`` indexed with ``index`` along ``dim``, which disappears (``x.select(1, 0)`` is
    ``x[:, 0]``)."""
    dim = normalize_dim(dim, input._data.ndim, "select")
    return input[(slice(None),) * dim + (int_argument("select", "index", index),)]


def flipud(input):  # noqa: A002
    return flip(input, 0)


def fliplr(input):  # noqa: A002
    if input._data.ndim < 2:
        raise ShapeError(f"fliplr: expected at least 2 dimensions, got shape {tuple(input._data.shape)}")
    return flip(input, 1)


def rot90(input, k=1, dims=(0, 1)):  # noqa: A002
    """Rotate by 90° ``k`` times, from the first of ``dims`` towards the second."""
    first, second = (normalize_dim(d, input._data.ndim, "rot90") for d in dims)
    if first == second:
        raise ShapeError(f"rot90: the two dims must differ, got {tuple(dims)}")
    k = int_argument("rot90", "k", k) % 4
    if k == 0:
        return input.clone()
    if k == 2:
        return flip(input, first, second)
    return transpose(flip(input, second if k == 1 else first), first, second)


def frac(input):  # noqa: A002
    """The fractional part, ``input - trunc(input)``, with the sign of ``input``."""
    require_floating("frac", input)
    return input - trunc(input)


def require_floating(op, input):  # noqa: A002
    if input._data.dtype.kind != "f":
        raise DtypeError(f"{op}: expects a floating point tensor, got {input.dtype} (as in PyTorch)")


METHODS = {**{name: globals()[name] for name in __all__}, "trace": trace}

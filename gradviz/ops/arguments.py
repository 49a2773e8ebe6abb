"""Argument normalisation shared by ops: PyTorch accepts ``x.view(2, 3)`` and ``x.view((2, 3))``,
negative dims, and ``dim`` as an int, a tuple or None; and the reflected operators (``2 - x``)."""

import operator

from ..errors import IndexOutOfRangeError


def shape_args(shape, op):
    """``(2, 3)`` from ``(2, 3)`` or ``((2, 3),)`` or ``([2, 3],)``. A size that is not an int (``2.5``,
    ``2.0``) is refused, as in PyTorch, rather than truncated into a tensor of another shape."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    try:
        return tuple(map(operator.index, shape))
    except TypeError:
        position, value = next((i, s) for i, s in enumerate(shape) if _as_index(s) is None)
        raise TypeError(
            f"{op}(): expected ints, but element {position} is {value!r} ({type(value).__name__}); sizes "
            "and dims must be whole numbers (convert with int() or round())"
        ) from None


def int_argument(op, name, value):
    """``value`` as an int when it is an integer (Python, NumPy or a 0-d integer tensor), as PyTorch
    takes ``offset``, ``k``, ``index`` and the like; a bool or a float is refused, never truncated."""
    index = None if isinstance(value, bool) else _as_index(value)
    if index is None:
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(value).__name__}")
    return index


def _as_index(value):
    """``value`` as an int if it is one (a Python, NumPy or 0-d tensor integer), else None."""
    try:
        return operator.index(value)
    except TypeError:
        return None


def normalize_dim(dim, ndim, op):
    """One dim in ``[0, ndim)``; a clear error names the op when it is out of range."""
    if dim.__class__ is not int:
        index = _as_index(dim)
        if index is None:
            raise TypeError(
                f"{op}(): dim must be an int (or a tuple of ints where the op takes several), not "
                f"{dim!r} ({type(dim).__name__})"
            )
        dim = index
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexOutOfRangeError(
            f"{op}: dimension {dim} is out of range for a tensor with {ndim} dimensions "
            f"(expected a value in [{-size}, {size - 1}])"
        )
    return dim % size


def normalize_dims(dim, ndim, op):
    """A sorted tuple of dims, all dims when ``dim`` is None (or an empty tuple, as PyTorch's sum)."""
    if dim is None or (isinstance(dim, tuple) and not dim):
        return tuple(range(ndim))
    if not isinstance(dim, (tuple, list)):
        return (normalize_dim(dim, ndim, op),)
    dims = tuple(sorted(normalize_dim(d, ndim, op) for d in dim))
    if len(set(dims)) != len(dims):
        raise ValueError(f"{op}: dim {dim} names a dimension more than once")
    return dims


def reflected(op):
    """The method behind a reflected operator: ``2 - x`` calls ``x.__rsub__(2)``, which is ``sub(2, x)``."""
    return lambda self, other: op(other, self)

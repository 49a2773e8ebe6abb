"""Creating tensors: ``tensor``, ``zeros``, ``randn``... with PyTorch's dtype rules.

Python floats become the default dtype (float32), Python ints int64, bools bool; a numpy array keeps its
dtype, as ``torch.tensor(ndarray)`` does. Random numbers come from ``gradviz.random``'s generator.
"""

import numpy as np

from . import backend
from .autograd.tensor import Tensor
from .dtypes import as_dtype, get_default_dtype, int64
from .errors import DtypeError
from .ops.arguments import shape_args
from .random import rng


def _infer(data, dtype):
    if isinstance(data, Tensor):
        return backend.to_host(data._data), data.dtype
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data), as_dtype(data.dtype)
    try:
        array = np.asarray(data)
    except ValueError as exc:
        raise ValueError(f"tensor(): data must be a number or a rectangular nested list ({exc})") from None
    kind = array.dtype.kind
    if kind == "c":
        raise TypeError(
            f"tensor(): {_complex_value(data)!r} is a complex number; gradviz has no complex dtype"
        )
    if kind in "uO" or kind == "f" and array.size and not np.abs(array).max() < 2**63:
        array, kind = _beyond_int64(data, array, dtype)
    if kind == "f":
        return array, get_default_dtype()
    if kind == "i":
        return array, int64
    if kind == "b":
        return array, as_dtype("bool")
    raise TypeError(
        f"tensor(): cannot build a tensor from {type(data).__name__} holding {array.dtype} values"
    )


def _complex_value(data):
    values = np.asarray(data, dtype=object).ravel()
    return next(v for v in values if isinstance(v, (complex, np.complexfloating)))


def _beyond_int64(data, array, dtype):
    """Data with Python ints numpy could not fit in int64 (it makes them uint64, float64 or objects): they
    overflow, as in PyTorch, unless a float among them or a floating ``dtype`` makes the tensor floating."""
    values = np.asarray(data, dtype=object).ravel()
    floating = dtype is not None and as_dtype(dtype).is_floating_point
    if floating or any(isinstance(v, float) for v in values):
        return np.asarray(data, dtype=np.float64), "f"
    for v in values:
        if isinstance(v, int) and not -(2**63) <= v < 2**63:
            raise ValueError(
                f"tensor(): {v} overflows int64, the dtype of Python ints; pass dtype=gradviz.float64 "
                "to keep it approximately"
            )
    return array, array.dtype.kind


def _make(host, dtype, device, requires_grad):
    dtype = get_default_dtype() if dtype is None else as_dtype(dtype)
    array = np.array(host, dtype=dtype.numpy, copy=True)
    return Tensor(backend.to_device(array, backend.device(device)), requires_grad=requires_grad)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (a number, nested lists, a numpy array or a tensor)."""
    host, inferred = _infer(data, dtype)
    return _make(host, inferred if dtype is None else dtype, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` itself (a tensor) or a tensor sharing its memory (a numpy array) when no conversion is
    asked for, as in PyTorch; otherwise a copy, as :func:`tensor` makes."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    if isinstance(data, np.ndarray) and backend.device(device).type == "cpu":
        if dtype is None or as_dtype(dtype).numpy == data.dtype:
            return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A CPU tensor sharing ``array``'s memory."""
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"from_numpy(): expected a numpy array, got {type(array).__name__}; build a tensor from other "
            "data with gradviz.tensor(...)"
        )
    as_dtype(array.dtype)
    return Tensor(array)


def _filled(shape, value, dtype, device, requires_grad):
    dtype = get_default_dtype() if dtype is None else as_dtype(dtype)
    xp = backend.device(device).xp
    return Tensor(xp.full(shape, value, dtype=dtype.numpy), requires_grad=requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _filled(shape_args(size, "zeros"), 0, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _filled(shape_args(size, "ones"), 1, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """A new tensor of ``size``; PyTorch leaves its memory uninitialised, gradviz fills it with zeros
    (so a forgotten write shows as zeros, not as garbage)."""
    return _filled(shape_args(size, "empty"), 0, dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None and isinstance(fill_value, bool):
        dtype = "bool"
    elif dtype is None and isinstance(fill_value, int):
        dtype = int64
    return _filled(shape_args((size,), "full"), fill_value, dtype, device, requires_grad)


def _like(other, dtype, device):
    return (other.dtype if dtype is None else dtype), (other.device if device is None else device)


def zeros_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    dtype, device = _like(input, dtype, device)
    return zeros(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    dtype, device = _like(input, dtype, device)
    return ones(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    dtype, device = _like(input, dtype, device)
    return empty(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):  # noqa: A002
    dtype, device = _like(input, dtype, device)
    return full(input.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if dtype is None:
        integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = int64 if integral else get_default_dtype()
    if step == 0 or (end - start) * step < 0:
        raise ValueError(
            f"arange: step {step} never gets from {start} to {end} (as in PyTorch, this is an error); "
            "give the step the sign of end - start"
        )
    return _make(np.arange(start, end, step), dtype, device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    return _make(np.linspace(start, end, steps), dtype, device, requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """``steps`` values from ``base**start`` to ``base**end``, evenly spaced in the exponent."""
    return _make(np.logspace(start, end, steps, base=base), dtype, device, requires_grad)


def _triangle_indices(op, row, col, offset, lower, dtype, device):
    rows, cols = shape_args((row, col), op)
    pick = np.tril_indices if lower else np.triu_indices
    return _make(np.stack(pick(rows, offset, cols)), dtype or int64, device, False)


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (row, column) indices of the lower triangle of a ``row`` × ``col`` matrix (``offset`` above
    or below the main diagonal), as a 2 × N tensor in row-major order."""
    return _triangle_indices("tril_indices", row, col, offset, True, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    return _triangle_indices("triu_indices", row, col, offset, False, dtype, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    return _make(np.eye(n, m), dtype, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    _require_floating("rand", dtype)
    return _make(rng(generator).random(shape_args(size, "rand")), dtype, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal."""
    _require_floating("randn", dtype)
    return _make(rng(generator).standard_normal(shape_args(size, "randn")), dtype, device, requires_grad)


def _require_floating(op, dtype):
    if dtype is not None and not as_dtype(dtype).is_floating_point:
        raise DtypeError(
            f"{op}: samples are floating point, so dtype must be too (got {as_dtype(dtype)}); for random "
            "integers use gradviz.randint"
        )


def randint(low, high=None, size=None, generator=None, dtype=None, device=None):
    """Integers in [low, high), as ``torch.randint(low, high, size)`` or ``torch.randint(high, size)``."""
    if size is None:
        low, high, size = 0, low, high
    low, high = shape_args((low, high), "randint")
    return _make(rng(generator).integers(low, high, size=tuple(size)), dtype or int64, device, False)


def randperm(n, generator=None, dtype=None, device=None):
    return _make(rng(generator).permutation(n), dtype or int64, device, False)


def randint_like(input, low=0, high=None, *, dtype=None, device=None):  # noqa: A002
    """Integers in [low, high) in ``input``'s shape (``randint_like(x, high)`` as in PyTorch); the dtype
    is ``input``'s unless given."""
    if high is None:
        low, high = 0, low
    dtype, device = _like(input, dtype, device)
    return randint(low, high, tuple(input.shape), dtype=dtype, device=device)


def rand_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    dtype, device = _like(input, dtype, device)
    return rand(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    dtype, device = _like(input, dtype, device)
    return randn(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)

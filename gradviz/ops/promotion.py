"""PyTorch's type promotion, for ops that combine values (``+``, ``where``, ``clamp``, ``==``, ``cat``...).

numpy's rules (NEP 50) differ: ``int_array * 0.5`` is float64 there, float32 in PyTorch; float32 with
int64 is float64 there, float32 in PyTorch; a 0-d array counts in full there. PyTorch's rule:

- dtypes fall in categories bool < integer < floating;
- operands rank by priority: tensors with dimensions, then 0-d tensors, then Python and NumPy scalars
  (a Python bool is bool, an int int64, a float the default dtype);
- within a priority the dtypes promote (the larger size wins; uint8 with int8 is int16), and a
  lower-priority operand changes the result only when its category is higher: ``int32 + 5`` is
  int32, ``int32 + 0.5`` float32, ``bool + 5`` int64, ``float16 + float64 0-d tensor`` float16.

Ops work on arrays (as ``Function.forward`` receives them), so promotion does too. ``promote`` casts;
the casts happen inside the op, so the graph keeps the original tensors and the engine casts their
gradients back to their own dtypes. Hot ops skip the call with one inline test when nothing can change:
same-dtype arrays, or a float array with a Python scalar.
"""

import numpy as np

from ..autograd.tensor import Tensor
from ..dtypes import as_dtype, from_numpy_dtype, get_default_dtype
from ..errors import DtypeError

__all__ = ["promote_types", "result_type"]

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
WEAK = frozenset((bool, int, float))  # scalars numpy already combines with a float array as PyTorch does
_PROMOTED = {}


def promote_types(type1, type2):
    """The dtype two gradviz dtypes promote to, as ``torch.promote_types``."""
    return from_numpy_dtype(promote_dtypes(as_dtype(type1).numpy, as_dtype(type2).numpy))


def result_type(tensor1, tensor2):
    """The dtype an op such as ``tensor1 + tensor2`` gives (tensors or numbers), as ``torch.result_type``."""
    operands = [x._data if isinstance(x, Tensor) else x for x in (tensor1, tensor2)]
    return from_numpy_dtype(result_dtype(*operands))


def promote_dtypes(a, b):
    """PyTorch's ``promote_types`` for numpy dtypes: a higher category wins outright (int64 with float16
    is float16, where numpy says float64); within a category numpy's rule agrees with PyTorch's."""
    key = (a, b)
    d = _PROMOTED.get(key)
    if d is None:
        ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
        d = _PROMOTED[key] = np.promote_types(a, b) if ca == cb else (a if ca > cb else b)
    return d


def _scalar_dtype(value):
    if value.__class__ is bool:
        return np.dtype(bool)
    if isinstance(value, (float, np.floating, np.bool_)):  # PyTorch reads a NumPy bool as a float
        return get_default_dtype().numpy
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    raise DtypeError(f"{value!r} is a complex number; gradviz has no complex dtype")


def _combine(higher, lower):
    """A higher- and a lower-priority group together: the lower one counts if its category is higher."""
    if lower is None:
        return higher
    if higher is None:
        return lower
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote_dtypes(higher, lower)
    return higher


def result_dtype(*operands):
    """The dtype PyTorch gives an op combining ``operands``: arrays, scalars, or None (ignored)."""
    dimensioned = zero_dim = scalar = None
    for x in operands:
        if x is None:
            continue
        if isinstance(x, (int, float, complex, np.generic)):
            scalar = _scalar_dtype(x) if scalar is None else promote_dtypes(scalar, _scalar_dtype(x))
        elif x.ndim:
            dimensioned = x.dtype if dimensioned is None else promote_dtypes(dimensioned, x.dtype)
        else:
            zero_dim = x.dtype if zero_dim is None else promote_dtypes(zero_dim, x.dtype)
    return _combine(dimensioned, _combine(zero_dim, scalar))


def promote(*operands, floating=False):
    """``operands`` cast to their result type (the default dtype if ``floating`` and that type is not
    floating, as ``/`` does)."""
    if len(operands) == 2 and _unchanged(*operands, floating):
        return operands
    dtype = result_dtype(*operands)
    if floating and dtype.kind != "f":
        dtype = get_default_dtype().numpy
    return cast(dtype, *operands)


def _unchanged(a, b, floating):
    """Whether numpy's result type for ``a`` and ``b`` is PyTorch's already, so nothing is cast: a Python
    number with a float array, on either side (``1 - out``, ``0.01 * grad``), or, for an op that keeps
    the dtype, two arrays of one kind with one of them bool (bool never widens the other, so the mask in
    ``grad * mask`` is not copied into a float array first)."""
    if a.__class__ in WEAK:
        a, b = b, a
    if b.__class__ in WEAK:
        return a.__class__ not in WEAK and not isinstance(a, np.generic) and a.dtype.kind == "f"
    if floating or a.__class__ is not b.__class__ or not hasattr(a, "dtype"):
        return False
    return a.dtype.kind == "b" or b.dtype.kind == "b"


def cast(dtype, *operands):
    """``operands`` ready for an array op that returns ``dtype``: arrays cast to it, NumPy scalars as
    Python ones, which numpy treats as weakly typed, as PyTorch treats scalars."""
    return tuple(_cast(x, dtype) for x in operands)


def _cast(x, dtype):
    if x is None or x.__class__ in WEAK:
        return x
    if isinstance(x, np.generic):
        return x.item()
    return x if x.dtype == dtype else x.astype(dtype)


def require_one_dtype(op, tensors, floating=False):
    """Refuse ``tensors`` (name: tensor or None) of different dtypes, or with ``floating`` a
    non-floating one, as PyTorch's matmul-based and conv kernels do instead of promoting."""
    given = {name: t for name, t in tensors.items() if t is not None}
    dtypes = {name: t.dtype for name, t in given.items()}
    if len(set(dtypes.values())) > 1 or (floating and not all(t.is_floating_point() for t in given.values())):
        names = list(tensors)
        listed = ", ".join(f"{name} {dtype}" for name, dtype in dtypes.items())
        raise DtypeError(
            f"{op}: {', '.join(names[:-1])} and {names[-1]} must share one "
            f"{'floating-point ' if floating else ''}dtype, got {listed}; convert them first, e.g. "
            "input.float(), or the module with .to(input.dtype)"
        )


def to_floating(x):
    """``x`` in the default dtype, for ops defined on reals only (exp, sin...), as PyTorch does for
    integer and bool inputs. Call it only when ``x.dtype.kind != "f"``."""
    return x.astype(get_default_dtype().numpy)

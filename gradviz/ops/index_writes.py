"""In-place forms written back from their out-of-place op, for tensors whose writes are not recorded
(no grad, or under ``no_grad``), as the other in-place methods: the writes by index (``scatter_``,
``scatter_add_``, ``index_add_``, ``index_fill_``, ``index_copy_``, ``index_put_``, ``masked_scatter_``,
``put_``, ``fill_diagonal_``: ``zeros(n, k).scatter_(1, idx, 1.0)``, the one-hot idiom, changes the
tensor it is called on), and the rest of PyTorch's in-place methods: comparisons and logical ops (their
True/False written as 1/0 in the tensor's dtype), bitwise ops, scans, triangles, ``nan_to_num_``,
``atan2_``, ``heaviside_`` and the scaled matrix products (``addmm_``...). A result of a higher kind than
the tensor (a float into an int tensor) is refused, as PyTorch refuses it."""

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..errors import DtypeError, ShapeError
from . import binary_math, comparison, elementary, linalg, pointwise, products, rearrange, scan, scattering
from .inplace import _refuse_recorded, require_result_fits
from .views import _diagonal_view

__all__ = []


def _written_back(name, out_of_place):
    """The method ``name``: ``out_of_place(self, ...)`` computed without recording and written into
    ``self``, which is returned."""

    def method(self, *args, **kwargs):
        self._check_inplace(name)
        for value in (*args, *kwargs.values()):
            if isinstance(value, Tensor):
                _refuse_recorded(name, value)
        with no_grad():
            out = out_of_place(self, *args, **kwargs)
        require_result_fits(self, name, out._data)
        if out._data.shape != self._data.shape:
            raise ShapeError(
                f"{name}: the result has shape {tuple(out._data.shape)}, which does not fit the tensor's "
                f"shape {tuple(self._data.shape)}; an in-place op cannot change the tensor's shape"
            )
        self._data[...] = out._data
        return self

    method.__name__ = method.__qualname__ = name
    return method


def _put(self, index, source, accumulate=False):
    """``put_``: ``self`` as if flattened, with ``source`` written (or added) at ``index``."""
    flat = self.reshape(-1)
    return scattering.index_put(flat, (index.reshape(-1),), source.reshape(-1), accumulate).reshape(
        self.shape
    )


def float_power_(self, exponent):
    """``float_power`` in place, for a float64 tensor only (its result is float64), as in PyTorch."""
    if self._data.dtype.kind != "f" or self._data.dtype.itemsize != 8:
        raise DtypeError(
            f"float_power_: the result is float64 and cannot be written into a {self.dtype} tensor; "
            "convert it first (x = x.double()) or use float_power"
        )
    return _float_power_written_back(self, exponent)


_float_power_written_back = _written_back("float_power_", binary_math.float_power)


def fill_diagonal_(self, fill_value, wrap=False):
    """Write ``fill_value`` on the main diagonal (every dim of equal size, or of a tall matrix its
    first columns; ``wrap`` starts again below a tall matrix's square top, as numpy and PyTorch)."""
    self._check_inplace("fill_diagonal_")
    shape = tuple(self._data.shape)
    if len(shape) < 2 or (len(shape) > 2 and len(set(shape)) > 1):
        raise ShapeError(
            f"fill_diagonal_: needs a matrix, or all dimensions of equal length; got shape {shape}"
        )
    data = self._data
    if len(shape) == 2 and wrap and shape[0] > shape[1]:
        for start in range(0, shape[0], shape[1] + 1):
            _diagonal_view(data[start:], 0, 0, 1)[...] = fill_value
    elif len(shape) == 2:
        _diagonal_view(data, 0, 0, 1)[...] = fill_value
    else:
        data[(range(shape[0]),) * len(shape)] = fill_value
    return self


METHODS = {
    "scatter_": _written_back("scatter_", scattering.scatter),
    "scatter_add_": _written_back("scatter_add_", scattering.scatter_add),
    "index_add_": _written_back("index_add_", scattering.index_add),
    "index_fill_": _written_back("index_fill_", scattering.index_fill),
    "index_copy_": _written_back("index_copy_", scattering.index_copy),
    "index_put_": _written_back("index_put_", scattering.index_put),
    "masked_scatter_": _written_back("masked_scatter_", scattering.masked_scatter),
    "put_": _written_back("put_", _put),
    "fill_diagonal_": fill_diagonal_,
    "float_power_": float_power_,
    **{
        f"{name}_": _written_back(f"{name}_", getattr(module, name))
        for module, names in (
            (comparison, ("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor")),
            (comparison, ("logical_not", "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor")),
            (scan, ("cumsum", "cumprod")),
            (rearrange, ("tril", "triu")),
            (pointwise, ("nan_to_num",)),
            (elementary, ("atan2", "arctan2")),
            (binary_math, ("heaviside", "gcd", "lcm")),
            (linalg, ("addmm",)),
            (products, ("addmv", "addr", "baddbmm", "addbmm")),
        )
        for name in names
    },
}

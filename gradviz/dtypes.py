"""Tensor dtypes: thin named wrappers over numpy dtypes, printed the PyTorch way (``gradviz.float32``)."""

import builtins

import numpy as np


class dtype:  # noqa: N801 - PyTorch's name
    __slots__ = ("name", "numpy", "is_floating_point", "itemsize")

    def __init__(self, name):
        self.name = name
        self.numpy = np.dtype(name)
        self.is_floating_point = self.numpy.kind == "f"
        self.itemsize = self.numpy.itemsize

    def __repr__(self):
        return f"gradviz.{self.name}"

    def __reduce__(self):  # copies (deepcopy of a model) keep the one shared instance
        return (as_dtype, (self.name,))


float16 = dtype("float16")
float32 = dtype("float32")
float64 = dtype("float64")
int8 = dtype("int8")
int16 = dtype("int16")
int32 = dtype("int32")
int64 = dtype("int64")
uint8 = dtype("uint8")
bool = dtype("bool")  # noqa: A001 - PyTorch's name

half, float, double, long, int = float16, float32, float64, int64, int32  # noqa: A001

_BY_NUMPY = {d.numpy: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8, bool)}
_default = [float32]


def as_dtype(spec):
    """A gradviz dtype from a gradviz dtype, a numpy dtype or type, or a name such as ``'float32'``."""
    if spec.__class__ is dtype:
        return spec
    try:
        return _BY_NUMPY[np.dtype(spec)]
    except (TypeError, KeyError):
        known = ", ".join(sorted(d.name for d in _BY_NUMPY.values()))
        raise TypeError(f"unsupported dtype {spec!r}; gradviz tensors support {known}") from None


def from_numpy_dtype(np_dtype):
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(f"numpy dtype {np_dtype} has no gradviz equivalent") from None


_NAMES = {}


def dtype_name(np_dtype):
    """``np_dtype.name``, remembered: numpy computes it in Python (~5 µs), and events ask per tensor."""
    name = _NAMES.get(np_dtype)
    if name is None:
        name = _NAMES[np_dtype] = np_dtype.name
    return name


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating point dtypes can be the default, got {d}")
    _default[0] = d


class finfo:  # noqa: N801 - PyTorch's name
    """Machine limits of a floating dtype (``torch.finfo``): ``bits``, ``eps``, ``max``, ``min``, ``tiny``
    (= ``smallest_normal``), ``resolution`` and ``dtype`` (its name). ``finfo()`` describes the default
    dtype."""

    def __init__(self, type=None):  # noqa: A002 - PyTorch's name
        d = get_default_dtype() if type is None else as_dtype(type)
        if not d.is_floating_point:
            raise TypeError(f"finfo() requires a floating point dtype, got {d}; use gradviz.iinfo for it")
        info = np.finfo(d.numpy)
        self.bits = builtins.int(info.bits)
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -builtins.int(info.precision)  # 10**-precision, as PyTorch reports it
        self.dtype = d.name

    def __repr__(self):
        fields = ("resolution", "min", "max", "eps", "smallest_normal", "tiny")
        values = ", ".join(f"{name}={getattr(self, name):g}" for name in fields)
        return f"finfo({values}, dtype={self.dtype})"


class iinfo:  # noqa: N801 - PyTorch's name
    """Limits of an integer dtype (``torch.iinfo``): ``bits``, ``max``, ``min`` and ``dtype`` (its name)."""

    def __init__(self, type):  # noqa: A002 - PyTorch's name
        d = as_dtype(type)
        if d.numpy.kind not in "iu":
            hint = "; use gradviz.finfo for it" if d.is_floating_point else ""
            raise TypeError(f"iinfo() requires an integer dtype, got {d}{hint}")
        info = np.iinfo(d.numpy)
        self.bits = builtins.int(info.bits)
        self.max = builtins.int(info.max)
        self.min = builtins.int(info.min)
        self.dtype = d.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"

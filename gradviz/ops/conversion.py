"""Copies between dtypes and devices (``to``, ``cpu``, ``cuda``, ``float``, ``type``...) and ``clone``.
All are differentiable: the gradient travels back to the source dtype and device."""

from .. import backend, dtypes
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..dtypes import as_dtype, float16, float32, float64, int8, int16, int32, int64, uint8
from ..dtypes import bool as bool_dtype
from .tensor_first import require_tensor

__all__ = ["to", "clone"]


class ToDtype(Function):
    name = "to"

    @staticmethod
    def forward(ctx, x, target):
        ctx.source = x.dtype
        return x.astype(target.numpy)

    @staticmethod
    def backward(ctx, grad):
        return ToDtype.apply(grad, as_dtype(ctx.source)), None


class ToDevice(Function):
    name = "to"

    @staticmethod
    def forward(ctx, x, target):
        ctx.source = backend.device_of(x)
        return backend.to_device(x, target)

    @staticmethod
    def backward(ctx, grad):
        return ToDevice.apply(grad, ctx.source), None


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def _parse_to(args, kwargs):
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("copy", None)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to() got unexpected arguments {sorted(kwargs)}")
    for arg in args:
        if isinstance(arg, Tensor):
            device, dtype = arg.device, arg.dtype
        elif isinstance(arg, (dtypes.dtype, type)) or (
            isinstance(arg, str) and arg.startswith(("float", "int", "bool"))
        ):
            dtype = arg
        else:
            device = arg
    return device, dtype


def to(self, *args, **kwargs):
    """``x.to(device)``, ``x.to(dtype)``, ``x.to(other)``, ``x.to(device, dtype)``; ``x`` itself when
    nothing changes, as in PyTorch."""
    device, dtype = _parse_to(args, kwargs)
    out = self
    if dtype is not None and as_dtype(dtype).numpy != self._data.dtype:
        out = ToDtype.apply(out, as_dtype(dtype))
    if device is not None and backend.device(device) != self.device:
        out = ToDevice.apply(out, backend.device(device))
    return out


_TYPE_NAMES = {
    float16: "HalfTensor",
    float32: "FloatTensor",
    float64: "DoubleTensor",
    int8: "CharTensor",
    int16: "ShortTensor",
    int32: "IntTensor",
    int64: "LongTensor",
    uint8: "ByteTensor",
    bool_dtype: "BoolTensor",
}
_BY_TYPE_NAME = {name: d for d, name in _TYPE_NAMES.items()}


def type_name(self):
    """PyTorch's type string with gradviz's prefix: ``'gradviz.FloatTensor'`` on the CPU,
    ``'gradviz.cuda.FloatTensor'`` (``'gradviz.sim.FloatTensor'``) on another device."""
    device = self.device.type
    return f"gradviz.{'' if device == 'cpu' else device + '.'}{_TYPE_NAMES[self.dtype]}"


def _parse_type_name(name):
    """The (device, dtype) a type string names; like PyTorch's, a string without a device means the CPU."""
    parts = name.split(".")
    dtype = _BY_TYPE_NAME.get(parts[-1])
    if parts[0] != "gradviz" or len(parts) not in (2, 3) or dtype is None:
        raise ValueError(
            f"invalid type: {name!r}; expected a dtype (e.g. gradviz.float64) or a type string such as "
            "'gradviz.DoubleTensor' or 'gradviz.cuda.DoubleTensor'"
        )
    return (parts[1] if len(parts) == 3 else "cpu"), dtype


def type_(self, dtype=None, non_blocking=False):
    """``x.type()``: the type string (``type_name``); ``x.type(dtype)``: ``x.to(dtype)`` (``x`` itself
    when the dtype is already right), where ``dtype`` is a dtype or a type string, as in PyTorch."""
    if dtype is None:
        return type_name(self)
    if isinstance(dtype, str):
        device, dtype = _parse_type_name(dtype)
        return to(self, device, dtype)
    if not isinstance(dtype, (dtypes.dtype, type)):
        raise TypeError(f"type(): dtype must be a type, str, or dtype object, got {type(dtype).__name__}")
    return to(self, dtype)


def clone(input):  # noqa: A002 - PyTorch's argument name
    return Clone.apply(input)


def _cast(target):
    return lambda self: to(self, target)


METHODS = {
    "to": to,
    "cpu": lambda self: to(self, "cpu"),
    "cuda": lambda self, device=None: to(self, "cuda" if device is None else f"cuda:{device}"),
    "clone": clone,
    "type": type_,
    "type_as": lambda self, other: to(self, require_tensor("type_as", "other", other).dtype),
    "half": _cast(float16),
    "byte": _cast(uint8),
    "char": _cast(int8),
    "short": _cast(int16),
    "float": _cast(float32),
    "double": _cast(float64),
    "int": _cast(int32),
    "long": _cast(int64),
    "bool": _cast(bool_dtype),
}

"""Where tensor data lives: devices, their array modules, and the few device-specific kernels.

Ops never import numpy for data math; they ask ``xp = array_module(data)`` (Chainer's
``get_array_module``) and write numpy-API code that runs unchanged on CuPy and on the simulated device.

numpy's floating-point warnings ("divide by zero encountered in log") are silenced where gradviz's own
code raises them: PyTorch gives inf and NaN without a word (``detect_anomaly`` and the recorder are the
tools that find them), and a warning that points into gradviz's source tells a student nothing. Warnings
from the user's own numpy code are left alone.
"""

import warnings

import numpy as np

from ..errors import DeviceError
from . import simulated

warnings.filterwarnings(
    "ignore", r"(divide by zero|invalid value|overflow|underflow) encountered", RuntimeWarning, r"gradviz\."
)

_CUPY_HINT = (
    "device 'cuda' needs CuPy and an NVIDIA GPU: install the GPU extra with "
    "`pip install 'gradviz-lab[gpu]'` (CuPy for CUDA 12), or use device='cpu'"
)


def _cupy():
    try:
        import cupy
    except ImportError:
        raise DeviceError(_CUPY_HINT + " (CuPy is not installed)") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CuPy raises its own CUDA errors when no driver is present
        raise DeviceError(f"{_CUPY_HINT} (CuPy found no usable GPU: {exc})") from None
    if count == 0:
        raise DeviceError(_CUPY_HINT + " (no GPU is visible)")
    return cupy


def cuda_is_available():
    try:
        _cupy()
    except RuntimeError:
        return False
    return True


class Device:
    """A place for tensor data: ``cpu`` (numpy), ``cuda[:n]`` (CuPy) or ``sim`` (the simulated device)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - PyTorch's name
        self.type = type
        self.index = index

    @property
    def xp(self):
        if self.type == "cpu":
            return np
        if self.type == "sim":
            return simulated.xp
        return _cupy()

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, Device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))


CPU = Device("cpu")
SIM = Device("sim")


def device(spec):
    """Parse ``'cpu'``, ``'cuda'``, ``'cuda:1'``, ``'sim'`` or a :class:`Device`."""
    if spec is None:
        return CPU
    if isinstance(spec, Device):
        return spec
    if isinstance(spec, str):
        kind, _, index = spec.partition(":")
        if kind == "cpu" and not index:
            return CPU
        if kind == "sim" and not index:
            return SIM
        if kind == "cuda" and (not index or index.isdigit()):
            return Device("cuda", int(index) if index else 0)
    raise ValueError(f"unknown device {spec!r}: expected 'cpu', 'cuda', 'cuda:N' or 'sim'")


def array_module(data):
    """The numpy-compatible module that computes on ``data``'s device."""
    cls = data.__class__
    if cls is np.ndarray:
        return np
    if cls is simulated.SimArray:
        return simulated.xp
    if cls.__module__.startswith("cupy"):
        import cupy

        return cupy
    return np


def device_of(data):
    cls = data.__class__
    if cls is np.ndarray:
        return CPU
    if cls is simulated.SimArray:
        return SIM
    if cls.__module__.startswith("cupy"):
        return Device("cuda", data.device.id)
    return CPU


def memory_owner(data):
    """The array whose memory ``data`` looks at: ``data`` itself unless it is a view of another array;
    on the simulated device, the host array underneath. A plain view points at the owner, but a strided
    view (``as_strided``, ``sliding_window_view``: the diagonal, ``unfold``) points at a holder object
    whose own ``base`` leads on to it, so the chain is followed to its end."""
    if data.__class__ is simulated.SimArray:
        data = data._a
    owner, base = data, data.base
    while base is not None:
        if base.__class__ is data.__class__:
            owner = base
        base = getattr(base, "base", None)
    return owner


def is_view(data):
    host = data._a if data.__class__ is simulated.SimArray else data
    return memory_owner(data) is not host


def to_device(data, target):
    """``data`` (an array on any device, or host data) as an array on ``target``."""
    source = device_of(data) if hasattr(data, "dtype") else CPU
    if source == target:
        return data
    host = to_host(data) if source != CPU else np.asarray(data)
    if target.type == "cpu":
        return host
    if target.type == "sim":
        return simulated.to_device(host)
    cupy = _cupy()
    with cupy.cuda.Device(target.index or 0):
        return cupy.asarray(host)


def to_host(data):
    """A numpy array with ``data``'s values (an explicit device-to-host copy off the CPU)."""
    cls = data.__class__
    if cls is np.ndarray:
        return data
    if cls is simulated.SimArray:
        return simulated.to_host(data)
    if cls.__module__.startswith("cupy"):
        return data.get()
    return np.asarray(data)


def scatter_add(target, index, values):
    """``target[index] += values`` with repeated indices accumulating (unbuffered), in place."""
    cls = target.__class__
    if cls is np.ndarray:
        np.add.at(target, index, values)
    elif cls is simulated.SimArray:
        simulated.scatter_add(target, index, values)
    else:
        import cupyx

        cupyx.scatter_add(target, index, values)

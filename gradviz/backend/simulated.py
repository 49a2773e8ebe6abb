"""A simulated accelerator for tests: numpy underneath, CuPy's rules on top.

Like ``cupy.ndarray``, a :class:`SimArray` refuses to mix with plain numpy arrays and refuses implicit
conversion to one; data crosses to the host only through :func:`to_host`. Running the op suite on this
device makes every host/device mix-up in the engine fail a test, on machines without a GPU.
"""

import types

import numpy as np

_HOST_OK = {"asarray", "array", "ascontiguousarray"}


class DeviceMixError(TypeError):
    pass


def _unwrap(obj, host_ok=False):
    cls = obj.__class__
    if cls is SimArray:
        return obj._a
    if cls is np.ndarray:
        if host_ok:
            return obj
        raise DeviceMixError(
            f"Unsupported type {cls}: a host numpy array met an array on the simulated device "
            "(move it to the device first)"
        )
    if cls is tuple or cls is list:
        return cls(_unwrap(o, host_ok) for o in obj)
    if cls is dict:
        return {k: _unwrap(v, host_ok) for k, v in obj.items()}
    return obj


def _wrap(obj):
    if isinstance(obj, np.ndarray):
        return SimArray(obj)
    if isinstance(obj, np.generic):
        return SimArray(np.asarray(obj))
    if isinstance(obj, tuple):  # numpy.linalg's named results come back as plain tuples, as CuPy's
        return tuple(_wrap(o) for o in obj)
    if obj.__class__ is list:
        return [_wrap(o) for o in obj]
    return obj


def _wrapped(fn, host_ok=False):
    def call(*args, **kwargs):
        return _wrap(fn(*_unwrap(args, host_ok), **_unwrap(kwargs, host_ok)))

    call.__name__ = getattr(fn, "__name__", "sim_function")
    return call


class _SimUfunc:
    def __init__(self, ufunc):
        self._ufunc = ufunc
        self._call = _wrapped(ufunc)

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)

    def __getattr__(self, name):
        return _wrapped(getattr(self._ufunc, name))


class SimArray(np.lib.mixins.NDArrayOperatorsMixin):
    """An array on the simulated device."""

    __slots__ = ("_a",)

    def __init__(self, host_array):
        self._a = host_array

    def __array__(self, dtype=None, copy=None):
        raise DeviceMixError(
            "Implicit conversion to a NumPy array is not allowed for arrays on the simulated device: "
            "use to_host() explicitly"
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _wrap(getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs)))

    def __array_function__(self, func, types, args, kwargs):
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))

    def __getattr__(self, name):
        if name.startswith("__"):  # __array_interface__ and friends would hand numpy the host buffer
            raise AttributeError(name)
        attr = getattr(self._a, name)
        return _wrapped(attr) if callable(attr) else _wrap(attr)

    def __getitem__(self, key):
        return _wrap(self._a[_unwrap(key)])

    def __setitem__(self, key, value):
        self._a[_unwrap(key)] = _unwrap(value)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(row) for row in self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __bool__(self):
        return bool(self._a)

    def __repr__(self):
        return f"SimArray({self._a!r})"


class _SimModule(types.ModuleType):
    """``numpy``'s namespace, with every function taking and returning :class:`SimArray`."""

    def __init__(self, name, numpy_module):
        super().__init__(name)
        self._np = numpy_module

    def __getattr__(self, name):
        obj = getattr(self._np, name)
        if isinstance(obj, np.ufunc):
            wrapped = _SimUfunc(obj)
        elif isinstance(obj, types.ModuleType):
            wrapped = _SimModule(f"{self.__name__}.{name}", obj)
        elif callable(obj) and not isinstance(obj, type):
            wrapped = _wrapped(obj, host_ok=name in _HOST_OK)
        else:
            wrapped = obj
        setattr(self, name, wrapped)
        return wrapped


xp = _SimModule("gradviz.backend.simulated.xp", np)
xp.ndarray = SimArray


def to_device(host_array):
    return SimArray(np.array(host_array, copy=True))


def to_host(array):
    return array._a.copy()


def scatter_add(target, index, values):
    np.add.at(target._a, _unwrap(index), _unwrap(values))

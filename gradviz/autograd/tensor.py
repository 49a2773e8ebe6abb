"""The Tensor: one array of data on a device, plus what autograd needs to know about it.

Differentiable methods (``+``, ``exp``, ``sum``, ``reshape``...) are ops; they are attached to the class
by ``gradviz.ops.methods`` so that this file holds only the data-and-graph side of a tensor.
"""

import copy
import itertools
import weakref
from functools import partial

import numpy as np

from .. import backend
from ..dtypes import from_numpy_dtype, get_default_dtype
from ..errors import DtypeError, GraphError
from . import printing
from .grad_mode import state as grad_state

_ids = itertools.count()


class Tensor:
    __slots__ = (
        "_data",
        "_requires_grad",
        "_grad",
        "grad_fn",
        "_output_nr",
        "_id",
        "_hooks",
        "_rebased",  # set only by an in-place op recorded on a tensor in the graph (ops.recorded_in_place)
        "__weakref__",
    )
    __array_priority__ = 1000  # numpy scalars on the left defer to Tensor's reflected operators

    def __init__(self, data, requires_grad=False):
        self._data = data if data.__class__ is np.ndarray else _as_array(data)
        self._grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._id = next(_ids)
        self._hooks = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ---- data ----
    @property
    def data(self):
        """The values as a tensor that shares this one's memory and requires no grad, as in PyTorch, so
        ``p.data.zero_()`` and ``w.data.normal_(0, 0.02)`` change ``p`` and ``w``. Unlike PyTorch, such a
        write is still seen by a backward that saved the old values (it raises instead of using the new
        ones). Assigning a tensor or an array replaces the values, as ``p.data = ...`` does."""
        return wrap(self._data)

    @data.setter
    def data(self, value):
        array = value._data if isinstance(value, Tensor) else value
        if isinstance(array, np.generic):
            array = np.asarray(array)
        if not (hasattr(array, "shape") and hasattr(array, "dtype")):
            raise TypeError(
                f"data: assign a tensor or an array, not {type(value).__name__}; "
                "convert it first with gradviz.tensor(...)"
            )
        if self._requires_grad and array.dtype.kind != "f":
            raise DtypeError(
                f"data: this tensor requires grad, so its data must be floating point, not {array.dtype}; "
                "convert the new values with .float()"
            )
        self._data = array
        mark_written(self)  # a backward that saved this tensor must not use the new values

    @property
    def shape(self):
        return Size(self._data.shape)

    @property
    def dtype(self):
        return from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return backend.device_of(self._data)

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def size(self, dim=None):
        return self.shape if dim is None else self._data.shape[dim]

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def is_contiguous(self):
        return bool(self._data.flags.c_contiguous)

    def element_size(self):
        return self._data.dtype.itemsize

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def item(self):
        if self._data.size != 1:
            raise ValueError(
                f"item(): a Tensor with {self._data.size} elements cannot be converted to a Python scalar; "
                "index one element first or use tolist()"
            )
        return self._data.item()

    def tolist(self):
        return backend.to_host(self._data).tolist()

    def numpy(self):
        if self.device.type != "cpu":
            raise TypeError(
                f"numpy(): the tensor is on device {self.device}; copy it to the host first with .cpu()"
            )
        if self.requires_grad:
            raise RuntimeError("numpy(): the tensor requires grad; call .detach().numpy() instead")
        return self._data

    def __array__(self, dtype=None, copy=None):
        array = self.detach().numpy()
        return array if dtype is None else array.astype(dtype)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype}")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self):
        """PyTorch's print (see ``gradviz.set_printoptions``): dtype shown unless it is the default,
        int64 or bool, device unless cpu, then grad_fn or requires_grad."""
        host = backend.to_host(self._data)
        suffixes = []
        if self.device.type != "cpu":
            suffixes.append(f"device='{self.device}'")
        shown_dtype = self.dtype
        if host.size == 0:
            if host.ndim != 1:
                suffixes.append(f"size={tuple(host.shape)}")
            if shown_dtype == get_default_dtype():
                shown_dtype = None
        else:
            if not printing.options.edgeitems:
                suffixes.append(f"size={tuple(host.shape)}")
            if shown_dtype.name in ("int64", "bool") or shown_dtype == get_default_dtype():
                shown_dtype = None
        if shown_dtype is not None:
            suffixes.append(f"dtype={shown_dtype}")
        if self.grad_fn is not None:
            suffixes.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            suffixes.append("requires_grad=True")
        return printing.with_suffixes("tensor(" + printing.tensor_str(host, len("tensor(")), suffixes, 7)

    def __deepcopy__(self, memo):
        """A new leaf with its own id and a copy of the data (models are deep-copied, e.g. Transformer
        layers); as in PyTorch, only leaves can be copied."""
        if self.grad_fn is not None:
            raise GraphError("deepcopy: only leaf tensors can be copied; call .detach() first")
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        Tensor.__init__(new, self._data.copy(), requires_grad=self.requires_grad)
        new.grad = copy.deepcopy(self.grad, memo)
        if hasattr(self, "__dict__"):
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    # ---- autograd ----
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, requires_grad):
        self.requires_grad_(requires_grad)

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, grad):
        if grad is not None:
            _check_grad_fits(self, grad)
        self._grad = grad

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self._data.dtype.kind != "f":
            raise DtypeError(
                f"only floating point tensors can require gradients, but this tensor is {self.dtype}; "
                "convert it first, e.g. x.float().requires_grad_()"
            )
        if not requires_grad and self.grad_fn is not None:
            raise GraphError(
                "requires_grad_(False) on a non-leaf tensor: use .detach() to get a tensor outside the graph"
            )
        self._requires_grad = bool(requires_grad)
        return self

    def detach(self):
        """A new leaf sharing this tensor's data; an in-place write to either is seen by the other's
        saved-for-backward check, which follows the memory (PyTorch shares the version counter)."""
        return Tensor(self._data)

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise GraphError("retain_grad() on a tensor that does not require grad")
        if self.grad_fn is not None:
            self.grad_fn.retain_output_grad(self._output_nr, weakref.ref(self))
        return self

    @property
    def retains_grad(self):
        """Whether ``retain_grad()`` was called on this non-leaf tensor."""
        node = self.grad_fn
        return node is not None and node._retained is not None and self._output_nr in node._retained

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None return replaces it."""
        if not self.requires_grad:
            raise GraphError("register_hook() on a tensor that does not require grad")
        if self.grad_fn is not None:
            return self.grad_fn.register_output_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        return RemovableHandle(self._hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .engine import backward

        backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph, inputs)

    def zero_(self):
        self._check_inplace("zero_")
        self._data[...] = 0
        return self

    def _check_inplace(self, op):
        """Called by every in-place method before it writes: refuses what cannot be recorded, and
        stamps the write so that a backward needing the old values fails instead of using new ones."""
        if grad_state.enabled and self._requires_grad:
            raise GraphError(
                f"{op}: a tensor that requires grad cannot be modified in place while gradients are "
                "recorded; wrap the update in `with gradviz.no_grad():` (as optimizers do)"
            )
        mark_written(self)


class _WriteClock:
    """Counts in-place writes, and keeps the count of the last write into each buffer, keyed by the
    array that owns the memory (``backend.memory_owner``), so views and detached tensors share it. A
    graph node notes the count when it saves tensors, so ``written since saved`` is one lookup, and
    only writes pay for it, not ops: PyTorch's version counters, with one clock for all tensors."""

    __slots__ = ("now", "last")

    def __init__(self):
        self.now = 0
        self.last = {}  # id(owner) -> [weak reference to the owner, count of its last write]


writes = _WriteClock()


def mark_written(tensor):
    owner = backend.memory_owner(tensor._data)
    writes.now += 1
    entry = _last_write(owner)
    if entry is not None:
        entry[1] = writes.now
    else:
        writes.last[id(owner)] = [weakref.ref(owner, partial(_forget, id(owner))), writes.now]


def _last_write(owner):
    """The clock's entry for ``owner``, if it is this array's (not a dead array's whose id was reused)."""
    entry = writes.last.get(id(owner))
    return entry if entry is not None and entry[0]() is owner else None


def _forget(key, ref):
    entry = writes.last.get(key)
    if entry is not None and entry[0] is ref:
        del writes.last[key]


def written_after(tensor, count):
    entry = _last_write(backend.memory_owner(tensor._data))
    return entry is not None and entry[1] > count


def grad_mismatches(grad, tensor):
    """How ``grad`` fails to be a gradient for ``tensor``: {"shape"/"dtype"/"device": (got, expected)}."""
    found = {}
    if grad._data.shape != tensor._data.shape:
        found["shape"] = (tuple(grad._data.shape), tuple(tensor._data.shape))
    if grad._data.dtype != tensor._data.dtype:
        found["dtype"] = (grad.dtype, tensor.dtype)
    if grad.device != tensor.device:
        found["device"] = (grad.device, tensor.device)
    return found


def _check_grad_fits(tensor, grad):
    if not isinstance(grad, Tensor):
        raise TypeError(f"assigned grad must be a Tensor or None, got {type(grad).__name__}")
    problems = grad_mismatches(grad, tensor)
    if problems:
        described = " and ".join(f"{what} {got} instead of {want}" for what, (got, want) in problems.items())
        raise ValueError(
            f"assigned grad has {described}: a tensor's .grad must match it; "
            "convert it first, e.g. with .reshape, .to(dtype) or .to(device)"
        )


class Size(tuple):
    """A tensor's shape: a tuple that prints like PyTorch's ``torch.Size``."""

    def __repr__(self):
        return f"gradviz.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


class RemovableHandle:
    """Returned by every ``register_*hook``: ``remove()`` unregisters the hook."""

    def __init__(self, hooks, hook):
        self.hooks = hooks
        self.hook = hook
        hooks.append(hook)

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _as_array(data):
    """What ``Tensor(data)`` holds: an array as it is, a tensor's array (shared, as ``.data``), or a list
    copied into the default dtype (PyTorch's legacy ``torch.Tensor([1, 2])``)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, np.generic):
        return np.asarray(data)
    if hasattr(data, "shape") and hasattr(data, "dtype"):
        return data
    if isinstance(data, (list, tuple)):
        return np.array(data, dtype=get_default_dtype().numpy)
    raise TypeError(
        f"Tensor(): expected an array, a tensor or a list, got {type(data).__name__}; build a tensor "
        "from a number with gradviz.tensor(...), or of a given size with gradviz.zeros(...)"
    )


def wrap(raw):
    """A fresh tensor around an op's output array (the engine's fast constructor)."""
    t = Tensor.__new__(Tensor)
    t._data = raw
    t._requires_grad = False
    t._grad = None
    t.grad_fn = None
    t._output_nr = 0
    t._id = next(_ids)
    t._hooks = None
    return t

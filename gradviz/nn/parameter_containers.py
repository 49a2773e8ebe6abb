"""``ParameterList`` and ``ParameterDict``: parameters held in a list or a dict and registered under
PyTorch's names (``0``, ``1``... or the dict's keys), so ``named_parameters()``, ``state_dict()``,
``to()``, ``zero_grad()``, optimizers and the recorder all see them. A plain tensor put in is wrapped as
a ``Parameter`` (sharing its data), as PyTorch does; other objects are held as they are."""

import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from ..autograd.tensor import Tensor
from ..errors import GradvizError
from .module import Module
from .parameter import Parameter


class MissingKeyError(GradvizError, KeyError, AttributeError):
    """A ParameterDict key that is not there: a ``KeyError`` as for a dict, and the ``AttributeError``
    PyTorch raises (it looks keys up as attributes)."""


def _as_parameter(value):
    return Parameter(value) if isinstance(value, Tensor) and not isinstance(value, Parameter) else value


def _entry(key, value):
    """One line of the repr, PyTorch's layout: ``(0): Parameter containing: [dtype of size 3x4]``."""
    if not isinstance(value, Tensor):
        return f"  ({key}): Object of type: {type(value).__name__}"
    kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
    size = "x".join(str(s) for s in value.shape)
    device = "" if value.device.type == "cpu" else f" ({value.device})"
    return f"  ({key}): {kind} containing: [{value.dtype} of size {size}{device}]"


class ParameterList(Module):
    """A list of parameters named ``0``, ``1``...: index, slice, iterate, ``append``, ``extend``, ``+=``.
    Like PyTorch's, it has no ``insert``, ``pop`` or ``del``: the names are state_dict keys, and
    renumbering them would silently misload checkpoints and misalign optimizer state."""

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self += values

    def _key(self, index):
        index = operator.index(index)
        if not -len(self) <= index < len(self):
            raise IndexError(
                f"ParameterList: index {index} is out of range for {len(self)} entries; append to grow it"
            )
        return str(index % len(self))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)().extend([self[i] for i in range(*index.indices(len(self)))])
        return getattr(self, self._key(index))

    def __setitem__(self, index, value):
        setattr(self, self._key(index), _as_parameter(value))

    def __len__(self):
        return self._size

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __iadd__(self, values):
        return self.extend(values)

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, value):
        self._size += 1
        try:
            self[len(self) - 1] = value
        except Exception:
            self._size -= 1
            raise
        return self

    def extend(self, values):
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(
                f"ParameterList.extend should be called with an iterable, but got {type(values).__name__}; "
                "to add one tensor use append"
            )
        for value in list(values):  # a list first: extending the list with itself
            self.append(value)
        return self

    def extra_repr(self):
        return "\n".join(_entry(i, value) for i, value in enumerate(self))

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called; index it, e.g. params[0], inside a forward")


class ParameterDict(Module):
    """An ordered dict of parameters named by their keys, with the dict methods PyTorch's has.

    As in PyTorch, ``update`` (and the constructor) add the items of a plain ``dict`` in sorted key order,
    and those of an ``OrderedDict``, a ParameterDict or a sequence of pairs in their own order."""

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _checked(key):
        if not isinstance(key, str):
            raise TypeError(
                f"ParameterDict keys must be strings, got {type(key).__name__} {key!r}: a key becomes the "
                "parameter's name in named_parameters() and state_dict(); use str(key)"
            )
        return key

    def _present(self, key):
        if self._checked(key) not in self._keys:
            raise MissingKeyError(f"ParameterDict has no key {key!r}; its keys are {list(self._keys)}")
        return key

    def __getitem__(self, key):
        return getattr(self, self._present(key))

    def __setitem__(self, key, value):
        setattr(self, self._checked(key), _as_parameter(value))
        self._keys[key] = None  # only once the name was accepted

    def __delitem__(self, key):
        delattr(self, self._present(key))
        del self._keys[key]

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(self._keys)

    def __contains__(self, key):
        return key in self._keys

    def keys(self):
        return self._keys.keys()

    def items(self):
        return ((key, self[key]) for key in self._keys)

    def values(self):
        return (self[key] for key in self._keys)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        """Remove and return the last inserted ``(key, value)`` pair."""
        if not self._keys:
            raise KeyError("popitem(): ParameterDict is empty")
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def copy(self):
        """A new ParameterDict holding the same parameters."""
        return ParameterDict(OrderedDict(self.items()))

    def fromkeys(self, keys, default=None):
        return ParameterDict((key, default) for key in keys)

    def update(self, parameters):
        """Add or replace entries from a mapping or an iterable of ``(key, value)`` pairs."""
        if not isinstance(parameters, Iterable):
            raise TypeError(
                "ParameterDict.update should be called with a mapping or an iterable of key/value pairs, "
                f"but got {type(parameters).__name__}"
            )
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())
        else:
            pairs = [self._pair(j, p) for j, p in enumerate(parameters)]
        for key, value in pairs:
            self[key] = value

    @staticmethod
    def _pair(j, pair):
        if not isinstance(pair, Iterable):
            raise TypeError(
                f"ParameterDict update sequence element #{j} should be a (key, value) pair; "
                f"is {type(pair).__name__}"
            )
        pair = tuple(pair)
        if len(pair) != 2:
            raise ValueError(
                f"ParameterDict update sequence element #{j} has length {len(pair)}; 2 is required "
                "(a key and a value)"
            )
        return pair

    def __or__(self, other):
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other):
        merged = other.copy()
        merged.update(self)
        return merged

    def __ior__(self, other):
        self.update(other)
        return self

    def extra_repr(self):
        return "\n".join(_entry(key, value) for key, value in self.items())

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterDict should not be called; look a parameter up, e.g. params['weight']")

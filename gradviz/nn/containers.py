"""``Sequential``, ``ModuleList`` and ``ModuleDict``, with PyTorch's indexing and naming (``0``, ``1``...).

Joining and repeating (``+``, ``+=``, ``*``) share the modules, as in PyTorch: ``a + b`` is a new
container holding the very layers of ``a`` and ``b``, and ``seq * 2`` runs each layer twice."""

import operator
from collections import OrderedDict
from collections.abc import Iterable

from .module import Module, _structure_changed


class _Indexed(Module):
    """What Sequential and ModuleList share: modules at integer positions, edited as in PyTorch (deleting
    or inserting renumbers the keys ``0``, ``1``...). Subclasses define ``_sliced(items)``: what a slice
    returns."""

    def _key_at(self, index):
        """The key at position ``index`` (negative counts from the end)."""
        keys = list(self._modules)
        index = operator.index(index)
        if not -len(keys) <= index < len(keys):
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for {len(keys)} modules")
        return keys[index]

    def _renumber(self, modules):
        self._modules.clear()
        for index, module in enumerate(modules):
            self.add_module(str(index), module)
        _structure_changed()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._sliced(list(self._modules.items())[index])
        return self._modules[self._key_at(index)]

    def __setitem__(self, index, module):
        self.add_module(self._key_at(index), module)

    def __delitem__(self, index):
        keys = list(self._modules)[index] if isinstance(index, slice) else [self._key_at(index)]
        for key in keys:
            del self._modules[key]
        self._renumber(list(self._modules.values()))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        if not isinstance(modules, Iterable):
            raise TypeError(
                f"{type(self).__name__}.extend should be called with an iterable of modules, but got "
                f"{type(modules).__name__}; wrap a single module as [module] or use append"
            )
        for module in list(modules):  # a list first: extending a container with itself
            self.append(module)
        return self

    def insert(self, index, module):
        if not isinstance(module, Module):  # before renumbering, which would leave the container empty
            raise TypeError(f"{type(self).__name__}.insert: {type(module).__name__} is not a Module subclass")
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)
        return self

    def pop(self, index):
        module = self[index]
        del self[index]
        return module


class Sequential(_Indexed):
    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, input):  # noqa: A002 - PyTorch's argument name
        for module in self._modules.values():
            input = module(input)
        return input

    def _sliced(self, items):
        return Sequential(OrderedDict(items))

    def insert(self, index, module):
        """Insert before position ``index``, from ``-len`` to ``len`` (PyTorch refuses the rest)."""
        if not -len(self) <= operator.index(index) <= len(self):
            raise IndexError(
                f"Sequential.insert: index {index} is out of range for {len(self)} modules "
                f"(expected {-len(self)} to {len(self)})"
            )
        return super().insert(index, module)

    def _other_sequential(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(
                f"add operator supports only objects of Sequential class, but {type(other)} is given; "
                "wrap the modules as Sequential(*modules), or use extend"
            )
        return other

    def __add__(self, other):
        """A new Sequential of this one's modules, then ``other``'s, numbered ``0``, ``1``..."""
        return Sequential(*self, *self._other_sequential(other))

    def __iadd__(self, other):
        return self.extend(self._other_sequential(other))

    def _repeats(self, times):
        if not isinstance(times, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(times)}")
        if times <= 0:
            raise ValueError(
                f"Non-positive multiplication factor {times} for {type(self)}; the factor counts the "
                "repeats of the layers, 1 or more"
            )
        return times

    def __mul__(self, times):
        """A new Sequential running these modules ``times`` times over (the same modules each time)."""
        return Sequential(*(list(self) * self._repeats(times)))

    __rmul__ = __mul__

    def __imul__(self, times):
        return self.extend(list(self) * (self._repeats(times) - 1))


class ModuleList(_Indexed):
    def __init__(self, modules=None):
        super().__init__()
        for module in modules or ():
            self.append(module)

    def _sliced(self, items):
        return ModuleList([module for _, module in items])

    def __add__(self, other):
        """A new ModuleList of this one's modules, then those of ``other`` (any iterable of modules)."""
        return ModuleList([*self, *other])

    def __iadd__(self, modules):
        return self.extend(modules)


class ModuleDict(Module):
    def __init__(self, modules=None):
        super().__init__()
        self.update(modules or {})

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        delattr(self, key)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def update(self, modules):
        """Add or replace modules from a mapping or an iterable of (key, module) pairs."""
        for key, module in dict(modules).items():
            self[key] = module

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def clear(self):
        self._modules.clear()
        _structure_changed()

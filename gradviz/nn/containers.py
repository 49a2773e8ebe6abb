"""``Sequential``, ``ModuleList`` and ``ModuleDict``, with PyTorch's indexing and naming (``0``, ``1``...)."""

import operator
from collections import OrderedDict

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
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
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


class ModuleList(_Indexed):
    def __init__(self, modules=None):
        super().__init__()
        for module in modules or ():
            self.append(module)

    def _sliced(self, items):
        return ModuleList([module for _, module in items])


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

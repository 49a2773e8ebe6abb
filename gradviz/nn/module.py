"""``Module``: PyTorch's building block, plus the one thing gradviz adds — while a module runs, every op
it performs is reported with the module's qualified name (``encoder.layers.0.self_attn``).

Qualified names are those of ``named_modules()`` of the outermost module being called; they are
computed once per model structure and cached (any registration anywhere bumps a structure version).
"""

import itertools
from collections import OrderedDict, namedtuple

from .. import backend
from ..autograd.scope import scope
from ..autograd.tensor import RemovableHandle, Tensor
from ..dtypes import as_dtype
from ..errors import DtypeError, ShapeError
from .hooks import ModuleBackwardHooks
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class _Naming:
    """The qualified names of the model being called, set by its outermost ``__call__``."""

    __slots__ = ("names",)

    def __init__(self):
        self.names = None


_naming = _Naming()
_structure = [0]


def _structure_changed():
    _structure[0] += 1


class Module:
    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", [])
        object.__setattr__(self, "_forward_hooks", [])
        object.__setattr__(self, "_backward_hooks", [])
        object.__setattr__(self, "_names_cache", (-1, None))

    def forward(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} must define forward(self, ...) to be called")

    # ---- registration ----
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"call super().__init__() in {type(self).__name__}.__init__ before assigning '{name}'"
            )
        if isinstance(value, Parameter):
            self._forget(name, keep=self._parameters)
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self._forget(name, keep=self._modules)
            self.add_module(name, value)
        elif name in self._parameters or name in self._modules:
            if value is not None:
                kind = "parameter" if name in self._parameters else "submodule"
                raise TypeError(
                    f"cannot assign {type(value).__name__} to {kind} '{name}' of {type(self).__name__}: "
                    "assign a gradviz.nn.Parameter / Module, or None"
                )
            (self._parameters if name in self._parameters else self._modules)[name] = None
        elif name in self._buffers:
            self.register_buffer(name, value, persistent=name not in self._non_persistent)
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep):
        """Drop ``name`` from every table but ``keep``, where a replacement keeps its position (and so
        its place in ``named_parameters()``, ``state_dict()`` and an optimizer's parameter list)."""
        for table in (self._parameters, self._buffers, self._modules):
            if table is not keep:
                table.pop(name, None)
        self.__dict__.pop(name, None)

    def __getattr__(self, name):
        for table in ("_parameters", "_buffers", "_modules"):
            found = self.__dict__.get(table, {})
            if name in found:
                return found[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                _structure_changed()
                return
        object.__delattr__(self, name)

    def _check_name(self, kind, name, table):
        """PyTorch's rules for a registered name: a non-empty string without dots (dots join qualified
        names), not already taken by an attribute of another kind."""
        if not isinstance(name, str):
            raise TypeError(
                f"{type(self).__name__}: {kind} name should be a string, got {type(name).__name__}"
            )
        if "." in name or not name:
            raise KeyError(
                f"{type(self).__name__}: {kind} name {name!r} must be non-empty and contain no '.' "
                "(dots separate the parts of qualified names such as 'encoder.0.weight')"
            )
        if name not in table and hasattr(self, name):
            raise KeyError(
                f"{type(self).__name__}: attribute '{name}' already exists; pick another {kind} name"
            )

    def register_parameter(self, name, param):
        self._check_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign {type(param).__name__} as parameter '{name}': "
                "a gradviz.nn.Parameter or None is required"
            )
        self._parameters[name] = param
        _structure_changed()

    def register_buffer(self, name, tensor, persistent=True):
        self._check_name("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign {type(tensor).__name__} as buffer '{name}' (a Tensor or None required)"
            )
        self._buffers[name] = tensor
        (self._non_persistent.discard if persistent else self._non_persistent.add)(name)
        _structure_changed()

    def add_module(self, name, module):
        self._check_name("module", name, self._modules)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module
        _structure_changed()

    register_module = add_module

    # ---- traversal ----
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate and id(module) in memo:
                continue
            memo.add(id(module))
            yield name, module
            children = [
                (f"{name}.{k}" if name else k, m) for k, m in module._modules.items() if m is not None
            ]
            stack.extend(reversed(children))

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, table, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for module_name, module in modules:
            for name, value in getattr(module, table).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def get_submodule(self, target):
        """The submodule at dotted path ``target`` (``""`` is the module itself), as in PyTorch."""
        module = self
        for i, name in enumerate(target.split(".") if target else ()):
            child = module._modules.get(name)
            if child is None:
                where = ".".join(target.split(".")[:i]) or type(self).__name__
                raise AttributeError(f"get_submodule: {where} has no submodule {name!r} (path {target!r})")
            module = child
        return module

    def get_parameter(self, target):
        """The parameter at dotted path ``target``, e.g. ``"0.weight"``, as in PyTorch."""
        return self._member("get_parameter", "parameter", "_parameters", target)

    def get_buffer(self, target):
        """The buffer at dotted path ``target``, e.g. ``"1.running_mean"``."""
        return self._member("get_buffer", "buffer", "_buffers", target)

    def _member(self, op, kind, table, target):
        path, _, name = target.rpartition(".")
        members = getattr(self.get_submodule(path), table)
        if name not in members:
            raise AttributeError(
                f"{op}: {path or type(self).__name__} has no {kind} {name!r}; its {kind}s are {list(members)}"
            )
        return members[name]

    def set_submodule(self, target, module):
        """Put ``module`` at dotted path ``target`` (its parent must exist), replacing what was there."""
        if not isinstance(module, Module):
            raise TypeError(f"set_submodule: {type(module).__name__} is not a Module")
        if not target:
            raise ValueError("set_submodule: cannot set the module itself (target is empty)")
        path, _, name = target.rpartition(".")
        setattr(self.get_submodule(path), name, module)

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ---- modes and conversions ----
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError(
                f"{type(self).__name__}.train: training mode is expected to be boolean, got {mode!r}"
            )
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Drop the gradients, or with ``set_to_none=False`` detach them from any graph (a gradient built
        with create_graph=True) and fill them with zeros, as PyTorch."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad.detach_().zero_()

    def apply(self, fn):
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs):
        """Move (and, for a floating dtype, cast) every parameter and buffer in place."""
        from ..ops.conversion import _parse_to

        device, dtype = _parse_to(args, kwargs)
        target_device = None if device is None else backend.device(device)
        target_dtype = None if dtype is None else as_dtype(dtype)
        return self._convert_tensors(target_device, target_dtype)

    def _convert_tensors(self, device, dtype, every_dtype=False):
        """``_convert`` every parameter, buffer and gradient in place; returns the module."""
        for tensor in itertools.chain(self.parameters(), self.buffers()):
            _convert(tensor, device, dtype, every_dtype)
            if tensor.grad is not None:
                _convert(tensor.grad, device, dtype, every_dtype)
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}")

    def half(self):
        return self.to(as_dtype("float16"))

    def float(self):
        return self.to(as_dtype("float32"))

    def double(self):
        return self.to(as_dtype("float64"))

    def type(self, dst_type):
        """Cast every parameter and buffer to ``dst_type`` in place — integer and bool buffers too, unlike
        ``to``/``float``/``half``, which cast floating tensors only (PyTorch's rule for both)."""
        dtype = as_dtype(dst_type)
        if not dtype.is_floating_point:
            for name, param in self.named_parameters():
                if param.requires_grad:
                    raise DtypeError(
                        f"{type(self).__name__}.type({dtype}): parameter '{name}' requires grad, and only "
                        "floating point tensors can; pick a floating dtype, or call "
                        "requires_grad_(False) first"
                    )
        return self._convert_tensors(None, dtype, every_dtype=True)

    # ---- state ----
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        state = OrderedDict() if destination is None else destination
        for module_name, module in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            dot = f"{module_name}." if module_name else ""
            for name, param in module._parameters.items():
                if param is not None:
                    state[dot + name] = param if keep_vars else param.detach()
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent:
                    state[dot + name] = buffer if keep_vars else buffer.detach()
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy values in; ``strict`` refuses missing or unexpected keys. Shapes must always match."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = [
            f"{k}: checkpoint {tuple(state_dict[k].shape)}, model {tuple(own[k].shape)}"
            for k in own
            if k in state_dict and tuple(state_dict[k].shape) != tuple(own[k].shape)
        ]
        problems = []
        if strict and missing:
            problems.append(f"missing keys: {', '.join(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected keys: {', '.join(unexpected)}")
        if mismatched:
            problems.append(f"shape mismatches: {'; '.join(mismatched)}")
        if problems:
            raise ShapeError(f"load_state_dict into {type(self).__name__}: " + " | ".join(problems))
        for key, target in own.items():
            if key in state_dict:
                host = backend.to_host(_array_of(state_dict[key]))
                target.data = backend.to_device(host.astype(target._data.dtype, copy=True), target.device)
        return IncompatibleKeys(missing, unexpected)

    # ---- hooks ----
    def register_forward_pre_hook(self, hook):
        """``hook(module, args)`` before forward; a non-None result replaces the args."""
        return RemovableHandle(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook):
        """``hook(module, args, output)`` after forward; a non-None result replaces the output."""
        return RemovableHandle(self._forward_hooks, hook)

    def register_full_backward_hook(self, hook):
        """``hook(module, grad_input, grad_output)``; a non-None result replaces grad_input."""
        return RemovableHandle(self._backward_hooks, hook)

    # ---- calling ----
    def _qualified_names(self):
        version, names = self._names_cache
        if version != _structure[0] or id(self) not in names:  # not in names: a copy of the module
            names = {id(m): name for name, m in self.named_modules()}
            object.__setattr__(self, "_names_cache", (_structure[0], names))
        return names

    def __call__(self, *args, **kwargs):
        outermost = _naming.names is None
        if outermost:
            _naming.names = self._qualified_names()
        previous = scope.current
        scope.current = _naming.names.get(id(self), previous)
        try:
            return self._call_with_hooks(args, kwargs)
        finally:
            scope.current = previous
            if outermost:
                _naming.names = None

    def _call_with_hooks(self, args, kwargs):
        for hook in tuple(self._forward_pre_hooks):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        backward_hooks = ModuleBackwardHooks(self, self._backward_hooks) if self._backward_hooks else None
        if backward_hooks:
            args = backward_hooks.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for hook in tuple(self._forward_hooks):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return backward_hooks.wrap_output(output) if backward_hooks else output

    # ---- printing ----
    def extra_repr(self):
        return ""

    def __repr__(self):
        """PyTorch's layout: a one-line ``extra_repr`` of a module without children stays on the first
        line; otherwise every line of it, then every child, goes on a line of its own."""
        children = [f"({key}): " + repr(child).replace("\n", "\n  ") for key, child in self._modules.items()]
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        if not children and len(extra_lines) <= 1:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(extra_lines + children)
        return f"{type(self).__name__}(\n  {body}\n)"


def _array_of(value):
    if isinstance(value, Tensor):
        return value._data
    if not hasattr(value, "dtype"):
        raise TypeError(f"load_state_dict: expected tensors or arrays as values, got {type(value).__name__}")
    return value


def _convert(tensor, device, dtype, every_dtype=False):
    """Move ``tensor`` to ``device`` and cast it to ``dtype`` in place; only a floating tensor is cast
    unless ``every_dtype``."""
    data = tensor._data
    if dtype is not None and (every_dtype or data.dtype.kind == "f") and data.dtype != dtype.numpy:
        data = data.astype(dtype.numpy)
    if device is not None:
        data = backend.to_device(data, device)
    tensor.data = data

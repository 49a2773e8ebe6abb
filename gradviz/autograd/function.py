"""``Function``: one differentiable op, its forward and its backward side by side.

``forward(ctx, *args)`` receives the *arrays* of its tensor arguments (numpy, CuPy or the simulated
device; get the module with ``backend.array_module``) and returns an array or a tuple of arrays: this is
the kernel level. ``backward(ctx, *grads)`` receives gradient *Tensors* and returns one Tensor (or None)
per forward argument, written with gradviz ops so that ``create_graph=True`` differentiates it again.

Arrays passed to ``ctx.save_for_backward`` come back from ``ctx.saved_tensors`` as the tensors they
belong to (an input, or the output), so a backward formula that uses them stays differentiable; any
other saved array comes back as a constant tensor.

The object ``apply`` creates is both ``ctx`` and the graph node (``grad_fn``), as in PyTorch.
"""

import itertools
import re
import weakref

import numpy as np

from ..errors import GradvizError, GraphError, ShapeError
from .events import OpEvent, clock, observers, sequence
from .grad_mode import state as grad_state
from .scope import scope
from .tensor import RemovableHandle, Tensor, wrap, writes, written_after

_node_ids = itertools.count()
_new = tuple.__new__
_GENERIC = np.generic
_PLAIN = {int, float, bool, type(None), tuple, str}


class Function:
    __slots__ = (
        "to_save",
        "saved",
        "_weak_saved",
        "id",
        "module",
        "inputs",
        "needs_input_grad",
        "out_ids",
        "_saved_at",
        "__dict__",
        "__weakref__",
    )
    name = "function"
    differentiable = True
    # For each value passed to save_for_backward, the input whose gradient alone uses it (None: all of
    # them). An in-place write to a saved value then fails backward only when that gradient is needed,
    # as in PyTorch, which saves ``b`` for ``a * b`` only when ``a`` requires grad.
    saved_for_input = None
    _output_hooks = None
    _retained = None
    materialize_grads = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError(f"{type(ctx).__name__} must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grads):
        raise GraphError(f"{type(ctx).__name__} is not differentiable: it defines no backward(ctx, grad)")

    # ---- ctx API (PyTorch's) ----
    def save_for_backward(self, *arrays):
        self.to_save = arrays

    def set_materialize_grads(self, value):
        """With False, backward receives None (not zeros) for an output that got no gradient."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        saved = self.saved
        if saved is None:
            raise GraphError(
                f"{self.name}: its saved values were freed by an earlier backward pass; "
                "call backward(retain_graph=True) the first time to backpropagate twice"
            )
        if self._weak_saved:
            saved = tuple(s() if s.__class__ is weakref.ref else s for s in saved)
        if writes.now != self._saved_at:
            _refuse_overwritten(self, saved)
        return saved

    # ---- graph node API ----
    @property
    def next_functions(self):
        """(node, output index) per input, as in PyTorch; leaves that require grad show as AccumulateGrad."""
        return tuple(_next_function(i) for i in self.inputs if isinstance(i, Tensor))

    def register_output_hook(self, output_nr, hook):
        if self._output_hooks is None:
            self._output_hooks = {}
        return RemovableHandle(self._output_hooks.setdefault(output_nr, []), hook)

    def retain_output_grad(self, output_nr, tensor_ref):
        if self._retained is None:
            self._retained = {}
        self._retained[output_nr] = tensor_ref

    def __repr__(self):
        return f"<{type(self).__name__}Backward>"

    @classmethod
    def apply(cls, *args):
        if not (grad_state.enabled or observers.active):
            ctx = cls.__new__(cls)
            arrays = []  # a loop, not a comprehension: Python 3.11 gives a comprehension its own frame
            for a in args:
                arrays.append(a._data if isinstance(a, Tensor) else a)
            try:
                raw = cls.forward(ctx, *arrays)
            except GradvizError:
                raise
            except Exception as exc:
                raise explain_failure(cls.name, args, exc) from exc
            if raw.__class__ is tuple:
                return tuple(wrap(np.asarray(r) if isinstance(r, _GENERIC) else r) for r in raw)
            return wrap(np.asarray(raw) if isinstance(raw, _GENERIC) else raw)
        arrays = []
        needs = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                needs.append(a._requires_grad)
                record = record or a._requires_grad
            else:
                arrays.append(a)
                needs.append(False)
        observed = observers.active
        ctx = cls.__new__(cls)
        ctx.to_save = ()
        if observed:
            start = clock()
        try:
            raw = cls.forward(ctx, *arrays)
        except GradvizError:
            raise
        except Exception as exc:
            raise explain_failure(cls.name, args, exc) from exc
        multiple = raw.__class__ is tuple
        if multiple:
            outputs = tuple(wrap(np.asarray(r) if isinstance(r, _GENERIC) else r) for r in raw)
        else:
            outputs = (wrap(np.asarray(raw) if isinstance(raw, _GENERIC) else raw),)
        if record and grad_state.enabled and cls.differentiable:
            ctx._connect(args, needs, arrays, outputs, raw)
        elif observed:
            ctx.id = next(_node_ids)
            ctx.module = scope.current
        if observed:  # the event is built here, not in a helper: a call costs 5% of a tiny op
            took = clock() - start
            event = _new(
                OpEvent,
                ("forward", cls.name, ctx.id, next(sequence), ctx.module, took, args, outputs, None, cls),
            )
            for fn in observed:
                fn(event)
        return outputs if multiple else outputs[0]

    def _connect(self, args, needs, arrays, outputs, raw):
        """Make this ctx the graph node behind ``outputs`` (``raw``: what forward returned for them)."""
        self.id = next(_node_ids)
        self.module = scope.current
        self.inputs = args
        self.needs_input_grad = tuple(needs)
        if len(outputs) == 1:
            out = outputs[0]
            if out._data.dtype.kind == "f":
                out._requires_grad = True
                out.grad_fn = self
            self.out_ids = (out._id,)
        else:
            for i, out in enumerate(outputs):
                if out._data.dtype.kind == "f":
                    out._requires_grad = True
                    out.grad_fn = self
                    out._output_nr = i
            self.out_ids = tuple(o._id for o in outputs)
            self.out_shapes = tuple(o._data.shape for o in outputs)
        weak = False
        saved = []
        for value in self.to_save:
            kept = value if value.__class__ in _PLAIN else _owner(value, args, arrays, outputs, raw)
            weak = weak or kept.__class__ is weakref.ref
            saved.append(kept)
        self.saved = tuple(saved)
        self._weak_saved = weak
        self._saved_at = writes.now


def _owner(array, args, arrays, outputs, raw):
    """What ``ctx.saved_tensors`` hands back for a saved array: the output (weakly, to avoid a
    reference cycle), the input tensor it is the data of, or else a constant tensor. An output is also
    recognised by what forward returned for it: numpy gives a NumPy scalar, not a 0-d array, for
    ``exp`` of a 0-d array, and the output tensor holds that scalar made an array."""
    for out in outputs:
        if array is out._data:
            return weakref.ref(out)
    for arg, a in zip(args, arrays):
        if array is a and isinstance(arg, Tensor):
            return arg
    for out, made in zip(outputs, raw if raw.__class__ is tuple else (raw,)):
        if array is made:
            return weakref.ref(out)
    return wrap(array)


def _refuse_overwritten(node, saved):
    used_for = node.saved_for_input or (None,) * len(saved)
    for value, nr in zip(saved, used_for):
        if nr is not None and not node.needs_input_grad[nr]:
            continue
        if isinstance(value, Tensor) and written_after(value, node._saved_at):
            role = "an output" if value.grad_fn is node else "an input"
            raise GraphError(
                f"{node.name}: {role} it saved for backward (shape {tuple(value._data.shape)}, "
                f"{value.dtype}) was modified by an in-place operation after the forward pass (an "
                "optimizer step, x[...] = ..., x.data = ..., add_, zero_...), so its gradient would use "
                "the new values; call backward() before changing it, or use an out-of-place op "
                "(x = x + 1, not x += 1)"
            )


class AccumulateGrad:
    """Stands for a leaf in ``next_functions``: where its gradient is summed into ``.grad``."""

    name = "accumulate_grad"

    def __init__(self, variable):
        self.variable = variable

    def __repr__(self):
        return "<AccumulateGrad>"


def _next_function(tensor):
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    return (AccumulateGrad(tensor) if tensor.requires_grad else None, 0)


def operands_not_tensors(op, args):
    """The TypeError for an op called with no tensor among its operands (``gradviz.div(5, 2)``)."""
    kinds = " and ".join(type(a).__name__ for a in args if a is not None) or "no arguments"
    return TypeError(
        f"{op}(): expected at least one argument to be a Tensor, got {kinds}; wrap a number in "
        "gradviz.tensor(...), or compute with Python's operators for plain numbers"
    )


def explain_failure(op, args, exc):
    """A clear error for an array-library failure inside ``op``: devices first, then shapes and dtypes."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    if not tensors:  # gradviz.add(1, 2): the kernel met plain numbers where it expects arrays
        return operands_not_tensors(op, args)
    if isinstance(exc, (AttributeError, TypeError)):  # x @ 2, x + "a", x * None: not an array
        for position, a in enumerate(args, 1):
            if not isinstance(a, Tensor) and f"'{type(a).__name__}'" in str(exc):
                return TypeError(
                    f"{op}(): argument {position} must be a Tensor (or a number where the op takes "
                    f"one), not {type(a).__name__}"
                )
    devices = list(dict.fromkeys(str(t.device) for t in tensors))
    if len(devices) > 1:
        from ..errors import DeviceError

        return DeviceError(
            f"{op}: expected all tensors on the same device, but found {' and '.join(devices)}; "
            "move them with .to(device) first"
        )
    shapes = ", ".join(str(tuple(t._data.shape)) for t in tensors)
    dtypes = ", ".join(t._data.dtype.name for t in tensors)
    message = (
        f"{op}: {exc} (input shapes {shapes}; dtypes {dtypes}; device {devices[0] if devices else 'cpu'})"
    )
    if isinstance(exc, IndexError):
        return IndexError(message)
    if isinstance(exc, TypeError):
        return TypeError(message)
    return ShapeError(message) if "shape" in str(exc) or "broadcast" in str(exc) else RuntimeError(message)

"""Events: what the engine tells observers about every forward op and every backward op.

This module is the contract the recorder and the widgets build on.

* :class:`OpEvent` — one op ran. ``phase`` is ``"forward"`` or ``"backward"``. A forward event's
  inputs/outputs are the op's tensors; a backward event's ``inputs`` are the gradients arriving for the
  op's outputs and its ``outputs`` the gradients it sends to the op's inputs, each described with the
  id of the forward tensor it belongs to, so an edge ``tensor -> op`` carries the gradient
  ``outputs[i]`` of the backward event of that op.
* :class:`GradAccumulated` — a leaf's ``.grad`` received a gradient (PyTorch's AccumulateGrad).
* :class:`BackwardPass` — a backward pass began or ended (``phase`` ``"begin"``/``"end"``).

Events are immutable named tuples. They hold the tensors themselves (``input_tensors``,
``output_tensors``, ``grad``) so observers can compute statistics on the tensor's device; everything
else is plain data, and ``to_dict()`` gives a JSON-serialisable dict without the tensors. Ops run inside
a backward function are not reported separately: the backward event stands for them.

Subscribe with :func:`subscribe`; observers must only read. With no subscriber the engine pays a single
truth test per op.
"""

import itertools
import time
from typing import NamedTuple

from ..dtypes import dtype_name
from .tensor import Tensor

sequence = itertools.count()  # every event's ``seq``: one order for forward, backward and pass events
clock = time.perf_counter


class TensorInfo(NamedTuple):
    id: int
    shape: tuple
    dtype: str
    device: str

    @classmethod
    def of(cls, tensor, id=None):  # noqa: A002
        return cls(
            tensor._id if id is None else id,
            tensor._data.shape,
            dtype_name(tensor._data.dtype),
            str(tensor.device),
        )

    def __str__(self):
        return f"t{self.id}{list(self.shape)}:{self.dtype}"


def _ids(values):
    return tuple(v._id if isinstance(v, Tensor) else None for v in values)


def _infos(values, ids):
    return tuple(None if i is None or v is None else TensorInfo.of(v, i) for v, i in zip(values, ids))


class OpEvent(NamedTuple):
    """One op ran (see the module docstring); ``Function.apply`` builds the forward event and the backward
    engine the backward one, in place (a helper's call would cost 5% of a tiny op).

    Forward: ``input_tensors`` are the op's arguments in order (tensors, and constants such as the
    ``2`` of ``x * 2``), ``output_tensors`` its outputs. Backward: ``input_tensors`` are the gradients
    arriving for the outputs, ``output_tensors`` the gradients sent to each argument (None where there
    is none), and ``grad_of`` is what they are gradients of: the forward op's (output ids, arguments).
    ``function`` is the op's :class:`~gradviz.autograd.Function` class, so a tracer can replay it.
    """

    phase: str
    op: str
    node: int
    seq: int
    module: str
    duration: float
    input_tensors: tuple
    output_tensors: tuple
    grad_of: tuple | None
    function: type

    @property
    def input_ids(self):
        return _ids(self.input_tensors) if self.grad_of is None else self.grad_of[0]

    @property
    def output_ids(self):
        return _ids(self.output_tensors if self.grad_of is None else self.grad_of[1])

    @property
    def inputs(self):
        """A :class:`TensorInfo` per input position (None for a constant or a missing gradient)."""
        return _infos(self.input_tensors, self.input_ids)

    @property
    def outputs(self):
        return _infos(self.output_tensors, self.output_ids)

    def to_dict(self):
        return {
            "type": "op",
            "phase": self.phase,
            "op": self.op,
            "node": self.node,
            "seq": self.seq,
            "module": self.module,
            "duration": self.duration,
            "inputs": [None if i is None else i._asdict() for i in self.inputs],
            "outputs": [None if i is None else i._asdict() for i in self.outputs],
        }

    def __str__(self):
        ins = ", ".join(map(str, self.inputs))
        outs = ", ".join(map(str, self.outputs))
        where = f" in {self.module}" if self.module else ""
        took = f"{self.duration * 1e6:.1f} us"
        return f"#{self.seq} {self.phase} {self.op}(node {self.node}){where}: {ins} -> {outs} [{took}]"


class GradAccumulated(NamedTuple):
    seq: int
    tensor_id: int
    grad: object

    @property
    def info(self):
        return TensorInfo.of(self.grad, self.tensor_id)

    def to_dict(self):
        return {"type": "grad_accumulated", "seq": self.seq, "tensor": self.info._asdict()}

    def __str__(self):
        return f"#{self.seq} accumulate grad into leaf {self.info}"


class BackwardPass(NamedTuple):
    """A backward pass began or ended; ``roots`` are the tensors it differentiates (a loss, usually)."""

    phase: str
    seq: int
    root_ids: tuple
    create_graph: bool
    roots: tuple

    def to_dict(self):
        return {
            "type": "backward_pass",
            "phase": self.phase,
            "seq": self.seq,
            "root_ids": list(self.root_ids),
            "create_graph": self.create_graph,
        }

    def __str__(self):
        return f"#{self.seq} backward pass {self.phase} (roots {list(self.root_ids)})"


class _Observers:
    """The subscribers, as a tuple the engine tests once per op (replaced, never mutated, so iterating
    it is safe while someone subscribes); ``active`` is empty while muted."""

    __slots__ = ("active", "subscribers")

    def __init__(self):
        self.subscribers = ()
        self.active = ()

    def replace(self, subscribers):
        unmuted = self.active is self.subscribers
        self.subscribers = subscribers
        if unmuted:
            self.active = subscribers


observers = _Observers()


class Handle:
    """Returned by :func:`subscribe`; ``remove()`` (or leaving its ``with`` block) unsubscribes."""

    def __init__(self, fn):
        self.fn = fn

    def remove(self):
        observers.replace(tuple(f for f in observers.subscribers if f is not self.fn))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def subscribe(fn):
    """Call ``fn(event)`` for every event from now on; returns a removable :class:`Handle`."""
    observers.replace((*observers.subscribers, fn))
    return Handle(fn)


def emit(event):
    for fn in observers.subscribers:
        fn(event)


def next_seq():
    return next(sequence)


class muted:  # noqa: N801 - used like a function
    """Silence op events (the ops a backward function runs internally belong to its backward event)."""

    __slots__ = ("prev",)

    def __enter__(self):
        self.prev = observers.active
        observers.active = ()

    def __exit__(self, *exc):
        observers.active = observers.subscribers if self.prev != () else ()

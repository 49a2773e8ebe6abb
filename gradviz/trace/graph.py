"""The computation graph as plain data: tensor nodes, op nodes, and the edges between them.

One :class:`Graph` class, built three ways:

* :class:`GraphBuilder` subscribes to forward events while a step runs (what the recorder stores);
* :meth:`Graph.from_tensor` walks ``grad_fn`` back from a result (what autograd holds for a tensor);
* ``gradviz.trace.tracing.trace`` runs a function once and keeps its ops as a static program, which a
  traced graph can replay (``graph(*inputs)``) and the passes in ``gradviz.trace.passes`` can rewrite.

Ids are strings: ``"t17"`` for the tensor whose ``_id`` is 17, ``"op42"`` for engine node 42. An op's
inputs are ordered (``a * a`` is two edges from the same tensor node); a non-tensor argument (the ``2``
of ``x * 2``, a shape tuple, a missing bias) is a :class:`Constant`. A recorded graph keeps no tensors;
only a traced program keeps references to the tensors it captured (``graph.captured``).
"""

import dataclasses
import hashlib
import heapq
import json
from functools import cached_property
from typing import NamedTuple

import numpy as np
from numpy.lib.array_utils import byte_bounds

from .. import backend
from ..autograd import events
from ..autograd.tensor import Tensor
from ..errors import GraphError
from ..nn.parameter import Parameter

FORMAT = "gradviz.graph/1"
LEAF_KINDS = ("input", "parameter", "buffer", "constant")


def tensor_id(tensor_or_id):
    """``"t17"`` for a tensor, its integer ``_id`` or an id string."""
    if isinstance(tensor_or_id, Tensor):
        return f"t{tensor_or_id._id}"
    return tensor_or_id if isinstance(tensor_or_id, str) else f"t{tensor_or_id}"


def op_id(node_id):
    return f"op{node_id}"


class Opaque:
    """A constant read back from JSON that JSON could not hold (an array, a dtype): only its text is left."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


@dataclasses.dataclass(frozen=True, eq=False)
class Constant:
    """A non-tensor argument of an op, and its short printed form."""

    value: object
    text: str

    @classmethod
    def of(cls, value):
        return cls(value, _short_repr(value))

    def to_dict(self):
        try:
            value = _encode(self.value)
        except _NotJSONError:
            value = {"opaque": True}
        return {"repr": self.text, "value": value}

    @classmethod
    def from_dict(cls, data):
        value = data["value"]
        return cls(Opaque(data["repr"]) if value == {"opaque": True} else _decode(value), data["repr"])

    def __str__(self):
        return self.text


class _Slot(NamedTuple):
    """Where a traced tensor's values go in a :class:`TensorKey`'s template (reshaped to ``shape`` when
    the op took a reshaped view of them, as ``index_select`` does)."""

    index: int
    shape: tuple | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class TensorKey:
    """A non-tensor argument that holds the values of tensors of the program: an index key such as
    ``(slice(None), array)`` whose arrays are the data of a placeholder or of an op's output. ``refs``
    are those tensors' ids (tensor inputs of the op, so passes and orders see the dependency) and
    ``template`` the key with a :class:`_Slot` in their place; a replay puts the new values there."""

    template: object
    refs: tuple
    text: str

    def resolve(self, values):
        """The key with each slot filled with the data of ``values[ref]``."""
        return _fill(self.template, [values[ref]._data for ref in self.refs])

    def renamed(self, mapping):
        return dataclasses.replace(self, refs=tuple(mapping.get(r, r) for r in self.refs))

    def to_dict(self):
        return {"repr": self.text, "value": {"opaque": True}}

    def __str__(self):
        return self.text


def _fill(template, arrays):
    if isinstance(template, _Slot):
        array = arrays[template.index]
        return array if template.shape is None else array.reshape(template.shape)
    if isinstance(template, tuple):
        return tuple(_fill(t, arrays) for t in template)
    if isinstance(template, list):
        return [_fill(t, arrays) for t in template]
    return template


def argument_values(op, values):
    """The arguments to call ``op.function.apply`` with: tensors from ``values`` (by id), constants, and
    index keys filled with the values of the tensors they hold."""
    return [
        values[ref]
        if isinstance(ref, str)
        else ref.resolve(values)
        if isinstance(ref, TensorKey)
        else ref.value
        for ref in op.inputs
    ]


class Detach:
    """The traced step of ``x.detach()`` (not an op of the engine, so tracing records it itself)."""

    @staticmethod
    def apply(x):
        return x.detach()


def _short_repr(value, limit=40):
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"array<{value.dtype}{list(value.shape)}>"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _NotJSONError(Exception):
    """A constant JSON cannot hold: it is stored as its text only."""


def _encode(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple):
        return {"tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return _encode(value.item())
    raise _NotJSONError(value)


def _decode(value):
    if isinstance(value, dict):
        return tuple(_decode(v) for v in value["tuple"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


@dataclasses.dataclass(frozen=True)
class TensorNode:
    """A tensor in the graph. ``module`` is the module of the op that produced it (for a parameter or
    buffer, the module that owns it; ``""`` for other leaves). ``dtype`` is None only for an output of a
    multi-output op that ``Graph.from_tensor`` never saw as a tensor."""

    id: str
    shape: tuple
    dtype: str | None
    device: str
    kind: str
    requires_grad: bool
    module: str = ""
    name: str | None = None

    @property
    def type_text(self):
        return f"{self.dtype or '?'}{list(self.shape)}"

    def to_dict(self):
        return {**dataclasses.asdict(self), "shape": list(self.shape)}

    @classmethod
    def from_dict(cls, data):
        return cls(**{**data, "shape": tuple(data["shape"])})


@dataclasses.dataclass(frozen=True, eq=False)
class OpNode:
    """One op: ``inputs`` are tensor ids or Constants in argument order, ``outputs`` tensor ids in output
    order. ``function`` is the Function class (None in a graph read back from JSON)."""

    id: str
    op: str
    function_name: str
    module: str
    inputs: tuple
    outputs: tuple
    function: type | None = None

    @property
    def tensor_inputs(self):
        """Tensor ids among the arguments, then those held by index keys (:class:`TensorKey`)."""
        refs = tuple(ref for ref in self.inputs if isinstance(ref, str))
        keys = tuple(r for ref in self.inputs if isinstance(ref, TensorKey) for r in ref.refs)
        return refs + keys if keys else refs

    def to_dict(self):
        return {
            "id": self.id,
            "op": self.op,
            "function": self.function_name,
            "module": self.module,
            "inputs": [ref if isinstance(ref, str) else {"constant": ref.to_dict()} for ref in self.inputs],
            "outputs": list(self.outputs),
        }

    @classmethod
    def from_dict(cls, data):
        inputs = tuple(
            ref if isinstance(ref, str) else Constant.from_dict(ref["constant"]) for ref in data["inputs"]
        )
        return cls(data["id"], data["op"], data["function"], data["module"], inputs, tuple(data["outputs"]))


def function_name(function):
    return f"{function.__module__}.{function.__qualname__}"


class Edge(NamedTuple):
    """``tensor -> op`` at argument ``index``, or ``op -> tensor`` at output ``index``."""

    source: str
    target: str
    index: int


@dataclasses.dataclass
class ModuleNode:
    """A module in the module tree: the ops run directly inside it and its submodules by short name."""

    name: str
    ops: list = dataclasses.field(default_factory=list)
    children: dict = dataclasses.field(default_factory=dict)

    def all_ops(self):
        """The ops of this module and of every module inside it."""
        found, stack = [], [self]
        while stack:
            node = stack.pop()
            found.extend(node.ops)
            stack.extend(reversed(node.children.values()))
        return found


def module_ancestor(module, depth):
    """The enclosing module ``depth`` levels down from the root: ``("a.b.c", 2) -> "a.b"``."""
    return ".".join(module.split(".")[:depth]) if module else ""


class Graph:
    """Tensor nodes and op nodes (see the module docstring); treat a Graph as immutable.

    ``inputs`` are the placeholders of a traced program (for a recorded step, its leaves of kind
    ``"input"``), ``outputs`` the results; ``single_output`` says whether calling returns one tensor.
    """

    def __init__(self, tensors, ops, inputs=(), outputs=(), captured=None, single_output=None):
        self.tensors = {node.id: node for node in tensors}
        self.ops = {node.id: node for node in ops}
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.captured = dict(captured or {})
        self.single_output = len(self.outputs) == 1 if single_output is None else single_output

    @classmethod
    def from_events(cls, forward_events, names=None, outputs=None):
        """The graph of recorded forward events (a recorder keeps them for one step)."""
        builder = GraphBuilder(names=names)
        for event in forward_events:
            builder.add_event(event)
        return builder.finish(outputs)

    @classmethod
    def from_tensor(cls, *tensors, names=None):
        """The graph autograd holds behind ``tensors``: every op reachable through ``grad_fn``."""
        return _graph_behind(tensors, names)

    # ---- wiring ----
    @cached_property
    def _producers(self):
        return {out: op.id for op in self.ops.values() for out in op.outputs}

    @cached_property
    def _consumers(self):
        consumers = {tid: [] for tid in self.tensors}
        for op in self.ops.values():
            for ref in dict.fromkeys(op.tensor_inputs):
                consumers[ref].append(op.id)
        return consumers

    def producer(self, tid):
        """The id of the op that produced tensor ``tid``, or None for a leaf."""
        return self._producers.get(tid)

    def consumers(self, tid):
        return list(self._consumers[tid])

    def leaves(self):
        return [tid for tid in self.tensors if tid not in self._producers]

    def edges(self):
        """Every edge, ops in topological order; ``a * a`` gives two edges from ``a``."""
        found = []
        for oid in self.op_order:
            op = self.ops[oid]
            found.extend(Edge(ref, oid, i) for i, ref in enumerate(op.inputs) if isinstance(ref, str))
            found.extend(Edge(oid, out, i) for i, out in enumerate(op.outputs))
        return found

    def parents(self, node_id):
        if node_id in self.ops:
            return list(dict.fromkeys(self.ops[node_id].tensor_inputs))
        producer = self.producer(node_id)
        return [] if producer is None else [producer]

    def children(self, node_id):
        return list(self.ops[node_id].outputs) if node_id in self.ops else self.consumers(node_id)

    # ---- orders ----
    @cached_property
    def op_order(self):
        """Op ids in topological order; ties keep the order the ops ran in."""
        position = {oid: i for i, oid in enumerate(self.ops)}
        waiting = {oid: len(self._producer_ops(op)) for oid, op in self.ops.items()}
        ready = [(position[oid], oid) for oid, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            _, oid = heapq.heappop(ready)
            order.append(oid)
            for consumer in dict.fromkeys(c for out in self.ops[oid].outputs for c in self._consumers[out]):
                waiting[consumer] -= 1
                if waiting[consumer] == 0:
                    heapq.heappush(ready, (position[consumer], consumer))
        if len(order) != len(self.ops):
            raise GraphError("the graph has a cycle: ops and tensors are wired in a loop")
        return order

    def _producer_ops(self, op):
        return {self._producers[ref] for ref in op.tensor_inputs if ref in self._producers}

    def topological_order(self):
        """Every node id (tensors and ops): leaves first, then each op followed by its outputs."""
        order = self.leaves()
        for oid in self.op_order:
            order.append(oid)
            order.extend(self.ops[oid].outputs)
        return order

    # ---- modules ----
    def module_tree(self):
        """The modules the ops ran in, nested by the dots of their qualified names (root name ``""``)."""
        root = ModuleNode("")
        for oid in self.op_order:
            node = root
            module = self.ops[oid].module
            for depth, part in enumerate(module.split(".") if module else (), start=1):
                node = node.children.setdefault(part, ModuleNode(module_ancestor(module, depth)))
            node.ops.append(oid)
        return root

    def collapse(self, depth):
        """For every node id, the module that contains it ``depth`` levels down (``""``: the top level);
        nodes sharing a value form one box when the view collapses modules deeper than ``depth``."""
        groups = {tid: module_ancestor(node.module, depth) for tid, node in self.tensors.items()}
        groups.update((oid, module_ancestor(op.module, depth)) for oid, op in self.ops.items())
        return groups

    # ---- identity and serialisation ----
    def same_ops(self, other):
        """Whether ``other`` runs the same ops in the same modules, in the same order: the graph of a
        smaller last batch does, with other shapes and tensor ids."""
        return _op_outline(self) == _op_outline(other)

    def structure_signature(self):
        """A hash of ops, shapes, dtypes, kinds, names, modules and wiring, blind to tensor ids: two steps
        of the same model give the same signature, so a recorder can store the graph once."""
        index = {tid: i for i, tid in enumerate(self._tensors_by_use())}

        def ref(r):
            return ["t", index[r]] if isinstance(r, str) else ["c", r.text]

        tensors = [self._tensor_structure(self.tensors[tid]) for tid in index]
        ops = [self._op_structure(self.ops[oid], ref) for oid in self.op_order]
        outline = [tensors, ops, [index[t] for t in self.inputs], [index[t] for t in self.outputs]]
        return hashlib.sha256(json.dumps(outline).encode()).hexdigest()[:16]

    def _tensors_by_use(self):
        used = []
        for oid in self.op_order:
            op = self.ops[oid]
            used.extend(op.tensor_inputs)
            used.extend(op.outputs)
        return list(dict.fromkeys([*self.inputs, *used, *self.outputs, *self.tensors]))

    @staticmethod
    def _tensor_structure(node):
        return [list(node.shape), node.dtype, node.kind, node.requires_grad, node.module, node.name]

    @staticmethod
    def _op_structure(op, ref):
        return [op.function_name, op.op, op.module, [ref(r) for r in op.inputs], [ref(r) for r in op.outputs]]

    def to_dict(self):
        """A JSON-serialisable dict (captured tensors and Function classes are left out)."""
        return {
            "format": FORMAT,
            "tensors": [node.to_dict() for node in self.tensors.values()],
            "ops": [op.to_dict() for op in self.ops.values()],
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "single_output": self.single_output,
        }

    @classmethod
    def from_dict(cls, data):
        if data.get("format") != FORMAT:
            raise ValueError(f"not a gradviz graph: expected format {FORMAT!r}, got {data.get('format')!r}")
        return cls(
            [TensorNode.from_dict(t) for t in data["tensors"]],
            [OpNode.from_dict(op) for op in data["ops"]],
            data["inputs"],
            data["outputs"],
            single_output=data["single_output"],
        )

    # ---- program ----
    def __call__(self, *inputs):
        """Replay a traced program on new inputs (see ``gradviz.trace.tracing``)."""
        from .tracing import replay

        return replay(self, *inputs)

    def prune(self):
        from .passes import prune

        return prune(self)

    def fold_constants(self):
        from .passes import fold_constants

        return fold_constants(self)

    def eliminate_common_subexpressions(self):
        from .passes import eliminate_common_subexpressions

        return eliminate_common_subexpressions(self)

    # ---- printing ----
    def __str__(self):
        """A program listing, one line per op, like JAX's jaxpr."""
        placeholders = ", ".join(f"{t}: {self.tensors[t].type_text}" for t in self.inputs)
        lines = [f"graph({placeholders}):"]
        lines.extend(self._leaf_line(self.tensors[t]) for t in self.leaves() if t not in self.inputs)
        lines.extend(self._op_line(self.ops[oid]) for oid in self.op_order)
        results = ", ".join(self.outputs)
        lines.append(f"  return {results if self.single_output else f'({results})'}")
        return "\n".join(lines)

    @staticmethod
    def _leaf_line(node):
        named = f" {node.name}" if node.name else ""
        return f"  {node.id} = {node.kind}{named}   # {node.type_text}"

    def _op_line(self, op):
        args = ", ".join(map(str, op.inputs))
        types = ", ".join(self.tensors[out].type_text for out in op.outputs)
        where = f"{op.module} " if op.module else ""
        return f"  {', '.join(op.outputs)} = {op.op}({args})   # {where}-> {types}"

    def __repr__(self):
        return f"<Graph: {len(self.ops)} ops, {len(self.tensors)} tensors, {len(self.inputs)} inputs>"


class GraphBuilder:
    """Builds a :class:`Graph` from the forward events of the ops run while it is subscribed.

    ``with GraphBuilder(names=model) as builder: loss = ...`` then ``builder.graph``. ``names`` gives
    leaves their qualified names: a Module (its named parameters and buffers) or a mapping from tensor
    (or tensor id) to name. Leaves are parameters (a Parameter, or a named tensor that requires grad),
    buffers (other named tensors) or inputs.

    Given ``inputs`` the builder records a program (what ``trace`` uses): those tensors are its
    placeholders, and every other leaf is captured by reference in ``captured``: a parameter if it
    requires grad, else a buffer (if named) or a constant.
    """

    def __init__(self, names=None, *, inputs=None):
        self._names = _qualified_names(names)
        self._program = inputs is not None
        self._tensors = {}
        self._ops = {}
        self._captured = {}
        self._handle = None
        self._placeholders = [tensor_id(t) for t in inputs or ()]
        # a program's tensors by the identity of their data, and by the buffer that data views: index
        # keys and detach() hold a tensor's values without going through an op
        self._by_data = {}
        self._by_root = {}
        self._detaches = 0
        for tensor in inputs or ():
            self._tensors[tensor_id(tensor)] = self._node(tensor, "input")
            self._track(tensor)

    def __enter__(self):
        self._handle = events.subscribe(self.add_event)
        return self

    def __exit__(self, *exc):
        self._handle.remove()

    def add_event(self, event):
        """Record a forward event (other events are ignored)."""
        if event.__class__ is events.OpEvent and event.phase == "forward":
            self.add_op(
                event.node, event.op, event.function, event.module, event.input_tensors, event.output_tensors
            )

    def add_op(self, node_id, name, function, module, args, outputs):
        """Record one op: ``args`` its arguments, ``outputs`` its output tensors (or TensorNodes)."""
        inputs = tuple(self._leaf(a) if isinstance(a, Tensor) else self._argument(a, name) for a in args)
        out_ids = tuple(self._output(out, module) for out in outputs)
        if self._program:
            for out in outputs:
                if isinstance(out, Tensor):
                    self._track(out)
        oid = op_id(node_id)
        self._ops[oid] = OpNode(oid, name, function_name(function), module, inputs, out_ids, function)

    def _track(self, tensor):
        tid = tensor_id(tensor)
        self._by_data[id(tensor._data)] = (tid, tensor._data)
        self._by_root.setdefault(id(backend.memory_owner(tensor._data)), []).append((tid, tensor._data))

    def _argument(self, value, op_name):
        """A Constant, or (in a program) a TensorKey when ``value`` holds arrays of the program's tensors."""
        if not self._program:
            return Constant.of(value)
        refs = []
        template = self._template(value, refs, op_name)
        if not refs:
            return Constant.of(value)
        return TensorKey(template, tuple(refs), _short_repr(_fill(template, [_Named(r) for r in refs])))

    def _template(self, value, refs, op_name):
        if isinstance(value, tuple | list):
            return type(value)(self._template(v, refs, op_name) for v in value)
        if not (hasattr(value, "shape") and hasattr(value, "dtype")):
            return value
        known = self._by_data.get(id(value))
        if known is not None and known[1] is value:
            refs.append(known[0])
            return _Slot(len(refs) - 1)
        source = self._viewed(value)
        if source is not None and self._reshaped(value, source):
            refs.append(source)
            return _Slot(len(refs) - 1, tuple(value.shape))
        if source is not None:
            raise GraphError(
                f"trace: {op_name} takes an array that views the values of {source} (an input of the "
                "program or an op's output) but is not that tensor's data, so a replay would reuse the "
                "example's values; index with the tensor itself (x[i], not x[i.numpy()[...]]) "
                "or compute the index with tensor ops"
            )
        return value

    def _reshaped(self, array, tid):
        """Whether ``array`` is the whole of ``tid``'s data in another shape (a reshape view)."""
        data = self._by_data_of(tid)
        return (
            data is not None
            and array.size == data.size
            and array.dtype == data.dtype
            and array.flags.c_contiguous
            and data.flags.c_contiguous
            and byte_bounds(array) == byte_bounds(data)
        )

    def _by_data_of(self, tid):
        return next((d for t, d in self._by_data.values() if t == tid), None)

    def _viewed(self, array):
        """The id of a program tensor whose values ``array`` views: a view of the same buffer lying
        within that tensor's memory (a larger captured tensor an input was sliced from is not one)."""
        if not isinstance(array, np.ndarray):
            return None  # device arrays: only exact data identity is recognised
        for tid, data in self._by_root.get(id(backend.memory_owner(array)), ()):
            if isinstance(data, np.ndarray) and array.size:
                low, high = byte_bounds(array)
                data_low, data_high = byte_bounds(data)
                if data_low <= low and high <= data_high:
                    return tid
        return None

    def _leaf(self, tensor):
        tid = tensor_id(tensor)
        if tid not in self._tensors and self._program and self._aliases(tensor, tid):
            return tid
        if tid not in self._tensors:
            node = self._node(tensor, self._leaf_kind(tensor, tid))
            self._tensors[tid] = node
            if self._program:
                self._captured[tid] = tensor
        return tid

    def _aliases(self, tensor, tid):
        """A new leaf of a program holding a program tensor's data (``x.detach()``): record a detach
        step from it and return True; raise if it views that data otherwise (a replay would reuse it)."""
        known = self._by_data.get(id(tensor._data))
        if known is not None and known[1] is tensor._data:
            self._detaches += 1
            oid = f"op_detach{self._detaches}"
            source = self._tensors[known[0]]
            self._tensors[tid] = self._node(tensor, "intermediate", source.module)
            self._ops[oid] = OpNode(
                oid, "detach", function_name(Detach), source.module, (known[0],), (tid,), Detach
            )
            self._track(tensor)
            return True
        source = self._viewed(tensor._data)
        if source is not None:
            raise GraphError(
                f"trace: a tensor used in the function shares the values of {source} (an input of the "
                "program or an op's output) without an op making it (a tensor built on x.numpy()?), so a "
                "replay would reuse the example's values; use tensor ops (x.detach(), x[...], x.view(...))"
            )
        return False

    def _leaf_kind(self, tensor, tid):
        named = tid in self._names
        trains = tensor.requires_grad and (named or self._program)
        if isinstance(tensor, Parameter) or trains:
            return "parameter"
        if named:
            return "buffer"
        return "constant" if self._program else "input"

    def _node(self, tensor, kind, module=None):
        tid = tensor_id(tensor)
        name = self._names.get(tid)
        if module is None:
            module = name.rpartition(".")[0] if name else ""
        info = events.TensorInfo.of(tensor)
        return TensorNode(
            tid, tuple(info.shape), info.dtype, info.device, kind, tensor.requires_grad, module, name
        )

    def _output(self, output, module):
        node = output if isinstance(output, TensorNode) else self._node(output, "intermediate", module)
        self._tensors[node.id] = node
        return node.id

    @property
    def graph(self):
        return self.finish()

    def finish(self, outputs=None):
        """The graph so far. ``outputs`` (a tensor or a tuple of tensors) are its results; by default the
        tensors ops produced that no op consumed."""
        if outputs is None:
            result_ids, single = self._unconsumed(), None
        else:
            single = isinstance(outputs, Tensor)
            result_ids = [self._leaf(t) for t in ((outputs,) if single else outputs)]
        inputs = (
            self._placeholders
            if self._program
            else [t for t, n in self._tensors.items() if n.kind == "input"]
        )
        return Graph(self._tensors.values(), self._ops.values(), inputs, result_ids, self._captured, single)

    def _unconsumed(self):
        consumed = {ref for op in self._ops.values() for ref in op.tensor_inputs}
        return [out for op in self._ops.values() for out in op.outputs if out not in consumed]


class _Named:
    """Prints as a tensor id inside a key's text: ``(t3, t5)``."""

    def __init__(self, tid):
        self.tid = tid

    def __repr__(self):
        return self.tid

    def reshape(self, shape):
        return _Named(f"{self.tid}.reshape{tuple(shape)}")


def _op_outline(graph):
    return [(op.op, op.module) for op in graph.ops.values()]


def _qualified_names(names):
    if names is None:
        return {}
    if hasattr(names, "named_parameters"):
        return {tensor_id(t): n for n, t in [*names.named_parameters(), *names.named_buffers()]}
    return {tensor_id(key): name for key, name in names.items()}


def _graph_behind(tensors, names):
    nodes, seen_tensors = _reachable_nodes(tensors)
    builder = GraphBuilder(names)
    for node in sorted(nodes, key=lambda n: n.id):
        outputs = [_seen_or_described(node, i, seen_tensors) for i in range(len(node.out_ids))]
        builder.add_op(node.id, node.name, type(node), node.module, node.inputs, outputs)
    return builder.finish(tensors[0] if len(tensors) == 1 else tensors)


def _reachable_nodes(tensors):
    """Every grad_fn behind ``tensors`` (iteratively), and every tensor met on the way by ``_id``."""
    seen_tensors = {t._id: t for t in tensors}
    nodes = {}
    stack = [t.grad_fn for t in tensors if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in nodes:
            continue
        nodes[id(node)] = node
        if node.inputs is None:
            raise GraphError(
                f"the graph behind this tensor was freed by backward() (at {node.name}); build the Graph "
                "before calling backward(), or call backward(retain_graph=True)"
            )
        for arg in node.inputs:
            if isinstance(arg, Tensor):
                seen_tensors[arg._id] = arg
                if arg.grad_fn is not None:
                    stack.append(arg.grad_fn)
    return list(nodes.values()), seen_tensors


def _seen_or_described(node, index, seen_tensors):
    """The output tensor if the walk met it; else (an unused output of a multi-output op) a TensorNode
    from what the node remembers: its shape, and the device of its first tensor argument."""
    out = node.out_ids[index]
    if out in seen_tensors:
        return seen_tensors[out]
    device = next(str(a.device) for a in node.inputs if isinstance(a, Tensor))
    return TensorNode(
        tensor_id(out), tuple(node.out_shapes[index]), None, device, "intermediate", False, node.module
    )

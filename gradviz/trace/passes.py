"""Graph passes: what a static graph allows that eager execution does not.

Each pass takes a :class:`~gradviz.trace.graph.Graph` and returns ``(new_graph, report)``; the input
graph is left as it was, so a view can draw both. The passes keep the program's inputs and outputs:
the new graph computes the same values and gradients.

* :func:`prune` drops dead code, the ops no output depends on.
* :func:`fold_constants` runs, once, the ops whose inputs are all constants, and replaces their results
  with constant tensors. Parameters, buffers (updated in place, e.g. running statistics) and anything
  that requires grad are never folded; the folded values are a snapshot of the captured constants.
* :func:`eliminate_common_subexpressions` merges ops that run the same Function on the same arguments.

An op whose Function class sets ``deterministic = False`` (dropout: a fresh random mask per call) is
never folded or merged.
"""

import dataclasses

from ..autograd import events
from ..autograd.grad_mode import no_grad
from .graph import Graph, TensorKey, argument_values

__all__ = ["PassReport", "prune", "fold_constants", "eliminate_common_subexpressions"]


@dataclasses.dataclass(frozen=True)
class PassReport:
    """What a pass changed: op ids removed as dead, folded into constants, or merged
    (``(duplicate, kept)`` pairs), the constant tensors folding made, and each op id's op name."""

    pass_name: str
    removed_ops: tuple = ()
    folded_ops: tuple = ()
    merged: tuple = ()
    new_constants: tuple = ()
    op_names: dict = dataclasses.field(default_factory=dict)

    @property
    def changed(self):
        return bool(self.removed_ops or self.folded_ops or self.merged)

    def _label(self, oid):
        return f"{oid} ({self.op_names[oid]})"

    def __str__(self):
        if not self.changed:
            return f"{self.pass_name}: nothing to change"
        parts = []
        if self.removed_ops:
            labels = ", ".join(map(self._label, self.removed_ops))
            parts.append(f"removed {len(self.removed_ops)} op(s) no output depends on: {labels}")
        if self.folded_ops:
            labels = ", ".join(map(self._label, self.folded_ops))
            made = ", ".join(self.new_constants) or "no tensor still in use"
            parts.append(f"evaluated {len(self.folded_ops)} op(s) on constants once: {labels}, giving {made}")
        if self.merged:
            pairs = ", ".join(f"{self._label(dup)} into {kept}" for dup, kept in self.merged)
            parts.append(f"merged {len(self.merged)} op(s) repeating an earlier one: {pairs}")
        return f"{self.pass_name}: " + "; ".join(parts)


def is_deterministic(op):
    return getattr(op.function, "deterministic", True)


def prune(graph):
    """Drop the ops no output of ``graph`` depends on."""
    needed = set(graph.outputs)
    kept = []
    for oid in reversed(graph.op_order):
        op = graph.ops[oid]
        if needed.intersection(op.outputs):
            kept.append(op)
            needed.update(op.tensor_inputs)
    kept_ids = {op.id for op in kept}
    removed = [oid for oid in graph.op_order if oid not in kept_ids]
    report = PassReport("prune", removed_ops=tuple(removed), op_names=_names(graph, removed))
    return _rebuild(graph, reversed(kept)), report


def fold_constants(graph):
    """Evaluate the ops whose tensor inputs are all captured constants that do not require grad."""
    constant = {tid for tid, node in graph.tensors.items() if _is_foldable_leaf(graph, tid, node)}
    values = {tid: graph.captured[tid] for tid in constant}
    folded = []
    for oid in graph.op_order:
        op = graph.ops[oid]
        if op.function is not None and is_deterministic(op) and constant.issuperset(op.tensor_inputs):
            values.update(zip(op.outputs, _evaluate(op, values)))
            constant.update(op.outputs)
            folded.append(oid)
    made = list(dict.fromkeys(out for oid in folded for out in graph.ops[oid].outputs))
    tensors = [
        dataclasses.replace(node, kind="constant", requires_grad=False) if tid in made else node
        for tid, node in graph.tensors.items()
    ]
    folded_ids = set(folded)
    remaining = [graph.ops[oid] for oid in graph.op_order if oid not in folded_ids]
    captured = {**graph.captured, **{tid: values[tid] for tid in made}}
    new_graph = _rebuild(graph, remaining, tensors, captured)
    report = PassReport(
        "fold_constants",
        folded_ops=tuple(folded),
        new_constants=tuple(tid for tid in made if tid in new_graph.tensors),
        op_names=_names(graph, folded),
    )
    return new_graph, report


def _is_foldable_leaf(graph, tid, node):
    return node.kind == "constant" and not node.requires_grad and tid in graph.captured


def _evaluate(op, values):
    """Run ``op`` outside any recording: folding is the compiler's work, not a step of the program."""
    args = argument_values(op, values)
    with no_grad(), events.muted():
        result = op.function.apply(*args)
    return result if isinstance(result, tuple) else (result,)


def eliminate_common_subexpressions(graph):
    """Merge every op into an earlier one with the same Function and the same arguments (the same
    tensor nodes and equal constants); consumers of the duplicate read the earlier op's outputs."""
    renamed = {}
    first_seen = {}
    kept = []
    merged = []
    for oid in graph.op_order:
        op = graph.ops[oid]
        op = dataclasses.replace(op, inputs=tuple(_renamed(ref, renamed) for ref in op.inputs))
        key = _expression_key(op) if is_deterministic(op) else None
        earlier = first_seen.get(key) if key is not None else None
        if earlier is None:
            kept.append(op)
            if key is not None:
                first_seen[key] = op
            continue
        renamed.update(zip(op.outputs, earlier.outputs))
        merged.append((oid, earlier.id))
    outputs = [renamed.get(tid, tid) for tid in graph.outputs]
    report = PassReport(
        "eliminate_common_subexpressions",
        merged=tuple(merged),
        op_names=_names(graph, [d for d, _ in merged]),
    )
    return _rebuild(graph, kept, outputs=outputs), report


def _renamed(ref, renamed):
    if isinstance(ref, str):
        return renamed.get(ref, ref)
    return ref.renamed(renamed) if isinstance(ref, TensorKey) else ref


def _argument_key(ref):
    if isinstance(ref, str):
        return "t", ref
    if isinstance(ref, TensorKey):
        return "k", _constant_key(ref.template), ref.refs
    return "c", _constant_key(ref.value)


def _expression_key(op):
    return op.function or op.function_name, op.op, tuple(_argument_key(ref) for ref in op.inputs)


def _constant_key(value):
    """Equal keys for equal plain values (typed, so 2 and 2.0 differ); anything else (arrays, objects)
    is equal only to itself."""
    if value is None or isinstance(value, bool | int | float | str):
        return type(value).__name__, value
    if isinstance(value, tuple):
        return "tuple", tuple(_constant_key(v) for v in value)
    return "object", id(value)


def _names(graph, op_ids):
    return {oid: graph.ops[oid].op for oid in op_ids}


def _rebuild(graph, ops, tensors=None, captured=None, outputs=None):
    """A new graph of ``ops`` keeping only the tensor nodes still in use (inputs, outputs, op wiring)."""
    ops = list(ops)
    outputs = graph.outputs if outputs is None else outputs
    tensors = graph.tensors.values() if tensors is None else tensors
    captured = graph.captured if captured is None else captured
    used = {*graph.inputs, *outputs}
    for op in ops:
        used.update(op.tensor_inputs)
        used.update(op.outputs)
    kept_tensors = [node for node in tensors if node.id in used]
    kept_captured = {tid: value for tid, value in captured.items() if tid in used}
    return Graph(kept_tensors, ops, graph.inputs, outputs, kept_captured, graph.single_output)

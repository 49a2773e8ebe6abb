"""What the graph view says about a node: hover text and the click panel's values, from the graph and,
when there is one, the recorder (its captured step for values and gradients, its per-step series for
statistics at the slider's step). Plain data; no widgets."""

import math

import numpy as np

from ..trace.capture import Value

OP_STATS = ("mean", "std", "zeros", "saturated", "nonfinite")
PARAMETER_STATS = ("grad_norm", "grad_max_abs", "param_norm", "update_ratio")


class NodeInfo:
    """Hover texts and values for the nodes of ``graph``; ``recorder`` may be None."""

    def __init__(self, graph, recorder=None):
        self.graph = graph
        self.op_ids = list(graph.ops)
        self.op_index = {oid: i for i, oid in enumerate(self.op_ids)}
        captured = getattr(recorder, "captured", None)
        self.captured_step = captured.step if captured is not None else None
        self.values, self.grads = _captured_values(graph, captured)
        self.steps = recorder.steps() if recorder else ()
        self.op_series = {s: recorder.op_stats(s) for s in OP_STATS} if recorder else {}
        self.parameter_series = {s: recorder.parameter_stats(s) for s in PARAMETER_STATS} if recorder else {}

    # ---- hover ----
    def tensor_text(self, tid, step_index=None):
        node = self.graph.tensors[tid]
        title = node.name or tid
        lines = [
            f"<b>{title}</b> ({node.kind})",
            f"shape {list(node.shape)} · dtype {node.dtype or '?'} · {node.device}",
            f"module: {node.module or '(top level)'}",
            *self._value_lines(tid),
        ]
        if node.name:
            lines += self._series_lines(self.parameter_series, node.name, step_index)
        return "<br>".join(lines)

    def op_text(self, oid, step_index=None):
        op = self.graph.ops[oid]
        inputs = ", ".join(
            self.graph.tensors[r].type_text if isinstance(r, str) else r.text for r in op.inputs
        )
        outputs = ", ".join(self.graph.tensors[t].type_text for t in op.outputs)
        lines = [
            f"<b>{op.op}</b> (op #{self.op_index[oid]})",
            f"inputs: {inputs}",
            f"output: {outputs}",
            f"module: {op.module or '(top level)'}",
        ]
        if op.outputs:
            lines += self._value_lines(op.outputs[0])
        return "<br>".join(lines + self._series_lines(self.op_series, self.op_index[oid], step_index))

    def _value_lines(self, tid):
        """The captured step's value and gradient statistics of tensor ``tid``."""
        found = [("value", self.values.get(tid)), ("grad", self.grads.get(tid))]
        return [
            f"{what} (step {self.captured_step}): {_summary_text(v.summary)}"
            for what, v in found
            if v is not None
        ]

    def _series_lines(self, series_by_stat, key, step_index):
        """``stat: value`` for each per-step series that has ``key``, at ``step_index``; a NaN/Inf count
        only when it is not zero."""
        if step_index is None:
            return []
        lines = []
        for stat, series in series_by_stat.items():
            values = series.get(key)
            value = values[step_index] if values is not None and step_index < len(values) else math.nan
            if math.isfinite(value) and (value or stat != "nonfinite"):
                lines.append(f"{stat}: {value:.4g}")
        return [f"at step {self.steps[step_index]}:", *lines] if lines else []

    def module_text(self, name, members):
        ops = [self.graph.ops[m] for m in members if m in self.graph.ops]
        parameters = [
            self.graph.tensors[m]
            for m in members
            if m in self.graph.tensors and self.graph.tensors[m].kind == "parameter"
        ]
        counts = {}
        for op in ops:
            counts[op.op] = counts.get(op.op, 0) + 1
        kinds = ", ".join(f"{name} ×{n}" if n > 1 else name for name, n in counts.items())
        values = sum(int(np.prod(p.shape)) for p in parameters)
        return "<br>".join(
            [
                f"<b>module {name}</b> (collapsed)",
                f"{len(ops)} ops: {kinds}",
                f"parameters: {len(parameters)} tensors, {values:,} values",
                "click to expand",
            ]
        )

    # ---- panel ----
    def value_and_grad(self, tid):
        """The captured step's :class:`~gradviz.trace.capture.Value` of tensor ``tid`` and of its gradient
        (None where the step was not captured or the value is unknown)."""
        return self.values.get(tid), self.grads.get(tid)


def _captured_values(graph, captured):
    """{tensor id: forward Value} and {tensor id: gradient Value} from a captured step of the same
    structure. Records name ops by their index in the step; a forward record gives an op's outputs and
    its (leaf) arguments, a backward record the gradient arriving for each output, and the leaf-gradient
    records the final ``.grad`` of each named leaf."""
    values, grads = {}, {}
    if captured is None or captured.graph is None:
        return values, grads
    if captured.graph.structure_signature() != graph.structure_signature():
        return values, grads
    op_ids = list(graph.ops)
    for record in captured.forward():
        op = graph.ops[op_ids[record.op_index]]
        _put_values(values, op.outputs, record.outputs)
        _put_values(values, op.inputs, record.inputs, overwrite=False)
    for record in captured.backward():
        _put_values(grads, graph.ops[op_ids[record.op_index]].outputs, record.inputs)
    by_name = {node.name: tid for tid, node in graph.tensors.items() if node.name}
    for record in captured.leaf_grads():
        if record.name in by_name:
            grads[by_name[record.name]] = record.value
    return values, grads


def _put_values(found, refs, recorded, overwrite=True):
    for ref, value in zip(refs, recorded):
        if isinstance(ref, str) and isinstance(value, Value) and (overwrite or ref not in found):
            found[ref] = value


def _summary_text(summary):
    if summary["mean"] is None:
        return "no finite values"
    spread = f"mean {summary['mean']:.3g} ± {summary['std']:.3g}"
    text = f"{spread}, range [{summary['min']:.3g}, {summary['max']:.3g}]"
    return text + (f", {summary['nonfinite']} NaN/Inf" if summary["nonfinite"] else "")

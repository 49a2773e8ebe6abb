"""Step capture: every op of one training step with its values and gradients, in engine order, for the
step-through debugger to replay (forward op by op, then backward op by op).

Values are copied to the host when the op runs, within a byte budget (``max_bytes``, never exceeded): a
tensor that fits is kept whole; a larger one is kept as a summary (shape, min, max, mean, std, NaN/Inf
count) plus a downsampled preview while the preview fits, and as the summary alone once the budget is
spent. Its record says so (``kept_whole`` is False; ``has_preview``), and the capture counts them
(``summarised``, ``without_preview``).
"""

from dataclasses import dataclass, field

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor
from ..dtypes import dtype_name

PREVIEW_ELEMENTS = 1024


@dataclass
class Value:
    """A tensor's value at one moment of the step: the array itself, or its summary and a preview."""

    shape: tuple
    dtype: str
    array: np.ndarray | None = None
    preview: np.ndarray | None = None
    known_summary: dict | None = field(default=None, repr=False)

    @property
    def summary(self):
        """min, max, mean, std and NaN/Inf count; for a value kept whole, computed when first asked for
        (capturing a step then costs one copy per value)."""
        if self.known_summary is None:
            self.known_summary = _summary(self.array)
        return self.known_summary

    @property
    def kept_whole(self):
        return self.array is not None

    @property
    def has_preview(self):
        return self.preview is not None

    @property
    def nbytes(self):
        return sum(a.nbytes for a in (self.array, self.preview) if a is not None)


@dataclass
class CapturedOp:
    """One op of the step. Forward: ``inputs`` are its arguments (a Value, or the constant's text) and
    ``outputs`` its results. Backward: ``inputs`` are the gradients arriving for its outputs and
    ``outputs`` the gradients it sends to its arguments (None where there is none). ``*_ids`` name the
    forward tensors, so the debugger can highlight them in the graph."""

    order: int
    phase: str
    op: str
    node: int
    op_index: int
    module: str
    inputs: list
    outputs: list
    input_ids: tuple
    output_ids: tuple


@dataclass
class LeafGrad:
    """A leaf's ``.grad`` right after a gradient was summed into it (it grows as paths arrive)."""

    order: int
    tensor_id: int
    name: str | None
    value: Value


@dataclass
class StepCapture:
    step: int
    max_bytes: int
    records: list = field(default_factory=list)
    bytes_used: int = 0
    summarised: int = 0  # values kept as a summary (and a preview, while the budget allowed)
    without_preview: int = 0  # of those, the ones kept as the summary alone: the budget was spent
    _graph: object = field(default=None, repr=False)
    _build_graph: object = field(default=None, repr=False)
    _seen: dict = field(default_factory=dict, repr=False)

    @property
    def graph(self):
        """The step's computation graph (its ids are this step's), built when first asked for: a
        recorder that captures every step (``break_on``) then builds no graph for the steps nobody
        opens."""
        if self._build_graph is not None:
            self._graph, self._build_graph = self._build_graph(), None
        return self._graph

    @graph.setter
    def graph(self, graph):
        self._graph, self._build_graph = graph, None

    def forward(self):
        return [r for r in self.records if isinstance(r, CapturedOp) and r.phase == "forward"]

    def backward(self):
        return [r for r in self.records if isinstance(r, CapturedOp) and r.phase == "backward"]

    def leaf_grads(self):
        return [r for r in self.records if isinstance(r, LeafGrad)]

    def first_nonfinite(self):
        """The first record (engine order) with a NaN/Inf in what it produced, or None."""
        for record in self.records:
            values = [record.value] if isinstance(record, LeafGrad) else record.outputs
            if any(isinstance(v, Value) and v.summary["nonfinite"] for v in values):
                return record
        return None

    def value(self, data):
        """A :class:`Value` of an array, whole if the remaining budget allows, else summarised. An array
        met again (an op's output is the next op's input; a gradient sent is a gradient received) is
        recorded once and shared. The array is kept referenced next to its record until :meth:`finish`,
        so its id cannot be reused by another array during the step (a gradient nothing else keeps
        alive is freed right after its op, and a new array may get its address)."""
        seen = self._seen.get(id(data))
        if seen is not None and seen[0] is data:
            return seen[1]
        record = self._new_value(data)
        self._seen[id(data)] = (data, record)
        return record

    def _new_value(self, data):
        host = np.asarray(backend.to_host(data))
        record = Value(tuple(host.shape), dtype_name(host.dtype))
        if self.bytes_used + host.nbytes <= self.max_bytes:
            record.array = host.copy()
        else:
            record.known_summary = _summary(host)
            self.summarised += 1
            preview = _downsample(host)
            if self.bytes_used + preview.nbytes <= self.max_bytes:
                record.preview = preview
            else:
                self.without_preview += 1
        self.bytes_used += record.nbytes
        return record

    def add_op(self, phase, event, op_index, inputs, outputs, input_ids, output_ids):
        values_in = [self._value_or_text(v) for v in inputs]
        values_out = [self._value_or_text(v) for v in outputs]
        self.records.append(
            CapturedOp(
                len(self.records),
                phase,
                event.op,
                event.node,
                op_index,
                event.module,
                values_in,
                values_out,
                tuple(input_ids),
                tuple(output_ids),
            )
        )

    def finish(self, build_graph):
        """Keep how to build the step's graph (a call, made when it is first asked for) and drop the
        references to the step's arrays kept for sharing."""
        self._build_graph = build_graph
        self._seen.clear()

    def add_leaf_grad(self, tensor_id, name, grad):
        """``.grad`` grows in place, so each moment gets its own copy (never the shared one)."""
        self.records.append(LeafGrad(len(self.records), tensor_id, name, self._new_value(grad._data)))

    def _value_or_text(self, value):
        if value is None:
            return None
        if isinstance(value, Tensor):
            return self.value(value._data)
        return repr(value)


def _summary(host):
    empty = {"min": None, "max": None, "mean": None, "std": None, "nonfinite": 0}
    if host.size == 0 or host.dtype.kind not in "fiub":
        return empty
    flat = host.reshape(-1)
    nonfinite = 0
    if host.dtype.kind == "f" and not np.isfinite(flat.sum()):
        finite = np.isfinite(flat)
        nonfinite = int(flat.size - np.count_nonzero(finite))
        flat = flat[finite]
        if not flat.size:
            return empty | {"nonfinite": nonfinite}
    mean = flat.mean(dtype=np.float64)
    values = flat.astype(np.float64, copy=False)
    return {
        "min": float(flat.min()),
        "max": float(flat.max()),
        "mean": float(mean),
        "std": float(np.sqrt(max(values.dot(values) / values.size - mean * mean, 0.0))),
        "nonfinite": nonfinite,
    }


def _downsample(host):
    """At most ~PREVIEW_ELEMENTS values: an evenly strided grid for 2-D and higher, a strided run else."""
    if host.ndim >= 2:
        side = max(1, int(PREVIEW_ELEMENTS**0.5))
        rows = host.reshape(-1, host.shape[-1])
        return rows[:: max(1, rows.shape[0] // side), :: max(1, rows.shape[1] // side)].copy()
    flat = host.reshape(-1)
    return flat[:: max(1, flat.size // PREVIEW_ELEMENTS)].copy()

"""What the step-through debugger shows at each position of a captured step, as plain data.

Positions run through the capture in engine order: the forward ops, then the backward ops, with the
moments a leaf's ``.grad`` grew in between. At each position the model knows which graph nodes to
highlight, what the panel says, and every tensor's value and gradient as known at that moment (values
appear as forward reaches them, gradients as backward does), so the view can print them in the nodes
when the tensors are small.
"""

from ..trace.capture import LeafGrad, Value

SMALL = 4


class StepperModel:
    def __init__(self, capture):
        if capture is None:
            raise ValueError(
                "StepDebugger needs a captured step: call recorder.capture_step() before the step "
                "(or use Recorder(capture='values'))"
            )
        self.capture = capture
        self.records = capture.records
        self.position = 0

    def __len__(self):
        return len(self.records)

    @property
    def current(self):
        return self.records[self.position]

    def go(self, position):
        self.position = max(0, min(len(self.records) - 1, int(position)))
        return self.position

    def next(self):
        return self.go(self.position + 1)

    def prev(self):
        return self.go(self.position - 1)

    def jump_to_first_nonfinite(self):
        """Go to the first record that produced a NaN/Inf; returns False (staying put) if there is none."""
        record = self.capture.first_nonfinite()
        if record is None:
            return False
        self.go(record.order)
        return True

    def highlighted(self):
        """Graph node ids of the current record: its op node and the tensors it reads and writes."""
        record = self.current
        if isinstance(record, LeafGrad):
            return {f"t{record.tensor_id}"}
        tensors = {f"t{i}" for i in (*record.input_ids, *record.output_ids) if i is not None}
        return tensors | {f"op{record.node}"}

    def title(self):
        record = self.current
        if isinstance(record, LeafGrad):
            return f"{self.position + 1}/{len(self)} · .grad of {record.name or f't{record.tensor_id}'} grows"
        module = f" in {record.module}" if record.module else ""
        return f"{self.position + 1}/{len(self)} · {record.phase} {record.op}{module}"

    def panel(self):
        """Rows (label, Value or text) describing the current record."""
        record = self.current
        if isinstance(record, LeafGrad):
            return [(f".grad of {record.name or f't{record.tensor_id}'} (accumulated so far)", record.value)]
        if record.phase == "forward":
            return [(f"input {i}", v) for i, v in enumerate(record.inputs)] + [
                (f"output {i}", v) for i, v in enumerate(record.outputs)
            ]
        return [(f"gradient arriving for output {i}", v) for i, v in enumerate(record.inputs)] + [
            (f"gradient sent to input {i}", v) for i, v in enumerate(record.outputs) if v is not None
        ]

    def known(self):
        """{tensor id: (value or None, gradient or None)} as known at the current position: a value once
        the op producing it ran forward, a gradient once backward reached it (the latest, for leaves)."""
        values, grads = {}, {}
        for record in self.records[: self.position + 1]:
            if isinstance(record, LeafGrad):
                grads[record.tensor_id] = record.value
            elif record.phase == "forward":
                values.update(_by_id(record.input_ids, record.inputs))
                values.update(_by_id(record.output_ids, record.outputs))
            else:
                grads.update(_by_id(record.input_ids, record.inputs))
        return {i: (values.get(i), grads.get(i)) for i in values.keys() | grads.keys()}

    def node_labels(self):
        """{graph tensor id: 'value | grad'} for tensors of at most SMALL elements (micrograd-style)."""
        labels = {}
        for tensor_id, (value, grad) in self.known().items():
            if value is not None and _is_small(value):
                text = _short(value)
                if grad is not None and _is_small(grad):
                    text += f" | grad {_short(grad)}"
                labels[f"t{tensor_id}"] = text
        return labels


def _by_id(ids, values):
    return {i: v for i, v in zip(ids, values) if i is not None and isinstance(v, Value)}


def _is_small(value):
    return value.kept_whole and value.array.size <= SMALL


def _short(value):
    flat = value.array.reshape(-1)
    text = ", ".join(f"{float(x):.4g}" for x in flat)
    return text if value.array.ndim == 0 else f"[{text}]"

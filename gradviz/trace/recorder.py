"""``Recorder``: turns the engine's events into the per-step numbers every widget draws.

One step is one backward pass, or one ``optimizer.step()`` when an optimizer is attached. A step's
forward ops are the recorded ops its loss depends on (evaluation passes under ``no_grad`` and unrelated
computations are left out). Statistics are computed on the device and fetched once per step
(:mod:`.stats`); series live in a :class:`~.series.SeriesStore` whose memory is bounded.

Use it as a context manager (``with Recorder(model): ...``), with ``attach()``/``detach()``, or as a
``Runner`` callback (``runner.add_callback(recorder)``).
"""

import math
from collections import deque
from functools import partial

from .. import backend
from ..autograd import events
from ..autograd.events import BackwardPass, GradAccumulated, OpEvent
from ..autograd.tensor import Tensor
from ..runner import StopTraining
from . import stats
from .capture import StepCapture
from .diagnostics import KINDS, Thresholds, diagnose
from .series import SeriesStore

ACTIVATION_OPS = {"relu", "sigmoid", "tanh", "gelu", "leaky_relu"}
_MAX_PENDING_EVENTS = 100_000
ATTENTION_STEPS = 256  # steps of attention maps kept, for every attention layer


class TrainingBreakpoint(StopTraining):
    """Raised at the end of a step that met a ``break_on`` condition; ``findings`` say what was found
    and the recorder's ``captured`` step holds its values for the step-through debugger. A ``Runner``
    stops training cleanly on it (counting the step when the optimizer had already updated the
    weights, ``step_completed``); in a script it propagates."""

    def __init__(self, findings, step_completed=False, loss=None):
        super().__init__("; ".join(map(str, findings)), step_completed=step_completed, loss=loss)
        self.findings = findings


class Recorder:
    def __init__(
        self,
        model=None,
        *,
        optimizer=None,
        every=1,
        capture=None,
        max_steps=10_000,
        max_bytes=64 * 2**20,
        histogram_every=10,
        bins=30,
        attention_sample=0,
        break_on=(),
    ):
        if every < 1:
            raise ValueError(f"Recorder: every must be >= 1, got {every}")
        if capture not in (None, "values"):
            raise ValueError(f"Recorder: capture must be None or 'values', got {capture!r}")
        unknown = set(break_on) - set(KINDS)
        if unknown:
            raise ValueError(f"Recorder: unknown break_on conditions {sorted(unknown)}; choose from {KINDS}")
        self.model = model
        self.optimizer = optimizer
        self.every = every
        self.capture_mode = capture
        self.max_bytes = max_bytes
        self.histogram_every = histogram_every
        self.bins = bins
        self.attention_sample = attention_sample
        self.break_on = tuple(break_on)
        self.thresholds = Thresholds()
        self.nan_origin = None
        self.store = SeriesStore(max_steps)
        self.histograms = deque(maxlen=max(16, max_steps // max(histogram_every, 1)))
        self.attention = deque(maxlen=ATTENTION_STEPS)
        self.attention_inputs = deque(maxlen=ATTENTION_STEPS)
        self.graphs = {}
        self.graph_of_step = SeriesStore(max_steps)
        self.step = 0
        self.captured = None
        self._arm_capture = self._captures_every_step
        self._handles = []
        self._parameters = []
        self._weights_before = {}
        self._attention_modules = []
        self._model_args = ()
        self._reset_step()

    # ---- attaching ----
    def attach(self, model=None, optimizer=None):
        if self._handles:
            return self
        self.model = model if model is not None else self.model
        self.optimizer = optimizer if optimizer is not None else self.optimizer
        self._handles.append(events.subscribe(self._on_event))
        modules = [] if self.model is None else list(self.model.named_modules())[1:]
        for name, module in modules:
            self._handles.append(module.register_forward_hook(self._module_hook(name)))
        self._parameters = [] if self.model is None else list(self.model.named_parameters())
        self._attention_modules = [(n, m) for n, m in modules if hasattr(m, "last_attn_weights")]
        if self._attention_modules:
            layers = len(self._attention_modules)
            self.attention = deque(
                self.attention, maxlen=max(self.attention.maxlen, ATTENTION_STEPS * layers)
            )
            self._handles.append(self.model.register_forward_pre_hook(self._remember_inputs))
        if self.optimizer is not None:
            self._handles.extend(self.optimizer_hooks(self.optimizer))
        return self

    def detach(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        return self

    def __enter__(self):
        return self.attach()

    def __exit__(self, *exc):
        self.detach()

    def on_train_begin(self, runner):
        self.attach(runner.model, runner.optimizer)

    def on_train_end(self, runner):
        self.detach()

    def optimizer_hooks(self, optimizer):
        return [
            optimizer.register_step_pre_hook(lambda opt, args, kwargs: self._before_update()),
            optimizer.register_step_post_hook(lambda opt, args, kwargs: self._end_step(updated=True)),
        ]

    # ---- names ----
    def parameter_names(self):
        return {} if self.model is None else {id(p): n for n, p in self.model.named_parameters()}

    # ---- per step ----
    def _reset_step(self):
        self._events = []
        self._module_outputs = []
        self._pending = stats.Batch()
        self._before = None
        self._ops = None
        self._loss = None
        self._capture = None

    @property
    def _captures_every_step(self):
        """A breakpoint must find its step captured, so ``break_on`` captures every step (the latest kept)."""
        return self.capture_mode == "values" or bool(self.break_on)

    @property
    def recording(self):
        """Whether the current step records statistics (every ``every``-th step does)."""
        return self.step % self.every == 0

    def capture_step(self):
        """Keep every op's values and gradients of the next step, for the step-through debugger."""
        self._arm_capture = True
        return self

    def _on_event(self, event):
        cls = event.__class__
        if cls is OpEvent:
            if event.phase == "forward":
                for out in event.output_tensors:
                    if out.requires_grad:  # a graph node; evaluation passes under no_grad are left out
                        self._events.append(event)
                        if len(self._events) > _MAX_PENDING_EVENTS:
                            self._events = self._events[-1000:]
                        break
            elif self._ops is not None:
                self._on_backward_op(event)
        elif cls is BackwardPass:
            if event.phase == "begin":
                self._begin_backward(event)
            elif self.optimizer is None:
                self._end_step()
        elif cls is GradAccumulated and self._capture is not None:
            self._capture.add_leaf_grad(event.tensor_id, self._leaf_names.get(event.tensor_id), event.grad)

    def _module_hook(self, name):
        def hook(module, args, output):
            tensor = (
                output
                if isinstance(output, Tensor)
                else next((o for o in output if isinstance(o, Tensor)), None)
                if isinstance(output, (tuple, list))
                else None
            )
            if tensor is not None and tensor.requires_grad:
                self._module_outputs.append((name, module, tensor))

        return hook

    def _begin_backward(self, event):
        roots = event.roots
        self._loss = roots[0] if roots and roots[0].data.size == 1 else None
        self._ops = _ops_reaching(self._events, {r._id for r in roots})
        self._events = []
        self._node_index = {e.node: i for i, e in enumerate(self._ops)}
        if self.recording:
            self._forward_stats()
        if self._arm_capture:
            self._start_capture()

    def _start_capture(self):
        self._capture = StepCapture(self.step, self.max_bytes)
        self._leaf_names = {p._id: n for n, p in self._named_parameters()}
        for index, event in enumerate(self._ops):
            self._capture.add_op(
                "forward",
                event,
                index,
                event.input_tensors,
                event.output_tensors,
                event.input_ids,
                event.output_ids,
            )

    def _forward_stats(self):
        """Activation statistics for activation ops and module outputs (a tensor that is both is
        reduced once), and NaN/Inf counts for every other op's output."""
        for index, event in enumerate(self._ops):
            op = event.op if event.op in ACTIVATION_OPS else None
            for out in event.output_tensors:
                if out.data.dtype.kind != "f":
                    continue
                if op is None:
                    self._pending.nonfinite(("op", index, "nonfinite"), out.data)
                else:
                    self._pending.activation(("op", index), out.data, op)
        for name, module, tensor in self._module_outputs:
            self._pending.activation(("module", name), tensor.data, type(module).__name__.lower())

    def _on_backward_op(self, event):
        index = self._node_index.get(event.node)
        if index is None:
            return
        if self._capture is not None:
            self._capture.add_op(
                "backward",
                event,
                index,
                event.input_tensors,
                event.output_tensors,
                event.input_ids,
                event.output_ids,
            )
        if not self.recording:
            return
        for arg, grad in enumerate(event.output_tensors):
            if grad is not None:
                self._pending.norm(("edge", index, arg), grad.data)

    def _before_update(self):
        """Keep the weights the optimizer is about to update, in buffers reused from step to step."""
        if self.recording:
            kept = self._weights_before
            self._before = {
                n: _copy_into(kept.get(n), p.data) for n, p in self._named_parameters() if p.grad is not None
            }
            kept.update(self._before)

    def _named_parameters(self):
        return self._parameters

    def _end_step(self, updated=False):
        """Finish the step; ``updated``: the optimizer has applied its update (the post-step hook)."""
        if self._ops is None:
            return
        loss = None
        if self.recording:
            loss = None if self._loss is None else float(self._loss.item())
            self._parameter_stats()
            values = self._pending.compute()
            if loss is not None:
                values[("loss",)] = loss
            self.store.append(self.step, values)
            if not self._pending.all_finite:
                self._find_nan_origin(values)
            self._record_graph()
            self._record_histograms()
            self._record_attention()
        if self._capture is not None:
            self._finish_capture()
        findings = diagnose(self, self.break_on, self.thresholds) if self.break_on and self.recording else []
        self.step += 1
        self._reset_step()
        if findings:
            raise TrainingBreakpoint(findings, step_completed=updated, loss=loss)

    def save(self, path):
        """Write the recording (series, graphs, histograms, attention, captured step) to ``path``."""
        from . import recording

        recording.save(self, path)

    @staticmethod
    def load(path):
        """A detached recorder holding a recording written by :meth:`save`, ready for the widgets."""
        from . import recording

        return recording.load(path)

    def diagnose(self, kinds=KINDS):
        """Findings in plain words for the latest recorded step (see :mod:`.diagnostics`)."""
        return diagnose(self, kinds, self.thresholds)

    def _find_nan_origin(self, values):
        """Where NaN/Inf first appeared this step: the first forward op whose output held one, else the
        first backward op (engine order: the latest op) that sent a non-finite gradient."""
        bad_forward = sorted(
            k[1] for k, v in values.items() if k[0] == "op" and k[2] == "nonfinite" and v > 0
        )
        bad_backward = sorted(
            (k[1] for k, v in values.items() if k[0] == "edge" and not math.isfinite(v)), reverse=True
        )
        if bad_forward:
            event = self._ops[bad_forward[0]]
            bad = [
                f"input {i} ({_nonfinite_text(t)})"
                for i, t in enumerate(event.input_tensors)
                if isinstance(t, Tensor) and t.data.dtype.kind == "f" and stats.nonfinite_count(t.data)
            ]
            phase = "forward"
        elif bad_backward:
            event, bad, phase = self._ops[bad_backward[0]], [], "backward"
        else:
            return
        self.nan_origin = {
            "step": self.step,
            "phase": phase,
            "op": event.op,
            "op_index": self._ops.index(event),
            "module": event.module,
            "bad_inputs": bad,
        }

    def _finish_capture(self):
        from .graph import Graph

        self._capture.finish(partial(Graph.from_events, self._ops, names=self.model))
        self.captured = self._capture
        self._arm_capture = self._captures_every_step

    def _parameter_stats(self):
        for name, param in self._named_parameters():
            if param.grad is not None:
                self._pending.gradient(("param", name), param.grad.data)
            self._pending.norm(("param", name, "param_norm"), param.data)
            if self._before is not None and name in self._before:
                change = self._before[name]
                backend.array_module(change).subtract(param.data, change, out=change)
                self._pending.ratio(("param", name, "update_ratio"), change, param.data)

    def _record_graph(self):
        from .graph import Graph

        signature = _signature(self._ops)
        if signature not in self.graphs:
            self.graphs[signature] = Graph.from_events(self._ops, names=self.model)
        self.graph_of_step.append(self.step, {("graph",): float(list(self.graphs).index(signature))})

    def _record_histograms(self):
        if self.step % self.histogram_every:
            return
        for name, _, tensor in self._module_outputs:
            counts, edges = stats.histogram(tensor.data, self.bins)
            self.histograms.append((self.step, name, counts, edges))

    def _remember_inputs(self, module, args):
        self._model_args = args

    def _record_attention(self):
        sample = None
        for name, module in self._attention_modules:
            weights = module.last_attn_weights
            if weights is not None:
                sample = min(self.attention_sample, weights.shape[0] - 1)
                self.attention.append((self.step, name, weights[sample].cpu().numpy()))
        if sample is not None:
            self.attention_inputs.append((self.step, _sample_rows(self._model_args, sample)))

    # ---- reading ----
    def steps(self):
        return self.store.column(("loss",))[0]

    def losses(self):
        """(steps, loss values) as numpy arrays."""
        return self.store.column(("loss",))

    def _by_name(self, group, stat):
        names = dict.fromkeys(k[1] for k in self.store.keys() if k[0] == group and k[2] == stat)
        return {name: self.store.column((group, name, stat))[1] for name in names}

    def gradient_flow(self, stat="grad_norm"):
        """{parameter name: per-step gradient L2 norms} (or another parameter statistic: grad_mean_abs,
        grad_max_abs, param_norm, update_ratio)."""
        return self._by_name("param", stat)

    def parameter_stats(self, stat):
        return self._by_name("param", stat)

    def activation_stats(self, stat):
        """{module name: per-step statistic of its output}: mean, std, zeros, saturated, nonfinite."""
        return self._by_name("module", stat)

    def op_stats(self, stat):
        """{op index in the step's graph: per-step statistic of its output}."""
        return self._by_name("op", stat)

    def edge_norms(self):
        """{(op index, argument index): per-step norm of the gradient flowing along that edge}."""
        return {k[1:]: self.store.column(k)[1] for k in self.store.keys() if k[0] == "edge"}

    def graph(self, step=-1):
        """The computation graph recorded for a step (the latest by default)."""
        steps, which = self.graph_of_step.column(("graph",))
        if not len(steps):
            return None
        index = -1 if step == -1 else int(which[list(steps).index(step)])
        return list(self.graphs.values())[int(which[-1]) if index == -1 else index]


def _copy_into(buffer, data):
    """``data`` copied into ``buffer`` when it fits (same array type, shape and dtype), else into a new
    array."""
    fits = buffer is not None and buffer.__class__ is data.__class__
    if not (fits and buffer.shape == data.shape and buffer.dtype == data.dtype):
        return data.copy()
    backend.array_module(data).copyto(buffer, data)
    return buffer


def _nonfinite_text(tensor):
    return f"{int(stats.nonfinite_count(tensor.data))} NaN/Inf of {tensor.data.size}"


def _ops_reaching(forward_events, root_ids):
    """The forward events whose outputs the roots depend on, in engine order."""
    needed = set(root_ids)
    kept = []
    for event in reversed(forward_events):
        if any(o._id in needed for o in event.output_tensors):
            kept.append(event)
            needed.update(t._id for t in event.input_tensors if isinstance(t, Tensor))
    kept.reverse()
    return kept


def _signature(ops):
    return hash(tuple((e.op, e.module, tuple(o.data.shape for o in e.output_tensors)) for e in ops))


def _sample_rows(args, sample):
    """Row ``sample`` of every batched tensor among the model's arguments (nested tuples and lists
    flattened, in order), as host arrays: the inputs the recorded attention belongs to."""
    rows = []
    for arg in args:
        if isinstance(arg, (tuple, list)):
            rows.extend(_sample_rows(arg, sample))
        elif isinstance(arg, Tensor) and arg.ndim >= 1 and arg.shape[0] > sample:
            rows.append(backend.to_host(arg.data[sample]))
    return tuple(rows)

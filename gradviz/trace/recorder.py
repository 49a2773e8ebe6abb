"""``Recorder``: turns the engine's events into the per-step numbers every widget draws.

One step is one backward pass, or one ``optimizer.step()`` when an optimizer is attached. A step's
forward ops are the recorded ops its loss depends on (evaluation passes under ``no_grad`` and unrelated
computations are left out). Statistics are computed on the device and fetched once per step
(:mod:`.stats`); series live in a :class:`~.series.SeriesStore` whose memory is bounded.

Rules worth knowing:

* With an optimizer attached, several backward passes before ``step()`` (gradient accumulation) are one
  step: it holds all their ops, its loss is the sum of their roots' values (accumulate ``loss / n``
  to get the mean), and module statistics cover every micro-batch.
* A module called several times in a step is measured over all its calls that the loss depends on
  (their outputs together), with one histogram per step.
* Forward ops and module outputs are held weakly until the backward: a forward whose outputs are
  dropped without a backward costs nothing later.
* Edge gradient norms are what flowed along the edge when it flowed (not ``.grad`` after
  accumulation or clipping).

Use it as a context manager (``with Recorder(model): ...``), with ``attach()``/``detach()``, or as a
``Runner`` callback (``runner.add_callback(recorder)``).
"""

import itertools
import math
import numbers
import weakref
from collections import deque
from functools import partial

import numpy as np

from .. import backend
from ..autograd import events
from ..autograd.events import BackwardPass, GradAccumulated, OpEvent
from ..autograd.tensor import Tensor
from ..runner import StopTraining
from . import stats
from .capture import LeafGrad, StepCapture, Value
from .diagnostics import KINDS, Finding, Thresholds, diagnose
from .series import SeriesStore

ACTIVATION_OPS = {"relu", "sigmoid", "tanh", "gelu", "leaky_relu"}
_MAX_PENDING_EVENTS = 100_000
_PRUNE_AT = 4096  # held forward events / module outputs before the dead ones are dropped
_ref = weakref.ref
_Ref = weakref.ReferenceType
ATTENTION_STEPS = 256  # steps of attention maps kept, for every attention layer
MAX_GRAPHS = 64  # distinct step graphs kept (see Recorder._forget_graphs)


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
        _check_count("every", every, 1)
        _check_count("max_steps", max_steps, 4)
        _check_count("histogram_every", histogram_every, 1)
        _check_count("bins", bins, 1)
        _check_count("attention_sample", attention_sample, 0)
        _check_count("max_bytes", max_bytes, 0, numbers.Real)
        if capture not in (None, "values"):
            raise ValueError(f"Recorder: capture must be None or 'values', got {capture!r}")
        if isinstance(break_on, str):  # one condition
            break_on = (break_on,)
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
        self.saved_parameter_ndims = {}
        self.store = SeriesStore(max_steps)
        self.histograms = deque(maxlen=max(16, max_steps // max(histogram_every, 1)))
        self.attention = deque(maxlen=ATTENTION_STEPS)
        self.attention_inputs = deque(maxlen=ATTENTION_STEPS)
        self.graphs = {}
        self._graph_positions = {}
        self.graph_of_step = SeriesStore(max_steps)
        self.step = 0
        self.captured = None
        self._arm_capture = self._captures_every_step
        self._handles = []
        self._parameters = []
        self._weights_before = {}
        self._changes = {}
        self._attention_modules = []
        self._model_args = ()
        self._depth = 0
        self._histogram_bucket = None
        self._reset_step()

    # ---- attaching ----
    def attach(self, model=None, optimizer=None):
        """Start observing (``model``/``optimizer`` replace the ones given to the constructor). Attaching
        again to the same model and optimizer does nothing; to another one raises (``detach()`` first),
        except for a recorder attached to no model, which then re-attaches to the model given."""
        if self._handles:
            other_model = model is not None and model is not self.model
            other_optimizer = optimizer is not None and optimizer is not self.optimizer
            if not (other_model or other_optimizer):
                return self
            if self.model is not None and (other_model or self.optimizer is not None and other_optimizer):
                what = "a model" if other_model else "an optimizer"
                raise RuntimeError(
                    f"Recorder.attach: already attached; attaching to {what} other than the current one "
                    "needs detach() first (or a second Recorder)"
                )
            self.detach()
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
        """Stop observing; a step in progress (a backward whose optimizer step was not seen) is dropped."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._depth = 0
        if self._ops is not None:
            self._reset_step()
        return self

    def __enter__(self):
        """``with recorder:`` blocks nest: only the outermost one attaches and detaches."""
        if self._depth == 0:
            self.attach()
        self._depth += 1
        return self

    def __exit__(self, *exc):
        self._depth -= 1
        if self._depth <= 0:
            self.detach()

    def on_train_begin(self, runner):
        """As a ``Runner`` callback (also inside ``with recorder:`` on the same model)."""
        self.attach(runner.model, runner.optimizer)  # inside a with block: the same ones, or an error
        self._depth += 1

    def on_train_end(self, runner):
        self.__exit__()

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
        self._prune_events_at = self._prune_outputs_at = _PRUNE_AT
        self._pending = stats.Batch()
        self._before = None
        self._ops = None
        self._node_index = {}
        self._roots = []
        self._module_data = {}
        self._leaf_edges = {}
        self._capture = None
        # forward events are only needed by a step that records statistics or is captured
        self._observing = self.recording or self._arm_capture

    @property
    def _captures_every_step(self):
        """A breakpoint must find its step captured, so ``break_on`` captures every step (the latest kept).
        On a step that records no statistics (``every`` > 1) only ``'nan'`` can be checked: from the
        capture."""
        return self.capture_mode == "values" or bool(self.break_on)

    @property
    def recording(self):
        """Whether the current step records statistics (every ``every``-th step does)."""
        return self.step % self.every == 0

    def capture_step(self):
        """Keep every op's values and gradients of the next step (call it before the step's forward),
        for the step-through debugger."""
        self._arm_capture = self._observing = True
        return self

    def _on_event(self, event):
        cls = event.__class__
        if cls is OpEvent:
            if event.phase == "forward":
                if self._observing:
                    self._on_forward_op(event)
            elif self._ops is not None:
                self._on_backward_op(event)
        elif cls is BackwardPass:
            if event.phase == "begin":
                self._begin_backward(event)
            elif self.optimizer is None:
                self._end_step()
        elif cls is GradAccumulated and self._capture is not None:
            self._capture.add_leaf_grad(event.tensor_id, self._leaf_names.get(event.tensor_id), event.grad)

    def _on_forward_op(self, event):
        """Keep the op, holding its tensors weakly: a forward whose outputs nobody keeps (inference
        without ``no_grad``, a monitoring pass) is dropped instead of being held until a backward."""
        outputs = event.output_tensors
        for out in outputs:
            if out.requires_grad:  # a graph node; evaluation passes under no_grad are left out
                inputs = []  # loops, not generator expressions: each of those is a frame in Python 3.11
                for t in event.input_tensors:
                    inputs.append(_ref(t) if isinstance(t, Tensor) else t)
                refs = []
                for t in outputs:
                    refs.append(_ref(t))
                infos = event.outputs if len(outputs) > 1 else None
                self._events.append((event[:6], tuple(inputs), tuple(refs), event[8:], infos))
                if len(self._events) > self._prune_events_at:
                    self._events, self._prune_events_at = _pruned(self._events, _event_alive)
                break

    def _module_hook(self, name):
        def hook(module, args, output):
            if not self._observing:
                return
            tensor = (
                output
                if isinstance(output, Tensor)
                else next((o for o in output if isinstance(o, Tensor)), None)
                if isinstance(output, (tuple, list))
                else None
            )
            if tensor is not None and tensor.requires_grad:
                self._module_outputs.append((name, module, _ref(tensor)))
                if len(self._module_outputs) > self._prune_outputs_at:
                    self._module_outputs, self._prune_outputs_at = _pruned(
                        self._module_outputs, _output_alive
                    )

        return hook

    def _begin_backward(self, event):
        """A backward pass of the step begins (several with gradient accumulation: the step then holds
        the ops of all of them, in engine order, and its loss is the sum of their roots' values)."""
        if self._ops is None:
            self._ops = []
        if not self._observing:
            return
        roots = event.roots
        if roots and roots[0]._data.size == 1:
            self._roots.append(roots[0])
        start = len(self._ops)
        ops, needed = _ops_reaching(self._events, {r._id for r in roots})
        self._events = []
        self._ops.extend(ops)
        for i, e in enumerate(ops, start):
            self._node_index[e.node] = i
        reached = []
        for name, module, ref in self._module_outputs:
            tensor = ref()
            if tensor is not None and tensor._id in needed:
                reached.append((name, module, tensor))
        self._module_outputs = []
        for name, module, tensor in reached:
            kind = type(module).__name__.lower()
            self._module_data.setdefault(name, (kind, []))[1].append(tensor._data)
        if self.recording:
            self._forward_stats(start)
        if self._arm_capture:
            self._start_capture(start)

    def _start_capture(self, start):
        if self._capture is None:
            self._capture = StepCapture(self.step, self.max_bytes)
            self._leaf_names = {p._id: n for n, p in self._named_parameters()}
        for index in range(start, len(self._ops)):
            event = self._ops[index]
            self._capture.add_op(
                "forward",
                event,
                index,
                event.input_tensors,
                event.output_tensors,
                event.input_ids,
                event.output_ids,
            )

    def _forward_stats(self, start):
        """Activation statistics for activation ops, and NaN/Inf counts for every other op's output
        (module outputs are measured at the step's end, over all their calls: :meth:`_module_arrays`)."""
        ops = self._ops
        for index in range(start, len(ops)):
            event = ops[index]
            op = event.op if event.op in ACTIVATION_OPS else None
            for out in event.output_tensors:
                if not isinstance(out, Tensor):
                    continue  # an output of a multi-output op that nobody kept
                if out._data.dtype.kind != "f":
                    continue
                if op is None:
                    self._pending.nonfinite(("op", index, "nonfinite"), out._data)
                else:
                    self._pending.activation(("op", index), out._data, op)

    def _module_arrays(self):
        """(name, module type, data) per module whose output the step's loss depends on. A module
        called several times in the step (a shared layer, an RNN cell, gradient accumulation) is
        measured over all its calls that reach the loss: their outputs, flattened and concatenated
        (a tensor that is also an op's output is then reduced once more, only for such modules)."""
        result = []
        for name, (kind, arrays) in self._module_data.items():
            if len(arrays) == 1:
                data = arrays[0]
            else:
                xp = backend.array_module(arrays[0])
                data = xp.concatenate([a.reshape(-1) for a in arrays])
            result.append((name, kind, data))
        return result

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
        args = event.grad_of[1]
        for arg, grad in enumerate(event.output_tensors):
            if grad is not None:
                data = grad._data
                tensor = args[arg]
                if isinstance(tensor, Tensor) and tensor.grad_fn is None:
                    # a leaf's gradient may become its .grad buffer, later summed into (tied weights,
                    # accumulation) or clipped in place: its sum of squares is taken now (a device
                    # scalar, fetched with the rest at the step's end)
                    flat = data.reshape(-1)
                    self._leaf_edges[("edge", index, arg)] = (data, flat.dot(flat))
                else:
                    self._pending.norm(("edge", index, arg), data)

    def _before_update(self):
        """Keep the weights the optimizer is about to update, in buffers reused from step to step."""
        if self.recording:
            kept = self._weights_before
            self._before = {
                n: _copy_into(kept.get(n), p._data) for n, p in self._named_parameters() if p.grad is not None
            }
            kept.update(self._before)

    def _named_parameters(self):
        return self._parameters

    def _end_step(self, updated=False):
        """Finish the step; ``updated``: the optimizer has applied its update (the post-step hook)."""
        if self._ops is None:
            return
        loss = None
        findings = []
        if self.recording:
            loss = float(sum(r.item() for r in self._roots)) if self._roots else None
            modules = self._module_arrays()
            for name, kind, data in modules:
                self._pending.activation(("module", name), data, kind)
            self._parameter_stats()
            values = self._pending.compute()
            finite = self._pending.all_finite
            if self._leaf_edges:
                squares = stats.fetch([squares for _, squares in self._leaf_edges.values()])
                values.update((key, math.sqrt(sq)) for key, sq in zip(self._leaf_edges, squares))
                finite = finite and math.isfinite(sum(squares))
            if loss is not None:
                values[("loss",)] = loss
            self.store.append(self.step, values)
            if not finite:
                self._find_nan_origin(values)
            self._record_graph()
            self._record_histograms(modules)
            self._record_attention()
            if self.break_on:
                findings = diagnose(self, self.break_on, self.thresholds)
        elif "nan" in self.break_on and self._capture is not None:
            findings = self._nan_in_capture()
        if self._capture is not None:
            self._finish_capture()
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
        first backward op (engine order: the latest op) that sent a non-finite gradient. Only actual
        NaN/Inf counts decide: a norm that overflowed float32 (every gradient finite) is no origin. The
        inputs are judged as the forward saw them (a parameter by its copy from before the update)."""
        bad_forward = sorted(
            k[1] for k, v in values.items() if k[0] == "op" and k[2] == "nonfinite" and v > 0
        )
        suspects = [k for k, v in values.items() if k[0] == "edge" and not math.isfinite(v)]
        if suspects and not bad_forward:
            arrays = {key: m.data for _, key, m in self._pending.requests if key[0] == "edge"}
            arrays.update((key, data) for key, (data, _) in self._leaf_edges.items())
            suspects = [k for k in suspects if stats.nonfinite_count(arrays[k])]
        bad_backward = sorted((k[1] for k in suspects), reverse=True)
        if bad_forward:
            event = self._ops[bad_forward[0]]
            before = self._before or {}
            names = {id(p): n for n, p in self._named_parameters()}
            bad = []
            for i, t in enumerate(event.input_tensors):
                if isinstance(t, Tensor) and t._data.dtype.kind == "f":
                    data = before.get(names.get(id(t)), t._data)
                    count = int(stats.nonfinite_count(data))
                    if count:
                        bad.append(f"input {i} ({count} NaN/Inf of {data.size})")
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

    def _nan_in_capture(self):
        """``break_on=['nan']`` on a step that records no statistics: the captured step (``break_on``
        captures every step) says where the first NaN/Inf appeared."""
        record = self._capture.first_nonfinite()
        if record is None:
            return []
        if isinstance(record, LeafGrad):
            op, op_index, module, phase, bad = "accumulate_grad", None, "", "backward", []
        else:
            op, op_index, module, phase = record.op, record.op_index, record.module, record.phase
            bad = [
                f"input {i} ({v.summary['nonfinite']} NaN/Inf of {math.prod(v.shape)})"
                for i, v in enumerate(record.inputs)
                if phase == "forward" and isinstance(v, Value) and v.summary["nonfinite"]
            ]
        self.nan_origin = origin = {
            "step": self.step,
            "phase": phase,
            "op": op,
            "op_index": op_index,
            "module": module,
            "bad_inputs": bad,
        }
        message = (
            f"the first NaN/Inf appeared in the {phase} of '{op}'{' in ' + module if module else ''}; "
            f"inputs already bad: {', '.join(bad) or 'none (the op itself produced them)'}"
        )
        return [Finding("nan", message, self.step, module or None, op, dict(origin))]

    def _finish_capture(self):
        from .graph import Graph

        self._capture.finish(partial(Graph.from_events, self._ops, names=self.model))
        self.captured = self._capture
        self._arm_capture = self._captures_every_step

    def _parameter_stats(self):
        for name, param in self._named_parameters():
            if param.grad is not None:
                self._pending.gradient(("param", name), param.grad._data)
            self._pending.norm(("param", name, "param_norm"), param._data)
            if self._before is not None and name in self._before:
                # a buffer of its own (reused), so the copy from before the update stays intact for
                # judging the forward's inputs (:meth:`_find_nan_origin`)
                change = self._changes[name] = _buffer_like(self._changes.get(name), param._data)
                backend.array_module(change).subtract(param._data, self._before[name], out=change)
                self._pending.ratio(("param", name, "update_ratio"), change, param._data)

    def _record_graph(self):
        from .graph import Graph

        signature = _signature(self._ops)
        positions = self._graph_positions
        if len(positions) != len(self.graphs):  # graphs replaced (a loaded recording)
            positions = self._graph_positions = {sig: i for i, sig in enumerate(self.graphs)}
        position = positions.get(signature)
        if position is None:
            if len(self.graphs) >= MAX_GRAPHS:
                self._forget_graphs()
            position = positions[signature] = len(self.graphs)
            self.graphs[signature] = Graph.from_events(self._ops, names=self.model)
        self.graph_of_step.append(self.step, {("graph",): float(position)})

    def _forget_graphs(self):
        """Keep the graphs of the steps still stored (the newest ``MAX_GRAPHS // 2`` of them when shapes
        vary every step); older steps' graphs read as forgotten (NaN in ``graph_of_step``)."""
        column = self.graph_of_step.columns.get(("graph",), [])
        last_use = {}
        for at, value in enumerate(column):
            if value == value:  # not NaN
                last_use[int(value)] = at
        keep = sorted(sorted(last_use, key=last_use.get)[-(MAX_GRAPHS // 2) :])
        renumber = {old: new for new, old in enumerate(keep)}
        items = list(self.graphs.items())
        self.graphs = {items[old][0]: items[old][1] for old in keep}
        self._graph_positions = {sig: i for i, sig in enumerate(self.graphs)}
        column[:] = [float(renumber[int(v)]) if v == v and int(v) in renumber else math.nan for v in column]

    def _record_histograms(self, modules):
        """One histogram per module per step, over the same data as its statistics, at the first
        recorded step of every ``histogram_every`` steps (with ``every=3, histogram_every=2``: steps 0,
        3, 6, 9, ...; with ``every=3, histogram_every=10``: 0, 12, 21, 30, ...): the cadence asked for, as
        closely as the recorded steps allow."""
        bucket = self.step // self.histogram_every
        if bucket == self._histogram_bucket:
            return
        self._histogram_bucket = bucket
        for name, _, data in modules:
            counts, edges = stats.histogram(data, self.bins)
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

    def parameter_ndims(self):
        """Each parameter's number of dimensions: from the model, or from the recording it was loaded
        from (what the vanishing rule needs to leave biases out)."""
        if self.model is not None:
            return {name: p.ndim for name, p in self.model.named_parameters()}
        return dict(self.saved_parameter_ndims)

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
        """The computation graph recorded for a step (the latest by default; None before any)."""
        steps, which = self.graph_of_step.column(("graph",))
        if not len(steps):
            return None
        if step == -1:
            position = which[-1]
        else:
            at = int(np.searchsorted(steps, step))
            if at == len(steps) or steps[at] != step:
                raise ValueError(
                    f"Recorder.graph: step {step} has no recorded graph; {len(steps)} steps are kept, "
                    f"from {steps[0]} to {steps[-1]} (every={self.every}; older steps are thinned): "
                    f"{_steps_text(steps)}"
                )
            position = which[at]
        if math.isnan(position):
            raise ValueError(
                f"Recorder.graph: the graph of step {step} is no longer kept (at most {MAX_GRAPHS} "
                "distinct graphs are; older ones are forgotten when shapes keep changing)"
            )
        return next(itertools.islice(self.graphs.values(), int(position), None))


def _check_count(name, value, least, kind=numbers.Integral):
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if kind is numbers.Integral else "a number"
        raise TypeError(f"Recorder: {name} must be {what}, got {value!r}")
    if value < least:
        raise ValueError(f"Recorder: {name} must be >= {least}, got {value}")


def _steps_text(steps, shown=8):
    steps = [int(s) for s in steps]
    if len(steps) <= 2 * shown:
        return ", ".join(map(str, steps))
    return f"{', '.join(map(str, steps[:shown]))}, ..., {', '.join(map(str, steps[-shown:]))}"


def _buffer_like(buffer, data):
    """``buffer`` when it fits ``data`` (same array type, shape and dtype), else a new empty array."""
    fits = buffer is not None and buffer.__class__ is data.__class__
    if fits and buffer.shape == data.shape and buffer.dtype == data.dtype:
        return buffer
    return backend.array_module(data).empty_like(data)


def _copy_into(buffer, data):
    """``data`` copied into ``buffer`` when it fits (same array type, shape and dtype), else into a new
    array."""
    buffer = _buffer_like(buffer, data)
    backend.array_module(data).copyto(buffer, data)
    return buffer


def _event_alive(entry):
    return any(r() is not None for r in entry[2])


def _output_alive(entry):
    return entry[2]() is not None


def _pruned(entries, alive):
    """``entries`` without those whose weakly held tensors died, and the length at which to prune
    again; at most ``_MAX_PENDING_EVENTS`` kept (the latest)."""
    live = [e for e in entries if alive(e)]
    if len(live) > _MAX_PENDING_EVENTS:
        live = live[-_MAX_PENDING_EVENTS // 2 :]
    return live, max(_PRUNE_AT, 2 * len(live))


def _ops_reaching(forward_events, root_ids):
    """The forward events (as kept by ``Recorder._on_forward_op``) whose outputs the roots depend on,
    in engine order, as :class:`OpEvent` again; and the ids of every tensor they reach from."""
    needed = set(root_ids)
    kept = []
    new = tuple.__new__
    for head, ins, outs, tail, infos in reversed(forward_events):
        reached = False  # loops, not generator expressions: each of those is a frame in Python 3.11
        outputs = []
        for r in outs:
            o = r()
            outputs.append(o)
            reached = reached or (o is not None and o._id in needed)
        if reached:
            if infos is not None and None in outputs:  # an unkept output of a multi-output op
                outputs = [_gone(info, head[4]) if o is None else o for o, info in zip(outputs, infos)]
            inputs = []
            for t in ins:
                if t.__class__ is _Ref:
                    t = t()
                    if t is not None:
                        needed.add(t._id)
                inputs.append(t)
            kept.append(new(OpEvent, (*head, tuple(inputs), tuple(outputs), *tail)))
    kept.reverse()
    return kept, needed


def _gone(info, module):
    from .graph import TensorNode, tensor_id

    return TensorNode(
        tensor_id(info.id), tuple(info.shape), info.dtype, info.device, "intermediate", True, module
    )


_PLAIN = (bool, int, float, str, type(None))


def _signature(ops):
    """A hash of the step's structure: ops, modules, wiring (each tensor by its order of first use, so
    ``h * h`` differs from ``h * x``), shapes, dtypes and plain constants; blind to tensor ids."""
    order = {}
    parts = []
    for e in ops:
        ins = []
        for t in e.input_tensors:
            if isinstance(t, Tensor):
                position = order.get(t._id)
                if position is None:
                    position = order[t._id] = len(order)
                    data = t._data
                    ins.append((position, data.shape, data.dtype, t.requires_grad))
                else:
                    ins.append(position)
            else:
                ins.append(t if t.__class__ in _PLAIN else t.__class__.__name__)
        outs = []
        for o in e.output_tensors:
            if isinstance(o, Tensor):
                order[o._id] = len(order)
                outs.append((o._data.shape, o._data.dtype))
            else:  # an output of a multi-output op that nobody kept
                outs.append((o.shape, o.dtype))
        parts.append((e.op, e.module, tuple(ins), tuple(outs)))
    return hash(tuple(parts))


def _sample_rows(args, sample):
    """Row ``sample`` of every batched tensor among the model's arguments (nested tuples and lists
    flattened, in order), as host arrays: the inputs the recorded attention belongs to."""
    rows = []
    for arg in args:
        if isinstance(arg, (tuple, list)):
            rows.extend(_sample_rows(arg, sample))
        elif isinstance(arg, Tensor) and arg.ndim >= 1 and arg.shape[0] > sample:
            rows.append(backend.to_host(arg._data[sample]))
    return tuple(rows)

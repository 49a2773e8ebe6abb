"""The backward engine: reverse mode over the graph the forward pass recorded.

Node ids grow in creation order and every node is created after the nodes of its inputs, so running
the waiting nodes newest first (a heap keyed by id) is a topological order: a node runs once, after
every consumer of its outputs has sent its gradient, and only nodes a gradient reaches are visited.
Traversal is iterative (no recursion limit on deep graphs), and a node's inputs are an ordered tuple, so
``a * a`` sends two gradients to ``a``.
"""

from heapq import heappop, heappush

from .. import backend
from ..errors import DeviceError, DtypeError, GraphError, ShapeError
from .events import BackwardPass, GradAccumulated, OpEvent, clock, emit, muted, next_seq, observers, sequence
from .grad_mode import set_grad_enabled
from .tensor import Tensor, grad_mismatches, mark_written, wrap

_new = tuple.__new__


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Sum the gradients of ``tensors`` into the ``.grad`` of the leaves (or of ``inputs``)."""
    roots, root_grads = _roots(tensors, grad_tensors, "backward")
    sink = _IntoGrad(create_graph, inputs)
    _run(roots, root_grads, create_graph if retain_graph is None else retain_graph, create_graph, sink)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` without touching any ``.grad``."""
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    for i, t in enumerate(inputs):
        if not (isinstance(t, Tensor) and t.requires_grad):
            raise GraphError(f"grad: input {i} does not require grad, so it has no gradient to compute")
    if grad_outputs is not None and isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    roots, root_grads = _roots(outputs, grad_outputs, "grad")
    sink = _Capture(inputs)
    _run(roots, root_grads, create_graph if retain_graph is None else retain_graph, create_graph, sink)
    result = sink.result()
    if not allow_unused:
        for i, g in enumerate(result):
            if g is None:
                raise GraphError(
                    f"grad: input {i} was not used to compute the outputs; pass allow_unused=True "
                    "to get None for it"
                )
    return result


def _roots(tensors, grads, caller):
    roots = tuple(tensors)
    if grads is None:
        grads = (None,) * len(roots)
    if len(grads) != len(roots):
        raise GraphError(f"{caller}: got {len(grads)} gradients for {len(roots)} tensors")
    prepared = []
    for i, (root, g) in enumerate(zip(roots, grads)):
        if not root.requires_grad:
            raise GraphError(
                f"{caller}: tensor {i} does not require grad and has no grad_fn, so there is nothing to "
                "differentiate; set requires_grad=True on the inputs you want gradients for"
            )
        prepared.append(_root_grad(root, g, caller))
    return roots, prepared


def _root_grad(root, g, caller):
    xp = backend.array_module(root._data)
    if g is None:
        if root._data.size != 1:
            raise GraphError(
                f"{caller}: the output has shape {tuple(root._data.shape)}; a gradient can be created "
                "implicitly only for a scalar output, so pass gradient= (same shape as the output), "
                "or reduce it first, e.g. loss.sum().backward()"
            )
        return wrap(xp.ones(root._data.shape, dtype=root._data.dtype))
    if not isinstance(g, Tensor):
        g = wrap(backend.to_device(xp.asarray(g, dtype=root._data.dtype), root.device))
    if g._data.shape != root._data.shape:
        raise ShapeError(
            f"{caller}: the gradient has shape {tuple(g._data.shape)} but the output has shape "
            f"{tuple(root._data.shape)}; they must match"
        )
    return g


def _run(roots, root_grads, retain_graph, create_graph, sink):
    observed = bool(observers.subscribers)
    if observed:
        emit(BackwardPass("begin", next_seq(), tuple(r._id for r in roots), create_graph, roots))
    buffers = {}
    waiting = []
    for root, g in zip(roots, root_grads):
        sink.protect(g)
        if root.grad_fn is None:
            sink.leaf(root, g, observed)
        else:
            _accumulate(buffers, waiting, root.grad_fn, root._output_nr, g, create_graph)
    done = []
    watches = sink.watches
    with set_grad_enabled(create_graph), muted():
        while waiting:
            node = heappop(waiting)[1]
            grads = buffers.pop(node)
            inputs = node.inputs
            if inputs is None:
                raise GraphError(
                    f"backward through the graph a second time (op '{node.name}'): its saved values were "
                    "freed by the first backward; pass retain_graph=True to the first backward call"
                )
            if node._output_hooks or node._retained or watches or len(grads) > 1:
                grads = _output_grads(node, grads, sink)
            if observed:
                start = clock()
            grad_inputs = type(node).backward(node, *grads)
            if grad_inputs.__class__ is not tuple:
                grad_inputs = (grad_inputs,)
            if len(grad_inputs) != len(inputs):
                raise GraphError(
                    f"{type(node).__name__}.backward returned {len(grad_inputs)} gradients but forward "
                    f"took {len(inputs)} arguments; return one per argument (None where there is none)"
                )
            if observed:  # the event is built here, not in a helper: a call costs 5% of a tiny op
                event = _new(
                    OpEvent,
                    (
                        "backward",
                        node.name,
                        node.id,
                        next(sequence),
                        node.module,
                        clock() - start,
                        grads,
                        grad_inputs,
                        (node.out_ids, inputs),
                        type(node),
                    ),
                )
                for fn in observers.subscribers:
                    fn(event)
            for inp, g, need in zip(inputs, grad_inputs, node.needs_input_grad):
                if need and g is not None:
                    data, expected = g._data, inp._data
                    if data.shape != expected.shape or data.dtype is not expected.dtype:
                        g = _checked(node, inp, g)
                    fn = inp.grad_fn
                    if fn is None:
                        sink.leaf(inp, g, observed)
                    elif fn in buffers or len(fn.out_ids) > 1:
                        _accumulate(buffers, waiting, fn, inp._output_nr, g, create_graph)
                    else:
                        buffers[fn] = [g]
                        heappush(waiting, (-fn.id, fn))
            done.append(node)
    if not retain_graph:
        for node in done:
            node.saved = node.inputs = None
    if observed:
        emit(BackwardPass("end", next_seq(), tuple(r._id for r in roots), create_graph, roots))


def _checked(node, inp, g):
    """``g`` as a gradient for ``inp``: same shape (else the Function is wrong), same dtype (cast)."""
    data = g._data
    expected = inp._data
    if data.shape != expected.shape:
        raise ShapeError(
            f"{type(node).__name__}.backward returned a gradient of shape {tuple(data.shape)} for "
            f"an input of shape {tuple(expected.shape)}"
        )
    if data.dtype != expected.dtype:
        return g.to(inp.dtype)
    return g


def _accumulate(buffers, waiting, node, output_nr, g, create_graph):
    slots = buffers.get(node)
    if slots is None:
        slots = buffers[node] = [None] * len(node.out_ids)
        slots[output_nr] = g
        heappush(waiting, (-node.id, node))
    else:
        previous = slots[output_nr]
        slots[output_nr] = g if previous is None else _add(previous, g, create_graph)


def _add(a, b, create_graph):
    return a + b if create_graph else wrap(a._data + b._data)


def _output_grads(node, grads, sink):
    """Complete the gradients for a node's outputs: tensor hooks, retain_grad, capture, zeros for None."""
    if node._output_hooks:
        for nr, hooks in node._output_hooks.items():
            if grads[nr] is not None:
                grads[nr] = _run_hooks(hooks, grads[nr])
    if node._retained:
        for nr, ref in node._retained.items():
            tensor = ref()
            if tensor is not None and grads[nr] is not None:
                tensor.grad = grads[nr] if tensor.grad is None else _add(tensor.grad, grads[nr], False)
    sink.capture(node, grads)
    if len(grads) > 1 and None in grads and node.materialize_grads:
        like = next(g for g in grads if g is not None)
        xp = backend.array_module(like._data)
        grads = [
            wrap(xp.zeros(shape, dtype=like._data.dtype)) if g is None else g
            for g, shape in zip(grads, node.out_shapes)
        ]
    return grads


def _run_hooks(hooks, g):
    """Apply tensor hooks in order; a hook may replace the gradient by one of the same shape, dtype and
    device (checked as PyTorch does), or return None to keep it."""
    for hook in hooks:
        replaced = hook(g)
        if replaced is not None:
            _check_hook_result(hook, g, replaced)
            g = replaced
    return g


def _check_hook_result(hook, g, replaced):
    name = f"register_hook: hook '{getattr(hook, '__name__', type(hook).__name__)}'"
    if not isinstance(replaced, Tensor):
        raise TypeError(f"{name} returned {type(replaced).__name__}; return a Tensor or None")
    problems = grad_mismatches(replaced, g)
    if "dtype" in problems:
        raise DtypeError(
            f"{name} has changed the type of value (was {g.dtype} got {replaced.dtype}); return a "
            f"gradient of dtype {g.dtype}, e.g. with .to({g.dtype})"
        )
    if "device" in problems:
        raise DeviceError(
            f"{name} has changed the device of value (was {g.device} got {replaced.device}); "
            f"return a gradient on {g.device}"
        )
    if "shape" in problems:
        raise ShapeError(
            f"{name} has changed the size of value: it returned shape {tuple(replaced.shape)} for a "
            f"gradient of shape {tuple(g.shape)}; return a gradient of the same shape (None keeps it)"
        )


class _IntoGrad:
    """Sums leaf gradients into ``.grad`` (``Tensor.backward``)."""

    def __init__(self, create_graph, inputs):
        self.create_graph = create_graph
        self.targets = () if inputs is None else ([inputs] if isinstance(inputs, Tensor) else list(inputs))
        self.only = None if inputs is None else {id(t) for t in self.targets}
        self.watches = any(t.grad_fn is not None for t in self.targets)
        self.shared = set()
        self.fresh = set()  # ids of the .grad buffers this pass created: nothing else can have saved them

    def protect(self, g):
        self.shared.add(id(g._data))

    def leaf(self, tensor, g, observed):
        if tensor._hooks:
            g = _run_hooks(tensor._hooks, g)
        if self.only is not None and id(tensor) not in self.only:
            return
        grad = tensor._grad
        if grad is None:
            tensor._grad = g if self.create_graph else self._owned(g)
            self.fresh.add(id(tensor._grad))
        elif self.create_graph or grad._requires_grad:
            tensor._grad = grad + g
        else:
            if id(grad) not in self.fresh:  # a stamp would send every later node's check the slow way
                mark_written(grad)
            grad._data += g._data
        if observed:
            emit(GradAccumulated(next_seq(), tensor._id, tensor._grad))

    def capture(self, node, grads):
        for t in self.targets:
            if t.grad_fn is node and grads[t._output_nr] is not None:
                g = grads[t._output_nr]
                t.grad = g if t.grad is None else _add(t.grad, g, self.create_graph)

    def _owned(self, g):
        """``g`` itself when nothing else can see its buffer, else a copy: a later in-place change of
        one ``.grad`` (clipping, accumulation) must never leak into another."""
        a = g._data
        if a.base is not None or id(a) in self.shared or not a.flags.writeable:
            g = wrap(a.copy())
        self.shared.add(id(g._data))
        return g


class _Capture:
    """Collects the gradients of chosen tensors (``autograd.grad``)."""

    def __init__(self, inputs):
        self.inputs = inputs
        self.grads = [None] * len(inputs)
        self.watches = any(t.grad_fn is not None for t in inputs)

    def protect(self, g):
        pass

    def _put(self, i, g):
        self.grads[i] = g if self.grads[i] is None else self.grads[i] + g

    def leaf(self, tensor, g, observed):
        if tensor._hooks:
            g = _run_hooks(tensor._hooks, g)
        for i, t in enumerate(self.inputs):
            if t is tensor:
                self._put(i, g)

    def capture(self, node, grads):
        for i, t in enumerate(self.inputs):
            if t.grad_fn is node and grads[t._output_nr] is not None:
                self._put(i, grads[t._output_nr])

    def result(self):
        return tuple(self.grads)

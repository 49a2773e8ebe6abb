"""Static graphs from dynamic code: run a function once, keep the ops it ran as a program.

``graph = trace(fn, x)`` runs ``fn(x)`` while listening to forward events. The result is a
:class:`~gradviz.trace.graph.Graph` whose inputs are placeholders (one per example input, by position)
and whose other leaves are captured by reference: parameters, buffers, and tensors made inside ``fn``.
``graph(x2)`` replays the ops in order through each op's ``Function.apply``, so the replay is
differentiable like the eager code, emits events again (in the modules the ops first ran in), and sees
a parameter an optimizer updated since.

Index tensors that are inputs or op outputs (``w[i]``, ``x[x > 0]``, ``x[arange(n), y]``, gather,
index_select) are inputs of the index op (a :class:`~gradviz.trace.graph.TensorKey`), so a replay
indexes with the new values; ``x.detach()`` and ``x.data`` are recorded as a ``detach`` step. An array
that views an input's values without an op (``x.numpy()[0]`` wrapped in a tensor, or used as an index)
is refused when tracing, since a replay would silently reuse the example's values.

What tracing cannot see, because only ops are recorded:

* Python control flow is frozen: an ``if`` or loop that depends on values (or on shapes) takes the
  branch the example inputs took, on every replay.
* In-place updates (``add_``, ``zero_``, optimizer steps) are not ops and are not replayed; nor are
  values read out of tensors into Python (``x.item()``) or computed with numpy on ``x.numpy()``, which
  become constants.
* Shapes are fixed: new inputs must have the shapes and dtypes of the example inputs.
* Grad mode is not recorded: ops ``fn`` ran under ``no_grad()`` replay under the caller's grad mode.
"""

from ..autograd.scope import module_scope
from ..autograd.tensor import Tensor
from ..errors import DtypeError, GraphError, ShapeError
from .graph import GraphBuilder, argument_values

__all__ = ["trace", "replay"]


def trace(fn, *example_inputs, names=None):
    """Run ``fn(*example_inputs)`` once and return its ops as a replayable Graph.

    ``fn`` must return a tensor or a tuple of tensors. ``names`` (a Module or a mapping from tensor to
    qualified name) names the captured parameters and buffers.
    """
    _check_examples(example_inputs)
    with GraphBuilder(names, inputs=example_inputs) as builder:
        result = fn(*example_inputs)
    return builder.finish(_results(result))


def _check_examples(example_inputs):
    for i, value in enumerate(example_inputs):
        if not isinstance(value, Tensor):
            raise TypeError(f"trace: example input {i} is a {type(value).__name__}; pass tensors only")
    if len({id(t) for t in example_inputs}) != len(example_inputs):
        raise ValueError("trace: the same tensor is passed as two example inputs; pass distinct tensors")


def _results(result):
    if isinstance(result, Tensor):
        return result
    if isinstance(result, tuple | list) and result and all(isinstance(r, Tensor) for r in result):
        return tuple(result)
    raise TypeError(
        f"trace: the traced function must return a tensor or a tuple of tensors, not {type(result).__name__}"
    )


def replay(graph, *inputs):
    """Run the program ``graph`` on ``inputs`` (what ``graph(*inputs)`` does)."""
    _check_inputs(graph, inputs)
    values = {**graph.captured, **dict(zip(graph.inputs, inputs))}
    _check_replayable(graph, values)
    for oid in graph.op_order:
        op = graph.ops[oid]
        args = argument_values(op, values)
        with module_scope(op.module):
            result = op.function.apply(*args)
        values.update(zip(op.outputs, result if isinstance(result, tuple) else (result,)))
    results = tuple(values[tid] for tid in graph.outputs)
    return results[0] if graph.single_output else results


def _check_inputs(graph, inputs):
    if len(inputs) != len(graph.inputs):
        raise TypeError(
            f"the traced program takes {len(graph.inputs)} input(s), but {len(inputs)} were given"
        )
    for position, (value, tid) in enumerate(zip(inputs, graph.inputs)):
        expected = graph.tensors[tid]
        if not isinstance(value, Tensor):
            raise TypeError(
                f"input {position} of the traced program must be a tensor, not {type(value).__name__}"
            )
        if tuple(value.shape) != expected.shape:
            raise ShapeError(
                f"input {position} has shape {tuple(value.shape)}, but the program was traced with shape "
                f"{expected.shape} (placeholder {tid}); a traced program has fixed shapes, so trace it "
                "again with an example of the new shape"
            )
        if value._data.dtype.name != expected.dtype:
            raise DtypeError(
                f"input {position} has dtype {value._data.dtype.name}, but the program was traced with "
                f"{expected.dtype} (placeholder {tid}); convert it first with .to(gradviz.{expected.dtype})"
            )


def _check_replayable(graph, values):
    missing = [tid for tid in graph.leaves() if tid not in values]
    if missing:
        raise GraphError(
            f"this graph cannot be replayed: it holds no values for {', '.join(missing)}; only a graph "
            "made by trace() (or a pass over one) keeps the tensors it captured"
        )
    unknown = [oid for oid, op in graph.ops.items() if op.function is None]
    if unknown:
        raise GraphError(
            f"this graph cannot be replayed: ops {', '.join(unknown)} have no Function class "
            "(a graph read back from JSON can be drawn and compared, not run)"
        )

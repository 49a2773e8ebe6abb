"""Graph passes: each removes exactly the planted dead, constant and duplicate ops, and keeps results."""

import numpy as np
import pytest

import gradviz as gv
import gradviz.nn.functional as F
from gradviz.autograd.function import Function
from gradviz.nn.parameter import Parameter
from gradviz.trace.graph import tensor_id
from gradviz.trace.passes import eliminate_common_subexpressions, fold_constants, prune
from gradviz.trace.tracing import trace

f64 = gv.float64


@pytest.fixture
def planted():
    """f(x) = (x*w + x*w) + (c*3).exp(), with an unused branch (x + 1).sin()."""
    w = Parameter(gv.randn(3, dtype=f64))
    c = gv.tensor([0.1, 0.2, 0.3], dtype=f64)

    def f(x):
        (x + 1).sin()
        return (x * w + x * w) + (c * 3).exp()

    return f, w, c, trace(f, gv.randn(3, dtype=f64))


def only(graph, name):
    (op,) = [op for op in graph.ops.values() if op.op == name]
    return op


def producer_of_input(graph, op, index=0):
    return graph.ops[graph.producer(op.inputs[index])]


def values_and_grads(fn, w, x):
    w.grad = None
    out = fn(x)
    out.sum().backward()
    return out.detach().numpy().copy(), x.grad.numpy().copy(), w.grad.numpy().copy()


def assert_computes_like(graph, f, w):
    data = gv.randn(3, dtype=f64).numpy()
    got = values_and_grads(graph, w, gv.tensor(data, requires_grad=True))
    expected = values_and_grads(f, w, gv.tensor(data, requires_grad=True))
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_prune_removes_exactly_the_unused_branch(planted):
    f, w, _, graph = planted
    sin = only(graph, "sin")
    plus_one = producer_of_input(graph, sin)
    pruned, report = prune(graph)
    assert set(report.removed_ops) == {sin.id, plus_one.id}
    assert set(pruned.ops) == set(graph.ops) - {sin.id, plus_one.id}
    assert set(pruned.tensors) == set(graph.tensors) - {*sin.outputs, *plus_one.outputs}
    assert "removed 2 op(s)" in str(report) and "sin" in str(report)
    assert_computes_like(pruned, f, w)


def test_fold_constants_evaluates_exactly_the_constant_ops(planted):
    f, w, c, graph = planted
    exp = only(graph, "exp")
    times_three = producer_of_input(graph, exp)
    folded, report = fold_constants(graph)
    assert report.folded_ops == (times_three.id, exp.id)
    assert report.new_constants == exp.outputs
    assert set(folded.ops) == set(graph.ops) - {exp.id, times_three.id}
    constant = folded.tensors[exp.outputs[0]]
    assert constant.kind == "constant" and not constant.requires_grad
    np.testing.assert_allclose(folded.captured[constant.id].numpy(), np.exp(c.numpy() * 3))
    assert tensor_id(c) not in folded.tensors and times_three.outputs[0] not in folded.tensors
    assert folded.tensors[tensor_id(w)].kind == "parameter"
    assert_computes_like(folded, f, w)


def test_cse_merges_exactly_the_duplicate_product(planted):
    f, w, _, graph = planted
    doubled = producer_of_input(graph, graph.ops[graph.op_order[-1]], 0)
    first, second = producer_of_input(graph, doubled, 0), producer_of_input(graph, doubled, 1)
    merged, report = eliminate_common_subexpressions(graph)
    assert report.merged == ((second.id, first.id),)
    assert set(merged.ops) == set(graph.ops) - {second.id}
    assert merged.ops[doubled.id].inputs == (first.outputs[0], first.outputs[0])
    assert "merged 1 op(s)" in str(report)
    assert_computes_like(merged, f, w)


def test_all_passes_together_leave_the_essential_program(planted):
    f, w, _, graph = planted
    optimised = graph
    for step in (prune, fold_constants, eliminate_common_subexpressions):
        optimised, report = step(optimised)
        assert report.changed
    assert [op.op for op in optimised.ops.values()] == ["mul", "add", "add"]
    assert_computes_like(optimised, f, w)
    assert len(graph.ops) == 8
    for step in (prune, fold_constants, eliminate_common_subexpressions):
        again, report = step(optimised)
        assert not report.changed and str(report).endswith("nothing to change")
        assert again.to_dict() == optimised.to_dict()


def test_passes_are_graph_methods(planted):
    *_, graph = planted
    assert graph.prune()[1] == prune(graph)[1]
    assert graph.fold_constants()[1] == fold_constants(graph)[1]
    assert graph.eliminate_common_subexpressions()[1] == eliminate_common_subexpressions(graph)[1]


def test_parameters_buffers_and_grad_requiring_tensors_are_never_folded():
    w = Parameter(gv.randn(3, dtype=f64))
    trainable = gv.randn(3, dtype=f64, requires_grad=True)
    running = gv.randn(3, dtype=f64)

    def f(x):
        return (w * 2).exp() + (trainable * 2).exp() + (running * 2).exp() + x

    graph = trace(f, gv.randn(3, dtype=f64), names={running: "norm.running_mean"})
    assert graph.tensors[tensor_id(running)].kind == "buffer"
    _, report = fold_constants(graph)
    assert report.folded_ops == ()


class Noise(Function):
    deterministic = False

    @staticmethod
    def forward(ctx, x, scale):
        return x + scale * gv.backend.array_module(x).random.random(x.shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Shift(Function):
    @staticmethod
    def forward(ctx, x, amount):
        return x + amount

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def test_cse_merges_equal_constants_only():
    def f(x):
        return Shift.apply(x, 2) + Shift.apply(x, 2) + Shift.apply(x, 3) + Shift.apply(x, 2.0)

    graph = trace(f, gv.randn(3, dtype=f64))
    _, report = eliminate_common_subexpressions(graph)
    assert len(report.merged) == 1


def test_nondeterministic_functions_are_neither_merged_nor_folded():
    c = gv.randn(3, dtype=f64)
    graph = trace(
        lambda x: Noise.apply(x, 1.0) + Noise.apply(x, 1.0) + Noise.apply(c, 1.0), gv.randn(3, dtype=f64)
    )
    assert eliminate_common_subexpressions(graph)[1].merged == ()
    assert fold_constants(graph)[1].folded_ops == ()


def test_dropout_is_not_merged():
    """Needs ``deterministic = False`` on ``gradviz.ops.dropout.Dropout``."""
    graph = trace(lambda x: F.dropout(x, 0.5) + F.dropout(x, 0.5), gv.randn(4, 4, dtype=f64))
    assert [op.op for op in graph.ops.values()].count("dropout") == 2
    assert eliminate_common_subexpressions(graph)[1].merged == ()

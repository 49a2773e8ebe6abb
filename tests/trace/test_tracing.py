"""trace(): a static program recorded from eager code, replayed on new inputs."""

import numpy as np
import pytest

import gradviz as gv
import gradviz.nn.functional as F
from gradviz.autograd import events
from gradviz.errors import DtypeError, GraphError, ShapeError
from gradviz.nn.module import Module
from gradviz.nn.parameter import Parameter
from gradviz.trace.graph import GraphBuilder, tensor_id
from gradviz.trace.tracing import trace


class Layer(Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = Parameter(gv.randn(n_out, n_in, dtype=gv.float64))
        self.bias = Parameter(gv.randn(n_out, dtype=gv.float64))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class Net(Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Layer(3, 4)
        self.fc2 = Layer(4, 2)

    def forward(self, x):
        return self.fc2(self.fc1(x).tanh())


@pytest.fixture
def net():
    return Net()


@pytest.fixture
def target():
    return gv.randn(5, 2, dtype=gv.float64)


def loss_fn(net, target):
    return lambda x: ((net(x) - target) ** 2).mean()


def new_input():
    return gv.randn(5, 3, dtype=gv.float64, requires_grad=True)


def value_and_grads(fn, net, x):
    net.zero_grad()
    out = fn(x)
    out.backward()
    return out.item(), x.grad.numpy().copy(), [p.grad.numpy().copy() for p in net.parameters()]


def assert_same(got, expected):
    assert got[0] == pytest.approx(expected[0], rel=1e-12)
    for a, b in zip([got[1], *got[2]], [expected[1], *expected[2]]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_a_traced_function_matches_eager_values_and_gradients_on_new_inputs(net, target):
    eager = loss_fn(net, target)
    graph = trace(eager, gv.randn(5, 3, dtype=gv.float64), names=net)
    x = new_input()
    traced = value_and_grads(graph, net, x)
    x2 = gv.tensor(x.detach().numpy(), requires_grad=True)
    assert_same(traced, value_and_grads(eager, net, x2))


def test_placeholders_and_captured_tensors(net, target):
    example = gv.randn(5, 3, dtype=gv.float64)
    graph = trace(loss_fn(net, target), example, names=net)
    assert graph.inputs == [tensor_id(example)]
    assert graph.tensors[tensor_id(example)].kind == "input"
    assert graph.captured[tensor_id(net.fc1.weight)] is net.fc1.weight
    assert graph.tensors[tensor_id(net.fc1.weight)].name == "fc1.weight"
    assert graph.tensors[tensor_id(target)].kind == "constant"
    assert graph.captured[tensor_id(target)] is target
    assert tensor_id(example) not in graph.captured


def test_replay_sees_updated_parameters(net, target):
    eager = loss_fn(net, target)
    graph = trace(eager, gv.randn(5, 3, dtype=gv.float64))
    x = gv.randn(5, 3, dtype=gv.float64)
    before = graph(x).item()
    with gv.no_grad():
        net.fc2.weight.mul_(3.0)
        net.fc1.bias.add_(1.0)
    after = graph(x).item()
    assert after != pytest.approx(before)
    assert after == pytest.approx(eager(x).item(), rel=1e-12)


def test_tuple_outputs_and_tensors_made_inside(net):
    def fn(x, y):
        offset = gv.ones(3, dtype=gv.float64)
        return (x + offset) * y, (x - y).exp()

    a, b = gv.randn(3, dtype=gv.float64), gv.randn(3, dtype=gv.float64)
    graph = trace(fn, a, b)
    c, d = gv.randn(3, dtype=gv.float64), gv.randn(3, dtype=gv.float64)
    got = graph(c, d)
    assert isinstance(got, tuple) and len(got) == 2
    for g, e in zip(got, fn(c, d)):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-12)
    assert [graph.tensors[t].kind for t in graph.leaves() if t not in graph.inputs] == ["constant"]


def test_returning_an_input_or_a_single_element_tuple():
    x = gv.randn(2)
    assert trace(lambda v: v, x)(gv.ones(2)).tolist() == [1.0, 1.0]
    (only,) = trace(lambda v: (v * 2,), x)(gv.ones(2))
    assert only.tolist() == [2.0, 2.0]


def test_the_replay_emits_events_in_the_original_modules(net, target):
    graph = trace(loss_fn(net, target), gv.randn(5, 3, dtype=gv.float64))
    received = []
    with events.subscribe(received.append):
        graph(gv.randn(5, 3, dtype=gv.float64))
    forward = [e for e in received if e.phase == "forward"]
    assert [(e.op, e.module) for e in forward] == [(op.op, op.module) for op in graph.ops.values()]
    assert [e.function for e in forward] == [op.function for op in graph.ops.values()]


def test_a_wrong_input_shape_is_a_clear_error(net, target):
    example = gv.randn(5, 3, dtype=gv.float64)
    graph = trace(loss_fn(net, target), example)
    with pytest.raises(ShapeError, match=r"input 0 has shape \(4, 3\).*traced with shape \(5, 3\)") as info:
        graph(gv.randn(4, 3, dtype=gv.float64))
    assert tensor_id(example) in str(info.value) and "trace it again" in str(info.value)


def test_a_wrong_dtype_or_count_is_a_clear_error(net, target):
    graph = trace(loss_fn(net, target), gv.randn(5, 3, dtype=gv.float64))
    with pytest.raises(DtypeError, match="dtype float32.*traced with float64"):
        graph(gv.randn(5, 3))
    with pytest.raises(TypeError, match="takes 1 input"):
        graph()
    with pytest.raises(TypeError, match="must be a tensor"):
        graph(np.zeros((5, 3)))


def test_trace_refuses_what_it_cannot_hold():
    with pytest.raises(TypeError, match="example input 0"):
        trace(lambda v: v, 3.0)
    with pytest.raises(TypeError, match="must return a tensor"):
        trace(lambda v: v.sum().item(), gv.randn(2))
    x = gv.randn(2)
    with pytest.raises(ValueError, match="two example inputs"):
        trace(lambda a, b: a + b, x, x)


def test_value_dependent_control_flow_is_frozen():
    def fn(x):
        return x * 2 if x.sum().item() > 0 else x * -1

    graph = trace(fn, gv.ones(2))
    assert graph(-gv.ones(2)).tolist() == [-2.0, -2.0]
    assert fn(-gv.ones(2)).tolist() == [1.0, 1.0]


def test_a_recorded_step_cannot_be_replayed(net, target):
    with GraphBuilder() as builder:
        loss_fn(net, target)(gv.randn(5, 3, dtype=gv.float64))
    with pytest.raises(GraphError, match="only a graph made by trace"):
        builder.graph(
            *[gv.randn(*builder.graph.tensors[t].shape, dtype=gv.float64) for t in builder.graph.inputs]
        )


def test_trace_and_replay_on_every_device(device):
    w = Parameter(gv.randn(3, device=device))

    def fn(x):
        return (x * w).exp().sum()

    graph = trace(fn, gv.randn(3, device=device))
    assert {graph.tensors[t].device for t in graph.tensors} == {str(w.device)}
    x = gv.randn(3, device=device)
    assert graph(x).item() == pytest.approx(fn(x).item(), rel=1e-6)


def _replayed_and_eager(fn, examples, inputs, wrt):
    """Values and gradients (of ``wrt``) of ``trace(fn, *examples)(*inputs)``, then of ``fn(*inputs)``."""
    graph = trace(fn, *examples)
    results = []
    for run in (lambda: graph(*inputs), lambda: fn(*inputs)):
        for t in wrt:
            t.grad = None
        out = run()
        out.sum().backward()
        results.append(
            (out.detach().numpy().copy(), [None if t.grad is None else t.grad.numpy() for t in wrt])
        )
    return graph, results


@pytest.mark.parametrize(
    "case",
    ["placeholder-index", "derived-index", "arange-and-placeholder", "mask", "index-select", "gather"],
)
def test_index_tensors_made_from_the_inputs_are_inputs_of_the_replay(case):
    """The index key used to be frozen into a constant: a replay returned the example's rows."""
    gv.manual_seed(0)
    weight = Parameter(gv.randn(10, 3, dtype=gv.float64))
    x0 = gv.randn(4, 10, dtype=gv.float64, requires_grad=True)
    x1 = gv.randn(4, 10, dtype=gv.float64, requires_grad=True)
    ids0, ids1 = gv.tensor(np.array([1, 2, 3, 1])), gv.tensor(np.array([7, 8, 9, 9]))
    cases = {
        "placeholder-index": (lambda i: weight[i] * 1, (ids0,), (ids1,)),
        "derived-index": (lambda i: weight[i - 1] * 2, (ids0,), (ids1,)),
        "arange-and-placeholder": (lambda x, y: x[gv.arange(4), y] * 1, (x0, ids0), (x1, ids1)),
        "mask": (lambda x: weight[x.sum(dim=0) > 0].sum() * x.sum(), (x0,), (x1,)),
        "index-select": (lambda i: gv.index_select(weight, 0, i) * 1, (ids0,), (ids1,)),
        "gather": (lambda i: gv.gather(weight, 0, i.reshape(4, 1).expand(4, 3)) * 1, (ids0,), (ids1,)),
    }
    fn, examples, inputs = cases[case]
    graph, ((replayed, replayed_grads), (eager, eager_grads)) = _replayed_and_eager(
        fn, examples, inputs, [weight, x1]
    )
    np.testing.assert_allclose(replayed, eager)
    for replayed_grad, eager_grad in zip(replayed_grads, eager_grads):
        assert (replayed_grad is None) == (eager_grad is None)
        if eager_grad is not None:
            np.testing.assert_allclose(replayed_grad, eager_grad)


def test_detach_is_a_step_of_the_program():
    gv.manual_seed(0)
    x0 = gv.randn(3, 4, dtype=gv.float64, requires_grad=True)
    x1 = gv.randn(3, 4, dtype=gv.float64, requires_grad=True)
    graph, ((replayed, (grad_replayed,)), (eager, (grad_eager,))) = _replayed_and_eager(
        lambda x: x * x.detach(), (x0,), (x1,), [x1]
    )
    assert "detach(" in str(graph)
    np.testing.assert_allclose(replayed, eager)
    np.testing.assert_allclose(grad_replayed, grad_eager)  # d(x * c)/dx = c: the detached copy is no path
    np.testing.assert_allclose(grad_eager, x1.detach().numpy())


def test_data_is_a_detach_step_of_the_program():
    gv.manual_seed(0)
    x0 = gv.randn(3, 4, dtype=gv.float64, requires_grad=True)
    x1 = gv.randn(3, 4, dtype=gv.float64, requires_grad=True)
    graph, ((replayed, (grad_replayed,)), (eager, (grad_eager,))) = _replayed_and_eager(
        lambda x: x * x.data[0], (x0,), (x1,), [x1]
    )
    assert "detach(" in str(graph)
    np.testing.assert_allclose(replayed, eager)
    np.testing.assert_allclose(grad_replayed, grad_eager)
    np.testing.assert_allclose(grad_eager, np.broadcast_to(x1.detach().numpy()[0], (3, 4)))


def test_values_taken_from_an_input_outside_the_ops_are_refused():
    x0 = gv.randn(3, 4, dtype=gv.float64)
    with pytest.raises(GraphError, match="replay would reuse the example's values"):
        trace(lambda x: x * gv.from_numpy(x.detach().numpy()[0]), x0)
    with pytest.raises(GraphError, match="replay would reuse the example's values"):
        trace(lambda x: gv.randn(5, 4)[x.long().numpy()[:, 0]] * 1, x0)
    whole = gv.randn(8, 4, dtype=gv.float64)
    graph = trace(lambda x: x + whole.sum(), whole[:3])  # an input sliced from a captured tensor is fine
    np.testing.assert_allclose(graph(x0).numpy(), (x0 + whole.sum()).numpy())


def test_passes_keep_the_ops_an_index_key_depends_on():
    gv.manual_seed(0)
    weight = Parameter(gv.randn(10, 3, dtype=gv.float64))
    ids0, ids1 = gv.tensor(np.array([1, 2, 3])), gv.tensor(np.array([7, 8, 9]))
    graph = trace(lambda i: weight[i - 1] * 1 + weight[i - 1] * 1, ids0)
    expected = (weight[ids1 - 1] * 2).detach().numpy()
    for rewrite in (graph.prune, graph.fold_constants, graph.eliminate_common_subexpressions):
        rewritten, _ = rewrite()
        np.testing.assert_allclose(rewritten(ids1).detach().numpy(), expected)
    _, report = graph.eliminate_common_subexpressions()
    assert [graph.ops[d].op for d, _ in report.merged] == ["sub", "index", "mul"]  # the second copy of each

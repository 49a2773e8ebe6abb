"""The graph data model: built from events and from grad_fn, queried, hashed, serialised, printed."""

import json

import pytest

import gradviz as gv
import gradviz.nn.functional as F
from gradviz.errors import GraphError
from gradviz.nn.module import Module
from gradviz.nn.parameter import Parameter
from gradviz.trace.graph import Constant, Edge, Graph, GraphBuilder, tensor_id


class Layer(Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = Parameter(gv.randn(n_out, n_in))
        self.bias = Parameter(gv.zeros(n_out))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class Block(Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.fc = Layer(n_in, n_out)

    def forward(self, x):
        return self.fc(x).tanh()


class Net(Module):
    def __init__(self, hidden=4):
        super().__init__()
        self.block = Block(3, hidden)
        self.head = Layer(hidden, 2)

    def forward(self, x):
        h = self.block(x)
        return self.head(h * h)


def loss_of(net, x, y):
    return ((net(x) - y) ** 2).mean()


def record_step(net, batch=5):
    x, y = gv.randn(batch, 3), gv.randn(batch, 2)
    with GraphBuilder(names=net) as builder:
        loss = loss_of(net, x, y)
    loss.backward()
    return builder.graph, x, y, loss


def ops_named(graph, name):
    return [op for op in graph.ops.values() if op.op == name]


def test_builder_records_ops_in_order_with_their_modules():
    graph, *_ = record_step(Net())
    ops = [graph.ops[oid] for oid in graph.op_order]
    assert [op.op for op in ops] == ["linear", "tanh", "mul", "linear", "sub", "pow", "mean"]
    assert [op.module for op in ops] == ["block.fc", "block", "", "head", "", "", ""]
    assert ops[0].function is gv.ops.linear.Linear
    assert ops[0].function_name == "gradviz.ops.linear.Linear"
    assert list(graph.ops) == graph.op_order
    ids = [int(oid[2:]) for oid in graph.op_order]
    assert ids == sorted(ids)


def test_leaves_are_named_parameters_and_inputs():
    net = Net()
    graph, x, y, loss = record_step(net)
    kinds = {
        node.name or node.id: node.kind for node in graph.tensors.values() if node.kind != "intermediate"
    }
    assert kinds == {
        "block.fc.weight": "parameter",
        "block.fc.bias": "parameter",
        "head.weight": "parameter",
        "head.bias": "parameter",
        tensor_id(x): "input",
        tensor_id(y): "input",
    }
    weight = graph.tensors[tensor_id(net.block.fc.weight)]
    assert (weight.shape, weight.dtype, weight.device, weight.module) == (
        (4, 3),
        "float32",
        "cpu",
        "block.fc",
    )
    assert weight.requires_grad
    assert graph.inputs == [tensor_id(x), tensor_id(y)]
    assert graph.outputs == [tensor_id(loss)]
    assert graph.tensors[tensor_id(loss)].shape == ()


def test_intermediate_tensors_carry_the_module_of_their_op():
    graph, *_ = record_step(Net())
    (tanh,) = ops_named(graph, "tanh")
    (out,) = tanh.outputs
    assert graph.tensors[out].kind == "intermediate" and graph.tensors[out].module == "block"


def test_a_times_a_gives_two_edges_and_one_parent():
    graph, *_ = record_step(Net())
    (tanh,) = ops_named(graph, "tanh")
    square = ops_named(graph, "mul")[0]
    h = tanh.outputs[0]
    assert square.inputs == (h, h)
    assert [e for e in graph.edges() if e.target == square.id] == [
        Edge(h, square.id, 0),
        Edge(h, square.id, 1),
    ]
    assert graph.parents(square.id) == [h]
    assert graph.children(h) == [square.id]
    assert graph.parents(h) == [tanh.id] and graph.children(tanh.id) == [h]
    assert graph.producer(h) == tanh.id


def test_constant_arguments_keep_their_position():
    x = gv.randn(2, 3)
    w = Parameter(gv.randn(4, 3))
    with GraphBuilder() as builder:
        (F.linear(x, w) * 2).reshape(8)
    linear, mul, reshape = (builder.graph.ops[oid] for oid in builder.graph.op_order)
    assert isinstance(linear.inputs[2], Constant) and linear.inputs[2].value is None
    assert linear.inputs[:2] == (tensor_id(x), tensor_id(w))
    assert mul.inputs[1].value == 2 and reshape.inputs[1].value == (8,)
    assert [e.index for e in builder.graph.edges() if e.target == linear.id] == [0, 1]


def test_builder_records_only_while_subscribed():
    x = gv.randn(3)
    with GraphBuilder() as builder:
        y = x.exp()
    y.sin()
    assert [op.op for op in builder.graph.ops.values()] == ["exp"]


def test_topological_order_puts_every_node_after_its_parents():
    graph, *_ = record_step(Net())
    order = graph.topological_order()
    assert sorted(order) == sorted([*graph.tensors, *graph.ops])
    position = {node: i for i, node in enumerate(order)}
    for edge in graph.edges():
        assert position[edge.source] < position[edge.target]


def test_topological_order_does_not_depend_on_insertion_order():
    graph, *_ = record_step(Net())
    reordered = Graph(
        reversed(list(graph.tensors.values())),
        reversed(list(graph.ops.values())),
        graph.inputs,
        graph.outputs,
    )
    assert reordered.op_order == graph.op_order


def test_module_tree_nests_ops_by_qualified_name():
    graph, *_ = record_step(Net())
    linear_fc, tanh = graph.op_order[:2]
    tree = graph.module_tree()
    assert set(tree.children) == {"block", "head"}
    block = tree.children["block"]
    assert block.name == "block" and block.ops == [tanh]
    assert block.children["fc"].name == "block.fc" and block.children["fc"].ops == [linear_fc]
    assert block.all_ops() == [tanh, linear_fc]
    assert sorted(tree.all_ops()) == sorted(graph.ops)


def test_collapse_maps_every_node_to_its_module_at_a_depth():
    net = Net()
    graph, *_ = record_step(net)
    linear_fc = graph.op_order[0]
    weight = tensor_id(net.block.fc.weight)
    assert set(graph.collapse(1)) == {*graph.tensors, *graph.ops}
    assert graph.collapse(2)[linear_fc] == "block.fc" and graph.collapse(2)[weight] == "block.fc"
    assert graph.collapse(1)[linear_fc] == "block" and graph.collapse(1)[weight] == "block"
    assert set(graph.collapse(0).values()) == {""}


def test_signature_is_equal_across_steps_and_changes_with_the_model():
    net = Net()
    first, *_ = record_step(net)
    with gv.no_grad():
        net.head.weight.mul_(0.5)
    second, *_ = record_step(net)
    assert first.structure_signature() == second.structure_signature()
    assert first.tensors.keys() != second.tensors.keys()
    assert record_step(Net(hidden=6))[0].structure_signature() != first.structure_signature()
    assert record_step(net, batch=7)[0].structure_signature() != first.structure_signature()


def test_same_ops_ignores_shapes_but_not_the_ops_or_their_modules():
    net = Net()
    full, *_ = record_step(net)
    smaller, *_ = record_step(net, batch=2)
    assert full.same_ops(smaller) and smaller.structure_signature() != full.structure_signature()
    x = gv.randn(5, 3)
    with GraphBuilder(names=net) as builder:
        net(x).sum()
    assert not full.same_ops(builder.graph)  # no loss ops
    with GraphBuilder() as builder:
        ((net.head(net.block(x) * net.block(x)) - gv.randn(5, 2)) ** 2).mean()
    assert not full.same_ops(builder.graph)  # the block runs twice


def test_signature_sees_the_wiring():
    x, y = gv.randn(3), gv.randn(3)
    with GraphBuilder() as one:
        x * y
    with GraphBuilder() as other:
        y * x
    with GraphBuilder() as square:
        x * x
    signatures = {g.graph.structure_signature() for g in (one, other, square)}
    assert len(signatures) == 2
    assert one.graph.structure_signature() != square.graph.structure_signature()


def test_from_tensor_agrees_with_the_builder():
    net = Net()
    x, y = gv.randn(5, 3), gv.randn(5, 2)
    with GraphBuilder(names=net) as builder:
        loss = loss_of(net, x, y)
    walked = Graph.from_tensor(loss, names=net)
    assert walked.to_dict() == builder.graph.to_dict()
    assert walked.structure_signature() == builder.graph.structure_signature()


def test_from_tensor_describes_an_unused_output_of_a_multi_output_op():
    x = gv.randn(3, 4, requires_grad=True)
    values, _ = x.max(dim=1)
    graph = Graph.from_tensor(values)
    (op,) = graph.ops.values()
    indices = graph.tensors[op.outputs[1]]
    assert indices.shape == (3,) and indices.dtype is None
    assert graph.outputs == [tensor_id(values)]


def test_from_tensor_after_backward_explains_the_graph_is_freed():
    x = gv.randn(3, requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    with pytest.raises(GraphError, match="freed by backward"):
        Graph.from_tensor(y)


def test_json_round_trip():
    graph, *_ = record_step(Net())
    loaded = Graph.from_dict(json.loads(json.dumps(graph.to_dict())))
    assert loaded.to_dict() == graph.to_dict()
    assert loaded.structure_signature() == graph.structure_signature()
    assert str(loaded) == str(graph)
    (mean,) = ops_named(loaded, "mean")
    assert mean.inputs[1].value == (0, 1)
    assert loaded.ops[mean.id].function is None
    with pytest.raises(GraphError, match="cannot be replayed"):
        loaded(*[gv.randn(*loaded.tensors[t].shape) for t in loaded.inputs])


def test_json_keeps_an_array_constant_as_text():
    x = gv.randn(4)
    index = gv.tensor([0, 2]).numpy()
    with GraphBuilder() as builder:
        x[index]
    text = json.dumps(builder.graph.to_dict())
    loaded = Graph.from_dict(json.loads(text))
    (op,) = loaded.ops.values()
    constants = [ref for ref in op.inputs if isinstance(ref, Constant)]
    assert constants and all(c.text for c in constants)
    assert loaded.to_dict() == builder.graph.to_dict()


def test_from_dict_refuses_other_data():
    with pytest.raises(ValueError, match="not a gradviz graph"):
        Graph.from_dict({"format": "something else"})


def test_str_is_a_program_listing():
    x = gv.randn(2, 3)
    with GraphBuilder() as builder:
        with gv.autograd.module_scope("encoder.0"):
            y = x * 2.0
        y.exp()
    text = str(builder.graph)
    tx, ty = tensor_id(x), tensor_id(y)
    assert text.splitlines()[0] == f"graph({tx}: float32[2, 3]):"
    assert f"  {ty} = mul({tx}, 2.0)   # encoder.0 -> float32[2, 3]" in text.splitlines()
    assert text.splitlines()[-1].startswith("  return t")

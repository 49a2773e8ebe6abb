"""The event stream: the contract the recorder and the widgets are built on."""

import json

import pytest

import gradviz as gv
from gradviz.autograd import events
from gradviz.autograd.scope import module_scope
from gradviz.errors import AnomalyError


@pytest.fixture
def stream():
    received = []
    with events.subscribe(received.append):
        yield received


def ops(stream, phase):
    return [e for e in stream if isinstance(e, events.OpEvent) and e.phase == phase]


def test_every_forward_and_backward_op_is_reported_in_order(stream):
    x = gv.tensor([1.0, 2.0], requires_grad=True)
    w = gv.tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).exp()
    y.backward(gv.ones(2))

    forward = ops(stream, "forward")
    assert [e.op for e in forward] == ["mul", "exp"]
    mul, exp = forward
    assert [i.id for i in mul.inputs] == [x._id, w._id]
    assert exp.inputs[0].id == mul.outputs[0].id
    assert exp.outputs[0].id == y._id and exp.outputs[0].shape == (2,) and exp.outputs[0].dtype == "float32"
    assert mul.node < exp.node
    assert mul.function is gv.ops.arithmetic.Mul

    backward = ops(stream, "backward")
    assert [e.op for e in backward] == ["exp", "mul"]
    assert [e.node for e in backward] == [exp.node, mul.node]
    assert backward[1].outputs[0].id == x._id  # the gradient along edge x -> mul
    assert backward[1].output_tensors[0].tolist() == [3.0 * y.tolist()[0], 4.0 * y.tolist()[1]]

    kinds = [type(e).__name__ for e in stream]
    assert kinds[2] == "BackwardPass" and stream[2].phase == "begin" and stream[-1].phase == "end"
    accumulated = [e for e in stream if isinstance(e, events.GradAccumulated)]
    assert sorted(e.tensor_id for e in accumulated) == sorted([x._id, w._id])
    seqs = [e.seq for e in stream]
    assert seqs == sorted(seqs)


def test_ops_run_inside_a_backward_function_are_not_reported_separately(stream):
    x = gv.tensor([1.0, 2.0], requires_grad=True)
    (x * x * 2).backward(gv.ones(2))
    assert [e.op for e in ops(stream, "forward")] == ["mul", "mul"]
    assert [e.op for e in ops(stream, "backward")] == ["mul", "mul"]


def test_a_number_on_the_left_of_plus_or_times_is_the_second_operand_as_in_pytorch(stream):
    x = gv.tensor([1.0, 2.0], requires_grad=True)
    2.0 * x
    1 + x
    3 - x
    multiplied, added, subtracted = (e.input_tensors for e in ops(stream, "forward"))
    assert multiplied == (x, 2.0) and added == (x, 1)  # torch's __rmul__/__radd__ call mul(x, 2)
    assert subtracted == (3, x)


def test_events_carry_the_module_scope(stream):
    x = gv.ones(2, requires_grad=True)
    with module_scope("encoder.layers.0"):
        y = x * 2
    z = y.exp()
    z.backward(gv.ones(2))
    modules = {(e.phase, e.op): e.module for e in ops(stream, "forward") + ops(stream, "backward")}
    assert modules[("forward", "mul")] == "encoder.layers.0"
    assert modules[("backward", "mul")] == "encoder.layers.0"
    assert modules[("forward", "exp")] == ""


def test_events_serialise_to_json_and_print_as_text(stream):
    x = gv.ones(2, requires_grad=True)
    (x * 2).backward(gv.ones(2))
    for event in stream:
        text = json.dumps(event.to_dict())
        assert "tensor(" not in text
        assert str(event)
    assert "forward mul" in str(ops(stream, "forward")[0])


def test_events_are_immutable(stream):
    gv.ones(2) * 2
    with pytest.raises(AttributeError):
        stream[0].op = "other"


def test_no_grad_ops_are_reported_too(stream):
    with gv.no_grad():
        gv.ones(2) * 3
    assert [e.op for e in ops(stream, "forward")] == ["mul"]


def test_unsubscribed_observer_hears_nothing():
    received = []
    handle = events.subscribe(received.append)
    handle.remove()
    (gv.ones(2, requires_grad=True) * 2).backward(gv.ones(2))
    assert received == []


def test_an_observer_never_changes_results(stream):
    x = gv.tensor([0.5, 1.5], requires_grad=True)
    (x.sin() * x).backward(gv.ones(2))
    observed = x.grad.tolist()
    x.grad = None
    stream.clear()
    with events.subscribe(lambda e: None):
        pass
    (x.sin() * x).backward(gv.ones(2))
    assert x.grad.tolist() == observed


def test_durations_are_measured(stream):
    gv.ones(1000) * 2
    assert ops(stream, "forward")[0].duration > 0


def test_detect_anomaly_names_the_op_module_and_input():
    x = gv.tensor([0.0, 1.0], requires_grad=True)
    with gv.autograd.detect_anomaly(), module_scope("head"):
        with pytest.raises(AnomalyError, match=r"forward of op 'log' in module 'head'.*output 0.*created"):
            x.log()


def test_detect_anomaly_in_backward():
    x = gv.tensor([0.0, 1.0], requires_grad=True)
    y = x.sqrt()  # finite forward, infinite derivative at 0
    with gv.autograd.detect_anomaly():
        with pytest.raises(AnomalyError, match=r"backward of op 'sqrt'.*gradient for input 0"):
            y.backward(gv.ones(2))


def test_detect_anomaly_is_quiet_on_finite_values():
    x = gv.tensor([1.0, 2.0], requires_grad=True)
    with gv.autograd.detect_anomaly():
        x.log().backward(gv.ones(2))
    assert x.grad.tolist() == [1.0, 0.5]


@pytest.mark.parametrize(
    "values, call, op",
    [
        ([0.0, 1.0], lambda x: x / 0.0, "div"),
        ([1.0, float("inf")], lambda x: x * 2, "mul"),
        ([1.0, float("inf")], lambda x: x + 1, "add"),
        ([1.0, float("inf")], lambda x: x.sum(), "sum"),
    ],
)
def test_detect_anomaly_names_the_op_whose_arguments_include_constants(values, call, op):
    x = gv.tensor(values, requires_grad=True)
    with gv.autograd.detect_anomaly():
        with pytest.raises(AnomalyError, match=rf"forward of op '{op}' produced NaN/Inf in output 0"):
            call(x)


def test_detect_anomaly_check_nan_false_checks_nothing():
    x = gv.tensor([0.0, 1.0], requires_grad=True)
    with gv.autograd.detect_anomaly(check_nan=False):
        (x / 0.0).sum().backward()
    with gv.autograd.detect_anomaly(check_nan=True):
        with pytest.raises(AnomalyError, match="div"):
            x / 0.0
    assert gv.autograd.detect_anomaly(check_nan=False)(lambda: x.log())().tolist()[0] == float("-inf")

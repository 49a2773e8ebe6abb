"""The step-through debugger's model: positions, highlights, values known at each moment."""

import numpy as np
import pytest

import gradviz as gv
from gradviz.trace import Recorder
from gradviz.widgets.stepper import StepperModel


def tiny_expression_capture():
    a = gv.tensor(2.0, requires_grad=True)
    b = gv.tensor(-3.0, requires_grad=True)
    recorder = Recorder().capture_step()
    with recorder:
        c = a * b
        d = c + a
        d.backward()
    return recorder.captured, (a, b, c, d)


def test_positions_run_forward_then_backward_with_leaf_gradients():
    capture, _ = tiny_expression_capture()
    model = StepperModel(capture)
    phases = [getattr(r, "phase", "leaf") for r in model.records]
    assert phases[:2] == ["forward", "forward"]
    assert "backward" in phases and phases.count("leaf") == 3  # a twice (two paths), b once
    assert model.next() == 1 and model.prev() == 0 and model.prev() == 0
    assert model.go(999) == len(model) - 1


def test_highlight_names_the_op_and_its_tensors():
    capture, (a, b, c, _) = tiny_expression_capture()
    model = StepperModel(capture)
    assert model.highlighted() >= {f"t{a._id}", f"t{b._id}", f"t{c._id}"}
    assert any(h.startswith("op") for h in model.highlighted())


def test_values_and_gradients_appear_as_the_step_progresses():
    capture, (a, b, c, d) = tiny_expression_capture()
    model = StepperModel(capture)
    labels = model.node_labels()
    assert labels[f"t{c._id}"] == "-6" and f"t{d._id}" not in labels
    model.go(len(model) - 1)
    labels = model.node_labels()
    assert labels[f"t{d._id}"] == "-4 | grad 1"
    assert labels[f"t{a._id}"] == "2 | grad -2"  # d = a*b + a: grad_a = b + 1, summed over two paths
    assert labels[f"t{b._id}"] == "-3 | grad 2"


def test_grad_visibly_accumulates_at_a_leaf_used_twice():
    capture, (a, _, _, _) = tiny_expression_capture()
    grads_of_a = [
        r.value.array.item() for r in StepperModel(capture).records if getattr(r, "tensor_id", None) == a._id
    ]
    assert grads_of_a == [1.0, -2.0]


def test_panel_describes_forward_and_backward():
    capture, _ = tiny_expression_capture()
    model = StepperModel(capture)
    assert [label for label, _ in model.panel()] == ["input 0", "input 1", "output 0"]
    model.go(next(r.order for r in model.records if getattr(r, "phase", None) == "backward"))
    assert model.panel()[0][0] == "gradient arriving for output 0"
    assert "backward" in model.title()


def test_jump_to_first_nonfinite():
    x = gv.tensor([0.0, 1.0], requires_grad=True)
    recorder = Recorder().capture_step()
    with recorder, np.errstate(divide="ignore", invalid="ignore"):
        (x * 2).log().sum().backward()
    model = StepperModel(recorder.captured)
    assert model.jump_to_first_nonfinite()
    assert model.current.op == "log" and model.current.phase == "forward"


def test_a_missing_capture_is_explained():
    with pytest.raises(ValueError, match="capture_step"):
        StepperModel(None)

"""In-place methods on tensors in the graph, recorded as PyTorch records them (ops.recorded_in_place):
values and gradients against PyTorch for a chain of in-place ops, the refusals (a leaf that requires
grad, a view), the in-place error when a backward saved the old values, and the recorder's graph."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import GraphError
from tests.oracle import host

rng = np.random.default_rng(0)

CHAINS = {
    "mul_ add_ exp_": lambda lib, y, w: y.mul_(3).add_(w, alpha=0.5).exp_(),
    "relu_ then a product": lambda lib, y, w: y.relu_() * w,
    "clamp_ sigmoid_": lambda lib, y, w: y.clamp_(-0.5, 0.8).sigmoid_() * w,
    "div_ pow_ sub_": lambda lib, y, w: y.div_(w.abs() + 1).pow_(2).sub_(w),
    "masked_fill_": lambda lib, y, w: y.masked_fill_(w > 0, 0.25) * w,
    "addcmul_ lerp_": lambda lib, y, w: y.addcmul_(w, w, value=0.5).lerp_(w, 0.3),
    "scatter_ with a src that requires grad": lambda lib, y, w: y.scatter_(
        1, lib.tensor([[0], [2], [1]]), w[:, :1]
    ),
    "index_add_": lambda lib, y, w: y.index_add_(1, lib.tensor([0, 0, 2]), w, alpha=2),
}


@pytest.mark.parametrize("name", CHAINS)
def test_in_place_chains_on_tensors_in_the_graph_match_pytorch(name):
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    results = []
    for lib in (gv, torch):
        x, w = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        y = x * 1.5  # a tensor in the graph (not a leaf)
        out = CHAINS[name](lib, y, w)
        out.sum().backward()
        results.append([host(t) if lib is gv else t.detach().numpy() for t in (out, x.grad, w.grad)])
    for mine, theirs in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)


def test_the_tensor_itself_changes_and_second_derivatives_flow():
    x = gv.tensor([0.5, -1.0, 2.0], dtype=gv.float64, requires_grad=True)
    y = x * 2
    buffer = y._data
    assert y.pow_(2) is y and y._data is buffer
    (first,) = gv.autograd.grad(y.sum(), x, create_graph=True)
    (second,) = gv.autograd.grad(first.sum(), x)
    assert first.tolist() == [4.0, -8.0, 16.0] and second.tolist() == [8.0, 8.0, 8.0]


def test_refusals_and_the_in_place_error_match_pytorch():
    for lib in (gv, torch):
        leaf = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError):
            leaf.mul_(2)
        x = lib.tensor([0.5, -1.0], requires_grad=True)
        y = x * 2
        z = y * y  # saves y
        y.exp_()
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            z.sum().backward()
        y = x * 2
        y.mul_(y)  # saves the y it overwrites
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            y.sum().backward()
    base = gv.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(
        GraphError, match="mul_: writing in place into a view of another tensor is not recorded"
    ):
        base[0].mul_(2)


def test_the_recorder_sees_the_in_place_ops_of_a_step():
    model = gv.nn.Linear(3, 2)
    recorder = gv.trace.Recorder(model)
    with recorder:
        hidden = model(gv.randn(4, 3))
        hidden.relu_().mul_(2)
        hidden.sum().backward()
    ops = [node.op for node in recorder.graph().ops.values()]
    assert "relu" in ops and "mul" in ops and "linear" in ops
    assert recorder.gradient_flow()["weight"][0] > 0

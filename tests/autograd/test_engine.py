"""Engine semantics, each checked against PyTorch's behaviour."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.autograd import events
from gradviz.errors import DtypeError, GraphError, ShapeError


def test_gradients_accumulate_across_backward_calls():
    x = gv.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(gv.ones(2))
    (x * x).backward(gv.ones(2))
    assert x.grad.tolist() == [3 + 2, 3 + 4]


def test_a_tensor_used_twice_gets_the_sum_of_both_paths():
    x = gv.tensor([1.5, -2.0], requires_grad=True)
    y = x * x  # two edges to the same input
    y.backward(gv.ones(2))
    assert x.grad.tolist() == [3.0, -4.0]


def test_diamond_graph_matches_pytorch():
    def f(lib, x):
        a = lib.sin(x)
        b = a * 2
        c = lib.exp(a)
        return b * c + a

    xv = np.array([0.3, -1.2, 2.0])
    x = gv.tensor(xv, requires_grad=True)
    xt = torch.tensor(xv, requires_grad=True)
    f(gv, x).backward(gv.ones(3, dtype=gv.float64))
    f(torch, xt).backward(torch.ones(3, dtype=torch.float64))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_each_node_runs_once_after_every_consumer_of_its_output():
    def f(lib, x):
        a = lib.sin(x)
        long = a
        for _ in range(5):
            long = long * 1.1
        unused = lib.exp(x)  # off the path to the output: never runs
        return long + a * 2 + unused.detach()

    xv = np.array([0.3, -1.2])
    x = gv.tensor(xv, requires_grad=True)
    xt = torch.tensor(xv, requires_grad=True)
    out = f(gv, x)
    ran = []
    with events.subscribe(lambda e: ran.append((e.op, e.node)) if _is_backward(e) else None):
        out.backward(gv.ones(2, dtype=gv.float64))
    f(torch, xt).backward(torch.ones(2, dtype=torch.float64))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    ops = [op for op, _ in ran]
    assert len(set(ran)) == len(ran) == 9 and "exp" not in ops
    assert ops[-1] == "sin"  # a's gradient waits for both branches


def _is_backward(event):
    return isinstance(event, events.OpEvent) and event.phase == "backward"


def test_deep_chain_does_not_hit_the_recursion_limit():
    x = gv.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward(gv.ones(1))
    np.testing.assert_allclose(x.grad.item(), 1.0001**5000, rtol=1e-3)


def test_second_backward_over_freed_graph_raises_and_retain_graph_allows_it():
    x = gv.tensor([2.0], requires_grad=True)
    y = x.exp() * x
    y.backward(gv.ones(1), retain_graph=True)
    y.backward(gv.ones(1))
    np.testing.assert_allclose(x.grad.item(), 2 * (np.exp(2.0) * 3), rtol=1e-6)
    with pytest.raises(GraphError, match="second time.*retain_graph=True"):
        y.backward(gv.ones(1))


def test_backward_on_non_scalar_without_gradient_explains():
    x = gv.ones(2, 3, requires_grad=True)
    with pytest.raises(GraphError, match=r"shape \(2, 3\).*gradient="):
        (x * 2).backward()


def test_backward_on_tensor_without_grad_explains():
    with pytest.raises(GraphError, match="does not require grad"):
        gv.ones(1).backward()


def test_gradient_shape_must_match_output():
    x = gv.ones(2, requires_grad=True)
    with pytest.raises(ShapeError, match=r"gradient has shape \(3,\).*\(2,\)"):
        (x * 2).backward(gv.ones(3))


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(DtypeError, match="floating point"):
        gv.tensor([1, 2], requires_grad=True)
    with pytest.raises(DtypeError, match="int64"):
        gv.arange(3).requires_grad_()


def test_no_grad_and_set_grad_enabled():
    x = gv.ones(2, requires_grad=True)
    with gv.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    with gv.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert gv.is_grad_enabled()

    @gv.no_grad()
    def evaluate(t):
        return t * 2

    assert not evaluate(x).requires_grad
    with gv.no_grad(), gv.enable_grad():
        assert (x * 2).requires_grad


def test_detach_and_leaf_flags():
    x = gv.ones(2, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    z = y.detach()
    assert z.is_leaf and not z.requires_grad and z._data is y._data


def test_tensor_hooks_see_and_replace_gradients():
    x = gv.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    y = x * 3
    y.register_hook(lambda g: seen.append(g.tolist()))
    handle = x.register_hook(lambda g: g * 10)
    (y * 1).backward(gv.ones(2))
    assert seen == [[1.0, 1.0]]
    assert x.grad.tolist() == [30.0, 30.0]
    handle.remove()
    x.grad = None
    (x * 3).backward(gv.ones(2))
    assert x.grad.tolist() == [3.0, 3.0]


def _hooked(lib, on_leaf, hook):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    (x if on_leaf else y).register_hook(hook)
    return y


def wrong_size(g):
    return g.sum().expand(3)


@pytest.mark.parametrize("on_leaf", [True, False])
def test_hook_that_changes_the_gradient_shape_is_refused_like_pytorch(on_leaf):
    with pytest.raises(RuntimeError, match="hook 'wrong_size' has changed the size of value"):
        _hooked(torch, on_leaf, wrong_size).sum().backward()
    with pytest.raises(
        ShapeError,
        match=r"register_hook: hook 'wrong_size' has changed the size of value: it returned shape \(3,\) "
        r"for a gradient of shape \(2,\)",
    ):
        _hooked(gv, on_leaf, wrong_size).sum().backward()


@pytest.mark.parametrize("on_leaf", [True, False])
def test_hook_that_changes_the_gradient_dtype_or_type_is_refused_like_pytorch(on_leaf):
    with pytest.raises(RuntimeError, match="has changed the type of value"):
        _hooked(torch, on_leaf, lambda g: g.double()).sum().backward()
    with pytest.raises(DtypeError, match=r"'<lambda>' has changed the type of value \(was gradviz.float32"):
        _hooked(gv, on_leaf, lambda g: g.double()).sum().backward()
    with pytest.raises(TypeError, match="expected Variable, but hook returned 'int'"):
        _hooked(torch, on_leaf, lambda g: 3).sum().backward()
    with pytest.raises(TypeError, match="register_hook: hook '<lambda>' returned int; return a Tensor"):
        _hooked(gv, on_leaf, lambda g: 3).sum().backward()


def test_retain_grad_keeps_intermediate_gradient():
    x = gv.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    (y * 2).backward(gv.ones(2))
    assert y.grad.tolist() == [2.0, 2.0]
    assert (x * 2).grad is None


def test_autograd_grad_returns_without_touching_dot_grad():
    x = gv.tensor([1.0, 2.0], requires_grad=True)
    w = gv.tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    gx, gw = gv.autograd.grad(y, (x, w), gv.ones(2))
    assert gx.tolist() == [3.0, 4.0] and gw.tolist() == [1.0, 2.0]
    assert x.grad is None and w.grad is None


def test_autograd_grad_unused_input():
    x = gv.ones(2, requires_grad=True)
    unused = gv.ones(2, requires_grad=True)
    with pytest.raises(GraphError, match="allow_unused=True"):
        gv.autograd.grad(x * 2, (x, unused), gv.ones(2))
    _, g = gv.autograd.grad(x * 2, (x, unused), gv.ones(2), allow_unused=True)
    assert g is None


def test_double_backward_matches_pytorch():
    xv = np.array([0.5, 1.5, -0.7])
    x = gv.tensor(xv, requires_grad=True)
    (g,) = gv.autograd.grad(gv.tanh(x) * x * x, x, gv.ones(3, dtype=gv.float64), create_graph=True)
    g.backward(gv.ones(3, dtype=gv.float64))
    xt = torch.tensor(xv, requires_grad=True)
    (gt,) = torch.autograd.grad(
        torch.tanh(xt) * xt * xt, xt, torch.ones(3, dtype=torch.float64), create_graph=True
    )
    gt.backward(torch.ones(3, dtype=torch.float64))
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_backward_with_create_graph_builds_differentiable_grad():
    x = gv.tensor([2.0], requires_grad=True)
    (x * x * x).backward(gv.ones(1), create_graph=True)
    assert x.grad.requires_grad
    (g2,) = gv.autograd.grad(x.grad, x, gv.ones(1))
    assert g2.item() == pytest.approx(12.0)


def test_leaf_grads_never_alias_each_other():
    a = gv.ones(3, requires_grad=True)
    b = gv.ones(3, requires_grad=True)
    (a + b).backward(gv.ones(3))
    a.grad.data *= 5
    assert b.grad.tolist() == [1.0, 1.0, 1.0]


def test_user_gradient_is_not_aliased_into_grad():
    x = gv.ones(2, requires_grad=True)
    upstream = gv.ones(2)
    (x + 0).backward(upstream)
    x.grad.data += 1
    assert upstream.tolist() == [1.0, 1.0]


def test_gradient_cast_back_to_input_dtype():
    x = gv.ones(2, requires_grad=True)
    y = x * gv.ones(2, dtype=gv.float64)
    assert y.dtype == gv.float64
    y.backward(gv.ones(2, dtype=gv.float64))
    assert x.grad.dtype == gv.float32


def test_custom_function_like_pytorch():
    class Cube(gv.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    x = gv.tensor([1.0, 2.0], dtype=gv.float64, requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn.name == "cube" and repr(y.grad_fn) == "<CubeBackward>"
    y.backward(gv.ones(2, dtype=gv.float64))
    assert x.grad.tolist() == [3.0, 12.0]
    assert gv.autograd.gradcheck(Cube.apply, (gv.tensor([0.3, -1.1], requires_grad=True),))
    assert gv.autograd.gradgradcheck(Cube.apply, (gv.tensor([0.3, -1.1], requires_grad=True),))


def _split_in_two(lib, materialize):
    """A two-output Function on ``lib`` whose backward logs what it receives for each output."""
    received = []

    class Split(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            received.append([None if g is None else g.tolist() for g in (grad_a, grad_b)])
            return (grad_a if grad_a is not None else 0 * grad_b) * 2

    return Split, received


@pytest.mark.parametrize("materialize", [True, False])
def test_set_materialize_grads_like_pytorch(materialize):
    logs = []
    for lib in (gv, torch):
        split, received = _split_in_two(lib, materialize)
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        _, b = split.apply(x)
        b.sum().backward()
        logs.append((received, x.grad.tolist()))
    assert logs[0] == logs[1]
    assert logs[0][0] == [[[0.0, 0.0] if materialize else None, [1.0, 1.0]]]


def test_custom_function_returning_wrong_gradient_shape_is_caught():
    class Broken(gv.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad[:1]

    x = gv.ones(3, requires_grad=True)
    with pytest.raises(ShapeError, match=r"Broken.backward returned a gradient of shape \(1,\)"):
        Broken.apply(x).backward(gv.ones(3))


def test_gradcheck_catches_a_wrong_backward():
    class WrongSin(gv.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return gv.backend.array_module(x).sin(x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * gv.sin(x)

    with pytest.raises(gv.autograd.GradcheckError, match="does not match finite differences"):
        gv.autograd.gradcheck(WrongSin.apply, (gv.tensor([0.3, 1.0], requires_grad=True),))
    assert not gv.autograd.gradcheck(
        WrongSin.apply, (gv.tensor([0.3, 1.0], requires_grad=True),), raise_exception=False
    )


def test_next_functions_walk_the_graph_like_pytorch():
    x = gv.ones(2, requires_grad=True)
    c = gv.ones(2)
    y = (x * 2).exp() + c
    (exp_node, _), (none, _) = y.grad_fn.next_functions
    assert none is None
    ((mul_node, _),) = exp_node.next_functions
    (acc, _), _const = mul_node.next_functions[0], mul_node.next_functions
    assert repr(acc) == "<AccumulateGrad>" and acc.variable is x


def test_in_place_change_of_a_tensor_that_requires_grad_is_refused():
    x = gv.ones(2, requires_grad=True)
    with pytest.raises(GraphError, match="no_grad"):
        x.zero_()
    with gv.no_grad():
        x.zero_()
    assert x.tolist() == [0.0, 0.0]


def test_gradcheck_perturbs_non_contiguous_inputs():
    transposed = gv.tensor(np.arange(6.0).reshape(2, 3).T, requires_grad=True)
    assert gv.autograd.gradcheck(lambda t: (t * t).sum(), (transposed,))


def test_gradcheck_of_an_empty_output_or_an_empty_input_passes_like_pytorch():
    """An empty Jacobian is a match: masked_select with a mask that selects nothing failed with
    "shapes differ" (an empty autograd Jacobian of shape (0, 0) against a numerical one of (0, 12))."""
    x = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
    nothing = np.zeros((3, 4), dtype=bool)
    assert torch.autograd.gradcheck(
        lambda t: t.masked_select(torch.tensor(nothing)), (torch.tensor(x, requires_grad=True),)
    )
    assert gv.autograd.gradcheck(
        lambda t: t.masked_select(gv.tensor(nothing)), (gv.tensor(x, requires_grad=True),)
    )
    assert gv.autograd.gradcheck(lambda t: t * 2, (gv.zeros(0, 3, dtype=gv.float64, requires_grad=True),))


SCALAR_FUNCTIONS = [
    "exp", "exp2", "expm1", "sigmoid", "tanh", "sqrt", "rsqrt", "reciprocal", "tan", "log", "sin", "atan",
    "erf", "logit",
]  # fmt: skip


@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
def test_second_derivatives_of_a_0d_tensor_match_pytorch(name):
    """numpy returns a NumPy scalar, not a 0-d array, for exp of a 0-d array: an op that saves its
    output must still find the output tensor in it (it saved a constant, so the second derivative was
    lost and ``grad(grad(exp(x)), x)`` raised)."""
    results = []
    for lib in (gv, torch):
        x = lib.tensor(0.3, dtype=lib.float64, requires_grad=True)
        (first,) = lib.autograd.grad(getattr(lib, name)(x), x, create_graph=True)
        (second,) = lib.autograd.grad(first, x)
        results.append((first.item(), second.item()))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)

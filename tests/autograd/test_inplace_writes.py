"""A backward that needs values overwritten in place since the forward pass raises, as in PyTorch;
in-place writes that no backward depends on stay allowed."""

import numpy as np
import pytest
import torch

import gradviz as gv
import gradviz.nn.functional as F


def _constant_written_by_setitem(lib):
    a, w = lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0], requires_grad=True)
    y = (a * w).sum()
    a[0] = 100.0
    return y


def _weight_updated_between_forward_and_backward(lib):
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    y = (w * w).sum()
    with lib.no_grad():
        w -= 1.0
    return y


def _linear(lib):
    return F.linear if lib is gv else torch.nn.functional.linear


def _linear_weight_scaled_in_place(lib):
    x, w = lib.ones(3, 4, requires_grad=True), lib.ones(2, 4, requires_grad=True)
    y = _linear(lib)(x, w).sum()
    with lib.no_grad():
        w.mul_(2)
    return y


def _base_written_under_a_saved_view(lib):
    x, w = lib.tensor([1.0, 2.0, 3.0]), lib.tensor([1.0, 1.0], requires_grad=True)
    y = (x[0:2] * w).sum()
    x[0] = 50.0
    return y


def _saved_output_zeroed(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    y = w.exp()
    with lib.no_grad():
        y.zero_()
    return y.sum()


def _detached_copy_written(lib):
    x, w = lib.tensor([1.0, 2.0]), lib.tensor([1.0, 1.0], requires_grad=True)
    y = (x.detach() * w).sum()
    x.add_(1)
    return y


def _reduction_input_written(reduce):
    def build(lib):
        y = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True) * 1
        total = reduce(y)
        with lib.no_grad():
            y[0, 0] = 10.0
        return total

    build.__name__ = f"_{reduce.__name__}_input_written"
    return build


def _prod(y):
    return y.prod()


def _amax(y):
    return y.amax()


def _logsumexp(y):
    return y.logsumexp(1).sum()


def _std(y):
    return y.std()


def _embedding_indices_written(lib):
    weight = lib.ones(5, 2, requires_grad=True)
    ids = lib.tensor([0, 3])
    y = lib.nn.functional.embedding(ids, weight).sum()
    ids[0] = 4
    return y


OVERWRITTEN = [
    *(_reduction_input_written(reduce) for reduce in (_prod, _amax, _logsumexp, _std)),
    _embedding_indices_written,
    _constant_written_by_setitem,
    _weight_updated_between_forward_and_backward,
    _linear_weight_scaled_in_place,
    _base_written_under_a_saved_view,
    _saved_output_zeroed,
    _detached_copy_written,
]


@pytest.mark.parametrize("build", OVERWRITTEN)
def test_backward_through_overwritten_saved_values_raises_as_in_pytorch(build):
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        build(torch).backward()
    with pytest.raises(
        gv.errors.GraphError, match=r"saved for backward .* modified by an in-place operation"
    ):
        build(gv).backward()


def test_the_error_names_the_op_and_the_saved_tensor():
    with pytest.raises(
        gv.errors.GraphError, match=r"^exp: an output it saved .*shape \(2,\), gradviz.float32"
    ):
        _saved_output_zeroed(gv).backward()
    with pytest.raises(gv.errors.GraphError, match=r"^linear: an input it saved .*shape \(2, 4\)"):
        _linear_weight_scaled_in_place(gv).backward()


def _input_of_an_add_written(lib):
    a, w = lib.tensor([1.0, 1.0]), lib.tensor([1.0, 2.0], requires_grad=True)
    y = (a + w).sum()
    a.add_(1)
    y.backward()
    return w.grad


def _written_after_backward(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with lib.no_grad():
        w -= 0.5 * w.grad
    (w * w).sum().backward()
    return w.grad


def _weight_written_that_only_the_constant_input_gradient_needs(lib):
    """``x @ w.T`` and ``x * w`` need ``w`` only for the gradient of ``x``, which is not needed here."""
    x, w, v = lib.ones(3, 4), lib.ones(2, 4, requires_grad=True), lib.ones(4, requires_grad=True)
    y = _linear(lib)(x, w).sum() + (x * v).sum() + (v / lib.full((4,), 2.0)).sum()
    with lib.no_grad():
        w.mul_(2)
        v.mul_(2)
    y.backward()
    return w.grad


@pytest.mark.parametrize(
    "build",
    [
        _input_of_an_add_written,
        _written_after_backward,
        _weight_written_that_only_the_constant_input_gradient_needs,
    ],
)
def test_writes_no_backward_depends_on_are_allowed(build):
    np.testing.assert_allclose(build(gv).numpy(), build(torch).numpy())


def test_requires_grad_and_grad_assignments_are_checked():
    with pytest.raises(gv.errors.DtypeError, match="only floating point tensors can require gradients"):
        gv.tensor([1, 2]).requires_grad = True
    with pytest.raises(gv.errors.GraphError, match="non-leaf"):
        (gv.ones(2, requires_grad=True) * 2).requires_grad = False
    with pytest.raises(ValueError, match=r"assigned grad has shape \(3,\) instead of \(2,\)"):
        gv.ones(2).grad = gv.ones(3)
    with pytest.raises(ValueError, match=r"dtype gradviz.float64 instead of gradviz.float32"):
        gv.ones(2).grad = gv.ones(2, dtype=gv.float64)
    x = gv.ones(2)
    x.requires_grad = True
    x.grad = gv.zeros(2)
    assert x.requires_grad and x.grad.tolist() == [0.0, 0.0]


def test_assigning_data_replaces_the_values_as_in_pytorch():
    def layer_after_data_assignment(lib):
        layer = lib.nn.Linear(2, 3)
        layer.weight.data = lib.ones(3, 2)
        layer.bias.data = lib.zeros(3)
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        w.data = w.data - 0.5 * lib.ones(2)  # the from-scratch update rule
        out = (layer(lib.ones(4, 2)) * w.sum()).sum()
        out.backward()
        return layer.weight.grad, w.grad

    for ours, theirs in zip(layer_after_data_assignment(gv), layer_after_data_assignment(torch)):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_data_is_a_detached_tensor_on_the_same_memory_as_in_pytorch():
    def initialised_and_trained(lib):
        lib.manual_seed(0)
        layer = lib.nn.Linear(3, 2)
        layer.weight.data.fill_(0.5)  # the classic initialisation idioms
        layer.bias.data.zero_()
        loss = layer(lib.ones(4, 3)).pow(2).sum()
        loss.backward()
        for p in layer.parameters():
            p.data.add_(p.grad.data, alpha=-0.1)  # the from-scratch SGD step of older tutorials
        return loss.data.item(), layer.weight.detach().numpy().copy(), layer.bias.data.numpy().copy()

    (loss, weight, bias), (t_loss, t_weight, t_bias) = (
        initialised_and_trained(gv),
        initialised_and_trained(torch),
    )
    assert loss == pytest.approx(t_loss)
    np.testing.assert_allclose(weight, t_weight)
    np.testing.assert_allclose(bias, t_bias)

    w = gv.tensor([1.0, 2.0], requires_grad=True)
    data = w.data
    assert isinstance(data, gv.Tensor) and not data.requires_grad and data.grad_fn is None
    assert data._data is w._data
    y = (w * w).sum()
    w.data.mul_(2)  # PyTorch would compute the gradient from the new values, silently
    with pytest.raises(gv.errors.GraphError, match=r"mul: an input it saved.*modified by an in-place"):
        y.backward()


def test_the_tensor_constructor_takes_arrays_tensors_and_lists():
    assert gv.Tensor([1, 2]).dtype == gv.float32 and gv.Tensor([1, 2]).tolist() == [1.0, 2.0]
    shared = gv.ones(2)
    assert gv.Tensor(shared)._data is shared._data
    assert gv.Tensor(np.float64(2.0)).shape == ()
    with pytest.raises(TypeError, match=r"Tensor\(\): expected an array, a tensor or a list, got int"):
        gv.Tensor(3)  # PyTorch reads a number here as a size


def test_assigned_data_is_checked_and_counts_as_a_write():
    w = gv.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    w.data = gv.zeros(2)
    with pytest.raises(gv.errors.GraphError, match=r"mul: an input it saved.*x\.data = "):
        y.backward()
    with pytest.raises(TypeError, match="data: assign a tensor or an array, not list"):
        w.data = [1.0, 2.0]
    with pytest.raises(gv.errors.DtypeError, match="requires grad, so its data must be floating point"):
        w.data = gv.tensor([1, 2])
    w.data = np.float32(3.0)
    assert w.shape == () and isinstance(w._data, np.ndarray)


def test_accumulating_into_a_grad_from_an_earlier_pass_still_counts_as_a_write():
    w = gv.ones(2, requires_grad=True)
    (w * 3).sum().backward()
    y = (w.grad * w).sum()  # saves the .grad of the first pass
    (w * w * w).sum().backward()  # summed in place into the .grad that y saved
    assert w.grad.tolist() == [6.0, 6.0]
    with pytest.raises(gv.errors.GraphError, match="mul: an input it saved for backward"):
        y.backward()

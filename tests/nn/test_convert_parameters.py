"""``nn.utils.parameters_to_vector`` and ``vector_to_parameters`` against PyTorch."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import ShapeError
from tests.nn.test_layers import _twins


def _linear_twins():
    return _twins(("Linear", (3, 2), {}, (4, 3)), "cpu")


def test_parameters_to_vector_matches_pytorch_and_is_differentiable():
    torch_layer, gv_layer = _linear_twins()
    theirs = torch.nn.utils.parameters_to_vector(torch_layer.parameters())
    ours = gv.nn.utils.parameters_to_vector(gv_layer.parameters())
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())
    (ours * gv.arange(8.0)).sum().backward()
    (theirs * torch.arange(8.0)).sum().backward()
    np.testing.assert_allclose(gv_layer.weight.grad.numpy(), torch_layer.weight.grad.numpy())
    np.testing.assert_allclose(gv_layer.bias.grad.numpy(), torch_layer.bias.grad.numpy())


def test_vector_to_parameters_fills_them_in_order_as_pytorch_does():
    torch_layer, gv_layer = _linear_twins()
    values = np.linspace(-1, 1, 8, dtype=np.float32)
    torch.nn.utils.vector_to_parameters(torch.tensor(values), torch_layer.parameters())
    gv.nn.utils.vector_to_parameters(gv.tensor(values), gv_layer.parameters())
    for ours, theirs in zip(gv_layer.parameters(), torch_layer.parameters()):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())
        assert ours.requires_grad and ours.is_leaf


def test_bad_vectors_are_explained():
    layer = gv.nn.Linear(3, 2)
    with pytest.raises(ShapeError, match="vec has 5 elements but the parameters hold 8"):
        gv.nn.utils.vector_to_parameters(gv.zeros(5), layer.parameters())
    with pytest.raises(TypeError, match=r"expected a 1-D tensor for vec, got a tensor of shape \(2, 4\)"):
        gv.nn.utils.vector_to_parameters(gv.zeros(2, 4), layer.parameters())
    with pytest.raises(TypeError, match="parameter 1 is float"):
        gv.nn.utils.parameters_to_vector([layer.weight, 1.5])

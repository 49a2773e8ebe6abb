"""The activation layers added with ``ops.more_activations`` against PyTorch (same weights, float64,
outputs and gradients), their state_dict keys and reprs, and PReLU's parameter."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.nn import layers
from tests.nn.test_layers import _build, _case_id, _step, _twins
from tests.oracle import host

rng = np.random.default_rng(1)

CASES = [
    ("SiLU", (), {}, (3, 4)),
    ("ELU", (), {}, (3, 4)),
    ("ELU", (0.4,), {}, (3, 4)),
    ("SELU", (), {}, (3, 4)),
    ("CELU", (1.7,), {}, (3, 4)),
    ("Hardtanh", (), {}, (3, 4)),
    ("Hardtanh", (-0.3, 0.8), {}, (3, 4)),
    ("ReLU6", (), {}, (3, 4)),
    ("Hardsigmoid", (), {}, (3, 4)),
    ("Hardswish", (), {}, (3, 4)),
    ("Mish", (), {}, (3, 4)),
    ("Softplus", (), {}, (3, 4)),
    ("Softplus", (2.0, 1.5), {}, (3, 4)),
    ("Softsign", (), {}, (3, 4)),
    ("Tanhshrink", (), {}, (3, 4)),
    ("Threshold", (0.1, 20.0), {}, (3, 4)),
    ("GLU", (), {}, (3, 4)),
    ("GLU", (0,), {}, (4, 3)),
    ("PReLU", (), {}, (3, 4)),
    ("PReLU", (3,), {"init": 0.1}, (2, 3, 4)),
    ("Softmin", (1,), {}, (3, 4, 2)),
    ("Hardshrink", (), {}, (3, 4)),
    ("Hardshrink", (1.2,), {}, (3, 4)),
    ("Softshrink", (0.7,), {}, (3, 4)),
    ("LogSigmoid", (), {}, (3, 4)),
    ("Softmax2d", (), {}, (2, 3, 2, 2)),
]
# constructed in place (PyTorch refuses in-place ops on leaves that require grad): repr only
INPLACE = [
    ("SiLU", (True,), {}, None),
    ("ELU", (0.5, True), {}, None),
    ("SELU", (), {"inplace": True}, None),
    ("CELU", (2.0, True), {}, None),
    ("Hardtanh", (-2.0, 3, True), {}, None),
    ("ReLU6", (True,), {}, None),
    ("Hardsigmoid", (True,), {}, None),
    ("Hardswish", (True,), {}, None),
    ("Mish", (True,), {}, None),
    ("Threshold", (1, 2, True), {}, None),
    ("Softmin", (), {}, None),
]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_layer_matches_pytorch(case, device):
    torch_layer, gv_layer = _twins(case, device)
    x = rng.standard_normal(case[3]) * 3
    if case[0] in ("Hardsigmoid", "Hardswish", "CELU"):
        _loose_step(gv_layer, torch_layer, x, device)
    else:
        _step(gv_layer, torch_layer, x, device)


def _loose_step(gv_layer, torch_layer, x, device):
    """Gradients to float32 precision: even in float64, PyTorch's hardsigmoid gradient multiplies by 1/6
    rounded to float32, and its celu gradient uses 1 / alpha rounded to float32 (twice: in the exponent
    and as a factor, so it is off by up to 2e-7 relative; 1e-7 failed one input in a few hundred);
    gradviz's are exact."""
    x_torch = torch.tensor(x, requires_grad=True)
    x_gv = gv.tensor(x, device=device, requires_grad=True)
    out_torch, out_gv = torch_layer(x_torch), gv_layer(x_gv)
    np.testing.assert_allclose(host(out_gv), out_torch.detach().numpy(), rtol=1e-12)
    out_torch.sum().backward()
    out_gv.sum().backward()
    np.testing.assert_allclose(host(x_gv.grad), x_torch.grad.numpy(), rtol=4e-7)


@pytest.mark.parametrize("case", CASES + INPLACE, ids=_case_id)
def test_state_dict_keys_and_repr_equal_pytorch(case):
    torch_layer, gv_layer = _build(case)
    assert list(gv_layer.state_dict()) == list(torch_layer.state_dict())
    assert repr(gv_layer) == repr(torch_layer)


def test_prelu_parameter_is_named_weight_and_loads_a_torch_state_dict():
    torch_layer = torch.nn.PReLU(3, init=0.3)
    layer = layers.PReLU(3, init=0.3)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    np.testing.assert_allclose(host(layer.weight), [0.3] * 3, rtol=1e-7)
    assert layer.weight.dtype == gv.float32
    with torch.no_grad():
        torch_layer.weight.copy_(torch.tensor([0.1, -0.2, 0.5]))
    layer.load_state_dict({k: gv.tensor(v.numpy()) for k, v in torch_layer.state_dict().items()})
    x = rng.standard_normal((2, 3, 5)).astype(np.float32)
    np.testing.assert_allclose(
        host(layer(gv.tensor(x))), torch_layer(torch.tensor(x)).detach().numpy(), rtol=1e-6
    )
    assert layers.PReLU(dtype=gv.float64).weight.dtype == gv.float64


def test_inplace_layers_write_into_an_input_that_records_nothing():
    for name, args, kwargs, _ in INPLACE[:-1]:
        x = rng.standard_normal((3, 4))
        mine, reference = gv.tensor(x), torch.tensor(x)
        assert _build((name, args, kwargs, None))[1](mine) is mine, name
        getattr(torch.nn, name)(*args, **kwargs)(reference)
        np.testing.assert_allclose(host(mine), reference.numpy(), rtol=1e-12, err_msg=name)


def test_hardtanh_rejects_reversed_bounds():
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        layers.Hardtanh(1.0, -1.0)

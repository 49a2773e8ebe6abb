import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import gradviz as gv
import gradviz.nn.functional as F
from gradviz import backend
from gradviz.backend.special import erf
from tests.oracle import check, host

rng = np.random.default_rng(0)


def test_erf_matches_math_erf_to_float64_precision():
    xs = np.concatenate([np.linspace(-30, 30, 20001), np.geomspace(1e-300, 1, 500), [0.46875, 4.0, -4.0]])
    expected = np.array([math.erf(v) for v in xs])
    relative = np.abs(erf(xs) - expected) / np.maximum(np.abs(expected), 1e-300)
    assert relative.max() < 1e-15


def test_erf_special_values_and_devices():
    out = erf(np.array([np.nan, -np.inf, np.inf, 0.0]))
    assert np.isnan(out[0]) and out[1:].tolist() == [-1.0, 1.0, 0.0]
    assert erf(np.ones(2, dtype=np.float32)).dtype == np.float32
    on_sim = erf(backend.to_device(np.array([0.5, -2.0]), gv.device("sim")))
    np.testing.assert_allclose(backend.to_host(on_sim), [math.erf(0.5), math.erf(-2.0)], rtol=1e-15)


def test_erf_op_and_method(device):
    check(lambda t: t.erf(), torch.erf, rng.standard_normal((3, 4)) * 2, device=device)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(approximate, device):
    x = rng.standard_normal((4, 5)) * 3
    check(lambda t: F.gelu(t, approximate), lambda t: TF.gelu(t, approximate=approximate), x, device=device)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_second_and_third_derivatives(approximate):
    x = gv.tensor(rng.standard_normal((3, 4)) * 2, requires_grad=True)
    assert gv.autograd.gradgradcheck(lambda t: F.gelu(t, approximate), [x])

    def slope(t):
        with gv.enable_grad():
            return gv.autograd.grad(F.gelu(t, approximate).sum(), t, create_graph=True)[0]

    assert gv.autograd.gradgradcheck(slope, [x])


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'fast'"):
        F.gelu(gv.ones(2), "fast")


@pytest.mark.parametrize("slope", [0.01, 0.2, -0.5])
def test_leaky_relu(slope, device):
    x = rng.standard_normal((3, 5))
    x[0, 0] = 0.0
    check(
        lambda t: F.leaky_relu(t, slope), lambda t: TF.leaky_relu(t, slope), x, device=device, gradcheck=False
    )
    check(
        lambda t: F.leaky_relu(t, slope),
        lambda t: TF.leaky_relu(t, slope),
        x + np.where(x >= 0, 0.5, -0.5),
        device=device,
    )


@pytest.mark.parametrize(("beta", "threshold"), [(1.0, 20.0), (2.0, 3.0)])
def test_softplus(beta, threshold, device):
    x = rng.standard_normal((4, 5)) * 4
    check(
        lambda t: F.softplus(t, beta, threshold), lambda t: TF.softplus(t, beta, threshold), x, device=device
    )


def test_logsigmoid_is_stable_for_large_logits(device):
    x = rng.standard_normal((4, 5)) * 50
    check(F.logsigmoid, TF.logsigmoid, x, device=device)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax(name, dim, device):
    x = rng.standard_normal((3, 4, 5)) * 5
    check(lambda t: getattr(F, name)(t, dim), lambda t: getattr(TF, name)(t, dim), x, device=device)
    check(lambda t: getattr(t, name)(dim), lambda t: getattr(t, name)(dim), x, device=device, gradcheck=False)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_is_stable_for_huge_inputs(name, device):
    x = np.array([[1000.0, 1001.0, -1000.0], [-1000.0, 0.0, 800.0]])
    out = host(getattr(F, name)(gv.tensor(x, device=device), -1))
    np.testing.assert_allclose(out, getattr(TF, name)(torch.tensor(x), -1).numpy(), atol=1e-12)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_second_and_third_derivatives(name, dim):
    x = gv.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    weights = gv.tensor(rng.standard_normal((3, 4)))
    assert gv.autograd.gradgradcheck(lambda t: getattr(F, name)(t, dim), [x])

    def slope(t):
        with gv.enable_grad():
            return gv.autograd.grad((getattr(F, name)(t, dim) * weights).sum(), t, create_graph=True)[0]

    assert gv.autograd.gradgradcheck(slope, [x])


def test_second_derivatives_of_other_activations():
    x = gv.tensor(rng.standard_normal((3, 4)) * 3, requires_grad=True)
    for fn in (F.softplus, F.logsigmoid, F.leaky_relu):
        assert gv.autograd.gradgradcheck(fn, [x])


def test_softmax_dtype_and_implicit_dim():
    x = gv.tensor([[1, 2, 3]])
    assert F.softmax(x, 1, dtype=gv.float64).dtype == gv.float64
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = F.softmax(gv.ones(2, 3))
    np.testing.assert_allclose(host(out), np.full((2, 3), 1 / 3))


def test_softmax_errors_name_the_problem():
    with pytest.raises(TypeError, match=r"softmax: expected a floating point input, got gradviz.int64"):
        F.softmax(gv.tensor([1, 2]), 0)
    with pytest.raises(IndexError, match=r"log_softmax: dimension 2 is out of range"):
        F.log_softmax(gv.ones(2, 3), 2)


INTEGER_REFUSED = {
    "gelu": lambda m, x: m.nn.functional.gelu(x),
    "leaky_relu": lambda m, x: m.nn.functional.leaky_relu(x),
    "softplus": lambda m, x: m.nn.functional.softplus(x),
    "logsigmoid": lambda m, x: m.nn.functional.logsigmoid(x),
}


@pytest.mark.parametrize("name", INTEGER_REFUSED)
def test_activations_without_an_integer_kernel_refuse_integers_as_pytorch(name):
    fn = INTEGER_REFUSED[name]
    with pytest.raises(NotImplementedError):
        fn(torch, torch.arange(3))
    with pytest.raises(
        TypeError, match=rf"{name}: expected a floating point input, got gradviz.int64.*float"
    ):
        fn(gv, gv.arange(3))

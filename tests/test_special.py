"""gradviz.special against torch.special: every function's values (the normal distribution's far into
its tails), gradients on the CPU and the simulated device, and the SciPy-style aliases."""

import numpy as np
import pytest
import torch

import gradviz as gv
from tests.oracle import check, host

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered:RuntimeWarning")
rng = np.random.default_rng(0)

SAMPLES = {
    "expit": rng.standard_normal(5),
    "logit": rng.uniform(0.1, 0.9, 5),
    "erf": rng.standard_normal(5),
    "erfc": rng.standard_normal(5),
    "erfinv": rng.uniform(-0.9, 0.9, 5),
    "exp2": rng.standard_normal(5),
    "expm1": rng.standard_normal(5),
    "log1p": rng.uniform(-0.5, 2, 5),
    "gammaln": rng.uniform(0.2, 6, 5),
    "digamma": rng.uniform(0.2, 6, 5),
    "psi": rng.uniform(0.2, 6, 5),
    "entr": rng.uniform(0.1, 3, 5),
    "sinc": rng.standard_normal(5),
    "ndtr": rng.standard_normal(5) * 3,
    "log_ndtr": np.array([-45.0, -31.0, -29.0, -5.0, 0.3, 4.0]),
    "ndtri": np.array([1e-12, 0.001, 0.3, 0.7, 0.999]),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_functions_match_torch_special_with_gradients(name, device):
    ours, theirs = getattr(gv.special, name), getattr(torch.special, name)
    check(ours, theirs, SAMPLES[name], device=device, gradcheck=name not in ("log_ndtr", "ndtri"), rtol=1e-9)


def test_the_normal_tails_keep_their_relative_accuracy():
    x = np.array([-300.0, -40.0, -38.5, -30.0, -10.0, 10.0, 40.0])
    np.testing.assert_allclose(
        gv.special.log_ndtr(gv.tensor(x)).numpy(), torch.special.log_ndtr(torch.tensor(x)).numpy(), rtol=1e-13
    )
    p = np.array([1e-300, 1e-100, 1e-20, 1 - 1e-15, 0.5])
    np.testing.assert_allclose(
        gv.special.ndtri(gv.tensor(p)).numpy(),
        torch.special.ndtri(torch.tensor(p)).numpy(),
        rtol=1e-12,
        atol=1e-15,
    )
    assert gv.special.ndtri(gv.tensor([0.0, 1.0])).tolist() == [-np.inf, np.inf]


def test_two_argument_and_multivariate_functions_match_torch_special(device):
    x, y = rng.uniform(0.5, 2, 5), rng.uniform(0.2, 3, 5)
    for name in ("xlogy", "xlog1py"):
        check(getattr(gv.special, name), getattr(torch.special, name), x, y, device=device)
    check(
        lambda t: gv.special.polygamma(2, t), lambda t: torch.special.polygamma(2, t), y + 0.5, device=device
    )
    check(
        lambda t: gv.special.multigammaln(t, 3),
        lambda t: torch.special.multigammaln(t, 3),
        y + 2,
        device=device,
    )
    probabilities = host(gv.special.softmax(gv.tensor(x), 0))
    np.testing.assert_allclose(probabilities, torch.special.softmax(torch.tensor(x), 0).numpy())
    assert gv.special.logsumexp(gv.tensor(x), 0).item() == pytest.approx(
        torch.special.logsumexp(torch.tensor(x), 0).item()
    )


def test_entr_and_the_aliases():
    assert (
        gv.special.entr(gv.tensor([0.0, 1.0, -1.0])).tolist()
        == torch.special.entr(torch.tensor([0.0, 1.0, -1.0])).tolist()
    )
    x = gv.tensor([0.3, 2.0])
    for alias, function in (
        (gv.special.expit, gv.sigmoid),
        (gv.special.gammaln, gv.lgamma),
        (gv.special.psi, gv.digamma),
    ):
        assert alias(x).tolist() == function(x).tolist()
    with pytest.raises(TypeError, match=r"ndtr\(\): argument 'input' must be Tensor, not float"):
        gv.special.ndtr(0.5)
    with pytest.raises(ValueError, match="multigammaln: p must be a positive int"):
        gv.special.multigammaln(gv.ones(2) * 3, 0)

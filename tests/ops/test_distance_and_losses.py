"""normalize, cosine_similarity, pairwise_distance and the losses added with them, against PyTorch:
forward, gradients of every float input, gradcheck, each reduction; then the errors and warnings."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import gradviz as gv
import gradviz.nn.functional as F
from tests.oracle import check, host

rng = np.random.default_rng(0)
REDUCTIONS = ["none", "mean", "sum"]


def _signs(*shape):
    return rng.choice([-1, 1], shape)


class Const:
    """An input that PyTorch does not differentiate (a target, a weight): passed without requires_grad."""

    def __init__(self, array):
        self.array = array


def _both(name, *args, device="cpu", **kwargs):
    """The gradviz and the PyTorch function of ``name``, called with the same extra arguments."""

    def gv_fn(*xs):
        xs = [gv.tensor(x.array, device=device) if isinstance(x, Const) else x for x in xs]
        return getattr(F, name)(*xs, *args, **kwargs)

    def torch_fn(*xs):
        return getattr(TF, name)(
            *[torch.tensor(x.array) if isinstance(x, Const) else x for x in xs], *args, **kwargs
        )

    return gv_fn, torch_fn


DISTANCE_CASES = [
    ("normalize", {}, [rng.standard_normal((3, 4))]),
    ("normalize", {"p": 1, "dim": 0}, [rng.standard_normal((3, 4))]),
    ("normalize", {"p": 3.0, "dim": -1}, [rng.standard_normal((2, 3, 4))]),
    ("cosine_similarity", {}, [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))]),
    ("cosine_similarity", {"dim": -1}, [rng.standard_normal((2, 3, 4)), rng.standard_normal(4)]),
    ("cosine_similarity", {"dim": 0}, [rng.standard_normal(5), rng.standard_normal(5)]),
    ("pairwise_distance", {}, [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))]),
    ("pairwise_distance", {"p": 1.0, "keepdim": True}, [rng.standard_normal((3, 4)), rng.standard_normal(4)]),
    ("pairwise_distance", {"p": 3.0, "eps": 0.1}, [rng.standard_normal(5), rng.standard_normal(5)]),
    ("pairwise_distance", {"p": float("inf")}, [rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4))]),
]


@pytest.mark.parametrize(("name", "kwargs", "inputs"), DISTANCE_CASES, ids=lambda v: str(v)[:40])
def test_distances_match_pytorch(name, kwargs, inputs, device):
    check(*_both(name, **kwargs), *inputs, device=device)


def test_cosine_similarity_promotes_to_the_common_float_dtype(device):
    x, y = np.array([[1, 2, 3], [0, 1, -1]]), rng.standard_normal((2, 3))
    out = check(*_both("cosine_similarity"), x, y, device=device)
    assert out[0].dtype == gv.float64
    with pytest.raises(TypeError, match=r"cosine_similarity: expected a floating point common dtype.*int64"):
        F.cosine_similarity(gv.tensor(x), gv.tensor(x))


def test_values_below_eps_are_clamped_with_pytorch_gradients(device):
    """Zero and tiny norms, small variances: the clamp at eps is a kink that finite differences cannot
    follow, so only PyTorch's values and gradients are compared (in cosine_similarity and
    gaussian_nll_loss the clamp is invisible to backward, as in PyTorch)."""
    x = np.array([[0.0, 0.0, 3.0], [0.0, 1e-13, -4.0]])
    check(*_both("normalize", dim=0), x, device=device, gradcheck=False)
    check(*_both("cosine_similarity", dim=0), x, rng.standard_normal((2, 3)), device=device, gradcheck=False)
    small = rng.standard_normal((4, 3)) * 0.1
    check(
        *_both("cosine_similarity", dim=0, eps=0.5),
        small,
        rng.standard_normal((4, 1)),
        device=device,
        gradcheck=False,
    )


def _probabilities(*shape, zeros=True):
    p = rng.dirichlet(np.ones(shape[-1]), shape[:-1])
    if zeros:
        p[0, 0] = 0.0
        p[0] /= p[0].sum()
    return p


def _loss_cases():
    x, y = rng.standard_normal((3, 4)) * 2, rng.standard_normal((3, 4)) * 2
    logp = torch.log_softmax(torch.tensor(rng.standard_normal((3, 4))), 1).numpy()
    counts = rng.poisson(2.0, (3, 4)).astype(float)
    # full=True jumps at a target of 1 (finite differences cannot cross it) and PyTorch's target gradient
    # is NaN at 0 (gradviz's is 0, the masked-out term's): targets at or below 1 are 0.5 here
    counts[counts <= 1] = 0.5
    var = rng.uniform(0.2, 2, (3, 4))
    a, p, n = (rng.standard_normal((4, 5)) for _ in range(3))
    return [
        ("smooth_l1_loss", {}, [x, y]),
        ("smooth_l1_loss", {"beta": 0.5}, [x, y]),
        ("smooth_l1_loss", {"beta": 0.0}, [x, y]),
        ("huber_loss", {"delta": 0.7}, [x, y]),
        ("huber_loss", {}, [x, y]),
        ("binary_cross_entropy", {}, [rng.uniform(0.05, 0.95, (3, 4)), rng.uniform(0, 1, (3, 4))]),
        ("kl_div", {"log_target": False}, [logp, _probabilities(3, 4, zeros=False)]),
        # PyTorch's target gradient is NaN at target 0 (gradviz's is -input): only input gradients compared
        ("kl_div", {"log_target": False}, [logp, Const(_probabilities(3, 4))]),
        ("kl_div", {"log_target": True}, [logp, np.log(_probabilities(3, 4, zeros=False))]),
        ("poisson_nll_loss", {}, [x, counts]),
        ("poisson_nll_loss", {"full": True}, [x, counts]),
        ("poisson_nll_loss", {"log_input": False, "full": True}, [rng.uniform(0.5, 3, (3, 4)), counts]),
        ("poisson_nll_loss", {"log_input": False, "eps": 0.1}, [rng.uniform(0.5, 3, (3, 4)), counts]),
        ("gaussian_nll_loss", {}, [x, y, var]),
        ("gaussian_nll_loss", {"full": True}, [x, y, var[:, 0]]),  # one dim short: homoscedastic
        ("gaussian_nll_loss", {}, [x, y, var[:, :1]]),  # one size-1 dim
        ("soft_margin_loss", {}, [x, Const(_signs(3, 4).astype(float))]),
        ("margin_ranking_loss", {}, [x, y, _signs(3, 4).astype(float)]),
        ("margin_ranking_loss", {"margin": 0.5}, [x[0], y[0], _signs(4).astype(float)]),
        ("hinge_embedding_loss", {}, [np.abs(x), _signs(3, 4)]),
        ("hinge_embedding_loss", {"margin": 2.5}, [np.abs(x), _signs(3, 4)]),
        ("cosine_embedding_loss", {}, [a, p, _signs(4)]),
        ("cosine_embedding_loss", {"margin": -0.5}, [a[0], p[0], np.array(-1)]),
        ("triplet_margin_loss", {}, [a, p, n]),
        ("triplet_margin_loss", {"margin": 0.5, "p": 1, "swap": True}, [a, p, n]),
        ("triplet_margin_loss", {"margin": 2.0, "swap": True, "eps": 0.1}, [a[0], p[0], n[0]]),
    ]


LOSS_CASES = _loss_cases()


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")  # kl_div's, tested below
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "kwargs", "inputs"), LOSS_CASES, ids=lambda v: str(v)[:40])
def test_losses_match_pytorch(name, kwargs, inputs, reduction, device):
    check(*_both(name, reduction=reduction, device=device, **kwargs), *inputs, device=device)


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "mean"])
def test_kl_div_batchmean_and_mean(reduction, log_target, device):
    logp = torch.log_softmax(torch.tensor(rng.standard_normal((2, 3, 4))), -1).numpy()
    target = _probabilities(2, 3, 4, zeros=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check(
            *_both("kl_div", reduction=reduction, log_target=log_target),
            logp,
            np.log(target) if log_target else target,
            device=device,
        )
    warned = any("'batchmean' divides only by the batch size" in str(w.message) for w in caught)
    assert warned == (reduction == "mean")


def test_binary_cross_entropy_at_0_and_1_clamps_the_log_as_pytorch(device):
    x, t = np.array([0.0, 1.0, 0.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.0, 1.0, 0.3])
    w = rng.uniform(0.5, 2, 5)
    (loss,) = check(*_both("binary_cross_entropy", reduction="none"), x, t, device=device, grad=False)
    np.testing.assert_allclose(host(loss)[:4], [100, 100, 0, 0])
    check(*_both("binary_cross_entropy", reduction="sum"), x, t, w, device=device, grad=False)
    xg = gv.tensor(x, device=device, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    F.binary_cross_entropy(xg, gv.tensor(t, device=device)).backward()
    TF.binary_cross_entropy(xt, torch.tensor(t)).backward()
    np.testing.assert_allclose(host(xg.grad), xt.grad.numpy(), rtol=1e-8)
    assert np.isfinite(host(xg.grad)).all()


def test_binary_cross_entropy_weight_broadcasts(device):
    check(
        *_both("binary_cross_entropy", device=device),
        rng.uniform(0.1, 0.9, (3, 4)),
        rng.uniform(0, 1, (3, 4)),
        Const(rng.uniform(0.5, 2, 4)),
        device=device,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_loss_weight(reduction, device):
    x, y, w = rng.standard_normal((3, 4)) * 2, rng.standard_normal((3, 4)) * 2, rng.uniform(0.1, 1, (3, 4))
    check(
        lambda a, b, c: F.huber_loss(a, b, reduction=reduction, weight=c),
        lambda a, b, c: TF.huber_loss(a, b, reduction=reduction, weight=c),
        x,
        y,
        w,
        device=device,
    )


def test_gaussian_nll_loss_with_a_number_for_var(device):
    check(*_both("gaussian_nll_loss", var=0.7), rng.standard_normal(5), rng.standard_normal(5), device=device)


def test_second_derivatives():
    x, y = (gv.tensor(rng.uniform(0.1, 0.9, (3, 4)), requires_grad=True) for _ in range(2))
    for fn in (F.binary_cross_entropy, F.smooth_l1_loss, F.soft_margin_loss, F.cosine_similarity):
        assert gv.autograd.gradgradcheck(fn, [x, y])
    assert gv.autograd.gradgradcheck(lambda a: F.normalize(a, dim=0), [x])
    assert gv.autograd.gradgradcheck(lambda a, b: F.kl_div(a, b, reduction="batchmean"), [x, y])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: F.smooth_l1_loss(gv.ones(2, 3), gv.ones(4)),
            RuntimeError,
            r"smooth_l1_loss: input of shape \(2, 3\), target of shape \(4,\) cannot be broadcast",
        ),
        (
            lambda: F.kl_div(gv.ones(2, 3), gv.ones(2), reduction="sum"),
            RuntimeError,
            r"kl_div: input of shape \(2, 3\), target of shape \(2,\) cannot",
        ),
        (
            lambda: F.poisson_nll_loss(gv.ones(3), gv.ones(2)),
            RuntimeError,
            r"poisson_nll_loss: input of shape \(3,\), target",
        ),
        (
            lambda: F.soft_margin_loss(gv.ones(3), gv.ones(2)),
            RuntimeError,
            r"soft_margin_loss: input of shape",
        ),
        (
            lambda: F.hinge_embedding_loss(gv.ones(3), gv.ones(2)),
            RuntimeError,
            r"hinge_embedding_loss: input of shape",
        ),
        (
            lambda: F.gaussian_nll_loss(gv.ones(3), gv.ones(2), gv.ones(3)),
            RuntimeError,
            r"gaussian_nll_loss: input of shape \(3,\), target of shape \(2,\), var",
        ),
        (
            lambda: F.cosine_similarity(gv.ones(2, 3), gv.ones(4)),
            RuntimeError,
            r"cosine_similarity: x1 of shape \(2, 3\), x2 of shape \(4,\) cannot",
        ),
        (
            lambda: F.pairwise_distance(gv.ones(2, 3), gv.ones(2)),
            RuntimeError,
            r"pairwise_distance: x1 of shape",
        ),
        (
            lambda: F.cosine_similarity(gv.ones(2, 3), gv.ones(2, 3), dim=2),
            IndexError,
            r"cosine_similarity: dim 2 is out of range",
        ),
        (
            lambda: F.binary_cross_entropy(gv.full((2,), 0.5), gv.ones(2, 1)),
            ValueError,
            r"binary_cross_entropy: using a target size \(\(2, 1\)\) that is different to the input size "
            r"\(\(2,\)\)",
        ),
        (
            lambda: F.binary_cross_entropy(gv.tensor([0.5, 1.5]), gv.ones(2)),
            RuntimeError,
            r"binary_cross_entropy: all elements of input should be between 0 and 1 \(got values from 0.5 to "
            r"1.5\).*with_logits",
        ),
        (
            lambda: F.binary_cross_entropy(gv.tensor([0.5, float("nan")]), gv.ones(2)),
            RuntimeError,
            r"elements of input should be between 0 and 1",
        ),
        (
            lambda: F.binary_cross_entropy(gv.ones(2), gv.tensor([-0.5, 1.0])),
            ValueError,
            r"all elements of target should be between 0 and 1",
        ),
        (
            lambda: F.smooth_l1_loss(gv.ones(2), gv.ones(2), beta=-1),
            RuntimeError,
            r"smooth_l1_loss does not support negative values for beta, got beta=-1",
        ),
        (
            lambda: F.huber_loss(gv.ones(2), gv.ones(2), delta=0),
            RuntimeError,
            r"huber_loss does not support non-positive values for delta",
        ),
        (
            lambda: F.huber_loss(gv.ones(2), gv.ones(2), weight=gv.ones(1)),
            ValueError,
            r"huber_loss: weight of shape \(1,\) and input of shape \(2,\)",
        ),
        (
            lambda: F.kl_div(gv.ones(2), gv.ones(2), reduction="avg"),
            ValueError,
            r"avg is not a valid value for reduction",
        ),
        (
            lambda: F.gaussian_nll_loss(gv.ones(2), gv.ones(2), gv.ones(2), reduction="avg"),
            ValueError,
            r"gaussian_nll_loss: avg is not valid",
        ),
        (
            lambda: F.gaussian_nll_loss(gv.ones(2), gv.ones(2), gv.tensor([1.0, -1.0])),
            ValueError,
            r"var has negative entry",
        ),
        (lambda: F.gaussian_nll_loss(gv.ones(2), gv.ones(2), -1.0), ValueError, r"var has negative entry"),
        (
            lambda: F.gaussian_nll_loss(gv.ones(2, 3), gv.ones(2, 3), gv.ones(3, 2)),
            ValueError,
            r"var is of incorrect size \(3, 2\) for input of shape \(2, 3\)",
        ),
        (
            lambda: F.margin_ranking_loss(gv.ones(2, 3), gv.ones(2, 3), gv.ones(3)),
            RuntimeError,
            r"margin_ranking_loss: all input tensors should have the same number of dimensions, got input1 "
            r"\(2, 3\), input2 \(2, 3\), target \(3,\)",
        ),
        (
            lambda: F.margin_ranking_loss(gv.ones(3), gv.ones(2), gv.ones(3)),
            RuntimeError,
            r"margin_ranking_loss: input1 of shape \(3,\), input2 of shape \(2,\), target",
        ),
        (
            lambda: F.cosine_embedding_loss(gv.ones(2, 3), gv.ones(2, 3), gv.ones(2, 1)),
            RuntimeError,
            r"cosine_embedding_loss: expected a 0-d or 1-d target, got shape \(2, 1\)",
        ),
        (
            lambda: F.cosine_embedding_loss(gv.ones(3), gv.ones(3), gv.ones(2)),
            RuntimeError,
            r"a 1-d target expects 2-d inputs, got input1 \(3,\) and input2 \(3,\)",
        ),
        (
            lambda: F.cosine_embedding_loss(gv.ones(2, 3), gv.ones(2, 3), gv.ones(3)),
            RuntimeError,
            r"cosine_embedding_loss: cosine of shape \(2,\), target of shape \(3,\)",
        ),
        (
            lambda: F.triplet_margin_loss(gv.ones(2), gv.ones(2), gv.ones(2), margin=0),
            ValueError,
            r"margin must be greater than 0, got 0",
        ),
        (
            lambda: F.triplet_margin_loss(gv.ones(2, 3), gv.ones(3), gv.ones(2, 3)),
            RuntimeError,
            r"same number of dimensions, got anchor \(2, 3\), positive \(3,\) and negative \(2, 3\)",
        ),
        (
            lambda: F.normalize(gv.ones(2), dim=1),
            IndexError,
            r"normalize: dim 1 is out of range for a tensor of 1 dimensions",
        ),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("name", ["smooth_l1_loss", "huber_loss"])
def test_broadcast_target_warns_as_pytorch_and_broadcasts(name, device):
    x, y = rng.standard_normal((2, 3)), rng.standard_normal(3)
    with pytest.warns(
        UserWarning, match=rf"{name}: using a target size \(\(3,\)\) that is different to the input"
    ):
        actual = getattr(F, name)(gv.tensor(x, device=device), gv.tensor(y, device=device))
    with pytest.warns(UserWarning):
        expected = getattr(TF, name)(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(host(actual), expected.numpy(), rtol=1e-12)


def test_binary_cross_entropy_is_one_op_with_a_backward_rule():
    from gradviz.widgets.backward_rules import RULES

    loss = F.binary_cross_entropy(gv.full((2,), 0.5, requires_grad=True), gv.ones(2), reduction="none")
    assert loss.grad_fn.name == "binary_cross_entropy" and "binary_cross_entropy" in RULES

"""The loss and distance modules added with F.smooth_l1_loss & co. against PyTorch's: values and input
gradients (float64) for every reduction, stored arguments, state_dict keys and reprs."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.nn import layers
from tests.oracle import host

rng = np.random.default_rng(1)
REDUCTIONS = ["none", "mean", "sum"]


def _signs(*shape):
    return rng.choice([-1.0, 1.0], shape)


def _cases():
    """(class name, constructor kwargs, forward inputs (numpy), indices of the inputs to differentiate)."""
    x, y = rng.standard_normal((3, 4)) * 2, rng.standard_normal((3, 4)) * 2
    a, p, n = (rng.standard_normal((4, 5)) for _ in range(3))
    probs = rng.uniform(0.05, 0.95, (3, 4))
    logp = torch.log_softmax(torch.tensor(x), 1).numpy()
    return [
        ("SmoothL1Loss", {"beta": 0.5}, [x, y], (0, 1)),
        ("HuberLoss", {"delta": 1.5}, [x, y], (0, 1)),
        ("BCELoss", {}, [probs, rng.uniform(0, 1, (3, 4))], (0, 1)),
        ("BCELoss", {"weight": rng.uniform(0.5, 2, 4)}, [probs, rng.uniform(0, 1, (3, 4))], (0, 1)),
        ("KLDivLoss", {}, [logp, rng.dirichlet(np.ones(4), 3)], (0, 1)),
        ("KLDivLoss", {"log_target": True}, [logp, np.log(rng.dirichlet(np.ones(4), 3))], (0, 1)),
        ("PoissonNLLLoss", {"full": True}, [x, rng.poisson(3.0, (3, 4)) + 2.0], (0, 1)),
        (
            "PoissonNLLLoss",
            {"log_input": False, "eps": 1e-3},
            [np.abs(x), rng.poisson(3.0, (3, 4)) * 1.0],
            (0,),
        ),
        ("GaussianNLLLoss", {"full": True}, [x, y, rng.uniform(0.5, 2, (3, 4))], (0, 1, 2)),
        ("SoftMarginLoss", {}, [x, _signs(3, 4)], (0,)),
        ("MarginRankingLoss", {"margin": 0.3}, [x, y, _signs(3, 4)], (0, 1, 2)),
        ("HingeEmbeddingLoss", {"margin": 2.0}, [np.abs(x), _signs(3, 4)], (0,)),
        ("CosineEmbeddingLoss", {"margin": 0.2}, [a, p, _signs(4)], (0, 1)),
        ("TripletMarginLoss", {"margin": 0.5, "p": 1.0, "swap": True}, [a, p, n], (0, 1, 2)),
        ("TripletMarginLoss", {}, [a, p, n], (0, 1, 2)),
    ]


CASES = _cases()


def _case_id(case):
    return f"{case[0]}-{sorted(case[1])}"


def _build(name, kwargs, device="cpu"):
    torch_module = getattr(torch.nn, name)(**{k: _convert(v, torch.tensor) for k, v in kwargs.items()})
    gv_module = getattr(layers, name)(**{k: _convert(v, gv.tensor) for k, v in kwargs.items()})
    return torch_module, gv_module.to(device)


def _convert(value, make):
    return make(value) if isinstance(value, np.ndarray) else value


def _compare(torch_module, gv_module, inputs, grads, device):
    t_in = [torch.tensor(a, requires_grad=i in grads) for i, a in enumerate(inputs)]
    g_in = [gv.tensor(a, device=device, requires_grad=i in grads) for i, a in enumerate(inputs)]
    expected, actual = torch_module(*t_in), gv_module(*g_in)
    np.testing.assert_allclose(host(actual), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = rng.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream))
    actual.backward(gv.tensor(upstream, device=device))
    for i in grads:
        np.testing.assert_allclose(host(g_in[i].grad), t_in[i].grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_loss_modules_match_pytorch(case, reduction, device):
    name, kwargs, inputs, grads = case
    _compare(*_build(name, {**kwargs, "reduction": reduction}, device), inputs, grads, device)


@pytest.mark.parametrize(
    ("name", "kwargs", "inputs"),
    [
        ("CosineSimilarity", {}, [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))]),
        (
            "CosineSimilarity",
            {"dim": 0, "eps": 1e-4},
            [rng.standard_normal((3, 4)), rng.standard_normal((3, 1))],
        ),
        ("PairwiseDistance", {}, [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))]),
        (
            "PairwiseDistance",
            {"p": 1.0, "eps": 0.0, "keepdim": True},
            [rng.standard_normal((3, 4)), rng.standard_normal(4)],
        ),
    ],
)
def test_distance_modules_match_pytorch(name, kwargs, inputs, device):
    _compare(*_build(name, kwargs, device), inputs, (0, 1), device)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_arguments_state_dict_and_repr_equal_pytorch(case):
    torch_module, gv_module = _build(case[0], case[1])
    assert repr(gv_module) == repr(torch_module)
    assert list(gv_module.state_dict()) == list(torch_module.state_dict())
    for key, value in vars(torch_module).items():
        if not key.startswith("_") and key != "training":
            assert getattr(gv_module, key) == value, key


def test_distance_modules_store_pytorch_attribute_names():
    for name, kwargs in [("CosineSimilarity", {"dim": 0, "eps": 0.1}), ("PairwiseDistance", {"p": 3.0})]:
        torch_module, gv_module = _build(name, kwargs)
        assert repr(gv_module) == repr(torch_module)
        for key in ("dim", "eps", "norm", "keepdim"):
            assert getattr(gv_module, key, None) == getattr(torch_module, key, None), key


def test_bce_weight_is_a_buffer_that_moves_with_the_module():
    loss = layers.BCELoss(weight=gv.ones(3)).to("sim")
    assert loss.weight.device == gv.device("sim")
    assert [name for name, _ in loss.named_buffers()] == ["weight"]


def test_legacy_size_average_and_reduce():
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert layers.SoftMarginLoss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert layers.TripletMarginLoss(reduce=False).reduction == "none"


def test_triplet_margin_must_be_positive():
    with pytest.raises(ValueError, match="TripletMarginLoss: expected margin to be greater than 0, got 0"):
        layers.TripletMarginLoss(margin=0)


def test_kl_div_batchmean_module(device):
    torch_module, gv_module = _build("KLDivLoss", {"reduction": "batchmean"}, device)
    _compare(
        torch_module,
        gv_module,
        [np.log(rng.dirichlet(np.ones(4), 3)), rng.dirichlet(np.ones(4), 3)],
        (0,),
        device,
    )

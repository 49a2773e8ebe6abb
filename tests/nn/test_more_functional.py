"""multi_margin_loss, multilabel_margin_loss, multilabel_soft_margin_loss, local_response_norm,
lp_pool1d/2d (functional and as modules) against PyTorch, values and gradients on the CPU and the
simulated device; gumbel_softmax by its distribution and its straight-through gradient."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import gradviz as gv
import gradviz.nn.functional as F
from gradviz.errors import DtypeError
from tests.oracle import check, check_refused_like_torch

rng = np.random.default_rng(0)


def on(lib, values, device):
    return torch.tensor(values) if lib is torch else gv.tensor(values, device=device)


CLASSES = np.array([3, 0, 4, 1])
LABELS = np.array([[3, 0, -1, 1, 0], [1, 2, 4, -1, -1], [-1, 0, 0, 0, 0], [0, 1, 2, 3, 4]])
TARGETS = (rng.random((4, 5)) > 0.5).astype(float)
WEIGHTS = rng.random(5)

LOSSES = {
    "multi_margin": lambda lib, f, x, d: f.multi_margin_loss(x, on(lib, CLASSES, d)),
    "multi_margin p2 weighted sum": lambda lib, f, x, d: f.multi_margin_loss(
        x, on(lib, CLASSES, d), p=2, margin=0.5, weight=on(lib, WEIGHTS, d), reduction="sum"
    ),
    "multi_margin one sample": lambda lib, f, x, d: f.multi_margin_loss(x[0], on(lib, CLASSES[:1], d)[0]),
    "multilabel_margin": lambda lib, f, x, d: f.multilabel_margin_loss(
        x, on(lib, LABELS, d), reduction="none"
    ),
    "multilabel_soft_margin": lambda lib, f, x, d: f.multilabel_soft_margin_loss(
        x, on(lib, TARGETS, d), on(lib, WEIGHTS, d)
    ),
    "local_response_norm": lambda lib, f, x, d: f.local_response_norm(x.reshape(2, 5, 2), 3, 0.5, 0.7, 2.0),
    "lp_pool1d": lambda lib, f, x, d: f.lp_pool1d(x.abs() + 0.1, 2.0, 2),
    "lp_pool2d": lambda lib, f, x, d: f.lp_pool2d(x.abs().reshape(1, 1, 4, 5) + 0.1, 3.0, (2, 2), 1),
}


@pytest.mark.parametrize("name", LOSSES)
def test_functional_forms_match_pytorch(name, device):
    call = LOSSES[name]
    x = rng.standard_normal((4, 5))
    check(lambda t: call(gv, F, t, device), lambda t: call(torch, TF, t, "cpu"), x, device=device)


MODULES = {
    "MultiMarginLoss": (dict(p=2, margin=0.7), lambda lib, d: (on(lib, CLASSES, d),)),
    "MultiLabelMarginLoss": (dict(), lambda lib, d: (on(lib, LABELS, d),)),
    "MultiLabelSoftMarginLoss": (dict(reduction="sum"), lambda lib, d: (on(lib, TARGETS, d),)),
}


@pytest.mark.parametrize("name", MODULES)
def test_loss_modules_match_pytorch(name, device):
    options, targets = MODULES[name]
    ours, theirs = getattr(gv.nn, name)(**options), getattr(torch.nn, name)(**options)
    assert repr(ours) == repr(theirs)
    x = rng.standard_normal((4, 5))
    check(
        lambda t: ours(t, *targets(gv, device)), lambda t: theirs(t, *targets(torch, "cpu")), x, device=device
    )


@pytest.mark.parametrize(
    "name, args, shape",
    [
        ("LocalResponseNorm", (2,), (2, 4, 3)),
        ("LPPool2d", (2, 2), (1, 2, 4, 4)),
        ("LPPool1d", (1.5, 3, 1), (2, 6)),
    ],
)
def test_layer_modules_match_pytorch(name, args, shape, device):
    ours, theirs = getattr(gv.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    check(ours, theirs, np.abs(rng.standard_normal(shape)) + 0.1, device=device)


def test_gumbel_softmax_samples_the_categorical_and_passes_the_soft_gradient():
    logits = gv.tensor([[1.0, 2.0, 3.0]]).expand(20000, 3)
    hard = F.gumbel_softmax(logits, hard=True, generator=gv.Generator(0))
    assert set(hard.sum(-1).tolist()) == {1.0} and set(hard.flatten().tolist()) == {0.0, 1.0}
    expected = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    np.testing.assert_allclose(hard.numpy().mean(0), expected, atol=0.015)
    x = gv.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    soft = F.gumbel_softmax(x, tau=0.7, generator=gv.Generator(1))
    assert soft.sum().item() == pytest.approx(1.0)
    again = F.gumbel_softmax(x, tau=0.7, hard=True, generator=gv.Generator(1))
    assert again.argmax().item() == soft.argmax().item()
    (grad_hard,) = gv.autograd.grad((again * gv.tensor([1.0, 2.0, 3.0])).sum(), x)
    (grad_soft,) = gv.autograd.grad((soft * gv.tensor([1.0, 2.0, 3.0])).sum(), x)
    np.testing.assert_allclose(grad_hard.numpy(), grad_soft.numpy(), rtol=1e-6)


def test_bad_targets_are_refused_as_pytorch_refuses_them():
    check_refused_like_torch(
        (RuntimeError, lambda: TF.multi_margin_loss(torch.ones(2, 3), torch.ones(2))),
        (DtypeError, lambda: F.multi_margin_loss(gv.ones(2, 3), gv.ones(2))),
        "multi_margin_loss: the target must hold class indices",
    )
    check_refused_like_torch(
        (ValueError, lambda: torch.nn.MultiMarginLoss(p=3)),
        (ValueError, lambda: gv.nn.MultiMarginLoss(p=3)),
        "MultiMarginLoss: only p == 1 and p == 2 are supported",
    )


@pytest.mark.parametrize("p", [0.2, 0.6])
def test_alpha_dropout_uses_pytorchs_affine_map_and_keeps_mean_and_variance(p):
    x = np.random.default_rng(7).standard_normal((400, 50))
    theirs = TF.alpha_dropout(torch.tensor(x), p, training=True).numpy()
    gv.manual_seed(0)
    ours = F.alpha_dropout(gv.tensor(x), p, training=True).numpy()

    def affine(out):
        """(a, b, dropped value) of out = a·x + b where kept; the dropped value is the most common."""
        values, counts = np.unique(np.round(out, 12), return_counts=True)
        dropped = values[counts.argmax()]
        kept = np.abs(out - dropped) > 1e-9
        a, b = np.polyfit(x[kept], out[kept], 1)
        return a, b, dropped, kept.mean()

    (a, b, dropped, kept), (a_t, b_t, dropped_t, kept_t) = affine(ours), affine(theirs)
    np.testing.assert_allclose([a, b, dropped], [a_t, b_t, dropped_t], rtol=1e-9)
    assert abs(kept - (1 - p)) < 0.02 and abs(kept_t - (1 - p)) < 0.02
    assert abs(ours.mean()) < 0.05 and abs(ours.std() - 1) < 0.05
    y = F.feature_alpha_dropout(gv.tensor(x.reshape(20, 20, 50)), p, training=True).numpy()
    channel_dropped = np.all(np.abs(y - dropped) < 1e-9, axis=2)
    assert 0 < channel_dropped.mean() < 1 and abs(y.mean()) < 0.1
    np.testing.assert_array_equal(F.alpha_dropout(gv.tensor(x), p, training=False).numpy(), x)

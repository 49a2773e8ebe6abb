"""trace, select, flipud, fliplr, rot90 and frac against PyTorch (values and gradients, on the
CPU and the simulated device), and the small Tensor helpers PyTorch code uses."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, ShapeError
from tests.oracle import check

rng = np.random.default_rng(0)


def test_trace_and_select_match_pytorch(device):
    check(lambda t: t.trace(), lambda t: t.trace(), rng.standard_normal((4, 3)), device=device)
    assert gv.trace.Recorder, "gradviz.trace stays the recorder's package (trace is a method only)"
    x = rng.standard_normal((3, 4, 2))
    check(lambda t: t.select(1, -1), lambda t: t.select(1, -1), x, device=device)
    check(lambda t: gv.select(t, 2, 0), lambda t: torch.select(t, 2, 0), x, device=device)


@pytest.mark.parametrize("k", [-3, -1, 0, 1, 2, 3, 5])
def test_rot90_and_flips_match_pytorch(k, device):
    x = rng.standard_normal((2, 3, 4))
    check(lambda t: t.rot90(k, (0, 2)), lambda t: t.rot90(k, (0, 2)), x, device=device)
    check(lambda t: t.flipud(), lambda t: t.flipud(), x, device=device)
    check(lambda t: gv.fliplr(t), lambda t: torch.fliplr(t), x, device=device)


def test_frac_matches_pytorch(device):
    x = rng.standard_normal(6) * 4
    check(lambda t: t.frac(), lambda t: t.frac(), x, device=device)


def test_derived_ops_explain_bad_input():
    with pytest.raises(ShapeError, match=r"trace: expected a matrix \(2-D\), got shape \(2, 2, 2\)"):
        gv.ones(2, 2, 2).trace()
    with pytest.raises(ShapeError, match="fliplr: expected at least 2 dimensions"):
        gv.ones(3).fliplr()
    with pytest.raises(DtypeError, match="frac: expects a floating point tensor"):
        gv.tensor([1, 2]).frac()
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).frac()


def test_tensor_helpers_answer_as_pytorch_does():
    a = rng.standard_normal((2, 3))
    for lib in (gv, torch):
        x = lib.tensor(a)
        assert (x.nelement(), x.ndimension(), x.is_contiguous(), x.t().is_contiguous()) == (6, 2, True, False)
        assert [str(x.byte().dtype), str(x.char().dtype), str(x.short().dtype)] == [
            f"{lib.__name__}.uint8",
            f"{lib.__name__}.int8",
            f"{lib.__name__}.int16",
        ]
        assert x.equal(x.clone()) and not x.equal(x + 1) and not x.equal(x[:1])
        assert lib.equal(x.absolute(), x.abs())
        y = lib.ones(2, requires_grad=True) * 2
        assert not y.retains_grad
        y.retain_grad()
        assert y.retains_grad


@pytest.mark.parametrize("name", ["frac_", "absolute_"])
def test_in_place_forms_match_pytorch_on_a_strided_view(name):
    a = rng.standard_normal((3, 4)) * 4
    ours, theirs = gv.tensor(a), torch.tensor(a)
    getattr(ours.t(), name)()
    getattr(theirs.t(), name)()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())

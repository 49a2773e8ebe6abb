"""diagonal, Tensor.unfold, tensor_split, hsplit, vsplit, dsplit and ravel against PyTorch (values and
gradients of every order, on the CPU and the simulated device), and the views they share with their
input: a write through one is seen by the other, as in PyTorch."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import GraphError, ShapeError
from tests.oracle import check, check_refused_like_torch

rng = np.random.default_rng(0)


@pytest.mark.parametrize("offset", [-5, -2, 0, 1, 4])
@pytest.mark.parametrize("dims", [(0, 1), (1, 2), (2, 0), (-1, -3)])
def test_diagonal_matches_pytorch(offset, dims, device):
    x = rng.standard_normal((3, 4, 5))
    check(lambda t: t.diagonal(offset, *dims), lambda t: t.diagonal(offset, *dims), x, device=device)


@pytest.mark.parametrize("shape, dim, size, step", [((7,), 0, 3, 2), ((3, 5), 1, 2, 1), ((4, 3, 2), 0, 4, 3)])
def test_unfold_matches_pytorch(shape, dim, size, step, device):
    x = rng.standard_normal(shape)
    check(lambda t: t.unfold(dim, size, step), lambda t: t.unfold(dim, size, step), x, device=device)


def test_unfold_of_a_scalar_and_of_empty_windows_match_pytorch():
    for call in (lambda lib: lib.tensor(2.0).unfold(0, 1, 1), lambda lib: lib.ones(3).unfold(0, 0, 1)):
        assert call(gv).shape == call(torch).shape
        assert call(gv).tolist() == call(torch).tolist()


@pytest.mark.parametrize("op", [lambda t: t.diagonal(1, 1, 0), lambda t: t.unfold(1, 3, 1)])
def test_view_gradients_have_gradients_themselves(op):
    x = gv.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    weights = gv.tensor(rng.standard_normal(op(x).shape))
    assert gv.autograd.gradcheck(lambda t: op(t * t) * weights, [x])
    assert gv.autograd.gradgradcheck(lambda t: op(t * t) * weights, [x])


@pytest.mark.parametrize(
    "view",
    [
        lambda t: t.diagonal(),
        lambda t: t.diagonal(-1, 1, 0),
        lambda t: t.unfold(0, 2, 1)[1],
        lambda t: t.tensor_split(3, 1)[1],
        lambda t: t.hsplit([1])[0],
        lambda t: t.ravel(),
    ],
)
def test_writes_through_a_view_reach_its_input_as_in_pytorch(view):
    ours, theirs = gv.zeros(3, 3), torch.zeros(3, 3)
    view(ours).fill_(1)
    view(theirs).fill_(1)
    assert ours.tolist() == theirs.tolist()
    assert ours.sum().item() > 0


@pytest.mark.parametrize(
    "split",
    [
        lambda lib, t: lib.tensor_split(t, 3),
        lambda lib, t: lib.tensor_split(t, 4, dim=1),
        lambda lib, t: lib.tensor_split(t, [1, 4], dim=1),
        lambda lib, t: lib.tensor_split(t, [4, 1, 9], dim=-1),
        lambda lib, t: lib.tensor_split(t, [-2], dim=0),
        lambda lib, t: t.tensor_split(lib.tensor(2)),
        lambda lib, t: t.tensor_split(lib.tensor([1, 3]), 1),
        lambda lib, t: lib.hsplit(t, 5),
        lambda lib, t: lib.hsplit(t, [2]),
        lambda lib, t: lib.vsplit(t, 2),
        lambda lib, t: lib.dsplit(t.unsqueeze(-1), [0, 1]),
    ],
)
def test_splits_match_pytorch(split, device):
    x = rng.standard_normal((4, 5))
    check(lambda t: split(gv, t), lambda t: split(torch, t), x, device=device)


def test_ravel_matches_pytorch_and_is_a_view_when_it_can_be(device):
    x = rng.standard_normal((2, 3))
    check(lambda t: t.t().ravel(), lambda t: t.t().ravel(), x, device=device)
    check(lambda t: gv.ravel(t), lambda t: torch.ravel(t), x, device=device)


def test_bad_arguments_are_refused_as_pytorch_refuses_them():
    check_refused_like_torch(
        (RuntimeError, lambda: torch.ones(2, 2).diagonal(0, 1, 1)),
        (ShapeError, lambda: gv.ones(2, 2).diagonal(0, 1, 1)),
        "diagonal: dim1 and dim2 must differ, both are 1",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.ones(3).unfold(0, 4, 1)),
        (ShapeError, lambda: gv.ones(3).unfold(0, 4, 1)),
        r"unfold: the size of a window must be between 0 and the size of dimension 0 \(3, shape \(3,\)\)",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.ones(3).unfold(0, 2, 0)),
        (ValueError, lambda: gv.ones(3).unfold(0, 2, 0)),
        "unfold: step is 0 but must be > 0",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.ones(5).tensor_split(0)),
        (ValueError, lambda: gv.ones(5).tensor_split(0)),
        "tensor_split: number of sections must be larger than 0, got 0",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.hsplit(torch.ones(2, 5), 2)),
        (ShapeError, lambda: gv.hsplit(gv.ones(2, 5), 2)),
        r"hsplit: cannot split dimension 1 of size 5 into 2 equal parts; give a number of sections",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.vsplit(torch.ones(4), 2)),
        (ShapeError, lambda: gv.vsplit(gv.ones(4), 2)),
        r"vsplit: requires a tensor with at least 2 dimensions, got shape \(4,\)",
    )
    check_refused_like_torch(
        (TypeError, lambda: torch.ones(4).tensor_split(1.5)),
        (TypeError, lambda: gv.ones(4).tensor_split(1.5)),
        r"tensor_split\(\): argument 'sections' must be int, not float",
    )


@pytest.mark.parametrize(
    "view", [lambda t: t.diagonal(), lambda t: t.unfold(0, 2, 1), lambda t: t.diagonal(1).unsqueeze(0)]
)
def test_a_write_through_a_view_is_seen_by_a_backward_that_saved_the_input(view, device):
    """The views are strided views, whose ``base`` is a holder object: the write must still reach the
    buffer's owner, else the backward would use the new values (a silently wrong gradient)."""
    weight = gv.ones(3, 3, requires_grad=True, device=device)
    x = gv.ones(3, 3, device=device)
    product = weight * x  # saves x for weight's gradient
    view(x).fill_(5.0)
    with pytest.raises(GraphError, match="modified by an in-place operation"):
        product.sum().backward()

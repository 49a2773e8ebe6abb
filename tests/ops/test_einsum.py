"""einsum and tensordot (ops/contraction.py), and the products dot, mv, outer, addmm, against PyTorch."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, ShapeError
from tests.oracle import check, host

rng = np.random.default_rng(0)

EQUATIONS = {
    "matmul": ("ij,jk->ik", (2, 3), (3, 4)),
    "batched_implicit": ("bij,bjk", (2, 2, 3), (2, 3, 4)),
    "attention_scores": ("bhqd,bhkd->bhqk", (2, 2, 3, 4), (2, 2, 5, 4)),
    "transpose_implicit": ("ji", (2, 3)),
    "sum_all": ("ij->", (2, 3)),
    "sum_rows": ("ij->j", (2, 3)),
    "outer_implicit": ("i,j", (2,), (3,)),
    "three_operands": ("i,ij,j->", (3,), (3, 4), (4,)),
    "hadamard": ("ij,ij->ij", (2, 3), (2, 3)),
    "diagonal": ("ii->i", (3, 3)),
    "trace_implicit": ("ii", (3, 3)),
    "repeated_with_free": (
        "iij->ji",
        (2, 2, 3),
    ),
    "repeated_and_shared": ("ii,i->i", (3, 3), (3,)),
    "summed_only_in_one": ("i,ij->", (3,), (3, 3)),
    "ellipsis": ("...ij,...j->...i", (4, 2, 3), (3,)),
    "ellipsis_implicit_broadcast": ("...ij,...j", (4, 2, 3), (1, 3)),
    "ellipsis_in_the_middle": ("a...,...b->ab", (2, 3), (3, 4)),
    "ellipsis_summed": ("...i->i", (2, 3, 4)),
    "size_one_broadcast": ("ij,j->i", (2, 3), (1,)),
    "spaces": (" i j , j k -> i k ", (2, 3), (3, 1)),
    "capitals": ("Ab,bC->AC", (2, 3), (3, 2)),
}


@pytest.mark.parametrize("name", EQUATIONS)
def test_einsum_matches_pytorch(name, device):
    equation, *shapes = EQUATIONS[name]
    check(
        lambda *t: gv.einsum(equation, *t),
        lambda *t: torch.einsum(equation, *t),
        *(rng.standard_normal(s) for s in shapes),
        device=device,
    )


def test_einsum_takes_a_list_and_second_derivatives():
    a, b = rng.standard_normal((3, 3)), rng.standard_normal(3)
    check(lambda x, y: gv.einsum("ij,j->i", [x, y]), lambda x, y: torch.einsum("ij,j->i", [x, y]), a, b)
    inputs = [gv.tensor(a, requires_grad=True), gv.tensor(b, requires_grad=True)]
    assert gv.autograd.gradgradcheck(lambda x, y: gv.einsum("ii,i,ij->j", x, y, x) ** 2, inputs)


def test_einsum_dtypes_follow_pytorch(device):
    ints = gv.einsum(
        "ij,jk->ik",
        gv.ones(2, 3, dtype=gv.int64, device=device),
        gv.ones(3, 2, dtype=gv.int64, device=device),
    )
    assert ints.dtype == gv.int64 and host(ints).tolist() == [[3, 3], [3, 3]]
    assert gv.einsum("i->", gv.ones(3, dtype=gv.float32)).dtype == gv.float32
    with pytest.raises(DtypeError, match="einsum: .*float32, float64"):
        gv.einsum("i,i->", gv.ones(3), gv.ones(3, dtype=gv.float64))


def test_einsum_errors_are_clear():
    a = gv.ones(2, 3)
    with pytest.raises(
        ShapeError, match=r"einsum: subscript 'j' has size 3 in one operand and 4 .*\(2, 3\), \(4,\)"
    ):
        gv.einsum("ij,j->i", a, gv.ones(4))
    with pytest.raises(ShapeError, match=r"einsum: operand 0 has shape \(2, 3\) .*'ijk'"):
        gv.einsum("ijk->i", a)
    with pytest.raises(ShapeError, match=r"einsum: subscript 'i' is repeated for operand 0 .*\(2 != 3\)"):
        gv.einsum("ii->i", a)
    with pytest.raises(ValueError, match="einsum: the equation 'ij,jk' has 2 operand subscripts, but 1"):
        gv.einsum("ij,jk", a)
    with pytest.raises(ValueError, match="einsum: output subscript 'k' .* appears in no operand"):
        gv.einsum("ij->k", a)
    with pytest.raises(ValueError, match="einsum: output subscript 'i' appears more than once"):
        gv.einsum("ij->ii", a)
    with pytest.raises(ValueError, match="einsum: subscripts must be letters .*'1'"):
        gv.einsum("i1->i", a)
    with pytest.raises(TypeError, match="einsum: the first argument must be the subscripts string"):
        gv.einsum(a, [0, 1])


TENSORDOT = {
    "default": ((2, 3, 4), (3, 4, 2), 2),
    "one": ((2, 3), (3, 4), 1),
    "zero": ((2,), (3,), 0),
    "lists": ((2, 3, 4), (3, 4, 2), ([0, 2], [2, 1])),
    "tuples": ((2, 3), (4, 3), ((1,), (1,))),
    "negative": ((2, 3), (3, 2), ([-1], [0])),
}


@pytest.mark.parametrize("name", TENSORDOT)
def test_tensordot_matches_pytorch(name, device):
    a_shape, b_shape, dims = TENSORDOT[name]
    check(
        lambda a, b: gv.tensordot(a, b, dims=dims),
        lambda a, b: torch.tensordot(a, b, dims=dims),
        rng.standard_normal(a_shape),
        rng.standard_normal(b_shape),
        device=device,
    )


def test_tensordot_errors():
    with pytest.raises(
        ShapeError,
        match=r"tensordot: cannot contract dims \[1\] of shape \(2, 3\) with dims \[0\] of shape \(4,\)",
    ):
        gv.tensordot(gv.ones(2, 3), gv.ones(4), dims=1)
    with pytest.raises(DtypeError, match="tensordot: .*same dtype"):
        gv.tensordot(gv.ones(3), gv.ones(3, dtype=gv.float64), dims=1)
    with pytest.raises(TypeError, match="tensordot: dims must be an int or a pair of lists"):
        gv.tensordot(gv.ones(2, 3), gv.ones(3, 2), dims=(1, 0))
    with pytest.raises(ValueError, match="tensordot: dims 3 must be in 0..2"):
        gv.tensordot(gv.ones(2, 3), gv.ones(3, 2), dims=3)


# ---- dot, mv, outer, addmm ----


def test_products_match_pytorch(device):
    v, w, m = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((2, 3))
    check(gv.dot, torch.dot, v, w, device=device)
    check(lambda a, b: a.dot(b), lambda a, b: a.dot(b), v, w, device=device)
    check(gv.mv, torch.mv, m, v, device=device)
    check(lambda a, b: a.mv(b), lambda a, b: a.mv(b), m, v, device=device)
    check(gv.outer, torch.outer, v, rng.standard_normal(2), device=device)
    check(lambda a, b: a.outer(b), lambda a, b: a.outer(b), v, w, device=device)


ADDMM = {
    "plain": ((2, 4), {}),
    "broadcast_row": ((4,), {"beta": 0.5, "alpha": 2.0}),
    "broadcast_column": ((2, 1), {"alpha": -1}),
    "scalar_input": ((), {"beta": 3}),
    "beta_zero": ((2, 4), {"beta": 0}),
}


@pytest.mark.parametrize("name", ADDMM)
def test_addmm_matches_pytorch(name, device):
    shape, kwargs = ADDMM[name]
    check(
        lambda i, a, b: gv.addmm(i, a, b, **kwargs),
        lambda i, a, b: torch.addmm(i, a, b, **kwargs),
        rng.standard_normal(shape),
        rng.standard_normal((2, 3)),
        rng.standard_normal((3, 4)),
        device=device,
    )
    check(
        lambda i, a, b: i.addmm(a, b, **kwargs),
        lambda i, a, b: i.addmm(a, b, **kwargs),
        rng.standard_normal(shape),
        rng.standard_normal((2, 3)),
        rng.standard_normal((3, 4)),
        device=device,
    )


def test_addmm_with_beta_zero_ignores_nan_in_the_input():
    got = gv.addmm(gv.full((2, 2), float("nan")), gv.ones(2, 3), gv.ones(3, 2), beta=0)
    assert host(got).tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_products_keep_integer_dtypes_and_refuse_mixed_ones():
    ints, t = gv.arange(3), torch.arange(3)
    assert gv.dot(ints, ints).item() == torch.dot(t, t).item() and gv.dot(ints, ints).dtype == gv.int64
    assert (
        host(gv.mv(gv.ones(2, 3, dtype=gv.int64), ints)).tolist()
        == torch.mv(torch.ones(2, 3, dtype=torch.int64), t).tolist()
    )
    # outer is a broadcast multiply in PyTorch, so it promotes
    mixed = gv.outer(ints, gv.ones(2, dtype=gv.float64))
    assert (
        mixed.dtype == gv.float64
        and str(torch.outer(t, torch.ones(2, dtype=torch.float64)).dtype) == "torch.float64"
    )
    with pytest.raises(DtypeError, match="dot: .*int64 and float32"):
        gv.dot(ints, gv.ones(3))
    with pytest.raises(DtypeError, match="mv: .*float32 and float64"):
        gv.mv(gv.ones(2, 3), gv.ones(3, dtype=gv.float64))
    with pytest.raises(DtypeError, match="addmm: .*float64, float32 and float32"):
        gv.addmm(gv.ones(2, 2, dtype=gv.float64), gv.ones(2, 3), gv.ones(3, 2))


def test_product_shape_errors():
    with pytest.raises(ShapeError, match=r"dot: .*\(3,\) and \(4,\)"):
        gv.dot(gv.ones(3), gv.ones(4))
    with pytest.raises(ShapeError, match=r"dot: .*\(2, 3\) and \(3,\)"):
        gv.dot(gv.ones(2, 3), gv.ones(3))
    with pytest.raises(ShapeError, match=r"mv: .*\(2, 3\) and \(2,\)"):
        gv.mv(gv.ones(2, 3), gv.ones(2))
    with pytest.raises(ShapeError, match=r"outer: .*\(2, 2\) and \(3,\)"):
        gv.outer(gv.ones(2, 2), gv.ones(3))
    with pytest.raises(ShapeError, match=r"addmm: shapes \(2, 3\) and \(2, 2\) cannot be multiplied"):
        gv.addmm(gv.ones(2, 2), gv.ones(2, 3), gv.ones(2, 2))
    with pytest.raises(
        ShapeError, match=r"addmm: input of shape \(3,\) cannot be broadcast to the shape \(2, 2\)"
    ):
        gv.addmm(gv.ones(3), gv.ones(2, 3), gv.ones(3, 2))
    with pytest.raises(ShapeError, match=r"addmm: mat1 and mat2 must be 2-D .*\(3,\)"):
        gv.addmm(gv.ones(2), gv.ones(3), gv.ones(3, 2))


def test_products_second_derivatives():
    m, v, b = (gv.tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 3), (3,), (2, 2)])
    assert gv.autograd.gradgradcheck(lambda a, x: gv.mv(a, x) ** 2, [m, v])
    assert gv.autograd.gradgradcheck(lambda x: gv.dot(x, x) ** 2, [v])
    assert gv.autograd.gradgradcheck(lambda i, a: gv.addmm(i, a, a.mT, beta=0.5, alpha=2) ** 2, [b, m])


def test_an_in_place_write_fails_backward_only_where_the_value_is_needed():
    a, b = gv.ones(2, 3, requires_grad=True), gv.ones(3, 2)
    out = gv.einsum("ij,jk->ik", a, b)
    with gv.no_grad():
        a.add_(1)  # a's own gradient does not use a
    out.sum().backward()
    assert host(a.grad).tolist() == [[2.0] * 3] * 2
    out = gv.einsum("ij,jk->ik", a, b)
    with gv.no_grad():
        b.mul_(2)
    with pytest.raises(gv.errors.GraphError, match="einsum: an input it saved for backward"):
        out.sum().backward()

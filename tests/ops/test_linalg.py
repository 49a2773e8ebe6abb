import numpy as np
import pytest
import torch

import gradviz as gv
from tests.oracle import check

rng = np.random.default_rng(0)

SHAPE_PAIRS = [
    ((3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 6)),
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (4, 5)),
    ((4,), (4,)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 5)),
    ((1, 3, 4), (2, 1, 4, 2)),
]


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_matmul_matches_pytorch(shapes, device):
    a, b = (rng.standard_normal(s) for s in shapes)
    check(lambda x, y: x @ y, lambda x, y: x @ y, a, b, device=device)
    check(gv.matmul, torch.matmul, a, b, device=device, gradcheck=False)


@pytest.mark.parametrize(
    "shapes", [((3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (4,)), ((4,), (2, 4, 3))]
)
def test_matmul_second_derivatives(shapes):
    a, b = (gv.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    assert gv.autograd.gradgradcheck(lambda x, y: (x @ y) * (x @ y), (a, b))


def test_only_one_operand_requires_grad(device):
    a, w = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    check(lambda x: x @ gv.tensor(w, device=device), lambda x: x @ torch.tensor(w), a, device=device)


def test_rmatmul_mm_and_bmm(device):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    check(gv.mm, torch.mm, a, b, device=device)
    check(lambda x, y: x.mm(y), lambda x, y: x.mm(y), a, b, device=device)
    check(lambda x, y: x.__rmatmul__(y), lambda x, y: x.__rmatmul__(y), b, a, device=device)
    p, q = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    check(gv.bmm, torch.bmm, p, q, device=device)
    check(lambda x, y: x.matmul(y), lambda x, y: x.matmul(y), p, q, device=device)


def test_integer_matmul_has_no_grad(device):
    out = gv.tensor([[1, 2], [3, 4]], device=device) @ gv.tensor([1, 1], device=device)
    assert out.tolist() == [3, 7] and out.dtype == gv.int64 and not out.requires_grad


def test_float32_stays_float32(device):
    a = gv.randn(3, 4, device=device, requires_grad=True)
    b = gv.randn(4, 2, device=device, requires_grad=True)
    (a @ b).backward(gv.ones(3, 2, device=device))
    assert (a @ b).dtype == gv.float32 and a.grad.dtype == gv.float32 and b.grad.dtype == gv.float32


def test_dtype_mismatch_names_both_dtypes():
    with pytest.raises(gv.errors.DtypeError, match=r"matmul.*float32 and float64"):
        gv.ones(2, 3) @ gv.ones(3, 2, dtype=gv.float64)
    with pytest.raises(RuntimeError):
        torch.ones(2, 3) @ torch.ones(3, 2, dtype=torch.float64)


@pytest.mark.parametrize(
    "shapes, message",
    [
        (((2, 3), (4, 5)), r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied \(3 != 4\)"),
        (((3,), (4,)), r"matmul: shapes \(3,\) and \(4,\) cannot be multiplied \(3 != 4\)"),
        (((2, 3, 4), (3, 4, 5)), r"matmul: the batch dimensions \(2,\) and \(3,\)"),
        (((), (2, 3)), r"matmul: both arguments need at least 1 dimension"),
    ],
)
def test_shape_errors_name_the_shapes(shapes, message, device):
    a, b = (gv.ones(*s, device=device) for s in shapes)
    with pytest.raises(gv.errors.ShapeError, match=message):
        a @ b


def test_mm_and_bmm_refuse_other_ranks():
    with pytest.raises(gv.errors.ShapeError, match=r"mm: both arguments must be 2-D.*\(2, 3, 4\)"):
        gv.mm(gv.ones(2, 3, 4), gv.ones(4, 5))
    with pytest.raises(gv.errors.ShapeError, match=r"bmm: .*same batch size.*\(2, 3, 4\) and \(3, 4, 5\)"):
        gv.bmm(gv.ones(2, 3, 4), gv.ones(3, 4, 5))


def test_mixed_devices_raise_device_error():
    with pytest.raises(gv.errors.DeviceError, match=r"matmul.*cpu and sim"):
        gv.ones(2, 3) @ gv.ones(3, 2, device="sim")

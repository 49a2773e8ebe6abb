"""scatter, scatter_add, index_add (out of place) and masked_select against PyTorch."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, IndexOutOfRangeError, ShapeError
from tests.oracle import check, host

rng = np.random.default_rng(0)

# each column's rows are distinct, so scatter's forward does not depend on which repeated write wins
UNIQUE = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])
REPEATED = np.array([[0, 1, 2, 0], [0, 1, 2, 0], [2, 1, 0, 0]])


def both(index):
    return gv.tensor(index), torch.tensor(index)


@pytest.mark.parametrize("dim", [0, 1, -2])
def test_scatter_matches_pytorch(dim, device):
    index = UNIQUE if dim != 1 else UNIQUE.T[:3]
    g, t = both(index)
    check(
        lambda x, s: x.scatter(dim, g, s),
        lambda x, s: x.scatter(dim, t, s),
        rng.standard_normal((3, 4)),
        rng.standard_normal(index.shape),
        device=device,
    )


def test_scatter_of_a_value_zeroes_the_gradient_where_it_wrote(device):
    g, t = both(UNIQUE)
    out = check(
        lambda x: gv.scatter(x, 0, g, 2.5),
        lambda x: torch.scatter(x, 0, t, 2.5),
        rng.standard_normal((3, 4)),
        device=device,
    )
    check(
        lambda x: x.scatter(0, g, value=-1),
        lambda x: x.scatter(0, t, value=-1),
        rng.standard_normal((3, 4)),
        device=device,
    )
    assert (host(out[0])[UNIQUE, np.arange(4)] == 2.5).all()


def test_scatter_src_larger_than_the_index_uses_its_leading_block(device):
    g, t = both(UNIQUE)
    x, src = rng.standard_normal((3, 4)), rng.standard_normal((3, 5))
    check(lambda a, s: a.scatter(0, g, s), lambda a, s: a.scatter(0, t, s), x, src, device=device, grad=False)
    # PyTorch's backward fails here (a gradient of the index's shape for a larger src); gradviz pads it
    src_t = gv.tensor(src, device=device, requires_grad=True)
    gv.tensor(x, device=device).scatter(0, g, src_t).sum().backward()
    expected = np.zeros((3, 5))
    expected[:2, :4] = 1
    np.testing.assert_array_equal(host(src_t.grad), expected)
    assert gv.autograd.gradcheck(
        lambda s: gv.tensor(x).scatter(0, g, s), [gv.tensor(src, requires_grad=True)]
    )


@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_add_matches_pytorch_with_repeated_indices(dim, device):
    index = REPEATED if dim == 0 else REPEATED.T[:3]
    g, t = both(index)
    out = check(
        lambda x, s: x.scatter_add(dim, g, s),
        lambda x, s: torch.scatter_add(x, dim, t, s),
        rng.standard_normal((3, 4)),
        rng.standard_normal(index.shape),
        device=device,
    )
    ones = gv.zeros(3, 4, device=device).scatter_add(dim, g, gv.ones(index.shape, device=device))
    counts = torch.zeros(3, 4).scatter_add(dim, t, torch.ones(index.shape))
    assert host(ones).tolist() == counts.tolist() and counts.max() == 3  # repeats accumulated
    assert out[0].device == gv.device(device)


def test_scatter_add_with_a_larger_src_forward_and_gradient(device):
    g, t = both(REPEATED[:2])
    x, src = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    check(
        lambda a, s: gv.scatter_add(a, 0, g, s),
        lambda a, s: torch.scatter_add(a, 0, t, s),
        x,
        src,
        device=device,
        grad=False,
    )
    assert gv.autograd.gradcheck(
        lambda a, s: gv.scatter_add(a, 0, g, s),
        [gv.tensor(x, requires_grad=True), gv.tensor(src, requires_grad=True)],
    )


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_add_matches_pytorch_with_repeated_indices(dim, device):
    index = np.array([0, 2, 0, 0]) if dim == 0 else np.array([1, 1, 3])
    g, t = both(index)
    source_shape = (4, 4) if dim == 0 else (3, 3)
    check(
        lambda x, s: x.index_add(dim, g, s),
        lambda x, s: x.index_add(dim, t, s),
        rng.standard_normal((3, 4)),
        rng.standard_normal(source_shape),
        device=device,
    )
    check(
        lambda x, s: gv.index_add(x, dim, g, s, alpha=-0.5),
        lambda x, s: torch.index_add(x, dim, t, s, alpha=-0.5),
        rng.standard_normal((3, 4)),
        rng.standard_normal(source_shape),
        device=device,
    )


def test_integer_dtypes_are_kept(device):
    x, t = gv.zeros(3, 4, dtype=gv.int64, device=device), torch.zeros(3, 4, dtype=torch.int64)
    g, ti = both(REPEATED)
    src, src_t = gv.ones(3, 4, dtype=gv.int64, device=device), torch.ones(3, 4, dtype=torch.int64)
    pairs = [
        (x.scatter_add(0, g, src), t.scatter_add(0, ti, src_t)),
        (x.scatter(1, g[:, :1], 7), t.scatter(1, ti[:, :1], 7)),
        (x.index_add(0, g[0, :3], src[:3]), t.index_add(0, ti[0, :3], src_t[:3])),
        (x.masked_select(x == 0), t.masked_select(t == 0)),
    ]
    for got, expected in pairs:
        assert str(got.dtype) == str(expected.dtype).replace("torch", "gradviz")
        assert host(got).tolist() == expected.tolist()


def test_the_input_is_not_modified():
    x = gv.zeros(3, 4)
    x.scatter(0, gv.tensor(UNIQUE), 1.0)
    x.scatter_add(0, gv.tensor(UNIQUE), gv.ones(2, 4))
    x.index_add(0, gv.tensor([0]), gv.ones(1, 4))
    assert not host(x).any()


def test_errors_name_the_op_the_shapes_and_the_dtypes():
    x, index = gv.zeros(3, 4), gv.tensor(UNIQUE)
    with pytest.raises(DtypeError, match="scatter: .*float64"):
        x.scatter(0, index, gv.ones(2, 4, dtype=gv.float64))
    with pytest.raises(DtypeError, match="scatter_add: .*float64"):
        x.scatter_add(0, index, gv.ones(2, 4, dtype=gv.float64))
    with pytest.raises(DtypeError, match="index_add: .*float64"):
        x.index_add(0, gv.tensor([0]), gv.ones(1, 4, dtype=gv.float64))
    with pytest.raises(
        ShapeError, match=r"scatter_add: the index \(shape \(2, 4\)\).*src \(shape \(2, 3\)\)"
    ):
        x.scatter_add(0, index, gv.ones(2, 3))
    with pytest.raises(ShapeError, match=r"scatter: the index \(shape \(4,\)\).*\(3, 4\)"):
        x.scatter(0, gv.tensor([0, 1, 2, 0]), 1.0)
    with pytest.raises(
        IndexOutOfRangeError, match="scatter_add: index 3 is out of bounds for dimension 0 with size 3"
    ):
        x.scatter_add(0, index + 1, gv.ones(2, 4))
    with pytest.raises(IndexOutOfRangeError, match="scatter: index -1"):
        x.scatter(0, index - 1, 0.0)
    with pytest.raises(IndexError, match="scatter: .*must be integer"):
        x.scatter(0, index.float(), 0.0)
    with pytest.raises(ShapeError, match=r"index_add: .*\(3, 4\).*source shape \(2, 4\)"):
        x.index_add(0, gv.tensor([0, 1, 2]), gv.ones(2, 4))
    with pytest.raises(IndexOutOfRangeError, match="index_add: index 4 is out of bounds for dimension 1"):
        x.index_add(1, gv.tensor([4]), gv.ones(3, 1))
    with pytest.raises(ValueError, match="scatter: reduce='add' is not supported"):
        x.scatter(0, index, 1.0, reduce="add")


def test_masked_select_matches_pytorch_and_broadcasts(device):
    x = rng.standard_normal((3, 4))
    for mask in (x > 0, x[0] > 0, (x > 0)[:, :1]):
        check(
            lambda a, m=mask: a.masked_select(gv.tensor(m, device=device)),
            lambda a, m=mask: a.masked_select(torch.tensor(m)),
            x,
            device=device,
        )
    check(
        lambda a: gv.masked_select(a[0], gv.tensor(x > 0, device=device)),
        lambda a: torch.masked_select(a[0], torch.tensor(x > 0)),
        x,
        device=device,
    )
    with pytest.raises(
        DtypeError, match="masked_select: expected a bool tensor for the mask, but got float32"
    ):
        gv.ones(3).masked_select(gv.ones(3))
    with pytest.raises(ShapeError, match=r"\(3,\), \(2,\)"):
        gv.ones(3).masked_select(gv.ones(2) > 0)


def test_second_derivatives():
    g = gv.tensor(REPEATED)
    x, src = (gv.tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 4), (3, 4)])
    assert gv.autograd.gradgradcheck(lambda a, s: a.scatter_add(0, g, s) ** 2, [x, src])
    assert gv.autograd.gradgradcheck(lambda a, s: a.scatter(0, gv.tensor(UNIQUE), s[:2]) ** 2 * a, [x, src])
    assert gv.autograd.gradgradcheck(lambda a, s: a.index_add(1, g[0], s[:, :4], alpha=2) ** 2, [x, src])

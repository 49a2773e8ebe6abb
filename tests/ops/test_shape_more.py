"""tril/triu, diag, repeat/tile, repeat_interleave, roll, narrow, hstack/vstack, meshgrid,
broadcast_tensors, and the Tensor.new_* factories and stride(), against PyTorch."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, IndexOutOfRangeError, ShapeError
from tests.oracle import check, host

rng = np.random.default_rng(0)


def same_dtype(g, t):
    return str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]


SAME_CALL = {
    "tril": lambda t: t.tril(),
    "tril_above": lambda t: t.tril(1),
    "tril_below": lambda t: t.tril(diagonal=-2),
    "triu": lambda t: t.triu(),
    "triu_above": lambda t: t.triu(2),
    "triu_below": lambda t: t.triu(-1),
    "repeat": lambda t: t.repeat(2, 1, 3),
    "repeat_more_dims": lambda t: t.repeat((2, 1, 1, 2)),
    "repeat_zero": lambda t: t.repeat(1, 0, 1),
    "tile": lambda t: t.tile((2, 1, 2)),
    "tile_fewer_dims": lambda t: t.tile((2,)),
    "tile_varargs": lambda t: t.tile(2, 1),
    "repeat_interleave_int": lambda t: t.repeat_interleave(2, dim=1),
    "repeat_interleave_flat": lambda t: t.repeat_interleave(3),
    "repeat_interleave_negative_dim": lambda t: t.repeat_interleave(2, -1),
    "roll_flat": lambda t: t.roll(5),
    "roll_dim": lambda t: t.roll(-1, 2),
    "roll_dims": lambda t: t.roll((1, 2), (0, -1)),
    "narrow": lambda t: t.narrow(2, 1, 2),
    "narrow_negative": lambda t: t.narrow(-1, -3, 2),
    "narrow_empty": lambda t: t.narrow(1, 3, 0) * 2,
}


@pytest.mark.parametrize("name", SAME_CALL)
def test_methods_match_pytorch(name, device):
    fn = SAME_CALL[name]
    empty = name in ("repeat_zero", "narrow_empty")  # gradcheck has no elements to compare
    check(fn, fn, rng.standard_normal((2, 3, 4)), device=device, gradcheck=not empty)


@pytest.mark.parametrize("diagonal", [0, 1, -1, 2, -2])
def test_diag_both_ways_matches_pytorch(diagonal, device):
    fn = lambda t: t.diag(diagonal)  # noqa: E731
    check(fn, fn, rng.standard_normal(3), device=device)
    check(fn, fn, rng.standard_normal((3, 4)), device=device)
    check(
        lambda t: gv.diag(t, diagonal),
        lambda t: torch.diag(t, diagonal),
        rng.standard_normal((4, 3)),
        device=device,
    )


def test_repeat_interleave_with_a_tensor_of_counts(device):
    counts = np.array([2, 0, 1])
    check(
        lambda t: t.repeat_interleave(gv.tensor(counts), dim=1),
        lambda t: t.repeat_interleave(torch.tensor(counts), dim=1),
        rng.standard_normal((2, 3)),
        device=device,
    )
    check(
        lambda t: gv.repeat_interleave(t, gv.tensor([3]), dim=0),
        lambda t: torch.repeat_interleave(t, torch.tensor([3]), dim=0),
        rng.standard_normal((2, 3)),
        device=device,
    )
    out = gv.repeat_interleave(gv.tensor([1, 2, 0, 3], device=device))
    assert host(out).tolist() == torch.repeat_interleave(torch.tensor([1, 2, 0, 3])).tolist()
    assert out.device == gv.device(device)


def test_functions_match_pytorch(device):
    x = rng.standard_normal((3, 4))
    check(lambda t: gv.tril(t, 1), lambda t: torch.tril(t, 1), x, device=device)
    check(lambda t: gv.triu(t, -1), lambda t: torch.triu(t, -1), x, device=device)
    check(lambda t: gv.tile(t, (2, 2)), lambda t: torch.tile(t, (2, 2)), x, device=device)
    check(lambda t: gv.tile(t, [3]), lambda t: torch.tile(t, [3]), x, device=device)
    check(lambda t: gv.roll(t, 1, 0), lambda t: torch.roll(t, 1, 0), x, device=device)
    check(lambda t: gv.narrow(t, 0, 1, 2), lambda t: torch.narrow(t, 0, 1, 2), x, device=device)


def test_causal_mask_for_attention(device):
    scores = gv.tensor(rng.standard_normal((4, 4)), device=device, requires_grad=True)
    mask = gv.ones(4, 4, dtype=gv.bool, device=device).tril()
    weights = scores.masked_fill(~mask, float("-inf")).softmax(-1)
    weights.sum().backward()
    assert (host(weights)[np.triu_indices(4, 1)] == 0).all()
    assert host(mask).tolist() == torch.ones(4, 4, dtype=torch.bool).tril().tolist()


def test_tril_triu_keep_integer_and_bool_dtypes(device):
    for dtype in (gv.int64, gv.bool, gv.float32):
        x = gv.ones(3, 3, dtype=dtype, device=device)
        for op in ("tril", "triu"):
            expected = getattr(torch.ones(3, 3, dtype=getattr(torch, str(dtype).split(".")[-1])), op)(1)
            got = getattr(x, op)(1)
            assert same_dtype(got, expected)
            assert host(got).tolist() == expected.tolist()


def test_tril_works_on_batches_and_refuses_vectors():
    check(lambda t: t.tril(-1), lambda t: t.tril(-1), rng.standard_normal((2, 3, 3)))
    with pytest.raises(ShapeError, match=r"tril: .*at least 2 dimensions.*\(3,\)"):
        gv.zeros(3).tril()
    with pytest.raises(ShapeError, match=r"diag: .*1-D or 2-D.*\(2, 2, 2\)"):
        gv.zeros(2, 2, 2).diag()


def test_stack_functions_match_pytorch(device):
    a, b, v, w = (rng.standard_normal(s) for s in [(2, 3), (2, 1), (3,), (3,)])
    check(lambda x, y: gv.hstack([x, y]), lambda x, y: torch.hstack([x, y]), a, b, device=device)
    check(lambda x, y: gv.hstack((x, y)), lambda x, y: torch.hstack((x, y)), v, w, device=device)
    check(lambda x, y: gv.vstack([x, y]), lambda x, y: torch.vstack([x, y]), a, v, device=device)
    check(lambda x, y: gv.vstack([x, y]), lambda x, y: torch.vstack([x, y]), v, w, device=device)
    s = rng.standard_normal(())
    check(lambda x, y: gv.hstack([x, y]), lambda x, y: torch.hstack([x, y]), s, v, device=device)


def test_hstack_promotes_like_pytorch():
    got = gv.hstack([gv.arange(3), gv.ones(2, dtype=gv.float64)])
    assert same_dtype(got, torch.hstack([torch.arange(3), torch.ones(2, dtype=torch.float64)]))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_pytorch(indexing, device):
    a, b, c = (rng.standard_normal(n) for n in (2, 3, 4))
    check(
        lambda x, y, z: gv.meshgrid(x, y, z, indexing=indexing),
        lambda x, y, z: torch.meshgrid(x, y, z, indexing=indexing),
        a,
        b,
        c,
        device=device,
    )
    check(
        lambda x, y: gv.meshgrid([x, y], indexing=indexing),
        lambda x, y: torch.meshgrid([x, y], indexing=indexing),
        a,
        b,
        device=device,
    )


def test_meshgrid_defaults_to_ij_and_checks_its_inputs():
    x, y = gv.meshgrid(gv.arange(2), gv.arange(3))
    assert tuple(x.shape) == (2, 3) and host(y)[1].tolist() == [0, 1, 2]
    with pytest.raises(DtypeError, match="meshgrid: .*same dtype"):
        gv.meshgrid(gv.arange(2), gv.ones(2))
    with pytest.raises(ShapeError, match=r"meshgrid: .*0-D or 1-D.*\(2, 2\)"):
        gv.meshgrid(gv.ones(2, 2))
    with pytest.raises(ValueError, match="meshgrid: indexing"):
        gv.meshgrid(gv.ones(2), indexing="ji")


def test_broadcast_tensors_matches_pytorch(device):
    a, b, c = (rng.standard_normal(s) for s in [(2, 1), (3,), (1, 1, 1)])
    check(gv.broadcast_tensors, torch.broadcast_tensors, a, b, c, device=device)
    got = gv.broadcast_tensors(gv.arange(3), gv.ones(2, 1, dtype=gv.float64))
    expected = torch.broadcast_tensors(torch.arange(3), torch.ones(2, 1, dtype=torch.float64))
    assert all(same_dtype(g, t) for g, t in zip(got, expected))
    assert gv.broadcast_shapes((2, 1), (3,), 1) == tuple(torch.broadcast_shapes((2, 1), (3,), 1))
    with pytest.raises(ShapeError, match=r"broadcast_shapes: .*\(2,\), \(3,\)"):
        gv.broadcast_tensors(gv.ones(2), gv.ones(3))


def test_integer_inputs_keep_their_dtype(device):
    x = gv.arange(6, device=device).reshape(2, 3)
    t = torch.arange(6).reshape(2, 3)
    pairs = [
        (x.repeat(2, 1), t.repeat(2, 1)),
        (x.tile((2,)), t.tile((2,))),
        (x.roll(1, 1), t.roll(1, 1)),
        (x.narrow(1, 1, 2), t.narrow(1, 1, 2)),
        (x.repeat_interleave(2, 0), t.repeat_interleave(2, 0)),
        (x.diag(), t.diag()),
        (x[0].diag(1), t[0].diag(1)),
    ]
    for got, expected in pairs:
        assert same_dtype(got, expected)
        assert host(got).tolist() == expected.tolist()


def test_bad_arguments_name_the_op_and_the_shapes():
    x = gv.zeros(2, 3)
    with pytest.raises(ShapeError, match=r"repeat: .*\(2, 3\)"):
        x.repeat(2)
    with pytest.raises(ShapeError, match=r"narrow: start \(2\) \+ length \(2\) exceeds .*\(2, 3\)"):
        x.narrow(1, 2, 2)
    with pytest.raises(IndexOutOfRangeError, match="narrow: start 5"):
        x.narrow(1, 5, 0)
    with pytest.raises(ValueError, match="roll: shifts and dims must align"):
        x.roll((1, 1), (0,))
    with pytest.raises(ShapeError, match=r"repeat_interleave: .*\(2,\).*\(2, 3\)"):
        x.repeat_interleave(gv.tensor([1, 2]), dim=1)
    with pytest.raises(ValueError, match="repeat_interleave: repeats must be non-negative"):
        x.repeat_interleave(gv.tensor([1, -1, 1]), dim=1)
    with pytest.raises(DtypeError, match="repeat_interleave: repeats must be an integer tensor"):
        x.repeat_interleave(gv.ones(3), dim=1)


def test_second_derivatives_flow_through_the_backwards():
    def fn(x):
        return (x.tril(1).repeat(2, 1).roll(1, 0).narrow(0, 1, 3).diag() ** 2).sum() * x.sum()

    assert gv.autograd.gradgradcheck(fn, [gv.tensor(rng.standard_normal((3, 3)), requires_grad=True)])


# ---- Tensor.new_* and stride ----


@pytest.mark.parametrize("dtype", ["float64", "int32", "bool"])
def test_new_factories_keep_dtype_and_device(dtype, device):
    x = gv.zeros(2, dtype=getattr(gv, dtype), device=device)
    t = torch.zeros(2, dtype=getattr(torch, dtype))
    pairs = [
        (x.new_zeros(2, 3), t.new_zeros(2, 3)),
        (x.new_ones((3,)), t.new_ones((3,))),
        (x.new_full((2, 2), 1), t.new_full((2, 2), 1)),
        (x.new_empty(4), t.new_empty(4)),
        (x.new_tensor([[1, 0]]), t.new_tensor([[1, 0]])),
    ]
    for i, (got, expected) in enumerate(pairs):
        assert got.device == gv.device(device)
        assert same_dtype(got, expected), (got.dtype, expected.dtype)
        assert tuple(got.shape) == tuple(expected.shape)
        if i != 3:  # new_empty's values are arbitrary in PyTorch
            assert host(got).tolist() == expected.tolist()


def test_new_factories_take_dtype_device_and_requires_grad():
    x = gv.zeros(2, dtype=gv.float64)
    assert x.new_zeros(2, dtype=gv.int32).dtype == gv.int32
    assert x.new_ones(2, device="sim").device == gv.device("sim")
    grown = x.new_full((3,), 2.5, requires_grad=True)
    assert grown.requires_grad and grown.is_leaf and host(grown).tolist() == [2.5] * 3
    assert x.new_tensor(3.5).shape == () and x.new_tensor(3.5).dtype == gv.float64


STRIDES = {
    "contiguous": lambda t: t,
    "transpose": lambda t: t.transpose(0, 2),
    "expand": lambda t: t[:, :1].expand(2, 5, 4),
    "slice": lambda t: t[:, ::2],
    "unsqueeze": lambda t: t.unsqueeze(1),
    "scalar": lambda t: t[0, 0, 0],
}


@pytest.mark.parametrize("name", STRIDES)
def test_stride_in_elements_matches_pytorch(name, device):
    fn = STRIDES[name]
    data = rng.standard_normal((2, 3, 4))
    got, expected = fn(gv.tensor(data, device=device)), fn(torch.tensor(data))
    assert got.stride() == expected.stride()
    if expected.dim():
        assert got.stride(-1) == expected.stride(-1) and got.stride(0) == expected.stride(0)


def test_broadcast_to_and_hardshrink_are_methods_too():
    for lib in (gv, torch):
        x = lib.tensor([-1.0, 0.2, 2.0])
        assert tuple(x.broadcast_to((2, 3)).shape) == tuple(x.broadcast_to(2, 3).shape) == (2, 3)
        assert x.hardshrink(0.5).tolist() == [-1.0, 0.0, 2.0]

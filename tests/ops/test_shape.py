import numpy as np
import pytest
import torch

import gradviz as gv
from tests.oracle import check, host

rng = np.random.default_rng(0)

SAME_CALL = {
    "reshape_varargs": lambda t: t.reshape(4, -1),
    "reshape_tuple": lambda t: t.reshape((2, 12)),
    "view": lambda t: t.view(-1),
    "view_tuple": lambda t: t.view((6, 4)),
    "transpose": lambda t: t.transpose(0, 2),
    "transpose_negative": lambda t: t.transpose(-1, -2),
    "swapaxes": lambda t: t.swapaxes(0, 1),
    "permute_varargs": lambda t: t.permute(2, 0, 1),
    "permute_tuple": lambda t: t.permute((1, 2, 0)),
    "movedim": lambda t: t.movedim(0, -1),
    "movedim_tuples": lambda t: t.movedim((0, 1), (2, 0)),
    "T": lambda t: t.flatten(1).T,
    "mT": lambda t: t.mT,
    "unsqueeze_front": lambda t: t.unsqueeze(0),
    "unsqueeze_back": lambda t: t.unsqueeze(-1),
    "flatten_all": lambda t: t.flatten(),
    "flatten_range": lambda t: t.flatten(1, 2),
    "flatten_none": lambda t: t.flatten(1, 1),
    "unflatten": lambda t: t.unflatten(2, (2, -1)),
    "contiguous": lambda t: t.transpose(0, 1).contiguous(),
    "split_int": lambda t: t.split(2, dim=2),
    "split_sizes": lambda t: t.split([1, 3], dim=-1),
    "chunk": lambda t: t.chunk(3, dim=1),
    "chunk_uneven": lambda t: t.chunk(3, dim=2),
    "unbind": lambda t: t.unbind(1),
}


@pytest.mark.parametrize("name", SAME_CALL)
def test_shape_methods_match_pytorch(name, device):
    fn = SAME_CALL[name]
    check(fn, fn, rng.standard_normal((2, 3, 4)), device=device)


SQUEEZE = {
    "all": lambda t: t.squeeze(),
    "one": lambda t: t.squeeze(1),
    "negative": lambda t: t.squeeze(-2),
    "not_one": lambda t: t.squeeze(0),
    "tuple": lambda t: t.squeeze((1, 3)),
}


@pytest.mark.parametrize("name", SQUEEZE)
def test_squeeze_matches_pytorch(name, device):
    check(SQUEEZE[name], SQUEEZE[name], rng.standard_normal((2, 1, 3, 1)), device=device)


def test_functions_match_pytorch(device):
    x = rng.standard_normal((3, 4))
    check(lambda t: gv.reshape(t, (4, 3)), lambda t: torch.reshape(t, (4, 3)), x, device=device)
    check(lambda t: gv.transpose(t, 0, 1), lambda t: torch.transpose(t, 0, 1), x, device=device)
    check(lambda t: gv.permute(t, (1, 0)), lambda t: torch.permute(t, (1, 0)), x, device=device)
    check(gv.t, torch.t, x, device=device)
    check(lambda t: gv.flatten(t), lambda t: torch.flatten(t), x, device=device)
    check(
        lambda t: gv.squeeze(gv.unsqueeze(t, 1)),
        lambda t: torch.squeeze(torch.unsqueeze(t, 1)),
        x,
        device=device,
    )
    check(lambda t: gv.split(t, 3, 1), lambda t: torch.split(t, 3, 1), x, device=device)
    check(lambda t: gv.chunk(t, 2), lambda t: torch.chunk(t, 2), x, device=device)
    check(lambda t: gv.movedim(t, 1, 0), lambda t: torch.movedim(t, 1, 0), x, device=device)


def test_scalar_and_vector_edge_cases(device):
    check(lambda t: t.flatten(), lambda t: t.flatten(), rng.standard_normal(()), device=device)
    check(lambda t: t.reshape(1, 1), lambda t: t.reshape(1, 1), rng.standard_normal(()), device=device)
    check(lambda t: t.t() * 2, lambda t: t.t() * 2, rng.standard_normal(3), device=device)
    check(lambda t: t.unsqueeze(0), lambda t: t.unsqueeze(0), rng.standard_normal(()), device=device)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_and_stack_match_pytorch(dim, device):
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    check(lambda *ts: gv.cat(ts, dim), lambda *ts: torch.cat(ts, dim), a, b, c, device=device)
    check(lambda *ts: gv.stack(ts, dim), lambda *ts: torch.stack(ts, dim), a, b, c, device=device)


def test_cat_of_different_sizes_and_aliases(device):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 5))
    check(lambda x, y: gv.cat([x, y], dim=1), lambda x, y: torch.cat([x, y], dim=1), a, b, device=device)
    check(lambda x, y: gv.concat((x, y), 1), lambda x, y: torch.concat((x, y), 1), a, b, device=device)
    check(
        lambda x, y: gv.concatenate([y, x], -1),
        lambda x, y: torch.concatenate([y, x], -1),
        a,
        b,
        device=device,
    )


def test_cat_with_a_constant_input(device):
    a, const = rng.standard_normal((2, 3)), rng.standard_normal((1, 3))
    check(
        lambda x: gv.cat([gv.tensor(const, device=device), x]),
        lambda x: torch.cat([torch.tensor(const), x]),
        a,
        device=device,
    )


def test_unused_split_outputs_get_zero_gradient(device):
    x = rng.standard_normal((5, 2))
    check(lambda t: t.split(2)[1] * 3, lambda t: t.split(2)[1] * 3, x, device=device)
    check(lambda t: t.unbind(0)[4], lambda t: t.unbind(0)[4], x, device=device)


def test_second_derivatives_through_rearrangements():
    x = gv.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    y = gv.tensor(rng.standard_normal((3, 2)), requires_grad=True)

    def fn(a, b):
        joined = gv.cat([a, b.t()], 1).reshape(3, 4).permute(1, 0)
        first, second = joined.split([1, 3])
        return gv.stack([first.squeeze(0) * second[0], second[2] * second[1]]).T.unsqueeze(0) ** 2

    assert gv.autograd.gradcheck(fn, (x, y))
    assert gv.autograd.gradgradcheck(fn, (x, y))


def test_views_share_memory(device):
    x = gv.arange(6.0, device=device)
    y = x.view(2, 3)
    z = y.transpose(0, 1)
    s = x.reshape(3, 2)[1:]
    pieces = x.split(3)
    with gv.no_grad():
        x[0] = 100.0
        y[1, 2] = -1.0
    assert host(y)[0, 0] == 100.0 and host(z)[0, 0] == 100.0 and host(x)[5] == -1.0
    assert host(s)[1, 1] == -1.0 and host(pieces[1])[2] == -1.0
    assert x.flatten() is x and x.contiguous() is x


def test_views_of_a_leaf_share_memory_while_recording():
    x = gv.zeros(2, 3, requires_grad=True)
    y = x.view(6)
    with gv.no_grad():
        x.data[1, 1] = 7.0
    assert y._data.base is not None and y.tolist()[4] == 7.0


def test_view_size_mismatch_is_explained():
    with pytest.raises(
        gv.errors.ShapeError, match=r"view: shape \(2, 3\) is invalid for a tensor of 5 elements"
    ):
        gv.ones(5).view(2, 3)
    with pytest.raises(gv.errors.ShapeError, match=r"reshape: only one dimension can be inferred"):
        gv.ones(6).reshape(-1, -1)
    with pytest.raises(gv.errors.ShapeError, match=r"unflatten: sizes \(4, -1\) do not multiply to 6"):
        gv.ones(2, 6).unflatten(1, (4, -1))


def test_dim_errors_name_op_and_range():
    with pytest.raises(IndexError, match=r"unsqueeze: dimension 3 is out of range.*\[-3, 2\]"):
        gv.ones(2, 3).unsqueeze(3)
    with pytest.raises(IndexError, match=r"transpose: dimension 2 is out of range"):
        gv.ones(2, 3).transpose(0, 2)
    with pytest.raises(gv.errors.ShapeError, match=r"permute: dims \(1, 0, 2\) name 3 dimensions.*\(2, 3\)"):
        gv.ones(2, 3).permute(1, 0, 2)
    with pytest.raises(ValueError, match=r"permute: dims \(0, 0\) name a dimension more than once"):
        gv.ones(2, 3).permute(0, 0)
    with pytest.raises(ValueError, match=r"flatten: start_dim 1 comes after end_dim 0"):
        gv.ones(2, 3).flatten(1, 0)
    with pytest.raises(gv.errors.ShapeError, match=r"t: expects a tensor with at most 2 dimensions"):
        gv.ones(2, 3, 4).t()
    with pytest.raises(gv.errors.ShapeError, match=r"mT: needs a matrix"):
        _ = gv.ones(3).mT


def test_split_errors():
    with pytest.raises(gv.errors.ShapeError, match=r"split: sizes \[1, 1\] must .*sum to 3.*dimension 0"):
        gv.ones(3, 2).split([1, 1])
    with pytest.raises(ValueError, match=r"split: split_size must be positive"):
        gv.ones(3).split(0)
    with pytest.raises(ValueError, match=r"chunk: chunks must be greater than 0"):
        gv.ones(3).chunk(0)


def test_join_errors_name_op_dim_and_shapes():
    with pytest.raises(
        gv.errors.ShapeError,
        match=r"cat: .*same shape except in dimension 1.*tensor 0 has shape \(2, 3\).*tensor 1 "
        r"has shape \(3, 3\)",
    ):
        gv.cat([gv.ones(2, 3), gv.ones(3, 3)], dim=1)
    with pytest.raises(gv.errors.ShapeError, match=r"cat: .*\(2, 3\).*\(2, 3, 1\)"):
        gv.cat([gv.ones(2, 3), gv.ones(2, 3, 1)])
    with pytest.raises(
        gv.errors.ShapeError, match=r"stack: all tensors must have the same shape.*\(2, 3\).*\(3, 3\)"
    ):
        gv.stack([gv.ones(2, 3), gv.ones(3, 3)])
    with pytest.raises(ValueError, match=r"cat: expected a non-empty sequence"):
        gv.cat([])
    with pytest.raises(TypeError, match=r"stack: expected a sequence of tensors, but element 1 is list"):
        gv.stack([gv.ones(2), [1.0, 2.0]])


@pytest.mark.parametrize("op", [gv.cat, gv.stack])
def test_join_refuses_mixed_devices(op):
    with pytest.raises(gv.errors.DeviceError, match=rf"{op.__name__}: .*same device.*cpu and sim"):
        op([gv.ones(2, 3), gv.ones(2, 3, device="sim")])
    with pytest.raises(gv.errors.DeviceError, match=rf"{op.__name__}: .*same device.*sim and cpu"):
        op([gv.ones(2, 3, device="sim"), gv.ones(2, 3)])


def test_cat_promotes_dtypes_like_pytorch():
    out = gv.cat([gv.ones(2), gv.ones(2, dtype=gv.float64)])
    assert out.dtype == gv.float64


def test_T_reverses_all_dims(device):
    x = gv.ones(2, 3, 4, device=device)
    assert x.T.shape == (4, 3, 2) and gv.ones(3, device=device).T.shape == (3,)


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda lib, x: x.transpose(0, 1), (-1,)),
        (lambda lib, x: x[:, :3], (12,)),
        (lambda lib, x: x.permute(1, 0), (2, 12)),
    ],
)
def test_view_refuses_what_only_a_copy_can_give_as_pytorch_does(make, shape, device):
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        make(torch, torch.ones(4, 6)).view(*shape)
    with pytest.raises(gv.errors.ShapeError, match=r"view: .* cannot be viewed as .* use \.reshape"):
        make(gv, gv.ones(4, 6, device=device)).view(*shape)


def test_view_of_a_non_contiguous_tensor_works_where_the_strides_allow_it(device):
    x = gv.arange(12.0, device=device).reshape(3, 4).transpose(0, 1)
    expected = torch.arange(12.0).reshape(3, 4).transpose(0, 1).view(2, 2, 3, 1)
    viewed = x.view(2, 2, 3, 1)
    np.testing.assert_array_equal(host(viewed), expected.numpy())
    with gv.no_grad():
        viewed[0, 0, 0, 0] = -1.0
    assert host(x)[0, 0] == -1.0


@pytest.mark.parametrize("shape", [(4, -1, 3), (4, -1, -1), (1, 2, 3), (2, 3)])
def test_expand_keeps_existing_dims_with_minus_one_like_pytorch(shape, device):
    check(lambda t: t.expand(*shape), lambda t: t.expand(*shape), rng.standard_normal((2, 3)), device=device)


def test_expand_refuses_minus_one_in_a_new_leading_dim():
    with pytest.raises(RuntimeError, match=r"size of the tensor \(-1\) isn't allowed"):
        torch.ones(2, 3).expand(-1, 2, 3)
    with pytest.raises(gv.errors.ShapeError, match=r"expand: size -1 .* leading dimension 0 of \(-1, 2, 3\)"):
        gv.ones(2, 3).expand(-1, 2, 3)


FLIPS = {
    "one": lambda t: t.flip(0),
    "several": lambda t: t.flip(0, 2),
    "list": lambda t: t.flip([1, -1]),
    "function": lambda t: (gv if isinstance(t, gv.Tensor) else torch).flip(t, (1,)),
}


@pytest.mark.parametrize("name", FLIPS)
def test_flip_matches_pytorch(name, device):
    check(FLIPS[name], FLIPS[name], rng.standard_normal((2, 3, 4)), device=device)


def test_flip_copies_and_refuses_repeated_dims():
    x = gv.arange(4.0)
    flipped = x.flip(0)
    x.data[0] = 10.0
    assert flipped.tolist() == [3.0, 2.0, 1.0, 0.0]
    with pytest.raises(RuntimeError):
        torch.arange(4.0).flip(0, -1)
    with pytest.raises(ValueError, match=r"flip: dims \(0, 0\) has duplicates"):
        x.flip(0, -1)

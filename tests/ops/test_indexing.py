import numpy as np
import pytest
import torch

import gradviz as gv
from tests.oracle import check, host

rng = np.random.default_rng(0)

# Each key is built by a function of `make_index`, which turns a list into an index tensor of the library.
KEYS = {
    "int": lambda T: 1,
    "negative_int": lambda T: -1,
    "ints": lambda T: (1, -2),
    "slice": lambda T: slice(1, None),
    "step_slice": lambda T: (slice(None), slice(None, None, 2)),
    "negative_step_free_slice": lambda T: (slice(-2, None), slice(0, 3)),
    "none": lambda T: (None, 0, None),
    "ellipsis": lambda T: (Ellipsis, 1),
    "ellipsis_middle": lambda T: (0, Ellipsis, slice(None, 2)),
    "int_tensor": lambda T: T([0, 2]),
    "repeated_int_tensor": lambda T: T([1, 1, 0, 1]),
    "negative_int_tensor": lambda T: T([-1, 0, -3]),
    "list": lambda T: [2, 0, 2],
    "2d_int_tensor": lambda T: T([[0, 1], [1, 1]]),
    "slice_and_int_tensor": lambda T: (slice(None), T([1, 0, 1])),
    "int_and_int_tensor": lambda T: (1, T([1, 1])),
    "two_int_tensors": lambda T: (T([0, 2, 2]), T([1, 0, 1])),
    "broadcast_int_tensors": lambda T: (T([[0], [2]]), T([1, 0, 0])),
    "separated_advanced": lambda T: (T([0, 1, 1]), slice(None), T([0, 0, 2])),
    "none_and_int_tensor": lambda T: (None, T([1, 1]), slice(1, 3)),
    "bool_mask_rows": lambda T: T([True, False, True]),
    "bool_mask_full": lambda T: T(
        [[[True, False, True, False]] * 2, [[False] * 4] * 2, [[True] * 4, [False] * 4]]
    ),
    "bool_mask_2d": lambda T: T([[True, False], [False, False], [True, True]]),
    "slice_and_bool": lambda T: (slice(1, None), slice(None), T([True, False, False, True])),
}


def _gv_index(device):
    return lambda values: gv.tensor(values, device=device)


@pytest.mark.parametrize("name", KEYS)
def test_getitem_matches_pytorch(name, device):
    gv_key, torch_key = KEYS[name](_gv_index(device)), KEYS[name](torch.tensor)
    check(lambda t: t[gv_key], lambda t: t[torch_key], rng.standard_normal((3, 2, 4)), device=device)


def test_cpu_index_tensors_work_on_other_devices():
    x = rng.standard_normal((3, 4))
    index, mask = [2, 2, 0], [True, False, True]
    check(lambda t: t[gv.tensor(index)], lambda t: t[torch.tensor(index)], x, device="sim")
    check(lambda t: t[gv.tensor(mask)], lambda t: t[torch.tensor(mask)], x, device="sim")
    check(lambda t: t[np.array(index)], lambda t: t[np.array(index)], x, device="sim", gradcheck=False)


def test_index_with_a_tensor_on_another_device_is_refused():
    with pytest.raises(
        gv.errors.DeviceError, match=r"index: indices on device sim cannot index a tensor on cpu"
    ):
        gv.ones(3)[gv.tensor([0, 1], device="sim")]


def test_repeated_indices_accumulate(device):
    x = gv.zeros(3, device=device, requires_grad=True)
    x[gv.tensor([0, 0, 2, 0], device=device)].backward(gv.ones(4, device=device))
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_getitem_second_derivatives():
    x = gv.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    index = gv.tensor([2, 0, 2])
    assert gv.autograd.gradgradcheck(lambda t: t[index, 1:3] * t[:, ::2][index], (x,))
    assert gv.autograd.gradgradcheck(lambda t: t[t.detach() > 0] ** 3, (x,))


def test_slices_are_views(device):
    x = gv.arange(12.0, device=device).reshape(3, 4)
    row, column, strided = x[1], x[:, 2], x[::2, 1::2]
    with gv.no_grad():
        x[1, 2] = -5.0
    assert host(row)[2] == -5.0 and host(column)[1] == -5.0
    x[2, 3] = 9.0
    assert host(strided)[1, 1] == 9.0


def test_setitem_matches_pytorch(device):
    values = rng.standard_normal((3, 4))
    ours, theirs = gv.tensor(values, device=device), torch.tensor(values)
    for key_of, value in [
        (lambda T: 0, 1.5),
        (lambda T: (slice(None), 1), [7.0, 8.0, 9.0]),
        (lambda T: T([2, 0]), 0.0),
        (lambda T: T([[True, False, True, False]] * 3), -1.0),
        (lambda T: (slice(1, None), T([3, 1])), 4.0),
    ]:
        ours[key_of(_gv_index(device))] = value
        theirs[key_of(torch.tensor)] = torch.tensor(value, dtype=torch.float64)
    ours[..., 0] = gv.tensor([1.0, 2.0, 3.0], dtype=gv.float64, device=device)
    theirs[..., 0] = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    np.testing.assert_array_equal(host(ours), theirs.numpy())


def test_setitem_on_a_leaf_that_requires_grad_is_refused_while_recording():
    x = gv.ones(3, requires_grad=True)
    with pytest.raises(
        gv.errors.GraphError, match=r"__setitem__: a leaf tensor that requires grad .*no_grad"
    ):
        x[0] = 2.0
    with gv.no_grad():
        x[0] = 2.0
    assert x.tolist() == [2.0, 1.0, 1.0]


def _preallocated_rnn(lib):
    w = lib.tensor([[0.5, -1.0], [1.5, 0.25]], requires_grad=True)
    h, out = lib.ones(2), lib.zeros(3, 2)
    for t in range(3):
        h = (w @ h).tanh()
        out[t] = h
    return (out**2).sum(), [w]


def _overwrite_part_of_a_result(lib):
    a, b = lib.tensor([1.0, 2.0, 3.0], requires_grad=True), lib.tensor(5.0, requires_grad=True)
    y = a * 2
    y[0] = b
    return (y * lib.tensor([1.0, 2.0, 3.0])).sum(), [a, b]


def _broadcast_value_at_an_index_list(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    y = lib.zeros(2, 3)
    y[:, [0, 2]] = a[:, None] * 1
    return (y * lib.arange(6.0).reshape(2, 3)).sum(), [a]


@pytest.mark.parametrize(
    "build", [_preallocated_rnn, _overwrite_part_of_a_result, _broadcast_value_at_an_index_list]
)
def test_setitem_with_a_value_that_requires_grad_is_recorded_like_pytorch(build):
    ours, our_inputs = build(gv)
    theirs, their_inputs = build(torch)
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-6)
    for mine, reference in zip(our_inputs, their_inputs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_recorded_setitem_is_one_index_put_node_and_refuses_views():
    w = gv.tensor([2.0, 3.0], requires_grad=True)
    x = gv.zeros(3)
    before = x._id
    x[1:] = w * 2
    assert x.grad_fn.name == "index_put" and x._id != before and not x.is_leaf
    with pytest.raises(gv.errors.GraphError, match=r"view of another tensor.*x\[0, 1\] = v"):
        gv.zeros(2, 2)[0][1] = w[0]


def test_setitem_with_a_value_of_the_wrong_shape_names_both_shapes():
    with pytest.raises(
        gv.errors.ShapeError, match=r"__setitem__: a value of shape \(2,\) .* \(3,\) elements"
    ):
        gv.zeros(2, 3)[0] = gv.ones(2)


@pytest.mark.parametrize(
    "key, message",
    [
        (5, r"index: index 5 is out of bounds for dimension 0 with size 3"),
        ((slice(None), -5), r"index: index -5 is out of bounds for dimension 1 with size 4"),
        ((Ellipsis, 4), r"index: index 4 is out of bounds for dimension 1 with size 4"),
        ((0, 0, 0), r"index: too many indices for a tensor of dimension 2"),
        ([0, 3], r"index: index 3 is out of bounds for dimension 0 with size 3"),
        ((None, slice(None), [1, 9]), r"index: index 9 is out of bounds for dimension 1 with size 4"),
    ],
)
def test_out_of_range_index_names_index_dim_and_size(key, message, device):
    x = gv.ones(3, 4, device=device)
    with pytest.raises(gv.errors.IndexOutOfRangeError, match=message):
        x[key]
    with pytest.raises(IndexError, match=message.replace("index:", "__setitem__:")):
        x[key] = 0.0


def test_bad_index_types_and_masks(device):
    x = gv.ones(3, 4, device=device)
    with pytest.raises(
        IndexError, match=r"index: a mask of shape \(2,\) does not match .*\(3, 4\) at dimension 0"
    ):
        x[gv.tensor([True, False], device=device)]
    with pytest.raises(
        IndexError, match=r"index: tensors used as indices must be integer or bool, but got float32"
    ):
        x[gv.tensor([1.0], device=device)]
    with pytest.raises(
        gv.errors.IndexOutOfRangeError, match=r"index: index 3 is out of bounds for dimension 0"
    ):
        x[gv.tensor([0, 3], device=device)]


@pytest.mark.parametrize("key", [1.0, (0, 1.5), (Ellipsis, 2.0)], ids=str)
def test_float_index_is_an_index_error_like_pytorch(key, device):
    with pytest.raises(IndexError, match="only integers, slices"):
        torch.zeros(3, 4)[key]
    x = gv.zeros(3, 4, device=device)
    message = r"index: only integers, slices .* valid indices, got float .*convert it with int\(\)"
    with pytest.raises(IndexError, match=message):
        x[key]
    with pytest.raises(IndexError, match=message.replace("index:", "__setitem__:")):
        x[key] = 1.0


MASKS = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((3, 1), (2, 3, 4)),
]


@pytest.mark.parametrize("shapes", MASKS, ids=str)
def test_masked_fill_matches_pytorch(shapes, device):
    shape, mask_shape = shapes
    mask = rng.standard_normal(mask_shape) > 0
    check(
        lambda t: t.masked_fill(gv.tensor(mask, device=device), -2.5),
        lambda t: t.masked_fill(torch.tensor(mask), -2.5),
        rng.standard_normal(shape),
        device=device,
    )


def test_masked_fill_with_a_tensor_value(device):
    mask = rng.standard_normal((3, 4)) > 0
    check(
        lambda t, v: gv.masked_fill(t, gv.tensor(mask, device=device), v),
        lambda t, v: torch.masked_fill(t, torch.tensor(mask), v),
        rng.standard_normal((3, 4)),
        np.array(0.7),
        device=device,
    )


def test_masked_fill_keeps_integer_dtype():
    out = gv.tensor([1, 2, 3]).masked_fill(gv.tensor([True, False, True]), 5.5)
    assert out.dtype == gv.int64 and out.tolist() == [5, 2, 5]


def test_masked_fill_second_derivatives():
    x = gv.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    mask = gv.tensor(rng.standard_normal(4) > 0)
    assert gv.autograd.gradgradcheck(lambda t: t.masked_fill(mask, 1.0) ** 2, (x,))


def test_masked_fill_errors():
    with pytest.raises(
        gv.errors.DtypeError, match=r"masked_fill: the mask must be a bool tensor, but got int64"
    ):
        gv.ones(3).masked_fill(gv.tensor([1, 0, 1]), 0.0)
    with pytest.raises(gv.errors.ShapeError, match=r"masked_fill: value must be a number or a 0-dimensional"):
        gv.ones(3).masked_fill(gv.tensor([True, False, True]), gv.ones(1))
    with pytest.raises(gv.errors.DeviceError, match=r"masked_fill.*cpu and sim"):
        gv.ones(3).masked_fill(gv.tensor([True, False, True], device="sim"), 0.0)


@pytest.mark.parametrize("dim, index", [(0, [2, 0, 2, 2]), (1, [1]), (-1, [3, 1, 0]), (1, 0)])
def test_index_select_matches_pytorch(dim, index, device):
    check(
        lambda t: t.index_select(dim, gv.tensor(index, device=device)),
        lambda t: t.index_select(dim, torch.tensor(index)),
        rng.standard_normal((3, 4)),
        device=device,
    )


GATHERS = [
    (0, [[0, 1, 2, 0], [2, 2, 2, 2]]),
    (1, [[3, 3], [0, 1], [2, 2]]),
    (-1, [[1], [0]]),
    (1, [[0, 0, 1, 3, 3]] * 3),
]


@pytest.mark.parametrize("dim, index", GATHERS)
def test_gather_matches_pytorch(dim, index, device):
    check(
        lambda t: gv.gather(t, dim, gv.tensor(index, device=device)),
        lambda t: torch.gather(t, dim, torch.tensor(index)),
        rng.standard_normal((3, 4)),
        device=device,
    )


@pytest.mark.parametrize("dim, index", [(1, [[0], [3], [3]]), (0, [[2, 0, 0, 1]]), (None, [11, 0, 0, 5])])
def test_take_along_dim_matches_pytorch(dim, index, device):
    check(
        lambda t: t.take_along_dim(gv.tensor(index, device=device), dim),
        lambda t: t.take_along_dim(torch.tensor(index), dim),
        rng.standard_normal((3, 4)),
        device=device,
    )


def test_take_along_dim_broadcasts_input(device):
    index = [[[0, 2, 2]]]
    check(
        lambda t: gv.take_along_dim(t, gv.tensor(index, device=device), 2),
        lambda t: torch.take_along_dim(t, torch.tensor(index), 2),
        rng.standard_normal((2, 4, 3)),
        device=device,
    )


def test_gather_and_select_second_derivatives():
    x = gv.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    index = gv.tensor([[0, 0, 3], [1, 2, 1]])
    assert gv.autograd.gradgradcheck(lambda t: t.gather(1, index) * t.index_select(1, index[0])[:2], (x,))


def test_gather_and_select_errors():
    x = gv.ones(3, 4)
    with pytest.raises(
        gv.errors.IndexOutOfRangeError, match=r"gather: index 4 is out of bounds for dimension 1"
    ):
        x.gather(1, gv.tensor([[0, 4]]))
    with pytest.raises(
        gv.errors.ShapeError, match=r"gather: the index \(shape \(2,\)\) must have as many dim"
    ):
        x.gather(1, gv.tensor([0, 1]))
    with pytest.raises(gv.errors.ShapeError, match=r"gather: .*\(4, 1\).*no larger outside dimension 1"):
        x.gather(1, gv.tensor([[0]] * 4))
    with pytest.raises(gv.errors.DtypeError, match=r"index_select: the index must be an integer tensor"):
        x.index_select(0, gv.tensor([True, False, True]))
    with pytest.raises(gv.errors.ShapeError, match=r"index_select: the index must be 1-D"):
        x.index_select(0, gv.tensor([[0]]))
    with pytest.raises(
        gv.errors.IndexOutOfRangeError,
        match=r"index_select: index -1 is out of bounds for dimension 0 with size 3.*not negative",
    ):
        x.index_select(0, gv.tensor([0, -1]))
    with pytest.raises(gv.errors.ShapeError, match=r"take_along_dim: indices of shape \(1, 2\) and input"):
        x.take_along_dim(gv.tensor([[0, 1]]), 0)


def test_nonzero_matches_pytorch(device):
    values = rng.standard_normal((3, 4)) > 0
    ours, theirs = gv.tensor(values, device=device), torch.tensor(values)
    np.testing.assert_array_equal(host(gv.nonzero(ours)), torch.nonzero(theirs).numpy())
    for mine, reference in zip(ours.nonzero(as_tuple=True), theirs.nonzero(as_tuple=True)):
        np.testing.assert_array_equal(host(mine), reference.numpy())
    assert gv.nonzero(ours).dtype == gv.int64


@pytest.mark.parametrize("key", [slice(None, None, -1), (0, slice(3, 0, -2)), slice(None, None, 0)])
def test_slices_with_a_step_below_one_are_refused_as_in_pytorch(key):
    with pytest.raises(ValueError, match="step must be greater than zero|step cannot be zero"):
        torch.zeros(2, 4)[key]
    x = gv.zeros(2, 4)
    with pytest.raises(ValueError, match=r"index: step must be greater than zero.*\.flip\(dim\)"):
        x[key]
    with pytest.raises(ValueError, match=r"__setitem__: step must be greater than zero"):
        x[key] = 1.0

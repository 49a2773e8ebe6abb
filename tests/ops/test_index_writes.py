"""index_fill, index_copy, index_put, masked_scatter (values and gradients) and the in-place writes by
index (scatter_, scatter_add_, index_add_, index_fill_, index_copy_, index_put_, masked_scatter_, put_,
fill_diagonal_) against PyTorch, on the CPU and the simulated device."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import GraphError, ShapeError
from tests.oracle import check, check_refused_like_torch, host

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered:RuntimeWarning")  # nan_to_num_ of x / 0
rng = np.random.default_rng(0)


def on(lib, device, values):
    """A tensor of ``values`` in ``lib`` (on ``device`` for gradviz), float64 like the test inputs."""
    dtype = lib.float64 if any(isinstance(v, float) for v in np.ravel(values)) else None
    return lib.tensor(values, dtype=dtype) if lib is torch else lib.tensor(values, dtype=dtype, device=device)


OUT_OF_PLACE = {
    "index_fill": (lambda lib, d, x, v: x.index_fill(1, on(lib, d, [0, 2]), -1.5), (3, 4), None),
    "index_fill tensor value": (lambda lib, d, x, v: x.index_fill(0, on(lib, d, [1]), v.sum()), (3, 4), (2,)),
    "index_copy": (lambda lib, d, x, v: x.index_copy(0, on(lib, d, [2, 0]), v), (3, 4), (2, 4)),
    "index_put": (
        lambda lib, d, x, v: x.index_put((on(lib, d, [0, 2, 0]), on(lib, d, [1, 3, 2])), v),
        (3, 4),
        (3,),
    ),
    "index_put accumulate": (
        lambda lib, d, x, v: x.index_put((on(lib, d, [0, 2, 0]), on(lib, d, [1, 3, 1])), v, accumulate=True),
        (3, 4),
        (3,),
    ),
    "index_put broadcast accumulate": (
        lambda lib, d, x, v: lib.index_put(x, (on(lib, d, [0, 0]),), v, accumulate=True),
        (3, 4),
        (4,),
    ),
    "masked_scatter": (
        lambda lib, d, x, v: x.masked_scatter(on(lib, d, [[True, False, True, False]]), v),
        (3, 4),
        (2, 4),
    ),
}


@pytest.mark.parametrize("name", OUT_OF_PLACE)
def test_out_of_place_writes_match_pytorch_with_gradients(name, device):
    call, x_shape, v_shape = OUT_OF_PLACE[name]
    x = rng.standard_normal(x_shape)
    if v_shape is None:
        check(lambda t: call(gv, device, t, None), lambda t: call(torch, device, t, None), x, device=device)
        return
    v = rng.standard_normal(v_shape)
    check(lambda t, u: call(gv, device, t, u), lambda t, u: call(torch, device, t, u), x, v, device=device)


IN_PLACE = {
    "scatter_ one-hot": lambda lib, d, x: x.scatter_(1, on(lib, d, [[1], [0], [3]]), 1.0),
    "scatter_ src": lambda lib, d, x: x.scatter_(0, on(lib, d, [[2, 0, 1, 0]]), on(lib, d, [[5.0, 6, 7, 8]])),
    "scatter_add_": lambda lib, d, x: x.scatter_add_(
        0, on(lib, d, [[0, 0, 2, 0]]), on(lib, d, [[1.0, 2, 3, 4]])
    ),
    "index_add_": lambda lib, d, x: x.index_add_(1, on(lib, d, [3, 3]), on(lib, d, [[1.0, 2]] * 3), alpha=2),
    "index_fill_": lambda lib, d, x: x.index_fill_(0, on(lib, d, [1, 2]), 9.0),
    "index_copy_": lambda lib, d, x: x.index_copy_(1, on(lib, d, [0]), on(lib, d, [[1.0], [2], [3]])),
    "index_put_": lambda lib, d, x: x.index_put_((on(lib, d, [0, 1]),), on(lib, d, 4.0)),
    "masked_scatter_": lambda lib, d, x: x.masked_scatter_(x > 0, on(lib, d, [float(i) for i in range(12)])),
    "put_": lambda lib, d, x: x.put_(on(lib, d, [0, 11, 5]), on(lib, d, [1.0, 2, 3])),
    "put_ accumulate": lambda lib, d, x: x.put_(on(lib, d, [5, 5]), on(lib, d, [1.0, 2]), accumulate=True),
    "fill_diagonal_": lambda lib, d, x: x.fill_diagonal_(-2.0),
}


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_writes_change_the_tensor_itself_as_in_pytorch(name, device):
    x = rng.standard_normal((3, 4))
    ours, theirs = gv.tensor(x, device=device), torch.tensor(x)
    buffer = ours._data
    assert IN_PLACE[name](gv, device, ours) is ours and ours._data is buffer
    assert IN_PLACE[name](torch, device, theirs) is theirs
    np.testing.assert_array_equal(host(ours), theirs.numpy())


@pytest.mark.parametrize(
    "shape, wrap", [((3, 3), False), ((7, 3), True), ((7, 3), False), ((3, 5), True), ((2, 2, 2), False)]
)
def test_fill_diagonal_of_every_shape_matches_pytorch(shape, wrap):
    ours, theirs = gv.zeros(*shape), torch.zeros(*shape)
    ours.fill_diagonal_(1.0, wrap=wrap)
    theirs.fill_diagonal_(1.0, wrap=wrap)
    assert ours.tolist() == theirs.tolist()


def test_in_place_writes_are_refused_on_a_leaf_and_recorded_from_an_operand():
    weight = gv.ones(3, 4, requires_grad=True)
    with pytest.raises(GraphError, match="scatter_: a tensor that requires grad cannot be modified in place"):
        weight.scatter_(1, gv.tensor([[0]] * 3), 0.0)
    source = gv.ones(1, 4, requires_grad=True)
    target = gv.zeros(3, 4).index_copy_(0, gv.tensor([0]), source)  # recorded, as PyTorch does
    target.sum().backward()
    assert target.requires_grad and source.grad.tolist() == [[1.0] * 4]
    with gv.no_grad():
        assert weight.fill_diagonal_(0.0) is weight
    assert weight.requires_grad and weight[0, 0].item() == 0.0


def test_bad_writes_are_refused_as_pytorch_refuses_them():
    check_refused_like_torch(
        (IndexError, lambda: torch.zeros(3, 4).index_copy(0, torch.tensor([0]), torch.ones(2, 4))),
        (ShapeError, lambda: gv.zeros(3, 4).index_copy(0, gv.tensor([0]), gv.ones(2, 4))),
        r"index_copy: source must have shape \(1, 4\)",
    )
    check_refused_like_torch(
        (
            RuntimeError,
            lambda: torch.zeros(3).masked_scatter(torch.tensor([True, True, True]), torch.ones(2)),
        ),
        (ShapeError, lambda: gv.zeros(3).masked_scatter(gv.tensor([True, True, True]), gv.ones(2))),
        "masked_scatter: the mask selects 3 positions but source has only 2 elements",
    )
    check_refused_like_torch(
        (IndexError, lambda: torch.zeros(3, 4).index_fill(1, torch.tensor([4]), 1.0)),
        (IndexError, lambda: gv.zeros(3, 4).index_fill(1, gv.tensor([4]), 1.0)),
        "index_fill: index 4 is out of bounds for dimension 1 with size 4",
    )
    check_refused_like_torch(
        (RuntimeError, lambda: torch.zeros(2, 3, 4).fill_diagonal_(1.0)),
        (ShapeError, lambda: gv.zeros(2, 3, 4).fill_diagonal_(1.0)),
        "fill_diagonal_: needs a matrix, or all dimensions of equal length",
    )


WRITTEN_BACK = {
    "eq_": (lambda lib, x, y: x.eq_(y), "float64"),
    "lt_": (lambda lib, x, y: x.lt_(0.0), "float64"),
    "ge_": (lambda lib, x, y: x.ge_(y), "int64"),
    "logical_and_": (lambda lib, x, y: x.logical_and_(y), "float64"),
    "logical_not_": (lambda lib, x, y: x.logical_not_(), "int64"),
    "bitwise_xor_": (lambda lib, x, y: x.bitwise_xor_(y), "int64"),
    "bitwise_not_": (lambda lib, x, y: x.bitwise_not_(), "int64"),
    "cumsum_": (lambda lib, x, y: x.cumsum_(1), "int64"),
    "cumprod_": (lambda lib, x, y: x.cumprod_(0), "float64"),
    "tril_": (lambda lib, x, y: x.tril_(-1), "float64"),
    "triu_": (lambda lib, x, y: x.triu_(1), "int64"),
    "nan_to_num_": (lambda lib, x, y: (x / 0).nan_to_num_(posinf=7.0), "float64"),
    "atan2_": (lambda lib, x, y: x.atan2_(y), "float64"),
    "heaviside_": (lambda lib, x, y: x.heaviside_(y), "float64"),
    "addmm_": (lambda lib, x, y: x.addmm_(y[:, :2], y[:2, :], beta=0.5), "float64"),
    "addmv_": (lambda lib, x, y: x[0].addmv_(y.T, y[:, 0], alpha=2), "float64"),
}


@pytest.mark.parametrize("name", WRITTEN_BACK)
def test_written_back_in_place_forms_match_pytorch(name):
    call, dtype = WRITTEN_BACK[name]
    a = np.random.default_rng(5).integers(-3, 4, (3, 4)).astype(dtype)
    b = np.random.default_rng(6).integers(-3, 4, (3, 4)).astype(dtype)
    ours, theirs = gv.tensor(a), torch.tensor(a)
    mine, expected = call(gv, ours, gv.tensor(b)), call(torch, theirs, torch.tensor(b))
    assert str(mine.dtype).split(".")[1] == str(expected.dtype).split(".")[1] == dtype
    np.testing.assert_allclose(host(mine), expected.numpy())
    assert mine is ours or name in ("nan_to_num_", "addmv_")  # written into a temporary, or a row of x
    np.testing.assert_allclose(host(ours), theirs.numpy())


def test_a_result_of_a_higher_kind_is_refused_not_truncated():
    check_refused_like_torch(
        (RuntimeError, lambda: torch.tensor([1, 2]).atan2_(torch.tensor([1.0, 1.0]))),
        (gv.errors.DtypeError, lambda: gv.tensor([1, 2]).atan2_(gv.tensor([1.0, 1.0]))),
        "atan2_: a floating point result cannot be written in place into a gradviz.int64 tensor",
    )

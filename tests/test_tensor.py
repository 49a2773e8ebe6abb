"""Creating tensors and reading them back, with PyTorch's dtype rules."""

import re

import numpy as np
import pytest
import torch

import gradviz as gv
from tests.oracle import check_refused_like_torch


@pytest.mark.parametrize(
    "data",
    [
        [1.0, 2.0],
        [1, 2],
        [True, False],
        3.5,
        7,
        [[1, 2], [3, 4]],
        np.arange(3.0),
        np.arange(3, dtype=np.int32),
    ],
)
def test_tensor_infers_dtypes_like_pytorch(data):
    assert str(gv.tensor(data).dtype).split(".")[1] == str(torch.tensor(data).dtype).split(".")[1]


def test_default_dtype_can_be_changed():
    try:
        gv.set_default_dtype(gv.float64)
        assert gv.tensor([1.0]).dtype == gv.float64 and gv.zeros(2).dtype == gv.float64
    finally:
        gv.set_default_dtype(gv.float32)
    assert gv.get_default_dtype() == gv.float32
    with pytest.raises(TypeError, match="floating point"):
        gv.set_default_dtype(gv.int64)


def test_tensor_copies_its_data_and_from_numpy_shares_it():
    source = np.zeros(3)
    copied, shared = gv.tensor(source), gv.from_numpy(source)
    source[0] = 5
    assert copied.tolist()[0] == 0 and shared.tolist()[0] == 5


def test_as_tensor_shares_a_numpy_array_unless_asked_to_convert_it_as_in_pytorch():
    """gradviz copied: a write through the tensor did not reach the array."""
    for lib in (torch, gv):
        source = np.zeros(3)
        lib.as_tensor(source)[0] = 5
        converted = lib.as_tensor(source, dtype=lib.float32)
        converted[1] = 7
        assert source.tolist() == [5, 0, 0]
    assert gv.as_tensor(source).dtype == gv.float64


def test_from_numpy_of_something_else_names_what_to_use():
    with pytest.raises(TypeError, match=r"from_numpy\(\): expected a numpy array, got list.*gradviz.tensor"):
        gv.from_numpy([1.0, 2.0])


@pytest.mark.parametrize("op", ["rand", "randn"])
def test_random_floats_refuse_an_integer_dtype(op):
    """gradviz cast the samples, giving zeros: rand(2, dtype=int64) was tensor([0, 0])."""
    with pytest.raises((RuntimeError, NotImplementedError)):
        getattr(torch, op)(2, dtype=torch.int64)
    with pytest.raises(gv.errors.DtypeError, match=rf"{op}: samples are floating point.*randint"):
        getattr(gv, op)(2, dtype=gv.int64)


def test_arange_whose_step_points_away_from_the_end_is_an_error_as_in_pytorch():
    """gradviz returned an empty tensor, as numpy does."""
    check_refused_like_torch(
        (RuntimeError, lambda: torch.arange(0, 5, -1)),
        (ValueError, lambda: gv.arange(0, 5, -1)),
        r"arange: step -1 never gets from 0 to 5.*sign of end - start",
    )
    assert gv.arange(5, 0, -2).tolist() == torch.arange(5, 0, -2).tolist() == [5, 3, 1]
    assert gv.arange(3, 3).tolist() == []


def test_randint_bounds_must_be_ints():
    """gradviz drew from [0, 5) for randint(0, 5.5); PyTorch refuses."""
    with pytest.raises(TypeError):
        torch.randint(0, 5.5, (3,))
    with pytest.raises(TypeError, match=r"randint\(\): expected ints, but element 1 is 5.5"):
        gv.randint(0, 5.5, (3,))


def test_creation_functions_match_pytorch_shapes_and_dtypes():
    pairs = [
        (gv.zeros(2, 3), torch.zeros(2, 3)),
        (gv.ones((2, 3)), torch.ones((2, 3))),
        (gv.full((2,), 7), torch.full((2,), 7)),
        (gv.full((2,), 7.0), torch.full((2,), 7.0)),
        (gv.arange(5), torch.arange(5)),
        (gv.arange(0, 1, 0.25), torch.arange(0, 1, 0.25)),
        (gv.linspace(0, 1, 5), torch.linspace(0, 1, 5)),
        (gv.eye(3), torch.eye(3)),
        (gv.zeros_like(gv.ones(2, dtype=gv.int64)), torch.zeros_like(torch.ones(2, dtype=torch.int64))),
        (gv.rand(4, 2), torch.rand(4, 2)),
        (gv.randn(4), torch.randn(4)),
        (gv.randint(0, 10, (5,)), torch.randint(0, 10, (5,))),
    ]
    for mine, theirs in pairs:
        assert tuple(mine.shape) == tuple(theirs.shape)
        assert str(mine.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    np.testing.assert_allclose(gv.linspace(0, 1, 5).numpy(), torch.linspace(0, 1, 5).numpy())


def test_manual_seed_makes_random_tensors_repeatable():
    gv.manual_seed(42)
    first = gv.randn(5).tolist()
    gv.manual_seed(42)
    assert gv.randn(5).tolist() == first
    assert gv.randn(5).tolist() != first
    assert 0 <= gv.rand(1000).numpy().min() and gv.rand(1000).numpy().max() < 1
    values = gv.randint(3, 6, (1000,)).numpy()
    assert values.min() == 3 and values.max() == 5


def test_attributes_and_conversions():
    x = gv.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3 and x.ndim == 2
    assert x.numel() == 6 and x.device == "cpu" and x.is_leaf and not x.requires_grad
    assert repr(x.shape) == "gradviz.Size([2, 3])"
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert gv.tensor([2.5]).item() == 2.5 and float(gv.tensor(2.5)) == 2.5
    assert repr(x) == "tensor([[1., 2., 3.],\n        [4., 5., 6.]])"
    assert "requires_grad=True" in repr(gv.ones(1, requires_grad=True))
    assert "dtype=gradviz.float64" in repr(gv.ones(1, dtype=gv.float64))
    assert x.clone()._data is not x._data


def test_size_is_exported_at_top_level_as_torch_size():
    shape = gv.zeros(2, 3).shape
    assert isinstance(shape, gv.Size) and isinstance(shape, tuple)
    assert gv.Size([2, 3]) == shape == torch.Size([2, 3]) == (2, 3)
    for dims in ([2, 3], [], [4, 0, 5]):
        assert repr(gv.Size(dims)) == repr(torch.Size(dims)).replace("torch", "gradviz")
        assert gv.Size(dims).numel() == torch.Size(dims).numel()


ALL_DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_type_names_the_type_as_pytorch_does_with_gradviz_prefix(dtype):
    expected = torch.zeros(2, dtype=getattr(torch, dtype)).type().replace("torch.", "gradviz.")
    x = gv.zeros(2, dtype=getattr(gv, dtype))
    assert x.type() == expected
    assert x.to("sim").type() == expected.replace("gradviz.", "gradviz.sim.")


@pytest.mark.parametrize("target", ALL_DTYPES)
def test_type_with_a_dtype_or_a_type_string_converts_like_pytorch(target):
    data = np.array([[-1.5, 0.0], [2.0, 3.7]])
    name = torch.zeros(1, dtype=getattr(torch, target)).type()
    for theirs, ours in [
        (getattr(torch, target), getattr(gv, target)),
        (name, name.replace("torch.", "gradviz.")),
    ]:
        expected = torch.tensor(data).type(theirs)
        got = gv.tensor(data).type(ours)
        assert got.dtype == getattr(gv, target)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_type_keeps_the_tensor_when_nothing_changes_and_moves_it_as_the_string_says():
    x = gv.ones(2, 3, requires_grad=True)
    assert x.type(gv.float32) is x and x.type("gradviz.FloatTensor") is x
    y = x.type(gv.float64)
    y.sum().backward()  # differentiable, as .to(dtype)
    assert x.grad.dtype == gv.float32 and y.type() == "gradviz.DoubleTensor"
    on_sim = x.detach().type("gradviz.sim.DoubleTensor")
    assert on_sim.device == "sim" and on_sim.dtype == gv.float64
    assert on_sim.type("gradviz.DoubleTensor").device == "cpu"  # no device in the string: the CPU


@pytest.mark.parametrize(
    "argument, torch_argument, error, message",
    [
        (
            "torch.FloatTensor",
            "torch.Foo",
            ValueError,
            r"invalid type: 'torch.FloatTensor'.*'gradviz.DoubleTensor'",
        ),
        ("gradviz.float64", "torch.float64", ValueError, "invalid type: 'gradviz.float64'"),
        ("DoubleTensor", "DoubleTensor", ValueError, "invalid type"),
        (3, 3, TypeError, "dtype must be a type, str, or dtype object, got int"),
    ],
)
def test_type_refuses_what_is_not_a_type_as_pytorch_does(argument, torch_argument, error, message):
    """A torch type string is not a gradviz type (as PyTorch refuses a name it does not know)."""
    check_refused_like_torch(
        (error, lambda: torch.ones(2).type(torch_argument)),
        (error, lambda: gv.ones(2).type(argument)),
        message,
    )


def test_item_and_bool_explain_multi_element_misuse():
    with pytest.raises(ValueError, match="6 elements"):
        gv.ones(2, 3).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(gv.ones(2))


def test_numpy_of_a_tensor_that_requires_grad_says_detach():
    with pytest.raises(RuntimeError, match="detach"):
        gv.ones(2, requires_grad=True).numpy()


def test_tensor_from_ragged_list_is_a_clear_error():
    with pytest.raises(ValueError, match="rectangular"):
        gv.tensor([[1, 2], [3]])


def test_unsupported_dtype_lists_the_supported_ones():
    with pytest.raises(TypeError, match="float32"):
        gv.zeros(2, dtype="complex64")


@pytest.mark.parametrize("data", [2**63, [2**63, 1], [[1, 2], [3, -(2**63) - 1]], 10**30])
def test_ints_beyond_int64_overflow_as_in_pytorch(data):
    with pytest.raises(ValueError, match="Overflow"):
        torch.tensor(data)
    with pytest.raises(ValueError, match="overflows int64"):
        gv.tensor(data)


@pytest.mark.parametrize(
    "data, dtype",
    [(-(2**63), None), (2**63 - 1, None), ([2**63, 1.5], None), ([2**70, 0.5], None), (2**63, "float64")],
)
def test_ints_near_and_beyond_int64_that_fit_match_pytorch(data, dtype):
    out = gv.tensor(data, dtype=dtype)
    expected = torch.tensor(data) if dtype is None else torch.tensor(data, dtype=getattr(torch, dtype))
    assert str(out.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
    assert out.tolist() == expected.tolist()


@pytest.mark.parametrize("data, value", [(1 + 2j, "(1+2j)"), ([1, 2j], "2j"), ([[0.5], [1 + 0j]], "(1+0j)")])
def test_complex_data_is_a_clear_error(data, value):
    message = re.escape(value) + " is a complex number; gradviz has no complex dtype"
    with pytest.raises(TypeError, match=message):
        gv.tensor(data)

"""Arguments of the wrong kind are refused as PyTorch refuses them, with an error naming the function
and the argument: a non-tensor where a tensor is needed (gradviz raised AttributeError "'float' object
has no attribute '_data'" from inside the op, or computed on a bare numpy array), a size or dim that is
not an int (gradviz truncated it), a size below -1 (numpy infers any negative size)."""

import inspect

import numpy as np
import pytest
import torch

import gradviz as gv

NOT_TENSORS = {"float": 1.5, "int": 2, "ndarray": np.ones(3), "list": [1.0, 2.0]}


# the functions of a gradviz namespace (gradviz.ops: those exported as gradviz.*) and of PyTorch's
NAMESPACES = {"gradviz": (gv.ops, torch), "gradviz.nn.functional": (gv.nn.functional, torch.nn.functional)}


def _refused_by_pytorch(function, value):
    try:
        function(value)
    except TypeError:
        return True
    except Exception:  # noqa: BLE001 - refused for another reason (a value), which is not this test's
        return False
    return False


def _takes_one_argument(function):
    try:
        inspect.signature(function).bind(None)
    except TypeError:
        return False
    return True


def _cases():
    for namespace, (ours, theirs) in NAMESPACES.items():
        for name in ours.__all__:
            if not (hasattr(theirs, name) and callable(getattr(ours, name))):
                continue
            if not _takes_one_argument(getattr(ours, name)):
                continue
            for label, value in NOT_TENSORS.items():
                if _refused_by_pytorch(getattr(theirs, name), value):
                    yield namespace, name, label


@pytest.mark.parametrize("namespace, name, label", list(_cases()))
def test_a_function_pytorch_refuses_a_non_tensor_for_is_a_type_error_naming_it(namespace, name, label):
    function = getattr(NAMESPACES[namespace][0], name)
    named = f"({name}|{inspect.unwrap(function).__name__})"  # an alias may say its original
    with pytest.raises(TypeError, match=rf"^{named}(\(\))?: ") as raised:
        function(NOT_TENSORS[label])
    assert "object has no attribute" not in str(raised.value)


def test_the_check_names_the_argument_and_the_type():
    with pytest.raises(
        TypeError, match=r"exp\(\): argument 'input' must be Tensor, not ndarray .*gradviz.tensor"
    ):
        gv.exp(np.ones(2))
    with pytest.raises(TypeError, match=r"split\(\): argument 'tensor' must be Tensor, not int"):
        gv.split(2, 1)
    with pytest.raises(TypeError, match=r"exp\(\): argument 'input' must be Tensor, not float"):
        gv.exp(input=1.5)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'input'"):
        gv.exp()


def test_checked_functions_keep_their_signature_and_pytorch_keywords():
    assert list(inspect.signature(gv.broadcast_to).parameters) == ["input", "size"]
    assert gv.broadcast_to(input=gv.ones(3), size=(2, 3)).shape == (2, 3)
    assert gv.exp(input=gv.zeros(1)).tolist() == [1.0]
    assert gv.exp.__name__ == "exp" and gv.exp.__doc__ == inspect.unwrap(gv.exp).__doc__


def test_sequences_of_tensors_and_shapes_are_checked_too():
    with pytest.raises(
        TypeError, match=r"cat\(\): argument 'tensors' must be a tuple or list of Tensors, not float"
    ):
        gv.cat(1.5)
    with pytest.raises(
        TypeError, match=r"broadcast_shapes\(\): expected ints, but element 1 is 2.0 \(float\)"
    ):
        gv.broadcast_shapes([1, 2.0])
    assert gv.broadcast_shapes((2, 1), 3, [1, 3]) == torch.broadcast_shapes((2, 1), 3, [1, 3])


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.zeros(2.5),
        lambda lib: lib.randn(2.0, 3),
        lambda lib: lib.ones(6).view(3.9, 2),
        lambda lib: lib.ones(6).reshape((2.0, 3)),
        lambda lib: lib.ones(1, 2).expand(2.7, 2),
        lambda lib: lib.ones(4).split([2.5, 1.5]),
    ],
)
def test_a_size_that_is_not_an_int_is_refused_not_truncated(make):
    """gradviz truncated these (zeros(2.5) had shape (2,), view(3.9, 2) shape (3, 2)); PyTorch refuses."""
    with pytest.raises(TypeError):
        make(torch)
    with pytest.raises(TypeError, match=r"\w+\(\): expected ints, but element 0 is \d\.\d \(float\)"):
        make(gv)


@pytest.mark.parametrize(
    "reduce",
    [
        lambda lib: lib.ones(2, 3).sum(dim=1.5),
        lambda lib: lib.ones(2, 3).mean(1.0),
        lambda lib: lib.ones(2, 3).softmax(dim=1.0),
        lambda lib: lib.ones(2, 3).amax(dim=(0, 1.0)),
    ],
)
def test_a_dim_that_is_not_an_int_is_refused(reduce):
    with pytest.raises(TypeError):
        reduce(torch)
    with pytest.raises(TypeError, match=r"\w+\(\): dim must be an int .*, not 1\.\d \(float\)"):
        reduce(gv)


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda x, value: x.diagonal(value), "offset"),
        (lambda x, value: x.select(0, value), "index"),
        (lambda x, value: x.rot90(value), "k"),
        (lambda x, value: x.round(decimals=value), "decimals"),
    ],
)
@pytest.mark.parametrize("value", [1.5, 1.0, True])
def test_an_integer_argument_that_is_not_an_int_is_refused_not_truncated(call, argument, value):
    with pytest.raises(TypeError):
        call(torch.ones(3, 3), value)
    name = type(value).__name__
    with pytest.raises(TypeError, match=rf"^\w+\(\): argument '{argument}' must be int, not {name}$"):
        call(gv.ones(3, 3), value)
    assert call(gv.ones(3, 3), np.int64(1)).tolist() == call(torch.ones(3, 3), 1).tolist()


@pytest.mark.parametrize("op", ["reshape", "view"])
def test_a_size_below_minus_one_is_refused(op):
    with pytest.raises(RuntimeError, match="invalid shape dimension -2"):
        getattr(torch.ones(6), op)(-2, 3)
    with pytest.raises(
        gv.errors.ShapeError, match=rf"{op}: invalid size -2 at position 0 of shape \(-2, 3\)"
    ):
        getattr(gv.ones(6), op)(-2, 3)


def test_ints_of_every_kind_are_sizes_and_dims():
    assert gv.ones(2, 3).sum(dim=gv.tensor(1)).tolist() == [3.0, 3.0]
    assert gv.ones(2, 3).sum(dim=np.int64(0)).tolist() == [2.0, 2.0, 2.0]
    assert gv.ones(6).view(gv.tensor(2), np.int64(3)).shape == (2, 3)
    assert gv.zeros([2, 3]).shape == gv.zeros((2, 3)).shape == (2, 3)


def test_numbers_first_where_pytorch_takes_them():
    x = gv.tensor([1.0, 2.0])
    assert gv.pow(2, x).tolist() == [2.0, 4.0]
    assert gv.remainder(5, x).tolist() == [0.0, 1.0]
    assert gv.sub(1, x).tolist() == [0.0, -1.0]


SECOND_OPERANDS = {"int": 2, "str": "a", "None": None, "list": [1.0, 2.0]}
TENSOR_METHODS = {  # method -> shape of the tensor it is called on
    "matmul": (2,),
    "mm": (2, 2),
    "bmm": (1, 2, 2),
    "dot": (2,),
    "mv": (2, 2),
    "outer": (2,),
    "expand_as": (2,),
    "view_as": (2,),
    "reshape_as": (2,),
    "type_as": (2,),
    "dist": (2,),
    "add": (2,),
    "mul": (2,),
}


def _second_operand_cases():
    for method, shape in TENSOR_METHODS.items():
        for label, other in SECOND_OPERANDS.items():
            try:
                getattr(torch.ones(shape), method)(other)
            except TypeError:
                yield method, label


@pytest.mark.parametrize("method, label", list(_second_operand_cases()))
def test_a_second_operand_pytorch_refuses_is_a_type_error_naming_the_op(method, label):
    """They raised AttributeError "'int' object has no attribute '_data'" (mm, dot, view_as...) or an
    error quoting numpy ("matmul: 'int' object has no attribute 'dtype'")."""
    other, shape = SECOND_OPERANDS[label], TENSOR_METHODS[method]
    with pytest.raises(TypeError, match=rf"^{method}\(\): argument ") as raised:
        getattr(gv.ones(*shape), method)(other)
    assert "object has no attribute" not in str(raised.value)

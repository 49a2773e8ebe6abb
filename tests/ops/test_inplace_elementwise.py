"""The in-place elementwise methods (exp_, floor_divide_, pow_...), ``//=``, ``%=``, ``**=`` and the
in-place view changes (t_, transpose_, unsqueeze_, squeeze_), against PyTorch: values written into the
tensor's own buffer, dtypes kept, float results refused in integer tensors, writes stamped."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, GraphError, ShapeError
from tests.oracle import host

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered:RuntimeWarning")  # log_ of negatives: NaN
rng = np.random.default_rng(0)

# method -> (sample domain, arguments); called the same way on a gradviz and a torch tensor
UNARY = {
    "exp_": ("any", ()),
    "log_": ("positive", ()),
    "sqrt_": ("positive", ()),
    "rsqrt_": ("positive", ()),
    "reciprocal_": ("away_from_zero", ()),
    "log1p_": ("positive", ()),
    "expm1_": ("any", ()),
    "log2_": ("positive", ()),
    "log10_": ("positive", ()),
    "sin_": ("any", ()),
    "cos_": ("any", ()),
    "tan_": ("any", ()),
    "sinh_": ("any", ()),
    "cosh_": ("any", ()),
    "erf_": ("any", ()),
    "erfc_": ("any", ()),
    "exp2_": ("any", ()),
    "asin_": ("inside_unit", ()),
    "arccos_": ("inside_unit", ()),
    "atan_": ("any", ()),
    "arcsinh_": ("any", ()),
    "acosh_": ("above_one", ()),
    "arctanh_": ("inside_unit", ()),
    "sinc_": ("any", ()),
    "logit_": ("probability", ()),
    "logit_ eps": ("probability", (0.2,)),
    "deg2rad_": ("any", ()),
    "rad2deg_": ("any", ()),
    "sgn_": ("any", ()),
    "negative_": ("any", ()),
    "sign_": ("any", ()),
    "abs_": ("any", ()),
    "neg_": ("any", ()),
    "square_": ("any", ()),
    "floor_": ("spread", ()),
    "ceil_": ("spread", ()),
    "trunc_": ("spread", ()),
    "fix_": ("spread", ()),
    "round_": ("spread", ()),
}
BINARY = {
    "pow_": ("positive", lambda lib, b: (b.abs(),)),
    "pow_ number": ("any", lambda lib, b: (3,)),
    "floor_divide_": ("any", lambda lib, b: (b,)),
    "floor_divide_ number": ("any", lambda lib, b: (-1.5,)),
    "fmod_": ("any", lambda lib, b: (b,)),
    "remainder_": ("any", lambda lib, b: (b,)),
    "remainder_ number": ("any", lambda lib, b: (-2.5,)),
    "clamp_min_": ("any", lambda lib, b: (b,)),
    "clamp_max_ number": ("any", lambda lib, b: (0.25,)),
    "div_ trunc": ("any", lambda lib, b: (b,)),
    "div_ floor": ("any", lambda lib, b: (b,)),
    "divide_": ("any", lambda lib, b: (b,)),
    "true_divide_ number": ("any", lambda lib, b: (-2.5,)),
    "subtract_": ("any", lambda lib, b: (b,)),
    "multiply_ number": ("any", lambda lib, b: (-2.5,)),
    "xlogy_": ("any", lambda lib, b: (b.abs(),)),
    "hypot_": ("any", lambda lib, b: (b,)),
    "copysign_": ("any", lambda lib, b: (b,)),
    "copysign_ number": ("any", lambda lib, b: (-1.0,)),
}


def sample(shape, domain, dtype="float64"):
    x = rng.standard_normal(shape) * 3
    if domain == "positive":
        x = np.abs(x) + 0.2
    elif domain == "away_from_zero":
        x = np.where(np.abs(x) < 0.1, 0.7, x)
    elif domain == "inside_unit":
        x = np.tanh(x) * 0.9
    elif domain == "above_one":
        x = np.abs(x) + 1.2
    elif domain == "probability":
        x = 0.1 + 0.8 / (1 + np.exp(-x))
    elif domain == "spread":  # no value within 0.01 of a rounding jump
        x = np.where(np.abs(x * 2 - np.round(x * 2)) < 0.02, x + 0.1, x)
    return np.asarray(x, dtype)


def divisors(shape, dtype="float64"):
    """Both signs, away from 0, so floor and trunc differ on the negative quotients."""
    magnitude = rng.uniform(0.5, 3.0, shape) if dtype.startswith("float") else rng.integers(1, 5, shape)
    return np.asarray(magnitude * rng.choice([-1, 1], shape), dtype)


def call(x, name, args):
    method, _, mode = name.partition(" ")
    if method == "div_":
        return x.div_(*args, rounding_mode=mode)
    return getattr(x, method)(*args)


def assert_written_in_place(out, x, buffer, dtype, expected):
    assert out is x and x._data is buffer, "the update must write into the tensor's own buffer"
    assert x.dtype.name == dtype
    np.testing.assert_allclose(host(x), expected.numpy(), rtol=1e-6, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_unary_in_place_methods_match_pytorch(name, dtype, device):
    domain, args = UNARY[name]
    a = sample((3, 4), domain, dtype)
    x = gv.tensor(a, device=device)
    buffer = x._data
    out = call(x, name, args)
    assert_written_in_place(out, x, buffer, dtype, call(torch.tensor(a), name, args))


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_float_in_place_results_equal_the_out_of_place_op_bit_for_bit(name, dtype, device):
    """Most float updates write their ufunc straight into the buffer (``out=``), not the op's kernel:
    the values must still be exactly the out-of-place op's, on a transposed (strided) view too."""
    domain, args = UNARY[name]
    method = name.partition(" ")[0]
    x = gv.tensor(sample((4, 3), domain, dtype), device=device).t()
    expected = host(getattr(x, method[:-1])(*args))
    buffer = x._data
    assert getattr(x, method)(*args) is x and x._data is buffer
    np.testing.assert_array_equal(host(x), expected)


def test_every_pytorch_in_place_method_of_an_op_gradviz_has_exists_but_the_listed_ones():
    """sign_, log1p_, expm1_, tan_... were missing although sign, log1p, expm1, tan existed."""
    names = [n for n in dir(torch.Tensor) if n.endswith("_") and not n.startswith("_")]
    missing = {n for n in names if hasattr(gv.Tensor, n[:-1]) and not hasattr(gv.Tensor, n)}
    assert missing == set()


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("other_shape", [(3, 4), (4,), ()])
def test_in_place_methods_with_an_operand_match_pytorch(name, dtype, other_shape, device):
    """The operand broadcasts to the tensor's shape (a row, a 0-d tensor) or is a number."""
    domain, operands = BINARY[name]
    a, b = sample((3, 4), domain, dtype), divisors(other_shape)
    x = gv.tensor(a, device=device)
    buffer = x._data
    out = call(x, name, operands(gv, gv.tensor(b, device=device)))
    expected = call(torch.tensor(a), name, operands(torch, torch.tensor(b)))
    assert_written_in_place(out, x, buffer, dtype, expected)


INTEGER = {**UNARY, **BINARY}


@pytest.mark.parametrize("name", INTEGER)
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_and_bool_tensors_keep_their_dtype_or_are_refused_as_in_pytorch(name, dtype):
    """Where PyTorch's result dtype would be of a higher category (exp_ of an int, square_ of a bool)
    both refuse; otherwise the values match and the dtype is kept."""
    operands = INTEGER[name][1]
    a = rng.integers(-9, 9, (2, 5)).astype(dtype)
    b = divisors((5,), "int64")
    args = (lambda lib, t: operands) if isinstance(operands, tuple) else operands
    try:
        expected = call(torch.tensor(a), name, args(torch, torch.tensor(b)))
    except (RuntimeError, NotImplementedError) as refusal:
        with pytest.raises((RuntimeError, TypeError), match=name.split()[0]):
            call(gv.tensor(a), name, args(gv, gv.tensor(b)))
        reasons = ("Integers to negative", "cast", "not implemented for")
        assert any(reason in str(refusal) for reason in reasons) or dtype == "bool"
        return
    x = gv.tensor(a)
    buffer = x._data
    assert_written_in_place(call(x, name, args(gv, gv.tensor(b))), x, buffer, dtype, expected)


def test_float_results_into_integer_tensors_name_the_op_and_dtype():
    ints = gv.tensor([1, 2, 3])
    for update in (lambda x: x.exp_(), lambda x: x.reciprocal_(), lambda x: x.pow_(0.5)):
        with pytest.raises(RuntimeError):
            update(torch.tensor([1, 2, 3]))
    with pytest.raises(
        DtypeError, match=r"exp_: a floating point result cannot be written in place into a gradviz.int64"
    ):
        ints.exp_()
    with pytest.raises(DtypeError, match=r"floor_divide_: a float operand cannot be written .*gradviz.int64"):
        ints.floor_divide_(2.5)
    with pytest.raises(DtypeError, match=r"square_: an integer result cannot be written .*gradviz.bool"):
        gv.tensor([True, False]).square_()
    with pytest.raises(DtypeError, match=r"pow_: a float operand .*gradviz.int64"):
        ints.pow_(gv.tensor([2.0, 3.0, 4.0]))
    assert ints.tolist() == [1, 2, 3]  # nothing was written


def test_integer_division_in_place_matches_pytorch_and_refuses_zero():
    a, b = np.array([-7, 7, -7, 7, -6]), np.array([2, 2, -2, -2, 4])
    for name in ("floor_divide_", "fmod_", "remainder_", "div_ trunc", "div_ floor"):
        x, expected = gv.tensor(a), call(torch.tensor(a), name, (torch.tensor(b),))
        assert call(x, name, (gv.tensor(b),)).tolist() == expected.tolist(), name
        with pytest.raises(RuntimeError, match=rf"{name.split()[0]}: integer division by zero"):
            call(gv.tensor(a), name, (0,))


def test_round_with_decimals_and_its_argument_check():
    a = np.array([1.25, -2.55, 0.125, 1234.5678])
    x = gv.tensor(a)
    x.round_(decimals=2)
    np.testing.assert_allclose(host(x), torch.tensor(a).round_(decimals=2).numpy())
    with pytest.raises(TypeError, match=r"round_\(\): argument 'decimals' must be int, not float"):
        x.round_(decimals=1.0)
    with pytest.raises(DtypeError, match=r"round_: not defined for int64 tensors with decimals"):
        gv.tensor([1, 2]).round_(decimals=1)


def test_broadcast_beyond_the_tensors_shape_is_refused_naming_the_op():
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        torch.ones(3).floor_divide_(torch.ones(2, 3))
    x = gv.ones(3)
    for update in (lambda: x.floor_divide_(gv.ones(2, 3)), lambda: x.pow_(gv.ones(2, 3))):
        with pytest.raises(ShapeError, match=r"_: an operand of shape \(2, 3\) does not broadcast .* \(3,\)"):
            update()
    with pytest.raises(ShapeError, match=r"clamp_min_: an operand of shape \(4, 1\)"):
        gv.ones(1, 3).clamp_min_(gv.zeros(4, 1))


def test_augmented_operators_in_place_and_inside_a_graph():
    a = np.array([5.5, -5.5, 7.0])
    for op in ("//=", "%=", "**="):
        x, t = gv.tensor(a), torch.tensor(a)
        buffer = x._data
        namespace = {"x": x, "t": t}
        exec(f"x {op} 2\nt {op} 2", namespace)
        assert namespace["x"] is x and x._data is buffer, op
        np.testing.assert_array_equal(host(x), namespace["t"].numpy())
    ints, t_ints = gv.tensor([-7, 7, 9]), torch.tensor([-7, 7, 9])
    ints //= 2
    ints %= -3
    ints **= 2
    t_ints //= 2
    t_ints %= -3
    t_ints **= 2
    assert ints.tolist() == t_ints.tolist() == [1, 0, 4] and ints.dtype == gv.int64
    w = gv.tensor([1.5, 2.0], requires_grad=True)
    h = w * 1
    original = h
    h **= 3  # an op's output: out of place, and differentiable
    h.sum().backward()
    assert h is not original and original.tolist() == [1.5, 2.0]
    np.testing.assert_allclose(w.grad.numpy(), 3 * np.array([1.5, 2.0]) ** 2)
    total = gv.zeros(2)
    total %= w  # the operand requires grad: out of place
    assert total.grad_fn is not None
    with pytest.raises(GraphError, match="cannot be modified in place"):
        w //= 2


def unary_update(name):
    return lambda x: call(x, name, UNARY[name][1])


ALL_ELEMENTWISE = {
    **{name: unary_update(name) for name in UNARY},
    "pow_": lambda x: x.pow_(2),
    "floor_divide_": lambda x: x.floor_divide_(2),
    "fmod_": lambda x: x.fmod_(1.5),
    "remainder_": lambda x: x.remainder_(1.5),
    "clamp_min_": lambda x: x.clamp_min_(0),
    "clamp_max_": lambda x: x.clamp_max_(0),
    "div_": lambda x: x.div_(2, rounding_mode="floor"),
    "t_": lambda x: x.t_(),
    "transpose_": lambda x: x.transpose_(0, -1),
    "unsqueeze_": lambda x: x.unsqueeze_(0),
    "squeeze_": lambda x: x.squeeze_(),
}


@pytest.mark.parametrize("name", ALL_ELEMENTWISE)
def test_writes_are_stamped_and_refused_where_they_would_be_recorded(name):
    """As PyTorch: a backward that saved the tensor raises after the write, and a tensor that requires
    grad cannot be written while recording (torch: 'a leaf Variable that requires grad')."""
    update = ALL_ELEMENTWISE[name]
    a = sample((3, 2), "positive")
    for lib in (torch, gv):
        w = lib.tensor(a, requires_grad=True)
        x = lib.tensor(a)
        product = w * x  # saves x for w's gradient
        update(x)
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            product.sum().backward()
        with pytest.raises(RuntimeError, match="in-place|in place"):
            update(lib.tensor(a, requires_grad=True))
        with lib.no_grad():
            leaf = lib.tensor(a, requires_grad=True)
            assert update(leaf) is leaf and leaf.requires_grad
    refusal = rf"{name.split()[0]}: a tensor that requires grad cannot be modified in place"
    with pytest.raises(GraphError, match=refusal):
        update(gv.tensor(a, requires_grad=True))


VIEWS = {
    "t_": (lambda x: x.t_(), [(3, 4), (5,), ()]),
    "transpose_": (lambda x: x.transpose_(-1, 0), [(2, 3, 4), (3, 4)]),
    "swapaxes_": (lambda x: x.swapaxes_(1, 0), [(2, 3, 4)]),
    "unsqueeze_": (lambda x: x.unsqueeze_(-1), [(2, 3), ()]),
    "unsqueeze_ middle": (lambda x: x.unsqueeze_(dim=1), [(2, 3)]),
    "squeeze_": (lambda x: x.squeeze_(), [(2, 1, 3, 1), (1,)]),
    "squeeze_ dim": (lambda x: x.squeeze_(1), [(2, 1, 3, 1), (2, 3)]),
    "squeeze_ dims": (lambda x: x.squeeze_((0, 3)), [(1, 2, 3, 1)]),
}


@pytest.mark.parametrize("name", VIEWS)
def test_in_place_view_changes_match_pytorch_and_keep_the_buffer(name, device):
    update, shapes = VIEWS[name]
    for shape in shapes:
        a = rng.standard_normal(shape)
        x, t = gv.tensor(a, device=device), torch.tensor(a)
        memory = gv.backend.memory_owner(x._data)
        assert update(x) is x
        update(t)
        assert tuple(x.shape) == tuple(t.shape), (name, shape)
        np.testing.assert_array_equal(host(x), t.numpy())
        assert gv.backend.memory_owner(x._data) is memory, "the tensor must still view its own buffer"


def test_a_view_change_leaves_other_views_of_the_buffer_alone():
    base = gv.arange(6.0).reshape(2, 3)
    row = base[0]
    base.t_()
    with gv.no_grad():
        base[0, 0] = 100.0  # base is (3, 2) now; the buffer is shared
    t_base = torch.arange(6.0).reshape(2, 3)
    t_row = t_base[0]
    t_base.t_()
    t_base[0, 0] = 100.0
    assert tuple(base.shape) == (3, 2) and tuple(row.shape) == (3,)
    assert row.tolist() == t_row.tolist() and base.tolist() == t_base.tolist()


def test_view_change_errors_name_the_op():
    with pytest.raises(RuntimeError, match="t_\\(\\) expects a tensor with <= 2 dimensions"):
        torch.ones(2, 3, 4).t_()
    with pytest.raises(ShapeError, match=r"t_: expects a tensor with at most 2 dimensions.*\(2, 3, 4\)"):
        gv.ones(2, 3, 4).t_()
    with pytest.raises(IndexError):
        torch.ones(3).unsqueeze_(3)
    with pytest.raises(IndexError, match=r"unsqueeze_: dimension 3 is out of range .* \[-2, 1\]"):
        gv.ones(3).unsqueeze_(3)
    with pytest.raises(IndexError, match=r"transpose_: dimension 2 is out of range"):
        gv.ones(2, 3).transpose_(0, 2)
    with pytest.raises(IndexError, match=r"squeeze_: dimension -3 is out of range"):
        gv.ones(2, 1).squeeze_(-3)

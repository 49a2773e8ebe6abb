"""The elementwise ops added after the first set: rounding, fmod/remainder, more elementary functions,
clamp_min/max, lerp, addcmul/addcdiv, nan_to_num, isclose/allclose; against PyTorch."""

import inspect

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import DtypeError, ShapeError
from tests.oracle import check, host

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered:RuntimeWarning")  # log of -1 gives NaN
rng = np.random.default_rng(0)


def sample(shape, domain=None):
    x = rng.standard_normal(shape)
    if domain == "positive":
        return np.asarray(np.abs(x) + 0.2)
    if domain == "above_minus_one":
        return np.asarray(np.abs(x) - 0.8)
    if domain == "away_from_zero":
        return np.asarray(np.where(np.abs(x) < 0.1, 0.7, x))
    if domain == "small":
        return np.asarray(x * 0.4)
    if domain == "inside_unit":  # asin, acos, atanh: (-0.9, 0.9)
        return np.asarray(np.tanh(x) * 0.9)
    if domain == "above_one":
        return np.asarray(np.abs(x) + 1.2)
    if domain == "probability":  # logit: (0.1, 0.9)
        return np.asarray(0.1 + 0.8 / (1 + np.exp(-x)))
    if domain == "spread":  # rounding ops: values over several integers, none within 0.01 of a jump
        y = x * 3
        return np.asarray(np.where(np.abs(y * 2 - np.round(y * 2)) < 0.02, y + 0.1, y))
    return x


def torch_dtype_name(t):
    return str(t.dtype).removeprefix("torch.")


def gv_dtype_name(t):
    return str(t.dtype).removeprefix("gradviz.")


def same_outcome(mine, theirs, *arrays):
    """Both raise, or both give the same dtype and values (NaN where PyTorch has NaN)."""
    try:
        expected = theirs(*[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
    except (RuntimeError, TypeError, NotImplementedError):
        with pytest.raises((RuntimeError, TypeError)):
            mine(*[gv.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
        return None
    got = mine(*[gv.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
    assert gv_dtype_name(got) == torch_dtype_name(expected)
    np.testing.assert_allclose(host(got), expected.numpy(), rtol=1e-6, equal_nan=True)
    return got


# ---- one-argument float functions -------------------------------------------------------------

# the domain each function is sampled on (gv.<name> and torch.<name> are compared)
ELEMENTARY = {
    "log1p": "above_minus_one",
    "expm1": None,
    "log2": "positive",
    "log10": "positive",
    "square": None,
    "reciprocal": "away_from_zero",
    "rsqrt": "positive",
    "tan": "small",
    "sinh": None,
    "cosh": None,
    "exp2": None,
    "asin": "inside_unit",
    "acos": "inside_unit",
    "atan": None,
    "asinh": None,
    "acosh": "above_one",
    "atanh": "inside_unit",
    "arcsin": "inside_unit",
    "arccos": "inside_unit",
    "arctan": None,
    "arcsinh": None,
    "arccosh": "above_one",
    "arctanh": "inside_unit",
    "sinc": None,
    "logit": "probability",
    "deg2rad": None,
    "rad2deg": None,
    "erf": None,
    "erfc": None,
    "erfinv": "inside_unit",
    "lgamma": "positive",
    "digamma": "positive",
}
ROUNDING = {
    "floor": (gv.floor, torch.floor),
    "ceil": (gv.ceil, torch.ceil),
    "round": (gv.round, torch.round),
    "trunc": (gv.trunc, torch.trunc),
    "fix": (gv.fix, torch.fix),
    "sign": (gv.sign, torch.sign),
}


@pytest.mark.parametrize("name", ELEMENTARY)
@pytest.mark.parametrize("shape", [(), (3, 4)])
def test_elementary_functions_match_pytorch(name, shape, device):
    check(getattr(gv, name), getattr(torch, name), sample(shape, ELEMENTARY[name]), device=device)


@pytest.mark.parametrize("name", ELEMENTARY)
def test_elementary_second_derivatives(name):
    x = gv.tensor(sample((4,), ELEMENTARY[name]), requires_grad=True)
    assert gv.autograd.gradgradcheck(getattr(gv, name), (x,))


@pytest.mark.parametrize("name", ROUNDING)
def test_rounding_matches_pytorch_with_a_zero_gradient(name, device):
    mine, theirs = ROUNDING[name]
    x = sample((3, 5), "spread")
    (out,) = check(mine, theirs, x, device=device)
    x_gv = gv.tensor(x, requires_grad=True)
    (grad,) = gv.autograd.grad(mine(x_gv).sum(), x_gv)
    assert grad.tolist() == np.zeros_like(x).tolist()


@pytest.mark.parametrize("name", [*ELEMENTARY, *ROUNDING])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integer_and_bool_inputs_give_pytorchs_dtype(name, dtype):
    mine, theirs = getattr(gv, name), getattr(torch, name)
    x = np.array([0, 1, 2, 3, 7]).astype(dtype) if dtype is not np.int64 else np.array([-3, -1, 0, 2, 5])
    same_outcome(mine, theirs, x)


@pytest.mark.parametrize("n", [1, 2, 4])
def test_polygamma_matches_pytorch(n, device):
    # rtol 1e-9: PyTorch's trigamma is off by up to 5e-10 near x = 1.1 (gradviz's matches pi**2/6 at 1)
    x = np.abs(rng.standard_normal(6)) + 0.3
    check(lambda t: gv.polygamma(n, t), lambda t: torch.polygamma(n, t), x, device=device, rtol=1e-9)
    check(lambda t: t.polygamma(n), lambda t: t.polygamma(n), x, device=device, rtol=1e-9)


@pytest.mark.parametrize("name", ["lgamma", "digamma"])
def test_the_gamma_family_on_the_negative_axis_and_at_poles_matches_pytorch(name):
    x = np.array([-2.5, -0.3, -7.9, 1e-300, 0.0, -1.0, 170.5, 1e6, np.inf])
    np.testing.assert_allclose(
        getattr(gv, name)(gv.tensor(x)).numpy(),
        getattr(torch, name)(torch.tensor(x)).numpy(),
        rtol=1e-12,
        equal_nan=True,
    )
    assert gv.lgamma(gv.tensor(1.0)).item() == 0.0 and gv.polygamma(
        1, gv.tensor(1.0, dtype=gv.float64)
    ).item() == (pytest.approx(np.pi**2 / 6, rel=1e-15))


def test_erfinv_inverts_erf_into_the_tails():
    y = np.array([-1.0, -1 + 1e-15, -0.5, 0.0, 1e-300, 0.9, 1 - 1e-12, 1.0, 1.5])
    np.testing.assert_allclose(
        gv.erfinv(gv.tensor(y)).numpy(), torch.erfinv(torch.tensor(y)).numpy(), rtol=1e-14
    )


def test_sinc_at_zero_is_one_with_a_flat_slope(device):
    check(gv.sinc, torch.sinc, np.array([0.0, 1.0, -2.5, 1e-9]), device=device)


@pytest.mark.parametrize("eps", [0.05, 0.2])
def test_logit_clamps_to_eps_and_stops_the_gradient_outside(eps, device):
    x = np.array([0.01, 0.1, 0.5, 0.85, 0.99])
    check(lambda t: gv.logit(t, eps), lambda t: torch.logit(t, eps), x, device=device, gradcheck=False)


def test_erfc_keeps_its_relative_accuracy_in_the_tail():
    x = np.array([-30.0, -5.0, 0.3, 4.5, 10.0, 26.0, 30.0, np.inf, np.nan])
    np.testing.assert_allclose(
        gv.erfc(gv.tensor(x)).numpy(), torch.erfc(torch.tensor(x)).numpy(), rtol=1e-13, equal_nan=True
    )
    assert gv.erfc(gv.tensor(np.float32(10.0))).item() == pytest.approx(2.088487583762545e-45, rel=1e-6)


def test_aliases_answer_as_their_pytorch_names():
    x = np.array([[-1.5, 0.0, 2.0]])
    for name, args in (("subtract", (x, 2.0)), ("multiply", (x, x)), ("negative", (x,))):
        check(getattr(gv, name), getattr(torch, name), *args, gradcheck=False)
    check(gv.sgn, torch.sgn, x, grad=False)  # PyTorch's gradient is a ZeroTensor numpy cannot read
    check(lambda t: gv.clip(t, -1, 1), lambda t: torch.clip(t, -1, 1), x, gradcheck=False)
    assert gv.subtract(gv.ones(2), gv.ones(2), alpha=2).tolist() == [-1.0, -1.0]
    assert gv.multiply(2, 3).item() == 6 and gv.subtract(2, 3).item() == -1
    t = gv.tensor(x)
    assert gv.positive(t) is t and (+t) is t and t.positive() is t
    with pytest.raises(DtypeError, match="positive: the \\+ operator on a bool tensor is not supported"):
        gv.positive(gv.tensor([True]))
    with pytest.raises(RuntimeError):
        torch.positive(torch.tensor([True]))


def test_rounding_an_integer_tensor_returns_a_copy():
    x = gv.tensor([1, 2, 3])
    y = gv.floor(x)
    y[0] = 10
    assert x.tolist() == [1, 2, 3]


def test_rounding_refuses_bool_naming_the_op():
    for op in (gv.floor, gv.ceil, gv.round, gv.trunc):
        with pytest.raises(DtypeError, match=op.__name__ + ".*bool"):
            op(gv.tensor([True, False]))


def test_round_goes_half_to_even():
    ties = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5])
    assert gv.round(gv.tensor(ties)).tolist() == [-2.0, -2.0, -0.0, 0.0, 2.0, 2.0, 4.0]
    same_outcome(gv.round, torch.round, ties)


@pytest.mark.parametrize("decimals", [1, 2, -1, -2])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_round_with_decimals_matches_pytorch(decimals, dtype, device):
    x = np.array([1.25, 2.35, -0.125, 15.0, 25.0, 35.0, 150.0, 250.0, 1234.5678]).astype(dtype)
    got = gv.round(gv.tensor(x, device=device), decimals=decimals)
    expected = torch.round(torch.tensor(x), decimals=decimals)
    assert gv_dtype_name(got) == torch_dtype_name(expected)
    np.testing.assert_array_equal(host(got), expected.numpy())
    assert gv.tensor(x).round(decimals=decimals).tolist() == got.tolist()


def test_round_decimals_errors():
    with pytest.raises(DtypeError, match="round: .*int64.*decimals"):
        gv.round(gv.tensor([15, 25]), decimals=-1)
    assert gv.round(gv.tensor([15, 25])).tolist() == [15, 25]
    with pytest.raises(TypeError, match="decimals"):
        gv.round(gv.tensor([1.5]), decimals=1.0)


def test_sign_special_values():
    x = np.array([np.nan, -0.0, 0.0, np.inf, -np.inf, -3.0])
    got = same_outcome(gv.sign, torch.sign, x)
    assert not np.signbit(host(got)[1])  # sign(-0.0) is +0.0, as in PyTorch
    assert gv.sign(gv.tensor([True, False])).tolist() == [True, False]


# ---- two-argument ops -----------------------------------------------------------------------

BROADCAST = [((3, 4), (3, 4)), ((3, 1), (4,)), ((2, 3), ())]


@pytest.mark.parametrize("shapes", BROADCAST)
def test_atan2_matches_pytorch(shapes, device):
    a, b = sample(shapes[0], "away_from_zero"), sample(shapes[1], "away_from_zero")
    check(gv.atan2, torch.atan2, a, b, device=device)
    check(lambda x, y: x.arctan2(y), torch.arctan2, a, b, device=device)


@pytest.mark.parametrize("op", ["fmod", "remainder"])
@pytest.mark.parametrize("shapes", BROADCAST)
def test_fmod_and_remainder_match_pytorch(op, shapes, device):
    a = sample(shapes[0]) * 4
    b = sample(shapes[1], "away_from_zero")
    check(getattr(gv, op), getattr(torch, op), a, b, device=device)


@pytest.mark.parametrize("op", ["fmod", "remainder"])
@pytest.mark.parametrize("other", [2.5, -1.5, 3])
def test_fmod_and_remainder_with_a_number(op, other, device):
    check(
        lambda x: getattr(gv, op)(x, other),
        lambda x: getattr(torch, op)(x, other),
        sample((5,)) * 4,
        device=device,
    )


def test_remainder_operator_and_number_first(device):
    check(lambda x: x % 1.5, lambda x: x % 1.5, sample((6,)) * 4, device=device)
    b = sample((6,), "away_from_zero")
    out = 5.0 % gv.tensor(b, device=device)
    np.testing.assert_allclose(host(out), (5.0 % torch.tensor(b)).numpy())
    # PyTorch has no derivative of remainder(number, tensor); gradviz gives -grad · floor(a / b)
    assert gv.autograd.gradcheck(lambda t: gv.remainder(5.0, t), [gv.tensor(b, requires_grad=True)])


def test_fmod_takes_the_dividends_sign_remainder_the_divisors():
    a = np.array([-7.0, 7.0, -7.5, 7.5, -6.0, 6.0, -0.0])
    b = np.array([3.0, -3.0, 2.0, -2.0, 3.0, -3.0, 1.0])
    fmod = same_outcome(gv.fmod, torch.fmod, a, b)
    remainder = same_outcome(gv.remainder, torch.remainder, a, b)
    assert fmod.tolist()[:4] == [-1.0, 1.0, -1.5, 1.5]
    assert remainder.tolist()[:4] == [2.0, -2.0, 0.5, -0.5]
    # signed zeros as PyTorch's kernels give them
    np.testing.assert_array_equal(
        np.signbit(host(fmod)), np.signbit(torch.fmod(torch.tensor(a), torch.tensor(b)).numpy())
    )
    np.testing.assert_array_equal(
        np.signbit(host(remainder)), np.signbit(torch.remainder(torch.tensor(a), torch.tensor(b)).numpy())
    )
    ai, bi = np.array([-7, 7, -7, 7]), np.array([3, 3, -3, -3])
    assert same_outcome(gv.fmod, torch.fmod, ai, bi).tolist() == [-1, 1, -1, 1]
    assert same_outcome(gv.remainder, torch.remainder, ai, bi).tolist() == [2, 1, -1, -2]


@pytest.mark.parametrize("op", ["fmod", "remainder"])
def test_fmod_and_remainder_dtypes(op):
    mine, theirs = getattr(gv, op), getattr(torch, op)
    ints = np.array([-7, 7, 5])
    for other in (
        2.5,
        3,
        True,
        np.array([2, 2, 2], dtype=np.int32),
        np.array([1.5, 2.0, 2.5], dtype=np.float32),
    ):
        same_outcome(mine, theirs, ints, other)
    same_outcome(mine, theirs, np.array([1.5, -2.5], dtype=np.float32), np.array(2.0))
    with pytest.raises(DtypeError, match=rf"{op}: not defined for bool tensors.*\(1,\) and \(\)"):
        mine(gv.tensor([True]), True)


@pytest.mark.parametrize("op", ["fmod", "remainder"])
def test_integer_division_by_zero_raises_naming_the_op(op, device):
    x = gv.tensor([-7, 7], device=device)
    with pytest.raises(RuntimeError, match=f"{op}: integer division by zero"):
        getattr(gv, op)(x, 0)
    with pytest.raises(RuntimeError, match=f"{op}: integer division by zero.*int64"):
        getattr(gv, op)(x, gv.tensor([1, 0], device=device))
    assert np.isnan(getattr(gv, op)(x.float(), 0).tolist()).all()  # floats give NaN, as in PyTorch


def test_binary_errors_name_the_op():
    with pytest.raises(TypeError, match="atan2.*'other' must be Tensor"):
        gv.atan2(gv.tensor([1.0]), 2.0)
    with pytest.raises(TypeError, match="fmod.*'input' must be Tensor"):
        gv.fmod(5, gv.tensor([1.0]))
    with pytest.raises(ShapeError, match=r"atan2.*\(2,\), \(3,\)"):
        gv.atan2(gv.zeros(2), gv.zeros(3))
    with pytest.raises(ShapeError, match=r"remainder.*\(2,\), \(3,\)"):
        gv.remainder(gv.zeros(2), gv.ones(3))


def test_atan2_dtypes():
    for a, b in [
        (np.array([-3, 2]), np.array([1, 1])),
        (np.array([True, False]), np.array([True, True])),
        (np.array([1.5, 2.5], dtype=np.float32), np.array([1.0, 2.0])),
        (np.array([1, 2]), np.array([1.5, 2.5], dtype=np.float32)),
    ]:
        same_outcome(gv.atan2, torch.atan2, a, b)


# ---- clamp_min / clamp_max, lerp, addcmul, addcdiv ----------------------------------------------


@pytest.mark.parametrize("op", ["clamp_min", "clamp_max"])
def test_clamp_min_and_max(op, device):
    x = sample((3, 4), "away_from_zero")
    bound = np.where(np.abs(sample((4,)) - x) < 0.05, 0.3, 0.0) + sample((4,))
    check(lambda t: getattr(gv, op)(t, 0.2), lambda t: getattr(torch, op)(t, 0.2), x, device=device)
    check(lambda t: getattr(t, op)(0.2), lambda t: getattr(t, op)(0.2), x, device=device)
    check(getattr(gv, op), getattr(torch, op), x, bound, device=device, gradcheck=False)
    same_outcome(
        lambda t: getattr(gv, op)(t, 0.5), lambda t: getattr(torch, op)(t, 0.5), np.array([-3, 2, 5])
    )
    with pytest.raises(TypeError, match=op):
        getattr(gv, op)(gv.tensor([1.0]), None)


@pytest.mark.parametrize("weight", [0.3, 0.75, 1.0, -0.6])
def test_lerp_with_a_number_weight(weight, device):
    def mine(a, b):
        return gv.lerp(a, b, weight)

    def theirs(a, b):
        return torch.lerp(a, b, weight)

    check(mine, theirs, sample((3, 1)), sample((4,)), device=device)


def test_lerp_with_a_tensor_weight(device):
    a, b, w = sample((2, 1, 3)), sample((4, 1)), rng.uniform(-0.2, 1.2, (4, 3))
    check(gv.lerp, torch.lerp, a, b, w, device=device)
    check(lambda x, y, z: x.lerp(y, z), torch.lerp, a, b, np.array(0.7), device=device)
    start, end = gv.tensor(sample((200,))), sample((200,))
    assert gv.lerp(start, gv.tensor(end), 1.0).tolist() == end.tolist()  # exactly end, as PyTorch gives
    assert gv.lerp(start, gv.tensor(end), gv.ones(200, dtype=gv.float64)).tolist() == end.tolist()


def test_lerp_dtypes_and_errors():
    f32, f64 = gv.ones(2, dtype=gv.float32), gv.ones(2, dtype=gv.float64)
    assert gv.lerp(f32, f32, gv.tensor(0.5, dtype=gv.float64)).dtype == gv.float32  # a 0-d weight may differ
    assert gv.lerp(f32, f32, 1).dtype == gv.float32
    with pytest.raises(DtypeError, match=r"lerp: end must have input's dtype gradviz.float32.*float64"):
        gv.lerp(f32, f64, 0.5)
    with pytest.raises(DtypeError, match="lerp: weight must have input's dtype"):
        gv.lerp(f32, f32, gv.tensor([1.0, 0.0], dtype=gv.float64))
    with pytest.raises(DtypeError, match="lerp: input must be a floating point tensor"):
        gv.lerp(gv.tensor([1, 2]), gv.tensor([1, 2]), 0.5)
    with pytest.raises(TypeError, match="lerp.*'end' must be Tensor"):
        gv.lerp(f32, 1.0, 0.5)
    with pytest.raises(ShapeError, match=r"lerp.*\(2,\), \(3,\)"):
        gv.lerp(f32, gv.ones(3), 0.5)


@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [1, 0.5, -2])
def test_addcmul_and_addcdiv_match_pytorch(op, value, device):
    def mine(a, b, c):
        return getattr(gv, op)(a, b, c, value=value)

    def theirs(a, b, c):
        return getattr(torch, op)(a, b, c, value=value)

    check(mine, theirs, sample((2, 1)), sample((3,)), sample((4, 1, 1), "away_from_zero"), device=device)
    check(lambda a, b, c: getattr(a, op)(b, c, value=value), theirs, *(sample((3,), "away_from_zero"),) * 3)


def test_addcmul_and_addcdiv_dtypes_and_errors():
    i = np.array([-3, 2, 5])
    f32 = np.array([1.5, -2.5, 0.5], dtype=np.float32)
    for value in (2, 0.5, -1.5):  # an integer result truncates a float value, as PyTorch does
        same_outcome(
            lambda a, b, c, v=value: gv.addcmul(a, b, c, value=v),
            lambda a, b, c, v=value: torch.addcmul(a, b, c, value=v),
            i,
            i,
            i,
        )
    same_outcome(gv.addcmul, torch.addcmul, f32, i, f32.astype(np.float64))
    same_outcome(gv.addcdiv, torch.addcdiv, i, f32, i)
    same_outcome(
        lambda a, b, c: gv.addcdiv(a, b, c, value=2),
        lambda a, b, c: torch.addcdiv(a, b, c, value=2),
        f32,
        f32,
        f32.astype(np.float64),
    )
    with pytest.raises(DtypeError, match="addcdiv: integer division"):
        gv.addcdiv(gv.tensor(f32), gv.tensor(i), gv.tensor(i))
    with pytest.raises(DtypeError, match="addcmul: not defined for bool"):
        gv.addcmul(gv.tensor([True]), gv.tensor([True]), gv.tensor([False]))
    with pytest.raises(TypeError, match="addcmul.*'tensor1' must be Tensor"):
        gv.addcmul(gv.tensor(f32), 2.0, gv.tensor(f32))
    with pytest.raises(ShapeError, match=r"addcdiv.*\(3,\), \(2,\), \(3,\)"):
        gv.addcdiv(gv.tensor(f32), gv.ones(2), gv.tensor(f32))


# ---- nan_to_num, isclose, allclose ------------------------------------------------------------

SPECIAL = np.array([np.nan, np.inf, -np.inf, 1.5, -0.25, 0.0])


@pytest.mark.parametrize(
    "kwargs", [{}, {"nan": 1.0}, {"nan": 2.0, "posinf": 3.0, "neginf": -4.0}, {"posinf": 1e3}]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_to_num_matches_pytorch(kwargs, dtype, device):
    x = SPECIAL.astype(dtype)
    check(
        lambda t: gv.nan_to_num(t, **kwargs),
        lambda t: torch.nan_to_num(t, **kwargs),
        x,
        device=device,
        gradcheck=False,
        rtol=0,
    )
    check(
        lambda t: t.nan_to_num(**kwargs),
        lambda t: t.nan_to_num(**kwargs),
        x,
        device=device,
        gradcheck=False,
        rtol=0,
    )


def test_nan_to_num_gradient_and_dtypes():
    x = gv.tensor(SPECIAL, requires_grad=True)
    gv.nan_to_num(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    assert gv.autograd.gradcheck(gv.nan_to_num, [gv.tensor(sample((4,)), requires_grad=True)])
    for arr in (np.array([-3, 2]), np.array([True, False]), np.array([np.inf], dtype=np.float16)):
        same_outcome(gv.nan_to_num, torch.nan_to_num, arr)


def test_isclose_special_values(device):
    a = np.array([1.0, np.nan, np.inf, np.inf, -np.inf, 1.0, 0.0, 1e-9])
    b = np.array([1.0 + 1e-6, np.nan, np.inf, -np.inf, -np.inf, 1.1, 1e-9, 0.0])
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.2}, {"atol": np.inf}, {"rtol": 0, "atol": 0}):
        got = gv.isclose(gv.tensor(a, device=device), gv.tensor(b, device=device), **kwargs)
        assert got.dtype == gv.bool
        assert host(got).tolist() == torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs).tolist(), (
            kwargs
        )
    assert gv.isclose(gv.tensor(a), gv.tensor(b), equal_nan=True).tolist()[1] is True


def test_isclose_dtypes_and_broadcasting():
    pairs = [
        (np.array([100, 5]), np.array([101, 5]), {"rtol": 0.01, "atol": 0}),
        (np.array([100, 5]), np.array([102, 7]), {}),
        (np.array([0, 250], dtype=np.uint8), np.array([1, 255], dtype=np.uint8), {"atol": 1}),
        (np.array([True, False]), np.array([True, True]), {"atol": 1}),
        (np.array([1.0, 2.0], dtype=np.float32), np.array([1.00001, 2.1], dtype=np.float32), {}),
        (rng.standard_normal((2, 1)), rng.standard_normal(3), {"atol": 1.0}),
    ]
    for a, b, kwargs in pairs:
        got = gv.isclose(gv.tensor(a), gv.tensor(b), **kwargs)
        assert host(got).tolist() == torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs).tolist()
        assert gv.tensor(a).isclose(gv.tensor(b), **kwargs).tolist() == got.tolist()


def test_allclose_returns_a_python_bool(device):
    a = gv.tensor([1.0, np.nan], device=device)
    assert gv.allclose(a, a) is False
    assert gv.allclose(a, a, equal_nan=True) is True
    assert a.allclose(a + 1e-9, equal_nan=True) is True
    assert gv.allclose(gv.zeros(2, 1), gv.zeros(3)) is True
    assert gv.allclose(gv.zeros(2), gv.full((2,), 0.1)) is False
    assert gv.allclose(gv.zeros(2), gv.full((2,), 0.1), atol=0.2) is True


def test_isclose_errors():
    f32, f64 = gv.ones(2, dtype=gv.float32), gv.ones(2, dtype=gv.float64)
    with pytest.raises(DtypeError, match="isclose: input and other must have one dtype.*float32.*float64"):
        gv.isclose(f32, f64)
    with pytest.raises(DtypeError, match="isclose"):
        gv.allclose(f32, f64)
    with pytest.raises(TypeError, match="isclose.*'other' must be Tensor"):
        gv.isclose(f32, 1.0)
    with pytest.raises(ValueError, match="rtol must be greater than or equal to zero"):
        gv.isclose(f32, f32, rtol=-1)
    with pytest.raises(ValueError, match="atol must be greater"):
        gv.allclose(f32, f32, atol=-1)
    with pytest.raises(ShapeError, match=r"isclose.*\(2,\), \(3,\)"):
        gv.allclose(gv.zeros(2), gv.zeros(3))


# ---- names ------------------------------------------------------------------------------------


def test_methods_match_functions():
    x, y = gv.tensor([0.5, 1.5, -2.5]), gv.tensor([1.0, -2.0, 3.0])
    for name in [*ELEMENTARY, *ROUNDING, "nan_to_num"]:
        np.testing.assert_array_equal(host(getattr(x, name)()), host(getattr(gv, name)(x)), err_msg=name)
    for name in ("atan2", "fmod", "remainder", "clamp_min", "clamp_max", "isclose"):
        assert getattr(x, name)(y).tolist() == getattr(gv, name)(x, y).tolist(), name
    assert (x % y).tolist() == gv.remainder(x, y).tolist()


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_top_level_softmax(name, device):
    x = sample((3, 4))
    assert inspect.unwrap(getattr(gv, name)) is inspect.unwrap(getattr(gv.nn.functional, name))
    check(lambda t: getattr(gv, name)(t, 1), lambda t: getattr(torch, name)(t, 1), x, device=device)
    check(lambda t: getattr(gv, name)(t, dim=0), lambda t: getattr(torch, name)(t, dim=0), x, device=device)


SECOND_ORDER = {
    "atan2": (gv.atan2, ((3,), (3,))),
    "fmod": (gv.fmod, ((4,), (4,))),
    "remainder": (gv.remainder, ((4,), (4,))),
    "lerp": (gv.lerp, ((3,), (3,), (3,))),
    "addcmul": (lambda a, b, c: gv.addcmul(a, b, c, value=0.5), ((3,), (3,), (3,))),
    "addcdiv": (lambda a, b, c: gv.addcdiv(a, b, c, value=-2), ((3,), (3,), (3,))),
}


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_binary_and_ternary_second_derivatives(name):
    fn, shapes = SECOND_ORDER[name]
    inputs = [
        gv.tensor(sample(shape, "away_from_zero") * (i + 1), requires_grad=True)
        for i, shape in enumerate(shapes)
    ]
    assert gv.autograd.gradgradcheck(fn, inputs)

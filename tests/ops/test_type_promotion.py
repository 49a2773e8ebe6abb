"""Result dtypes and values of ops that combine operands, against PyTorch: a table of operands (tensors
of every dtype with and without dimensions, Python and NumPy scalars) × the ops that promote."""

import numpy as np
import pytest
import torch

import gradviz as gv

DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 2, 2.5, np.float64(2.5), np.float32(0.5), np.int64(2), np.bool_(True)]


def _tensors(dtype, zero_dim):
    values = np.array([True, False, True] if dtype == "bool" else [1, 2, 3]).astype(dtype)
    values = np.array(values[2]) if zero_dim else values
    return gv.tensor(values), torch.tensor(values)


def _label(dtype, zero_dim):
    return f"{dtype}{'[]' if zero_dim else '[3]'}"


def _operands():
    """(label, gradviz operand, torch operand) for every tensor and scalar in the table."""
    tensors = [(_label(d, zero_dim), *_tensors(d, zero_dim)) for d in DTYPES for zero_dim in (False, True)]
    return tensors + [(repr(s), s, s) for s in SCALARS]


def _where(m, a, b):
    return m.where(m.tensor([True, False, True]), a, b)


OPS = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "pow": lambda m, a, b: a**b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "where": _where,
    "where_reversed": lambda m, a, b: _where(m, b, a),
    "clamp": lambda m, a, b: m.clamp(a, min=b),
    "eq": lambda m, a, b: a == b,
    "lt": lambda m, a, b: a < b,
    "ge": lambda m, a, b: a >= b,
    "bitwise_and": lambda m, a, b: a & b,
}
REFLECTED = {
    "radd": lambda s, t: s + t,
    "rsub": lambda s, t: s - t,
    "rmul": lambda s, t: s * t,
    "rdiv": lambda s, t: s / t,
    "rpow": lambda s, t: s**t,
}


def _name(dtype):
    return str(dtype).split(".")[1]


def _mismatch(fn, gv_args, torch_args):
    """None when ``fn`` agrees on both (or PyTorch refuses the combination), else what differs."""
    try:
        expected = fn(*torch_args)
    except (RuntimeError, TypeError):
        return None
    try:
        out = fn(*gv_args)
    except Exception as exc:  # noqa: BLE001 - reported with the combination that raised it
        return f"raised {exc!r}, PyTorch gives {_name(expected.dtype)}"
    if _name(out.dtype) != _name(expected.dtype):
        return f"dtype {_name(out.dtype)}, PyTorch {_name(expected.dtype)}"
    tol = 1e-3 if expected.dtype == torch.float16 else 1e-6
    got, want = out.numpy().astype(np.float64), expected.numpy().astype(np.float64)
    if got.shape != want.shape or not np.allclose(got, want, rtol=tol, atol=0, equal_nan=True):
        return f"values {got.tolist()}, PyTorch {want.tolist()}"
    return None


def _report(failures, compared):
    assert compared > 0, "PyTorch refused every combination: the test compared nothing"
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("left", [label for label, _, _ in _operands()[: 2 * len(DTYPES)]])
def test_binary_ops_promote_like_pytorch(op, left):
    operands = _operands()
    _, a_gv, a_torch = next(o for o in operands if o[0] == left)
    fn = OPS[op]
    failures, compared = [], 0
    for label, b_gv, b_torch in operands:
        problem = _mismatch(fn, (gv, a_gv, b_gv), (torch, a_torch, b_torch))
        compared += 1
        if problem:
            failures.append(f"{left} {op} {label}: {problem}")
    _report(failures, compared)


@pytest.mark.parametrize("op", REFLECTED)
@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
def test_reflected_forms_promote_like_pytorch(op, scalar):
    fn = REFLECTED[op]
    failures = []
    for d in DTYPES:
        for zero_dim in (False, True):
            t_gv, t_torch = _tensors(d, zero_dim)
            problem = _mismatch(fn, (scalar, t_gv), (scalar, t_torch))
            if problem:
                failures.append(f"{scalar!r} {op} {_label(d, zero_dim)}: {problem}")
    _report(failures, len(DTYPES) * 2)


def test_cat_and_stack_promote_like_pytorch():
    for d1 in DTYPES:
        for d2 in DTYPES:
            (a_gv, a_t), (b_gv, b_t) = _tensors(d1, False), _tensors(d2, False)
            for join in ("cat", "stack"):
                fn = lambda m, a, b, join=join: getattr(m, join)([a, b])
                assert _mismatch(fn, (gv, a_gv, b_gv), (torch, a_t, b_t)) is None, (join, d1, d2)


FLOAT_ONLY = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "erf"]


@pytest.mark.parametrize("name", FLOAT_ONLY)
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64", "float16", "float64"])
def test_float_only_unary_ops_give_the_default_dtype_for_integers(name, dtype):
    t_gv, t_torch = _tensors(dtype, False)
    assert _mismatch(lambda t: getattr(t, name)(), (t_gv,), (t_torch,)) is None


def test_float_scalars_follow_the_default_dtype():
    try:
        gv.set_default_dtype(gv.float64)
        assert (gv.arange(3) * 0.5).dtype == gv.float64
        assert (gv.tensor([1, 2]) / 2).dtype == gv.float64
        assert gv.tensor([1]).exp().dtype == gv.float64
        assert (gv.ones(2, dtype=gv.float32) * 0.5).dtype == gv.float32
    finally:
        gv.set_default_dtype(gv.float32)


def test_reported_defects():
    assert (gv.arange(5) * 0.1).dtype == gv.float32
    assert ((gv.randn(2, 4) / np.sqrt(4)) @ gv.randn(4, 3)).dtype == gv.float32
    assert gv.tensor([True]).tanh().dtype == gv.float32
    assert gv.tensor([1, 2]).clamp(0.5, 2.5).dtype == gv.float32
    assert gv.where(gv.tensor([True, False]), 1, 0.5).dtype == gv.float32


def test_a_float64_zero_dim_tensor_gets_its_gradient_in_float64():
    s_gv = gv.tensor(1.5, dtype=gv.float64, requires_grad=True)
    v_gv = gv.tensor([0.1, 0.2, 0.3], requires_grad=True)
    s_t = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    v_t = torch.tensor([0.1, 0.2, 0.3], requires_grad=True)
    out_gv, out_t = s_gv * v_gv, s_t * v_t
    assert out_gv.dtype == gv.float32
    out_gv.sum().backward()
    out_t.sum().backward()
    assert s_gv.grad.dtype == gv.float64 and v_gv.grad.dtype == gv.float32
    np.testing.assert_allclose(s_gv.grad.numpy(), s_t.grad.numpy(), rtol=1e-7)
    np.testing.assert_allclose(v_gv.grad.numpy(), v_t.grad.numpy(), rtol=1e-7)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, s, v: s + v * v,
        lambda m, s, v: v / s - s**v,
        lambda m, s, v: m.where(v > 0.15, s, v),
        lambda m, s, v: m.maximum(v, s),
    ],
)
def test_gradients_through_casts_match_pytorch(fn):
    s_gv = gv.tensor(1.5, dtype=gv.float64, requires_grad=True)
    v_gv = gv.tensor([0.1, 0.2, 0.3], requires_grad=True)
    s_t = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    v_t = torch.tensor([0.1, 0.2, 0.3], requires_grad=True)
    out_gv, out_t = fn(gv, s_gv, v_gv), fn(torch, s_t, v_t)
    assert _name(out_gv.dtype) == _name(out_t.dtype)
    (out_gv * gv.tensor([1.0, -2.0, 3.0])).sum().backward()
    (out_t * torch.tensor([1.0, -2.0, 3.0])).sum().backward()
    for g, t in ((s_gv, s_t), (v_gv, v_t)):
        assert _name(g.grad.dtype) == _name(t.grad.dtype)
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_an_integer_operand_passes_the_gradient_to_the_float_one():
    w = gv.tensor([0.5, -1.0], requires_grad=True)
    (w * gv.tensor([3, 4]) + gv.tensor([True, False])).sum().backward()
    assert w.grad.dtype == gv.float32 and w.grad.tolist() == [3.0, 4.0]


def test_a_complex_scalar_is_a_clear_error():
    with pytest.raises(TypeError, match="complex"):
        gv.ones(2) * (1 + 2j)


@pytest.mark.parametrize("first", DTYPES)
@pytest.mark.parametrize("second", DTYPES)
def test_promote_types_matches_pytorch(first, second):
    expected = torch.promote_types(getattr(torch, first), getattr(torch, second))
    assert _name(gv.promote_types(getattr(gv, first), getattr(gv, second))) == _name(expected)


@pytest.mark.parametrize("label, gv_operand, torch_operand", _operands(), ids=lambda v: str(v))
def test_result_type_matches_pytorch(label, gv_operand, torch_operand):
    for other_gv, other_torch in (_tensors("int32", False), _tensors("float16", True)):
        expected = torch.result_type(torch_operand, other_torch)
        assert _name(gv.result_type(gv_operand, other_gv)) == _name(expected), label

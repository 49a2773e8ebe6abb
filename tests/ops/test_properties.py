"""Property tests: broadcasting binary ops and reductions over random shapes and dim subsets."""

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import gradviz as gv
from tests.oracle import check, host

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NUMPY_BINARY = {"add": np.add, "mul": np.multiply}


def _values(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


@FAST
@given(
    name=st.sampled_from(sorted(NUMPY_BINARY)),
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    seed=st.integers(0, 2**16),
)
def test_broadcast_binary_ops_match_numpy_and_pytorch(name, shapes, seed, device):
    a, b = (_values(seed + i, s) for i, s in enumerate(shapes.input_shapes))
    fn = lambda x, y: getattr(x, name)(y)
    out = check(fn, fn, a, b, device=device, gradcheck=False)[0]
    assert tuple(out.shape) == shapes.result_shape
    np.testing.assert_allclose(host(out), NUMPY_BINARY[name](a, b))
    x, y = (gv.tensor(v, device=device, requires_grad=True) for v in (a, b))
    fn(x, y).sum().backward()
    assert tuple(x.grad.shape) == a.shape and tuple(y.grad.shape) == b.shape


@st.composite
def shapes_and_dims(draw):
    shape = draw(array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4))
    ndim = len(shape)
    dims = draw(st.lists(st.integers(0, max(ndim - 1, 0)), unique=True, max_size=ndim))
    negative = draw(st.lists(st.booleans(), min_size=len(dims), max_size=len(dims)))
    return shape, tuple(d - ndim if flip else d for d, flip in zip(dims, negative))


NUMPY_REDUCTIONS = {"sum": np.sum, "mean": np.mean, "amax": np.amax}


@FAST
@given(
    name=st.sampled_from(sorted(NUMPY_REDUCTIONS)),
    case=shapes_and_dims(),
    keepdim=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_reductions_over_dim_subsets_match_numpy_and_pytorch(name, case, keepdim, seed, device):
    shape, dims = case
    x = _values(seed, shape)
    fn = lambda t: getattr(t, name)(dims, keepdim=keepdim)
    out = check(fn, fn, x, device=device, gradcheck=False)[0]
    expected = NUMPY_REDUCTIONS[name](x, axis=dims or None, keepdims=keepdim)  # () means every dim
    np.testing.assert_allclose(host(out), expected, rtol=1e-12, atol=1e-12)


@FAST
@given(case=shapes_and_dims(), seed=st.integers(0, 2**16))
def test_partial_sums_add_up_to_the_total(case, seed, device):
    shape, dims = case
    x = gv.tensor(_values(seed, shape), device=device)
    np.testing.assert_allclose(host(x.sum(dims).sum()), host(x.sum()), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(host(x.sum()), torch.tensor(_values(seed, shape)).sum().item(), rtol=1e-12)

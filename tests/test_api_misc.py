"""Top-level helpers PyTorch has: dtype limits, tensor predicates, seeds, inference_mode, print options,
and random sampling (normal, bernoulli, multinomial)."""

import numpy as np
import pytest
import torch

import gradviz as gv
from tests.oracle import host

FLOATS = ["float16", "float32", "float64"]
INTS = ["int8", "int16", "int32", "int64", "uint8"]


@pytest.fixture(autouse=True)
def _default_printing():
    yield
    gv.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


# ---- dtype limits ----
@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(name):
    mine, theirs = gv.finfo(getattr(gv, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(mine, field) == getattr(theirs, field), field


def test_finfo_defaults_to_the_default_dtype():
    assert gv.finfo().dtype == "float32"
    gv.set_default_dtype(gv.float64)
    try:
        assert gv.finfo().eps == torch.finfo(torch.float64).eps
    finally:
        gv.set_default_dtype(gv.float32)
    assert repr(gv.finfo()) == repr(torch.finfo())


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(name):
    mine, theirs = gv.iinfo(getattr(gv, name)), torch.iinfo(getattr(torch, name))
    for field in ("bits", "max", "min", "dtype"):
        assert getattr(mine, field) == getattr(theirs, field), field
    assert repr(mine) == repr(theirs)


def test_finfo_and_iinfo_refuse_the_other_kind():
    with pytest.raises(TypeError, match="iinfo"):
        gv.finfo(gv.int32)
    with pytest.raises(TypeError, match="finfo"):
        gv.iinfo(gv.float32)
    with pytest.raises(TypeError):
        gv.iinfo(gv.bool)


# ---- predicates ----
def test_is_tensor_numel_is_floating_point():
    assert gv.is_tensor(gv.ones(2)) and gv.is_tensor(gv.nn.Parameter(gv.ones(1)))
    assert not gv.is_tensor(np.ones(2)) and not gv.is_tensor(3)
    assert gv.numel(gv.ones(2, 3, 4)) == torch.numel(torch.ones(2, 3, 4)) == 24
    assert gv.numel(gv.tensor(1.0)) == 1
    assert gv.is_floating_point(gv.ones(1, dtype=gv.float16))
    assert not gv.is_floating_point(gv.ones(1, dtype=gv.int64))
    with pytest.raises(TypeError, match="must be a Tensor"):
        gv.numel([1, 2])
    with pytest.raises(TypeError, match="must be a Tensor"):
        gv.is_floating_point(1.0)


# ---- seeds ----
def test_initial_seed_and_seed():
    gv.manual_seed(123)
    assert gv.initial_seed() == 123
    first = gv.rand(3)
    drawn = gv.seed()
    assert isinstance(drawn, int) and 0 <= drawn < 2**64 and gv.initial_seed() == drawn
    assert gv.seed() != drawn  # non-deterministic
    gv.manual_seed(123)
    np.testing.assert_array_equal(host(gv.rand(3)), host(first))
    g = gv.Generator(device="cpu")  # torch.Generator's argument
    assert isinstance(g.initial_seed(), int) and isinstance(gv.Generator("cpu").initial_seed(), int)
    assert g.manual_seed(5) is g and g.initial_seed() == 5


# ---- inference_mode ----
def test_inference_mode_disables_recording():
    w = gv.ones(2, requires_grad=True)
    with gv.inference_mode():
        assert not gv.is_grad_enabled() and gv.is_inference_mode_enabled()
        out = w * 2
        with gv.inference_mode(False):
            assert gv.is_grad_enabled() and not gv.is_inference_mode_enabled()
    assert not out.requires_grad and out.grad_fn is None
    assert gv.is_grad_enabled() and not gv.is_inference_mode_enabled()
    with torch.no_grad(), torch.inference_mode(mode=False):
        torch_records = torch.is_grad_enabled()
    with gv.no_grad(), gv.inference_mode(mode=False):  # as in PyTorch, mode=False records again
        assert gv.is_grad_enabled() is torch_records is True
        assert (w * 2).requires_grad


def test_inference_mode_as_decorator():
    @gv.inference_mode
    def bare():
        return gv.is_grad_enabled()

    @gv.inference_mode()
    def called():
        return gv.is_grad_enabled()

    @gv.inference_mode(False)
    def off():
        return gv.is_grad_enabled()

    assert bare() is False and called() is False
    with gv.no_grad():
        assert off() is True
    assert gv.is_grad_enabled()


# ---- printing ----
PRINTED = [
    lambda m: m.tensor([1.0, 2.5, 3.14159]),
    lambda m: m.tensor([1e-5, 1.0, 1000.0]),
    lambda m: m.arange(30.0).reshape(5, 6) / 7,
    lambda m: m.arange(2000.0).reshape(40, 50),
    lambda m: m.arange(3000).reshape(10, 300),
    lambda m: m.tensor([True, False]),
    lambda m: m.tensor([float("nan"), float("inf"), -1.0]),
    lambda m: m.zeros(2, 0),
    lambda m: m.ones(3, dtype=m.float64) / 3,
    lambda m: m.tensor(3.5),
    lambda m: m.ones(2, requires_grad=True),
]
OPTIONS = [
    {},
    {"precision": 2},
    {"threshold": 5},
    {"threshold": 10, "edgeitems": 1},
    {"linewidth": 40},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short"},
    {"profile": "full"},
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("make", range(len(PRINTED)))
def test_prints_as_torch_does(options, make):
    gv.set_printoptions(**options)
    torch.set_printoptions(**options)
    mine = repr(PRINTED[make](gv))
    theirs = repr(PRINTED[make](torch)).replace("torch.", "gradviz.")
    assert mine == theirs


def test_precision_and_summary():
    x = gv.tensor([1.12345, 2.0])
    assert repr(x) == "tensor([1.1235, 2.0000])"
    gv.set_printoptions(precision=2)
    assert repr(x) == "tensor([1.12, 2.00])"
    gv.set_printoptions(threshold=5)
    assert repr(gv.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    gv.set_printoptions(profile="default")
    assert repr(gv.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"
    assert "..." in repr(gv.arange(1001)) and "..." not in repr(gv.arange(1000))
    gv.set_printoptions(profile="full")
    assert "..." not in repr(gv.arange(1001))
    assert gv.get_printoptions()["threshold"] == float("inf")


def test_prints_device_and_dtype(device):
    x = gv.ones(2, dtype=gv.float64, device=device)
    assert repr(x).startswith("tensor([1., 1.]") and "dtype=gradviz.float64" in repr(x)
    assert ("device='sim'" in repr(x)) == (device == "sim")
    with pytest.raises(ValueError, match="profile"):
        gv.set_printoptions(profile="long")


# ---- normal ----
def test_normal_numbers_with_size(device):
    gv.manual_seed(3)
    x = gv.normal(2.0, 3.0, (200, 100), device=device)
    assert x.shape == (200, 100) and x.dtype == gv.float32 and x.device == gv.device(device)
    values = host(x)
    assert abs(values.mean() - 2.0) < 0.1 and abs(values.std() - 3.0) < 0.1
    gv.manual_seed(3)
    np.testing.assert_array_equal(host(gv.normal(2.0, 3.0, size=(200, 100), device=device)), values)
    y = gv.normal(0, 1, (2,), dtype=gv.float64, requires_grad=True)
    assert y.dtype == gv.float64 and y.requires_grad and y.is_leaf


def test_normal_tensor_parameters_broadcast(device):
    mean = gv.tensor([[-10.0], [10.0]], device=device)
    std = gv.tensor([0.1, 1.0, 5.0] * 1000, device=device)
    x = gv.normal(mean, std)
    assert x.shape == (2, 3000) and x.device == gv.device(device)
    values = host(x)
    assert np.allclose(values.mean(axis=1), [-10.0, 10.0], atol=0.3)
    assert np.allclose(values[:, 2::3].std(axis=1), 5.0, rtol=0.1)
    assert np.allclose(values[:, 0::3].std(axis=1), 0.1, rtol=0.1)
    assert gv.normal(gv.zeros(3, dtype=gv.float64, device=device), 1.0).dtype == gv.float64
    assert gv.normal(0.0, gv.ones(4, device=device)).shape == (4,)


def test_normal_generator_and_zero_gradient():
    first = gv.normal(gv.zeros(5), 1.0, generator=gv.Generator(9))
    np.testing.assert_array_equal(host(gv.normal(gv.zeros(5), 1.0, generator=gv.Generator(9))), host(first))
    assert not np.array_equal(host(gv.normal(gv.zeros(5), 1.0, generator=gv.Generator(10))), host(first))
    mean = gv.zeros(3, requires_grad=True)
    std = gv.ones(1, requires_grad=True)
    out = gv.normal(mean, std)
    assert out.grad_fn is not None  # as torch's NormalBackward: a sample's gradient is zero
    out.sum().backward()
    np.testing.assert_array_equal(host(mean.grad), np.zeros(3))
    np.testing.assert_array_equal(host(std.grad), np.zeros(1))


def test_normal_errors():
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        gv.normal(0.0, -1.0, (2,))
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        gv.normal(gv.zeros(3), -1.0)
    with pytest.raises(RuntimeError, match="all elements of std"):
        gv.normal(gv.zeros(3), -gv.ones(3))
    with pytest.raises(TypeError, match="size"):
        gv.normal(2.0, 3.0)
    with pytest.raises(TypeError, match="size"):
        gv.normal(gv.zeros(3), 1.0, size=(3,))
    with pytest.raises(RuntimeError, match="broadcast"):
        gv.normal(gv.zeros(2), gv.ones(3))
    with pytest.raises(TypeError, match="floating point"):
        gv.normal(gv.zeros(3, dtype=gv.int64), 1.0)
    with pytest.raises(TypeError, match="generator"):
        gv.normal(0.0, 1.0, (2,), generator=np.random.default_rng(0))


# ---- bernoulli ----
def test_bernoulli_from_the_tensor(device):
    p = gv.tensor([0.0, 0.1, 0.5, 0.9, 1.0], device=device).expand(20000, 5)
    gv.manual_seed(1)
    x = gv.bernoulli(p)
    assert x.shape == (20000, 5) and x.dtype == gv.float32 and x.device == gv.device(device)
    values = host(x)
    assert set(np.unique(values)) <= {0.0, 1.0}
    np.testing.assert_allclose(values.mean(axis=0), [0.0, 0.1, 0.5, 0.9, 1.0], atol=0.02)
    assert values[:, 0].max() == 0 and values[:, 4].min() == 1
    gv.manual_seed(1)
    np.testing.assert_array_equal(host(p.bernoulli()), values)
    q = gv.full((3,), 0.5, device=device, requires_grad=True)
    gv.bernoulli(q).sum().backward()  # as torch's BernoulliBackward: a sample's gradient is zero
    np.testing.assert_array_equal(host(q.grad), np.zeros(3))


def test_bernoulli_with_p_and_in_place(device):
    template = gv.zeros(100000, dtype=gv.float64, device=device)
    x = gv.bernoulli(template, 0.3)
    assert x.dtype == gv.float64 and x.device == gv.device(device)
    assert abs(host(x).mean() - 0.3) < 0.01
    assert abs(host(template.bernoulli(p=0.7)).mean() - 0.7) < 0.01
    y = gv.zeros(100000, dtype=gv.int64, device=device)
    assert y.bernoulli_(0.25) is y and y.dtype == gv.int64
    assert abs(host(y).mean() - 0.25) < 0.01
    z = gv.zeros(50000, 2, device=device)
    z.bernoulli_(gv.tensor([0.2, 0.8], device=device))
    np.testing.assert_allclose(host(z).mean(axis=0), [0.2, 0.8], atol=0.015)
    assert abs(host(gv.zeros(100000, device=device).bernoulli_()).mean() - 0.5) < 0.01
    a = gv.zeros(8).bernoulli_(0.5, generator=gv.Generator(4))
    np.testing.assert_array_equal(host(gv.zeros(8).bernoulli_(0.5, generator=gv.Generator(4))), host(a))


def test_bernoulli_errors():
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        gv.bernoulli(gv.tensor([0.5, 1.5]))
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        gv.bernoulli(gv.tensor([float("nan")]))
    with pytest.raises(RuntimeError, match=r"p=2"):
        gv.ones(3).bernoulli_(2.0)
    with pytest.raises(RuntimeError, match="broadcast"):
        gv.ones(3).bernoulli_(gv.zeros(2))
    with pytest.raises(TypeError, match="floating point"):
        gv.bernoulli(gv.ones(3, dtype=gv.int64))
    with pytest.raises(RuntimeError, match="requires grad"):
        gv.ones(3, requires_grad=True).bernoulli_(0.5)


# ---- multinomial ----
def test_multinomial_with_replacement_frequencies(device):
    weights = gv.tensor([[1.0, 2.0, 0.0, 7.0], [0.0, 0.0, 5.0, 5.0]], device=device)  # unnormalised
    gv.manual_seed(2)
    samples = gv.multinomial(weights, 20000, replacement=True)
    assert samples.shape == (2, 20000) and samples.dtype == gv.int64 and samples.device == gv.device(device)
    counts = np.stack([np.bincount(row, minlength=4) for row in host(samples)]) / 20000
    np.testing.assert_allclose(counts, [[0.1, 0.2, 0.0, 0.7], [0.0, 0.0, 0.5, 0.5]], atol=0.015)
    assert counts[0, 2] == 0 and counts[1, :2].sum() == 0  # zero weight: never drawn
    gv.manual_seed(2)
    np.testing.assert_array_equal(host(weights.multinomial(20000, replacement=True)), host(samples))


def test_multinomial_one_token_per_step(device):
    """A language model's next-token sampling: one index from a 1-D softmax, many times."""
    probs = gv.tensor([0.05, 0.6, 0.05, 0.3], device=device)
    drawn = [int(gv.multinomial(probs, 1).item()) for _ in range(4000)]
    assert gv.multinomial(probs, 1).shape == (1,)
    np.testing.assert_allclose(np.bincount(drawn, minlength=4) / 4000, [0.05, 0.6, 0.05, 0.3], atol=0.03)


def test_multinomial_without_replacement(device):
    weights = gv.tensor([10.0, 1.0, 1.0, 1.0, 0.0], device=device).expand(3000, 5)
    samples = host(gv.multinomial(weights, 4))
    assert samples.shape == (3000, 4)
    assert all(len(set(row)) == 4 for row in samples.tolist())  # no repeats within a row
    assert not (samples == 4).any()  # the zero weight waits until the others are exhausted
    first = np.bincount(samples[:, 0], minlength=5) / 3000
    np.testing.assert_allclose(first, [10 / 13, 1 / 13, 1 / 13, 1 / 13, 0], atol=0.03)
    every = host(gv.multinomial(gv.tensor([0.0, 0.8], device=device), 2))
    assert sorted(every.tolist()) == [0, 1]
    a = gv.multinomial(gv.ones(10), 5, generator=gv.Generator(3))
    np.testing.assert_array_equal(host(gv.multinomial(gv.ones(10), 5, generator=gv.Generator(3))), host(a))


@pytest.mark.parametrize(
    ("probs", "num_samples", "replacement", "message"),
    [
        ([0.2, 0.8], 3, False, "without replacement"),
        ([-1.0, 0.8], 1, True, "element < 0"),
        ([float("inf"), 0.8], 1, True, "inf"),
        ([float("nan"), 0.8], 1, False, "nan"),
        ([0.0, 0.0], 1, True, r"sum of probabilities <= 0"),
        ([[1.0, 0.0], [0.0, 0.0]], 1, True, r"sum of probabilities <= 0"),
        ([1.0, 1.0], 0, True, "n_sample <= 0"),
        ([[[1.0]]], 1, True, "1 or 2 dim"),
    ],
)
def test_multinomial_errors_as_torch(probs, num_samples, replacement, message):
    with pytest.raises(RuntimeError, match=message):
        gv.multinomial(gv.tensor(probs), num_samples, replacement)
    with pytest.raises(RuntimeError, match=message):
        torch.multinomial(torch.tensor(probs), num_samples, replacement)


def test_multinomial_type_errors():
    with pytest.raises(TypeError, match="floating-point"):
        gv.multinomial(gv.tensor([1, 2]), 1)
    with pytest.raises(TypeError, match="num_samples"):
        gv.multinomial(gv.ones(3), 2.0)

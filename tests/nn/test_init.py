"""nn.init against PyTorch's formulas (gains, fans) and, statistically, its distributions; layers'
default initialisation against PyTorch's layers."""

import math

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.nn import init, layers
from gradviz.nn.parameter import Parameter
from tests.oracle import check_refused_like_torch, host

SHAPES = [(30, 20), (16, 8, 3, 3), (5, 7, 2), (40, 1)]
NONLINEARITIES = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None)]
NONLINEARITIES += [("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None)]


@pytest.mark.parametrize(("nonlinearity", "param"), NONLINEARITIES)
def test_calculate_gain_matches_pytorch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity softsign"):
        init.calculate_gain("softsign")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_match_pytorch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(gv.zeros(shape)) == expected


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(gv.zeros(5))


def _sample(shape=(300, 200), device="cpu"):
    return Parameter(gv.zeros(shape, device=device))


def _assert_uniform(tensor, low, high):
    values = host(tensor)
    assert values.min() >= low and values.max() < high
    assert values.min() < low + 0.01 * (high - low) and values.max() > high - 0.01 * (high - low)
    np.testing.assert_allclose(values.std(), (high - low) / math.sqrt(12), rtol=0.02)


def _assert_normal(tensor, mean, std):
    values = host(tensor)
    assert abs(values.mean() - mean) < 4 * std / math.sqrt(values.size)
    np.testing.assert_allclose(values.std(), std, rtol=0.02)


def test_uniform_and_normal_fill_in_place_on_any_device(device):
    weight = _sample(device=device)
    assert init.uniform_(weight, -2.0, 3.0) is weight
    assert weight.device == gv.device(device) and weight.requires_grad and weight.grad_fn is None
    _assert_uniform(weight, -2.0, 3.0)
    assert init.normal_(weight, 1.5, 0.5) is weight
    _assert_normal(weight, 1.5, 0.5)


def test_constants():
    weight = _sample((3, 4))
    np.testing.assert_array_equal(host(init.constant_(weight, 0.25)), np.full((3, 4), 0.25))
    np.testing.assert_array_equal(host(init.ones_(weight)), np.ones((3, 4)))
    np.testing.assert_array_equal(host(init.zeros_(weight)), np.zeros((3, 4)))


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier(gain):
    weight = _sample()
    std = gain * math.sqrt(2 / (300 + 200))
    bound = math.sqrt(3) * std
    _assert_uniform(init.xavier_uniform_(weight, gain=gain), -bound, bound)
    _assert_normal(init.xavier_normal_(weight, gain=gain), 0.0, std)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "FAN_OUT"])
@pytest.mark.parametrize(
    ("a", "nonlinearity"), [(0, "leaky_relu"), (math.sqrt(5), "leaky_relu"), (0, "relu")]
)
def test_kaiming(mode, a, nonlinearity):
    weight = _sample((60, 40, 3, 3))
    fan = 40 * 9 if mode == "fan_in" else 60 * 9
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3) * std
    _assert_uniform(init.kaiming_uniform_(weight, a=a, mode=mode, nonlinearity=nonlinearity), -bound, bound)
    _assert_normal(init.kaiming_normal_(weight, a=a, mode=mode, nonlinearity=nonlinearity), 0.0, std)


def test_kaiming_errors_and_zero_element_tensors():
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(_sample((3, 4)), mode="fan_avg")
    empty = gv.zeros(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert init.kaiming_normal_(empty) is empty


@pytest.mark.parametrize("shape", [(6, 10), (10, 6), (4, 3, 2, 2)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal(shape, gain, device):
    weight = Parameter(gv.zeros(shape, device=device))
    assert init.orthogonal_(weight, gain=gain) is weight
    matrix = host(weight).reshape(shape[0], -1)
    small = min(matrix.shape)
    gram = matrix @ matrix.T if matrix.shape[0] == small else matrix.T @ matrix
    np.testing.assert_allclose(gram, gain**2 * np.eye(small), atol=1e-5)


def test_orthogonal_needs_two_dims():
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(gv.zeros(4))


@pytest.mark.parametrize(
    "fill",
    [
        lambda t, g: init.uniform_(t, generator=g),
        lambda t, g: init.normal_(t, generator=g),
        lambda t, g: init.xavier_normal_(t, generator=g),
        lambda t, g: init.kaiming_uniform_(t, generator=g),
        lambda t, g: init.orthogonal_(t, generator=g),
    ],
)
def test_generator_gives_reproducible_values(fill):
    first = host(fill(gv.zeros(5, 4), gv.Generator(7))).copy()
    np.testing.assert_array_equal(host(fill(gv.zeros(5, 4), gv.Generator(7))), first)
    assert not np.array_equal(host(fill(gv.zeros(5, 4), gv.Generator(8))), first)


def test_global_seed_gives_reproducible_layers():
    gv.manual_seed(11)
    first = host(layers.Linear(5, 3).weight).copy()
    gv.manual_seed(11)
    np.testing.assert_array_equal(host(layers.Linear(5, 3).weight), first)


@pytest.mark.parametrize(
    ("name", "args", "fan_in"),
    [("Linear", (400, 300), 400), ("Conv2d", (16, 64, 3), 16 * 9), ("Conv2d", (8, 400, (5, 1)), 8 * 5)],
)
def test_linear_and_conv_default_init_matches_pytorch(name, args, fan_in):
    torch.manual_seed(0)
    ours = getattr(layers, name)(*args)
    theirs = getattr(torch.nn, name)(*args)
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=√5): gain √(2/6), so √3·gain/√fan_in = 1/√fan_in
    _assert_uniform(ours.weight, -bound, bound)
    np.testing.assert_allclose(host(ours.weight).std(), theirs.weight.detach().std().item(), rtol=0.04)
    assert np.abs(host(ours.bias)).max() < bound


def test_embedding_and_norm_default_init():
    _assert_normal(layers.Embedding(400, 300).weight, 0.0, 1.0)
    for norm in (layers.BatchNorm2d(5), layers.LayerNorm((2, 3))):
        assert (host(norm.weight) == 1).all() and (host(norm.bias) == 0).all()
    bn = layers.BatchNorm1d(4)
    assert (host(bn.running_mean) == 0).all() and (host(bn.running_var) == 1).all()
    assert bn.num_batches_tracked.item() == 0


def test_reset_parameters_redraws_and_reset_running_stats_clears():
    linear = layers.Linear(4, 3)
    before = host(linear.weight).copy()
    linear.reset_parameters()
    assert not np.array_equal(host(linear.weight), before)
    bn = layers.BatchNorm1d(2)
    bn(gv.randn(6, 2) + 3)
    bn.reset_running_stats()
    assert (host(bn.running_mean) == 0).all() and bn.num_batches_tracked.item() == 0


def test_an_empty_range_or_a_negative_std_is_refused_like_pytorch():
    """PyTorch raises RuntimeError; gradviz passed numpy's ValueError ('high - low < 0', 'scale < 0')."""
    for library, zeros in ((torch.nn, torch.zeros), (gv.nn, gv.zeros)):
        with pytest.raises(RuntimeError, match=r"from=1(\.0)? > to=0"):
            library.init.uniform_(zeros(3), 1.0, 0.0)
        with pytest.raises(RuntimeError, match="std"):
            library.init.normal_(zeros(3), 0.0, -1.0)


# ---- eye_, dirac_, trunc_normal_, sparse_ ----
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
def test_eye_matches_pytorch(shape, device):
    weight = Parameter(gv.zeros(shape, device=device) + 7)
    assert init.eye_(weight) is weight
    assert weight.requires_grad and weight.grad_fn is None and weight.device == gv.device(device)
    np.testing.assert_array_equal(host(weight), torch.nn.init.eye_(torch.empty(shape)).numpy())


@pytest.mark.parametrize(
    ("shape", "groups"),
    [((4, 2, 3), 1), ((4, 2, 3), 2), ((2, 4, 2, 2), 1), ((6, 3, 3, 4), 3), ((6, 2, 3, 3, 3), 2)],
)
def test_dirac_matches_pytorch(shape, groups, device):
    weight = Parameter(gv.ones(shape, device=device))
    assert init.dirac_(weight, groups) is weight and weight.grad_fn is None
    np.testing.assert_array_equal(host(weight), torch.nn.init.dirac_(torch.empty(shape), groups).numpy())


def test_a_dirac_convolution_passes_its_input_through():
    conv = layers.Conv2d(3, 3, 3, padding=1, bias=False)
    init.dirac_(conv.weight)
    x = gv.randn(2, 3, 5, 5)
    np.testing.assert_allclose(host(conv(x)), host(x), atol=1e-6)


def _wrong_shapes(lib, zeros):
    init_ = lib.nn.init
    calls = {
        "eye_ of a vector": lambda: init_.eye_(zeros(3)),
        "eye_ of a 3-d tensor": lambda: init_.eye_(zeros(2, 3, 4)),
        "dirac_ of a matrix": lambda: init_.dirac_(zeros(3, 3)),
        "dirac_ of a 6-d tensor": lambda: init_.dirac_(zeros(1, 1, 1, 1, 1, 1)),
        "dirac_ with groups not dividing dim 0": lambda: init_.dirac_(zeros(4, 3, 3), groups=3),
        "sparse_ of a vector": lambda: init_.sparse_(zeros(3), 0.5),
        "sparse_ of a 3-d tensor": lambda: init_.sparse_(zeros(2, 3, 4), 0.5),
    }
    return {what: (ValueError, call) for what, call in calls.items()}


WRONG_SHAPE_MESSAGES = {
    "eye_ of a vector": r"Only tensors with 2 dimensions are supported; eye_ got a tensor of shape \(3,\)",
    "eye_ of a 3-d tensor": r"eye_ got a tensor of shape \(2, 3, 4\)",
    "dirac_ of a matrix": r"Only tensors with 3, 4, or 5 dimensions are supported; dirac_ got .* \(3, 3\)",
    "dirac_ of a 6-d tensor": r"dirac_ got a tensor of shape \(1, 1, 1, 1, 1, 1\)",
    "dirac_ with groups not dividing dim 0": "divisible by groups; dirac_ got 4 output channels for groups=3",
    "sparse_ of a vector": r"Only tensors with 2 dimensions are supported; sparse_ got .* \(3,\)",
    "sparse_ of a 3-d tensor": r"sparse_ got a tensor of shape \(2, 3, 4\)",
}


@pytest.mark.parametrize("what", list(WRONG_SHAPE_MESSAGES))
def test_wrong_shapes_are_refused_like_pytorch(what):
    check_refused_like_torch(
        _wrong_shapes(torch, torch.zeros)[what], _wrong_shapes(gv, gv.zeros)[what], WRONG_SHAPE_MESSAGES[what]
    )


def _truncated_normal_moments(mean, std, a, b):
    """Mean and standard deviation of N(mean, std²) truncated to [a, b] (the textbook formulas)."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    mass = cdf(beta) - cdf(alpha)
    shift = (pdf(alpha) - pdf(beta)) / mass
    variance = 1 + (alpha * pdf(alpha) - beta * pdf(beta)) / mass - shift**2
    return mean + std * shift, std * math.sqrt(variance)


@pytest.mark.parametrize(
    ("mean", "std", "a", "b"),
    [
        (0.0, 1.0, -2.0, 2.0),  # most of the mass inside: normal draws, redrawn where they miss
        (1.0, 0.5, 0.0, 3.0),
        (0.5, 2.0, 0.0, 1.0),  # a thin slice of a wide normal: uniform draws, accepted by the pdf
        (0.0, 1.0, 1.0, 4.0),  # the tail only
    ],
)
def test_trunc_normal_stays_in_bounds_with_the_truncated_mean_and_std(mean, std, a, b, device):
    weight = Parameter(gv.zeros(400, 500, device=device))
    assert init.trunc_normal_(weight, mean, std, a, b) is weight and weight.grad_fn is None
    values = host(weight)
    assert values.min() >= a and values.max() <= b
    expected_mean, expected_std = _truncated_normal_moments(mean, std, a, b)
    assert abs(values.mean() - expected_mean) < 5 * expected_std / math.sqrt(values.size)
    np.testing.assert_allclose(values.std(), expected_std, rtol=0.01)
    theirs = torch.nn.init.trunc_normal_(torch.empty(400, 500), mean, std, a, b)
    np.testing.assert_allclose(values.std(), theirs.std().item(), rtol=0.02)


def test_trunc_normal_warns_and_refuses_like_pytorch():
    for lib in (torch, gv):
        with pytest.warns(UserWarning, match="mean is more than 2 std from"):
            lib.nn.init.trunc_normal_(lib.zeros(10), mean=5.0)
        with pytest.raises(RuntimeError, match=r"a <= b|from=2(\.0)? > to=-2"):
            lib.nn.init.trunc_normal_(lib.zeros(10), a=2.0, b=-2.0)
        assert lib.nn.init.trunc_normal_(lib.zeros(3), a=1.0, b=1.0).tolist() == [1.0, 1.0, 1.0]
    for std in (0.0, -1.0):  # PyTorch divides by zero, or silently uses |std|
        with pytest.raises(RuntimeError, match=f"expects std > 0.0, but got std={std}"):
            init.trunc_normal_(gv.zeros(10), std=std)


@pytest.mark.parametrize("sparsity", [0.0, 0.05, 0.25, 0.3, 0.5, 1.0])
@pytest.mark.parametrize("rows", [1, 10, 7])
def test_sparse_zeros_ceil_of_sparsity_times_rows_in_every_column_like_pytorch(sparsity, rows, device):
    weight = Parameter(gv.zeros(rows, 300, device=device))
    assert init.sparse_(weight, sparsity, std=0.5) is weight and weight.grad_fn is None
    values = host(weight)
    theirs = torch.nn.init.sparse_(torch.empty(rows, 300), sparsity, std=0.5)
    assert (values == 0).sum(axis=0).tolist() == (theirs == 0).sum(dim=0).tolist()
    assert set((values == 0).sum(axis=0).tolist()) == {math.ceil(sparsity * rows)}
    if math.ceil(sparsity * rows) < rows:
        np.testing.assert_allclose(values[values != 0].std(), 0.5, rtol=0.1)
    if 0 < sparsity < 1 and rows > 1:  # the zeros sit at different rows in different columns
        assert len({tuple(np.flatnonzero(column == 0)) for column in values.T}) > 1


def test_sparse_refuses_a_sparsity_outside_zero_to_one_and_a_negative_std():
    for sparsity in (-0.25, 1.5):  # PyTorch zeroes rows - 2 of 10 rows for -0.25, and all of them for 1.5
        with pytest.raises(
            ValueError, match=f"fraction of each column set to zero, from 0 to 1; got {sparsity}"
        ):
            init.sparse_(gv.zeros(10, 4), sparsity)
    for lib in (torch, gv):
        with pytest.raises(RuntimeError, match="std"):
            lib.nn.init.sparse_(lib.zeros(10, 4), 0.5, std=-1.0)


@pytest.mark.parametrize(
    "fill",
    [
        lambda g: init.trunc_normal_(gv.zeros(6, 5), generator=g),
        lambda g: init.sparse_(gv.zeros(6, 5), 0.5, generator=g),
    ],
)
def test_trunc_normal_and_sparse_follow_the_generator_and_the_global_seed(fill):
    first = host(fill(gv.Generator(3))).copy()
    np.testing.assert_array_equal(host(fill(gv.Generator(3))), first)
    assert not np.array_equal(host(fill(gv.Generator(4))), first)
    gv.manual_seed(5)
    seeded = host(fill(None)).copy()
    gv.manual_seed(5)
    np.testing.assert_array_equal(host(fill(None)), seeded)

"""Layers against PyTorch: the same weights (copied through state_dict), float64, in train and eval mode;
outputs, input gradients, parameter gradients and buffers must agree. Also state_dict keys and reprs."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.nn import layers
from gradviz.nn.containers import Sequential
from tests.oracle import check_refused_like_torch, host

rng = np.random.default_rng(0)

# (class name, constructor args, constructor kwargs, input shape): built from torch.nn and gradviz alike
CASES = [
    ("Linear", (4, 3), {}, (5, 4)),
    ("Linear", (4, 3), {"bias": False}, (2, 5, 4)),
    ("Identity", (7,), {"unused": 1}, (3, 4)),
    ("Flatten", (), {}, (2, 3, 4, 5)),
    ("Flatten", (0, 2), {}, (2, 3, 4, 5)),
    ("Unflatten", (1, (2, 3)), {}, (4, 6, 5)),
    ("Unflatten", (-1, [2, -1, 2]), {}, (3, 2, 8)),
    ("Unflatten", (-2, (-1,)), {}, (3, 4, 2)),
    ("Conv2d", (2, 3, 3), {}, (2, 2, 7, 6)),
    ("Conv2d", (2, 3, (3, 2)), {"stride": 2, "padding": 1, "dilation": (1, 2), "bias": False}, (2, 2, 8, 9)),
    ("Conv2d", (2, 3, 4), {"padding": "same"}, (2, 2, 6, 7)),
    ("Conv2d", (2, 3, 3), {"padding": "valid"}, (1, 2, 5, 5)),
    ("Conv2d", (4, 6, 3), {"groups": 2, "padding": 1}, (2, 4, 5, 5)),
    ("Conv2d", (3, 3, 3), {"groups": 3, "bias": False, "padding_mode": "reflect", "padding": 1}, (3, 5, 4)),
    ("Conv2d", (2, 3, 3), {"padding": (1, 2), "padding_mode": "reflect"}, (2, 2, 6, 6)),
    ("Conv2d", (2, 3, 4), {"padding": "same", "padding_mode": "circular"}, (2, 2, 6, 7)),
    ("Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "replicate"}, (2, 6, 5)),
    ("MaxPool2d", (2,), {}, (2, 3, 6, 6)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "dilation": 1, "ceil_mode": True}, (2, 3, 8, 7)),
    ("MaxPool2d", ((2, 3),), {"dilation": 2}, (1, 2, 9, 9)),
    ("AvgPool2d", (3, 2, 1), {"count_include_pad": False}, (2, 3, 7, 8)),
    ("AvgPool2d", (2,), {"ceil_mode": True, "divisor_override": 3}, (2, 3, 5, 5)),
    ("AdaptiveAvgPool2d", ((3, None),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d", (2,), {}, (2, 3, 5, 5)),
    ("LayerNorm", (4,), {}, (3, 5, 4)),
    ("LayerNorm", ((3, 4),), {"elementwise_affine": False, "eps": 1e-3}, (2, 3, 4)),
    ("LayerNorm", (4,), {"bias": False}, (6, 4)),
    ("RMSNorm", (4,), {}, (3, 5, 4)),
    ("RMSNorm", ((3, 4),), {"eps": 1e-3}, (2, 3, 4)),
    ("RMSNorm", (4,), {"elementwise_affine": False}, (6, 4)),
    ("BatchNorm1d", (3,), {}, (6, 3)),
    ("BatchNorm1d", (3,), {"momentum": 0.3, "bias": False}, (4, 3, 5)),
    ("BatchNorm2d", (3,), {}, (4, 3, 5, 5)),
    ("BatchNorm2d", (3,), {"affine": False, "eps": 1e-3}, (4, 3, 2, 3)),
    ("BatchNorm2d", (3,), {"momentum": None}, (4, 3, 2, 3)),
    ("BatchNorm2d", (3,), {"track_running_stats": False}, (4, 3, 2, 3)),
    ("ReLU", (), {}, (3, 4)),
    ("LeakyReLU", (0.2,), {}, (3, 4)),
    ("GELU", (), {}, (3, 4)),
    ("GELU", (), {"approximate": "tanh"}, (3, 4)),
    ("Sigmoid", (), {}, (3, 4)),
    ("Tanh", (), {}, (3, 4)),
    ("Softmax", (), {"dim": 1}, (3, 4, 2)),
    ("LogSoftmax", (-1,), {}, (3, 4)),
    ("Dropout", (0.3,), {}, (3, 4)),
    ("Embedding", (10, 3), {"padding_idx": -2}, None),
]
# layers of two inputs: the input shapes are a tuple of shapes
TWO_INPUTS = [
    ("Bilinear", (3, 4, 2), {}, ((5, 3), (5, 4))),
    ("Bilinear", (3, 4, 2), {"bias": False}, ((2, 5, 3), (2, 5, 4))),
    ("Bilinear", (1, 2, 3), {}, ((1,), (2,))),
]
# PyTorch refuses in-place ops on leaves that require grad, so these are compared by repr only
INPLACE = [("ReLU", (True,), {}, None), ("LeakyReLU", (), {"inplace": True}, None)]


def _case_id(case):
    name, args, kwargs, _ = case
    return f"{name}-{args}-{kwargs}"


def _build(case):
    name, args, kwargs, _ = case
    return getattr(torch.nn, name)(*args, **kwargs), getattr(layers, name)(*args, **kwargs)


def _twins(case, device):
    """The torch layer and the gradviz layer holding the same float64 weights and buffers on ``device``."""
    torch_layer, gv_layer = _build(case)
    torch_layer.double()
    gv_layer.double()
    gv_layer.load_state_dict({k: gv.tensor(v.detach().numpy()) for k, v in torch_layer.state_dict().items()})
    return torch_layer, gv_layer.to(device)


def _assert_close(actual, expected, what):
    np.testing.assert_allclose(host(actual), expected.detach().numpy(), rtol=1e-9, atol=1e-11, err_msg=what)


def _assert_same_state(gv_layer, torch_layer):
    ours = gv_layer.state_dict()
    for key, value in torch_layer.state_dict().items():
        _assert_close(ours[key], value, f"state {key}")


def _step(gv_layer, torch_layer, x, device):
    """One forward and backward through both; compares outputs, input and parameter gradients, buffers.
    ``x`` is the input array, or a tuple of them for a layer of several inputs (Bilinear)."""
    xs = x if isinstance(x, tuple) else (x,)
    x_torch = [torch.tensor(a, requires_grad=True) for a in xs]
    x_gv = [gv.tensor(a, device=device, requires_grad=True) for a in xs]
    out_torch, out_gv = torch_layer(*x_torch), gv_layer(*x_gv)
    assert out_gv.device == gv.device(device)
    _assert_close(out_gv, out_torch, "output")
    upstream = rng.standard_normal(tuple(out_torch.shape))
    out_torch.backward(torch.tensor(upstream))
    out_gv.backward(gv.tensor(upstream, device=device))
    for i, (ours, theirs) in enumerate(zip(x_gv, x_torch)):
        _assert_close(ours.grad, theirs.grad, f"gradient of input {i}")
    ours = dict(gv_layer.named_parameters())
    for name, param in torch_layer.named_parameters():
        _assert_close(ours[name].grad, param.grad, f"gradient of {name}")
    _assert_same_state(gv_layer, torch_layer)


DIFFERENTIABLE = [c for c in CASES if c[0] not in ("Dropout", "Embedding")]


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=_case_id)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_layer_matches_pytorch(case, training, device):
    torch_layer, gv_layer = _twins(case, device)
    torch_layer.train(training)
    gv_layer.train(training)
    _step(gv_layer, torch_layer, rng.standard_normal(case[3]), device)


@pytest.mark.parametrize("case", TWO_INPUTS, ids=_case_id)
def test_layer_of_two_inputs_matches_pytorch(case, device):
    torch_layer, gv_layer = _twins(case, device)
    _step(gv_layer, torch_layer, tuple(rng.standard_normal(shape) for shape in case[3]), device)


@pytest.mark.parametrize("case", [c for c in CASES if c[0].startswith("BatchNorm")], ids=_case_id)
def test_batch_norm_running_stats_over_training_steps_then_eval(case, device):
    torch_layer, gv_layer = _twins(case, device)
    for _ in range(4):
        _step(gv_layer, torch_layer, 3 + 2 * rng.standard_normal(case[3]), device)
    torch_layer.eval()
    gv_layer.eval()
    _step(gv_layer, torch_layer, rng.standard_normal(case[3]), device)


def test_batch_norm_counts_batches_and_uses_cumulative_average_without_momentum():
    bn = layers.BatchNorm1d(2, momentum=None)
    batches = [gv.tensor(rng.standard_normal((5, 2)), dtype=gv.float32) for _ in range(3)]
    for batch in batches:
        bn(batch)
    assert bn.num_batches_tracked.item() == 3
    expected = np.mean([host(b).mean(0) for b in batches], axis=0)
    np.testing.assert_allclose(host(bn.running_mean), expected, rtol=1e-5)


def test_batch_norm_rejects_wrong_input_rank():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        layers.BatchNorm2d(3)(gv.ones(2, 3))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        layers.BatchNorm1d(3)(gv.ones(2, 3, 1, 1))


@pytest.mark.parametrize("case", CASES + TWO_INPUTS + INPLACE, ids=_case_id)
def test_state_dict_keys_and_repr_equal_pytorch(case):
    torch_layer, gv_layer = _build(case)
    assert list(gv_layer.state_dict()) == list(torch_layer.state_dict())
    assert [n for n, _ in gv_layer.named_buffers()] == [n for n, _ in torch_layer.named_buffers()]
    assert repr(gv_layer) == repr(torch_layer)


@pytest.mark.parametrize("case", CASES + TWO_INPUTS, ids=_case_id)
def test_parameters_have_pytorch_shapes_and_dtype(case):
    torch_layer, gv_layer = _build(case)
    for (name, ours), (_, theirs) in zip(gv_layer.named_parameters(), torch_layer.named_parameters()):
        assert tuple(ours.shape) == tuple(theirs.shape), name
        assert ours.dtype == gv.float32 and ours.requires_grad


def test_bilinear_starts_uniform_within_pytorchs_bound_from_gradviz_generator():
    """U(±1/√in1_features) for weight and bias, drawn from gradviz's generator (so a seed repeats it)."""
    gv.manual_seed(3)
    layer = layers.Bilinear(16, 5, 40)
    weight, bias = host(layer.weight), host(layer.bias)
    bound = 1 / np.sqrt(16)
    for values in (weight, bias):
        assert values.min() >= -bound and values.max() < bound and values.max() - values.min() > 1.5 * bound
    assert abs(weight.mean()) < 0.02 and abs(weight.std() - bound / np.sqrt(3)) < 0.01  # 3,200 draws
    gv.manual_seed(3)
    np.testing.assert_array_equal(host(layers.Bilinear(16, 5, 40).weight), weight)
    torch_layer = torch.nn.Bilinear(16, 5, 40)  # the same bound in PyTorch
    assert torch_layer.weight.abs().max() <= bound and torch_layer.bias.abs().max() <= bound
    twin = layers.Bilinear(2, 3, 4, device="sim", dtype=gv.float64)
    assert twin.weight.device == gv.device("sim") and twin.bias.dtype == gv.float64


def test_factory_kwargs_place_parameters_and_buffers():
    bn = layers.BatchNorm2d(3, device="sim", dtype=gv.float64)
    assert bn.weight.device == gv.device("sim") and bn.weight.dtype == gv.float64
    assert bn.running_var.dtype == gv.float64 and bn.num_batches_tracked.dtype == gv.int64
    linear = layers.Linear(2, 3, device="sim", dtype=gv.float64)
    assert linear.bias.device == gv.device("sim") and linear.weight.dtype == gv.float64


def test_layers_are_one_functional_op_in_the_graph():
    x = gv.randn(2, 3, 6, 6, requires_grad=True)
    assert layers.Conv2d(3, 4, 3)(x).grad_fn.name == "conv2d"
    assert layers.Linear(6, 2)(x).grad_fn.name == "linear"
    assert layers.MaxPool2d(2)(x).grad_fn.name == "max_pool2d"


def test_conv2d_refuses_what_it_cannot_compute():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        layers.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        layers.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        layers.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        layers.Conv2d(1, 1, 3, padding_mode="mirror")


def test_max_pool_return_indices_match_pytorch():
    x = rng.standard_normal((2, 3, 6, 6))
    out, indices = layers.MaxPool2d(2, return_indices=True)(gv.tensor(x))
    expected, expected_indices = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(host(indices), expected_indices.numpy())
    np.testing.assert_allclose(host(out), expected.numpy())


def test_dropout_is_identity_in_eval_mode(device):
    dropout = layers.Dropout(0.5).eval()
    x = gv.randn(4, 5, device=device, requires_grad=True)
    out = dropout(x)
    out.sum().backward()
    np.testing.assert_array_equal(host(out), host(x))
    np.testing.assert_array_equal(host(x.grad), np.ones((4, 5)))


def test_dropout_in_train_mode_scales_a_mask(device):
    p = 0.25
    x = gv.tensor(rng.uniform(1, 2, (200, 50)), device=device, requires_grad=True)
    out = layers.Dropout(p)(x)
    out.sum().backward()
    kept = host(out) != 0
    np.testing.assert_allclose(host(out)[kept], host(x)[kept] / (1 - p))
    np.testing.assert_allclose(host(x.grad), kept / (1 - p))
    assert abs((~kept).mean() - p) < 0.02


def test_dropout_edge_probabilities_and_errors():
    x = gv.randn(3, 4)
    np.testing.assert_array_equal(host(layers.Dropout(0.0)(x)), host(x))
    np.testing.assert_array_equal(host(layers.Dropout(1.0)(x)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        layers.Dropout(1.5)


def test_dropout_mask_follows_the_seed():
    x = gv.ones(6, 6)
    gv.manual_seed(3)
    first = host(layers.Dropout()(x))
    gv.manual_seed(3)
    np.testing.assert_array_equal(host(layers.Dropout()(x)), first)


def test_embedding_matches_pytorch_with_padding_row_frozen(device):
    case = next(c for c in CASES if c[0] == "Embedding")
    torch_layer, gv_layer = _twins(case, device)
    indices = np.array([[1, 8, 3], [8, 0, 1]])
    out_torch = torch_layer(torch.tensor(indices))
    out_gv = gv_layer(gv.tensor(indices, device=device))
    _assert_close(out_gv, out_torch, "output")
    upstream = rng.standard_normal(tuple(out_torch.shape))
    out_torch.backward(torch.tensor(upstream))
    out_gv.backward(gv.tensor(upstream, device=device))
    _assert_close(gv_layer.weight.grad, torch_layer.weight.grad, "weight gradient")
    assert gv_layer.padding_idx == 8 and not host(gv_layer.weight.grad)[8].any()


def test_embedding_initialises_padding_row_to_zero():
    embedding = layers.Embedding(20, 4, padding_idx=3)
    assert not host(embedding.weight)[3].any()
    assert host(embedding.weight)[np.arange(20) != 3].all()


def test_embedding_from_pretrained():
    table = gv.tensor(rng.standard_normal((5, 2)))
    frozen = layers.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and (frozen.num_embeddings, frozen.embedding_dim) == (5, 2)
    np.testing.assert_array_equal(host(frozen(gv.tensor([4, 0]))), host(table)[[4, 0]])
    trainable = layers.Embedding.from_pretrained(table, freeze=False, padding_idx=1)
    assert trainable.weight.requires_grad and host(trainable.weight)[1].any()
    assert repr(trainable) == "Embedding(5, 2, padding_idx=1)"


def test_embedding_errors():
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        layers.Embedding(4, 2, padding_idx=4)
    with pytest.raises(ValueError, match="max_norm not supported"):
        layers.Embedding(4, 2, max_norm=1.0)
    with pytest.raises(AssertionError, match="Shape of weight does not match"):
        layers.Embedding(4, 2, _weight=gv.ones(3, 2))


def test_inplace_flag_writes_back_only_where_nothing_records():
    x = gv.tensor([-1.0, 2.0])
    assert layers.ReLU(inplace=True)(x) is x
    np.testing.assert_array_equal(host(x), [0.0, 2.0])
    hidden = gv.tensor([-1.0, 2.0], requires_grad=True) * 1.0
    out = layers.ReLU(inplace=True)(hidden)
    np.testing.assert_array_equal(host(out), [0.0, 2.0])
    np.testing.assert_array_equal(host(hidden), [-1.0, 2.0])


def test_model_of_layers_matches_pytorch_end_to_end(device):
    def model(nn, sequential):
        return sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(4 * 4 * 4, 3),
        )

    torch_model = model(torch.nn, torch.nn.Sequential).double()
    gv_model = model(layers, Sequential).double()
    gv_model.load_state_dict({k: gv.tensor(v.detach().numpy()) for k, v in torch_model.state_dict().items()})
    gv_model.to(device)
    assert list(gv_model.state_dict()) == list(torch_model.state_dict())
    _step(gv_model, torch_model, rng.standard_normal((5, 1, 8, 8)), device)


# (layer, input dtype): PyTorch refuses each, since the input's dtype differs from the parameters'
MIXED_DTYPES = {
    "Linear float64 input": (lambda nn: nn.Linear(3, 2), "float64"),
    "Linear int64 input": (lambda nn: nn.Linear(3, 2), "int64"),
    "LayerNorm float64 input": (lambda nn: nn.LayerNorm(3), "float64"),
    "LayerNorm int64 input, no affine": (lambda nn: nn.LayerNorm(3, elementwise_affine=False), "int64"),
}


@pytest.mark.parametrize("case", list(MIXED_DTYPES))
def test_an_input_whose_dtype_differs_from_the_parameters_is_refused(case):
    """gradviz promoted instead (a float32 Linear gave float64 for a float64 or an int64 input), so a
    forgotten .float() went unnoticed; conv2d and batch_norm already refused, as PyTorch does."""
    make, dtype = MIXED_DTYPES[case]
    with pytest.raises((RuntimeError, NotImplementedError)):
        make(torch.nn)(torch.ones(2, 3, dtype=getattr(torch, dtype)))
    with pytest.raises(gv.errors.DtypeError, match="dtype|floating-point input"):
        make(gv.nn)(gv.ones(2, 3, dtype=getattr(gv, dtype)))


def test_layer_norm_keeps_a_float16_input_with_float32_parameters_in_float16():
    ours = gv.nn.LayerNorm(3)(gv.ones(2, 3, dtype=gv.float16))
    theirs = torch.nn.LayerNorm(3)(torch.ones(2, 3, dtype=torch.float16))
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1] == "float16"


def test_avg_pool_refuses_a_zero_divisor():
    """PyTorch refuses divisor_override=0; gradviz crashed with ZeroDivisionError."""
    with pytest.raises(RuntimeError, match="divisor"):
        torch.nn.AvgPool2d(2, divisor_override=0)(torch.ones(1, 1, 2, 2))
    with pytest.raises(RuntimeError, match="divisor_override must not be zero"):
        layers.AvgPool2d(2, divisor_override=0)(gv.ones(1, 1, 2, 2))


def test_every_layer_class_is_importable_from_gradviz_nn_as_from_torch_nn():
    """``gv.nn`` re-exports ``layers.__all__``; activation layers added after that list was written
    (CELU, SiLU, Softplus...) were reachable only as ``gv.nn.layers.CELU``."""
    classes = [n for n, v in vars(layers).items() if isinstance(v, type) and issubclass(v, gv.nn.Module)]
    assert len(classes) > 80
    assert [n for n in classes if not hasattr(gv.nn, n)] == []
    assert [n for n in classes if not hasattr(torch.nn, n) and n != "PositionalEncoding"] == []


def _unflatten_misuses(nn, tensor):
    """(error type in both libraries, call) for sizes and inputs that Unflatten refuses."""
    x = tensor(np.zeros((2, 10)))
    return {
        "size not a sequence": (TypeError, lambda: nn.Unflatten(1, 10)),
        "a size that is not an int": (TypeError, lambda: nn.Unflatten(1, (2, 5.0))),
        "sizes that do not multiply to the dim": (RuntimeError, lambda: nn.Unflatten(1, (3, 3))(x)),
        "two inferred sizes": (RuntimeError, lambda: nn.Unflatten(1, (-1, -1))(x)),
        "no sizes": (RuntimeError, lambda: nn.Unflatten(1, ())(x)),
        "no sizes for a dim of size 1": (RuntimeError, lambda: nn.Unflatten(1, [])(x[:, :1])),
        "no sizes, method": (RuntimeError, lambda: x.unflatten(0, ())),
        "a dim out of range": (IndexError, lambda: nn.Unflatten(2, (2, 5))(x)),
        "a negative dim out of range": (IndexError, lambda: nn.Unflatten(-3, (2, 5))(x)),
    }


UNFLATTEN_MESSAGES = {
    "size not a sequence": r"must be a tuple of ints, but found type int; e.g. Unflatten\(1, \(2, 5\)\)",
    "a size that is not an int": "found element of type float at pos 1",
    "sizes that do not multiply to the dim": r"sizes \(3, 3\) do not multiply to 10",
    "two inferred sizes": "at most one size may be -1",
    "no sizes": "unflatten: sizes must be non-empty",
    "no sizes for a dim of size 1": "unflatten: sizes must be non-empty",
    "no sizes, method": "unflatten: sizes must be non-empty",
    "a dim out of range": "dimension 2 is out of range for a tensor with 2 dimensions",
    "a negative dim out of range": "dimension -3 is out of range",
}


@pytest.mark.parametrize("what", list(UNFLATTEN_MESSAGES))
def test_unflatten_refuses_what_pytorch_refuses(what):
    check_refused_like_torch(
        _unflatten_misuses(torch.nn, torch.tensor)[what],
        _unflatten_misuses(gv.nn, gv.tensor)[what],
        UNFLATTEN_MESSAGES[what],
    )


def test_unflatten_takes_a_size_object_and_undoes_flatten():
    x = gv.randn(2, 12, 3)
    layer = gv.nn.Unflatten(1, gv.zeros(3, 4).shape)  # a gradviz Size, as torch takes a torch.Size
    assert tuple(layer(x).shape) == (2, 3, 4, 3)
    assert repr(layer) == "Unflatten(dim=1, unflattened_size=gradviz.Size([3, 4]))"
    np.testing.assert_array_equal(host(gv.nn.Flatten(1, 2)(layer(x))), host(x))

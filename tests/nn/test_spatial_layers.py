"""The convolution, pooling, normalisation and resampling layers added on top of the 2-D ones, against
PyTorch: the same weights (copied through state_dict), float64, in train and eval mode; outputs, input
and parameter gradients, buffers, state_dict keys, reprs and init."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.nn import layers
from tests.nn.test_layers import _assert_close, _build, _case_id, _step, _twins
from tests.nn.test_layers import test_layer_matches_pytorch as _layer_matches_pytorch
from tests.oracle import host

rng = np.random.default_rng(1)

CASES = [
    ("Conv1d", (2, 3, 3), {}, (2, 2, 9)),
    ("Conv1d", (2, 3, 3), {"stride": 2, "padding": 1, "dilation": 2, "bias": False}, (2, 2, 11)),
    ("Conv1d", (2, 3, 4), {"padding": "same", "padding_mode": "reflect"}, (2, 2, 7)),
    ("Conv1d", (2, 3, 3), {"padding": "valid"}, (2, 8)),
    ("Conv1d", (2, 3, 3), {"padding": 2, "padding_mode": "circular"}, (1, 2, 6)),
    ("ConvTranspose2d", (2, 3, 3), {}, (2, 2, 4, 5)),
    (
        "ConvTranspose2d",
        (2, 3, (3, 2)),
        {"stride": 2, "padding": 1, "output_padding": 1, "bias": False},
        (2, 2, 4, 4),
    ),
    ("ConvTranspose2d", (2, 3, 3), {"stride": (1, 2), "dilation": 2, "output_padding": (0, 1)}, (2, 4, 3)),
    ("ConvTranspose1d", (2, 3, 3), {}, (2, 2, 5)),
    ("ConvTranspose1d", (2, 3, 4), {"stride": 3, "padding": 1, "output_padding": 2, "dilation": 2}, (2, 6)),
    ("UpsamplingNearest2d", (), {"scale_factor": 2}, (2, 3, 3, 4)),
    ("UpsamplingBilinear2d", ((5, 6),), {}, (2, 3, 3, 4)),
    ("Conv1d", (4, 6, 3), {"groups": 2, "stride": 2}, (2, 4, 9)),
    ("ConvTranspose2d", (4, 6, 3), {"groups": 2, "stride": 2, "output_padding": 1}, (2, 4, 3, 4)),
    ("ConvTranspose1d", (6, 3, 2), {"groups": 3, "bias": False}, (6, 5)),
    ("MaxPool1d", (2,), {}, (2, 3, 8)),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "dilation": 1, "ceil_mode": True}, (2, 3, 8)),
    ("AvgPool1d", (3, 2, 1), {"count_include_pad": False}, (2, 3, 9)),
    ("AvgPool1d", (2,), {"ceil_mode": True}, (3, 7)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 7)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool2d", ((3, None),), {}, (2, 3, 7, 5)),
    ("AdaptiveMaxPool2d", (2,), {}, (3, 5, 6)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (3, 6), {"affine": False, "eps": 1e-3}, (2, 6, 2, 3)),
    ("GroupNorm", (1, 4), {"bias": False}, (2, 4)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 6)),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 4, 4)),
    ("InstanceNorm2d", (3,), {"track_running_stats": True, "momentum": 0.3}, (3, 4, 5)),
    ("Upsample", (), {"scale_factor": 2}, (2, 3, 3, 4)),
    ("Upsample", (), {"size": (5, 7), "mode": "bilinear"}, (2, 3, 3, 4)),
    ("Upsample", (), {"scale_factor": 1.5, "mode": "bilinear", "align_corners": True}, (1, 2, 4, 3)),
    ("Upsample", (), {"size": 6, "mode": "linear"}, (2, 3, 4)),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 2)),
    ("PixelUnshuffle", (2,), {}, (2, 2, 4, 6)),
    ("ZeroPad2d", (2,), {}, (2, 3, 3, 3)),
    ("ZeroPad2d", ((1, 0, 2, 1),), {}, (3, 3, 3)),
    ("ZeroPad1d", (2,), {}, (2, 3, 4)),
    ("ZeroPad1d", ((0, 3),), {}, (3, 4)),
    ("CircularPad1d", (1,), {}, (2, 3, 4)),
    ("CircularPad2d", ((1, 2, 0, 1),), {}, (1, 2, 3, 4)),
    ("ConstantPad1d", (2, 3.5), {}, (2, 3, 4)),
    ("ConstantPad2d", ((1, 2, 0, 1), -1.0), {}, (2, 3, 3, 4)),
    ("ReflectionPad1d", (2,), {}, (2, 3, 5)),
    ("ReflectionPad2d", ((1, 2, 2, 0),), {}, (2, 3, 4, 4)),
    ("ReplicationPad1d", ((1, 3),), {}, (2, 3, 4)),
    ("ReplicationPad2d", (1,), {}, (2, 3, 3, 4)),
    ("Unfold", ((2, 3),), {"padding": 1, "stride": (1, 2)}, (2, 3, 4, 5)),
    ("Fold", ((4, 5), 2), {"padding": 1}, (2, 12, 30)),
]
RANDOM = [("Dropout1d", (0.4,), {}, (2, 3, 4)), ("Dropout2d", (0.4,), {}, (2, 3, 4, 4))]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_layer_matches_pytorch(case, training, device):
    _layer_matches_pytorch(case, training, device)


@pytest.mark.parametrize("case", [c for c in CASES if "track_running_stats" in c[2]], ids=_case_id)
def test_instance_norm_running_stats_over_steps_then_eval(case, device):
    torch_layer, gv_layer = _twins(case, device)
    for _ in range(3):
        _step(gv_layer, torch_layer, 2 + 3 * rng.standard_normal(case[3]), device)
    assert gv_layer.num_batches_tracked.item() == torch_layer.num_batches_tracked.item()
    torch_layer.eval()
    gv_layer.eval()
    _step(gv_layer, torch_layer, rng.standard_normal(case[3]), device)


@pytest.mark.parametrize("case", CASES + RANDOM, ids=_case_id)
def test_state_dict_keys_repr_and_parameter_shapes_equal_pytorch(case):
    torch_layer, gv_layer = _build(case)
    assert list(gv_layer.state_dict()) == list(torch_layer.state_dict())
    assert repr(gv_layer) == repr(torch_layer)
    for (name, ours), (_, theirs) in zip(gv_layer.named_parameters(), torch_layer.named_parameters()):
        assert tuple(ours.shape) == tuple(theirs.shape), name
        assert ours.dtype == gv.float32 and ours.requires_grad


@pytest.mark.parametrize("name", ["Conv1d", "ConvTranspose1d", "ConvTranspose2d"])
def test_conv_init_bounds_as_pytorch(name):
    """kaiming_uniform_(a=√5) on the weight and U(±1/√fan_in) on the bias, fan_in from the weight's
    dim 1 (so out_channels·k·k for the transposed weight)."""
    layer = getattr(layers, name)(8, 5, 3)
    fan_in = layer.weight.shape[1] * int(np.prod(layer.weight.shape[2:]))
    bound = 1 / np.sqrt(fan_in)
    for param in (layer.weight, layer.bias):
        values = host(param)
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.5 * bound


def test_conv_transpose_output_size_picks_output_padding():
    torch_layer, gv_layer = _twins(("ConvTranspose2d", (2, 3, 3), {"stride": 2, "padding": 1}, None), "cpu")
    x = rng.standard_normal((1, 2, 4, 5))
    expected = torch_layer(torch.tensor(x), output_size=[8, 10])
    out = gv_layer(gv.tensor(x), output_size=[8, 10])
    _assert_close(out, expected, "output")
    with pytest.raises(ValueError, match="requested an output size of"):
        gv_layer(gv.tensor(x), output_size=[9, 12])
    torch_layer, gv_layer = _twins(("ConvTranspose1d", (2, 3, 3), {"stride": 3}, None), "cpu")
    x = rng.standard_normal((2, 4))
    expected = torch_layer(torch.tensor(x), output_size=[13])
    _assert_close(gv_layer(gv.tensor(x), output_size=[13]), expected, "output")


@pytest.mark.parametrize("name,shape", [("Dropout1d", (6, 50, 7)), ("Dropout2d", (6, 50, 3, 3))])
def test_channel_dropout_zeroes_whole_channels_and_scales(name, shape, device):
    layer = getattr(layers, name)(0.4)
    x = gv.ones(*shape, device=device, dtype=gv.float64, requires_grad=True)
    out = layer(x)
    values = host(out).reshape(shape[0], shape[1], -1)
    per_channel = values[..., :1]
    assert np.all(values == per_channel), "a channel is kept or dropped whole"
    assert set(np.unique(per_channel)) <= {0.0, 1 / 0.6}
    assert 0.2 < (per_channel == 0).mean() < 0.6
    out.sum().backward()
    np.testing.assert_array_equal(host(x.grad), host(out))
    layer.eval()
    np.testing.assert_array_equal(host(layer(x)), host(x))


def test_channel_dropout_refuses_wrong_rank_and_probability():
    with pytest.raises(ValueError, match="Expected 2D or 3D input"):
        layers.Dropout1d()(gv.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match="Expected 3D or 4D input"):
        layers.Dropout2d()(gv.ones(2, 3))
    with pytest.raises(ValueError, match="between 0 and 1"):
        layers.Dropout2d(1.5)


def test_dropout2d_reads_a_3d_input_as_batched_like_pytorch():
    with pytest.warns(UserWarning, match="interpreted as shape \\(N, C, L\\)"):
        out = gv.nn.functional.dropout2d(gv.ones(20, 30, 5), 0.5)
    values = host(out)
    assert np.all(values == values[..., :1])
    assert len(np.unique(values[:, :, 0])) == 2


def test_refusals_name_the_layer():
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        layers.Conv1d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        layers.ConvTranspose2d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        layers.Conv1d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        layers.ConvTranspose2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        layers.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        layers.InstanceNorm2d(3)(gv.ones(3, 4))
    with pytest.raises(ValueError, match="to match num_features"):
        layers.InstanceNorm1d(3, affine=True)(gv.ones(2, 4, 5))
    with pytest.raises(ValueError, match="tuple of 4 ints"):
        layers.ZeroPad2d((1, 2))

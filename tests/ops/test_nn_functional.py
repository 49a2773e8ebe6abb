import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import gradviz as gv
import gradviz.nn.functional as F
from gradviz.errors import ShapeError
from tests.oracle import check, check_refused_like_torch, host

rng = np.random.default_rng(0)


def _params(*shapes):
    return [gv.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]


def test_functional_namespace_has_pytorch_names():
    names = (
        "linear bilinear relu gelu sigmoid tanh softmax log_softmax leaky_relu dropout pad conv2d max_pool2d "
        "avg_pool2d "
        "adaptive_avg_pool2d layer_norm batch_norm embedding one_hot cross_entropy nll_loss mse_loss l1_loss "
        "binary_cross_entropy_with_logits scaled_dot_product_attention"
    ).split()
    assert [n for n in names if not callable(getattr(F, n, None))] == []


@pytest.mark.parametrize("input_shape", [(5, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear(input_shape, with_bias, device):
    inputs = [rng.standard_normal(input_shape), rng.standard_normal((4, 3))] + (
        [rng.standard_normal(4)] if with_bias else []
    )
    check(F.linear, TF.linear, *inputs, device=device)


def test_linear_is_one_node_and_twice_differentiable():
    x, w, b = _params((2, 2, 3), (4, 3), (4,))
    assert F.linear(x, w, b).grad_fn.name == "linear"
    assert gv.autograd.gradgradcheck(F.linear, [x, w, b])


def test_linear_shape_errors():
    with pytest.raises(RuntimeError, match=r"linear: input of shape \(2, 5\).*weight of shape \(4, 3\)"):
        F.linear(gv.ones(2, 5), gv.ones(4, 3))
    with pytest.raises(RuntimeError, match=r"linear: bias of shape \(3,\).*expected bias of shape \(4,\)"):
        F.linear(gv.ones(2, 3), gv.ones(4, 3), gv.ones(3))


@pytest.mark.parametrize("batch", [(5,), (2, 3), ()], ids=["batch", "two batch dims", "no batch"])
@pytest.mark.parametrize("with_bias", [True, False])
def test_bilinear(batch, with_bias, device):
    """Forward, the gradients of both inputs, the weight and the bias, and gradcheck, in float64."""
    inputs = [
        rng.standard_normal((*batch, 3)),
        rng.standard_normal((*batch, 4)),
        rng.standard_normal((2, 3, 4)),
    ]
    check(F.bilinear, TF.bilinear, *inputs + ([rng.standard_normal(2)] if with_bias else []), device=device)


def test_bilinear_is_twice_differentiable():
    x1, x2, w, b = _params((2, 3), (2, 4), (2, 3, 4), (2,))
    assert gv.autograd.gradgradcheck(F.bilinear, [x1, x2, w, b])


def test_bilinear_refuses_mixed_dtypes_as_pytorch():
    check_refused_like_torch(
        (
            RuntimeError,
            lambda: TF.bilinear(torch.zeros(2, 3), torch.zeros(2, 4).double(), torch.zeros(2, 3, 4)),
        ),
        (RuntimeError, lambda: F.bilinear(gv.zeros(2, 3), gv.zeros(2, 4).double(), gv.zeros(2, 3, 4))),
        r"bilinear: input1, input2, weight and bias must share one dtype, got input1 gradviz.float32, "
        "input2 gradviz.float64",
    )


def _bilinear_misuses(lib):
    """(error type in both libraries, call) for arguments bilinear refuses."""
    fn, zeros = (TF.bilinear, torch.zeros) if lib is torch else (F.bilinear, gv.zeros)
    w, b = zeros(4, 3, 5), zeros(4)
    return {
        "input1 features": (RuntimeError, lambda: fn(zeros(2, 4), zeros(2, 5), w, b)),
        "input2 features": (RuntimeError, lambda: fn(zeros(2, 3), zeros(2, 6), w, b)),
        "batch dims": (RuntimeError, lambda: fn(zeros(2, 3), zeros(3, 5), w, b)),
        "ranks": (RuntimeError, lambda: fn(zeros(2, 1, 3), zeros(2, 5), w, b)),
        "bias": (RuntimeError, lambda: fn(zeros(2, 3), zeros(2, 5), w, zeros(3))),
        "2-d weight": ((RuntimeError, IndexError), lambda: fn(zeros(2, 3), zeros(2, 5), zeros(4, 3), b)),
    }


BILINEAR_MESSAGES = {
    "input1 features": r"bilinear: input1 of shape \(2, 4\), input2 of shape \(2, 5\) and weight of shape "
    r"\(4, 3, 5\), bias of shape \(4,\) do not fit: the inputs' last dimensions must be the weight's "
    "in1_features and in2_features",
    "input2 features": r"input2 of shape \(2, 6\).*the inputs' last dimensions",
    "batch dims": r"input2 of shape \(3, 5\).*batch dimensions \(all but the last\) must be equal",
    "ranks": r"input1 of shape \(2, 1, 3\).*the same number of dimensions",
    "bias": r"bias of shape \(3,\) do not fit: bias must have shape \(4,\)",
    "2-d weight": r"weight of shape \(4, 3\).*weight must have 3 dimensions",
}


@pytest.mark.parametrize("what", BILINEAR_MESSAGES)
def test_bilinear_refuses_what_pytorch_refuses_naming_the_shapes(what):
    check_refused_like_torch(
        _bilinear_misuses(torch)[what], _bilinear_misuses(gv)[what], BILINEAR_MESSAGES[what]
    )
    with pytest.raises(ShapeError):
        _bilinear_misuses(gv)[what][1]()


@pytest.mark.parametrize(("shape", "normalized"), [((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((5, 6), 6)])
def test_layer_norm(shape, normalized, device):
    size = (normalized,) if isinstance(normalized, int) else normalized
    x, w, b = rng.standard_normal(shape), rng.standard_normal(size), rng.standard_normal(size)
    check(
        lambda *a: F.layer_norm(a[0], normalized, *a[1:]),
        lambda *a: TF.layer_norm(a[0], size, *a[1:]),
        x,
        w,
        b,
        device=device,
    )
    check(
        lambda t: F.layer_norm(t, normalized, eps=1e-2),
        lambda t: TF.layer_norm(t, size, eps=1e-2),
        x,
        device=device,
    )


def test_layer_norm_second_derivatives():
    assert gv.autograd.gradgradcheck(lambda x, w, b: F.layer_norm(x, 4, w, b), _params((2, 3, 4), (4,), (4,)))


def test_layer_norm_shape_errors():
    with pytest.raises(RuntimeError, match=r"layer_norm: normalized_shape=\[4\].*\[\*, 4\].*\[2, 3\]"):
        F.layer_norm(gv.ones(2, 3), 4)
    with pytest.raises(
        RuntimeError, match=r"layer_norm: weight has shape \(3,\) but normalized_shape is \(4,\)"
    ):
        F.layer_norm(gv.ones(2, 4), 4, gv.ones(3))


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_and_running_statistics(shape, training, device):
    x, w, b = rng.standard_normal(shape), rng.standard_normal(3), rng.standard_normal(3)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    g_stats = [gv.tensor(mean, device=device), gv.tensor(var, device=device)]
    t_stats = [torch.tensor(mean), torch.tensor(var)]
    check(
        lambda *a: F.batch_norm(a[0], *g_stats, *a[1:], training=training, momentum=0.3, eps=1e-3),
        lambda *a: TF.batch_norm(a[0], *t_stats, *a[1:], training=training, momentum=0.3, eps=1e-3),
        x,
        w,
        b,
        device=device,
        gradcheck=False,
    )
    for g, t in zip(g_stats, t_stats):
        np.testing.assert_allclose(host(g), t.numpy(), rtol=1e-12)


def test_batch_norm_without_running_statistics_or_affine(device):
    x = rng.standard_normal((4, 3, 5))
    check(
        lambda t: F.batch_norm(t, None, None, training=True),
        lambda t: TF.batch_norm(t, None, None, training=True),
        x,
        device=device,
    )


def test_batch_norm_second_derivatives():
    def train(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    assert gv.autograd.gradgradcheck(train, _params((4, 3, 2), (3,), (3,)))
    stats = [gv.tensor(rng.standard_normal(3)), gv.tensor(rng.uniform(0.5, 2, 3))]
    assert gv.autograd.gradgradcheck(
        lambda x, w, b: F.batch_norm(x, *stats, w, b) ** 2, _params((4, 3), (3,), (3,))
    )


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training"):
        F.batch_norm(gv.ones(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match=r"batch_norm: running_mean and running_var must be given"):
        F.batch_norm(gv.ones(2, 3), None, None)
    with pytest.raises(RuntimeError, match=r"batch_norm: running_mean has shape \(4,\).*3 channels"):
        F.batch_norm(gv.ones(2, 3), gv.zeros(4), gv.ones(3))


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize(
    "input_dtype, stats_dtype, weight_dtype",
    [("float32", "float64", None), ("float64", "float32", None), ("float32", "float32", "float64")],
)
def test_batch_norm_refuses_mixed_dtypes_like_pytorch(training, input_dtype, stats_dtype, weight_dtype):
    def call(lib, F):
        x = lib.ones(4, 3, dtype=getattr(lib, input_dtype))
        stats = lib.zeros(3, dtype=getattr(lib, stats_dtype)), lib.ones(3, dtype=getattr(lib, stats_dtype))
        weight = None if weight_dtype is None else lib.ones(3, dtype=getattr(lib, weight_dtype))
        return F.batch_norm(x, *stats, weight, training=training)

    with pytest.raises(RuntimeError, match="mixed dtype"):
        call(torch, TF)
    odd = "weight" if weight_dtype else "running_mean"
    with pytest.raises(gv.errors.DtypeError, match=rf"batch_norm: {odd} is gradviz.float.. but the input"):
        call(gv, F)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_of_float16_with_float32_statistics_gives_float16_like_pytorch(training, device):
    x = rng.standard_normal((6, 3))
    g_stats = [gv.zeros(3, device=device), gv.ones(3, device=device)]
    t_stats = [torch.zeros(3), torch.ones(3)]
    g_x = gv.tensor(x, dtype=gv.float16, device=device, requires_grad=True)
    t_x = torch.tensor(x, dtype=torch.float16, requires_grad=True)
    g_w, t_w = gv.ones(3, device=device, requires_grad=True), torch.ones(3, requires_grad=True)
    g_out = F.batch_norm(g_x, *g_stats, g_w, training=training)
    t_out = TF.batch_norm(t_x, *t_stats, t_w, training=training)
    g_out.float().sum().backward()
    t_out.float().sum().backward()
    assert g_out.dtype == gv.float16 and t_out.dtype == torch.float16
    assert g_x.grad.dtype == gv.float16 and g_w.grad.dtype == gv.float32 and t_w.grad.dtype == torch.float32
    np.testing.assert_allclose(host(g_out), t_out.detach().numpy(), atol=2e-3)
    np.testing.assert_allclose(host(g_w.grad), t_w.grad.numpy(), atol=1e-2)
    for g, t in zip(g_stats, t_stats):
        assert g.dtype == gv.float32
        np.testing.assert_allclose(host(g), t.numpy(), atol=1e-3)


def test_dropout_scales_kept_elements_and_routes_gradients(device):
    x = gv.tensor(rng.standard_normal((100, 50)), device=device, requires_grad=True)
    out = F.dropout(x, 0.3)
    out.sum().backward()
    kept = host(out) != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(host(out)[kept], host(x)[kept] / 0.7)
    np.testing.assert_allclose(host(x.grad), kept / 0.7)


def test_dropout_identity_cases_and_seeding():
    x = gv.ones(4, 5)
    assert F.dropout(x, 0.5, training=False) is x and F.dropout(x, 0.0) is x
    assert host(F.dropout(x, 1.0)).sum() == 0
    gv.manual_seed(7)
    on_cpu = F.dropout(gv.ones(20), 0.5).tolist()
    gv.manual_seed(7)
    assert F.dropout(gv.ones(20, device="sim"), 0.5).tolist() == on_cpu
    with pytest.raises(ValueError, match=r"dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)


@pytest.mark.parametrize("padding_idx", [None, 2, -3])
def test_embedding(padding_idx, device):
    indices = rng.integers(0, 5, (3, 4))
    indices[0, :2] = 2
    check(
        lambda i, w: F.embedding(i, w, padding_idx),
        lambda i, w: TF.embedding(i, w, padding_idx),
        indices,
        rng.standard_normal((5, 3)),
        device=device,
        gradcheck=padding_idx is None,
    )


@pytest.mark.parametrize("num_classes", [-1, 7])
def test_one_hot(num_classes, device):
    indices = rng.integers(0, 5, (3, 4))
    ours = F.one_hot(gv.tensor(indices, device=device), num_classes)
    theirs = TF.one_hot(torch.tensor(indices), num_classes)
    assert ours.dtype == gv.int64 and ours.device == device and not ours.requires_grad
    np.testing.assert_array_equal(host(ours), theirs.numpy())


def test_one_hot_errors():
    with pytest.raises(IndexError, match=r"one_hot: class index 3 is out of range for num_classes=3"):
        F.one_hot(gv.tensor([0, 3]), 3)
    with pytest.raises(TypeError, match=r"one_hot: needs an integer tensor.*float32.*\.long\(\)"):
        F.one_hot(gv.tensor([1.0]))


def test_embedding_second_derivatives_and_errors():
    indices = gv.tensor([[0, 2, 2], [1, 4, 0]])
    assert gv.autograd.gradgradcheck(lambda w: F.embedding(indices, w, padding_idx=2) ** 2, _params((5, 3)))
    with pytest.raises(IndexError, match=r"embedding: index 5 is out of range for a weight with 5 rows"):
        F.embedding(gv.tensor([1, 5]), gv.ones(5, 2))
    with pytest.raises(TypeError, match=r"embedding: indices must be an integer tensor.*float32.*\.long\(\)"):
        F.embedding(gv.tensor([1.0]), gv.ones(5, 2))


@pytest.mark.parametrize("widths", [(1, 2), (1, 1, 2, 0), (0, 3, 2, 1, 1, 1), (-1, 2, 1, -2)])
def test_constant_pad(widths, device):
    x = rng.standard_normal((2, 3, 4, 5))
    check(lambda t: F.pad(t, widths, value=1.5), lambda t: TF.pad(t, widths, value=1.5), x, device=device)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    ("shape", "widths"),
    [((3, 4), (3, 2)), ((2, 3, 4), (1, 2)), ((3, 4, 5), (2, 1, 3, 0)), ((2, 3, 4, 5, 4), (1, 2, 0, 1, 1, 1))],
)
def test_index_pad_modes(mode, shape, widths, device):
    x = rng.standard_normal(shape)
    check(lambda t: F.pad(t, widths, mode), lambda t: TF.pad(t, widths, mode), x, device=device)


def test_pad_second_derivatives():
    (x,) = _params((3, 4, 5))
    assert gv.autograd.gradgradcheck(lambda t: F.pad(t, (1, 2, 2, 1), "reflect") ** 2, [x])
    assert gv.autograd.gradgradcheck(lambda t: F.pad(t, (1, -2)) ** 2, [x])


def test_pad_errors():
    with pytest.raises(RuntimeError, match=r"pad: pad=\(1,\) must hold an even number of values"):
        F.pad(gv.ones(3, 4), (1,))
    with pytest.raises(
        RuntimeError, match=r"pad: mode 'reflect' needs padding in \[0, 3\] for dim 1 of size 4"
    ):
        F.pad(gv.ones(3, 4), (4, 0), "reflect")
    with pytest.raises(RuntimeError, match=r"pad: mode 'replicate' pads the last 1-3 dims.*got shape \(4,\)"):
        F.pad(gv.ones(4), (1, 1), "replicate")
    with pytest.raises(ValueError, match=r"pad: unknown mode 'wrap'"):
        F.pad(gv.ones(3, 4), (1, 1), "wrap")


def _qkv():
    return (
        rng.standard_normal((2, 2, 3, 4)),
        rng.standard_normal((2, 2, 5, 4)),
        rng.standard_normal((2, 2, 5, 6)),
    )


@pytest.mark.parametrize("options", [{}, {"is_causal": True}, {"scale": 0.3}])
def test_attention(options, device):
    check(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **options),
        lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, **options),
        *_qkv(),
        device=device,
    )


def test_attention_bool_mask_with_a_fully_masked_query(device):
    mask = rng.random((3, 5)) > 0.4
    mask[0] = False
    check(
        lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
        lambda q, k, v, m: TF.scaled_dot_product_attention(q, k, v, attn_mask=m),
        *_qkv(),
        mask,
        device=device,
    )


def test_attention_float_mask(device):
    mask = rng.standard_normal((2, 1, 3, 5))
    mask[0, 0, 1] = -np.inf
    check(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=gv.tensor(mask, device=device)),
        lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, attn_mask=torch.tensor(mask)),
        *_qkv(),
        device=device,
    )


def test_attention_steps_are_graph_nodes_and_twice_differentiable():
    q, k, v = (gv.tensor(a[:1, :1], requires_grad=True) for a in _qkv())
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert out.grad_fn.name == "matmul"
    assert gv.autograd.gradgradcheck(lambda *a: F.scaled_dot_product_attention(*a, is_causal=True), [q, k, v])


def test_attention_dropout_matches_manual_composition():
    q, k, v = (gv.tensor(a) for a in _qkv())
    gv.manual_seed(3)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    gv.manual_seed(3)
    weights = F.dropout(F.softmax(q @ k.transpose(-2, -1) / 2.0, -1), 0.4)
    np.testing.assert_allclose(host(out), host(weights @ v))


def test_attention_errors():
    q, k, v = (gv.tensor(a) for a in _qkv())
    with pytest.raises(ValueError, match=r"explicit attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=gv.ones(3, 5, dtype=gv.bool), is_causal=True)
    with pytest.raises(
        RuntimeError, match=r"query \(2, 2, 3, 4\), key \(2, 2, 5, 4\) and value \(2, 2, 4, 6\)"
    ):
        F.scaled_dot_product_attention(q, k, v[:, :, :4])
    with pytest.raises(TypeError, match=r"attn_mask must be bool .* got gradviz.int64"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=gv.ones(3, 5, dtype=gv.int64))


@pytest.mark.parametrize("shape", [(3, 4), (5, 3), (3, 2, 3, 5), (4, 2, 2, 3, 5)], ids=str)
@pytest.mark.parametrize("dtype", ["bool", "float64"])
def test_attention_mask_that_does_not_fit_the_scores_names_both_shapes(shape, dtype):
    q, k, v = _qkv()
    mask = np.ones(shape, dtype=dtype)
    with pytest.raises(RuntimeError):
        TF.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), attn_mask=torch.tensor(mask))
    message = (
        rf"scaled_dot_product_attention: attn_mask of shape {re.escape(str(shape))} does not broadcast to "
        r"the attention scores' shape \(2, 2, 3, 5\)"
    )
    with pytest.raises(ShapeError, match=message):
        F.scaled_dot_product_attention(*map(gv.tensor, (q, k, v)), attn_mask=gv.tensor(mask))


def test_linear_accepts_a_bias_that_broadcasts_to_the_output(device):
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((3, 5))
    check(F.linear, torch.nn.functional.linear, x, w, b, device=device)
    with pytest.raises(ShapeError, match=r"bias of shape \(2, 5\)"):
        F.linear(gv.ones(3, 4), gv.ones(5, 4), gv.ones(2, 5))

"""MultiheadAttention against PyTorch with the same weights: outputs, weights, input and parameter grads."""

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.errors import ShapeError
from gradviz.nn.layers.attention import MultiheadAttention
from tests.oracle import host

E, HEADS, L, S, N = 8, 2, 4, 6, 3


def load_torch_state(module, torch_module):
    """Copy ``torch_module``'s state into ``module`` (keys must be the same) and return ``module``."""
    module.load_state_dict({k: gv.tensor(v.detach().numpy()) for k, v in torch_module.state_dict().items()})
    return module


def assert_close(gv_tensor, torch_tensor, what):
    np.testing.assert_allclose(host(gv_tensor), torch_tensor.detach().numpy(), atol=1e-10, err_msg=what)


def assert_parameter_grads(module, torch_module):
    torch_grads = dict(torch_module.named_parameters())
    for name, param in module.named_parameters():
        assert_close(param.grad, torch_grads[name].grad, f"gradient of {name}")


def pair(kwargs=None):
    torch_module = torch.nn.MultiheadAttention(E, HEADS, **(kwargs or {})).double()
    return load_torch_state(
        MultiheadAttention(E, HEADS, **(kwargs or {})).double(), torch_module
    ), torch_module


def inputs(shapes, rng):
    arrays = [rng.standard_normal(shape) for shape in shapes]
    return [gv.tensor(a, requires_grad=True) for a in arrays], [
        torch.tensor(a, requires_grad=True) for a in arrays
    ]


def masks(rng):
    blocked = rng.random((L, S)) > 0.6
    blocked[:, 0] = False
    padding = np.zeros((N, S), dtype=bool)
    padding[1, 4:] = True
    return {
        "bool attn_mask": {"attn_mask": blocked},
        "float attn_mask": {"attn_mask": rng.standard_normal((L, S))},
        "per-head attn_mask": {"attn_mask": rng.standard_normal((N * HEADS, L, S))},
        "bool key_padding_mask": {"key_padding_mask": padding},
        "float key_padding_mask": {"key_padding_mask": np.where(padding, -np.inf, 0.0)},
        "both masks": {"attn_mask": blocked, "key_padding_mask": padding},
    }


def run_both(module, torch_module, gv_in, torch_in, options, arrays):
    """Forward both with ``options`` (numpy masks converted for each), backward a random function of
    the outputs, and compare outputs, weights and every gradient."""
    gv_out = module(*gv_in, **options, **{k: gv.tensor(a) for k, a in arrays.items()})
    torch_out = torch_module(*torch_in, **options, **{k: torch.tensor(a) for k, a in arrays.items()})
    assert_close(gv_out[0], torch_out[0], "attention output")
    if torch_out[1] is None:
        assert gv_out[1] is None
        gv_loss, torch_loss = (out[0].pow(2).sum() for out in (gv_out, torch_out))
    else:
        assert_close(gv_out[1], torch_out[1], "attention weights")
        gv_loss, torch_loss = (out[0].pow(2).sum() + out[1].pow(3).sum() for out in (gv_out, torch_out))
    gv_loss.backward()
    torch_loss.backward()
    for i, (g, t) in enumerate(zip(gv_in, torch_in)):
        if t.grad is not None:
            assert_close(g.grad, t.grad, f"gradient of input {i}")
    assert_parameter_grads(module, torch_module)
    return gv_out


@pytest.mark.parametrize("case", list(masks(np.random.default_rng(0))))
def test_cross_attention_with_masks_matches_torch(case):
    rng = np.random.default_rng(1)
    module, torch_module = pair()
    gv_in, torch_in = inputs([(L, N, E), (S, N, E), (S, N, E)], rng)
    run_both(module, torch_module, gv_in, torch_in, {}, masks(rng)[case])


@pytest.mark.parametrize(
    "options",
    [{}, {"need_weights": False}, {"average_attn_weights": False}],
    ids=["averaged", "no weights", "per head"],
)
def test_self_attention_matches_torch(options):
    rng = np.random.default_rng(2)
    module, torch_module = pair()
    x = rng.standard_normal((L, N, E))
    gv_x, torch_x = gv.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    run_both(module, torch_module, (gv_x, gv_x, gv_x), (torch_x, torch_x, torch_x), options, {})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kdim": 3, "vdim": 5},
        {"batch_first": True},
        {"add_bias_kv": True, "add_zero_attn": True},
        {"bias": False},
    ],
    ids=["kdim/vdim", "batch_first", "bias_kv and zero_attn", "no bias"],
)
def test_module_options_match_torch(kwargs):
    rng = np.random.default_rng(3)
    module, torch_module = pair(kwargs)
    assert list(module.state_dict()) == list(torch_module.state_dict())
    kdim, vdim = kwargs.get("kdim", E), kwargs.get("vdim", E)
    shapes = [(L, N, E), (S, N, kdim), (S, N, vdim)]
    if kwargs.get("batch_first"):
        shapes = [(shape[1], shape[0], shape[2]) for shape in shapes]
    gv_in, torch_in = inputs(shapes, rng)
    padding = np.zeros((N, S), dtype=bool)
    padding[0, -2:] = True
    options = {"average_attn_weights": False}
    run_both(module, torch_module, gv_in, torch_in, options, {"key_padding_mask": padding})


def test_unbatched_input_matches_torch():
    rng = np.random.default_rng(4)
    module, torch_module = pair()
    gv_in, torch_in = inputs([(L, E), (S, E), (S, E)], rng)
    run_both(module, torch_module, gv_in, torch_in, {"average_attn_weights": False}, {})
    assert tuple(module.last_attn_weights.shape) == (1, HEADS, L, S)


def test_state_dict_keys_and_shapes_equal_torch():
    for kwargs in ({}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True}):
        module, torch_module = (
            MultiheadAttention(E, HEADS, **kwargs),
            torch.nn.MultiheadAttention(E, HEADS, **kwargs),
        )
        shapes = {k: tuple(v.shape) for k, v in module.state_dict().items()}
        assert shapes == {k: tuple(v.shape) for k, v in torch_module.state_dict().items()}


def test_initialisation_follows_torch():
    module = MultiheadAttention(E, HEADS)
    bound = np.sqrt(6 / (E + 3 * E))
    weight = host(module.in_proj_weight)
    assert np.abs(weight).max() <= bound and weight.std() > bound / 4
    assert not host(module.in_proj_bias).any() and not host(module.out_proj.bias).any()


def test_last_attn_weights_are_the_detached_per_head_weights():
    rng = np.random.default_rng(5)
    module = MultiheadAttention(E, HEADS).double()
    q, k = gv.tensor(rng.standard_normal((L, N, E))), gv.tensor(rng.standard_normal((S, N, E)))
    _, weights = module(q, k, k, average_attn_weights=False)
    stored = module.last_attn_weights
    assert tuple(stored.shape) == (N, HEADS, L, S) and stored.grad_fn is None and not stored.requires_grad
    np.testing.assert_allclose(host(stored), host(weights))
    np.testing.assert_allclose(host(stored).sum(-1), 1)


def test_dropout_drops_weights_in_training_only():
    rng = np.random.default_rng(6)
    module = MultiheadAttention(E, HEADS, dropout=0.5).double()
    x = gv.tensor(rng.standard_normal((L, N, E)))
    _, dropped = module(x, x, x, average_attn_weights=False)
    kept = host(dropped)[host(dropped) != 0] / host(module.last_attn_weights)[host(dropped) != 0]
    np.testing.assert_allclose(kept, 2.0)
    assert 0.2 < (host(dropped) == 0).mean() < 0.8
    np.testing.assert_allclose(host(module.last_attn_weights).sum(-1), 1)
    module.eval()
    first, second = module(x, x, x)[0], module(x, x, x)[0]
    np.testing.assert_array_equal(host(first), host(second))


def test_causal_hint_needs_a_mask():
    module = MultiheadAttention(E, HEADS)
    x = gv.randn(L, N, E)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        module(x, x, x, is_causal=True)


def test_bad_shapes_and_masks_are_refused():
    module = MultiheadAttention(E, HEADS)
    x = gv.randn(L, N, E)
    with pytest.raises(ShapeError, match="last dim 8"):
        module(x, gv.randn(S, N, 5), gv.randn(S, N, 5))
    with pytest.raises(ShapeError, match="attn_mask should have shape"):
        module(x, x, x, attn_mask=gv.zeros(L, L + 1, dtype=gv.bool))
    with pytest.raises(ValueError, match="divisible"):
        MultiheadAttention(E, 3)


def test_runs_on_device(device):
    rng = np.random.default_rng(7)
    module = MultiheadAttention(E, HEADS)
    arrays = [rng.standard_normal(shape).astype(np.float32) for shape in ((L, N, E), (S, N, E))]
    padding = np.zeros((N, S), dtype=bool)
    padding[2, 3:] = True
    expected = module(
        *(gv.tensor(a) for a in (arrays[0], arrays[1], arrays[1])), key_padding_mask=gv.tensor(padding)
    )
    module.to(device)
    q, k = (gv.tensor(a, device=device, requires_grad=True) for a in arrays)
    output, weights = module(q, k, k, key_padding_mask=gv.tensor(padding, device=device))
    assert output.device == gv.device(device) and module.last_attn_weights.device == gv.device(device)
    np.testing.assert_allclose(host(output), host(expected[0]), rtol=1e-5, atol=1e-6)
    output.sum().backward()
    assert module.in_proj_weight.grad.device == gv.device(device) and k.grad.device == gv.device(device)

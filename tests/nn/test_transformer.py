"""Transformer layers, stacks and positional encoding against PyTorch with the same weights (float64)."""

import copy
import math

import numpy as np
import pytest
import torch

import gradviz as gv
from gradviz.autograd import events
from gradviz.nn.layers.normalization import LayerNorm
from gradviz.nn.layers.positional import PositionalEncoding
from gradviz.nn.layers.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
    generate_square_subsequent_mask,
)
from tests.nn.test_attention import assert_close, assert_parameter_grads, load_torch_state
from tests.oracle import host

D, HEADS, FF, L, S, N = 8, 2, 16, 5, 7, 3


def leaves(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    return [gv.tensor(a, requires_grad=True) for a in arrays], [
        torch.tensor(a, requires_grad=True) for a in arrays
    ]


def padding_mask(batch, length):
    mask = np.zeros((batch, length), dtype=bool)
    mask[1, length - 2 :] = True
    return mask


def check_against_torch(module, torch_module, gv_in, torch_in, gv_options, torch_options):
    assert list(module.state_dict()) == list(torch_module.state_dict())
    gv_out, torch_out = module(*gv_in, **gv_options), torch_module(*torch_in, **torch_options)
    assert_close(gv_out, torch_out, "output")
    seed = np.random.default_rng(9).standard_normal(tuple(torch_out.shape))
    (gv_out * gv.tensor(seed)).sum().backward()
    (torch_out * torch.tensor(seed)).sum().backward()
    for i, (g, t) in enumerate(zip(gv_in, torch_in)):
        assert_close(g.grad, t.grad, f"gradient of input {i}")
    assert_parameter_grads(module, torch_module)


def both_masks(causal_size, padding):
    """The same causal float mask and bool padding mask, for gradviz and for torch."""
    causal = torch.nn.Transformer.generate_square_subsequent_mask(causal_size, dtype=torch.float64)
    return (gv.tensor(causal.numpy()), gv.tensor(padding)), (causal, torch.tensor(padding))


torch_mixed_masks = pytest.mark.filterwarnings("ignore:Support for mismatched")

ACTIVATIONS = {"relu": ("relu", "relu"), "gelu": ("gelu", "gelu"), "callable": (gv.tanh, torch.tanh)}


@torch_mixed_masks
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_torch(norm_first, activation):
    gv_act, torch_act = ACTIVATIONS[activation]
    options = {"dim_feedforward": FF, "dropout": 0.0, "norm_first": norm_first}
    torch_layer = torch.nn.TransformerEncoderLayer(D, HEADS, activation=torch_act, **options).double()
    layer = load_torch_state(
        TransformerEncoderLayer(D, HEADS, activation=gv_act, **options).double(), torch_layer
    )
    (mask, padding), (torch_mask, torch_padding) = both_masks(L, padding_mask(N, L))
    gv_in, torch_in = leaves((L, N, D))
    check_against_torch(
        layer,
        torch_layer,
        gv_in,
        torch_in,
        {"src_mask": mask, "src_key_padding_mask": padding, "is_causal": True},
        {"src_mask": torch_mask, "src_key_padding_mask": torch_padding, "is_causal": True},
    )


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(norm_first, batch_first):
    options = {"dim_feedforward": FF, "dropout": 0.0, "norm_first": norm_first, "batch_first": batch_first}
    torch_layer = torch.nn.TransformerDecoderLayer(D, HEADS, activation="gelu", **options).double()
    layer = load_torch_state(
        TransformerDecoderLayer(D, HEADS, activation="gelu", **options).double(), torch_layer
    )
    (mask, padding), (torch_mask, torch_padding) = both_masks(L, padding_mask(N, S))
    shapes = [(N, L, D), (N, S, D)] if batch_first else [(L, N, D), (S, N, D)]
    gv_in, torch_in = leaves(*shapes, seed=1)
    check_against_torch(
        layer,
        torch_layer,
        gv_in,
        torch_in,
        {"tgt_mask": mask, "memory_key_padding_mask": padding, "tgt_is_causal": True},
        {"tgt_mask": torch_mask, "memory_key_padding_mask": torch_padding, "tgt_is_causal": True},
    )


@torch_mixed_masks
def test_encoder_stack_with_norm_matches_torch():
    torch_stack = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0),
        num_layers=3,
        norm=torch.nn.LayerNorm(D),
        enable_nested_tensor=False,
    ).double()
    stack = TransformerEncoder(
        TransformerEncoderLayer(D, HEADS, FF, dropout=0.0), 3, norm=LayerNorm(D)
    ).double()
    load_torch_state(stack, torch_stack)
    (mask, padding), (torch_mask, torch_padding) = both_masks(L, padding_mask(N, L))
    gv_in, torch_in = leaves((L, N, D), seed=2)
    check_against_torch(
        stack,
        torch_stack,
        gv_in,
        torch_in,
        {"mask": mask, "src_key_padding_mask": padding},
        {"mask": torch_mask, "src_key_padding_mask": torch_padding},
    )


def test_decoder_stack_matches_torch():
    torch_stack = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0, norm_first=True), num_layers=2
    ).double()
    stack = TransformerDecoder(
        TransformerDecoderLayer(D, HEADS, FF, dropout=0.0, norm_first=True), 2
    ).double()
    load_torch_state(stack, torch_stack)
    (mask, _), (torch_mask, _) = both_masks(L, padding_mask(N, S))
    gv_in, torch_in = leaves((L, N, D), (S, N, D), seed=3)
    check_against_torch(stack, torch_stack, gv_in, torch_in, {"tgt_mask": mask}, {"tgt_mask": torch_mask})


def test_transformer_matches_torch_in_train_mode_without_dropout():
    torch_model = torch.nn.Transformer(D, HEADS, 2, 2, FF, dropout=0.0, batch_first=True).double()
    model = load_torch_state(
        Transformer(D, HEADS, 2, 2, FF, dropout=0.0, batch_first=True).double(), torch_model
    )
    mask = Transformer.generate_square_subsequent_mask(L, dtype=gv.float64)
    torch_mask = torch.nn.Transformer.generate_square_subsequent_mask(L, dtype=torch.float64)
    gv_in, torch_in = leaves((N, S, D), (N, L, D), seed=4)
    check_against_torch(model, torch_model, gv_in, torch_in, {"tgt_mask": mask}, {"tgt_mask": torch_mask})


def test_transformer_initialises_matrices_xavier_uniform():
    model = Transformer(D, HEADS, 1, 1, FF)
    weight = host(model.encoder.layers[0].linear1.weight)
    bound = math.sqrt(6 / (D + FF))
    assert np.abs(weight).max() <= bound and weight.std() > bound / 4


def test_dropout_is_random_in_training_and_off_in_eval():
    layer = TransformerEncoderLayer(D, HEADS, FF, dropout=0.5).double()
    x = gv.randn(L, N, D, dtype=gv.float64)
    assert not np.allclose(host(layer(x)), host(layer(x)))
    layer.eval()
    np.testing.assert_array_equal(host(layer(x)), host(layer(x)))


def test_square_subsequent_mask_equals_torch():
    mask = generate_square_subsequent_mask(4)
    expected = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert mask.dtype == gv.float32
    np.testing.assert_array_equal(host(mask), expected.numpy())


def test_stacks_hold_independent_deep_copies_with_their_own_names():
    layer = TransformerEncoderLayer(D, HEADS, FF)
    stack = TransformerEncoder(layer, 2)
    first, second = stack.layers[0], stack.layers[1]
    assert first is not layer and first.linear1.weight is not second.linear1.weight
    np.testing.assert_array_equal(host(first.linear1.weight), host(layer.linear1.weight))
    with gv.no_grad():
        first.linear1.weight.fill_(1.0)
    assert not np.allclose(host(second.linear1.weight), 1.0)
    assert type(first.linear1.weight).__name__ == "Parameter" and first.linear1.weight.requires_grad
    modules = set()
    handle = events.subscribe(lambda event: modules.add(event.module))
    stack(gv.randn(L, N, D))
    handle.remove()
    assert {"layers.0.self_attn", "layers.1.self_attn", "layers.1.linear2"} <= modules


def test_attention_weights_of_every_layer_are_kept():
    model = Transformer(D, HEADS, 2, 1, FF, dropout=0.0)
    model(gv.randn(S, N, D), gv.randn(L, N, D))
    decoder = model.decoder.layers[0]
    assert tuple(model.encoder.layers[1].self_attn.last_attn_weights.shape) == (N, HEADS, S, S)
    assert tuple(decoder.multihead_attn.last_attn_weights.shape) == (N, HEADS, L, S)


def test_unknown_activation_is_refused():
    with pytest.raises(RuntimeError, match="relu/gelu"):
        TransformerEncoderLayer(D, HEADS, activation="swish")


def test_layers_run_on_device(device):
    model = Transformer(D, HEADS, 1, 1, FF, dropout=0.0)
    rng = np.random.default_rng(5)
    src, tgt = (rng.standard_normal(shape).astype(np.float32) for shape in ((S, N, D), (L, N, D)))
    expected = model(gv.tensor(src), gv.tensor(tgt), tgt_mask=generate_square_subsequent_mask(L))
    model.to(device)
    gv_src = gv.tensor(src, device=device, requires_grad=True)
    output = model(
        gv_src, gv.tensor(tgt, device=device), tgt_mask=generate_square_subsequent_mask(L, device=device)
    )
    np.testing.assert_allclose(host(output), host(expected), rtol=1e-5, atol=1e-5)
    output.sum().backward()
    assert gv_src.grad.device == gv.device(device)


# ---- positional encoding ----


def formula(max_len, d_model):
    table = np.zeros((max_len, d_model))
    for pos in range(max_len):
        for i in range(d_model):
            angle = pos / 10000 ** (2 * (i // 2) / d_model)
            table[pos, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
    return table


@pytest.mark.parametrize("d_model", [6, 7])
def test_positional_encoding_values_follow_the_formula(d_model):
    encoding = PositionalEncoding(d_model, max_len=40, dtype=gv.float64)
    np.testing.assert_allclose(host(encoding.pe), formula(40, d_model), atol=1e-12)
    assert list(encoding.state_dict()) == [] and [name for name, _ in encoding.named_buffers()] == ["pe"]


@pytest.mark.parametrize("batch_first", [False, True])
def test_positional_encoding_is_added_per_position(batch_first):
    encoding = PositionalEncoding(D, max_len=20, batch_first=batch_first, dtype=gv.float64)
    shape = (N, L, D) if batch_first else (L, N, D)
    x = gv.zeros(*shape, dtype=gv.float64, requires_grad=True)
    out = encoding(x)
    per_sample = host(out)[1] if batch_first else host(out)[:, 1]
    np.testing.assert_allclose(per_sample, formula(20, D)[:L], atol=1e-12)
    out.sum().backward()
    np.testing.assert_array_equal(host(x.grad), np.ones(shape))
    np.testing.assert_allclose(
        host(encoding(gv.zeros(L, D, dtype=gv.float64))), formula(20, D)[:L], atol=1e-12
    )


def test_positional_encoding_dropout_and_length_check():
    encoding = PositionalEncoding(D, max_len=10, dropout=0.5)
    out = host(encoding(gv.ones(10, 50, D)))
    assert 0.3 < (out == 0).mean() < 0.7
    with pytest.raises(ValueError, match="at most 10 positions"):
        encoding(gv.ones(11, 1, D))


def test_positional_encoding_moves_with_the_module(device):
    encoding = PositionalEncoding(D, max_len=10).to(device)
    out = encoding(gv.zeros(4, 2, D, device=device))
    assert encoding.pe.device == gv.device(device) and out.device == gv.device(device)
    np.testing.assert_allclose(host(out)[:, 0], formula(10, D)[:4], atol=1e-6)


def test_deepcopy_of_a_whole_model_keeps_values():
    model = Transformer(D, HEADS, 1, 1, FF, dropout=0.0)
    clone = copy.deepcopy(model)
    src, tgt = gv.randn(S, N, D), gv.randn(L, N, D)
    np.testing.assert_array_equal(host(model(src, tgt)), host(clone(src, tgt)))
